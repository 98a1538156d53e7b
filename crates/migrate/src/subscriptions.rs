//! Subscriptions in the plan: which source subscriptions move, which are blocked and which are left for manual
//! review (lifecycle review, finding 27), and the input that recreates one on the destination, starting at the
//! end of the period the source was paid for.
//!
//! | source subscription | plan |
//! |---|---|
//! | recorded in the ledger, or its derived key on a destination subscription | `existing` |
//! | `active`, paid period ending in more than 24 hours, customer and price moving | `create`, starting at the period's end |
//! | `trialing`, `past_due`, `unpaid`, `cancel_scheduled` | `manual_review` |
//! | renewing within 24 hours, or without a current period | `manual_review` |
//! | a destination that cannot start it later, or would give its price's trial again | `manual_review` |
//! | a destination billing the whole product (Flexprice) where the product holds another price of its period | `manual_review` |
//! | `canceled`, `incomplete_expired`, `incomplete`, `draft`, `paused`, unknown | `blocked` on `status` |
//! | its customer or its price blocked, not migrated, or not known | `blocked` on `customer` / `price_id` |

use std::collections::HashMap;

use jiff::SignedDuration;
use unibill_core::{
    CustomerRef, IdempotencyKey, Metadata, NewSubscription, PriceKind, Result, Subscription,
    SubscriptionStatus, Timestamp, Trial,
};

use crate::ledger::Ledger;
use crate::plan::{Action, PlanItem, Rules, blocked_by, done_map};
use crate::resource::ResourceKind;
use crate::snapshot::Snapshot;

/// A subscription renewing sooner than this is left for manual review: it could renew on the source while
/// the migration runs, and be charged twice.
pub const RENEWAL_MARGIN: SignedDuration = SignedDuration::from_hours(24);

/// The idempotency key of the destination copy of source subscription `source_id` (its natural key).
pub fn key_of(source_id: &str) -> IdempotencyKey {
    IdempotencyKey::derive("migrate.subscription", &[source_id])
}

/// What recreates one source subscription on the destination.
#[derive(Debug, Clone)]
pub(crate) struct SubscriptionInput {
    /// The customer's external id (the same on both sides).
    pub customer_external_id: String,
    /// The customer's source id (its ledger row says where it went).
    pub source_customer_id: String,
    /// The source price (its ledger row says where it went).
    pub source_price_id: String,
    /// When the destination starts: the end of the source's paid period.
    pub start: Timestamp,
    /// The trial input (none is given: the source's trial, if any, is over).
    pub trial: Trial,
    /// The source's own metadata (reserved keys are stripped by every read).
    pub metadata: Metadata,
}

impl SubscriptionInput {
    /// The create input on the destination price `price_id`, keyed by the source id.
    pub(crate) fn new_subscription(
        &self,
        source_id: &str,
        price_id: &str,
    ) -> Result<NewSubscription> {
        let mut b = NewSubscription::builder(
            CustomerRef::external_id(self.customer_external_id.as_str()),
            price_id,
        )
        .key(key_of(source_id))
        .trial(self.trial)
        .start_at(self.start);
        if !self.metadata.is_empty() {
            b = b.metadata(self.metadata.clone());
        }
        b.build()
    }
}

/// The status rule: `None` when the status can move.
fn status_rule(status: &SubscriptionStatus) -> Option<Action> {
    use SubscriptionStatus as S;
    let review = |why: &str| {
        Some(Action::ManualReview {
            reason: format!("it is {}: {why}", status.as_str()),
        })
    };
    match status {
        S::Active => None,
        S::Trialing => {
            review("its trial's end and first charge need a decision (not moved automatically)")
        }
        S::PastDue | S::Unpaid => {
            review("a payment is outstanding on the source; settle it before moving")
        }
        S::CancelScheduled => {
            review("it is set to end on the source; recreating it would extend it")
        }
        other => Some(Action::Blocked {
            capability: "status".into(),
            reason: format!(
                "a {} subscription is not recreated on the destination",
                other.as_str()
            ),
        }),
    }
}

/// Plans every source subscription (`rules.subscriptions` is on).
pub(crate) fn plan(
    source: &Snapshot,
    destination: &Snapshot,
    ledger: &Ledger,
    rules: &Rules<'_>,
    customers: &[PlanItem],
    prices: &[PlanItem],
) -> Result<(Vec<PlanItem>, Vec<Option<SubscriptionInput>>)> {
    let done = done_map(ledger, ResourceKind::Subscription)?;
    let by_key: HashMap<&str, &Subscription> = destination
        .subscriptions()
        .iter()
        .filter_map(|s| s.key.as_ref().map(|k| (k.as_str(), s)))
        .collect();
    let source_external = source.customer_external_ids();
    let customer_items: HashMap<&str, &PlanItem> = customers
        .iter()
        .map(|i| (i.natural_key.as_str(), i))
        .collect();
    let price_items: HashMap<&str, &PlanItem> =
        prices.iter().map(|i| (i.source_id.as_str(), i)).collect();
    let source_prices = source.prices_by_id();
    let caps = &rules.caps.subscriptions;

    let mut items = Vec::new();
    let mut inputs = Vec::new();
    for s in source.subscriptions() {
        let key = key_of(s.id.as_str());
        let mut input = None;
        let action = if let Some(id) = done.get(s.id.as_str()) {
            Action::Existing {
                destination_id: id.clone(),
            }
        } else if let Some(d) = by_key.get(key.as_str()) {
            Action::Existing {
                destination_id: d.id.as_str().to_owned(),
            }
        } else {
            match decide(
                s,
                rules,
                &source_external,
                &customer_items,
                &price_items,
                &source_prices,
            ) {
                Err(action) => action,
                Ok(planned) => {
                    let checked = planned
                        .new_subscription(s.id.as_str(), &planned.source_price_id)
                        .and_then(|i| caps.check_create(&i));
                    match checked {
                        Err(e) => blocked_by(&e),
                        Ok(()) => {
                            input = Some(planned);
                            Action::Create
                        }
                    }
                }
            }
        };
        // An existing copy still needs its input: its source is canceled at period end once it verifies.
        if matches!(action, Action::Existing { .. }) {
            input = resolve(s, &source_external, &customer_items, &price_items)
                .ok()
                .and_then(|(external, customer, price)| {
                    Some(SubscriptionInput {
                        customer_external_id: external,
                        source_customer_id: customer,
                        source_price_id: price,
                        start: paid_until(s)?,
                        trial: Trial::FromPrice,
                        metadata: s.metadata.clone(),
                    })
                });
        }
        items.push(PlanItem {
            resource: ResourceKind::Subscription,
            source_id: s.id.as_str().to_owned(),
            natural_key: key.as_str().to_owned(),
            action,
        });
        inputs.push(input);
    }
    Ok((items, inputs))
}

/// The end of the period the source was paid for: its scheduled cancel once this migration set it, else
/// its current period's end.
pub(crate) fn paid_until(s: &Subscription) -> Option<Timestamp> {
    s.cancel_at
        .or(s.canceled_at)
        .or(s.current_period.map(|p| p.end()))
}

/// The customer's external id of a source subscription: as read, or through the id the provider names it by.
pub(crate) fn customer_of(s: &Subscription, external: &HashMap<String, String>) -> Option<String> {
    s.customer_external_id.clone().or_else(|| {
        [
            s.customer_id.as_ref().map(|c| c.as_str()),
            s.provider_customer_id.as_deref(),
        ]
        .into_iter()
        .flatten()
        .find_map(|id| external.get(id).cloned())
    })
}

/// The customer (external id, source id) and the price (source id) of a source subscription, each moving.
fn resolve(
    s: &Subscription,
    source_external: &HashMap<String, String>,
    customers: &HashMap<&str, &PlanItem>,
    prices: &HashMap<&str, &PlanItem>,
) -> std::result::Result<(String, String, String), Action> {
    let blocked = |capability: &str, reason: String| Action::Blocked {
        capability: capability.into(),
        reason,
    };
    let Some(external) = customer_of(s, source_external) else {
        return Err(blocked(
            "customer",
            "its customer is not among the source's active customers".into(),
        ));
    };
    let customer = customers.get(external.as_str()).copied();
    let source_customer_id = match customer {
        None => {
            return Err(blocked(
                "customer",
                format!("its customer `{external}` is not among the source's active customers"),
            ));
        }
        Some(c) if !c.moves() => {
            return Err(blocked(
                "customer",
                format!("its customer `{external}` does not move (see that customer's entry)"),
            ));
        }
        Some(c) => c.source_id.clone(),
    };
    let Some(price_id) = s.price_id.as_ref() else {
        return Err(blocked(
            "price_id",
            "the source subscription names no single price".into(),
        ));
    };
    match prices.get(price_id.as_str()) {
        None => {
            return Err(blocked(
                "price_id",
                format!(
                    "its price `{price_id}` is not migrated (archived, or not an active price)"
                ),
            ));
        }
        Some(p) if !p.moves() => {
            return Err(blocked(
                "price_id",
                format!("its price `{price_id}` does not move (see that price's entry)"),
            ));
        }
        Some(_) => {}
    }
    Ok((external, source_customer_id, price_id.as_str().to_owned()))
}

fn decide(
    s: &Subscription,
    rules: &Rules<'_>,
    source_external: &HashMap<String, String>,
    customers: &HashMap<&str, &PlanItem>,
    prices: &HashMap<&str, &PlanItem>,
    source_prices: &HashMap<&str, &unibill_core::Price>,
) -> std::result::Result<SubscriptionInput, Action> {
    let blocked = |capability: &str, reason: String| Action::Blocked {
        capability: capability.into(),
        reason,
    };
    if let Some(action) = status_rule(&s.status) {
        return Err(action);
    }
    let (external, source_customer_id, price_id) = resolve(s, source_external, customers, prices)?;
    let Some(start) = s.current_period.map(|p| p.end()) else {
        return Err(Action::ManualReview {
            reason:
                "it has no current period: the end of what the source was paid for is not known"
                    .into(),
        });
    };
    if start.duration_since(rules.now) < RENEWAL_MARGIN {
        return Err(Action::ManualReview {
            reason: format!(
                "it renews on the source at {start}, within 24 hours: move it after the renewal"
            ),
        });
    }
    let caps = &rules.caps.subscriptions;
    if !caps.start_at {
        return Err(Action::ManualReview {
            reason: "the destination cannot start a subscription at a later time (the end of the source's \
                     paid period): it would charge for a period the source was paid for"
                .into(),
        });
    }
    if caps.bills_whole_product
        && let Some(price) = source_prices.get(price_id.as_str())
        && let Some(other) = same_period_sibling(price, source_prices)
    {
        return Err(Action::ManualReview {
            reason: format!(
                "the destination bills every price of a product with the subscription's currency and period, \
                 and source product `{}` also holds price `{}` of that period: the copy would bill both",
                price.product_id.as_deref().unwrap_or_default(),
                other
            ),
        });
    }
    let price_trial = source_prices
        .get(price_id.as_str())
        .and_then(|p| match p.kind {
            PriceKind::Recurring { trial_days, .. } => trial_days,
            _ => None,
        });
    // No new trial: the source's is over. Where the start is itself a trial the price's is not added.
    let trial = match price_trial {
        None if caps.trial.from_price => Trial::FromPrice,
        _ if caps.start_at_as_trial && caps.trial.from_price => Trial::FromPrice,
        _ if caps.trial.none => Trial::None,
        Some(days) => {
            return Err(Action::ManualReview {
                reason: format!(
                    "its price has a {days}-day trial and the destination cannot create without it: the \
                     customer would get a new trial at the start"
                ),
            });
        }
        None => {
            return Err(blocked(
                "trial",
                "the destination takes neither the price's trial nor none".into(),
            ));
        }
    };
    Ok(SubscriptionInput {
        customer_external_id: external,
        source_customer_id,
        source_price_id: price_id,
        start,
        trial,
        metadata: s.metadata.clone(),
    })
}

/// Another active fixed recurring price of `price`'s product with its currency and interval, if any.
fn same_period_sibling<'a>(
    price: &unibill_core::Price,
    prices: &HashMap<&str, &'a unibill_core::Price>,
) -> Option<&'a str> {
    let product = price.product_id.as_deref()?;
    let interval = price.kind.interval();
    let mut siblings: Vec<&str> = prices
        .values()
        .filter(|p| {
            p.id != price.id
                && p.active
                && p.product_id.as_deref() == Some(product)
                && matches!(p.kind, PriceKind::Recurring { .. })
                && p.currency == price.currency
                && p.kind.interval() == interval
        })
        .map(|p| p.id.as_str())
        .collect();
    siblings.sort_unstable();
    siblings.first().copied()
}
