//! [`RangePool::check`]: verifies every invariant of the pool.

use super::RangePool;
use super::nodes::{NIL, Node, NodeStorage, State};
use super::offsets;
use crate::error::CheckError;
use crate::seg_fit::Bin;

impl<S: NodeStorage> RangePool<S> {
    /// Walks the pool and verifies every invariant:
    ///
    /// - the ranges tile `[0, len)` exactly, in address order, with
    ///   consistent neighbour links and starts on the granularity;
    /// - no two free ranges are adjacent;
    /// - the size bins hold exactly the free ranges, each in the bin of its
    ///   size, with consistent links, and the non-empty bitmaps match the
    ///   bins' emptiness;
    /// - the offset table holds exactly the start offsets of the live
    ///   allocations;
    /// - the vacant nodes and the range nodes account for every node, and
    ///   the counts of live allocations, free ranges and bytes in use agree
    ///   with the pool's own.
    ///
    /// It costs O(nodes + size bins). Tests call it after every operation.
    ///
    /// # Errors
    ///
    /// The first broken invariant found, as a [`CheckError`].
    pub fn check(&self) -> Result<(), CheckError> {
        if self.storage.nodes().len() < self.cap {
            return CheckError::expect_count("storage nodes", self.cap, self.storage.nodes().len());
        }
        let nodes = self.slots();
        let (ranges, live, free) = self.check_tiling(nodes)?;
        CheckError::expect_count("live allocations", self.live, live)?;
        CheckError::expect_count("free ranges", self.free_ranges, free)?;
        CheckError::expect_count("offset table entries", offsets::count(nodes), live)?;
        self.check_bins(nodes, free)?;
        let mut vacant = 0;
        let mut i = self.vacant_head;
        while i != NIL {
            match nodes.get(i as usize) {
                Some(node) if node.state == State::Vacant && vacant < self.cap => {
                    vacant += 1;
                    i = node.link_next;
                }
                _ => return Err(CheckError::VacantNodesCorrupt),
            }
        }
        CheckError::expect_count("vacant nodes", self.vacant, vacant)?;
        CheckError::expect_count("nodes", self.cap, ranges + vacant)
    }

    /// The end of range `node`, in granules, read defensively.
    fn checked_end(&self, nodes: &[Node], node: &Node) -> Option<usize> {
        match node.next {
            NIL => Some(self.units),
            next => nodes.get(next as usize).map(|next| next.start),
        }
    }

    /// Verifies the address order, the used ranges' table entries and the
    /// bytes in use; returns the numbers of ranges, used and free ranges.
    fn check_tiling(&self, nodes: &[Node]) -> Result<(usize, usize, usize), CheckError> {
        let (mut ranges, mut used, mut free, mut used_units) = (0, 0, 0, 0);
        let mut start = 0;
        let mut prev = NIL;
        let mut prev_free = false;
        let mut i = self.first;
        while i != NIL {
            let offset = start << self.shift;
            let node = match nodes.get(i as usize) {
                Some(node) if ranges < self.cap => node,
                _ => return Err(CheckError::RangesNotTiled { offset }),
            };
            let end = self.checked_end(nodes, node);
            if node.prev != prev
                || node.start != start
                || node.state == State::Vacant
                || end.is_none_or(|end| end <= start)
            {
                return Err(CheckError::RangesNotTiled { offset });
            }
            let end = end.unwrap_or(start);
            if node.state == State::Used {
                if offsets::find(nodes, start) != Some(i) {
                    return Err(CheckError::OffsetTableMismatch { offset });
                }
                used += 1;
                used_units += end - start;
            } else {
                if prev_free {
                    return Err(CheckError::AdjacentFreeRanges { offset });
                }
                self.check_listed(nodes, i, node, end - start)?;
                free += 1;
            }
            prev_free = node.state == State::Free;
            ranges += 1;
            prev = i;
            start = end;
            i = node.next;
        }
        if start != self.units {
            return Err(CheckError::RangesNotTiled {
                offset: start << self.shift,
            });
        }
        CheckError::expect_count("bytes in use", self.in_use(), used_units << self.shift)?;
        Ok((ranges, used, free))
    }

    /// Verifies that free range `i` of `units` granules is linked into its
    /// bin: it heads the bin or follows a node that links to it.
    fn check_listed(
        &self,
        nodes: &[Node],
        i: u32,
        node: &Node,
        units: usize,
    ) -> Result<(), CheckError> {
        let bin = Bin::for_block(units).index();
        let linked = match node.link_prev {
            NIL => self.heads[bin] == i,
            prev => nodes
                .get(prev as usize)
                .is_some_and(|prev| prev.state == State::Free && prev.link_next == i),
        };
        if linked {
            Ok(())
        } else {
            Err(CheckError::BinListCorrupt { bin })
        }
    }

    /// Verifies the bins and their bitmaps against the `free` free ranges
    /// of the address walk.
    fn check_bins(&self, nodes: &[Node], free: usize) -> Result<(), CheckError> {
        let size = |node: &Node| {
            self.checked_end(nodes, node)
                .and_then(|end| end.checked_sub(node.start))
                .filter(|&size| size > 0)
        };
        if !self.bins.is_consistent() {
            return Err(CheckError::BinBitmapMismatch { bin: 0 });
        }
        // Every list head belongs to a bin marked non-empty, and is the
        // head of that bin.
        for (bin, &head) in self.heads.iter().enumerate() {
            if head == NIL {
                continue;
            }
            let Some(node) = nodes.get(head as usize) else {
                return Err(CheckError::BinListCorrupt { bin });
            };
            match size(node).map(Bin::for_block) {
                Some(of) if of.index() == bin && self.bins.is_nonempty(of) => {}
                _ => return Err(CheckError::BinBitmapMismatch { bin }),
            }
        }
        // Every bin marked non-empty has a list of free ranges of its size
        // class; together they hold as many ranges as the address walk
        // found, each of which is linked into its bin.
        let mut listed = 0;
        for bin in self.bins.nonempty() {
            let mut i = self.heads[bin.index()];
            if i == NIL {
                return Err(CheckError::BinBitmapMismatch { bin: bin.index() });
            }
            let mut prev = NIL;
            while i != NIL {
                let corrupt = CheckError::BinListCorrupt { bin: bin.index() };
                let node = nodes.get(i as usize).ok_or(corrupt)?;
                if listed == free
                    || node.state != State::Free
                    || node.link_prev != prev
                    || size(node).map(Bin::for_block) != Some(bin)
                {
                    return Err(corrupt);
                }
                listed += 1;
                prev = i;
                i = node.link_next;
            }
        }
        CheckError::expect_count("free ranges in bins", free, listed)
    }
}
