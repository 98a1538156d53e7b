//! [`Progress`]: what each phase reports as it goes, for a progress bar or JSON lines.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::resource::ResourceKind;

/// A phase of the migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Counting what each side holds.
    Inventory,
    /// Deciding what to create, what is there already and what cannot move.
    Plan,
    /// Creating on the destination.
    Apply,
    /// Comparing both sides.
    Verify,
}

impl Phase {
    /// The phase's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Inventory => "inventory",
            Phase::Plan => "plan",
            Phase::Apply => "apply",
            Phase::Verify => "verify",
        }
    }
}

/// What happened to one object (or that a step started), with the running count of its step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The phase.
    pub phase: Phase,
    /// The kind of object of this step.
    pub resource: ResourceKind,
    /// What happened: `start` (of a step: `total` is set), `read`, `sending` (the ledger row is committed and
    /// the create is about to go out), `created`, `matched`, `reconciled` (a `sending` row of an earlier run
    /// found on the destination), `failed`, `skipped` (done in an earlier run), `compared`.
    pub event: &'static str,
    /// The object's source id, for per-object events.
    pub source_id: Option<String>,
    /// Objects of this step handled so far.
    pub done: u64,
    /// Objects of this step in all, when known.
    pub total: Option<u64>,
}

/// Receives every [`Progress`] (from several tasks at once: keep it quick).
#[derive(Clone)]
pub struct ProgressSink(Arc<dyn Fn(&Progress) + Send + Sync>);

impl ProgressSink {
    /// A sink calling `f`.
    pub fn new(f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        ProgressSink(Arc::new(f))
    }

    /// A sink that drops everything.
    pub fn none() -> Self {
        ProgressSink::new(|_| {})
    }

    pub(crate) fn emit(&self, p: Progress) {
        (self.0)(&p);
    }
}

impl Default for ProgressSink {
    fn default() -> Self {
        ProgressSink::none()
    }
}

impl fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressSink")
    }
}
