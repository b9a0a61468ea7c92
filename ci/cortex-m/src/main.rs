//! poolalloc on a Cortex-M, under QEMU: a `GlobalPool` over a `static`
//! region is the global allocator, used by the main loop and by the
//! SysTick interrupt handler at once; the handler feeds a
//! `CriticalSectionDeque` and an `SpscQueue` that the main loop drains; a
//! `BlockPool` and a `LockFreePool` run on the target's own atomics.
//!
//! Every check that fails exits QEMU with a failure status (through
//! semihosting); success prints one summary line and exits with 0.

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
use poolalloc::BlockPool;
use poolalloc::global::CriticalSectionGlobalPool;
use poolalloc::region::{Region, StaticRegion};
use poolalloc::sync::{CriticalSectionDeque, LockFreePool, Producer, SpscQueue};

/// The heap: 16 KiB on the Cortex-M3 board (64 KiB of RAM), 6 KiB on the
/// Cortex-M0 one (16 KiB), whose collections are smaller too.
#[cfg(target_has_atomic = "ptr")]
const HEAP_BYTES: usize = 16 * 1024;
#[cfg(not(target_has_atomic = "ptr"))]
const HEAP_BYTES: usize = 6 * 1024;
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

fn fail(what: &str) -> ! {
    hprintln!("cortex-m: FAILED: {}", what);
    debug::exit(debug::EXIT_FAILURE);
    #[allow(clippy::empty_loop)]
    loop {}
}

fn ensure(ok: bool, what: &str) {
    if !ok {
        fail(what);
    }
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
        fail("the deque was full");
    }
    cortex_m::interrupt::free(|cs| {
        if let Some(tx) = PRODUCER.borrow(cs).borrow_mut().as_mut()
            && tx.push(byte).is_err()
        {
            fail("the ring was full");
        }
    });
    drop((boxed, text));
}

/// Collections through the global allocator, then a request it must
/// refuse.
fn collections() {
    let mut squares: Vec<u32> = (0..ELEMENTS).map(|i| i * i).collect();
    squares.retain(|x| x % 2 == 0);
    let sum: u32 = squares.iter().sum();
    let expected: u32 = (0..ELEMENTS).filter(|i| i % 2 == 0).map(|i| i * i).sum();
    ensure(sum == expected, "vec sum");
    let mut map = BTreeMap::new();
    for i in 0..ELEMENTS / 4 + 1 {
        map.insert(i, alloc::format!("value {i}"));
    }
    ensure(
        map.get(&15).map(String::as_str) == Some("value 15"),
        "map lookup",
    );
    drop((squares, map));
    let stats = HEAP.stats();
    ensure(stats.in_use == 0, "everything freed");
    ensure(
        stats.allocations > ELEMENTS as usize / 4 && stats.allocations == stats.frees,
        "counts",
    );
    let mut too_big: Vec<u8> = Vec::new();
    ensure(
        too_big.try_reserve_exact(HEAP_BYTES).is_err(),
        "an oversize request is refused",
    );
    ensure(HEAP.stats().failures >= 1, "the failure is counted");
}

/// A `BlockPool` and a `LockFreePool` over `static` memory.
fn engines() {
    static BLOCKS: StaticRegion<1024> = StaticRegion::new();
    let mut pool = BlockPool::new(BLOCKS.take().expect("first take"), 32, 8).expect("a pool");
    let a = pool.alloc().expect("a block");
    let b = pool.alloc().expect("a block");
    ensure(
        a != b && (a.as_ptr() as usize).is_multiple_of(8),
        "distinct aligned blocks",
    );
    ensure(
        pool.free(a).is_ok() && pool.free(a).is_err(),
        "double free refused",
    );
    ensure(pool.check().is_ok(), "block pool invariants");

    let mut memory = [MaybeUninit::<u8>::uninit(); 512];
    let pool = LockFreePool::new(Region::new(&mut memory), 16, 4).expect("a pool");
    let mut held = Vec::new();
    while let Some(block) = pool.alloc() {
        held.push(block);
    }
    ensure(held.len() == pool.capacity(), "lock-free pool fills");
    for block in held {
        ensure(pool.free(block).is_ok(), "lock-free free");
    }
    ensure(pool.count_allocated() == 0, "lock-free pool empties");
}

/// Drains both queues while the handler fills them and while this loop
/// allocates; every byte must arrive once, in order.
fn interrupts() {
    let (tx, mut rx) = EVENTS.split().expect("first split");
    cortex_m::interrupt::free(|cs| *PRODUCER.borrow(cs).borrow_mut() = Some(tx));
    let mut core = cortex_m::Peripherals::take().expect("first take");
    core.SYST.set_clock_source(SystClkSource::Core);
    core.SYST.set_reload(4_000);
    core.SYST.clear_current();
    core.SYST.enable_counter();
    core.SYST.enable_interrupt();

    let (mut from_deque, mut from_ring) = (0u32, 0u32);
    let mut scratch: Vec<Vec<u8>> = Vec::new();
    while from_deque < TICKS_WANTED || from_ring < TICKS_WANTED {
        // Allocation traffic on the main side, racing the handler's.
        scratch.push(alloc::vec![from_deque as u8; 16 + (from_ring as usize % 48)]);
        if scratch.len() > 8 {
            let v = scratch.remove(0);
            ensure(v.iter().all(|&b| b == v[0]), "main-loop data intact");
        }
        while let Some(b) = RX.pop() {
            from_deque += 1;
            ensure(b == from_deque as u8, "deque order");
        }
        while let Some(b) = rx.pop() {
            from_ring += 1;
            ensure(b == from_ring as u8, "ring order");
        }
    }
    core.SYST.disable_interrupt();
    drop(scratch);
    ensure(RX.dropped() == 0, "no byte dropped");
    let failures = cortex_m::interrupt::free(|cs| HANDLER_FAILURES.borrow(cs).get());
    ensure(failures == 0, "the handler always got memory");
    ensure(HEAP.stats().in_use == 0, "the heap is empty again");
}

#[entry]
fn main() -> ! {
    collections();
    engines();
    interrupts();
    let stats = HEAP.stats();
    hprintln!(
        "cortex-m: ok: {} ticks, {} allocations (high water {} bytes)",
        TICKS_WANTED,
        stats.allocations,
        stats.high_water
    );
    debug::exit(debug::EXIT_SUCCESS);
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
