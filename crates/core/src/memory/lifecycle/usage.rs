//! Usage in memory.

use std::collections::HashSet;

use async_trait::async_trait;

use super::MemoryLifecycle;
use super::state::StoredEvent;
use crate::api::Usage;
use crate::capability::UsageCapabilities;
use crate::error::{Error, ErrorKind, Result};
use crate::memory::{PROVIDER, make_id};
use crate::model::key::IdempotencyKey;
use crate::model::subscription::CustomerRef;
use crate::model::usage::{IngestOutcome, IngestReport, UsageEvent, UsageStatus};

/// Usage recorded in memory: durable on answer, each key counted once.
///
/// Per event, in the order sent: a key already recorded with the same content (customer, meter, quantity,
/// time, subscription, properties) is `Duplicate`; with other content `Rejected(Conflict)` (finding 10), or
/// `Rejected(InvalidInput)` when both copies are in this batch; an unknown meter or customer (by external id,
/// active), or a subscription that is not the customer's, is that event's `Rejected(NotFound)`. The others
/// stand. A batch longer than [`UsageCapabilities::max_batch_events`] is refused whole (`InvalidInput`).
#[derive(Debug, Clone)]
pub struct MemoryUsage(pub(super) MemoryLifecycle);

fn rejected(kind: ErrorKind, message: String) -> IngestOutcome {
    IngestOutcome::Rejected(Error::new(kind, message).with_provider(PROVIDER))
}

#[async_trait]
impl Usage for MemoryUsage {
    fn capabilities(&self) -> UsageCapabilities {
        UsageCapabilities::full(PROVIDER)
    }

    async fn ingest(&self, events: Vec<UsageEvent>) -> Result<IngestReport> {
        let max = self.capabilities().max_batch_events;
        if events.len() > max as usize {
            return Err(Error::invalid_field(
                "events",
                format!("{} events in one batch; at most {max}", events.len()),
            )
            .with_provider(PROVIDER)
            .with_operation("usage.ingest"));
        }
        let (mut s, _) = self.0.begin();
        let mut report = IngestReport::new();
        let mut in_batch: HashSet<IdempotencyKey> = HashSet::new();
        for event in events {
            let key = event.key().clone();
            if let Some(&i) = s.event_keys.get(&key) {
                let stored = &s.events[i];
                let outcome = if stored.event == event {
                    IngestOutcome::Duplicate {
                        provider_id: Some(stored.provider_id.clone()),
                    }
                } else if in_batch.contains(&key) {
                    IngestOutcome::Rejected(
                        Error::invalid_field(
                            "key",
                            format!("`{key}` is on two different events in this batch"),
                        )
                        .with_provider(PROVIDER),
                    )
                } else {
                    rejected(
                        ErrorKind::Conflict,
                        format!(
                            "event `{key}` was already recorded with other content (a key is never reused)"
                        ),
                    )
                };
                report.push(key, outcome);
                continue;
            }
            if !s.meter_keys.contains_key(event.meter_key()) {
                let why = format!("no meter has key `{}`", event.meter_key());
                report.push(key, rejected(ErrorKind::NotFound, why));
                continue;
            }
            let customer = CustomerRef::external_id(event.customer_external_id());
            if self.0.shared.customers.lookup(&customer).is_none() {
                let why = format!(
                    "no active customer has external id `{}`",
                    event.customer_external_id()
                );
                report.push(key, rejected(ErrorKind::NotFound, why));
                continue;
            }
            if let Some(sub_id) = event.subscription_id() {
                let belongs = s.sub_ids.get(sub_id).is_some_and(|seq| {
                    s.subs[seq].sub.customer_external_id.as_deref()
                        == Some(event.customer_external_id())
                });
                if !belongs {
                    let why = format!(
                        "subscription {sub_id} is not one of customer `{}`'s",
                        event.customer_external_id()
                    );
                    report.push(key, rejected(ErrorKind::NotFound, why));
                    continue;
                }
            }
            let provider_id = make_id("evt", s.next_seq());
            let index = s.events.len();
            s.event_keys.insert(key.clone(), index);
            s.events.push(StoredEvent {
                event,
                provider_id: provider_id.clone(),
            });
            in_batch.insert(key.clone());
            report.push(
                key,
                IngestOutcome::Recorded {
                    provider_id: Some(provider_id),
                },
            );
        }
        Ok(report)
    }

    async fn status(
        &self,
        keys: Vec<IdempotencyKey>,
    ) -> Result<Vec<(IdempotencyKey, UsageStatus)>> {
        let (s, _) = self.0.begin();
        Ok(keys
            .into_iter()
            .map(|k| {
                let status = if s.event_keys.contains_key(&k) {
                    UsageStatus::Counted
                } else {
                    UsageStatus::NotFound
                };
                (k, status)
            })
            .collect())
    }
}
