//! `loom` models of `SpscQueue`: every interleaving of a producer and a
//! consumer (up to the preemption bound), including pushes into a full
//! ring and pops from an empty one.
//!
//! Run with
//! `RUSTFLAGS="--cfg loom" cargo test --release -p poolalloc --test loom_spsc --target-dir target/loom`.
#![cfg(loom)]

use loom::thread;
use poolalloc::sync::SpscQueue;

/// Pushes `0..sent` (retrying when full) on one thread while popping on
/// another; the consumer must see exactly `0..sent`, in order.
fn transfer<const N: usize>(sent: u8) {
    loom::model(move || {
        // A model runs its closure many times; each run leaks one queue.
        let queue: &'static SpscQueue<N> = Box::leak(Box::new(SpscQueue::new()));
        let (mut tx, mut rx) = queue.split().unwrap();
        let producer = thread::spawn(move || {
            for b in 0..sent {
                while tx.push(b).is_err() {
                    thread::yield_now();
                }
            }
        });
        let mut next = 0;
        while next < sent {
            match rx.pop() {
                Some(b) => {
                    assert_eq!(b, next);
                    next += 1;
                }
                None => thread::yield_now(),
            }
        }
        producer.join().unwrap();
        assert_eq!(rx.pop(), None);
        assert_eq!(queue.len(), 0);
    });
}

#[test]
fn bytes_arrive_in_order_through_a_one_byte_ring() {
    transfer::<1>(3);
}

#[test]
fn bytes_arrive_in_order_through_a_two_byte_ring() {
    transfer::<2>(4);
}

#[test]
fn a_refused_push_leaves_the_queue_intact() {
    loom::model(|| {
        let queue: &'static SpscQueue<1> = Box::leak(Box::new(SpscQueue::new()));
        let (mut tx, mut rx) = queue.split().unwrap();
        let producer = thread::spawn(move || {
            let first = tx.push(1);
            let second = tx.push(2);
            (first.is_ok(), second.is_ok(), tx.dropped())
        });
        let popped = rx.pop();
        let (first, second, dropped) = producer.join().unwrap();
        assert!(first);
        // The second push succeeds only if the pop took the first byte.
        assert_eq!(second, popped == Some(1));
        assert_eq!(dropped, usize::from(!second));
        let rest = rx.pop();
        assert_eq!(
            rest,
            if second {
                Some(2)
            } else if popped.is_none() {
                Some(1)
            } else {
                None
            }
        );
    });
}
