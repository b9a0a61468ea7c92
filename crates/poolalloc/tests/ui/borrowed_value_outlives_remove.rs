use poolalloc::FixedPool;

fn main() {
    let mut pool = FixedPool::new(1).unwrap();
    let key = pool.try_insert(1u32).unwrap();
    let value = pool.get(key).unwrap();
    pool.remove(key);
    assert_eq!(*value, 1);
}
