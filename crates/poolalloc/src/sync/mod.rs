//! Pools shared between threads (and interrupt handlers).
//!
//! - [`LockFreePool`]: fixed-size blocks behind `&self`, allocated and
//!   freed with compare-and-swap on one 64-bit word: a Treiber stack of
//!   32-bit block indices tagged against ABA.
//!
//! The engines in the rest of the crate take `&mut self`; the types here are
//! the ways to reach one pool from many places at once.

mod atomic;
pub mod lock_free;

pub use lock_free::LockFreePool;
