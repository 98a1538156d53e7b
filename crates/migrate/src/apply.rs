//! `apply`: creates what the plan says on the destination, customers, then products, then prices, with bounded
//! concurrency, each mapping committed to the ledger before the write it records is sent.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use futures::StreamExt;
use serde::Serialize;
use unibill_core::{CustomersExt, Ensured, ErrorKind, PricesExt, Result};

use crate::ledger::{Ledger, MappingState};
use crate::plan::{Action, Plan, Prepared};
use crate::progress::{Phase, Progress, ProgressSink};
use crate::resource::ResourceKind;
use crate::snapshot::Snapshot;
use crate::translate;
use crate::Migration;

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
    /// Blocked by the plan.
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

/// How one object ended in a round.
enum Outcome {
    Created,
    Matched,
    Reconciled,
    Skipped,
    Failed(String),
}

struct Step<'a> {
    resource: ResourceKind,
    ledger: &'a Ledger,
    progress: &'a ProgressSink,
    tally: Tally,
    total: u64,
}

impl Step<'_> {
    fn start(&self) {
        self.progress.emit(Progress {
            phase: Phase::Apply,
            resource: self.resource,
            event: "start",
            source_id: None,
            done: 0,
            total: Some(self.total),
        });
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

    /// Records `sending`, then says so.
    fn sending(&self, source_id: &str, key: &str) -> Result<()> {
        self.ledger.record_sending(self.resource, source_id, key)?;
        self.event("sending", source_id, false);
        Ok(())
    }

    fn finish(&self, source_id: &str, outcome: Outcome, failures: &std::sync::Mutex<Vec<Failure>>) {
        let (counter, event) = match &outcome {
            Outcome::Created => (&self.tally.created, "created"),
            Outcome::Matched => (&self.tally.matched, "matched"),
            Outcome::Reconciled => (&self.tally.reconciled, "reconciled"),
            Outcome::Skipped => (&self.tally.skipped, "skipped"),
            Outcome::Failed(_) => (&self.tally.failed, "failed"),
        };
        counter.fetch_add(1, Ordering::Relaxed);
        if let Outcome::Failed(error) = outcome {
            let _ = self.ledger.record_failure(self.resource, source_id, &error);
            failures
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(Failure {
                    resource: self.resource,
                    source_id: source_id.to_owned(),
                    error,
                });
        }
        self.event(event, source_id, true);
    }
}

/// Turns the result of one object's work into its outcome (a ledger error is a failure of that object).
fn outcome(r: Result<Outcome>) -> Outcome {
    r.unwrap_or_else(|e| Outcome::Failed(e.to_string()))
}

/// A round: one pass over the plan. Returns the counts per kind and the failures.
pub(crate) async fn round(
    m: &Migration,
    source: &Snapshot,
    plan: &Plan,
    prepared: &Prepared,
) -> Result<(BTreeMap<ResourceKind, ApplyCounts>, Vec<Failure>)> {
    let failures = std::sync::Mutex::new(Vec::new());
    let mut counts = BTreeMap::new();
    let ledger = &*m.ledger;
    let concurrency = m.concurrency;

    // Customers.
    let step = Step {
        resource: ResourceKind::Customer,
        ledger,
        progress: &m.progress,
        tally: Tally::default(),
        total: plan.customers.iter().filter(|i| !i.is_blocked()).count() as u64,
    };
    step.start();
    let customers_api = m.destination.customers();
    let work = plan
        .customers
        .iter()
        .zip(&prepared.customers)
        .filter(|(item, _)| !item.is_blocked());
    futures::stream::iter(work)
        .for_each_concurrent(concurrency, |(item, input)| {
            let step = &step;
            let failures = &failures;
            let api = &customers_api;
            async move {
                let r = async {
                    let row = ledger.get(ResourceKind::Customer, &item.source_id)?;
                    let sending = matches!(row.as_ref().map(|r| r.state), Some(MappingState::Sending));
                    if row.as_ref().is_some_and(|r| r.state.is_done()) {
                        return Ok(Outcome::Skipped);
                    }
                    if let Action::Existing { destination_id } = &item.action {
                        let state = if sending { MappingState::Created } else { MappingState::Matched };
                        ledger.record_done_keyed(
                            ResourceKind::Customer,
                            &item.source_id,
                            &item.natural_key,
                            destination_id,
                            state,
                        )?;
                        return Ok(if sending { Outcome::Reconciled } else { Outcome::Matched });
                    }
                    if sending {
                        // An earlier attempt's outcome is not known: look it up before any re-send.
                        match api.get_by_external_id(item.natural_key.clone()).await {
                            Ok(found) => {
                                ledger.record_done(
                                    ResourceKind::Customer,
                                    &item.source_id,
                                    found.id.as_str(),
                                    MappingState::Created,
                                )?;
                                return Ok(Outcome::Reconciled);
                            }
                            Err(e) if e.kind() == ErrorKind::NotFound => {}
                            Err(e) => return Err(e),
                        }
                    }
                    let Some(input) = input.clone() else {
                        return Ok(Outcome::Failed("no input (blocked)".into()));
                    };
                    step.sending(&item.source_id, &item.natural_key)?;
                    let got = api.ensure(input).await?;
                    let created = matches!(got, Ensured::Created(_));
                    let c = got.into_inner();
                    ledger.record_done(
                        ResourceKind::Customer,
                        &item.source_id,
                        c.id.as_str(),
                        MappingState::Created,
                    )?;
                    Ok(if created || sending { Outcome::Created } else { Outcome::Matched })
                }
                .await;
                step.finish(&item.source_id, outcome(r), failures);
            }
        })
        .await;
    let blocked = plan.customers.iter().filter(|i| i.is_blocked()).count() as u64;
    counts.insert(ResourceKind::Customer, step.tally.counts(blocked));

    // Products.
    let step = Step {
        resource: ResourceKind::Product,
        ledger,
        progress: &m.progress,
        tally: Tally::default(),
        total: plan.products.len() as u64,
    };
    step.start();
    let destination_products = std::sync::Mutex::new(HashMap::<String, String>::new());
    futures::stream::iter(&plan.products)
        .for_each_concurrent(concurrency, |item| {
            let step = &step;
            let failures = &failures;
            let destination_products = &destination_products;
            async move {
                let r = async {
                    let row = ledger.get(ResourceKind::Product, &item.source_id)?;
                    if let Some(id) = row
                        .as_ref()
                        .filter(|r| r.state.is_done())
                        .and_then(|r| r.destination_id.clone())
                    {
                        destination_products
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .insert(item.source_id.clone(), id);
                        return Ok(Outcome::Skipped);
                    }
                    let existing = matches!(item.action, Action::Existing { .. });
                    let was_sending = row.is_some();
                    if !existing {
                        step.sending(&item.source_id, &item.natural_key)?;
                    }
                    // `ensure` finds the product an earlier attempt made (its key is derived from the source id).
                    let id = m.products.ensure(&item.source_id).await?;
                    let state = if existing && !was_sending {
                        MappingState::Matched
                    } else {
                        MappingState::Created
                    };
                    ledger.record_done_keyed(
                        ResourceKind::Product,
                        &item.source_id,
                        &item.natural_key,
                        &id,
                        state,
                    )?;
                    destination_products
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .insert(item.source_id.clone(), id);
                    Ok(match (existing, was_sending) {
                        (true, true) => Outcome::Reconciled,
                        (true, false) => Outcome::Matched,
                        _ => Outcome::Created,
                    })
                }
                .await;
                step.finish(&item.source_id, outcome(r), failures);
            }
        })
        .await;
    counts.insert(ResourceKind::Product, step.tally.counts(0));
    let destination_products = destination_products
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);

    // Prices.
    let step = Step {
        resource: ResourceKind::Price,
        ledger,
        progress: &m.progress,
        tally: Tally::default(),
        total: plan.prices.iter().filter(|i| !i.is_blocked()).count() as u64,
    };
    step.start();
    let prices_api = m.destination.prices();
    let sources = source.prices_by_id();
    let work = plan
        .prices
        .iter()
        .zip(&prepared.price_products)
        .filter(|(item, _)| !item.is_blocked());
    futures::stream::iter(work)
        .for_each_concurrent(concurrency, |(item, product)| {
            let step = &step;
            let failures = &failures;
            let api = &prices_api;
            let sources = &sources;
            let destination_products = &destination_products;
            async move {
                let r = async {
                    let row = ledger.get(ResourceKind::Price, &item.source_id)?;
                    let sending = matches!(row.as_ref().map(|r| r.state), Some(MappingState::Sending));
                    if row.as_ref().is_some_and(|r| r.state.is_done()) {
                        return Ok(Outcome::Skipped);
                    }
                    // A `sending` row of an earlier run was looked up when the plan read the destination (by
                    // slug, or by content): found, it is `Existing` here and is recorded, not re-sent.
                    if let Action::Existing { destination_id } = &item.action {
                        let state = if sending { MappingState::Created } else { MappingState::Matched };
                        ledger.record_done_keyed(
                            ResourceKind::Price,
                            &item.source_id,
                            &item.natural_key,
                            destination_id,
                            state,
                        )?;
                        return Ok(if sending { Outcome::Reconciled } else { Outcome::Matched });
                    }
                    let Some(source_price) = sources.get(item.source_id.as_str()) else {
                        return Ok(Outcome::Failed("the source price is gone".into()));
                    };
                    let dest_product = match product {
                        Some(sp) => match destination_products.get(sp) {
                            Some(id) => Some(id.as_str()),
                            None => {
                                return Ok(Outcome::Failed(format!(
                                    "its product `{sp}` is not on the destination yet"
                                )));
                            }
                        },
                        None => None,
                    };
                    let input = translate::new_price(source_price, dest_product, &m.meters)?;
                    step.sending(&item.source_id, &item.natural_key)?;
                    let (price, created) = if input.slug().is_some() {
                        let got = api.ensure(input).await?;
                        let created = matches!(got, Ensured::Created(_));
                        (got.into_inner(), created)
                    } else {
                        (api.create(input).await?, true)
                    };
                    ledger.record_done(
                        ResourceKind::Price,
                        &item.source_id,
                        price.id.as_str(),
                        MappingState::Created,
                    )?;
                    Ok(if created || sending { Outcome::Created } else { Outcome::Matched })
                }
                .await;
                step.finish(&item.source_id, outcome(r), failures);
            }
        })
        .await;
    let blocked = plan.prices.iter().filter(|i| i.is_blocked()).count() as u64;
    counts.insert(ResourceKind::Price, step.tally.counts(blocked));
    Ok((
        counts,
        failures
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    ))
}
