use std::rc::Rc;

fn assert_send<T: Send>(_: &T) {}

struct NotSend(Rc<u8>);
impl poolalloc::Poolable for NotSend {}

fn main() {
    let pool = poolalloc::sync::ThreadSafePool::<NotSend>::new(1).unwrap();
    let handle = pool.try_alloc(NotSend(Rc::new(1))).ok().unwrap();
    assert_send(&handle);
}
