//! Model-based testing for poolalloc's engines.
//!
//! Each engine gets a module holding:
//!
//! - an `Op` enum: every operation a caller can perform, including the
//!   wrong ones (freeing foreign, interior or already free pointers);
//! - a configuration type: the shape of the pool and of the memory it is
//!   built on, chosen by the test input;
//! - a runner that drives the real engine and a simple shadow model side
//!   by side, asserting that every return value is exactly what the model
//!   predicts and that the engine's own invariant check passes after every
//!   step.
//!
//! The same runner serves the proptest suite (feature `proptest`, on by
//! default) and the cargo-fuzz target in `fuzz/` (feature `arbitrary`).
//!
//! ```
//! use poolalloc_model::block::{Config, Op, run};
//!
//! let summary = run(&Config::simple(24, 8, 512), &[Op::Alloc, Op::Free(0)]);
//! assert_eq!(summary.count("free"), 1);
//! ```

pub mod block;
pub mod bytes;
pub mod range;
pub mod slab;
mod summary;
pub mod typed;
pub mod var;
