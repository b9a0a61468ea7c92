//! `GlobalDeque` and `SpscQueue` against a `VecDeque` with the same
//! capacity policy: generated operation sequences (proptest).

use proptest::prelude::*;
use std::collections::VecDeque;

use poolalloc::sync::{QueueFull, SpinDeque, SpscQueue};

/// An odd capacity, so that wrap-around lands at every offset.
const N: usize = 7;

#[derive(Clone, Debug)]
enum Op {
    Push(u8),
    PushFront(u8),
    PushOverwriting(u8),
    PushSlice(Vec<u8>),
    Pop,
    PopBack,
    PopInto(usize),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => any::<u8>().prop_map(Op::Push),
        2 => any::<u8>().prop_map(Op::PushFront),
        2 => any::<u8>().prop_map(Op::PushOverwriting),
        2 => proptest::collection::vec(any::<u8>(), 0..12).prop_map(Op::PushSlice),
        6 => Just(Op::Pop),
        2 => Just(Op::PopBack),
        2 => (0usize..12).prop_map(Op::PopInto),
        1 => Just(Op::Clear),
    ]
}

/// The reference: a `VecDeque` that refuses (or overwrites) past `N`.
#[derive(Default)]
struct Model {
    bytes: VecDeque<u8>,
    dropped: usize,
}

impl Model {
    fn push(&mut self, b: u8) -> Result<(), QueueFull> {
        if self.bytes.len() == N {
            self.dropped += 1;
            return Err(QueueFull(b));
        }
        self.bytes.push_back(b);
        Ok(())
    }

    fn pop_into(&mut self, n: usize) -> Vec<u8> {
        let k = n.min(self.bytes.len());
        self.bytes.drain(..k).collect()
    }
}

/// Operations per case: fewer under Miri, where every step is slow.
fn max_ops() -> usize {
    if cfg!(miri) { 40 } else { 200 }
}

fn cases() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 1 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn global_deque_matches_its_model(ops in proptest::collection::vec(op(), 0..max_ops())) {
        let deque: SpinDeque<N> = SpinDeque::new();
        let mut model = Model::default();
        for op in ops {
            match op {
                Op::Push(b) => prop_assert_eq!(deque.push(b), model.push(b)),
                Op::PushFront(b) => {
                    let expected = if model.bytes.len() == N {
                        model.dropped += 1;
                        Err(QueueFull(b))
                    } else {
                        model.bytes.push_front(b);
                        Ok(())
                    };
                    prop_assert_eq!(deque.push_front(b), expected);
                }
                Op::PushOverwriting(b) => {
                    let lost = if model.bytes.len() == N {
                        model.dropped += 1;
                        model.bytes.pop_front()
                    } else {
                        None
                    };
                    model.bytes.push_back(b);
                    prop_assert_eq!(deque.push_overwriting(b), lost);
                }
                Op::PushSlice(bytes) => {
                    let room = N - model.bytes.len();
                    let stored = bytes.len().min(room);
                    model.bytes.extend(&bytes[..stored]);
                    model.dropped += bytes.len() - stored;
                    prop_assert_eq!(deque.push_slice(&bytes), stored);
                }
                Op::Pop => prop_assert_eq!(deque.pop(), model.bytes.pop_front()),
                Op::PopBack => prop_assert_eq!(deque.pop_back(), model.bytes.pop_back()),
                Op::PopInto(n) => {
                    let mut buf = vec![0u8; n];
                    let got = deque.pop_into(&mut buf);
                    prop_assert_eq!(&buf[..got], &model.pop_into(n)[..]);
                }
                Op::Clear => {
                    deque.clear();
                    model.bytes.clear();
                }
            }
            prop_assert_eq!(deque.len(), model.bytes.len());
            prop_assert_eq!(deque.dropped(), model.dropped);
        }
    }

    #[test]
    fn spsc_queue_matches_its_model(ops in proptest::collection::vec(op(), 0..max_ops())) {
        let mut queue: SpscQueue<N> = SpscQueue::new();
        let (mut tx, mut rx) = queue.split_mut();
        let mut model = Model::default();
        for op in ops {
            // The SPSC queue has one end for each side: fronts and backs
            // map onto `push` and `pop`.
            match op {
                Op::Push(b) | Op::PushFront(b) | Op::PushOverwriting(b) => {
                    prop_assert_eq!(tx.push(b), model.push(b));
                }
                Op::PushSlice(bytes) => {
                    let room = N - model.bytes.len();
                    let stored = bytes.len().min(room);
                    model.bytes.extend(&bytes[..stored]);
                    model.dropped += bytes.len() - stored;
                    prop_assert_eq!(tx.push_slice(&bytes), stored);
                }
                Op::Pop | Op::PopBack | Op::Clear => {
                    prop_assert_eq!(rx.pop(), model.bytes.pop_front());
                }
                Op::PopInto(n) => {
                    let mut buf = vec![0u8; n];
                    let got = rx.pop_into(&mut buf);
                    prop_assert_eq!(&buf[..got], &model.pop_into(n)[..]);
                }
            }
            prop_assert_eq!(rx.available(), model.bytes.len());
            prop_assert_eq!(tx.room(), N - model.bytes.len());
            prop_assert_eq!(tx.dropped(), model.dropped);
        }
    }
}
