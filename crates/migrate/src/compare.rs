//! Field-by-field comparison of a source object and its copy, through the neutral read models, with the known
//! differences declared in [`KNOWN_DIFFERENCES`].

use serde::Serialize;
use unibill_core::{
    Customer, Metadata, Price, PriceKind, RESERVED_METADATA_PREFIX, Subscription,
    SubscriptionStatus, Timestamp,
};

use crate::translate::{MeterMap, destination_meter};

/// What is deliberately not compared, and why: the report prints it, so that "clean" means exactly this.
pub const KNOWN_DIFFERENCES: &[&str] = &[
    "ids, provider names, created/updated times and raw bodies: each provider assigns its own",
    "a price's product id: compared with the destination product the ledger maps the source product to \
     (none where the destination forbids a product for that kind of price)",
    "a usage price's meter id: compared through the meter map",
    "an optional field the source leaves empty: the destination may fill its own default (name, default flag)",
    "a source provider's own default where the destination cannot store the field: Flexprice's customer time \
     zone `UTC` (Flexprice sets it on every customer made without one) is not carried to a destination \
     without time zones",
    "a price's default flag: each provider sets its own (not carried)",
    "metadata: every key of the source must be on the destination with the same value; keys under the \
     reserved `unibill:` prefix and keys only the destination has are not compared",
    "a subscription's status and period: the destination starts where the source's paid period ends, so it \
     is compared with that instant (its current period's start; its trial's end where the destination \
     takes a later start as a trial, Flowglad, and then reads `trialing`), and is expected `active` (or \
     `trialing` so) and not scheduled to cancel; the source is expected scheduled to cancel at that instant \
     once the migration set it so (or canceled there, once it passed)",
    "times are compared to the millisecond, the finest unit every provider keeps",
    "a subscription's customer: compared by external id, through whichever id each side's read names it by",
    "a subscription's price: compared with the destination price the ledger maps the source price to",
];

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The field, as the neutral model names it.
    pub field: String,
    /// Its value on the source.
    pub source: String,
    /// Its value on the destination.
    pub destination: String,
}

fn push<T: std::fmt::Debug + PartialEq>(out: &mut Vec<Difference>, field: &str, s: &T, d: &T) {
    if s != d {
        out.push(Difference {
            field: field.to_owned(),
            source: format!("{s:?}"),
            destination: format!("{d:?}"),
        });
    }
}

fn push_set<T: std::fmt::Debug + PartialEq>(
    out: &mut Vec<Difference>,
    field: &str,
    s: &Option<T>,
    d: &Option<T>,
) {
    if s.is_some() {
        push(out, field, s, d);
    }
}

fn metadata(out: &mut Vec<Difference>, s: &Metadata, d: &Metadata) {
    for (k, v) in s.iter() {
        if k.starts_with(RESERVED_METADATA_PREFIX) {
            continue;
        }
        let have = d.get(k);
        if have != Some(v) {
            out.push(Difference {
                field: format!("metadata.{k}"),
                source: format!("{v:?}"),
                destination: format!("{have:?}"),
            });
        }
    }
}

/// How `destination` differs from `source`.
pub fn customers(source: &Customer, destination: &Customer) -> Vec<Difference> {
    let mut out = Vec::new();
    push(
        &mut out,
        "external_id",
        &source.external_id,
        &destination.external_id,
    );
    push(&mut out, "name", &source.name, &destination.name);
    push_set(&mut out, "email", &source.email, &destination.email);
    push_set(&mut out, "contact", &source.contact, &destination.contact);
    push_set(&mut out, "address", &source.address, &destination.address);
    push_set(
        &mut out,
        "time_zone",
        &source.time_zone,
        &destination.time_zone,
    );
    metadata(&mut out, &source.metadata, &destination.metadata);
    out
}

/// How `destination` differs from `source`, its product expected to be `product` and its meter mapped through
/// `meters`.
pub fn prices(
    source: &Price,
    destination: &Price,
    product: Option<&str>,
    meters: &MeterMap,
) -> Vec<Difference> {
    let mut out = Vec::new();
    let want_kind = match &source.kind {
        PriceKind::Usage { interval, meter_id } => PriceKind::Usage {
            interval: *interval,
            meter_id: destination_meter(meters, meter_id).to_owned(),
        },
        other => other.clone(),
    };
    push(&mut out, "kind", &want_kind, &destination.kind);
    push(
        &mut out,
        "unit_amount",
        &source.unit_amount,
        &destination.unit_amount,
    );
    push(
        &mut out,
        "currency",
        &source.currency,
        &destination.currency,
    );
    push(&mut out, "scheme", &source.scheme, &destination.scheme);
    push(
        &mut out,
        "product_id",
        &product,
        &destination.product_id.as_deref(),
    );
    push_set(&mut out, "name", &source.name, &destination.name);
    push(&mut out, "slug", &source.slug, &destination.slug);
    push_set(
        &mut out,
        "description",
        &source.description,
        &destination.description,
    );
    push_set(
        &mut out,
        "setup_fee",
        &source.setup_fee,
        &destination.setup_fee,
    );
    push(&mut out, "active", &source.active, &destination.active);
    metadata(&mut out, &source.metadata, &destination.metadata);
    out
}

/// What a destination subscription is expected to be.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExpectedSubscription<'a> {
    /// Its key (derived from the source id).
    pub key: &'a str,
    /// Its customer's external id.
    pub customer_external_id: &'a str,
    /// The customer's external id as the destination read names it (resolved through its ids).
    pub destination_customer: Option<&'a str>,
    /// The destination price the ledger maps the source price to.
    pub price_id: Option<&'a str>,
    /// Where it starts: the end of the source's paid period.
    pub start: Timestamp,
    /// Whether the destination takes a later start as a trial ending there.
    pub start_as_trial: bool,
}

fn ms(t: Option<Timestamp>) -> Option<i64> {
    t.map(|t| t.as_millisecond())
}

/// How `destination` differs from what the migration of `source` should have made.
pub(crate) fn subscriptions(
    source: &Subscription,
    destination: &Subscription,
    expected: &ExpectedSubscription<'_>,
) -> Vec<Difference> {
    let mut out = Vec::new();
    push(
        &mut out,
        "key",
        &Some(expected.key),
        &destination.key.as_ref().map(|k| k.as_str()),
    );
    push(
        &mut out,
        "customer",
        &Some(expected.customer_external_id),
        &expected.destination_customer,
    );
    push(
        &mut out,
        "price_id",
        &expected.price_id,
        &destination.price_id.as_ref().map(|p| p.as_str()),
    );
    let (status, start_field, start) = if expected.start_as_trial {
        (
            SubscriptionStatus::Trialing,
            "trial_end",
            ms(destination.trial_end),
        )
    } else {
        (
            SubscriptionStatus::Active,
            "current_period.start",
            ms(destination.current_period.map(|p| p.start())),
        )
    };
    push(&mut out, "status", &status, &destination.status);
    push(&mut out, start_field, &ms(Some(expected.start)), &start);
    push(&mut out, "cancel_at", &None, &ms(destination.cancel_at));
    if destination.interval.is_some() {
        push_set(
            &mut out,
            "interval",
            &source.interval,
            &destination.interval,
        );
    }
    if destination.currency.is_some() {
        push_set(
            &mut out,
            "currency",
            &source.currency,
            &destination.currency,
        );
    }
    metadata(&mut out, &source.metadata, &destination.metadata);
    out
}

/// How the source subscription differs from "set to cancel at the end of its paid period `at`" (or canceled
/// there, once it passed).
pub(crate) fn source_canceled(source: &Subscription, at: Timestamp) -> Vec<Difference> {
    let mut out = Vec::new();
    let ended = matches!(
        source.status,
        SubscriptionStatus::CancelScheduled | SubscriptionStatus::Canceled
    );
    if !ended {
        out.push(Difference {
            field: "source.status".into(),
            source: format!("{:?}", source.status),
            destination: "cancel_scheduled (set by the migration)".into(),
        });
    }
    let when = ms(source.cancel_at.or(source.canceled_at));
    if when != ms(Some(at)) {
        out.push(Difference {
            field: "source.cancel_at".into(),
            source: format!("{when:?}"),
            destination: format!("{:?}", ms(Some(at))),
        });
    }
    out
}
