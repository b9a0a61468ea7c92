//! Guard bytes around allocations (Mempool's guards).
//!
//! With guards on, a used block is laid out as
//!
//! ```text
//! | header | requested size | front guard ... | allocation | tail guard ...      |
//! 0        G                G + WORD          lead         lead + size          block end
//! ```
//!
//! The front guard fills everything between the size word and the
//! allocation (at least `guard` bytes: the allocation stays
//! granule-aligned); the tail guard fills everything from the end of the
//! requested bytes to the end of the block (at least `guard` bytes, plus
//! the block's rounding slack). Every guard byte holds
//! [`VarPool::GUARD_BYTE`].

use super::VarPool;
use super::layout::{Caller, G, Hdr, WORD, size_of_block};
use crate::error::{GuardConfigError, GuardCorruption, GuardSide};
use crate::region::align_up;

impl VarPool<'_> {
    /// Puts `guard_size` guard bytes (the default
    /// [`DEFAULT_GUARD`](Self::DEFAULT_GUARD), 16, when 0) before and after
    /// every later allocation. They are verified by [`free`](Self::free),
    /// [`realloc`](Self::realloc) and [`verify_guards`](Self::verify_guards),
    /// and shown by [`dump`](Self::dump).
    ///
    /// With guards on, [`usable_size`](Self::usable_size) is exactly the
    /// requested size (the bytes after it are guard), and each block costs
    /// `2 * guard_size` bytes more, rounded to granules, plus one word.
    ///
    /// ```
    /// use core::mem::MaybeUninit;
    /// use poolalloc::{FreeError, GuardCorruption, GuardSide, VarPool, region::Region};
    ///
    /// let mut memory = [MaybeUninit::<u8>::uninit(); 1024];
    /// let mut pool = VarPool::new(Region::new(&mut memory)).unwrap();
    /// pool.enable_guards(0).unwrap();
    /// assert_eq!(pool.guard_size(), 16);
    ///
    /// let p = pool.alloc(10, 8).unwrap();
    /// // SAFETY: a deliberate one-byte overrun, into memory the pool owns.
    /// unsafe { p.as_ptr().add(10).write(0) };
    /// assert_eq!(
    ///     pool.free(p),
    ///     Err(FreeError::GuardCorrupted(GuardCorruption {
    ///         addr: p.as_ptr().addr(),
    ///         side: GuardSide::Overrun,
    ///         offset: 0,
    ///     }))
    /// );
    /// // The block was freed all the same.
    /// assert!(pool.is_empty());
    /// pool.check().unwrap();
    /// ```
    ///
    /// Overwriting a guard with *uninitialised* bytes (by writing a
    /// `MaybeUninit::uninit()` or a padded struct past the allocation) is
    /// undefined behaviour, like any other read of such bytes: guards can
    /// only report initialised corruption.
    ///
    /// # Errors
    ///
    /// [`GuardConfigError::Outstanding`] while any allocation is live (the
    /// pool is unchanged), [`GuardConfigError::TooLarge`] when the guard
    /// size overflows the block layout.
    pub fn enable_guards(&mut self, guard_size: usize) -> Result<(), GuardConfigError> {
        if self.live != 0 {
            return Err(GuardConfigError::Outstanding { live: self.live });
        }
        let guard = if guard_size == 0 {
            Self::DEFAULT_GUARD
        } else {
            guard_size
        };
        let front = guard
            .checked_add(WORD)
            .and_then(|f| align_up(f, G))
            .filter(|&f| f <= isize::MAX as usize / 4)
            .ok_or(GuardConfigError::TooLarge)?;
        self.guard = guard;
        self.lead = G + front;
        self.refresh_slow();
        Ok(())
    }

    /// Switches guards off for later allocations.
    ///
    /// # Errors
    ///
    /// [`GuardConfigError::Outstanding`] while any allocation is live; the
    /// pool is unchanged.
    pub fn disable_guards(&mut self) -> Result<(), GuardConfigError> {
        if self.live != 0 {
            return Err(GuardConfigError::Outstanding { live: self.live });
        }
        self.guard = 0;
        self.lead = G;
        self.refresh_slow();
        Ok(())
    }

    /// The guard size on each side of an allocation, or 0 when guards are
    /// off.
    pub fn guard_size(&self) -> usize {
        self.guard
    }

    /// Verifies the guards of every live allocation, in address order.
    /// O(live allocations × guard size + bitmap words). Always `Ok` when
    /// guards are off.
    ///
    /// # Errors
    ///
    /// The first broken guard found.
    pub fn verify_guards(&self) -> Result<(), GuardCorruption> {
        if self.guard == 0 {
            return Ok(());
        }
        for (ptr, _) in self.iter_allocated() {
            // SAFETY: `ptr` is a live allocation, whose block starts `lead`
            // bytes before it.
            unsafe {
                let b = self.block_of_live(ptr.as_ptr());
                self.check_guards(b)?;
            }
        }
        Ok(())
    }

    /// The block of live allocation `ptr`, derived from the pool's own
    /// pointers.
    ///
    /// # Safety
    ///
    /// `ptr` is a live allocation of this pool.
    pub(super) unsafe fn block_of_live(&self, ptr: *mut u8) -> *mut Hdr {
        let area = self.find(ptr.addr());
        debug_assert!(area.is_some());
        // SAFETY: a live allocation lies in one of the pool's areas, `lead`
        // bytes into its block.
        unsafe {
            let area = &*area.unwrap_unchecked();
            area.base
                .add(ptr.addr() - area.base_addr() - self.lead)
                .cast::<Hdr>()
        }
    }

    /// Writes the requested size and the guards of used block `b`. The
    /// size word and the front guard lie before the allocation; the tail
    /// guard may lie in bytes a shrinking allocation's caller still holds,
    /// and is written through `caller`.
    ///
    /// # Safety
    ///
    /// Guards are on; `b` is a used block of `size` bytes holding a request
    /// of `req` bytes (`lead + req + guard <= size`); `caller`'s bytes, if
    /// any, lie in its payload.
    pub(super) unsafe fn arm_guards(&self, b: *mut Hdr, size: usize, req: usize, caller: Caller) {
        debug_assert!(self.lead + req + self.guard <= size);
        let start = b.cast::<u8>();
        // SAFETY: everything written lies in the block, past its header.
        unsafe {
            start.add(G).cast::<usize>().write(req);
            start
                .add(G + WORD)
                .write_bytes(Self::GUARD_BYTE, self.lead - G - WORD);
            let tail = self.lead + req;
            caller.fill(start.add(tail), Self::GUARD_BYTE, size - tail);
        }
    }

    /// Verifies the guards of live block `b`: the front guard from the
    /// allocation outwards, then the size word, then the tail guard.
    ///
    /// # Safety
    ///
    /// Guards are on and `b` is a live block of this pool.
    pub(super) unsafe fn check_guards(&self, b: *mut Hdr) -> Result<(), GuardCorruption> {
        let start = b.cast::<u8>();
        // SAFETY: `b` is a live block.
        let size = unsafe { size_of_block(b) };
        let addr = start.addr() + self.lead;
        let front = self.lead - G - WORD;
        for offset in 0..front {
            // SAFETY: the front guard is in the block; the pool wrote it.
            if unsafe { start.add(self.lead - 1 - offset).read() } != Self::GUARD_BYTE {
                return Err(GuardCorruption {
                    addr,
                    side: GuardSide::Underrun,
                    offset,
                });
            }
        }
        // SAFETY: the size word is in the block; the pool wrote it.
        let req = unsafe { start.add(G).cast::<usize>().read() };
        let room = size - self.lead;
        if req > room - self.guard {
            // Corrupted bookkeeping below the front guard.
            return Err(GuardCorruption {
                addr,
                side: GuardSide::Underrun,
                offset: front,
            });
        }
        for offset in 0..room - req {
            // SAFETY: the tail guard is in the block; the pool wrote it.
            if unsafe { start.add(self.lead + req + offset).read() } != Self::GUARD_BYTE {
                return Err(GuardCorruption {
                    addr,
                    side: GuardSide::Overrun,
                    offset,
                });
            }
        }
        Ok(())
    }
}
