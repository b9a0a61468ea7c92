//! Resizing in place: [`RangePool::grow_in_place`] and
//! [`RangePool::shrink_in_place`].

use super::nodes::{NIL, NodeStorage, State};
use super::{Allocation, RangePool};
use crate::error::RangeError;

impl<S: NodeStorage> RangePool<S> {
    /// Gives resized allocation `i` a new identity and writes its new
    /// handle to `allocation`.
    fn resized(&mut self, allocation: &mut Allocation, i: u32) {
        self.retire(i);
        *allocation = self.handle(i);
    }

    /// The node of `allocation`, its size and `new_size` in granules; or
    /// the error for a bad handle or a resize against the direction
    /// `grow` asks for.
    fn resize_request(
        &self,
        allocation: &Allocation,
        new_size: usize,
        grow: bool,
    ) -> Result<(u32, usize, usize), RangeError> {
        let i = self.live_node(allocation)?;
        let size = self.size_of(i);
        let units = self.units_for(new_size);
        if (grow && units < size) || (!grow && units > size) {
            return Err(RangeError::WrongResize {
                size: size << self.shift,
                new_size,
            });
        }
        Ok((i, size, units))
    }

    /// Grows an allocation in place to `new_size` bytes (rounded up to the
    /// granularity) by taking the start of the free range right after it.
    /// Returns `false`, changing nothing, when that range is missing or too
    /// short: the caller then allocates elsewhere and moves the data.
    ///
    /// On success `allocation` is updated; other copies of it go stale.
    ///
    /// ```
    /// use poolalloc::range::{Node, RangePool};
    ///
    /// let mut pool = RangePool::new(100, 1, [Node::EMPTY; 8]).unwrap();
    /// let mut a = pool.alloc(10, 1).unwrap();
    /// assert_eq!(pool.grow_in_place(&mut a, 60), Ok(true));
    /// assert_eq!(a.size(), 60);
    /// let _b = pool.alloc(40, 1).unwrap();
    /// assert_eq!(pool.grow_in_place(&mut a, 61), Ok(false));
    /// ```
    ///
    /// # Errors
    ///
    /// [`RangeError::Foreign`] or [`RangeError::Stale`] for a bad handle;
    /// [`RangeError::WrongResize`] when `new_size` is smaller than the
    /// allocation.
    pub fn grow_in_place(
        &mut self,
        allocation: &mut Allocation,
        new_size: usize,
    ) -> Result<bool, RangeError> {
        let (i, size, units) = self.resize_request(allocation, new_size, true)?;
        if units == size {
            return Ok(true);
        }
        let extra = units - size;
        let next = self.node(i).next;
        if next == NIL || self.node(next).state != State::Free || self.size_of(next) < extra {
            return Ok(false);
        }
        self.bin_remove(next);
        if self.size_of(next) == extra {
            self.unlink(next);
            self.put_vacant(next);
            self.free_ranges -= 1;
        } else {
            self.node_mut(next).start += extra;
            self.bin_insert(next);
        }
        self.in_use += extra;
        let in_use = self.in_use << self.shift;
        if in_use > self.counters.high_water {
            self.counters.high_water = in_use;
        }
        self.resized(allocation, i);
        Ok(true)
    }

    /// Shrinks an allocation in place to `new_size` bytes (rounded up to
    /// the granularity, at least one granule); the released tail joins the
    /// free range after it or becomes one. Returns `false`, changing
    /// nothing, when that needs a node and none is left: the allocation
    /// simply keeps its size.
    ///
    /// On success `allocation` is updated; other copies of it go stale.
    ///
    /// ```
    /// use poolalloc::range::{Node, RangePool};
    ///
    /// let mut pool = RangePool::new(100, 1, [Node::EMPTY; 8]).unwrap();
    /// let mut a = pool.alloc(100, 1).unwrap();
    /// assert_eq!(pool.shrink_in_place(&mut a, 30), Ok(true));
    /// assert_eq!((a.size(), pool.available()), (30, 70));
    /// ```
    ///
    /// # Errors
    ///
    /// [`RangeError::Foreign`] or [`RangeError::Stale`] for a bad handle;
    /// [`RangeError::WrongResize`] when `new_size` is larger than the
    /// allocation.
    pub fn shrink_in_place(
        &mut self,
        allocation: &mut Allocation,
        new_size: usize,
    ) -> Result<bool, RangeError> {
        let (i, size, units) = self.resize_request(allocation, new_size, false)?;
        if units == size {
            return Ok(true);
        }
        let released = size - units;
        let next = self.node(i).next;
        if next != NIL && self.node(next).state == State::Free {
            self.bin_remove(next);
            self.node_mut(next).start -= released;
            self.bin_insert(next);
        } else {
            if !self.reserve(1) {
                return Ok(false);
            }
            let t = self.take_vacant(self.node(i).start + units);
            self.link_after(i, t);
            self.bin_insert(t);
            self.free_ranges += 1;
        }
        self.in_use -= released;
        self.resized(allocation, i);
        Ok(true)
    }
}
