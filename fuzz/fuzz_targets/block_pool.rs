//! Fuzzes `BlockPool` against its model: the input decodes to a pool
//! configuration and a sequence of operations, which
//! `poolalloc_model::block::run` applies to the real pool and to the model,
//! panicking at the first disagreement or failed `check()`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use poolalloc_model::block::{Config, Op, run};

fuzz_target!(|input: (Config, Vec<Op>)| {
    let (config, ops) = input;
    run(&config, &ops);
});
