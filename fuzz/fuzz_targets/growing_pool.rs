//! Fuzzes `GrowingPool` with keys and handles against its model: the input
//! decodes to a pool configuration (made a growing one, with room to grow
//! by `extra` slots) and a sequence of operations, which
//! `poolalloc_model::typed::run` applies to the real pool and to the
//! model, panicking at the first disagreement.

#![no_main]

use libfuzzer_sys::fuzz_target;
use poolalloc_model::typed::{Config, MAX_CAPACITY, Op, run};

fuzz_target!(|input: (Config, u8, Vec<Op>)| {
    let (config, extra, ops) = input;
    let max = (config.max_capacity + usize::from(extra)).min(MAX_CAPACITY);
    let config = Config::growing(config.strategy, config.capacity, max, config.growth);
    run(&config, &ops);
});
