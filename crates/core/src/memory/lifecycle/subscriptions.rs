//! Subscriptions in memory.

use async_trait::async_trait;
use jiff::Timestamp;

use super::MemoryLifecycle;
use super::rating::{add_days, add_interval};
use super::settle::{announce, end, refresh_status, settle};
use super::state::{Phase, State, SubRecord, page};
use super::webhooks::provider;
use crate::api::Subscriptions;
use crate::capability::SubscriptionCapabilities;
use crate::error::{Error, ErrorKind, Result};
use crate::id::{PriceId, ProductId, SubscriptionId};
use crate::memory::{PROVIDER, make_id};
use crate::model::customer::CustomerStatus;
use crate::model::price::{Price, PriceKind};
use crate::model::subscription::{
    CancelOptions, CancelTiming, CustomerRef, FinalInvoice, NewSubscription, Period, Subscription,
    SubscriptionItem, SubscriptionListQuery, Trial,
};
use crate::model::webhook::WebhookKind;
use crate::page::Page;

/// Subscriptions held in memory, moving through their statuses on the clock (see [`MemoryLifecycle`]).
///
/// - **Create** looks the key up first: held with the same customer and the same price it was created with →
///   `AlreadyExists` carrying the subscription ([`crate::SubscriptionsExt::ensure`] answers `Existing`); held
///   with another → `Conflict`, and nothing changes. An unknown customer or price is `NotFound`; a price that
///   is not recurring, or archived, `InvalidInput` on `price_id`; an archived customer `InvalidInput` on
///   `customer`.
/// - **Trials**: [`Trial::FromPrice`] takes the price's `trial_days`; the trial is the first period and bills
///   nothing; at its end the subscription is `Active` and its first paid period starts.
/// - **A later start** ([`NewSubscriptionBuilder::start_at`](crate::NewSubscriptionBuilder::start_at) after
///   now): the first period (or the trial) begins at the start, and nothing is billed, nor any feature granted,
///   before it. Until then the subscription reads as it will from the start (Flexprice's reading): `Active`
///   (`Trialing` with a trial), `current_period` beginning at the start. A start at or before now is now.
/// - **Cancel**: `Immediately` ends it now (its running period's invoice finalized, or voided with
///   [`FinalInvoice::Skip`]); `AtPeriodEnd` and `At(t)` (`t` after now) make it `CancelScheduled` until then,
///   when the period is billed whole (no proration: `CancelOptions::prorate` is `Unsupported`). Cancelling a
///   canceled subscription, or scheduling the cancel it already has, is success with the subscription as it is.
/// - **Uncancel** takes a scheduled cancel back; without one it is success, unchanged; on a canceled
///   subscription it is `Conflict` ("a canceled subscription cannot be reactivated": memory follows finding 17).
/// - **Change price**: to another recurring price, applied to the running period (rated at its end with the
///   new prices; a different interval makes the period `start + new interval`); on a canceled subscription
///   `Conflict`.
#[derive(Debug, Clone)]
pub struct MemorySubscriptions(pub(super) MemoryLifecycle);

fn not_found(id: &str) -> Error {
    Error::not_found(format!("subscription {id} was not found")).with_provider(PROVIDER)
}

fn canceled(id: &SubscriptionId, what: &str) -> Error {
    Error::new(
        ErrorKind::Conflict,
        format!("subscription {id} is canceled: {what}"),
    )
    .with_provider(PROVIDER)
}

impl MemorySubscriptions {
    /// The recurring price `id` and the usage prices that go with it.
    fn resolve_price(&self, id: &PriceId) -> Result<(Price, Vec<Price>)> {
        let price = self.0.shared.prices.lookup(id).ok_or_else(|| {
            Error::not_found(format!("price {id} was not found")).with_provider(PROVIDER)
        })?;
        let PriceKind::Recurring { interval, .. } = price.kind else {
            return Err(Error::invalid_field(
                "price_id",
                format!(
                    "price {id} is a {} price: subscriptions are to recurring prices",
                    price.kind.name()
                ),
            )
            .with_provider(PROVIDER));
        };
        if !price.active {
            return Err(
                Error::invalid_field("price_id", format!("price {id} is archived"))
                    .with_provider(PROVIDER),
            );
        }
        let usage = price
            .product_id
            .as_deref()
            .map(|product| self.0.shared.prices.of_product(product))
            .unwrap_or_default()
            .into_iter()
            .filter(|p| {
                matches!(&p.kind, PriceKind::Usage { interval: i, .. } if *i == interval)
                    && p.currency == price.currency
            })
            .collect();
        Ok((price, usage))
    }
}

/// Sets the record's price fields (price, product, items, interval, currency) from `price` and `usage`.
fn apply_price(rec_sub: &mut Subscription, price: &Price, usage: &[Price]) {
    rec_sub.price_id = Some(price.id.clone());
    rec_sub.product_id = price.product_id.clone().map(ProductId::new);
    rec_sub.items = std::iter::once(price)
        .chain(usage)
        .map(|p| SubscriptionItem::new(p.id.clone()))
        .collect();
    rec_sub.interval = price.kind.interval();
    rec_sub.currency = Some(price.currency.clone());
}

fn same_customer(sub: &Subscription, r: &CustomerRef) -> bool {
    match r {
        CustomerRef::Id(id) => sub.customer_id.as_ref() == Some(id),
        CustomerRef::ExternalId(e) => sub.customer_external_id.as_deref() == Some(e),
    }
}

impl State {
    fn sub_seq(&self, id: &SubscriptionId) -> Result<u64> {
        self.sub_ids
            .get(id)
            .copied()
            .ok_or_else(|| not_found(id.as_str()))
    }

    fn sub(&self, seq: u64) -> Subscription {
        self.subs[&seq].sub.clone()
    }
}

#[async_trait]
impl Subscriptions for MemorySubscriptions {
    fn capabilities(&self) -> SubscriptionCapabilities {
        SubscriptionCapabilities {
            prorate: false,
            ..SubscriptionCapabilities::full(PROVIDER)
        }
    }

    async fn create(&self, input: NewSubscription) -> Result<Subscription> {
        let (mut s, now) = self.0.begin();
        if let Some(seq) = s.sub_keys.get(input.key()) {
            let rec = &s.subs[seq];
            if same_customer(&rec.sub, input.customer()) && rec.created_price == *input.price_id() {
                return Err(Error::already_exists(
                    format!(
                        "subscription {} was already created with idempotency key `{}`",
                        rec.sub.id,
                        input.key()
                    ),
                    Some(rec.sub.id.as_str().to_owned()),
                )
                .with_existing(rec.sub.clone())
                .with_provider(PROVIDER));
            }
            return Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "idempotency key reused with different input: `{}` made subscription {} for another \
                     customer or price",
                    input.key(),
                    rec.sub.id
                ),
            )
            .with_provider(PROVIDER)
            .with_operation("subscriptions.create"));
        }
        let customer = self
            .0
            .shared
            .customers
            .lookup(input.customer())
            .ok_or_else(|| {
                Error::not_found(format!("customer {:?} was not found", input.customer()))
                    .with_provider(PROVIDER)
            })?;
        if customer.status != CustomerStatus::Active {
            return Err(Error::invalid_field(
                "customer",
                format!("customer {} is archived", customer.id),
            )
            .with_provider(PROVIDER));
        }
        let (price, usage) = self.resolve_price(input.price_id())?;
        let PriceKind::Recurring {
            interval,
            trial_days,
        } = price.kind
        else {
            return Err(Error::invalid_field("price_id", "is not recurring"));
        };
        // A start after now defers everything to it; one at or before now is now.
        let begin = input.start_at().filter(|t| *t > now).unwrap_or(now);
        let trial_end: Option<Timestamp> = match input.trial() {
            Trial::FromPrice => trial_days.map(|d| add_days(begin, d)),
            Trial::None => None,
            Trial::Days(d) => Some(add_days(begin, d)),
            Trial::Until(t) => (t > begin).then_some(t),
        };
        let (phase, period_end) = match trial_end {
            Some(t) => (Phase::Trial, t),
            None => (
                Phase::Paid {
                    anchor: begin,
                    index: 0,
                },
                add_interval(begin, interval, 1),
            ),
        };
        let phase = if begin > now {
            Phase::Scheduled {
                start: begin,
                trial: trial_end.is_some(),
            }
        } else {
            phase
        };
        let period = Period::new(begin, period_end)?;
        let seq = s.next_seq();
        let mut b = Subscription::builder(make_id("sub", seq), crate::SubscriptionStatus::Active)
            .customer_id(customer.id.clone())
            .customer_external_id(customer.external_id.clone())
            .current_period(period)
            .key(input.key().clone())
            .created_at(now)
            .provider(provider());
        if let Some(t) = trial_end {
            b = b.trial_end(t);
        }
        if let Some(m) = input.metadata() {
            b = b.metadata(m.clone());
        }
        let mut sub = b.build();
        apply_price(&mut sub, &price, &usage);
        let mut rec = SubRecord {
            sub,
            created_price: price.id.clone(),
            price,
            usage_prices: usage,
            phase,
            live_invoice: None,
        };
        refresh_status(&mut rec);
        s.sub_ids.insert(rec.sub.id.clone(), seq);
        s.sub_keys.insert(input.key().clone(), seq);
        s.subs.insert(seq, rec);
        if matches!(phase, Phase::Paid { .. }) {
            s.open_invoice(seq, now);
        }
        announce(&mut s, seq, WebhookKind::SubscriptionCreated, now);
        Ok(s.sub(seq))
    }

    async fn get(&self, id: SubscriptionId) -> Result<Subscription> {
        let (s, _) = self.0.begin();
        let seq = s.sub_seq(&id)?;
        Ok(s.sub(seq))
    }

    async fn list(&self, query: SubscriptionListQuery) -> Result<Page<Subscription>> {
        let (s, _) = self.0.begin();
        page(
            &s.subs,
            query.cursor.as_ref(),
            query.limit,
            self.capabilities().max_page_size,
            query.fingerprint(),
            |r| {
                query
                    .customer
                    .as_ref()
                    .is_none_or(|c| same_customer(&r.sub, c))
                    && (query.statuses.is_empty() || query.statuses.contains(&r.sub.status))
            },
            |r| r.sub.clone(),
        )
    }

    async fn cancel(&self, id: SubscriptionId, options: CancelOptions) -> Result<Subscription> {
        if options.prorate {
            return Err(Error::unsupported_field(PROVIDER, "prorate")
                .with_operation("subscriptions.cancel"));
        }
        let (mut s, now) = self.0.begin();
        let seq = s.sub_seq(&id)?;
        let rec = &s.subs[&seq];
        if rec.phase == Phase::Ended {
            return Ok(rec.sub.clone());
        }
        let period_end = rec.sub.current_period.map_or(now, |p| p.end());
        let at = match options.timing {
            CancelTiming::Immediately => {
                end(
                    &mut s,
                    seq,
                    now,
                    options.final_invoice == FinalInvoice::Generate,
                );
                return Ok(s.sub(seq));
            }
            CancelTiming::AtPeriodEnd => period_end,
            CancelTiming::At(t) if t <= now => {
                return Err(Error::invalid_field(
                    "timing",
                    format!("a cancel at {t} is not after now ({now}): cancel immediately"),
                )
                .with_provider(PROVIDER));
            }
            CancelTiming::At(t) => t,
        };
        if rec.sub.cancel_at == Some(at) {
            return Ok(rec.sub.clone());
        }
        if let Some(rec) = s.subs.get_mut(&seq) {
            rec.sub.cancel_at = Some(at);
            rec.sub.cancel_at_period_end = at == period_end;
            refresh_status(rec);
        }
        announce(&mut s, seq, WebhookKind::SubscriptionUpdated, now);
        Ok(s.sub(seq))
    }

    async fn uncancel(&self, id: SubscriptionId) -> Result<Subscription> {
        let (mut s, now) = self.0.begin();
        let seq = s.sub_seq(&id)?;
        let rec = &s.subs[&seq];
        if rec.phase == Phase::Ended {
            return Err(canceled(
                &id,
                "a canceled subscription cannot be reactivated",
            ));
        }
        if rec.sub.cancel_at.is_none() {
            return Ok(rec.sub.clone());
        }
        if let Some(rec) = s.subs.get_mut(&seq) {
            rec.sub.cancel_at = None;
            rec.sub.cancel_at_period_end = false;
            refresh_status(rec);
        }
        announce(&mut s, seq, WebhookKind::SubscriptionUpdated, now);
        Ok(s.sub(seq))
    }

    async fn change_price(&self, id: SubscriptionId, price_id: PriceId) -> Result<Subscription> {
        let (mut s, now) = self.0.begin();
        let seq = s.sub_seq(&id)?;
        let rec = &s.subs[&seq];
        if rec.phase == Phase::Ended {
            return Err(canceled(&id, "its price cannot change"));
        }
        if rec.sub.price_id.as_ref() == Some(&price_id) {
            return Ok(rec.sub.clone());
        }
        let (price, usage) = self.resolve_price(&price_id)?;
        if let Some(rec) = s.subs.get_mut(&seq) {
            let old_interval = rec.price.kind.interval();
            let new_interval = price.kind.interval();
            let paid = matches!(
                rec.phase,
                Phase::Paid { .. } | Phase::Scheduled { trial: false, .. }
            );
            if let (true, Some(period), Some(interval)) =
                (paid, rec.sub.current_period, new_interval)
                && old_interval != new_interval
            {
                let start = period.start();
                if let Phase::Paid { .. } = rec.phase {
                    rec.phase = Phase::Paid {
                        anchor: start,
                        index: 0,
                    };
                }
                if let Ok(p) = Period::new(start, add_interval(start, interval, 1)) {
                    rec.sub.current_period = Some(p);
                }
            }
            apply_price(&mut rec.sub, &price, &usage);
            rec.price = price;
            rec.usage_prices = usage;
        }
        let rec = &s.subs[&seq];
        let (live, currency, period) = (
            rec.live_invoice,
            rec.price.currency.clone(),
            rec.sub.current_period,
        );
        if let Some(live) = live
            && let Some(record) = s.invoices.get_mut(&live)
            && record.live
        {
            record.invoice.currency = currency;
            record.invoice.period = period;
        }
        announce(&mut s, seq, WebhookKind::SubscriptionUpdated, now);
        settle(&mut s, now);
        Ok(s.sub(seq))
    }
}
