use super::*;
use std::vec::Vec;

type Deque<const N: usize> = SpinDeque<N>;

#[test]
fn a_full_deque_refuses_and_counts() {
    let q: Deque<3> = Deque::new();
    assert_eq!(q.capacity(), 3);
    assert!(q.is_empty());
    for b in 1..=3 {
        assert_eq!(q.push(b), Ok(()));
    }
    assert_eq!(q.push(4), Err(QueueFull(4)));
    assert_eq!(q.push_front(5), Err(QueueFull(5)));
    assert_eq!(q.dropped(), 2);
    assert_eq!(q.len(), 3);
    assert_eq!(q.pop(), Some(1));
    assert_eq!(q.pop(), Some(2));
    assert_eq!(q.pop(), Some(3));
    assert_eq!(q.pop(), None);
    assert_eq!(q.pop_back(), None);
    assert_eq!(q.dropped(), 2);
}

#[test]
fn both_ends_and_wrap_around() {
    let q: Deque<4> = Deque::new();
    for round in 0..10u8 {
        q.push(round).unwrap();
        q.push_front(100 + round).unwrap();
        q.push(200 + round).unwrap();
        assert_eq!(q.pop(), Some(100 + round));
        assert_eq!(q.pop_back(), Some(200 + round));
        assert_eq!(q.pop(), Some(round));
        assert!(q.is_empty());
    }
}

#[test]
fn overwriting_keeps_the_newest() {
    let q: Deque<3> = Deque::new();
    assert_eq!(q.push_overwriting(1), None);
    assert_eq!(q.push_overwriting(2), None);
    assert_eq!(q.push_overwriting(3), None);
    assert_eq!(q.push_overwriting(4), Some(1));
    assert_eq!(q.push_overwriting(5), Some(2));
    assert_eq!(q.dropped(), 2);
    let mut out = [0u8; 8];
    assert_eq!(q.pop_into(&mut out), 3);
    assert_eq!(&out[..3], &[3, 4, 5]);

    let empty: Deque<0> = Deque::new();
    assert_eq!(empty.push_overwriting(9), Some(9));
    assert_eq!(empty.push(9), Err(QueueFull(9)));
    assert_eq!(empty.push_slice(&[1, 2]), 0);
    assert_eq!(empty.dropped(), 4);
    assert_eq!(empty.pop_into(&mut out), 0);
}

#[test]
fn slices_split_across_the_end_of_the_ring() {
    let q: Deque<5> = Deque::new();
    assert_eq!(q.push_slice(&[1, 2, 3]), 3);
    let mut two = [0u8; 2];
    assert_eq!(q.pop_into(&mut two), 2);
    assert_eq!(two, [1, 2]);
    // Head at 2; these wrap past the end of the storage.
    assert_eq!(q.push_slice(&[4, 5, 6, 7, 8, 9]), 4);
    assert_eq!(q.dropped(), 2);
    let mut out = [0u8; 7];
    assert_eq!(q.pop_into(&mut out), 5);
    assert_eq!(&out[..5], &[3, 4, 5, 6, 7]);
    q.push(1).unwrap();
    q.clear();
    assert!(q.is_empty());
    assert_eq!(q.dropped(), 2);
    assert_eq!(
        std::format!("{q:?}"),
        "GlobalDeque { len: 0, capacity: 5, dropped: 2 }"
    );
    assert_eq!(
        std::format!("{}", QueueFull(0x41)),
        "queue full: byte 0x41 refused"
    );
}

#[test]
fn producers_and_a_consumer_on_threads_lose_and_reorder_nothing() {
    static QUEUE: SpinDeque<16> = SpinDeque::new();
    let per_producer: u8 = if cfg!(miri) { 20 } else { 250 };
    let received = std::thread::scope(|s| {
        for producer in 0..2u8 {
            s.spawn(move || {
                for i in 0..per_producer {
                    // Producer 0 sends even bytes, producer 1 odd ones,
                    // each stream increasing.
                    let byte = i.wrapping_mul(2).wrapping_add(producer) % 250;
                    while QUEUE.push(byte).is_err() {
                        std::thread::yield_now();
                    }
                }
            });
        }
        let mut received = Vec::new();
        while received.len() < 2 * per_producer as usize {
            match QUEUE.pop() {
                Some(b) => received.push(b),
                None => std::thread::yield_now(),
            }
        }
        received
    });
    for parity in 0..2u8 {
        let stream: Vec<u8> = received
            .iter()
            .copied()
            .filter(|b| b % 2 == parity)
            .collect();
        let expected: Vec<u8> = (0..per_producer)
            .map(|i| i.wrapping_mul(2).wrapping_add(parity) % 250)
            .collect();
        assert_eq!(stream, expected);
    }
    assert!(QUEUE.is_empty());
}

#[cfg(feature = "critical-section")]
#[test]
fn the_critical_section_deque_is_a_static() {
    static RX: CriticalSectionDeque<4> = CriticalSectionDeque::new();
    assert_eq!(RX.push_slice(b"abcde"), 4);
    assert_eq!(RX.pop(), Some(b'a'));
    assert_eq!(RX.dropped(), 1);
}
