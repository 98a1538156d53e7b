//! Sending one batch until every event in it has an outcome: the provider's answer per event, re-sending only
//! `NotRecorded` events and whole calls whose error is retryable (after the executor's own retries), with the
//! same events (keys and times), waiting the backoff or the provider's `Retry-After` in between.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use unibill_core::{Error, ErrorKind, IdempotencyKey, IngestOutcome, IngestReport, Usage};

use crate::failure::FailedEvent;
use crate::message::Queued;
use crate::settings::Settings;
use crate::stats::Counters;

/// What every send task shares.
pub(crate) struct SendContext {
    pub usage: Arc<dyn Usage>,
    pub settings: Settings,
    pub counters: Arc<Counters>,
    pub failures: mpsc::UnboundedSender<FailedEvent>,
    /// Where the spool rows of settled events go to be deleted (spool on).
    pub settled: Option<mpsc::UnboundedSender<Vec<i64>>>,
}

/// Whether a whole call that failed this way is worth making again, unchanged. Retryable errors, and an
/// unknown outcome: a usage event carries its key and time, so a re-send is counted at most once.
fn worth_resending(e: &Error) -> bool {
    e.is_retryable() || e.kind() == ErrorKind::OutcomeUnknown
}

/// A copy of `e` for each further event of a whole call that failed (errors are not `Clone`).
fn copy_error(e: &Error) -> Error {
    let mut copy = Error::new(e.kind(), e.message().to_owned());
    if let Some(p) = e.provider() {
        copy = copy.with_provider(p.to_owned());
    }
    if let Some(o) = e.operation() {
        copy = copy.with_operation(o.to_owned());
    }
    if let Some(s) = e.status() {
        copy = copy.with_status(s);
    }
    if let Some(r) = e.retry_after() {
        copy = copy.with_retry_after(r);
    }
    copy
}

/// The outcomes of `report` in the order of `batch` (matched by key, never by position alone).
fn outcomes_in_order(batch: &[Queued], report: IngestReport) -> Vec<Option<IngestOutcome>> {
    let entries = report.into_entries();
    let in_order = entries.len() == batch.len()
        && entries
            .iter()
            .zip(batch)
            .all(|((k, _), q)| k == q.event.key());
    if in_order {
        return entries.into_iter().map(|(_, o)| Some(o)).collect();
    }
    let mut by_key: HashMap<IdempotencyKey, VecDeque<IngestOutcome>> = HashMap::new();
    for (k, o) in entries {
        by_key.entry(k).or_default().push_back(o);
    }
    batch
        .iter()
        .map(|q| by_key.get_mut(q.event.key()).and_then(VecDeque::pop_front))
        .collect()
}

/// Per-batch tallies, added to the shared counters once.
#[derive(Default)]
struct Tally {
    recorded: u64,
    accepted: u64,
    duplicates: u64,
    failed: u64,
    settled_ids: Vec<i64>,
}

impl SendContext {
    fn counted(&self, q: &Queued) {
        if let Some(hook) = &self.settings.on_counted {
            hook(&q.event);
        }
    }

    fn settled(&self, q: &Queued, outcome: &IngestOutcome) {
        if let Some(hook) = &self.settings.on_settled {
            hook(&q.event, outcome);
        }
    }

    fn fail(&self, q: Queued, error: Error, tally: &mut Tally) {
        self.fail_as(q, error, false, tally);
    }

    fn fail_as(&self, q: Queued, error: Error, rejected: bool, tally: &mut Tally) {
        tally.failed += 1;
        if let Some(id) = q.spool_id {
            tally.settled_ids.push(id);
        }
        tracing::warn!(
            target: "unibill_recorder",
            key = q.event.key().as_str(),
            attempts = q.attempts,
            error = %error,
            "usage event failed; handed to the failure channel"
        );
        let failed = FailedEvent {
            event: q.event,
            error,
            attempts: q.attempts,
            rejected,
        };
        if let Err(lost) = self.failures.send(failed) {
            tracing::error!(
                target: "unibill_recorder",
                key = lost.0.event.key().as_str(),
                error = %lost.0.error,
                "usage event failed and the failure channel is closed (its receiver was dropped)"
            );
        }
    }

    /// Whether `q` may be sent again: attempts and age left.
    fn may_resend(&self, q: &Queued, now_ms: i64) -> bool {
        let age = Duration::from_millis(now_ms.saturating_sub(q.queued_ms).max(0) as u64);
        q.attempts < self.settings.max_attempts && age < self.settings.max_age
    }

    /// The error an event gives up with when its attempts or age ran out.
    fn gave_up(&self, q: &Queued, last: Error) -> Error {
        Error::new(
            last.kind(),
            format!(
                "gave up after {} attempt(s) (max_attempts {}, max_age {:?}): {}",
                q.attempts,
                self.settings.max_attempts,
                self.settings.max_age,
                last.message()
            ),
        )
        .with_operation("usage.record")
        .with_source(last)
    }

    fn finish(&self, tally: Tally) {
        let c = &self.counters;
        Counters::add(&c.recorded, tally.recorded);
        Counters::add(&c.accepted, tally.accepted);
        Counters::add(&c.duplicates, tally.duplicates);
        Counters::add(&c.failed, tally.failed);
        Counters::sub(
            &c.in_flight,
            tally.recorded + tally.accepted + tally.duplicates + tally.failed,
        );
        if let Some(settled) = &self.settled
            && !tally.settled_ids.is_empty()
        {
            // The spool writer stopped only when the recorder is gone: the rows are then re-sent at the next
            // start (with the same keys), which the provider counts once.
            let _ = settled.send(tally.settled_ids);
        }
    }
}

/// Completes once the abort flag is raised (never if its sender is gone).
pub(crate) async fn aborted(abort: &mut watch::Receiver<bool>) {
    if abort.wait_for(|a| *a).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Sends `batch` until each event has an outcome; `Err(rest)` when aborted (shutdown's deadline), with the
/// events still without one.
pub(crate) async fn send_batch(
    ctx: Arc<SendContext>,
    mut batch: Vec<Queued>,
    mut abort: watch::Receiver<bool>,
) -> Result<(), Vec<Queued>> {
    let mut round = 0u32;
    while !batch.is_empty() {
        round += 1;
        if *abort.borrow() {
            return Err(batch);
        }
        for q in &mut batch {
            q.attempts += 1;
        }
        let events = batch.iter().map(|q| q.event.clone()).collect();
        Counters::add(&ctx.counters.calls, 1);
        let answer = tokio::select! {
            biased;
            () = aborted(&mut abort) => return Err(batch),
            answer = ctx.usage.ingest(events) => answer,
        };
        let now_ms = ctx.settings.now_ms();
        let mut tally = Tally::default();
        let mut again = Vec::new();
        let mut retry_after: Option<Duration> = None;
        match answer {
            Ok(report) => {
                let outcomes = outcomes_in_order(&batch, report);
                for (q, outcome) in batch.into_iter().zip(outcomes) {
                    let outcome = outcome.unwrap_or_else(|| {
                        IngestOutcome::NotRecorded(Error::new(
                            ErrorKind::Provider,
                            format!("the ingest report has no entry for `{}`", q.event.key()),
                        ))
                    });
                    match outcome {
                        IngestOutcome::Recorded { .. } | IngestOutcome::Accepted => {
                            if matches!(outcome, IngestOutcome::Accepted) {
                                tally.accepted += 1;
                            } else {
                                tally.recorded += 1;
                            }
                            ctx.counted(&q);
                            ctx.settled(&q, &outcome);
                            tally.settled_ids.extend(q.spool_id);
                        }
                        IngestOutcome::Duplicate { .. } => {
                            tally.duplicates += 1;
                            ctx.settled(&q, &outcome);
                            tally.settled_ids.extend(q.spool_id);
                        }
                        IngestOutcome::Rejected(e) => ctx.fail_as(q, e, true, &mut tally),
                        IngestOutcome::NotRecorded(e) if ctx.may_resend(&q, now_ms) => {
                            retry_after = retry_after.max(e.retry_after());
                            again.push(q);
                        }
                        IngestOutcome::NotRecorded(e) => {
                            let e = ctx.gave_up(&q, e);
                            ctx.fail(q, e, &mut tally);
                        }
                    }
                }
            }
            Err(e) if worth_resending(&e) => {
                retry_after = e.retry_after();
                for q in batch {
                    if ctx.may_resend(&q, now_ms) {
                        again.push(q);
                    } else {
                        let e = ctx.gave_up(&q, copy_error(&e));
                        ctx.fail(q, e, &mut tally);
                    }
                }
            }
            Err(e) => {
                let mut first = Some(e);
                let template = copy_error(first.as_ref().expect("set above"));
                for q in batch {
                    let e = first.take().unwrap_or_else(|| copy_error(&template));
                    ctx.fail(q, e, &mut tally);
                }
            }
        }
        tracing::debug!(
            target: "unibill_recorder",
            round,
            recorded = tally.recorded,
            accepted = tally.accepted,
            duplicates = tally.duplicates,
            failed = tally.failed,
            resend = again.len(),
            "usage batch answered"
        );
        ctx.finish(tally);
        batch = again;
        if !batch.is_empty() {
            Counters::add(&ctx.counters.resent, batch.len() as u64);
            let delay = ctx.settings.backoff.delay(round, retry_after);
            tokio::select! {
                biased;
                () = aborted(&mut abort) => return Err(batch),
                () = ctx.settings.sleeper.sleep(delay) => {}
            }
        }
    }
    Ok(())
}
