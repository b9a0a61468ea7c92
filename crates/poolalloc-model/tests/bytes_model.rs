//! `ByteDeque` and `ByteBuffer` against `VecDeque` models: generated
//! sequences (proptest) and hand-written ones that reach every operation
//! and outcome.

use poolalloc_model::bytes::{Config, Op, Shape, run};
use proptest::prelude::*;

fn config() -> impl Strategy<Value = Config> {
    (
        prop::sample::select(Shape::ALL.to_vec()),
        prop::option::of(prop_oneof![0..8u16, 0..200u16]),
    )
        .prop_map(|(shape, max_len)| Config { shape, max_len })
}

fn op() -> impl Strategy<Value = Op> {
    let target = 0..3u8;
    prop_oneof![
        6 => (target.clone(), any::<u8>()).prop_map(|(target, byte)| Op::Push { target, byte }),
        4 => (target.clone(), prop_oneof![0..16u8, any::<u8>()], any::<u8>())
            .prop_map(|(target, len, seed)| Op::Extend { target, len, seed }),
        5 => target.clone().prop_map(|target| Op::PopFront { target }),
        2 => (target.clone(), prop_oneof![0..16u8, any::<u8>()])
            .prop_map(|(target, len)| Op::PopInto { target, len }),
        1 => target.clone().prop_map(|target| Op::Peek { target }),
        2 => (target.clone(), any::<u16>()).prop_map(|(target, n)| Op::RemovePrefix { target, n }),
        2 => (target.clone(), any::<u16>(), any::<u16>())
            .prop_map(|(target, start, count)| Op::CopyOut { target, start, count }),
        1 => (target.clone(), any::<u16>()).prop_map(|(target, index)| Op::Get { target, index }),
        1 => target.clone().prop_map(|target| Op::Clear { target }),
        1 => target.prop_map(|target| Op::Drop { target }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 2 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn byte_buffers_match_their_models(
        config in config(),
        ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 40 } else { 400 }),
    ) {
        run(&config, &ops);
    }
}

/// Every operation and outcome, on `ByteSlab<64, 4>` (4 chunks of 8
/// bytes) with deque 0 limited to 20 bytes.
#[test]
fn every_operation_and_outcome_is_reached() {
    let ops = [
        Op::PopFront { target: 0 }, // Empty.
        Op::Extend {
            target: 0,
            len: 20,
            seed: 1,
        }, // 3 chunks, at the limit.
        Op::Push { target: 0, byte: 9 }, // Max length.
        Op::Extend {
            target: 1,
            len: 9,
            seed: 2,
        }, // Needs 2 chunks, 1 free.
        Op::Push { target: 2, byte: 3 }, // The last chunk.
        Op::Push { target: 1, byte: 4 }, // Slab full.
        Op::Peek { target: 0 },
        Op::PopFront { target: 0 },
        Op::PopInto { target: 0, len: 7 }, // Frees the first chunk.
        Op::RemovePrefix { target: 0, n: 13 }, // 13 of 12: out of range.
        Op::RemovePrefix { target: 0, n: 5 },
        Op::CopyOut {
            target: 0,
            start: 1,
            count: 3,
        },
        Op::CopyOut {
            target: 0,
            start: 0,
            count: 9,
        }, // Past the end.
        Op::Get {
            target: 2,
            index: 0,
        },
        Op::PopFront { target: 2 }, // No front reads on a ByteBuffer.
        Op::Extend {
            target: 1,
            len: 8,
            seed: 5,
        },
        Op::Clear { target: 1 },
        Op::Drop { target: 0 },
        Op::Drop { target: 2 },
    ];
    let summary = run(
        &Config {
            shape: Shape::Small,
            max_len: Some(20),
        },
        &ops,
    );
    println!("{summary:#?}");
    for event in [
        "push",
        "extend",
        "pop_front",
        "pop_into",
        "peek",
        "remove_prefix",
        "copy_out",
        "get",
        "clear",
        "drop",
        "append.ok",
        "append.slab_full",
        "append.max_len",
        "remove_prefix.out_of_range",
        "copy_out.out_of_range",
        "pop.empty",
        "chunk_freed",
        "skipped",
    ] {
        assert!(summary.count(event) > 0, "{event} never happened");
    }
    assert_eq!(summary.count("append.slab_full"), 2);
}

/// A long stream through a queue of one-byte chunks: every byte frees its
/// chunk as it is read.
#[test]
fn a_stream_of_one_byte_chunks() {
    let mut ops = Vec::new();
    for i in 0..if cfg!(miri) { 20 } else { 300 } {
        ops.push(Op::Push {
            target: 0,
            byte: i as u8,
        });
        ops.push(Op::Push {
            target: 0,
            byte: !(i as u8),
        });
        ops.push(Op::Push { target: 1, byte: 0 }); // Slab full.
        ops.push(Op::PopFront { target: 0 });
        ops.push(Op::PopFront { target: 0 });
    }
    let summary = run(
        &Config {
            shape: Shape::OneByteChunks,
            max_len: None,
        },
        &ops,
    );
    assert_eq!(summary.count("chunk_freed"), 2 * ops.len() / 5);
    assert_eq!(summary.count("append.slab_full"), ops.len() / 5);
}
