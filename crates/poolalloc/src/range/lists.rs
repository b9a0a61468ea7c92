//! The three lists threaded through a [`RangePool`]'s nodes: ranges in
//! address order, free ranges by size bin, and vacant slots; and growth
//! of the node storage.

use super::RangePool;
use super::nodes::{MAX_NODES, NIL, Node, NodeStorage, State};
use super::offsets;
use crate::seg_fit::Bin;

impl<S: NodeStorage> RangePool<S> {
    #[inline(always)]
    pub(super) fn node(&self, i: u32) -> &Node {
        &self.storage.nodes()[i as usize]
    }

    #[inline(always)]
    pub(super) fn node_mut(&mut self, i: u32) -> &mut Node {
        &mut self.storage.nodes_mut()[i as usize]
    }

    /// The nodes the pool uses.
    #[inline(always)]
    pub(super) fn slots(&self) -> &[Node] {
        &self.storage.nodes()[..self.cap]
    }

    /// The nodes the pool uses, mutably.
    #[inline(always)]
    pub(super) fn slots_mut(&mut self) -> &mut [Node] {
        &mut self.storage.nodes_mut()[..self.cap]
    }

    /// Where range `i` ends, in granules.
    #[inline]
    pub(super) fn end_of(&self, i: u32) -> usize {
        match self.node(i).next {
            NIL => self.units,
            next => self.node(next).start,
        }
    }

    /// The size of range `i`, in granules.
    #[inline]
    pub(super) fn size_of(&self, i: u32) -> usize {
        self.end_of(i) - self.node(i).start
    }

    // --- address order -------------------------------------------------

    /// Links `new` into the address list right after `at`.
    pub(super) fn link_after(&mut self, at: u32, new: u32) {
        let next = self.node(at).next;
        let node = self.node_mut(new);
        node.prev = at;
        node.next = next;
        self.node_mut(at).next = new;
        if next != NIL {
            self.node_mut(next).prev = new;
        }
    }

    /// Links `new` into the address list right before `at`.
    pub(super) fn link_before(&mut self, at: u32, new: u32) {
        let prev = self.node(at).prev;
        let node = self.node_mut(new);
        node.prev = prev;
        node.next = at;
        self.node_mut(at).prev = new;
        if prev == NIL {
            self.first = new;
        } else {
            self.node_mut(prev).next = new;
        }
    }

    /// Takes `i` out of the address list; its predecessor grows over it.
    pub(super) fn unlink(&mut self, i: u32) {
        let Node { prev, next, .. } = *self.node(i);
        if prev == NIL {
            self.first = next;
        } else {
            self.node_mut(prev).next = next;
        }
        if next != NIL {
            self.node_mut(next).prev = prev;
        }
    }

    // --- size bins -----------------------------------------------------

    /// Marks range `i` free and puts it at the head of its size bin. Its
    /// size must be final: call after its neighbours are in place.
    pub(super) fn bin_insert(&mut self, i: u32) {
        let bin = Bin::for_block(self.size_of(i));
        let head = self.heads[bin.index()];
        let node = self.node_mut(i);
        node.state = State::Free;
        node.link_prev = NIL;
        node.link_next = head;
        if head == NIL {
            self.bins.mark_nonempty(bin);
        } else {
            self.node_mut(head).link_prev = i;
        }
        self.heads[bin.index()] = i;
    }

    /// Takes free range `i` out of its size bin. Call before its size
    /// changes.
    pub(super) fn bin_remove(&mut self, i: u32) {
        let bin = Bin::for_block(self.size_of(i));
        let Node {
            link_prev,
            link_next,
            ..
        } = *self.node(i);
        if link_prev == NIL {
            self.heads[bin.index()] = link_next;
            if link_next == NIL {
                self.bins.mark_empty(bin);
            }
        } else {
            self.node_mut(link_prev).link_next = link_next;
        }
        if link_next != NIL {
            self.node_mut(link_next).link_prev = link_prev;
        }
    }

    // --- vacant slots --------------------------------------------------

    /// A vacant slot for a new free range starting at `start`; the caller
    /// reserved it with [`reserve`](Self::reserve).
    pub(super) fn take_vacant(&mut self, start: usize) -> u32 {
        let i = self.vacant_head;
        debug_assert!(i != NIL && self.vacant > 0);
        self.vacant -= 1;
        self.vacant_head = self.node(i).link_next;
        let node = self.node_mut(i);
        node.start = start;
        node.state = State::Free;
        i
    }

    /// Returns slot `i` to the vacant list. Its generation is kept.
    pub(super) fn put_vacant(&mut self, i: u32) {
        let head = self.vacant_head;
        let node = self.node_mut(i);
        node.state = State::Vacant;
        node.prev = NIL;
        node.next = NIL;
        node.link_prev = NIL;
        node.link_next = head;
        self.vacant_head = i;
        self.vacant += 1;
    }

    /// Makes sure `needed` vacant slots exist, growing the storage if it
    /// can. Returns `false`, with the pool unchanged but for a possibly
    /// larger storage, when it cannot.
    pub(super) fn reserve(&mut self, needed: usize) -> bool {
        while self.vacant < needed {
            if self.cap >= MAX_NODES || !self.storage.grow() {
                return false;
            }
            let cap = self.storage.nodes().len().min(MAX_NODES);
            if cap <= self.cap {
                return false;
            }
            self.adopt(cap);
            self.growth_events += 1;
        }
        true
    }

    /// Takes slots `self.cap..cap` into use as vacant slots, and rebuilds
    /// the offset table over the larger number of buckets.
    pub(super) fn adopt(&mut self, cap: usize) {
        let old = self.cap;
        self.cap = cap;
        for i in (old..cap).rev() {
            *self.node_mut(i as u32) = Node::EMPTY;
            self.put_vacant(i as u32);
        }
        let slots = self.slots_mut();
        offsets::clear(slots);
        for i in 0..slots.len() {
            if slots[i].state == State::Used {
                offsets::insert(slots, i as u32);
            }
        }
    }
}
