use super::sealed::IndexAllocator;
use super::{Bitmap, FreeList, Stack};
use std::vec::Vec;

/// Allocates everything, checks uniqueness and exhaustion.
fn drains<A: IndexAllocator>(capacity: u32) -> (A, Vec<u32>) {
    let mut a = A::with_capacity(capacity).unwrap();
    let mut got: Vec<u32> = (0..capacity).map(|_| a.alloc().unwrap()).collect();
    assert_eq!(a.alloc(), None);
    let order = got.clone();
    got.sort_unstable();
    assert_eq!(got, (0..capacity).collect::<Vec<_>>());
    (a, order)
}

#[test]
fn every_strategy_hands_out_each_index_once() {
    for capacity in [0, 1, 2, 63, 64, 65, 200] {
        drains::<Stack>(capacity);
        drains::<FreeList>(capacity);
        drains::<Bitmap>(capacity);
    }
}

#[test]
fn fresh_indices_come_in_order() {
    assert_eq!(drains::<Stack>(5).1, [0, 1, 2, 3, 4]);
    assert_eq!(drains::<FreeList>(5).1, [0, 1, 2, 3, 4]);
    assert_eq!(drains::<Bitmap>(130).1, (0..130).collect::<Vec<_>>());
}

#[test]
fn stack_reuses_last_freed_first() {
    let (mut a, _) = drains::<Stack>(4);
    a.free(1);
    a.free(3);
    assert_eq!(a.alloc(), Some(3));
    assert_eq!(a.alloc(), Some(1));
    assert_eq!(a.alloc(), None);
}

#[test]
fn free_list_reuses_first_freed_first_after_fresh_ones() {
    let mut a = FreeList::with_capacity(4).unwrap();
    assert_eq!(a.alloc(), Some(0));
    a.free(0);
    // Fresh indices first.
    assert_eq!(a.alloc(), Some(1));
    assert_eq!(a.alloc(), Some(2));
    assert_eq!(a.alloc(), Some(3));
    a.free(2);
    a.free(1);
    assert_eq!(a.alloc(), Some(0));
    assert_eq!(a.alloc(), Some(2));
    assert_eq!(a.alloc(), Some(1));
    assert_eq!(a.alloc(), None);
}

#[test]
fn bitmap_reuses_lowest_first() {
    let (mut a, _) = drains::<Bitmap>(150);
    a.free(140);
    a.free(70);
    a.free(3);
    assert_eq!(a.alloc(), Some(3));
    assert_eq!(a.alloc(), Some(70));
    assert_eq!(a.alloc(), Some(140));
    assert_eq!(a.alloc(), None);
}

#[test]
fn growth_adds_free_indices() {
    fn check<A: IndexAllocator>() {
        let (mut a, _) = drains::<A>(3);
        a.free(1);
        assert!(a.grow(70));
        assert_eq!(a.capacity(), 70);
        let mut got: Vec<u32> = (0..68).map(|_| a.alloc().unwrap()).collect();
        assert_eq!(a.alloc(), None);
        got.sort_unstable();
        let mut want: Vec<u32> = (3..70).collect();
        want.push(1);
        want.sort_unstable();
        assert_eq!(got, want);
    }
    check::<Stack>();
    check::<FreeList>();
    check::<Bitmap>();
}
