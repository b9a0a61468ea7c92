//! Iteration over the ranges of a [`RangePool`] in address order.

use super::RangePool;
use super::nodes::{NIL, NodeStorage, State};
use core::iter::FusedIterator;
use core::ops::ControlFlow;

/// One range of a [`RangePool`]: free, or a live allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RangeInfo {
    /// Start offset in bytes.
    pub offset: usize,
    /// Size in bytes.
    pub size: usize,
    /// Whether the range is a live allocation.
    pub used: bool,
}

impl RangeInfo {
    /// The offset just past the end: `offset + size`.
    #[inline]
    pub fn end(&self) -> usize {
        self.offset + self.size
    }
}

/// The ranges of a pool in address order, from
/// [`RangePool::ranges`]. They tile `[0, len)` exactly, and no two free
/// ranges are adjacent.
pub struct Ranges<'p, S: NodeStorage> {
    pool: &'p RangePool<S>,
    next: u32,
}

impl<S: NodeStorage> Iterator for Ranges<'_, S> {
    type Item = RangeInfo;

    fn next(&mut self) -> Option<RangeInfo> {
        if self.next == NIL {
            return None;
        }
        let info = self.pool.info(self.next);
        self.next = self.pool.node(self.next).next;
        Some(info)
    }
}

impl<S: NodeStorage> FusedIterator for Ranges<'_, S> {}

impl<S: NodeStorage> RangePool<S> {
    /// The ranges of the pool in address order, free and used.
    ///
    /// ```
    /// use poolalloc::range::{Node, RangePool};
    ///
    /// let mut pool = RangePool::new(100, 1, [Node::EMPTY; 8]).unwrap();
    /// let _a = pool.alloc(30, 1).unwrap();
    /// let map: Vec<_> = pool.ranges().map(|r| (r.offset, r.size, r.used)).collect();
    /// assert_eq!(map, [(0, 30, true), (30, 70, false)]);
    /// ```
    pub fn ranges(&self) -> Ranges<'_, S> {
        Ranges {
            pool: self,
            next: self.first,
        }
    }

    /// Calls `f` with each range in address order until it returns
    /// [`ControlFlow::Break`].
    ///
    /// ```
    /// use core::ops::ControlFlow;
    /// use poolalloc::range::{Node, RangePool};
    ///
    /// let mut pool = RangePool::new(100, 1, [Node::EMPTY; 8]).unwrap();
    /// for _ in 0..4 {
    ///     pool.alloc(10, 1).unwrap();
    /// }
    /// let third = pool.for_each_range(|r| {
    ///     if r.offset == 20 { ControlFlow::Break(r.size) } else { ControlFlow::Continue(()) }
    /// });
    /// assert_eq!(third, ControlFlow::Break(10));
    /// ```
    pub fn for_each_range<B>(
        &self,
        mut f: impl FnMut(RangeInfo) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
        for range in self.ranges() {
            f(range)?;
        }
        ControlFlow::Continue(())
    }

    /// The range that holds byte `offset`, or `None` when `offset` is not
    /// below the pool's length. O(ranges).
    pub fn range_containing(&self, offset: usize) -> Option<RangeInfo> {
        if !self.contains_offset(offset) {
            return None;
        }
        self.ranges().find(|range| offset < range.end())
    }

    /// The description of range `i`.
    pub(super) fn info(&self, i: u32) -> RangeInfo {
        RangeInfo {
            offset: self.node(i).start << self.shift,
            size: self.size_of(i) << self.shift,
            used: self.node(i).state == State::Used,
        }
    }
}
