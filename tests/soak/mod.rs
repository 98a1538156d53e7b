//! The soak under faults: per adapter, N creates with unique natural keys against its emulator while a seeded
//! fault source breaks ~20% of the requests; counted on the emulator side afterwards.
//!
//! Everything is sequential and the fault choice is a pure function of the request's index in the server's log,
//! so a run with the same N and seed sends the same requests and injects the same faults every time (the summary,
//! and so `docs/reliability.md`, is reproducible). Retries sleep into a `RecordingSleeper`: no wall-clock backoff.

pub mod ingest;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use unibill::{Error, ErrorKind};
use unibill_http::{NoJitter, RecordingObserver, RecordingSleeper, RetryPolicy};
use unibill_testkit::TestServer;

/// Attempts per call, as the issue asks.
pub const MAX_ATTEMPTS: u32 = 10;
/// Share of requests that get a fault, per mille.
pub const FAULT_PER_MILLE: u64 = 200;

pub use unibill_testkit::fault_mix::KINDS;

/// Installs the seeded mix (`FAULT_PER_MILLE`) on `server`; the returned map counts the faults injected per kind.
pub fn install_mix(server: &TestServer, seed: u64) -> Arc<Mutex<BTreeMap<String, u64>>> {
    unibill_testkit::fault_mix::install_mix(server, seed, FAULT_PER_MILLE)
}

/// What the executor of every soaked client is built with: 10 attempts, recording sleeper and observer.
#[derive(Clone, Default)]
pub struct Instruments {
    pub sleeper: RecordingSleeper,
    pub observer: RecordingObserver,
}

impl Instruments {
    pub fn apply(&self, b: unibill_http::HttpExecutorBuilder) -> unibill_http::HttpExecutorBuilder {
        self.apply_attempts(b, MAX_ATTEMPTS)
    }

    /// As [`Instruments::apply`] with `attempts` per call (1: the executor never re-sends; the caller does).
    pub fn apply_attempts(
        &self,
        b: unibill_http::HttpExecutorBuilder,
        attempts: u32,
    ) -> unibill_http::HttpExecutorBuilder {
        b.retry_policy(RetryPolicy::default().with_max_attempts(attempts))
            .sleeper(self.sleeper.clone())
            .observer(self.observer.clone())
            .jitter(NoJitter)
    }
}

/// How a write may be replayed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Class {
    NaturalKey,
    Reconcile,
    Unsafe,
}

impl Class {
    fn as_str(self) -> &'static str {
        match self {
            Class::NaturalKey => "NaturalKey",
            Class::Reconcile => "Reconcile",
            Class::Unsafe => "Unsafe",
        }
    }
}

/// Error kinds that say the retries ran out (the last attempt's own failure), not a wrong answer.
fn retries_ran_out(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Unavailable | ErrorKind::RateLimited | ErrorKind::Transport | ErrorKind::Timeout
    )
}

/// Whether a replayable write's `OutcomeUnknown` is the one case where no lookup can tell: the lookup that
/// checks an earlier ambiguous attempt failed itself (`unibill_http`'s executor says so in its message).
fn no_lookup_could_tell(e: &Error) -> bool {
    e.message().contains("the lookup to check failed")
}

/// One soaked operation.
pub struct Scenario<'a> {
    pub adapter: &'static str,
    pub operation: &'static str,
    pub class: Class,
    pub server: &'a TestServer,
    pub instruments: &'a Instruments,
}

impl Scenario<'_> {
    /// Runs `n` calls of `call(i)` (which returns the natural key of what it got back), then counts what the
    /// emulator holds with `resources` (natural key → how many resources carry it, for every resource the soak
    /// could have made). Returns the summary; panics (after printing it) if a promise was broken.
    pub async fn run<C, F, R, G>(
        &self,
        n: usize,
        seed: u64,
        key: impl Fn(usize) -> String,
        call: C,
        resources: R,
    ) -> Value
    where
        C: Fn(usize) -> F,
        F: Future<Output = Result<String, Error>>,
        R: FnOnce() -> G,
        G: Future<Output = HashMap<String, usize>>,
    {
        let before = self.server.request_count();
        let faults = install_mix(self.server, seed);
        let mut results = Vec::with_capacity(n);
        for i in 0..n {
            results.push(call(i).await);
        }
        self.server.clear_fault_source();
        let requests = self.server.request_count() - before;
        let held = resources().await;

        let mut violations = Vec::new();
        let (mut ok, mut unknown, mut ran_out, mut other) = (0u64, 0u64, 0u64, 0u64);
        let (mut duplicates, mut lost, mut unknown_applied) = (0u64, 0u64, 0u64);
        let mut error_kinds: BTreeMap<String, u64> = BTreeMap::new();
        for (i, result) in results.iter().enumerate() {
            let k = key(i);
            let count = held.get(&k).copied().unwrap_or(0);
            if count > 1 {
                duplicates += count as u64 - 1;
                violations.push(format!("{k}: {count} resources"));
            }
            match result {
                Ok(got) => {
                    ok += 1;
                    if got != &k {
                        violations.push(format!("{k}: the call returned {got}"));
                    }
                    if count == 0 {
                        lost += 1;
                        violations.push(format!("{k}: succeeded but nothing is stored"));
                    }
                }
                Err(e) => {
                    *error_kinds.entry(e.kind().as_str().to_owned()).or_default() += 1;
                    if e.kind() == ErrorKind::OutcomeUnknown
                        && (self.class == Class::Unsafe || no_lookup_could_tell(e))
                    {
                        unknown += 1;
                        unknown_applied += count.min(1) as u64;
                    } else if retries_ran_out(e.kind()) {
                        ran_out += 1;
                    } else {
                        other += 1;
                        violations.push(format!("{k}: {e}"));
                    }
                }
            }
        }
        let keys: std::collections::HashSet<String> = (0..n).map(&key).collect();
        let strays: Vec<&String> = held.keys().filter(|k| !keys.contains(*k)).collect();
        if !strays.is_empty() {
            violations.push(format!("resources nobody asked for: {strays:?}"));
        }
        let total: u64 = held.values().map(|c| *c as u64).sum();
        let events = self.instruments.observer.events();
        let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
        for e in &events {
            *reasons.entry(format!("{:?}", e.reason)).or_default() += 1;
        }
        let faults = faults.lock().unwrap().clone();
        let summary = json!({
            "adapter": self.adapter,
            "operation": self.operation,
            "safety": self.class.as_str(),
            "calls": n,
            "max_attempts": MAX_ATTEMPTS,
            "requests_received": requests,
            "faults_injected": faults.values().sum::<u64>(),
            "faults_by_kind": faults,
            "retries": events.len(),
            "retries_by_reason": reasons,
            "backoff_recorded_ms": self.instruments.sleeper.delays().iter().map(Duration::as_millis).sum::<u128>() as u64,
            "outcomes": {
                "ok": ok,
                "outcome_unknown": unknown,
                "retries_ran_out": ran_out,
                "other_errors": other,
                "error_kinds": error_kinds,
            },
            "resources": total,
            "unknown_outcomes_applied": unknown_applied,
            "duplicates": duplicates,
            "lost_writes": lost,
            "violations": violations.len(),
        });
        println!("{}", serde_json::to_string(&summary).unwrap());
        assert!(
            violations.is_empty(),
            "{} {}: {} violations, first: {:?}",
            self.adapter,
            self.operation,
            violations.len(),
            &violations[..violations.len().min(10)]
        );
        match self.class {
            Class::NaturalKey | Class::Reconcile => {
                // An `OutcomeUnknown` here is only the lookup's own failure (checked above).
                assert!(total >= ok && total <= ok + unknown + ran_out);
            }
            Class::Unsafe => {
                assert!(
                    total >= ok && total <= ok + unknown + ran_out,
                    "resources {total} = successes {ok} + at most the unknown outcomes {unknown}"
                );
            }
        }
        summary
    }
}
