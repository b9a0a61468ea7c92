//! Model-based testing of [`ByteBuffer`](poolalloc::ByteBuffer) and
//! [`ByteDeque`](poolalloc::ByteDeque).
//!
//! [`run`] builds a [`ByteSlab`] of one of a few fixed [`Shape`]s and three
//! buffers sharing it: deque 0 (with the [`Config`]'s maximum length),
//! deque 1 and byte buffer 2. It applies [`Op`]s to them and to a
//! `VecDeque` per buffer, and asserts after every step that contents,
//! chunk counts, slab usage and statistics agree exactly, predicting each
//! `SlabFull` and `MaxLen` refusal and checking that it changed nothing.
//!
//! The model knows the layout: a buffer whose front is `offset` bytes into
//! its first chunk holds `ceil((offset + len) / CHUNK_CAPACITY)` chunks
//! (none when empty), and reading from the front frees each chunk the
//! moment it is emptied.
//!
//! This module uses only `poolalloc`'s public API and `std`, so that it can
//! serve both a proptest suite and a fuzz target (feature `arbitrary`).

use poolalloc::bytes::{ByteBuffer, ByteDeque, ByteSlab, BytesError};
use std::collections::VecDeque;
use std::vec;
use std::vec::Vec;

/// The three buffers of a run.
pub const TARGETS: usize = 3;

/// A slab size: `ByteSlab<BYTES, SLOTS>` for a few pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Shape {
    /// `ByteSlab<18, 2>`: 2 chunks of 1 byte.
    OneByteChunks,
    /// `ByteSlab<64, 4>`: 4 chunks of 8 bytes.
    Small,
    /// `ByteSlab<330, 10>`: 10 chunks of 25 bytes.
    Medium,
    /// `ByteSlab<2048, 32>`: 32 chunks of 56 bytes.
    Large,
}

impl Shape {
    /// Every shape.
    pub const ALL: [Shape; 4] = [
        Shape::OneByteChunks,
        Shape::Small,
        Shape::Medium,
        Shape::Large,
    ];
}

/// The shape of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Config {
    /// The slab the buffers share.
    pub shape: Shape,
    /// The maximum length of deque 0, if any.
    pub max_len: Option<u16>,
}

/// One operation on one of the three buffers: `target % 3` picks it
/// (0 and 1 are `ByteDeque`s, 2 is a `ByteBuffer`). The front-reading
/// operations have no `ByteBuffer` form; on buffer 2 they are skipped and
/// counted as `skipped`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Op {
    /// `try_push_back` / `try_push` of `byte`.
    Push {
        /// Picks the buffer.
        target: u8,
        /// The byte.
        byte: u8,
    },
    /// `try_extend_back` / `try_extend_from_slice` of `len` bytes of a
    /// pattern seeded by `seed`: all or nothing, `MaxLen` before
    /// `SlabFull`.
    Extend {
        /// Picks the buffer.
        target: u8,
        /// The number of bytes.
        len: u8,
        /// Seeds the pattern.
        seed: u8,
    },
    /// `pop_front`.
    PopFront {
        /// Picks the buffer.
        target: u8,
    },
    /// `pop_front_into` a slice of `len` bytes.
    PopInto {
        /// Picks the buffer.
        target: u8,
        /// The slice's length.
        len: u8,
    },
    /// `peek_front`.
    Peek {
        /// Picks the buffer.
        target: u8,
    },
    /// `remove_prefix(n % (len + 3))`: `OutOfRange` past the end.
    RemovePrefix {
        /// Picks the buffer.
        target: u8,
        /// Picks the count.
        n: u16,
    },
    /// `copy_to(start % (len + 3), count % (len + 3))`: `OutOfRange` past
    /// the end.
    CopyOut {
        /// Picks the buffer.
        target: u8,
        /// Picks the start.
        start: u16,
        /// Picks the count.
        count: u16,
    },
    /// `get(index % (len + 2))`.
    Get {
        /// Picks the buffer.
        target: u8,
        /// Picks the index.
        index: u16,
    },
    /// `clear()`.
    Clear {
        /// Picks the buffer.
        target: u8,
    },
    /// Drops the buffer and makes a new, empty one in its place.
    Drop {
        /// Picks the buffer.
        target: u8,
    },
}

impl Op {
    /// The name under which [`Summary`] counts the operation.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Push { .. } => "push",
            Op::Extend { .. } => "extend",
            Op::PopFront { .. } => "pop_front",
            Op::PopInto { .. } => "pop_into",
            Op::Peek { .. } => "peek",
            Op::RemovePrefix { .. } => "remove_prefix",
            Op::CopyOut { .. } => "copy_out",
            Op::Get { .. } => "get",
            Op::Clear { .. } => "clear",
            Op::Drop { .. } => "drop",
        }
    }
}

/// What a run did: how many times each operation was carried out (not
/// skipped), under [`Op::name`], and how many times each outcome was seen,
/// under `append.ok`, `append.slab_full`, `append.max_len`,
/// `remove_prefix.out_of_range`, `copy_out.out_of_range`, `pop.empty`,
/// `chunk_freed` and `skipped`.
pub use crate::summary::Summary;

/// The model of one buffer: its bytes, and how far into its first chunk
/// they start.
#[derive(Clone, Debug, Default)]
pub struct BufferModel {
    /// The bytes, front first.
    pub bytes: VecDeque<u8>,
    /// Bytes of the first chunk already read.
    pub offset: usize,
    /// The maximum length.
    pub max_len: Option<usize>,
}

impl BufferModel {
    /// Chunks the buffer holds, with chunks of `capacity` bytes.
    pub fn chunks(&self, capacity: usize) -> usize {
        if self.bytes.is_empty() {
            0
        } else {
            (self.offset + self.bytes.len()).div_ceil(capacity)
        }
    }

    /// Removes `n <= len` bytes from the front.
    fn consume(&mut self, n: usize, capacity: usize) -> Vec<u8> {
        let out: Vec<u8> = self.bytes.drain(..n).collect();
        self.offset = if self.bytes.is_empty() {
            0
        } else {
            (self.offset + n) % capacity
        };
        out
    }

    /// The data of each chunk, front to back.
    pub fn chunk_contents(&self, capacity: usize) -> Vec<Vec<u8>> {
        let bytes: Vec<u8> = self.bytes.iter().copied().collect();
        let mut out = Vec::new();
        let mut at = 0;
        let mut room = capacity - self.offset;
        while at < bytes.len() {
            let n = room.min(bytes.len() - at);
            out.push(bytes[at..at + n].to_vec());
            at += n;
            room = capacity;
        }
        out
    }
}

/// The pattern an append of `len` bytes seeded by `seed` writes.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| seed.wrapping_mul(7).wrapping_add(i as u8))
        .collect()
}

/// Runs `ops` on three buffers over a slab of `config.shape` and on their
/// models, asserting after every operation that:
///
/// - the result is exactly what the model predicts (see [`Op`]);
/// - each buffer's bytes, read with `to_vec`, `copy_to` and `chunks`, are
///   the model's, chunk by chunk, and its chunk count is the model's;
/// - the slab holds exactly the buffers' chunks, `check()` passes and the
///   statistics are exact;
/// - a refused operation changed neither its buffer nor the slab.
pub fn run(config: &Config, ops: &[Op]) -> Summary {
    let max_len = config.max_len.map(usize::from);
    match config.shape {
        Shape::OneByteChunks => run_with::<18, 2>(max_len, ops),
        Shape::Small => run_with::<64, 4>(max_len, ops),
        Shape::Medium => run_with::<330, 10>(max_len, ops),
        Shape::Large => run_with::<2048, 32>(max_len, ops),
    }
}

/// One of the buffers a run drives.
enum Buffer<'s, const B: usize, const S: usize> {
    Deque(ByteDeque<'s, B, S>),
    Bytes(ByteBuffer<'s, B, S>),
}

impl<'s, const B: usize, const S: usize> Buffer<'s, B, S> {
    fn len(&self) -> usize {
        match self {
            Buffer::Deque(q) => q.len(),
            Buffer::Bytes(b) => b.len(),
        }
    }

    fn chunk_count(&self) -> usize {
        match self {
            Buffer::Deque(q) => q.chunk_count(),
            Buffer::Bytes(b) => b.chunk_count(),
        }
    }

    fn append(&mut self, bytes: &[u8]) -> Result<(), BytesError> {
        match (self, bytes) {
            (Buffer::Deque(q), [byte]) => q.try_push_back(*byte),
            (Buffer::Deque(q), _) => q.try_extend_back(bytes),
            (Buffer::Bytes(b), [byte]) => b.try_push(*byte),
            (Buffer::Bytes(b), _) => b.try_extend_from_slice(bytes),
        }
    }

    fn copy_to(&self, start: usize, out: &mut [u8]) -> Result<(), BytesError> {
        match self {
            Buffer::Deque(q) => q.copy_to(start, out),
            Buffer::Bytes(b) => b.copy_to(start, out),
        }
    }

    fn get(&self, index: usize) -> Option<u8> {
        match self {
            Buffer::Deque(q) => q.get(index),
            Buffer::Bytes(b) => b.get(index),
        }
    }

    fn to_vec(&self) -> Vec<u8> {
        match self {
            Buffer::Deque(q) => q.to_vec(),
            Buffer::Bytes(b) => b.to_vec(),
        }
    }

    fn chunk_contents(&self) -> Vec<Vec<u8>> {
        match self {
            Buffer::Deque(q) => q.chunks().map(|c| c.to_vec()).collect(),
            Buffer::Bytes(b) => b.chunks().map(|c| c.to_vec()).collect(),
        }
    }

    fn clear(&mut self) {
        match self {
            Buffer::Deque(q) => q.clear(),
            Buffer::Bytes(b) => b.clear(),
        }
    }

    fn deque(&mut self) -> Option<&mut ByteDeque<'s, B, S>> {
        match self {
            Buffer::Deque(q) => Some(q),
            Buffer::Bytes(_) => None,
        }
    }
}

fn run_with<const B: usize, const S: usize>(max_len: Option<usize>, ops: &[Op]) -> Summary {
    let slab = ByteSlab::<B, S>::new();
    let mut runner = Runner {
        slab: &slab,
        buffers: [
            Buffer::Deque(match max_len {
                Some(max) => ByteDeque::with_max_len(&slab, max),
                None => ByteDeque::new(&slab),
            }),
            Buffer::Deque(ByteDeque::new(&slab)),
            Buffer::Bytes(ByteBuffer::new(&slab)),
        ],
        models: [
            BufferModel {
                max_len,
                ..BufferModel::default()
            },
            BufferModel::default(),
            BufferModel::default(),
        ],
        high_water: 0,
        allocations: 0,
        frees: 0,
        summary: Summary::default(),
    };
    runner.verify();
    for op in ops {
        runner.step(*op);
        runner.verify();
    }
    let summary = std::mem::take(&mut runner.summary);
    drop(runner);
    assert_eq!(
        slab.chunks_in_use(),
        0,
        "dropped buffers returned every chunk"
    );
    assert_eq!(slab.orphaned_chunks(), 0);
    slab.check().unwrap();
    summary
}

struct Runner<'s, const B: usize, const S: usize> {
    slab: &'s ByteSlab<B, S>,
    buffers: [Buffer<'s, B, S>; TARGETS],
    models: [BufferModel; TARGETS],
    high_water: usize,
    allocations: u64,
    frees: u64,
    summary: Summary,
}

impl<const B: usize, const S: usize> Runner<'_, B, S> {
    const CAPACITY: usize = ByteSlab::<B, S>::CHUNK_CAPACITY;

    fn in_use(&self) -> usize {
        self.models.iter().map(|m| m.chunks(Self::CAPACITY)).sum()
    }

    /// Applies a front removal of `n` bytes to model `t` and counts the
    /// chunks it frees.
    fn consumed(&mut self, t: usize, n: usize) -> Vec<u8> {
        let before = self.models[t].chunks(Self::CAPACITY);
        let out = self.models[t].consume(n, Self::CAPACITY);
        let freed = before - self.models[t].chunks(Self::CAPACITY);
        self.frees += freed as u64;
        for _ in 0..freed {
            self.summary.note("chunk_freed");
        }
        out
    }

    fn emptied(&mut self, t: usize) {
        self.frees += self.models[t].chunks(Self::CAPACITY) as u64;
        self.models[t].bytes.clear();
        self.models[t].offset = 0;
    }

    fn step(&mut self, op: Op) {
        let carried_out = match op {
            Op::Push { target, byte } => {
                self.append(target as usize % TARGETS, &[byte]);
                true
            }
            Op::Extend { target, len, seed } => {
                self.append(target as usize % TARGETS, &pattern(len as usize, seed));
                true
            }
            Op::PopFront { target } => {
                let t = target as usize % TARGETS;
                match self.buffers[t].deque().map(|q| q.pop_front()) {
                    None => false,
                    Some(byte) => {
                        let expected = self.models[t].bytes.front().copied();
                        assert_eq!(byte, expected);
                        match expected {
                            Some(_) => {
                                self.consumed(t, 1);
                            }
                            None => self.summary.note("pop.empty"),
                        }
                        true
                    }
                }
            }
            Op::PopInto { target, len } => {
                let t = target as usize % TARGETS;
                let mut out = vec![0xA5; len as usize];
                match self.buffers[t].deque().map(|q| q.pop_front_into(&mut out)) {
                    None => false,
                    Some(n) => {
                        let expected_n = out.len().min(self.models[t].bytes.len());
                        assert_eq!(n, expected_n);
                        let expected = self.consumed(t, n);
                        assert_eq!(out[..n], expected);
                        assert!(out[n..].iter().all(|&b| b == 0xA5));
                        true
                    }
                }
            }
            Op::Peek { target } => {
                let t = target as usize % TARGETS;
                match self.buffers[t].deque().map(|q| q.peek_front()) {
                    None => false,
                    Some(byte) => {
                        assert_eq!(byte, self.models[t].bytes.front().copied());
                        true
                    }
                }
            }
            Op::RemovePrefix { target, n } => {
                let t = target as usize % TARGETS;
                let len = self.models[t].bytes.len();
                let n = n as usize % (len + 3);
                match self.buffers[t].deque().map(|q| q.remove_prefix(n)) {
                    None => false,
                    Some(result) => {
                        if n > len {
                            assert_eq!(
                                result,
                                Err(BytesError::OutOfRange {
                                    start: 0,
                                    count: n,
                                    len
                                })
                            );
                            self.summary.note("remove_prefix.out_of_range");
                        } else {
                            assert_eq!(result, Ok(()));
                            self.consumed(t, n);
                        }
                        true
                    }
                }
            }
            Op::CopyOut {
                target,
                start,
                count,
            } => {
                let t = target as usize % TARGETS;
                let len = self.models[t].bytes.len();
                let (start, count) = (start as usize % (len + 3), count as usize % (len + 3));
                let mut out = vec![0x5A; count];
                let result = self.buffers[t].copy_to(start, &mut out);
                if start + count > len {
                    assert_eq!(result, Err(BytesError::OutOfRange { start, count, len }));
                    assert!(out.iter().all(|&b| b == 0x5A));
                    self.summary.note("copy_out.out_of_range");
                } else {
                    assert_eq!(result, Ok(()));
                    let expected: Vec<u8> = self.models[t]
                        .bytes
                        .range(start..start + count)
                        .copied()
                        .collect();
                    assert_eq!(out, expected);
                }
                true
            }
            Op::Get { target, index } => {
                let t = target as usize % TARGETS;
                let index = index as usize % (self.models[t].bytes.len() + 2);
                assert_eq!(
                    self.buffers[t].get(index),
                    self.models[t].bytes.get(index).copied()
                );
                true
            }
            Op::Clear { target } => {
                let t = target as usize % TARGETS;
                self.buffers[t].clear();
                self.emptied(t);
                true
            }
            Op::Drop { target } => {
                let t = target as usize % TARGETS;
                let fresh = match &self.buffers[t] {
                    Buffer::Deque(q) => Buffer::Deque(match q.max_len() {
                        Some(max) => ByteDeque::with_max_len(self.slab, max),
                        None => ByteDeque::new(self.slab),
                    }),
                    Buffer::Bytes(_) => Buffer::Bytes(ByteBuffer::new(self.slab)),
                };
                // The old buffer is dropped here.
                self.buffers[t] = fresh;
                self.emptied(t);
                true
            }
        };
        self.summary
            .note(if carried_out { op.name() } else { "skipped" });
    }

    fn append(&mut self, t: usize, bytes: &[u8]) {
        let model = &self.models[t];
        let len = model.bytes.len();
        let before = model.chunks(Self::CAPACITY);
        let offset = if len == 0 { 0 } else { model.offset };
        let after = if len + bytes.len() == 0 {
            0
        } else {
            (offset + len + bytes.len()).div_ceil(Self::CAPACITY)
        };
        let needed = after - before;
        let available = S - self.in_use();
        let result = self.buffers[t].append(bytes);
        match model.max_len {
            Some(max_len) if len + bytes.len() > max_len => {
                assert_eq!(
                    result,
                    Err(BytesError::MaxLen {
                        max_len,
                        len,
                        additional: bytes.len()
                    })
                );
                self.summary.note("append.max_len");
            }
            _ if needed > available => {
                assert_eq!(result, Err(BytesError::SlabFull { needed, available }));
                self.summary.note("append.slab_full");
            }
            _ => {
                assert_eq!(result, Ok(()));
                self.models[t].bytes.extend(bytes);
                self.allocations += needed as u64;
                self.high_water = self.high_water.max(self.in_use());
                self.summary.note("append.ok");
            }
        }
    }

    fn verify(&self) {
        if let Err(e) = self.slab.check() {
            panic!("check failed: {e}");
        }
        for (buffer, model) in self.buffers.iter().zip(&self.models) {
            let bytes: Vec<u8> = model.bytes.iter().copied().collect();
            assert_eq!(buffer.len(), bytes.len());
            assert_eq!(buffer.to_vec(), bytes);
            assert_eq!(
                buffer.chunk_contents(),
                model.chunk_contents(Self::CAPACITY)
            );
            assert_eq!(buffer.chunk_count(), model.chunks(Self::CAPACITY));
        }
        let in_use = self.in_use();
        assert_eq!(self.slab.chunks_in_use(), in_use);
        assert_eq!(self.slab.available_chunks(), S - in_use);
        assert_eq!(self.slab.orphaned_chunks(), 0);
        let stats = self.slab.stats();
        assert_eq!(
            (
                stats.capacity,
                stats.in_use,
                stats.high_water,
                stats.allocations,
                stats.frees,
                stats.failed_allocations
            ),
            (S, in_use, self.high_water, self.allocations, self.frees, 0)
        );
    }
}
