//! Fuzzes `ByteDeque` and `ByteBuffer` against their models: the input
//! decodes to a slab shape, a maximum length and a sequence of operations,
//! which `poolalloc_model::bytes::run` applies to three buffers sharing a
//! slab and to `VecDeque` models, panicking at the first disagreement or
//! failed `check()`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use poolalloc_model::bytes::{Config, Op, run};

fuzz_target!(|input: (Config, Vec<Op>)| {
    let (config, ops) = input;
    run(&config, &ops);
});
