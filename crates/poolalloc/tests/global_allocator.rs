//! The `global_allocator` example, run as this test binary's global
//! allocator: std collections work through `GlobalPool`, and its counters
//! show that they did.
//!
//! Under Miri every allocation of this binary, the test harness's
//! included, goes through the pool, and `Box::drop` keeps its pointer
//! protected while the allocator frees it: this test checks that
//! `VarPool` writes a freed block's bytes only through the caller's
//! pointer, and no further than the layout's size, as Stacked and Tree
//! Borrows require (the failure otherwise is the one of
//! rust-lang/miri#1909 and yvt/rlsf#20).

#[path = "../examples/global_allocator.rs"]
mod example;

#[test]
fn std_collections_run_through_the_global_pool() {
    let before = example_stats();
    let (checksum, after) = example::run();
    let expected_words: u64 = (0..11).sum();
    let expected_squares: u64 = (0..1000u64).map(|i| i * i).filter(|x| x % 3 == 0).sum();
    let expected_tree: u64 = (0..200u64).map(|i| i * 40).sum();
    assert_eq!(checksum, expected_words + expected_squares + expected_tree);
    // Hundreds of allocations went through the pool, and every one made
    // by `run` was freed again.
    assert!(
        after.allocations - before.allocations > 200,
        "{before} / {after}"
    );
    assert_eq!(after.failures, 0);
    assert!(after.high_water >= 200 * 40);
    assert!(after.in_use <= before.in_use + 4096, "{before} / {after}");
}

fn example_stats() -> poolalloc::global::GlobalStats {
    // Whatever the test harness allocated so far also went through it.
    let (_, stats) = example::run();
    stats
}
