//! [`Summary`]: what a run of `Op`s did, as counts of named events.

use std::collections::BTreeMap;

/// How many times each outcome occurred in a run: each engine's module
/// lists its event names. Tests use it to show that a suite reaches every
/// operation and outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Event name to count.
    pub events: BTreeMap<&'static str, usize>,
}

impl Summary {
    /// How many times `event` happened.
    pub fn count(&self, event: &str) -> usize {
        self.events.get(event).copied().unwrap_or(0)
    }

    /// Every event that happened, with its count.
    pub fn events(&self) -> impl Iterator<Item = (&'static str, usize)> + '_ {
        self.events.iter().map(|(k, v)| (*k, *v))
    }

    /// Counts one `event`.
    pub(crate) fn note(&mut self, event: &'static str) {
        *self.events.entry(event).or_default() += 1;
    }
}
