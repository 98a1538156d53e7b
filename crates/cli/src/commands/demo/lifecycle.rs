//! The billing lifecycle of `unibill demo` (lifecycle.md §1): a meter and two features, a product with a
//! monthly price and a usage price granting both, a subscription, 1,500 usage events sent three times, the
//! entitlements, the period's invoice, then cancel at period end, uncancel and cancel now, and what the
//! period was billed in the end. A provider that
//! offers none of the lifecycle resources is `not offered` (read from its capabilities); a step it does not
//! offer shows `unsupported` and ends its flow. What a provider's capabilities say it cannot do is left out of
//! its flow and said in the cell: Flowglad has no metered features (so no metered grant and no usage in its
//! entitlements), and its invoices are read-only (issued by its own billing runs, none on the emulator).

use unibill::{
    Aggregation, Billing, CancelOptions, Currency, CustomerRef, CustomersExt, Decimal,
    EntitlementKind, Error, ErrorKind, FeatureKind, FeaturesExt, FieldRule, Grant, IdempotencyKey,
    IngestReport, InvoiceListQuery, InvoiceStatus, Limit, MetersExt, Money, NewCustomer,
    NewFeature, NewMeter, NewPrice, NewSubscription, PackageRounding, PriceKind, Resource,
    SubscriptionsExt, UsageEvent,
};

use super::{Flow, Steps, attempt, label};
use crate::commands::providers::lifecycle::offered;

/// The tables the flow's steps are shown in, each with its steps in order.
pub const TABLES: [(&str, &[&str]); 4] = [
    (
        "meters & features",
        &["meter", "features", "prices", "grants"],
    ),
    (
        "subscriptions",
        &["customer", "subscribe", "subscribe again"],
    ),
    (
        "usage & entitlements",
        &["usage", "entitlement api_calls", "entitlement sso"],
    ),
    (
        "invoices & cancel",
        &[
            "invoice",
            "cancel at period end",
            "uncancel",
            "cancel now",
            "billed",
        ],
    ),
];

/// The events sent (each re-sent twice more, with the same keys and times).
pub const EVENTS: usize = 1_500;

/// The usage limit granted on `api_calls`.
const LIMIT: u32 = 10_000;

/// The Flexprice emulator's clock (it starts at 2026-08-22 and moves a second a write), so the flow's usage
/// falls in the subscription's period there.
#[derive(Debug)]
pub struct EmulatorClock(
    pub std::sync::Arc<unibill_testkit::emulators::flexprice::FlexpriceEmulator>,
);

impl unibill::Clock for EmulatorClock {
    fn now(&self) -> std::time::SystemTime {
        std::time::SystemTime::from(self.0.now())
    }
}

/// Whether `billing` offers any lifecycle resource (else its columns say `not offered`).
pub fn is_offered(billing: &Billing) -> bool {
    let caps = billing.capabilities();
    Resource::LIFECYCLE
        .into_iter()
        .any(|l| offered(l, &caps).is_some())
}

/// An entitlement of `api_calls`: its usage against its limit.
fn metered_cell(kind: &EntitlementKind) -> String {
    match kind {
        EntitlementKind::Metered { limit, used, .. } => format!(
            "used {} of {}",
            used.map_or_else(|| "?".to_owned(), |u| u.to_string()),
            match limit {
                Limit::Finite(l) => l.to_string(),
                Limit::Unlimited => "unlimited".to_owned(),
                Limit::Unknown => "?".to_owned(),
            }
        ),
        other => label(other),
    }
}

/// Sends `events` in batches of the provider's `max_batch_events`, merging the reports.
async fn ingest(billing: &Billing, events: &[UsageEvent]) -> unibill::Result<IngestReport> {
    let usage = billing.usage();
    let batch = usage.capabilities().max_batch_events.max(1) as usize;
    let mut all = IngestReport::new();
    for chunk in events.chunks(batch) {
        for (k, o) in usage.ingest(chunk.to_vec()).await?.into_entries() {
            all.push(k, o);
        }
    }
    Ok(all)
}

/// Runs the flow on `billing`, its prices on `product`, its usage events stamped with `clock` (the
/// provider's time; `None`: the system's).
pub async fn flow(billing: &Billing, product: &str, clock: Option<&dyn unibill::Clock>) -> Steps {
    let mut f = Flow::new();

    let input = attempt!(
        f,
        "meter",
        NewMeter::builder("api_calls", "API calls", Aggregation::Sum).build()
    );
    let caps = billing.capabilities();
    // A meter already holding the key under another name (Flowglad's emulator seeds `api_calls`) is a
    // conflict for `ensure`; the demo then uses that meter, and says so.
    let (meter, held) = match billing.meters().ensure(input).await {
        Ok(m) => (m.into_inner(), ""),
        Err(e) if e.kind() == ErrorKind::Conflict => (
            attempt!(
                f,
                "meter",
                billing.meters().get_by_key("api_calls".into()).await
            ),
            ", already held under another name",
        ),
        Err(e) => return f.fail("meter", &e),
    };
    f.ok(
        "meter",
        format!("{} ({}{held})", meter.key, meter.aggregation.name()),
    );
    let metered = caps.features.kinds.metered;

    let features = billing.features();
    let calls = attempt!(
        f,
        "features",
        NewFeature::builder("api_calls", "API calls", FeatureKind::metered("api_calls")).build()
    );
    let sso = attempt!(
        f,
        "features",
        NewFeature::builder("sso", "Single sign-on", FeatureKind::Boolean).build()
    );
    let calls = if metered {
        let calls = attempt!(f, "features", features.ensure(calls).await).into_inner();
        format!("{} ({})", calls.key, calls.kind.name())
    } else {
        format!("{} (metered): not offered", calls.key())
    };
    let sso = attempt!(f, "features", features.ensure(sso).await).into_inner();
    f.ok(
        "features",
        format!("{calls}, {} ({})", sso.key, sso.kind.name()),
    );

    let prices = billing.prices();
    let usd = |a: &str| Money::parse(a, Currency::USD);
    let monthly = attempt!(f, "prices", usd("29.00"));
    let per_10 = attempt!(f, "prices", usd("0.02"));
    let pro = attempt!(
        f,
        "prices",
        NewPrice::builder(PriceKind::recurring(unibill::Interval::monthly()), monthly)
            .product_id(product)
            .name("Pro monthly")
            .build()
    );
    let meter_id = meter
        .id
        .as_ref()
        .map_or_else(|| meter.key.clone(), |id| id.as_str().to_owned());
    // Flowglad's usage prices hang off the meter, not a product.
    let mut usage_price = NewPrice::builder(
        PriceKind::usage(unibill::Interval::monthly(), meter_id),
        per_10,
    )
    .package(10, PackageRounding::Up)
    .name("API calls");
    if caps.prices.product_id.usage != FieldRule::Forbidden {
        usage_price = usage_price.product_id(product);
    }
    let usage_price = attempt!(f, "prices", usage_price.build());
    let pro = attempt!(f, "prices", prices.create(pro).await);
    let usage_price = attempt!(f, "prices", prices.create(usage_price).await);
    f.ok(
        "prices",
        format!(
            "{} / month + {} per 10 calls",
            pro.unit_amount, usage_price.unit_amount
        ),
    );

    let grant_calls = attempt!(
        f,
        "grants",
        Grant::builder("api_calls", product)
            .limit(Limit::Finite(LIMIT.into()))
            .build()
    );
    let grant_sso = attempt!(f, "grants", Grant::builder("sso", product).build());
    if metered {
        attempt!(f, "grants", features.grant(grant_calls).await);
    }
    attempt!(f, "grants", features.grant(grant_sso).await);
    f.ok(
        "grants",
        if metered {
            format!("api_calls ≤ {LIMIT}, sso → the product")
        } else {
            "api_calls: not offered, sso → the product".to_owned()
        },
    );

    let ada = attempt!(
        f,
        "customer",
        NewCustomer::builder("lifecycle-ada", "Ada Lovelace")
            .email("ada@example.com")
            .build()
    );
    let ada = attempt!(f, "customer", billing.customers().ensure(ada).await).into_inner();
    f.ok("customer", ada.external_id.clone());

    let subscriptions = billing.subscriptions();
    let key = IdempotencyKey::derive("unibill-demo", &["lifecycle-ada", pro.id.as_str()]);
    let input = attempt!(
        f,
        "subscribe",
        NewSubscription::builder(CustomerRef::external_id(&ada.external_id), pro.id.clone())
            .key(key)
            .build()
    );
    let sub = attempt!(f, "subscribe", subscriptions.create(input.clone()).await);
    f.ok("subscribe", label(&sub.status));
    let again = attempt!(f, "subscribe again", subscriptions.ensure(input).await);
    f.ok(
        "subscribe again",
        if again.get().id == sub.id {
            "same key → same subscription".to_owned()
        } else {
            format!("{} FAILED: a second subscription", super::FAILED)
        },
    );

    let mut events = Vec::with_capacity(EVENTS);
    for i in 0..EVENTS {
        let key = IdempotencyKey::derive("unibill-demo", &["api_calls", &i.to_string()]);
        let event = UsageEvent::builder(&ada.external_id, "api_calls", 1.into()).key(key);
        let event = attempt!(
            f,
            "usage",
            match clock {
                Some(clock) => event.build_at(clock.timestamp()),
                None => event.build(),
            }
        );
        events.push(event);
    }
    let first = attempt!(f, "usage", ingest(billing, &events).await);
    let mut duplicates = 0;
    for _ in 0..2 {
        let again = attempt!(f, "usage", ingest(billing, &events).await);
        duplicates += again.duplicates();
        if !again.all_succeeded() {
            return f.fail(
                "usage",
                &Error::new(ErrorKind::Provider, "a re-send was not taken"),
            );
        }
    }
    if !first.all_succeeded() {
        let why = first
            .iter()
            .find_map(|(_, o)| o.error())
            .map_or_else(|| "not recorded".to_owned(), ToString::to_string);
        return f.fail("usage", &Error::new(ErrorKind::Provider, why));
    }
    f.ok(
        "usage",
        format!(
            "{EVENTS} events sent 3×: {} counted, {duplicates} duplicates",
            first.recorded() + first.accepted()
        ),
    );

    let entitlements = billing.entitlements();
    if metered {
        let e = attempt!(
            f,
            "entitlement api_calls",
            entitlements
                .check(ada.external_id.clone(), "api_calls".to_owned())
                .await
        );
        f.ok("entitlement api_calls", metered_cell(&e.kind));
    } else {
        f.ok("entitlement api_calls", "not offered (no metered features)");
    }
    let e = attempt!(
        f,
        "entitlement sso",
        entitlements
            .check(ada.external_id.clone(), "sso".to_owned())
            .await
    );
    f.ok(
        "entitlement sso",
        match &e.kind {
            EntitlementKind::Boolean { enabled: true } => "enabled".to_owned(),
            EntitlementKind::Boolean { enabled: false } => "disabled".to_owned(),
            other => label(other),
        },
    );

    let invoices = attempt!(
        f,
        "invoice",
        billing
            .invoices()
            .list(InvoiceListQuery::new().subscription_id(sub.id.clone()))
            .await
    );
    let arrears = !billing.capabilities().invoices.running_period_usage;
    let read_only = !caps.invoices.finalize && !caps.invoices.void;
    match invoices.items.last() {
        Some(i) => f.ok(
            "invoice",
            format!(
                "{} · total {}{}",
                label(&i.status),
                i.total
                    .as_ref()
                    .map_or_else(|| "not reported".to_owned(), ToString::to_string),
                if arrears {
                    " (usage billed at the period's end)"
                } else {
                    ""
                }
            ),
        ),
        // Read-only invoices come from the provider's own billing runs (the Flowglad emulator runs none).
        None if read_only => f.ok(
            "invoice",
            "none listed (read-only: issued by the provider's billing runs)",
        ),
        None => return f.fail("invoice", &Error::not_found("no invoice for the period")),
    }

    let s = attempt!(
        f,
        "cancel at period end",
        subscriptions
            .cancel(sub.id.clone(), CancelOptions::at_period_end())
            .await
    );
    f.ok("cancel at period end", label(&s.status));
    let s = attempt!(f, "uncancel", subscriptions.uncancel(sub.id.clone()).await);
    f.ok("uncancel", label(&s.status));
    let s = attempt!(
        f,
        "cancel now",
        subscriptions
            .cancel(sub.id.clone(), CancelOptions::immediately())
            .await
    );
    f.ok("cancel now", label(&s.status));

    // What the period was billed, once it is closed: memory's finalized invoice, or Flexprice's opening
    // invoice plus the cancel's final one (its usage).
    let invoices = attempt!(
        f,
        "billed",
        billing
            .invoices()
            .list(InvoiceListQuery::new().subscription_id(sub.id.clone()))
            .await
    );
    let billed: Vec<_> = invoices
        .items
        .iter()
        .filter(|i| i.status != InvoiceStatus::Void)
        .collect();
    let total = billed
        .iter()
        .map(|i| i.total.as_ref().map(|t| t.amount))
        .sum::<Option<Decimal>>();
    f.ok(
        "billed",
        match total {
            _ if billed.is_empty() => "no invoice listed".to_owned(),
            Some(t) => format!(
                "{} over {} invoice(s)",
                Money::new(
                    t,
                    billed.first().map_or(Currency::USD, |i| i.currency.clone())
                ),
                billed.len()
            ),
            None => format!("{} invoice(s), total not reported", billed.len()),
        },
    );
    f.steps
}
