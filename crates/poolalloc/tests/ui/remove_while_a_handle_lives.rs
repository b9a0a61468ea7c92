use poolalloc::FixedPool;

fn main() {
    let mut pool = FixedPool::new(2).unwrap();
    let key = pool.try_insert(1u32).unwrap();
    let handle = pool.try_alloc(2u32).unwrap();
    pool.remove(key);
    drop(handle);
}
