//! [`Poolable`]: hooks a value runs as it enters and leaves a typed pool.

/// Hooks a typed pool calls as a value is handed out and given back.
///
/// Both default to doing nothing, so `impl Poolable for MyType {}` is
/// enough. The pool calls [`on_acquire`](Poolable::on_acquire) after it
/// stores a value and before the caller sees it, and
/// [`on_release`](Poolable::on_release) when the caller gives it back,
/// before the value is dropped, reset (with a configured
/// [`reset`](crate::PoolConfigBuilder::reset) hook) or returned by
/// `remove`. Values still in the pool when the pool is dropped are dropped
/// without `on_release`.
///
/// If a hook panics, the pool drops the value and frees its slot before
/// the panic continues: nothing leaks and nothing is dropped twice.
///
/// ```
/// use poolalloc::{FixedPool, Poolable};
///
/// struct Connection {
///     open: bool,
/// }
///
/// impl Poolable for Connection {
///     fn on_acquire(&mut self) {
///         self.open = true;
///     }
/// }
///
/// let pool = FixedPool::new(2).unwrap();
/// let conn = pool.try_alloc(Connection { open: false }).ok().unwrap();
/// assert!(conn.open);
/// ```
///
/// The crate implements the trait, with the no-op defaults, for the
/// primitive types, `()`, arrays, tuples of up to four elements, `Option`
/// and (feature `alloc`) `Box`, `Vec` and `String`.
pub trait Poolable {
    /// Called once the value is in its slot, before the caller gets it.
    #[inline(always)]
    fn on_acquire(&mut self) {}

    /// Called when the caller gives the value back, before it is dropped,
    /// reset or returned.
    #[inline(always)]
    fn on_release(&mut self) {}
}

macro_rules! poolable {
    ($($t:ty),* $(,)?) => { $(impl Poolable for $t {})* };
}

poolable!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    &str,
);

impl<T: Poolable, const N: usize> Poolable for [T; N] {}
impl<T> Poolable for Option<T> {}
impl<A, B> Poolable for (A, B) {}
impl<A, B, C> Poolable for (A, B, C) {}
impl<A, B, C, D> Poolable for (A, B, C, D) {}

#[cfg(feature = "alloc")]
impl<T: ?Sized> Poolable for alloc::boxed::Box<T> {}
#[cfg(feature = "alloc")]
impl<T> Poolable for alloc::vec::Vec<T> {}
#[cfg(feature = "alloc")]
impl Poolable for alloc::string::String {}
