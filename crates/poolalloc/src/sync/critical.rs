//! A [`lock_api::RawMutex`] whose lock is a critical section.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};
use critical_section::RestoreState;

/// A raw mutex that holds a critical section (from the `critical-section`
/// crate) while locked: on a single-core microcontroller, interrupts are
/// off while the lock is held, so neither an interrupt handler nor the code
/// it interrupted can ever find it taken. With an implementation that
/// locks across cores, it excludes other cores too.
///
/// Locking it again while it is held, from the same context, is a bug that
/// [`lock`](lock_api::RawMutex::lock) reports with a panic rather than a
/// deadlock.
pub struct CriticalSectionRawMutex {
    /// The state the critical section restores on release; written by the
    /// holder only.
    restore: UnsafeCell<RestoreState>,
    /// Whether the lock is held (only read and written inside the critical
    /// section).
    held: AtomicBool,
}

// SAFETY: `restore` is only accessed by the holder of the critical
// section, which excludes every other context; `held` is atomic.
unsafe impl Sync for CriticalSectionRawMutex {}
// SAFETY: the fields are plain data.
unsafe impl Send for CriticalSectionRawMutex {}

// SAFETY: `lock` returns only with the critical section acquired and
// `held` set, and `held` is cleared before the section is released, so at
// most one context holds the lock; `try_lock` fails instead of nesting.
unsafe impl lock_api::RawMutex for CriticalSectionRawMutex {
    #[allow(clippy::declare_interior_mutable_const)] // `INIT` is a template.
    const INIT: Self = CriticalSectionRawMutex {
        restore: UnsafeCell::new(RestoreState::invalid()),
        held: AtomicBool::new(false),
    };

    type GuardMarker = lock_api::GuardNoSend;

    fn lock(&self) {
        assert!(
            self.try_lock(),
            "a critical-section lock was locked again by its holder"
        );
    }

    fn try_lock(&self) -> bool {
        // SAFETY: every acquire is paired with a release: below when the
        // lock is already held, otherwise in `unlock`.
        let state = unsafe { critical_section::acquire() };
        if self.held.load(Ordering::Relaxed) {
            // SAFETY: releases the section acquired above, with its state.
            unsafe { critical_section::release(state) };
            return false;
        }
        self.held.store(true, Ordering::Relaxed);
        // SAFETY: inside the critical section, with `held` set: no other
        // context touches `restore` until `unlock`.
        unsafe { *self.restore.get() = state };
        true
    }

    unsafe fn unlock(&self) {
        // SAFETY: the caller holds the lock (lock_api's contract), so the
        // critical section is ours and `restore` holds its state.
        let state = unsafe { *self.restore.get() };
        self.held.store(false, Ordering::Relaxed);
        // SAFETY: releases the section acquired in `try_lock`.
        unsafe { critical_section::release(state) };
    }
}
