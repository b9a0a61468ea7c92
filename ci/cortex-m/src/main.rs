//! poolalloc on a Cortex-M, under QEMU: a `GlobalPool` over a `static`
//! region is the global allocator, used by the main loop and by the
//! SysTick interrupt handler at once; the handler feeds a
//! `CriticalSectionDeque` and an `SpscQueue` that the main loop drains and
//! checks byte by byte; `BlockPool`, `VarPool`, `Slab` and `LockFreePool`
//! run on the target (its own atomics).
//!
//! Each test prints `test NAME ... ok` or `... FAILED: what`; the output
//! ends with `N passed, N failed`, and QEMU exits (through semihosting)
//! with a failure status if any failed.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use core::mem::MaybeUninit;
use cortex_m::interrupt::Mutex;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;
use poolalloc::global::CriticalSectionGlobalPool;
use poolalloc::region::{Region, StaticRegion};
use poolalloc::sync::{CriticalSectionDeque, LockFreePool, Producer, SpscQueue};
use poolalloc::{BlockPool, FreeError, Slab, VarPool};

/// The heap: 16 KiB on the Cortex-M3 board (64 KiB of RAM), 7 KiB on the
/// Cortex-M0 one (16 KiB), whose collections are smaller too.
#[cfg(target_has_atomic = "ptr")]
const HEAP_BYTES: usize = 16 * 1024;
#[cfg(not(target_has_atomic = "ptr"))]
const HEAP_BYTES: usize = 7 * 1024;
/// Elements in the collections test.
const ELEMENTS: u32 = if HEAP_BYTES >= 16 * 1024 { 300 } else { 60 };
static MEMORY: StaticRegion<HEAP_BYTES> = StaticRegion::new();

#[global_allocator]
static HEAP: CriticalSectionGlobalPool<HEAP_BYTES> = CriticalSectionGlobalPool::new(&MEMORY);

/// Bytes the interrupt handler sends through a locked deque.
static RX: CriticalSectionDeque<32> = CriticalSectionDeque::new();
/// And through the lock-free ring, whose producer the handler owns.
static EVENTS: SpscQueue<16> = SpscQueue::new();
static PRODUCER: Mutex<RefCell<Option<Producer<'static, 16>>>> = Mutex::new(RefCell::new(None));
/// Ticks so far, and allocations the handler made that failed.
static TICKS: Mutex<Cell<u32>> = Mutex::new(Cell::new(0));
static HANDLER_FAILURES: Mutex<Cell<u32>> = Mutex::new(Cell::new(0));

/// Ticks to wait for.
const TICKS_WANTED: u32 = 300;

/// A failed check: what was expected.
type Outcome = Result<(), &'static str>;

/// A test: a function returning its outcome.
type Test = fn() -> Outcome;

fn ensure(ok: bool, what: &'static str) -> Outcome {
    if ok { Ok(()) } else { Err(what) }
}

/// Stops the program with a failure status (for the interrupt handler,
/// which cannot return an error).
fn abort(what: &str) -> ! {
    hprintln!("cortex-m: FAILED in the interrupt handler: {}", what);
    debug::exit(debug::EXIT_FAILURE);
    #[allow(clippy::empty_loop)]
    loop {}
}

#[exception]
fn SysTick() {
    let tick = cortex_m::interrupt::free(|cs| {
        let t = TICKS.borrow(cs);
        t.set(t.get() + 1);
        t.get()
    });
    if tick > TICKS_WANTED {
        return;
    }
    let byte = tick as u8;
    // Allocate while the main loop may be inside the allocator too.
    let boxed = Box::new([byte; 24]);
    let mut text = String::new();
    if text.try_reserve(40).is_err() {
        cortex_m::interrupt::free(|cs| {
            let f = HANDLER_FAILURES.borrow(cs);
            f.set(f.get() + 1);
        });
    }
    text.push(char::from(b'a' + byte % 26));
    if RX.push(boxed[23]).is_err() {
        abort("the deque was full");
    }
    cortex_m::interrupt::free(|cs| {
        if let Some(tx) = PRODUCER.borrow(cs).borrow_mut().as_mut()
            && tx.push(byte).is_err()
        {
            abort("the ring was full");
        }
    });
    drop((boxed, text));
}

/// Collections through the global allocator, then a request it must
/// refuse.
fn global_allocator() -> Outcome {
    let mut squares: Vec<u32> = (0..ELEMENTS).map(|i| i * i).collect();
    squares.retain(|x| x % 2 == 0);
    let sum: u32 = squares.iter().sum();
    let expected: u32 = (0..ELEMENTS).filter(|i| i % 2 == 0).map(|i| i * i).sum();
    ensure(sum == expected, "vec sum")?;
    let mut map = BTreeMap::new();
    for i in 0..ELEMENTS / 4 + 1 {
        map.insert(i, alloc::format!("value {i}"));
    }
    ensure(
        map.get(&15).map(String::as_str) == Some("value 15"),
        "map lookup",
    )?;
    drop((squares, map));
    let stats = HEAP.stats();
    ensure(stats.in_use == 0, "everything freed")?;
    ensure(
        stats.allocations > ELEMENTS as usize / 4 && stats.allocations == stats.frees,
        "counts",
    )?;
    let mut too_big: Vec<u8> = Vec::new();
    ensure(
        too_big.try_reserve_exact(HEAP_BYTES).is_err(),
        "an oversize request is refused",
    )?;
    ensure(HEAP.stats().failures >= 1, "the failure is counted")
}

/// `BlockPool` over a `static` region: alignment, double free, invariants.
fn block_pool() -> Outcome {
    static BLOCKS: StaticRegion<1024> = StaticRegion::new();
    let mut pool =
        BlockPool::new(BLOCKS.take().ok_or("first take")?, 32, 8).map_err(|_| "a pool")?;
    let a = pool.alloc().ok_or("a block")?;
    let b = pool.alloc().ok_or("a block")?;
    ensure(
        a != b && (a.as_ptr() as usize).is_multiple_of(8),
        "distinct aligned blocks",
    )?;
    ensure(pool.free(a) == Ok(()), "free")?;
    ensure(
        pool.free(a) == Err(FreeError::DoubleFree),
        "double free refused",
    )?;
    let mut n = 1;
    while pool.alloc().is_some() {
        n += 1;
    }
    ensure(n == pool.capacity(), "fills to capacity")?;
    ensure(pool.check().is_ok(), "block pool invariants")
}

/// `VarPool`: sizes, alignment, coalescing, checked frees. The pool lives
/// on the heap: its bin heads take 3.5 KiB on 32-bit targets, most of the
/// Cortex-M0's stack.
fn var_pool() -> Outcome {
    let mut memory = [MaybeUninit::<u8>::uninit(); 512];
    let mut pool: Box<VarPool<'_>> = Box::write(Box::new_uninit(), VarPool::empty());
    pool.add_region(Region::new(&mut memory))
        .map_err(|_| "a region")?;
    let mut live = Vec::new();
    for (i, size) in [1usize, 24, 100, 7, 120, 64].into_iter().enumerate() {
        let align = 1 << (i % 4);
        let p = pool.alloc(size, align).ok_or("an allocation")?;
        ensure((p.as_ptr() as usize).is_multiple_of(align), "aligned")?;
        // SAFETY: `size` bytes just allocated.
        unsafe { p.as_ptr().write_bytes(i as u8, size) };
        live.push((p, size, i as u8));
    }
    for &(p, size, fill) in &live {
        // SAFETY: written above, still allocated.
        let bytes = unsafe { core::slice::from_raw_parts(p.as_ptr(), size) };
        ensure(bytes.iter().all(|&b| b == fill), "contents kept")?;
    }
    let (first, ..) = live[0];
    // SAFETY: one past the start of a live allocation is inside the pool.
    let interior = unsafe { first.add(1) };
    ensure(
        matches!(pool.free(interior), Err(FreeError::Interior { .. })),
        "interior pointer refused",
    )?;
    for (p, ..) in live {
        ensure(pool.free(p) == Ok(()), "free")?;
    }
    ensure(
        pool.free(first) == Err(FreeError::DoubleFree),
        "double free refused",
    )?;
    ensure(pool.stats().free_blocks == 1, "everything coalesced")?;
    ensure(pool.check().is_ok(), "var pool invariants")
}

/// TinyAlloc's slab: handles, generations, stale frees.
fn slab() -> Outcome {
    // 8 slots of 32 bytes.
    let mut slab: Slab<256, 8> = Slab::new();
    let a = slab.alloc(b"hello").map_err(|_| "alloc")?;
    let b = slab.alloc(&[7; 32]).map_err(|_| "alloc")?;
    ensure(slab.get(a) == Some(&b"hello"[..]), "contents")?;
    ensure(slab.alloc(&[0; 33]).is_err(), "too long refused")?;
    ensure(slab.free(a).is_ok(), "free")?;
    ensure(slab.free(a).is_err(), "stale free refused")?;
    ensure(slab.get(a).is_none(), "stale handle sees nothing")?;
    let c = slab.alloc(b"again").map_err(|_| "alloc")?;
    ensure(
        slab.get(a).is_none() && slab.get(c).is_some(),
        "generation moved on",
    )?;
    ensure(slab.get(b).map(<[u8]>::len) == Some(32), "full-length slot")
}

/// `LockFreePool` on the target's atomics.
fn lock_free_pool() -> Outcome {
    let mut memory = [MaybeUninit::<u8>::uninit(); 512];
    let pool = LockFreePool::new(Region::new(&mut memory), 16, 4).map_err(|_| "a pool")?;
    let mut held = Vec::new();
    while let Some(block) = pool.alloc() {
        held.push(block);
    }
    ensure(held.len() == pool.capacity(), "lock-free pool fills")?;
    let first = held[0];
    for block in held {
        ensure(pool.free(block).is_ok(), "lock-free free")?;
    }
    ensure(pool.free(first).is_err(), "double free refused")?;
    ensure(pool.count_allocated() == 0, "lock-free pool empties")
}

/// Drains both queues while the handler fills them and while this loop
/// allocates; every byte must arrive once, in order.
fn interrupts() -> Outcome {
    let (tx, mut rx) = EVENTS.split().ok_or("first split")?;
    cortex_m::interrupt::free(|cs| *PRODUCER.borrow(cs).borrow_mut() = Some(tx));
    let mut core = cortex_m::Peripherals::take().ok_or("first take")?;
    core.SYST.set_clock_source(SystClkSource::Core);
    core.SYST.set_reload(4_000);
    core.SYST.clear_current();
    core.SYST.enable_counter();
    core.SYST.enable_interrupt();

    let (mut from_deque, mut from_ring) = (0u32, 0u32);
    let mut scratch: Vec<Vec<u8>> = Vec::new();
    let mut outcome = Ok(());
    while outcome.is_ok() && (from_deque < TICKS_WANTED || from_ring < TICKS_WANTED) {
        // Allocation traffic on the main side, racing the handler's.
        scratch.push(alloc::vec![from_deque as u8; 16 + (from_ring as usize % 48)]);
        if scratch.len() > 8 {
            let v = scratch.remove(0);
            outcome = ensure(v.iter().all(|&b| b == v[0]), "main-loop data intact");
        }
        while let Some(b) = RX.pop() {
            from_deque += 1;
            outcome = outcome.and(ensure(b == from_deque as u8, "deque order"));
        }
        while let Some(b) = rx.pop() {
            from_ring += 1;
            outcome = outcome.and(ensure(b == from_ring as u8, "ring order"));
        }
    }
    core.SYST.disable_interrupt();
    drop(scratch);
    outcome?;
    ensure(RX.dropped() == 0, "no byte dropped")?;
    let failures = cortex_m::interrupt::free(|cs| HANDLER_FAILURES.borrow(cs).get());
    ensure(failures == 0, "the handler always got memory")?;
    ensure(HEAP.stats().in_use == 0, "the heap is empty again")
}

#[entry]
fn main() -> ! {
    let tests: [(&str, Test); 6] = [
        ("global_allocator", global_allocator),
        ("block_pool", block_pool),
        ("var_pool", var_pool),
        ("slab", slab),
        ("lock_free_pool", lock_free_pool),
        ("systick_feeds_the_queues", interrupts),
    ];
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in tests {
        match test() {
            Ok(()) => {
                passed += 1;
                hprintln!("test {} ... ok", name);
            }
            Err(what) => {
                failed += 1;
                hprintln!("test {} ... FAILED: {}", name, what);
            }
        }
    }
    let stats = HEAP.stats();
    hprintln!(
        "heap: {} allocations, high water {} bytes",
        stats.allocations,
        stats.high_water
    );
    hprintln!("{} passed, {} failed", passed, failed);
    debug::exit(if failed == 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    #[allow(clippy::empty_loop)]
    loop {}
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    hprintln!("cortex-m: hard fault at {:#x}", frame.pc());
    debug::exit(debug::EXIT_FAILURE);
    #[allow(clippy::empty_loop)]
    loop {}
}
