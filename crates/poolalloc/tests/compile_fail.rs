//! Misuse the type system must refuse: a handle or a borrowed value that
//! outlives its pool or its value, a removal while a handle borrows the
//! pool, and sharing a pool between threads.
#![cfg(feature = "alloc")] // The typed pools need a heap.

#[test]
#[cfg_attr(miri, ignore)] // Runs the compiler, which Miri cannot.
fn misuse_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
