//! Fuzzes `Slab` against its model: the input decodes to a slab shape and
//! a sequence of operations, which `poolalloc_model::slab::run` applies to
//! the real slab and to the model, panicking at the first disagreement,
//! stale handle that reaches a value, or failed `check()`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use poolalloc_model::slab::{Op, Shape, run};

fuzz_target!(|input: (Shape, Vec<Op>)| {
    let (shape, ops) = input;
    run(shape, &ops);
});
