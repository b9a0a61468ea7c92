//! [`RangePool::dump`]: a text view of a pool.

use super::RangePool;
use super::nodes::NodeStorage;
use core::fmt;

impl<S: NodeStorage> RangePool<S> {
    /// Writes a stats line, then one line per range in address order.
    ///
    /// The format is exact:
    ///
    /// ```text
    /// range pool: LEN bytes, granularity G: STATS
    /// OFFSET SIZE used|free
    /// ```
    ///
    /// where `STATS` is the [`Display`](core::fmt::Display) form of
    /// [`stats`](Self::stats), numbers are decimal and every line ends
    /// with `\n`.
    ///
    /// ```
    /// use poolalloc::range::{Node, RangePool};
    ///
    /// let mut pool = RangePool::new(4096, 16, [Node::EMPTY; 8]).unwrap();
    /// let a = pool.alloc(100, 1).unwrap();
    /// let _b = pool.alloc(50, 1).unwrap();
    /// pool.free(a).unwrap();
    ///
    /// let mut text = String::new();
    /// pool.dump(&mut text).unwrap();
    /// let mut lines = text.lines();
    /// assert!(lines.next().unwrap().starts_with("range pool: 4096 bytes, granularity 16: in use 64/4096"));
    /// assert_eq!(lines.collect::<Vec<_>>(), ["0 112 free", "112 64 used", "176 3920 free"]);
    /// ```
    ///
    /// # Errors
    ///
    /// Whatever `out` returns.
    pub fn dump(&self, out: &mut impl fmt::Write) -> fmt::Result {
        writeln!(
            out,
            "range pool: {} bytes, granularity {}: {}",
            self.capacity(),
            self.granularity(),
            self.stats()
        )?;
        for range in self.ranges() {
            let state = if range.used { "used" } else { "free" };
            writeln!(out, "{} {} {}", range.offset, range.size, state)?;
        }
        Ok(())
    }
}
