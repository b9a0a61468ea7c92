fn assert_send<T: Send>() {}

fn main() {
    assert_send::<poolalloc::sync::ThreadLocalPool<u32>>();
}
