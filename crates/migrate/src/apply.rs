//! `apply`: creates what the plan says on the destination, customers, then products, then prices, with bounded
//! concurrency, each mapping committed to the ledger before the write it records is sent.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use futures::StreamExt;
use serde::Serialize;
use unibill_core::{
    CancelOptions, CustomersExt, Ensured, Error, ErrorKind, PricesExt, Result, SubscriptionId,
    SubscriptionStatus, SubscriptionsExt,
};

use crate::Migration;
use crate::ledger::{DoneRow, Ledger, Mapping, MappingState};
use crate::plan::{Action, Plan, PlanItem, Prepared};
use crate::progress::{Phase, Progress, ProgressSink};
use crate::resource::ResourceKind;
use crate::snapshot::Snapshot;
use crate::subscriptions::SubscriptionInput;
use crate::{compare, translate};

/// What one kind of object came to in an `apply`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ApplyCounts {
    /// Created on the destination by this run.
    pub created: u64,
    /// Found on the destination by natural key and recorded (nothing sent).
    pub matched: u64,
    /// Left `sending` by an earlier run and found on the destination: recorded, not re-sent.
    pub reconciled: u64,
    /// Done in an earlier run (in the ledger already).
    pub skipped: u64,
    /// Blocked by the plan, or left for manual review.
    pub blocked: u64,
    /// Failed in the last round (left `sending` for the next run to reconcile).
    pub failed: u64,
}

/// One create that failed in the last round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// What kind of object.
    pub resource: ResourceKind,
    /// Its source id.
    pub source_id: String,
    /// The error.
    pub error: String,
}

/// The outcome of an `apply`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// Rounds run (a round re-reads both sides and retries what failed).
    pub rounds: u32,
    /// Per kind.
    pub counts: BTreeMap<ResourceKind, ApplyCounts>,
    /// What failed in the last round.
    pub failures: Vec<Failure>,
}

impl ApplyReport {
    /// Whether every object the plan did not block is on the destination.
    pub fn is_complete(&self) -> bool {
        self.failures.is_empty()
    }
}

#[derive(Default)]
struct Tally {
    created: AtomicU64,
    matched: AtomicU64,
    reconciled: AtomicU64,
    skipped: AtomicU64,
    failed: AtomicU64,
    done: AtomicU64,
}

impl Tally {
    fn counts(&self, blocked: u64) -> ApplyCounts {
        ApplyCounts {
            created: self.created.load(Ordering::Relaxed),
            matched: self.matched.load(Ordering::Relaxed),
            reconciled: self.reconciled.load(Ordering::Relaxed),
            skipped: self.skipped.load(Ordering::Relaxed),
            blocked,
            failed: self.failed.load(Ordering::Relaxed),
        }
    }
}

/// Rows whose `sending` state is committed in one transaction, before any of their creates goes out.
const SENDING_CHUNK: usize = 128;

/// Done rows committed together. A row lost to a crash before its commit is still `sending`, and the next run
/// finds its object on the destination by natural key: batching them costs no duplicate.
const DONE_BATCH: usize = 256;

/// How a create ended.
enum Sent {
    /// Created by this call.
    Created(String),
    /// Found by natural key (the create answered "already exists", or the look-up before a re-send found it).
    Found(String),
}

struct Step<'a> {
    resource: ResourceKind,
    ledger: &'a Ledger,
    progress: &'a ProgressSink,
    tally: Tally,
    total: u64,
    pending: Mutex<Vec<DoneRow>>,
    failures: Mutex<Vec<Failure>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<'a> Step<'a> {
    fn new(resource: ResourceKind, m: &'a Migration, total: u64) -> Self {
        let step = Step {
            resource,
            ledger: &m.ledger,
            progress: &m.progress,
            tally: Tally::default(),
            total,
            pending: Mutex::new(Vec::new()),
            failures: Mutex::new(Vec::new()),
        };
        step.progress.emit(Progress {
            phase: Phase::Apply,
            resource,
            event: "start",
            source_id: None,
            done: 0,
            total: Some(total),
        });
        step
    }

    fn event(&self, event: &'static str, source_id: &str, counted: bool) {
        let done = if counted {
            self.tally.done.fetch_add(1, Ordering::Relaxed) + 1
        } else {
            self.tally.done.load(Ordering::Relaxed)
        };
        self.progress.emit(Progress {
            phase: Phase::Apply,
            resource: self.resource,
            event,
            source_id: Some(source_id.to_owned()),
            done,
            total: Some(self.total),
        });
    }

    fn count(&self, counter: &AtomicU64, event: &'static str, source_id: &str) {
        counter.fetch_add(1, Ordering::Relaxed);
        self.event(event, source_id, true);
    }

    fn fail(&self, source_id: &str, error: &str) {
        let error = error.to_owned();
        let _ = self.ledger.record_failure(self.resource, source_id, &error);
        lock(&self.failures).push(Failure {
            resource: self.resource,
            source_id: source_id.to_owned(),
            error,
        });
        self.count(&self.tally.failed, "failed", source_id);
    }

    /// Queues a done row, committing the queue when it is full.
    fn done(&self, item: &PlanItem, destination_id: String, state: MappingState) {
        let full = {
            let mut pending = lock(&self.pending);
            pending.push(DoneRow {
                source_id: item.source_id.clone(),
                natural_key: item.natural_key.clone(),
                destination_id,
                state,
            });
            (pending.len() >= DONE_BATCH).then(|| std::mem::take(&mut *pending))
        };
        if let Some(rows) = full {
            self.commit(rows);
        }
    }

    fn commit(&self, rows: Vec<DoneRow>) {
        let failed: Vec<(String, String)> = match self.ledger.record_done_many(self.resource, &rows)
        {
            Ok(failed) => failed
                .into_iter()
                .map(|(id, e)| (id, e.to_string()))
                .collect(),
            Err(e) => rows
                .iter()
                .map(|r| (r.source_id.clone(), e.to_string()))
                .collect(),
        };
        for (source_id, e) in failed {
            self.fail(&source_id, &e);
        }
    }

    /// Commits what is queued.
    fn flush(&self) {
        let rows = std::mem::take(&mut *lock(&self.pending));
        if !rows.is_empty() {
            self.commit(rows);
        }
    }

    /// The items the plan matched or the ledger has done are recorded or skipped; the rest are returned (with
    /// whether an earlier run left them `sending`).
    fn triage<'i, T>(
        &self,
        rows: &HashMap<String, Mapping>,
        items: impl Iterator<Item = (&'i PlanItem, T)>,
    ) -> Vec<(&'i PlanItem, T, bool)> {
        let mut work = Vec::new();
        for (item, extra) in items {
            let row = rows.get(&item.source_id);
            let sending = row.is_some_and(|r| r.state == MappingState::Sending);
            if row.is_some_and(|r| r.state.is_done()) {
                self.count(&self.tally.skipped, "skipped", &item.source_id);
                continue;
            }
            match &item.action {
                Action::Existing { destination_id } if sending => {
                    // Left `sending` by an earlier run, and found on the destination when the plan read it.
                    self.done(item, destination_id.clone(), MappingState::Created);
                    self.count(&self.tally.reconciled, "reconciled", &item.source_id);
                }
                Action::Existing { destination_id } => {
                    self.done(item, destination_id.clone(), MappingState::Matched);
                    self.count(&self.tally.matched, "matched", &item.source_id);
                }
                Action::Create => work.push((item, extra, sending)),
                Action::Blocked { .. } | Action::ManualReview { .. } => {}
            }
        }
        // What was found is made durable before anything is sent, so a run killed early still keeps it.
        self.flush();
        work
    }

    /// Sends the creates of `work`, `concurrency` at a time; the `sending` rows of each chunk are committed (one
    /// transaction) before any of its creates goes out.
    async fn send_all<'i, T, F, Fut>(
        &self,
        work: Vec<(&'i PlanItem, T, bool)>,
        concurrency: usize,
        send: F,
    ) where
        T: 'i,
        F: Fn(&'i PlanItem, T, bool) -> Fut,
        Fut: Future<Output = Result<Sent>>,
    {
        let ledger = self.ledger;
        let resource = self.resource;
        let chunks = futures::stream::iter(work)
            .chunks(SENDING_CHUNK)
            .then(|chunk| async move {
                let rows: Vec<(&str, &str)> = chunk
                    .iter()
                    .map(|(i, _, _)| (i.source_id.as_str(), i.natural_key.as_str()))
                    .collect();
                let committed = ledger.record_sending_many(resource, &rows);
                let committed = committed.err().map(|e| e.to_string());
                futures::stream::iter(
                    chunk
                        .into_iter()
                        .map(move |(i, t, s)| (i, t, s, committed.clone())),
                )
            })
            .flatten();
        chunks
            .for_each_concurrent(concurrency, |(item, extra, sending, uncommitted)| {
                let send = &send;
                async move {
                    if let Some(e) = uncommitted {
                        // Not recorded: not sent.
                        self.fail(&item.source_id, &e);
                        return;
                    }
                    self.event("sending", &item.source_id, false);
                    match send(item, extra, sending).await {
                        Ok(Sent::Created(id)) => {
                            self.done(item, id, MappingState::Created);
                            self.count(&self.tally.created, "created", &item.source_id);
                        }
                        Ok(Sent::Found(id)) => {
                            // Found by natural key: an earlier attempt of ours if the row was `sending`.
                            let (state, counter, event) = if sending {
                                (MappingState::Created, &self.tally.reconciled, "reconciled")
                            } else {
                                (MappingState::Matched, &self.tally.matched, "matched")
                            };
                            self.done(item, id, state);
                            self.count(counter, event, &item.source_id);
                        }
                        Err(e) => self.fail(&item.source_id, &e.to_string()),
                    }
                }
            })
            .await;
        self.flush();
    }

    fn finish(
        self,
        blocked: u64,
        counts: &mut BTreeMap<ResourceKind, ApplyCounts>,
        failures: &mut Vec<Failure>,
    ) {
        counts.insert(self.resource, self.tally.counts(blocked));
        failures.extend(
            self.failures
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner),
        );
    }
}

fn rows_of(ledger: &Ledger, resource: ResourceKind) -> Result<HashMap<String, Mapping>> {
    Ok(ledger
        .mappings(resource)?
        .into_iter()
        .map(|m| (m.source_id.clone(), m))
        .collect())
}

/// A round: one pass over the plan. Returns the counts per kind and the failures.
pub(crate) async fn round(
    m: &Migration,
    source: &Snapshot,
    plan: &Plan,
    prepared: &Prepared,
) -> Result<(BTreeMap<ResourceKind, ApplyCounts>, Vec<Failure>)> {
    let mut failures = Vec::new();
    let mut counts = BTreeMap::new();
    let concurrency = m.concurrency;
    let unblocked = |items: &[PlanItem]| items.iter().filter(|i| !i.is_blocked()).count() as u64;
    let blocked = |items: &[PlanItem]| items.iter().filter(|i| i.is_blocked()).count() as u64;

    // Customers.
    let step = Step::new(ResourceKind::Customer, m, unblocked(&plan.customers));
    let rows = rows_of(&m.ledger, ResourceKind::Customer)?;
    let work = step.triage(&rows, plan.customers.iter().zip(&prepared.customers));
    let api = m.destination.customers();
    step.send_all(work, concurrency, |item, input, sending| {
        let api = &api;
        async move {
            if sending {
                // An earlier attempt's outcome is not known: look it up by natural key before any re-send.
                match api.get_by_external_id(item.natural_key.clone()).await {
                    Ok(found) => return Ok(Sent::Found(found.id.as_str().to_owned())),
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
            let input = input
                .clone()
                .ok_or_else(|| Error::invalid_field("customer", "blocked by the plan"))?;
            Ok(match api.ensure(input).await? {
                Ensured::Created(c) => Sent::Created(c.id.as_str().to_owned()),
                Ensured::Existing(c) => Sent::Found(c.id.as_str().to_owned()),
            })
        }
    })
    .await;
    step.finish(blocked(&plan.customers), &mut counts, &mut failures);

    // Products: `ensure` finds the product an earlier attempt made (its key is derived from the source id).
    let step = Step::new(ResourceKind::Product, m, plan.products.len() as u64);
    let rows = rows_of(&m.ledger, ResourceKind::Product)?;
    let work = step.triage(&rows, plan.products.iter().map(|i| (i, ())));
    step.send_all(work, concurrency, |item, (), sending| async move {
        let id = m.products.ensure(&item.source_id).await?;
        Ok(if sending {
            Sent::Found(id)
        } else {
            Sent::Created(id)
        })
    })
    .await;
    step.finish(0, &mut counts, &mut failures);
    let destination_products: HashMap<String, String> = m
        .ledger
        .mappings(ResourceKind::Product)?
        .into_iter()
        .filter(|r| r.state.is_done())
        .filter_map(|r| r.destination_id.map(|d| (r.source_id, d)))
        .collect();

    // Prices: a `sending` row of an earlier run was looked up when the plan read the destination (by slug, or
    // by content); found, it is `Existing` and recorded by `triage`, never re-sent.
    let step = Step::new(ResourceKind::Price, m, unblocked(&plan.prices));
    let rows = rows_of(&m.ledger, ResourceKind::Price)?;
    let work = step.triage(&rows, plan.prices.iter().zip(&prepared.price_products));
    let api = m.destination.prices();
    let sources = source.prices_by_id();
    step.send_all(work, concurrency, |item, product, _| {
        let api = &api;
        let sources = &sources;
        let destination_products = &destination_products;
        async move {
            let source_price = sources
                .get(item.source_id.as_str())
                .ok_or_else(|| Error::new(ErrorKind::NotFound, "the source price is gone"))?;
            let dest_product = match product {
                Some(sp) => Some(destination_products.get(sp).ok_or_else(|| {
                    Error::new(
                        ErrorKind::NotFound,
                        format!("its product `{sp}` is not on the destination yet"),
                    )
                })?),
                None => None,
            };
            let input =
                translate::new_price(source_price, dest_product.map(String::as_str), &m.meters)?;
            Ok(if input.slug().is_some() {
                match api.ensure(input).await? {
                    Ensured::Created(p) => Sent::Created(p.id.as_str().to_owned()),
                    Ensured::Existing(p) => Sent::Found(p.id.as_str().to_owned()),
                }
            } else {
                Sent::Created(api.create(input).await?.id.as_str().to_owned())
            })
        }
    })
    .await;
    step.finish(blocked(&plan.prices), &mut counts, &mut failures);
    if m.subscriptions {
        subscriptions(m, source, plan, prepared, &mut counts, &mut failures).await?;
    }
    Ok((counts, failures))
}

/// Source id → destination id of the done rows of `resource`.
fn done_ids(ledger: &Ledger, resource: ResourceKind) -> Result<HashMap<String, String>> {
    crate::plan::done_map(ledger, resource)
}

fn not_yet(what: &str, id: &str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!("its {what} `{id}` is not on the destination yet"),
    )
}

/// Subscriptions, after customers and prices: each created on the destination starting at the end of the
/// source's paid period (keyed by the source id: a create re-sent after a crash finds the first); then each
/// source subscription whose copy is recorded in the ledger and verifies is set to cancel at that instant.
async fn subscriptions(
    m: &Migration,
    source: &Snapshot,
    plan: &Plan,
    prepared: &Prepared,
    counts: &mut BTreeMap<ResourceKind, ApplyCounts>,
    failures: &mut Vec<Failure>,
) -> Result<()> {
    let concurrency = m.concurrency;
    let moving = plan.subscriptions.iter().filter(|i| i.moves()).count() as u64;
    let not_moving = plan.subscriptions.len() as u64 - moving;
    let step = Step::new(ResourceKind::Subscription, m, moving);
    let rows = rows_of(&m.ledger, ResourceKind::Subscription)?;
    let work = step.triage(
        &rows,
        plan.subscriptions.iter().zip(&prepared.subscriptions),
    );
    let api = m.destination.subscriptions();
    let prices = done_ids(&m.ledger, ResourceKind::Price)?;
    let customers = done_ids(&m.ledger, ResourceKind::Customer)?;
    step.send_all(
        work,
        concurrency,
        |item, input: &Option<SubscriptionInput>, _| {
            let api = &api;
            let prices = &prices;
            let customers = &customers;
            async move {
                let input = input
                    .as_ref()
                    .ok_or_else(|| Error::invalid_field("subscription", "not moved by the plan"))?;
                if !customers.contains_key(&input.source_customer_id) {
                    return Err(not_yet("customer", &input.customer_external_id));
                }
                let price = prices
                    .get(&input.source_price_id)
                    .ok_or_else(|| not_yet("price", &input.source_price_id))?;
                // The key is looked up before the first attempt (every provider's create does): a row left
                // `sending` by a killed run finds the copy it made.
                let new = input.new_subscription(&item.source_id, price)?;
                Ok(match api.ensure(new).await? {
                    Ensured::Created(s) => Sent::Created(s.id.as_str().to_owned()),
                    Ensured::Existing(s) => Sent::Found(s.id.as_str().to_owned()),
                })
            }
        },
    )
    .await;
    step.finish(not_moving, counts, failures);

    // The source, set to cancel at period end: only for copies recorded in the ledger, and only once the
    // copy, read back, verifies (lifecycle review, finding 27). A source already set so is recorded as it is.
    let copies = done_ids(&m.ledger, ResourceKind::Subscription)?;
    let sources: HashMap<&str, &unibill_core::Subscription> = source
        .subscriptions()
        .iter()
        .map(|s| (s.id.as_str(), s))
        .collect();
    let mut cancels = Vec::new();
    for (item, input) in plan.subscriptions.iter().zip(&prepared.subscriptions) {
        let (Some(copy), Some(input), Some(src)) = (
            copies.get(&item.source_id),
            input.as_ref(),
            sources.get(item.source_id.as_str()),
        ) else {
            continue;
        };
        let set = matches!(
            src.status,
            SubscriptionStatus::CancelScheduled | SubscriptionStatus::Canceled
        );
        let action = if set {
            Action::Existing {
                destination_id: item.source_id.clone(),
            }
        } else {
            Action::Create
        };
        cancels.push((
            PlanItem {
                resource: ResourceKind::SourceCancel,
                source_id: item.source_id.clone(),
                natural_key: item.natural_key.clone(),
                action,
            },
            (copy.clone(), input.clone(), *src),
        ));
    }
    let step = Step::new(ResourceKind::SourceCancel, m, cancels.len() as u64);
    let rows = rows_of(&m.ledger, ResourceKind::SourceCancel)?;
    let work = step.triage(&rows, cancels.iter().map(|(i, extra)| (i, extra)));
    let source_api = m.source.subscriptions();
    let caps = m.destination.capabilities().subscriptions;
    step.send_all(work, concurrency, |item, (copy, input, src), _| {
        let api = &api;
        let source_api = &source_api;
        let prices = &prices;
        async move {
            let dest = api.get(SubscriptionId::new(copy.as_str())).await?;
            let expected = compare::ExpectedSubscription {
                key: &item.natural_key,
                customer_external_id: &input.customer_external_id,
                destination_customer: dest.customer_external_id.as_deref(),
                price_id: prices.get(&input.source_price_id).map(String::as_str),
                start: input.start,
                start_as_trial: caps.start_at_as_trial,
            };
            let mut diffs = compare::subscriptions(src, &dest, &expected);
            // The customer is compared by `verify` through the destination's customer ids; here only where the
            // read names it.
            diffs.retain(|d| d.field != "customer" || dest.customer_external_id.is_some());
            if !diffs.is_empty() {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "its destination copy {copy} does not verify, so the source is left as it is: {diffs:?}"
                    ),
                ));
            }
            source_api
                .cancel(src.id.clone(), CancelOptions::at_period_end())
                .await?;
            Ok(Sent::Created(item.source_id.clone()))
        }
    })
    .await;
    step.finish(0, counts, failures);
    Ok(())
}
