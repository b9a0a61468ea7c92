//! The atomic types of the shared pools: `loom`'s under `--cfg loom`, so
//! that the model checker sees every access; otherwise `portable-atomic`'s,
//! which are the native ones where the target has them and fall back to a
//! critical section (a single-core microcontroller's interrupt-free
//! section) where it has no 64-bit compare-and-swap.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize};
#[cfg(not(loom))]
pub(crate) use portable_atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize};

pub(crate) use core::sync::atomic::Ordering;
