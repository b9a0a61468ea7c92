//! The offset table: the start of each live allocation, mapped to its node.
//!
//! An open-addressing hash table with linear probing and backward-shift
//! deletion (no tombstones), keyed by start offset in granules. Its buckets
//! live inside the nodes, two per node, so a table over `n` nodes has
//! `2n` buckets; it holds one entry per live allocation, at most `n`, so it
//! is never more than half full and a lookup probes O(1) buckets expected.

use super::nodes::{NIL, Node};

/// The bucket of a key before probing: Fibonacci hashing, then a
/// multiply-shift reduction to `0..buckets` (which needs no power of two).
#[inline]
fn home(start: usize, buckets: usize) -> usize {
    let hash = (start as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    ((hash * buckets as u64) >> 32) as usize
}

#[inline]
fn bucket(nodes: &[Node], i: usize) -> u32 {
    nodes[i >> 1].buckets[i & 1]
}

#[inline]
fn set_bucket(nodes: &mut [Node], i: usize, value: u32) {
    nodes[i >> 1].buckets[i & 1] = value;
}

#[inline]
fn next(i: usize, buckets: usize) -> usize {
    if i + 1 == buckets { 0 } else { i + 1 }
}

/// The bucket holding the entry for `start`, and the node it names.
fn position(nodes: &[Node], start: usize) -> Option<(usize, u32)> {
    let buckets = nodes.len() * 2;
    if buckets == 0 {
        return None;
    }
    let mut i = home(start, buckets);
    // The table is never full, so an empty bucket ends every probe; the
    // bound only guards against storage that broke its contract.
    for _ in 0..buckets {
        let entry = bucket(nodes, i);
        if entry == NIL {
            return None;
        }
        if nodes[entry as usize].start == start {
            return Some((i, entry));
        }
        i = next(i, buckets);
    }
    None
}

/// The node of the live allocation starting at `start` (in granules).
#[inline]
pub(super) fn find(nodes: &[Node], start: usize) -> Option<u32> {
    position(nodes, start).map(|(_, node)| node)
}

/// Records `node`, whose start is not in the table yet.
pub(super) fn insert(nodes: &mut [Node], node: u32) {
    let buckets = nodes.len() * 2;
    let mut i = home(nodes[node as usize].start, buckets);
    while bucket(nodes, i) != NIL {
        i = next(i, buckets);
    }
    set_bucket(nodes, i, node);
}

/// Removes the entry for `start`; returns its node.
pub(super) fn remove(nodes: &mut [Node], start: usize) -> Option<u32> {
    let (mut hole, node) = position(nodes, start)?;
    let buckets = nodes.len() * 2;
    let distance = |from: usize, to: usize| (to + buckets - from) % buckets;
    let mut i = next(hole, buckets);
    // An empty bucket ends the cluster; the bound only guards against
    // storage that broke its contract.
    for _ in 0..buckets {
        let entry = bucket(nodes, i);
        if entry == NIL {
            break;
        }
        // The entry may fill the hole when the hole lies on its probe path,
        // between its home bucket and where it sits.
        let home = home(nodes[entry as usize].start, buckets);
        if distance(home, i) >= distance(hole, i) {
            set_bucket(nodes, hole, entry);
            hole = i;
        }
        i = next(i, buckets);
    }
    set_bucket(nodes, hole, NIL);
    Some(node)
}

/// Empties every bucket.
pub(super) fn clear(nodes: &mut [Node]) {
    for node in nodes {
        node.buckets = [NIL; 2];
    }
}

/// The number of entries: O(buckets), for [`check`](super::RangePool::check).
pub(super) fn count(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .flat_map(|node| node.buckets)
        .filter(|&entry| entry != NIL)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    fn table(n: usize) -> std::vec::Vec<Node> {
        vec![Node::EMPTY; n]
    }

    #[test]
    fn insert_find_remove_with_collisions() {
        let mut nodes = table(16);
        // Keys spaced to collide often in 32 buckets.
        for (i, node) in nodes.iter_mut().enumerate() {
            node.start = i * 32;
        }
        for i in 0..16 {
            insert(&mut nodes, i);
        }
        assert_eq!(count(&nodes), 16);
        for i in 0..16u32 {
            assert_eq!(find(&nodes, i as usize * 32), Some(i));
        }
        assert_eq!(find(&nodes, 1), None);
        // Remove every other key; the rest must stay reachable.
        for i in (0..16u32).step_by(2) {
            assert_eq!(remove(&mut nodes, i as usize * 32), Some(i));
            assert_eq!(remove(&mut nodes, i as usize * 32), None);
        }
        for i in 0..16u32 {
            let expected = if i % 2 == 1 { Some(i) } else { None };
            assert_eq!(find(&nodes, i as usize * 32), expected, "{i}");
        }
        assert_eq!(count(&nodes), 8);
        clear(&mut nodes);
        assert_eq!(count(&nodes), 0);
    }

    #[test]
    fn homes_spread_over_all_buckets() {
        for buckets in [2, 3, 10, 64, 1000] {
            for start in 0..10_000 {
                assert!(home(start, buckets) < buckets);
            }
        }
        assert!(home(usize::MAX, 2 * super::super::MAX_NODES) < 2 * super::super::MAX_NODES);
    }

    #[test]
    fn empty_table_finds_nothing() {
        assert_eq!(find(&[], 0), None);
        assert_eq!(remove(&mut [], 0), None);
    }
}
