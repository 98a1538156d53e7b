//! The subscription operations, without I/O: each request as a value, each answer decoded, and the rules a
//! create's key lookup and a state-checked write decide by.

use std::collections::BTreeMap;

use serde::Deserialize;
use unibill_core::timestamp::format_rfc3339_millis;
use unibill_core::{
    CancelOptions, CancelTiming, Customer, Error, ErrorKind, FinalInvoice, NewSubscription, Price,
    PriceId, PriceKind, Result, Subscription, SubscriptionId, SubscriptionListQuery,
    SubscriptionStatus, Timestamp, Trial,
};
use unibill_http::{Request, Response};

use super::wire::{
    Activate, Cancel, CancelSchedule, ChangeV2, CreateSubscription, Filter, FilterValue,
    PRICE_METADATA, SearchSubscriptions, WireSubscription,
};
use crate::PROVIDER;
use crate::decode::with_raw;
use crate::pagination::{PageAt, decode_items};

pub(crate) const CREATE: &str = "subscriptions.create";
pub(crate) const GET: &str = "subscriptions.get";
const LIST: &str = "subscriptions.list";
pub(crate) const FIND_BY_KEY: &str = "subscriptions.find_by_key";
pub(crate) const ACTIVATE: &str = "subscriptions.activate";
pub(crate) const CANCEL: &str = "subscriptions.cancel";
pub(crate) const UNCANCEL: &str = "subscriptions.uncancel";
pub(crate) const CHANGE_PRICE: &str = "subscriptions.change_price";

/// The most subscriptions one key lookup reads: the drafts a key's concurrent creates can leave are few.
const KEY_PAGE: u32 = 100;

/// What a recurring price subscribes to on Flexprice: its plan, currency and billing period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanPrice {
    /// The price.
    pub price_id: PriceId,
    /// Its plan (the neutral product id).
    pub plan_id: String,
    /// Its currency, lower case as the plan's prices hold it.
    pub currency: String,
    /// Its `billing_period` (`MONTHLY`, …).
    pub billing_period: String,
    /// Its `billing_period_count`.
    pub billing_period_count: u32,
}

#[derive(Deserialize)]
struct PeriodOf {
    #[serde(default)]
    billing_period: Option<String>,
    #[serde(default)]
    billing_period_count: Option<u32>,
}

/// The plan, currency and period of `price` (from its own JSON, so `QUARTERLY` stays `QUARTERLY`). A price
/// that is not recurring, or has no plan, is `InvalidInput` on `price_id`.
pub fn plan_price(price: &Price) -> Result<PlanPrice> {
    let not = |why: &str| {
        Error::invalid_field("price_id", format!("price {}: {why}", price.id))
            .with_provider(PROVIDER)
    };
    let PriceKind::Recurring { interval, .. } = &price.kind else {
        return Err(not("a subscription is to a recurring price"));
    };
    let plan_id = price
        .product_id
        .clone()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| not("it belongs to no plan"))?;
    let from_raw = price
        .raw
        .as_ref()
        .and_then(|r| serde_json::from_str::<PeriodOf>(r.get()).ok())
        .and_then(|p| Some((p.billing_period?, p.billing_period_count.unwrap_or(1))));
    let (billing_period, billing_period_count) = match from_raw {
        Some(p) => p,
        None => {
            let unit = match interval.unit {
                unibill_core::IntervalUnit::Day => "DAILY",
                unibill_core::IntervalUnit::Week => "WEEKLY",
                unibill_core::IntervalUnit::Month => "MONTHLY",
                unibill_core::IntervalUnit::Year => "ANNUAL",
            };
            (unit.to_owned(), interval.count)
        }
    };
    Ok(PlanPrice {
        price_id: price.id.clone(),
        plan_id,
        currency: price.currency.code().to_ascii_lowercase(),
        billing_period,
        billing_period_count,
    })
}

/// `POST /subscriptions`: a draft of `customer` (by Flexprice id) on the plan, currency and period of the
/// price, `lookup_key` = the key, the price in `metadata.unibill_price_id` beside the caller's metadata, and
/// `start_date` when the input starts later (notes §3.1). A trial other than `FromPrice` or `Days` is
/// `Unsupported` (the guard refuses it first).
pub fn create_request(
    input: &NewSubscription,
    customer: &Customer,
    price: &PlanPrice,
) -> Result<Request> {
    let trial_period_days = match input.trial() {
        Trial::FromPrice => None,
        Trial::Days(n) => Some(n),
        Trial::None | Trial::Until(_) => {
            return Err(Error::unsupported_field(PROVIDER, "trial"));
        }
    };
    let mut metadata: BTreeMap<String, String> = input
        .metadata()
        .map(|m| m.as_map().clone())
        .unwrap_or_default();
    metadata.insert(
        PRICE_METADATA.to_owned(),
        price.price_id.as_str().to_owned(),
    );
    let body = CreateSubscription {
        customer_id: customer.id.as_str(),
        plan_id: &price.plan_id,
        currency: price.currency.clone(),
        billing_period: &price.billing_period,
        billing_period_count: price.billing_period_count,
        lookup_key: input.key().as_str(),
        metadata,
        subscription_status: "draft",
        trial_period_days,
        start_date: input.start_at().map(|t| format_rfc3339_millis(t).into()),
    };
    Request::post(CREATE, "/subscriptions")
        .path(["subscriptions"])
        .json(&body)
}

/// `POST /subscriptions/search` with `filters: [lookup_key eq <key>]`, every status, oldest first (finding 11;
/// the filter is inferred from the server's column check, FP §3.1).
pub fn find_by_key_request(key: &str) -> Result<Request> {
    let body = SearchSubscriptions {
        external_customer_id: None,
        customer_id: None,
        filters: Some([Filter {
            field: "lookup_key",
            operator: "eq",
            data_type: "string",
            value: FilterValue { string: key },
        }]),
        limit: KEY_PAGE,
        offset: 0,
        sort: "created_at",
        order: "asc",
    };
    Request::post(FIND_BY_KEY, "/subscriptions/search")
        .path(["subscriptions", "search"])
        .json(&body)
}

/// `GET /subscriptions/{id}`.
pub fn get_request(id: &SubscriptionId) -> Request {
    Request::get(GET, "/subscriptions/{id}").path(["subscriptions", id.as_str()])
}

/// `POST /subscriptions/search` by customer (every status), oldest first, and the page it asks for. The
/// status filter is the adapter's (applied to the page: `CancelScheduled` is derived).
pub(crate) fn list_request(query: &SubscriptionListQuery) -> Result<(Request, PageAt)> {
    let at = PageAt::new(query.cursor.as_ref(), query.fingerprint(), query.limit)?;
    let (external_customer_id, customer_id) = match &query.customer {
        Some(unibill_core::CustomerRef::ExternalId(e)) => (Some(e.as_str()), None),
        Some(unibill_core::CustomerRef::Id(id)) => (None, Some(id.as_str())),
        None => (None, None),
    };
    let body = SearchSubscriptions {
        external_customer_id,
        customer_id,
        filters: None,
        limit: at.limit,
        offset: at.offset,
        sort: "created_at",
        order: "asc",
    };
    let request = Request::post(LIST, "/subscriptions/search")
        .path(["subscriptions", "search"])
        .json(&body)?;
    Ok((request, at))
}

/// `POST /subscriptions/{id}/activate` from `start` (the input's later start, which the draft was created
/// with) or else the draft's own `start_date` (the server's time at create).
pub fn activate_request(draft: &Subscription, start: Option<Timestamp>) -> Result<Request> {
    #[derive(Deserialize)]
    struct Start {
        #[serde(default)]
        start_date: Option<String>,
    }
    let given = start.map(|t| format_rfc3339_millis(t).into());
    let start = given
        .or_else(|| {
            draft
                .raw
                .as_ref()
                .and_then(|r| serde_json::from_str::<Start>(r.get()).ok())
                .and_then(|s| s.start_date)
                .filter(|s| !s.is_empty())
        })
        .or_else(|| draft.created_at.map(|t| t.to_string()))
        .ok_or_else(|| {
            Error::decode(format!("draft subscription {} has no start date", draft.id))
                .with_provider(PROVIDER)
                .with_operation(ACTIVATE)
        })?;
    Request::post(ACTIVATE, "/subscriptions/{id}/activate")
        .path(["subscriptions", draft.id.as_str(), "activate"])
        .json(&Activate { start_date: &start })
}

/// `POST /subscriptions/{id}/cancel`: `immediate` (with `generate_invoice` unless `FinalInvoice::Skip`,
/// finding 16), `end_of_period`, or `scheduled_date` with `cancel_at`; `proration_behavior` from `prorate`.
pub fn cancel_request(id: &SubscriptionId, options: &CancelOptions) -> Result<Request> {
    let proration_behavior = if options.prorate {
        "create_prorations"
    } else {
        "none"
    };
    let body = match options.timing {
        CancelTiming::Immediately => Cancel {
            cancellation_type: "immediate",
            cancel_at: None,
            proration_behavior,
            invoice_policy: Some(match options.final_invoice {
                FinalInvoice::Generate => "generate_invoice",
                FinalInvoice::Skip => "skip",
            }),
        },
        CancelTiming::AtPeriodEnd => Cancel {
            cancellation_type: "end_of_period",
            cancel_at: None,
            proration_behavior,
            invoice_policy: None,
        },
        CancelTiming::At(t) => Cancel {
            cancellation_type: "scheduled_date",
            cancel_at: Some(format_rfc3339_millis(t).into()),
            proration_behavior,
            invoice_policy: None,
        },
    };
    Request::post(CANCEL, "/subscriptions/{id}/cancel")
        .path(["subscriptions", id.as_str(), "cancel"])
        .json(&body)
}

/// `POST /subscriptions/schedules/cancel` with `schedule_type: cancellation`.
pub fn uncancel_request(id: &SubscriptionId) -> Result<Request> {
    Request::post(UNCANCEL, "/subscriptions/schedules/cancel")
        .path(["subscriptions", "schedules", "cancel"])
        .json(&CancelSchedule {
            subscription_id: id.as_str(),
            schedule_type: "cancellation",
        })
}

/// `POST /subscriptions/{id}/change/v2/execute`: to `plan_id` in place, now, without proration.
pub fn change_request(id: &SubscriptionId, plan_id: &str) -> Result<Request> {
    Request::post(CHANGE_PRICE, "/subscriptions/{id}/change/v2/execute")
        .path(["subscriptions", id.as_str(), "change", "v2", "execute"])
        .json(&ChangeV2 {
            target_plan_id: plan_id,
            proration_behavior: "none",
            change_at: "immediate",
        })
}

/// A subscription answer, `raw` kept.
pub fn decode_subscription(response: Response) -> Result<Subscription> {
    let (wire, raw) = with_raw::<WireSubscription>(&response)?;
    Ok(wire.into_subscription(raw))
}

/// A search page: its subscriptions and the server's total.
pub fn decode_subscription_list(response: Response) -> Result<(Vec<Subscription>, Option<u64>)> {
    decode_items(&response, |w: WireSubscription, raw| {
        Ok(w.into_subscription(raw))
    })
}

/// Of the subscriptions holding one key, the one every caller converges on: the oldest (by `created_at`,
/// then id).
pub fn winner(found: Vec<Subscription>) -> Option<Subscription> {
    found
        .into_iter()
        .min_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())))
}

/// Whether the subscription holding the input's key was made for it: the same customer (Flexprice id) and
/// price (the price it was created for, else its plan).
pub(crate) fn made_for(sub: &Subscription, customer: &Customer, price: &PlanPrice) -> bool {
    let same_customer = sub.customer_id.as_ref() == Some(&customer.id);
    let same_price = match &sub.price_id {
        Some(p) => *p == price.price_id,
        None => sub.product_id.as_ref().map(|p| p.as_str()) == Some(price.plan_id.as_str()),
    };
    same_customer && same_price
}

/// The rule of finding 1 for a key already held: `AlreadyExists` carrying the subscription made for this
/// input, `Conflict` for one made for another input.
pub(crate) fn key_held(input: &NewSubscription, sub: Subscription, mine: bool) -> Error {
    if mine {
        let id = sub.id.as_str().to_owned();
        Error::already_exists(
            format!("a subscription with key `{}` already exists", input.key()),
            Some(id),
        )
        .with_existing(sub)
        .with_provider(PROVIDER)
        .with_operation(CREATE)
    } else {
        Error::new(
            ErrorKind::Conflict,
            format!(
                "idempotency key reused with different input: `{}` is held by subscription {} of another \
                 customer or price",
                input.key(),
                sub.id
            ),
        )
        .with_provider(PROVIDER)
        .with_operation(CREATE)
    }
}

/// Whether a cancel's end state is reached: `Canceled` always is; a scheduled cancel is reached by
/// `CancelScheduled` (at the instant asked, for `At`).
pub(crate) fn cancel_reached(sub: &Subscription, timing: &CancelTiming) -> bool {
    match (timing, &sub.status) {
        (_, SubscriptionStatus::Canceled) => true,
        (CancelTiming::Immediately, _) => false,
        (CancelTiming::AtPeriodEnd, SubscriptionStatus::CancelScheduled) => true,
        (CancelTiming::At(t), SubscriptionStatus::CancelScheduled) => sub.cancel_at == Some(*t),
        _ => false,
    }
}

/// Whether a subscription has a pending cancel.
pub(crate) fn cancel_pending(sub: &Subscription) -> bool {
    sub.cancel_at.is_some() || sub.cancel_at_period_end
}

/// `Conflict` for uncancelling a canceled subscription (finding 17).
pub(crate) fn canceled_conflict(id: &SubscriptionId) -> Error {
    Error::new(
        ErrorKind::Conflict,
        format!("subscription {id} is canceled: a canceled subscription cannot be reactivated"),
    )
    .with_provider(PROVIDER)
    .with_operation(UNCANCEL)
}

/// `Conflict` for a pending cancel the server cannot revert (no cancellation schedule, notes §3.5).
pub(crate) fn unscheduled_conflict(id: &SubscriptionId, source: Error) -> Error {
    Error::new(
        ErrorKind::Conflict,
        format!(
            "subscription {id} has a pending cancel without a cancellation schedule: Flexprice cannot revert it"
        ),
    )
    .with_provider(PROVIDER)
    .with_operation(UNCANCEL)
    .with_source(source)
}

/// Whether a plan change to `price` needs the replacing (v1) change: another currency or billing period.
/// That is `Unsupported` (finding 13: v1 changes the id).
pub(crate) fn change_in_place(sub: &Subscription, price: &PlanPrice, target: &Price) -> Result<()> {
    let same_currency = sub.currency.as_ref().is_none_or(|c| *c == target.currency);
    let same_interval = match (&sub.interval, target.kind.interval()) {
        (Some(a), Some(b)) => *a == b,
        _ => true,
    };
    if same_currency && same_interval {
        Ok(())
    } else {
        Err(Error::unsupported(
            PROVIDER,
            format_args!(
                "moving subscription {} to price {} changes its currency or billing period (Flexprice's \
                 replacing plan change, which gives it another id)",
                sub.id, price.price_id
            ),
        )
        .with_operation(CHANGE_PRICE))
    }
}
