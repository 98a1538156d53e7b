//! Subscription operations as values: the request of each call, the decoding of its answer, and the key
//! lookup. No I/O here; the client sends.
//!
//! | operation | request | safety |
//! |---|---|---|
//! | create | `POST /api/v1/subscriptions` (flat body; the key in `metadata.unibill_key`) | `Reconcile`: the key looked up in `GET /api/v1/customers/{externalId}/billing` before any (re-)send; a `409` "already has an active subscription" is that lookup, never our failure |
//! | get | `GET /api/v1/subscriptions/{id}` | `Safe` |
//! | list | `GET /api/v1/subscriptions?limit&cursor` (status filtered here) | `Safe` |
//! | cancel | `POST /api/v1/subscriptions/{id}/cancel` `{"cancellation": {"timing"}}` | `Safe` (a canceled one answers 200) |
//! | uncancel | `POST /api/v1/subscriptions/{id}/uncancel` `{}` | `Safe` (200 unchanged when nothing is scheduled: the status decides) |
//! | change_price | `POST /api/v1/subscriptions/{id}/adjust` `{"adjustment": {"timing": "immediately", "newSubscriptionItems": [{priceId, quantity: 1}]}}` | `Reconcile`: the subscription read back; on the new price means done |

use std::collections::BTreeMap;

use unibill_core::{
    CancelOptions, CancelTiming, CustomerRef, Error, ErrorKind, NewSubscription, Page, PriceId,
    Result, SUBSCRIPTION_KEY_METADATA, Subscription, SubscriptionId, SubscriptionListQuery,
    SubscriptionStatus, Trial,
};
use unibill_http::{Lookup, Request, Response};

use super::wire::{
    self, AdjustBody, Adjustment, CancelBody, CreateBody, SubscriptionEnvelope, TerseItem, Timing,
};
use crate::PROVIDER;
use crate::pagination;

/// The operation names.
pub const CREATE: &str = "subscriptions.create";
/// Cancel.
pub const CANCEL: &str = "subscriptions.cancel";
/// Uncancel.
pub const UNCANCEL: &str = "subscriptions.uncancel";
/// Change price.
pub const CHANGE_PRICE: &str = "subscriptions.change_price";

/// The customer's external id (a Flowglad `CustomerId` is the external id).
pub fn external_id(customer: &CustomerRef) -> &str {
    match customer {
        CustomerRef::Id(id) => id.as_str(),
        CustomerRef::ExternalId(e) => e.as_str(),
    }
}

/// `POST /api/v1/subscriptions`, flat: `customerExternalId`, `priceId`, `trialEnd` (epoch ms) for
/// `Trial::Until` or for a later start (`start_at`: Flowglad takes no start date, so the subscription is in a
/// trial until then), and the metadata with the key under `unibill_key`. Other trials than from-the-price and
/// until-a-time, and a start beside `Trial::Until`, are `Unsupported`.
pub fn create_request(input: &NewSubscription) -> Result<Request> {
    let customer = external_id(input.customer());
    if customer.is_empty() {
        return Err(Error::invalid_field("customer", "must not be empty"));
    }
    let trial_end = match (input.trial(), input.start_at()) {
        // No start date on Flowglad (notes §4.1): a later start is a trial ending there.
        (Trial::FromPrice, Some(start)) => Some(start.as_millisecond()),
        (Trial::FromPrice, None) => None,
        (Trial::Until(t), None) => Some(t.as_millisecond()),
        (other, _) => {
            return Err(
                Error::unsupported(PROVIDER, format!("the trial {other:?}")).with_operation(CREATE)
            );
        }
    };
    let mut metadata: BTreeMap<&str, &str> = input
        .metadata()
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    metadata.insert(SUBSCRIPTION_KEY_METADATA, input.key().as_str());
    Request::post(CREATE, "/api/v1/subscriptions")
        .path(["api", "v1", "subscriptions"])
        .json(&CreateBody {
            customer_external_id: customer,
            price_id: input.price_id().as_str(),
            trial_end,
            metadata,
        })
}

/// The subscription among `all` holding the input's key, if any: `Found` when it is for the input's price,
/// else a `Mismatch` naming it.
pub fn key_lookup(input: &NewSubscription, all: &[Subscription]) -> Lookup<Subscription> {
    let key = input.key().as_str();
    match all
        .iter()
        .find(|s| s.key.as_ref().is_some_and(|k| k.as_str() == key))
    {
        Some(s) if s.price_id.as_ref() == Some(input.price_id()) => Lookup::Found(s.clone()),
        Some(s) => Lookup::Mismatch {
            existing_id: Some(s.id.as_str().to_owned()),
        },
        None => Lookup::Missing,
    }
}

/// What the key lookup before the first attempt means: nothing holds the key (`Ok`), ours holds it
/// (`AlreadyExists` with it, as `ensure` expects), or another price's subscription holds it (`Conflict`: the key
/// was reused with other input).
pub fn existing(input: &NewSubscription, found: Lookup<Subscription>) -> Result<()> {
    match found {
        Lookup::Missing => Ok(()),
        Lookup::Found(s) => Err(Error::already_exists(
            format!(
                "a Flowglad subscription with key `{}` already exists",
                input.key()
            ),
            Some(s.id.as_str().to_owned()),
        )
        .with_existing(s)
        .with_provider(PROVIDER)
        .with_operation(CREATE)),
        Lookup::Mismatch { existing_id } => Err(reused(input, existing_id)),
    }
}

fn reused(input: &NewSubscription, existing_id: Option<String>) -> Error {
    Error::new(
        ErrorKind::Conflict,
        format!(
            "idempotency key reused with different input: `{}` is held by Flowglad subscription {} of another \
             price",
            input.key(),
            existing_id.as_deref().unwrap_or("?")
        ),
    )
    .with_provider(PROVIDER)
    .with_operation(CREATE)
}

/// After a `409` "already has an active subscription" (possibly this call's own retried success): ours (the
/// key) is success; the key on another price is a `Conflict`; another current subscription is
/// `AlreadyExists` naming it (finding 28); none leaves the 409 as it is.
pub fn after_conflict(
    input: &NewSubscription,
    e: Error,
    all: &[Subscription],
    current: &[Subscription],
) -> Result<Subscription> {
    match key_lookup(input, all) {
        Lookup::Found(s) => Ok(s),
        Lookup::Mismatch { existing_id } => Err(reused(input, existing_id).with_source(e)),
        Lookup::Missing => match current.first() {
            Some(other) => Err(Error::already_exists(
                "the Flowglad customer already has a current subscription that is not this create's",
                Some(other.id.as_str().to_owned()),
            )
            .with_existing(other.clone())
            .with_provider(PROVIDER)
            .with_operation(CREATE)
            .with_source(e)),
            None => Err(e),
        },
    }
}

/// `GET /api/v1/subscriptions/{id}`.
pub fn get_request(id: &SubscriptionId) -> Request {
    Request::get("subscriptions.get", "/api/v1/subscriptions/{id}").path([
        "api",
        "v1",
        "subscriptions",
        id.as_str(),
    ])
}

/// `GET /api/v1/subscriptions?limit&cursor`; a customer filter is `Unsupported` (the list has none: read the
/// customer's through its billing).
pub fn list_request(query: &SubscriptionListQuery) -> Result<Request> {
    if query.customer.is_some() {
        return Err(Error::unsupported(
            PROVIDER,
            "listing subscriptions by customer",
        ));
    }
    pagination::with_page(
        Request::get("subscriptions.list", "/api/v1/subscriptions").path([
            "api",
            "v1",
            "subscriptions",
        ]),
        query.limit,
        query.cursor.as_ref(),
        query.fingerprint(),
    )
}

/// `POST /api/v1/subscriptions/{id}/cancel`; a cancel at a date is `Unsupported`.
pub fn cancel_request(id: &SubscriptionId, options: &CancelOptions) -> Result<Request> {
    let timing = match options.timing {
        CancelTiming::Immediately => "immediately",
        CancelTiming::AtPeriodEnd => "at_end_of_current_billing_period",
        CancelTiming::At(_) => {
            return Err(Error::unsupported(PROVIDER, "a cancel at a date").with_operation(CANCEL));
        }
    };
    Request::post(CANCEL, "/api/v1/subscriptions/{id}/cancel")
        .path(["api", "v1", "subscriptions", id.as_str(), "cancel"])
        .json(&CancelBody {
            cancellation: Timing { timing },
        })
}

/// `POST /api/v1/subscriptions/{id}/uncancel` `{}`.
pub fn uncancel_request(id: &SubscriptionId) -> Result<Request> {
    Request::post(UNCANCEL, "/api/v1/subscriptions/{id}/uncancel")
        .path(["api", "v1", "subscriptions", id.as_str(), "uncancel"])
        .json(&serde_json::json!({}))
}

/// `POST /api/v1/subscriptions/{id}/adjust` to `price_id`, now, quantity 1, prorated (Flowglad's default).
pub fn adjust_request(id: &SubscriptionId, price_id: &PriceId) -> Result<Request> {
    if price_id.as_str().is_empty() {
        return Err(Error::invalid_field("price_id", "must not be empty"));
    }
    Request::post(CHANGE_PRICE, "/api/v1/subscriptions/{id}/adjust")
        .path(["api", "v1", "subscriptions", id.as_str(), "adjust"])
        .json(&AdjustBody {
            adjustment: Adjustment {
                timing: "immediately",
                new_subscription_items: vec![TerseItem {
                    price_id: price_id.as_str(),
                    quantity: 1,
                }],
            },
        })
}

/// The answer of create, get, cancel, uncancel and adjust: `{"subscription": …, …}`.
pub fn decode_subscription(response: Response) -> Result<Subscription> {
    let envelope: SubscriptionEnvelope = response.json()?;
    wire::subscription(envelope.subscription)
}

/// One list page, statuses filtered here (pages may come out short).
pub fn decode_subscription_page(
    response: Response,
    query: &SubscriptionListQuery,
) -> Result<Page<Subscription>> {
    pagination::decode_page(&response, query.fingerprint(), wire::subscription, |s| {
        query.statuses.is_empty() || query.statuses.contains(&s.status)
    })
}

/// Uncancel's end state: a canceled subscription cannot come back (`Conflict`); anything else is the answer.
pub fn uncanceled(s: Subscription) -> Result<Subscription> {
    if s.status == SubscriptionStatus::Canceled {
        return Err(Error::new(
            ErrorKind::Conflict,
            format!(
                "the Flowglad subscription `{}` is canceled: it cannot be uncanceled",
                s.id
            ),
        )
        .with_provider(PROVIDER)
        .with_operation(UNCANCEL));
    }
    Ok(s)
}
