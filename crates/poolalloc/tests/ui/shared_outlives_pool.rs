use poolalloc::GrowingPool;

fn main() {
    let weak;
    {
        let pool = GrowingPool::new(1).unwrap();
        let shared = pool.try_alloc_shared(1u32).unwrap();
        weak = shared.downgrade();
    }
    assert!(weak.upgrade().is_none());
}
