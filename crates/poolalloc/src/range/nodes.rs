//! The metadata nodes of a [`RangePool`](super::RangePool) and the storage
//! that holds them.

#[cfg(feature = "alloc")]
use alloc::{boxed::Box, vec::Vec};

/// The link value meaning "no node".
pub(super) const NIL: u32 = u32::MAX;

/// The most nodes a pool uses: node indices and the offset table's bucket
/// indices (two per node) must fit a `u32` below `u32::MAX`, which marks
/// "none".
pub const MAX_NODES: usize = (u32::MAX >> 1) as usize;

/// What a node slot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    /// Nothing: the slot is on the vacant list.
    Vacant,
    /// A free range, on its size bin's list.
    Free,
    /// A live allocation, in the offset table.
    Used,
}

/// One slot of a [`RangePool`](super::RangePool)'s metadata.
///
/// A node in use describes one range of the pool, free or allocated: its
/// start, its neighbours in address order, its size bin's list links and
/// the generation that its handles carry. Every node also holds two
/// buckets of the pool's offset table (which maps the start of each live
/// allocation to its node), so the table needs no storage of its own and
/// is never more than half full.
///
/// The fields are private: a caller only provides the storage, for
/// instance `[Node::EMPTY; 64]`. A pool with `L` live allocations uses at
/// most `2 * L + 1` nodes; see [`nodes_for`](super::nodes_for).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    /// Start of the range, in granules.
    pub(super) start: usize,
    /// Bumped whenever an allocation on this node ends or is resized.
    pub(super) generation: u64,
    /// Previous range in address order.
    pub(super) prev: u32,
    /// Next range in address order.
    pub(super) next: u32,
    /// Previous node of the bin list (free ranges only).
    pub(super) link_prev: u32,
    /// Next node of the bin list, or of the vacant list.
    pub(super) link_next: u32,
    /// Two buckets of the offset table: node indices, or [`NIL`].
    pub(super) buckets: [u32; 2],
    pub(super) state: State,
}

impl Node {
    /// An unused node, to fill storage with.
    pub const EMPTY: Node = Node {
        start: 0,
        generation: 0,
        prev: NIL,
        next: NIL,
        link_prev: NIL,
        link_next: NIL,
        buckets: [NIL; 2],
        state: State::Vacant,
    };
}

impl Default for Node {
    fn default() -> Self {
        Node::EMPTY
    }
}

/// Where a [`RangePool`](super::RangePool) keeps its [`Node`]s.
///
/// Implemented for a borrowed slice (`&mut [Node]`) and an owned array
/// (`[Node; N]`), whose capacity is fixed, and with feature `alloc` for a
/// `Box<[Node]>` (fixed) and a `Vec<Node>`, which grows when the pool runs
/// out of nodes.
///
/// An implementation must return the same nodes, in the same order, from
/// every call, and change their number only in [`grow`](Self::grow), by
/// appending. The pool's code is safe Rust, so an implementation that
/// breaks this rule can make the pool panic or misreport, never cause
/// undefined behaviour.
pub trait NodeStorage {
    /// The nodes.
    fn nodes(&self) -> &[Node];

    /// The nodes, mutably.
    fn nodes_mut(&mut self) -> &mut [Node];

    /// Appends at least one node; returns `false` when the storage cannot
    /// grow. The pool initialises the new nodes itself. The default never
    /// grows.
    fn grow(&mut self) -> bool {
        false
    }
}

impl NodeStorage for &mut [Node] {
    #[inline]
    fn nodes(&self) -> &[Node] {
        self
    }

    #[inline]
    fn nodes_mut(&mut self) -> &mut [Node] {
        self
    }
}

impl<const N: usize> NodeStorage for [Node; N] {
    #[inline]
    fn nodes(&self) -> &[Node] {
        self
    }

    #[inline]
    fn nodes_mut(&mut self) -> &mut [Node] {
        self
    }
}

#[cfg(feature = "alloc")]
impl NodeStorage for Box<[Node]> {
    #[inline]
    fn nodes(&self) -> &[Node] {
        self
    }

    #[inline]
    fn nodes_mut(&mut self) -> &mut [Node] {
        self
    }
}

/// Grows by doubling (at least 8 nodes), with `try_reserve`: when the heap
/// refuses, the pool's operation fails with
/// [`RangeError::NodesExhausted`](crate::RangeError::NodesExhausted)
/// instead of aborting.
#[cfg(feature = "alloc")]
impl NodeStorage for Vec<Node> {
    #[inline]
    fn nodes(&self) -> &[Node] {
        self
    }

    #[inline]
    fn nodes_mut(&mut self) -> &mut [Node] {
        self
    }

    fn grow(&mut self) -> bool {
        let more = self.len().max(8);
        if self.try_reserve_exact(more).is_err() {
            return false;
        }
        self.resize(self.len() + more, Node::EMPTY);
        true
    }
}
