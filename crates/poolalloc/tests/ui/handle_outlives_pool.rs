use poolalloc::FixedPool;

fn main() {
    let handle;
    {
        let pool = FixedPool::new(1).unwrap();
        handle = pool.try_alloc(1u32).unwrap();
    }
    assert_eq!(*handle, 1);
}
