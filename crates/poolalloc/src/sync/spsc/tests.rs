use super::*;
use std::vec::Vec;

#[test]
fn split_hands_out_one_pair() {
    let q: SpscQueue<4> = SpscQueue::new();
    let (mut tx, mut rx) = q.split().unwrap();
    assert!(q.split().is_none());
    tx.push(7).unwrap();
    assert_eq!(rx.pop(), Some(7));
    assert_eq!(rx.pop(), None);
}

#[test]
fn a_full_queue_refuses_and_counts() {
    let mut q: SpscQueue<3> = SpscQueue::new();
    let (mut tx, mut rx) = q.split_mut();
    assert_eq!(tx.room(), 3);
    assert_eq!(tx.push_slice(&[1, 2, 3, 4, 5]), 3);
    assert_eq!(tx.push(6), Err(QueueFull(6)));
    assert_eq!(tx.dropped(), 3);
    assert_eq!(tx.room(), 0);
    assert_eq!(rx.available(), 3);
    let mut out = [0u8; 5];
    assert_eq!(rx.pop_into(&mut out), 3);
    assert_eq!(&out[..3], &[1, 2, 3]);
    assert_eq!(rx.pop(), None);
    // A new pair from the same owned queue.
    let (mut tx, mut rx) = q.split_mut();
    tx.push(9).unwrap();
    assert_eq!(rx.pop(), Some(9));
    assert_eq!(q.len(), 0);
    assert_eq!(
        std::format!("{q:?}"),
        "SpscQueue { len: 0, capacity: 3, dropped: 3 }"
    );
}

#[test]
fn indices_wrap_many_times_without_losing_a_byte() {
    // Odd capacity: the slot mapping must stay right as the counters pass
    // 2 * N again and again.
    let mut q: SpscQueue<5> = SpscQueue::new();
    let (mut tx, mut rx) = q.split_mut();
    let mut next_in = 0u8;
    let mut next_out = 0u8;
    for round in 0..200usize {
        for _ in 0..(round % 6) {
            if tx.push(next_in).is_ok() {
                next_in = next_in.wrapping_add(1);
            }
        }
        for _ in 0..(round % 4) {
            if let Some(b) = rx.pop() {
                assert_eq!(b, next_out);
                next_out = next_out.wrapping_add(1);
            }
        }
        let queued = next_in.wrapping_sub(next_out) as usize;
        assert_eq!(rx.available(), queued);
        assert!(queued <= 5);
    }
}

#[test]
fn one_producer_thread_one_consumer_thread() {
    static QUEUE: SpscQueue<8> = SpscQueue::new();
    let total: u32 = if cfg!(miri) { 60 } else { 100_000 };
    let (mut tx, mut rx) = QUEUE.split().unwrap();
    let received = std::thread::scope(|s| {
        s.spawn(move || {
            for i in 0..total {
                while tx.push(i as u8).is_err() {
                    std::thread::yield_now();
                }
            }
        });
        let mut received = Vec::new();
        while received.len() < total as usize {
            match rx.pop() {
                Some(b) => received.push(b),
                None => std::thread::yield_now(),
            }
        }
        received
    });
    assert!(received.iter().enumerate().all(|(i, &b)| b == i as u8));
    assert!(QUEUE.is_empty());
}
