use super::*;
use crate::region::Region;
use core::mem::MaybeUninit;
use std::vec::Vec;

fn memory(bytes: usize) -> Vec<MaybeUninit<u8>> {
    std::vec![MaybeUninit::uninit(); bytes]
}

#[test]
fn a_locked_block_pool_is_shared_by_threads() {
    let (threads, rounds) = if cfg!(miri) { (2, 20) } else { (4, 5_000) };
    let mut mem = memory(BlockPool::region_size_for(8, 32, 8).unwrap());
    let pool = SpinLocked::new(BlockPool::new(Region::new(&mut mem), 32, 8).unwrap());
    std::thread::scope(|s| {
        for t in 0..threads {
            let pool = &pool;
            s.spawn(move || {
                for r in 0..rounds {
                    let Some(block) = pool.alloc() else { continue };
                    let stamp = (t * rounds + r) as u64;
                    // SAFETY: the block is ours: 32 bytes, aligned to 8.
                    unsafe { block.cast::<[u64; 4]>().write([stamp; 4]) };
                    std::thread::yield_now();
                    // SAFETY: as above; a block handed out twice would show
                    // another thread's stamp.
                    assert_eq!(unsafe { block.cast::<[u64; 4]>().read() }, [stamp; 4]);
                    pool.free(block).unwrap();
                }
            });
        }
    });
    let stats = pool.stats();
    assert_eq!(stats.in_use, 0);
    assert_eq!(stats.allocations, stats.frees);
    pool.lock().check().unwrap();
}

#[test]
fn errors_pass_through_and_change_nothing() {
    let mut mem = memory(1024);
    let pool = SpinLocked::new(BlockPool::new(Region::new(&mut mem), 32, 8).unwrap());
    let a = pool.alloc().unwrap();
    pool.free(a).unwrap();
    assert_eq!(pool.free(a), Err(FreeError::DoubleFree));
    assert_eq!(pool.stats().frees, 1);
    let mut pool = pool;
    assert_eq!(pool.get_mut().len(), 0);
    let inner = pool.into_inner();
    assert_eq!(inner.stats().allocations, 1);
}

#[test]
fn a_locked_var_pool_allocates_frees_and_reallocates() {
    let mut mem = memory(4096);
    let pool: SpinLocked<VarPool<'_>> = Locked::new(VarPool::new(Region::new(&mut mem)).unwrap());
    let a = pool.alloc(100, 16).unwrap();
    assert_eq!(a.as_ptr().addr() % 16, 0);
    let b = pool.realloc(a, 200).unwrap();
    assert_eq!(pool.stats().live_allocations, 1);
    assert_eq!(
        pool.try_alloc(0, 3),
        Err(AllocError::BadAlignment { align: 3 })
    );
    pool.free(b).unwrap();
    assert_eq!(pool.free(b), Err(FreeError::DoubleFree));
    assert_eq!(pool.stats().in_use, 0);
}

#[test]
fn try_lock_fails_while_held_and_debug_says_so() {
    let mut mem = memory(256);
    let pool = SpinLocked::new(BlockPool::new(Region::new(&mut mem), 16, 8).unwrap());
    let guard = pool.lock();
    assert!(pool.try_lock().is_none());
    assert_eq!(std::format!("{pool:?}"), "Locked { <locked> }");
    drop(guard);
    assert!(std::format!("{pool:?}").starts_with("Locked { engine: BlockPool"));
}

#[cfg(feature = "parking_lot")]
#[test]
// parking_lot_core turns integers into pointers, which Miri's strict
// provenance refuses; the pool's side is the spin-lock test's.
#[cfg_attr(miri, ignore)]
fn a_parking_lot_lock_works_the_same() {
    let mut mem = memory(1024);
    let pool = MutexLocked::new(BlockPool::new(Region::new(&mut mem), 32, 8).unwrap());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..100 {
                    let b = pool.alloc().unwrap();
                    pool.free(b).unwrap();
                }
            });
        }
    });
    assert_eq!(pool.stats().allocations, 200);
}

#[cfg(feature = "critical-section")]
#[test]
fn a_critical_section_lock_excludes_and_refuses_nesting() {
    let mut mem = memory(1024);
    let pool = CriticalSectionLocked::new(BlockPool::new(Region::new(&mut mem), 32, 8).unwrap());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..100 {
                    let b = pool.alloc().unwrap();
                    pool.free(b).unwrap();
                }
            });
        }
    });
    assert_eq!(pool.stats().allocations, 200);
    let guard = pool.lock();
    assert!(pool.try_lock().is_none());
    drop(guard);
    assert!(pool.try_lock().is_some());
}
