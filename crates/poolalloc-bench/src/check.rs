//! Correctness checks: a wrapper that watches a contender while a workload
//! drives it.
//!
//! [`Checked`] stamps every block it allocates with a unique id (the fill
//! pattern of that id) and verifies the stamp just after allocating and
//! just before freeing. A contender that hands out a block that is still
//! live overwrites the older stamp, so freeing the older handle fails the
//! check. It also counts allocations and frees and tracks the live set, so
//! a workload that loses or double-frees a handle fails too.

use crate::contender::{Block, Contender, Entrant, WithContender, pattern};
use crate::workload::{Inputs, Workload};
use std::collections::HashSet;

/// What a checked run saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Allocations performed.
    pub allocs: u64,
    /// Frees performed.
    pub frees: u64,
    /// The most blocks live at once.
    pub peak_live: usize,
}

/// A handle of a [`Checked`] contender: the inner handle and its stamp.
#[derive(Debug)]
pub struct Stamped<H> {
    inner: H,
    id: u64,
}

/// A contender under observation.
pub struct Checked<'c, C> {
    inner: &'c mut C,
    next_id: u64,
    live: HashSet<u64>,
    report: CheckReport,
    error: Option<String>,
}

impl<'c, C: Contender> Checked<'c, C> {
    /// Watches `inner`, which must have nothing allocated.
    pub fn new(inner: &'c mut C) -> Self {
        Checked {
            inner,
            next_id: 0,
            live: HashSet::new(),
            report: CheckReport::default(),
            error: None,
        }
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }

    /// What was seen, or the first problem found (including blocks still
    /// live at the end).
    pub fn finish(self) -> Result<CheckReport, String> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if !self.live.is_empty() {
            return Err(format!("{} blocks still live at the end", self.live.len()));
        }
        Ok(self.report)
    }
}

impl<C: Contender> Contender for Checked<'_, C> {
    type Handle = Stamped<C::Handle>;

    fn alloc(&mut self, _fill: u64) -> Self::Handle {
        let id = self.next_id;
        self.next_id += 1;
        let inner = self.inner.alloc(id);
        if self.inner.read(&inner) != pattern(id) {
            self.fail(format!("allocation #{id} was not filled with its pattern"));
        }
        self.live.insert(id);
        self.report.allocs += 1;
        self.report.peak_live = self.report.peak_live.max(self.live.len());
        Stamped { inner, id }
    }

    fn free(&mut self, handle: Self::Handle) {
        let id = handle.id;
        if !self.live.remove(&id) {
            self.fail(format!("allocation #{id} freed while not live"));
            // Leak it rather than hand the contender a double free.
            std::mem::forget(handle);
            return;
        }
        let found: Block = self.inner.read(&handle.inner);
        if found != pattern(id) {
            self.fail(format!(
                "allocation #{id} was overwritten while live (found the stamp of #{}): \
                 its block was handed out twice",
                u64::from_le_bytes(found[..8].try_into().expect("8 bytes"))
            ));
            std::mem::forget(handle);
            return;
        }
        self.inner.free(handle.inner);
        self.report.frees += 1;
    }

    fn read(&self, handle: &Self::Handle) -> Block {
        self.inner.read(&handle.inner)
    }
}

/// Runs `workload` on a fresh `E` under [`Checked`] and compares the counts
/// with what the workload must do.
pub fn run_checked<E: Entrant>(
    workload: &Workload,
    inputs: &Inputs,
) -> Result<CheckReport, String> {
    struct Run<'w> {
        workload: &'w Workload,
        inputs: &'w Inputs,
    }
    impl WithContender for Run<'_> {
        type Output = Result<CheckReport, String>;
        fn call<C: Contender>(self, contender: &mut C) -> Self::Output {
            check_on(contender, self.workload, self.inputs)
        }
    }
    E::with(workload.peak_live(), Run { workload, inputs })
}

/// Runs `workload` on `contender` under [`Checked`] and compares the counts
/// with what the workload must do.
pub fn check_on<C: Contender>(
    contender: &mut C,
    workload: &Workload,
    inputs: &Inputs,
) -> Result<CheckReport, String> {
    let mut checked = Checked::new(contender);
    workload.run(&mut checked, inputs);
    let report = checked.finish()?;
    let expected = CheckReport {
        allocs: workload.total_allocs(),
        frees: workload.total_allocs(),
        peak_live: workload.peak_live(),
    };
    if report != expected {
        return Err(format!("expected {expected:?}, saw {report:?}"));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contender::all;
    use crate::workload::{SEED, Scale};

    #[test]
    fn every_contender_passes_every_workload() {
        for workload in Workload::all(Scale::Tiny) {
            let inputs = workload.inputs(SEED);
            for entry in all() {
                let report = (entry.check)(&workload, &inputs)
                    .unwrap_or_else(|e| panic!("{} on {}: {e}", entry.name, workload.id()));
                assert_eq!(report.allocs, workload.total_allocs());
            }
        }
    }

    /// A broken pool that stops advancing at block 1, so block 1 is handed
    /// out again while still live.
    struct Duplicating {
        blocks: Vec<Block>,
        next: usize,
    }

    impl Contender for Duplicating {
        type Handle = usize;
        fn alloc(&mut self, fill: u64) -> usize {
            let i = self.next;
            if self.next != 1 {
                self.next += 1;
            }
            self.blocks[i] = pattern(fill);
            i
        }
        fn free(&mut self, _handle: usize) {}
        fn read(&self, handle: &usize) -> Block {
            self.blocks[*handle]
        }
    }

    #[test]
    fn a_block_handed_out_twice_is_caught() {
        let workload = Workload::Batch {
            batch: 8,
            cycles: 1,
        };
        let mut broken = Duplicating {
            blocks: vec![[0; 64]; 8],
            next: 0,
        };
        let err = check_on(&mut broken, &workload, &workload.inputs(SEED)).unwrap_err();
        assert!(err.contains("handed out twice"), "{err}");
    }

    /// A pool that fills blocks with the wrong bytes.
    struct Unfilled(Vec<Block>);

    impl Contender for Unfilled {
        type Handle = usize;
        fn alloc(&mut self, _fill: u64) -> usize {
            0
        }
        fn free(&mut self, _handle: usize) {}
        fn read(&self, handle: &usize) -> Block {
            self.0[*handle]
        }
    }

    #[test]
    fn an_unfilled_block_is_caught() {
        let workload = Workload::HotPair { pairs: 3 };
        let mut broken = Unfilled(vec![[0xFF; 64]]);
        let err = check_on(&mut broken, &workload, &Inputs::default()).unwrap_err();
        assert!(err.contains("not filled"), "{err}");
    }

    #[test]
    fn a_double_free_by_the_driver_is_caught() {
        let mut pool = Duplicating {
            blocks: vec![[0; 64]; 4],
            next: 0,
        };
        let mut checked = Checked::new(&mut pool);
        let a = checked.alloc(0);
        let again = Stamped {
            inner: a.inner,
            id: a.id,
        };
        checked.free(a);
        checked.free(again);
        let err = checked.finish().unwrap_err();
        assert!(err.contains("freed while not live"), "{err}");
    }

    #[test]
    fn a_leak_is_caught() {
        let mut pool = Duplicating {
            blocks: vec![[0; 64]; 4],
            next: 0,
        };
        let mut checked = Checked::new(&mut pool);
        let _kept = checked.alloc(0);
        assert!(checked.finish().unwrap_err().contains("still live"));
    }
}
