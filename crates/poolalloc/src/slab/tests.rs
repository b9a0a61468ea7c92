use super::*;
use std::collections::HashSet;
use std::format;
use std::vec::Vec;

type Small = Slab<64, 4>;

#[test]
fn block_size_is_bytes_over_slots_and_the_remainder_is_unused() {
    assert_eq!(Slab::<100, 7>::BLOCK_SIZE, 14);
    let mut slab = Slab::<100, 7>::new();
    assert_eq!(slab.block_size(), 14);
    let handles: Vec<_> = (0..7u8).map(|i| slab.alloc(&[i; 14]).unwrap()).collect();
    assert_eq!(slab.alloc(&[]), Err(SlabError::Full));
    for (i, h) in handles.iter().enumerate() {
        assert_eq!(slab.get(*h), Some(&[i as u8; 14][..]));
    }
    slab.check().unwrap();
}

#[test]
fn lengths_up_to_the_block_size_exactly() {
    let mut slab = Slab::<1024, 2>::new();
    let h = slab.alloc(&[7; 512]).unwrap();
    assert_eq!(slab.get(h).unwrap().len(), 512);
    assert_eq!(
        slab.alloc_uninit(513).map(|(h, _)| h),
        Err(SlabError::TooLarge {
            len: 513,
            block_size: 512
        })
    );
    assert_eq!(
        slab.alloc_uninit(usize::MAX).map(|(h, _)| h),
        Err(SlabError::TooLarge {
            len: usize::MAX,
            block_size: 512
        })
    );
    // A refused length leaves everything as it was.
    assert_eq!(slab.len(), 1);
    assert_eq!(slab.stats().failed_allocations, 0);
    assert_eq!(slab.get(h), Some(&[7; 512][..]));
}

#[test]
fn zero_length_allocations_take_a_slot() {
    let mut slab = Small::new();
    let h = slab.alloc(&[]).unwrap();
    assert_eq!(slab.get(h), Some(&[][..]));
    assert_eq!(slab.len(), 1);
    assert_eq!(slab.free(h), Ok(0));
    assert_eq!(slab.len(), 0);
}

#[test]
fn more_than_255_slots() {
    let mut slab = Slab::<{ 1000 * 4 }, 1000>::new();
    let handles: Vec<_> = (0..1000u32)
        .map(|i| slab.alloc(&i.to_le_bytes()).unwrap())
        .collect();
    assert_eq!(slab.alloc(&[]), Err(SlabError::Full));
    let indices: HashSet<_> = handles.iter().map(|h| h.index()).collect();
    assert_eq!(indices.len(), 1000);
    for (i, h) in handles.iter().enumerate() {
        assert_eq!(slab.get(*h), Some(&(i as u32).to_le_bytes()[..]));
    }
    slab.check().unwrap();
}

#[test]
fn get_mut_writes_through() {
    let mut slab = Small::new();
    let h = slab.alloc(b"abcd").unwrap();
    slab.get_mut(h).unwrap().copy_from_slice(b"wxyz");
    assert_eq!(slab.get(h), Some(&b"wxyz"[..]));
    assert_eq!(slab.lookup_mut(h).map(|b| b.len()), Ok(4));
}

#[test]
fn alloc_uninit_hands_out_exactly_len_bytes() {
    let mut slab = Small::new();
    let (h, bytes) = slab.alloc_uninit(3).unwrap();
    assert_eq!(bytes, &[0, 0, 0]);
    bytes.copy_from_slice(b"xyz");
    assert_eq!(slab.get(h), Some(&b"xyz"[..]));
}

#[test]
fn stale_handles_are_refused_and_leave_the_slab_untouched() {
    let mut slab = Small::new();
    let a = slab.alloc(b"a").unwrap();
    let keep = slab.alloc(b"keep").unwrap();
    assert_eq!(slab.free(a), Ok(1));
    // A double free.
    assert_eq!(slab.free(a), Err(SlabError::Stale));
    assert_eq!(slab.lookup(a), Err(SlabError::Stale));
    assert_eq!(slab.get(a), None);
    assert_eq!(slab.get_mut(a), None);
    assert!(!slab.contains(a));
    assert_eq!(slab.len(), 1);
    assert_eq!(slab.stats().frees, 1);
    // The slot is reused (LIFO) with a new generation; the old handle
    // still does not reach it.
    let b = slab.alloc(b"b").unwrap();
    assert_eq!(b.index(), a.index());
    assert_eq!(b.generation(), a.generation() + 1);
    assert_eq!(slab.get(a), None);
    assert_eq!(slab.free(a), Err(SlabError::Stale));
    assert_eq!(slab.get(b), Some(&b"b"[..]));
    assert_eq!(slab.get(keep), Some(&b"keep"[..]));
    slab.check().unwrap();
}

#[test]
fn a_stale_handle_cannot_free_a_slot_twice_into_the_free_list() {
    // TinyAlloc's bug: a stale free put a slot on the free list again, so
    // it was handed out twice.
    let mut slab = Small::new();
    let a = slab.alloc(b"1").unwrap();
    slab.free(a).unwrap();
    assert_eq!(slab.free(a), Err(SlabError::Stale));
    let b = slab.alloc(b"2").unwrap();
    let c = slab.alloc(b"3").unwrap();
    assert_ne!(b.index(), c.index());
    assert_eq!(
        (slab.get(b), slab.get(c)),
        (Some(&b"2"[..]), Some(&b"3"[..]))
    );
    slab.check().unwrap();
}

#[test]
fn foreign_handles_are_refused() {
    let mut one = Small::new();
    let mut two = Small::new();
    let mut other_shape = Slab::<256, 16>::new();
    let a = one.alloc(b"one").unwrap();
    let b = two.alloc(b"two").unwrap();
    let c = other_shape.alloc(b"three").unwrap();
    // Same slot and generation, different slab.
    assert_eq!((a.index(), a.generation()), (b.index(), b.generation()));
    assert_eq!(one.free(b), Err(SlabError::Foreign));
    assert_eq!(one.lookup(c), Err(SlabError::Foreign));
    assert_eq!(one.get(b), None);
    assert_eq!(two.free(a), Err(SlabError::Foreign));
    // A slab that never allocated refuses every handle as foreign.
    let empty = Small::new();
    assert_eq!(empty.lookup(a), Err(SlabError::Foreign));
    assert_eq!((one.len(), two.len()), (1, 1));
    assert_eq!(one.get(a), Some(&b"one"[..]));
}

#[test]
fn full_slab_refuses_and_counts_the_failure() {
    let mut slab = Small::new();
    let handles: Vec<_> = (0..4u8).map(|i| slab.alloc(&[i]).unwrap()).collect();
    assert!(slab.available() == 0);
    assert_eq!(slab.alloc(b"x"), Err(SlabError::Full));
    assert_eq!(slab.stats().failed_allocations, 1);
    for (i, h) in handles.iter().enumerate() {
        assert_eq!(slab.get(*h), Some(&[i as u8][..]));
    }
    slab.free(handles[2]).unwrap();
    let again = slab.alloc(b"y").unwrap();
    assert_eq!(again.index(), handles[2].index());
}

#[test]
fn clear_makes_every_handle_stale() {
    let mut slab = Small::new();
    let a = slab.alloc(b"a").unwrap();
    let b = slab.alloc(b"b").unwrap();
    let c = slab.alloc(b"c").unwrap();
    slab.free(b).unwrap();
    slab.clear();
    assert!(slab.is_empty());
    for h in [a, b, c] {
        assert_eq!(slab.free(h), Err(SlabError::Stale));
    }
    let stats = slab.stats();
    assert_eq!((stats.allocations, stats.frees, stats.in_use), (3, 3, 0));
    let fresh: Vec<_> = (0..4).map(|_| slab.alloc(b"z").unwrap()).collect();
    for h in [a, b, c] {
        assert!(fresh.iter().all(|f| *f != h));
        assert_eq!(slab.get(h), None);
    }
    slab.check().unwrap();
}

#[test]
fn an_exhausted_generation_retires_its_slot() {
    let mut slab = Slab::<8, 2>::new();
    slab.set_generation_for_test(0, u32::MAX - 1);
    slab.set_generation_for_test(1, 5);
    // LIFO: slot 1 is on top; take it out of the way.
    let other = slab.alloc(b"o").unwrap();
    assert_eq!((other.index(), other.generation()), (1, 5));
    let a = slab.alloc(b"a").unwrap();
    assert_eq!((a.index(), a.generation()), (0, u32::MAX - 1));
    slab.free(a).unwrap();
    let b = slab.alloc(b"b").unwrap();
    assert_eq!((b.index(), b.generation()), (0, u32::MAX));
    assert_eq!(slab.free(b), Ok(1));
    // Slot 0 is retired: it never comes back, so neither `a` nor `b` can
    // ever reach a live value again.
    assert_eq!(slab.retired(), 1);
    assert_eq!(slab.capacity(), 1);
    assert_eq!(slab.alloc(b"c"), Err(SlabError::Full));
    assert_eq!(slab.free(b), Err(SlabError::Stale));
    assert_eq!(slab.free(a), Err(SlabError::Stale));
    slab.free(other).unwrap();
    let d = slab.alloc(b"d").unwrap();
    assert_eq!((d.index(), d.generation()), (1, 6));
    assert_eq!(slab.stats().capacity, 1);
    slab.check().unwrap();
    // Clearing does not revive a retired slot either.
    slab.clear();
    assert_eq!((slab.retired(), slab.capacity()), (1, 1));
    slab.check().unwrap();
}

#[test]
fn stats_and_report() {
    let mut slab = Slab::<64, 4>::new();
    let a = slab.alloc(b"abc").unwrap();
    let _b = slab.alloc(b"").unwrap();
    slab.free(a).unwrap();
    let stats = slab.stats();
    assert_eq!(
        (
            stats.capacity,
            stats.in_use,
            stats.high_water,
            stats.allocations,
            stats.frees,
            stats.failed_allocations,
            stats.growth_events
        ),
        (4, 1, 2, 2, 1, 0, 0)
    );
    assert_eq!(
        format!("{slab}"),
        "slab of 4 slots x 16 bytes: 1 live holding 0 bytes, 0 retired; \
         in use 1/4 (high water 2), 2 allocations, 1 frees, 0 failed, 0 growths"
    );
    assert!(format!("{slab:?}").starts_with("Slab { slots: 4, block_size: 16, len: 1"));
}

#[test]
fn iter_lists_live_allocations_in_slot_order() {
    let mut slab = Small::new();
    let a = slab.alloc(b"a").unwrap();
    let b = slab.alloc(b"bb").unwrap();
    let c = slab.alloc(b"ccc").unwrap();
    slab.free(b).unwrap();
    let live: Vec<_> = slab.iter().collect();
    assert_eq!(live, [(a, &b"a"[..]), (c, &b"ccc"[..])]);
    assert_eq!(slab.bytes_in_use(), 4);
}

#[test]
fn check_detects_corruption() {
    let mut slab = Small::new();
    let a = slab.alloc(b"a").unwrap();
    let b = slab.alloc(b"b").unwrap();
    slab.free(a).unwrap();
    slab.free(b).unwrap();
    slab.check().unwrap();
    let mut cycle = Small::new();
    cycle.alloc(b"a").unwrap();
    let x = cycle.alloc(b"b").unwrap();
    cycle.free(x).unwrap();
    cycle.slots[1].state = State::Vacant { next: 1 };
    assert_eq!(cycle.check(), Err(SlabCheckError::FreeListCycle));
    let mut bad = Small::new();
    bad.alloc(b"a").unwrap();
    bad.slots[0].state = State::Occupied { len: 17 };
    assert_eq!(bad.check(), Err(SlabCheckError::LengthTooLarge { slot: 0 }));
    let mut used = Small::new();
    used.slots[3].generation = 1;
    assert_eq!(used.check(), Err(SlabCheckError::FreshSlotUsed { slot: 3 }));
    let mut listed = Small::new();
    listed.alloc(b"a").unwrap();
    listed.free_head = 0;
    assert_eq!(
        listed.check(),
        Err(SlabCheckError::FreeListCorrupt { slot: 0 })
    );
}

#[test]
fn take_once_hands_out_one_exclusive_reference() {
    static SLAB: TakeOnce<Slab<128, 8>> = TakeOnce::new(Slab::new());
    assert!(!SLAB.is_taken());
    let slab = SLAB.take().unwrap();
    assert!(SLAB.is_taken());
    assert!(SLAB.take().is_none());
    let h = slab.alloc(b"static").unwrap();
    assert_eq!(slab.get(h), Some(&b"static"[..]));
}

#[test]
fn errors_display() {
    assert_eq!(
        format!(
            "{}",
            SlabError::TooLarge {
                len: 9,
                block_size: 8
            }
        ),
        "a length of 9 bytes is longer than the block size of 8 bytes"
    );
    assert_eq!(
        format!("{}", SlabError::Full),
        "every usable slot of the slab is in use"
    );
    assert_eq!(
        format!("{}", SlabError::Foreign),
        "the handle belongs to another slab"
    );
    assert_eq!(
        format!("{}", SlabCheckError::FreeListCycle),
        "the free list has a cycle"
    );
}
