//! Conformance of the billing lifecycle: meters, features, subscriptions, usage, entitlements and invoices,
//! together, through one [`Billing`] (they only make sense on one provider).
//!
//! Every behaviour makes its own meter, features, product, prices and customer with fresh keys from
//! [`Env::unique`], so the behaviours share nothing but the provider; products come from [`Env::product`]
//! (give the environment a factory, [`Env::with_product_factory`], when the provider's prices need an
//! existing product). Events are stamped with [`Env::now`]: give the environment the provider's clock
//! ([`Env::with_clock`], [`Env::with_time`], or [`Env::with_now`] when it cannot be moved) when it is not the
//! system's.
//!
//! The catalogue follows the provider's capabilities: without metered features it is the meter and its usage
//! price alone (the usage price off the product where the provider forbids one there), and where nothing reads
//! usage back the re-sent events must come back `Duplicate`. What cannot be expressed at all is asked for and
//! must be refused `Unsupported` before any request (a metered feature where none is made); every other gap is
//! a [`Checked::Skipped`] with its reason in the report.

use rust_decimal::Decimal;

use super::{Checked, Env, Report};
use crate::api::{
    Customers, Entitlements, Features, FeaturesExt, Invoices, Meters, MetersExt, Prices,
    Subscriptions, SubscriptionsExt, Usage,
};
use crate::billing::Billing;
use crate::capability::FieldRule;
use crate::error::ErrorKind;
use crate::id::{InvoiceId, PriceId, SubscriptionId};
use crate::model::customer::NewCustomer;
use crate::model::entitlement::EntitlementKind;
use crate::model::feature::{FeatureKind, Grant, Limit, NewFeature};
use crate::model::invoice::{Invoice, InvoiceListQuery, InvoiceStatus};
use crate::model::key::IdempotencyKey;
use crate::model::meter::{Aggregation, MeterListQuery, NewMeter};
use crate::model::price::{Interval, NewPrice, PackageRounding, Price, PriceKind};
use crate::model::subscription::{
    CancelOptions, CancelTiming, CustomerRef, NewSubscription, Subscription, SubscriptionListQuery,
    SubscriptionStatus,
};
use crate::model::usage::{IngestOutcome, UsageEvent};
use crate::money::{Currency, Money};

/// Decimal from a literal string (the suite's own amounts).
fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).expect("a decimal literal")
}

fn usd(s: &str) -> Money {
    Money::new(dec(s), Currency::USD)
}

/// Runs every lifecycle behaviour, in this order, and reports which passed and which were skipped.
pub async fn run_all(b: &Billing, env: &Env) -> Report {
    run_in_order!(
        "lifecycle",
        b,
        env,
        the_whole_flow,
        duplicate_key_for_every_create,
        batch_resent_whole_counts_once,
        one_bad_event_rejects_only_itself,
        cancel_twice_is_success,
        later_start_is_where_billing_begins,
        unlimited_limit_is_unlimited,
        invoice_totals_exact_to_the_minor_unit,
        period_end_bills_and_cancels,
        validation_before_io,
    )
}

/// What the flow needs the provider to offer, or why it does not apply. A metered feature is not needed: where
/// the provider cannot create one ([`FeatureKinds::metered`](crate::FeatureKinds::metered) false) the catalogue
/// is the meter and its usage price alone, and what reads a metered entitlement is checked only where it exists.
fn flow_needs(b: &Billing) -> Option<&'static str> {
    let c = b.capabilities();
    let ok = c.customers.create
        && c.prices.create
        && c.prices.kinds.recurring
        && c.prices.kinds.usage
        && c.meters.create
        && c.meters.aggregations.sum
        && c.features.create
        && c.features.grant
        && c.features.kinds.boolean
        && c.subscriptions.create
        && c.usage.ingest
        && c.entitlements.check;
    (!ok).then_some(
        "needs customers, recurring and usage prices, sum meters, boolean features with grants, \
         subscriptions, usage and entitlement checks",
    )
}

/// Whether the suite can read how much usage was counted: a metered feature on the meter, and entitlements that
/// report its usage.
fn reads_usage(b: &Billing) -> bool {
    let c = b.capabilities();
    c.features.kinds.metered && c.entitlements.reports_used
}

/// One behaviour's own catalogue: a sum meter, its metered feature (where the provider makes metered features),
/// a boolean feature, a product with a recurring price and a usage price (on the product unless the provider
/// forbids a usage price one), the grants, and a customer.
struct Catalogue {
    meter_key: String,
    metered_feature: Option<String>,
    boolean_feature: String,
    product: String,
    fixed: Price,
    usage: Price,
    customer: String,
}

/// The usage price: `rate` per unit, or per package of `package` units rounded up.
struct UsageRate<'a> {
    rate: &'a str,
    package: Option<u64>,
}

async fn catalogue(
    b: &Billing,
    env: &Env,
    label: &str,
    fixed_amount: &str,
    usage_rate: UsageRate<'_>,
    metered_limit: Limit,
) -> Catalogue {
    let meter_key = env.unique(&format!("{label}_calls"));
    let meter = b
        .meters()
        .ensure(
            NewMeter::builder(&meter_key, "API calls", Aggregation::Sum)
                .build()
                .expect("a valid meter"),
        )
        .await
        .expect("meters.create")
        .into_inner();
    assert_eq!(meter.key, meter_key, "a meter reads back with its key");
    let caps = b.capabilities();
    // Flexprice: a metered feature whose key is the meter's is the meter's carrier (`ensure` finds it).
    let metered_feature = caps.features.kinds.metered.then(|| meter_key.clone());
    if let Some(key) = &metered_feature {
        b.features()
            .ensure(
                NewFeature::builder(key, "API calls", FeatureKind::metered(&meter_key))
                    .build()
                    .expect("a valid feature"),
            )
            .await
            .expect("features.create (metered)");
    }
    let boolean_feature = env.unique(&format!("{label}_sso"));
    b.features()
        .create(
            NewFeature::builder(&boolean_feature, "Single sign-on", FeatureKind::Boolean)
                .build()
                .expect("a valid feature"),
        )
        .await
        .expect("features.create (boolean)");
    // Its own product, so no other behaviour's usage prices or grants ride along.
    let product = env
        .product(&format!("{label}_pro"))
        .await
        .as_str()
        .to_owned();
    let fixed = b
        .prices()
        .create(
            NewPrice::builder(PriceKind::recurring(Interval::monthly()), usd(fixed_amount))
                .product_id(&product)
                .name("Pro")
                .build()
                .expect("a valid recurring price"),
        )
        .await
        .expect("prices.create (recurring)");
    let meter_ref = meter
        .id
        .as_ref()
        .map_or(meter_key.clone(), |id| id.as_str().to_owned());
    let mut usage = NewPrice::builder(
        PriceKind::usage(Interval::monthly(), meter_ref),
        usd(usage_rate.rate),
    )
    .name("API calls");
    // Flowglad: a usage price belongs to its meter, never to a product.
    if caps.prices.product_id.usage != FieldRule::Forbidden {
        usage = usage.product_id(&product);
    }
    if let Some(units) = usage_rate.package {
        usage = usage.package(units, PackageRounding::Up);
    }
    let usage = b
        .prices()
        .create(usage.build().expect("a valid usage price"))
        .await
        .expect("prices.create (usage)");
    let metered_grant = metered_feature
        .as_ref()
        .map(|key| Grant::builder(key, product.as_str()).limit(metered_limit));
    let boolean_grant = Grant::builder(&boolean_feature, product.as_str());
    for grant in metered_grant.into_iter().chain([boolean_grant]) {
        b.features()
            .grant(grant.build().expect("a valid grant"))
            .await
            .expect("features.grant");
    }
    let customer = env.unique(&format!("{label}_ada"));
    b.customers()
        .create(
            NewCustomer::builder(&customer, "Ada Lovelace")
                .email("ada@example.com")
                .build()
                .expect("a valid customer"),
        )
        .await
        .expect("customers.create");
    Catalogue {
        meter_key,
        metered_feature,
        boolean_feature,
        product,
        fixed,
        usage,
        customer,
    }
}

impl Catalogue {
    fn subscription(&self, env: &Env, label: &str) -> NewSubscription {
        NewSubscription::builder(
            CustomerRef::external_id(&self.customer),
            self.fixed.id.clone(),
        )
        .key(IdempotencyKey::derive(
            "unibill.conformance",
            &[&env.unique(label)],
        ))
        .build()
        .expect("a valid subscription")
    }

    async fn subscribe(&self, b: &Billing, env: &Env, label: &str) -> Subscription {
        let sub = b
            .subscriptions()
            .create(self.subscription(env, label))
            .await
            .expect("subscriptions.create");
        assert!(
            matches!(
                sub.status,
                SubscriptionStatus::Active | SubscriptionStatus::Trialing
            ),
            "a new subscription is active or trialing, got {:?}",
            sub.status
        );
        sub
    }

    /// `n` events of `quantity`, keys derived from `label`, stamped with the environment's time.
    fn events(&self, env: &Env, label: &str, n: usize, quantity: &str) -> Vec<UsageEvent> {
        let scope = env.unique(label);
        (0..n)
            .map(|i| {
                UsageEvent::builder(&self.customer, &self.meter_key, dec(quantity))
                    .key(IdempotencyKey::derive(
                        "unibill.conformance.usage",
                        &[&scope, &i.to_string()],
                    ))
                    .build_at(env.now())
                    .expect("a valid event")
            })
            .collect()
    }

    /// The usage the metered entitlement reports (only where [`reads_usage`]).
    async fn used(&self, b: &Billing) -> Option<Decimal> {
        let feature = self
            .metered_feature
            .clone()
            .expect("usage is read only where the catalogue has a metered feature");
        let e = b
            .entitlements()
            .check(self.customer.clone(), feature)
            .await
            .expect("entitlements.check");
        match e.kind {
            EntitlementKind::Metered { used, .. } => used,
            other => panic!("a metered feature's entitlement is metered, got {other:?}"),
        }
    }
}

/// Sends `events` in batches the provider takes, each batch twice, asserting every answer succeeds.
async fn send_each_batch_twice(b: &Billing, events: &[UsageEvent]) {
    let caps = b.capabilities().usage;
    let size = (caps.max_batch_events as usize).clamp(1, 100);
    for batch in events.chunks(size) {
        for attempt in 0..2 {
            let report = b
                .usage()
                .ingest(batch.to_vec())
                .await
                .expect("usage.ingest");
            assert_eq!(report.len(), batch.len(), "one report entry per event");
            for (event, (key, outcome)) in batch.iter().zip(report.iter()) {
                assert_eq!(
                    key,
                    event.key(),
                    "the report is in input order, keyed by event"
                );
                assert!(
                    outcome.is_success(),
                    "attempt {attempt}: event {key} is {}: {:?}",
                    outcome.name(),
                    outcome.error()
                );
                if attempt == 1 && caps.reports_duplicates {
                    assert!(
                        matches!(outcome, IngestOutcome::Duplicate { .. }),
                        "a re-sent event is Duplicate, got {}",
                        outcome.name()
                    );
                }
            }
        }
    }
}

/// The invoice of the subscription's running period (on memory: its live draft).
async fn running_invoice(b: &Billing, sub: &Subscription) -> Option<Invoice> {
    let caps = b.capabilities().invoices;
    if !caps.list {
        return None;
    }
    let mut query = InvoiceListQuery::new();
    if caps.list_filter_subscription {
        query = query.subscription_id(sub.id.clone());
    }
    let page = b.invoices().list(query).await.expect("invoices.list");
    page.items.into_iter().find(|i| {
        i.subscription_id.as_ref() == Some(&sub.id)
            && i.status != InvoiceStatus::Void
            && (sub.current_period.is_none() || i.period == sub.current_period)
    })
}

/// Every invoice of the subscription but void ones, oldest first as the provider lists them.
async fn subscription_invoices(b: &Billing, sub: &Subscription) -> Vec<Invoice> {
    let caps = b.capabilities().invoices;
    let mut query = InvoiceListQuery::new();
    if caps.list_filter_subscription {
        query = query.subscription_id(sub.id.clone());
    }
    let page = b.invoices().list(query).await.expect("invoices.list");
    page.items
        .into_iter()
        .filter(|i| i.subscription_id.as_ref() == Some(&sub.id) && i.status != InvoiceStatus::Void)
        .collect()
}

fn line_amounts(invoice: &Invoice) -> Vec<Decimal> {
    invoice
        .lines
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|l| l.amount.as_ref().map(|a| a.amount))
        .collect()
}

/// Lifecycle §1, exactly: meter `api_calls` (sum), features `api_calls` (metered) and `sso` (boolean), product
/// Pro at 29.00 USD/month plus 0.02 USD per package of 10 calls granting both, customer ada, a keyed
/// subscription, 1,500 events with every batch re-sent (used 1,500), `sso` enabled, an invoice of
/// 29.00 + 150 × 0.02 = 32.00 USD, then cancel at period end → `CancelScheduled`, uncancel → `Active`, cancel
/// now → `Canceled`. Where usage is billed when the period closes
/// ([`InvoiceCapabilities::running_period_usage`](crate::InvoiceCapabilities::running_period_usage) false),
/// the running invoice is the 29.00 fee and the 32.00 is the fee plus the final invoice of the cancel now.
pub async fn the_whole_flow(b: &Billing, env: &Env) -> Checked {
    if let Some(why) = flow_needs(b) {
        return Checked::Skipped(why);
    }
    let caps = b.capabilities();
    let flow = catalogue(
        b,
        env,
        "flow",
        "29.00",
        UsageRate {
            rate: "0.02",
            package: Some(10),
        },
        Limit::Finite(dec("10000")),
    )
    .await;
    let input = flow.subscription(env, "flow_sub");
    let sub = b
        .subscriptions()
        .ensure(input.clone())
        .await
        .expect("subscriptions.ensure");
    assert!(sub.was_created(), "the first ensure creates");
    let sub = sub.into_inner();
    assert_eq!(
        sub.key.as_ref(),
        Some(input.key()),
        "the subscription keeps its key"
    );
    assert_eq!(
        sub.customer_external_id.as_deref(),
        Some(flow.customer.as_str())
    );
    assert_eq!(sub.price_id.as_ref(), Some(&flow.fixed.id));
    // A provider whose subscription record names only the price (Flowglad) reports no product.
    if let Some(product) = &sub.product_id {
        assert_eq!(product.as_str(), flow.product, "the price's product");
    }

    send_each_batch_twice(b, &flow.events(env, "flow_events", 1500, "1")).await;

    // Without a metered feature (the provider cannot make one) nothing reads the count back: the re-sends
    // answered `Duplicate` above where the provider reports duplicates.
    if let Some(metered) = &flow.metered_feature {
        let calls = b
            .entitlements()
            .check(flow.customer.clone(), metered.clone())
            .await
            .expect("entitlements.check (metered)");
        assert!(calls.access, "1,500 of 10,000 calls leave access");
        match calls.kind {
            EntitlementKind::Metered {
                limit,
                used,
                balance,
                ..
            } => {
                if caps.entitlements.reports_limit {
                    assert_eq!(limit, Limit::Finite(dec("10000")));
                }
                if caps.entitlements.reports_used {
                    assert_eq!(used, Some(dec("1500")), "every re-sent event counts once");
                }
                if let Some(balance) = balance {
                    assert_eq!(balance, dec("8500"));
                }
            }
            other => panic!("the metered feature's entitlement is metered, got {other:?}"),
        }
    }
    let sso = b
        .entitlements()
        .check(flow.customer.clone(), flow.boolean_feature.clone())
        .await
        .expect("entitlements.check (boolean)");
    assert_eq!(sso.kind, EntitlementKind::Boolean { enabled: true });
    assert!(sso.access);

    if caps.invoices.reports_total
        && !caps.invoices.running_period_usage
        && let Some(invoice) = running_invoice(b, &sub).await
    {
        // Usage is billed in arrears: the running period's invoice holds the fee in advance only.
        assert_eq!(invoice.currency, Currency::USD);
        assert_eq!(
            invoice.total,
            Some(usd("29.00")),
            "the fee in advance; the usage is billed when the period closes"
        );
        if caps.invoices.lines_on_get {
            assert_eq!(line_amounts(&invoice), [dec("29.00")]);
        }
    }
    if caps.invoices.reports_total
        && caps.invoices.running_period_usage
        && let Some(invoice) = running_invoice(b, &sub).await
    {
        assert_eq!(invoice.currency, Currency::USD);
        assert_eq!(invoice.total, Some(usd("32.00")), "29.00 + 150 × 0.02");
        if caps.invoices.lines_on_get {
            let mut amounts = line_amounts(&invoice);
            amounts.sort();
            assert_eq!(amounts, [dec("3.00"), dec("29.00")]);
            let usage_line = invoice
                .lines
                .as_deref()
                .unwrap_or_default()
                .iter()
                .find(|l| l.price_id.as_ref() == Some(&flow.usage.id))
                .expect("a line for the usage price");
            assert_eq!(usage_line.quantity, Some(dec("150")), "150 packages of 10");
        }
    }

    let subs = b.subscriptions();
    if caps.subscriptions.cancel && caps.subscriptions.cancel_timings.at_period_end {
        let scheduled = subs
            .cancel(sub.id.clone(), CancelOptions::at_period_end())
            .await
            .expect("cancel at period end");
        assert_eq!(scheduled.status, SubscriptionStatus::CancelScheduled);
        assert!(scheduled.cancel_at_period_end);
        if caps.subscriptions.uncancel {
            let back = subs.uncancel(sub.id.clone()).await.expect("uncancel");
            assert_eq!(back.status, SubscriptionStatus::Active);
            assert!(!back.cancel_at_period_end && back.cancel_at.is_none());
        }
    }
    if caps.subscriptions.cancel && caps.subscriptions.cancel_timings.immediately {
        let ended = subs
            .cancel(sub.id.clone(), CancelOptions::immediately())
            .await
            .expect("cancel now");
        assert_eq!(ended.status, SubscriptionStatus::Canceled);
        assert!(ended.canceled_at.is_some());
        if caps.invoices.reports_total
            && !caps.invoices.running_period_usage
            && caps.subscriptions.final_invoice_choice
            && caps.invoices.list
        {
            // The final invoice (the default `FinalInvoice::Generate`) bills the usage: the period's
            // invoices add up to 29.00 + 150 × 0.02.
            let billed: Vec<Invoice> = subscription_invoices(b, &sub).await;
            let total: Decimal = billed
                .iter()
                .map(|i| i.total.as_ref().expect("a reported total").amount)
                .sum();
            assert_eq!(
                Money::new(total, Currency::USD),
                usd("32.00"),
                "the fee in advance and the final invoice's usage: {billed:?}"
            );
            if caps.invoices.lines_on_get {
                let usage_line = billed
                    .iter()
                    .flat_map(|i| i.lines.as_deref().unwrap_or_default())
                    .find(|l| l.price_id.as_ref() == Some(&flow.usage.id))
                    .expect("a line for the usage price");
                assert_eq!(usage_line.amount, Some(usd("3.00")), "150 packages × 0.02");
            }
        }
    }
    Checked::Passed
}

/// Meters, features and subscriptions: the same create again is `Existing` through `ensure`; the same key
/// with other input is `Conflict`.
pub async fn duplicate_key_for_every_create(b: &Billing, env: &Env) -> Checked {
    if let Some(why) = flow_needs(b) {
        return Checked::Skipped(why);
    }
    let cat = catalogue(
        b,
        env,
        "dup",
        "10.00",
        UsageRate {
            rate: "0.01",
            package: None,
        },
        Limit::Unlimited,
    )
    .await;

    let meter = NewMeter::builder(&cat.meter_key, "API calls", Aggregation::Sum)
        .build()
        .expect("a valid meter");
    let again = b.meters().ensure(meter).await.expect("meters.ensure");
    assert!(!again.was_created(), "a meter's key is its natural key");
    assert_eq!(again.get().key, cat.meter_key);
    // Other input under the same key: another aggregation where the provider has one, else another name.
    let other = if b.capabilities().meters.aggregations.max {
        NewMeter::builder(&cat.meter_key, "API calls", Aggregation::Max)
    } else {
        NewMeter::builder(&cat.meter_key, "Other calls", Aggregation::Sum)
    }
    .build()
    .expect("a valid meter");
    let err = b.meters().ensure(other).await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Conflict,
        "same key, other aggregation or name: {err}"
    );

    let sso = NewFeature::builder(&cat.boolean_feature, "Single sign-on", FeatureKind::Boolean)
        .build()
        .expect("a valid feature");
    let again = b.features().ensure(sso).await.expect("features.ensure");
    assert!(!again.was_created(), "a feature's key is its natural key");
    let metered = NewFeature::builder(
        &cat.boolean_feature,
        "Single sign-on",
        FeatureKind::metered(&cat.meter_key),
    )
    .build()
    .expect("a valid feature");
    if b.capabilities().features.kinds.metered {
        let err = b.features().ensure(metered).await.unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Conflict,
            "same key, other kind: {err}"
        );
    } else {
        // A kind the provider does not make is refused as such, before anything is sent.
        let before = env.requests_seen();
        let err = b.features().ensure(metered).await.unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Unsupported,
            "a metered feature: {err}"
        );
        assert_eq!(env.requests_seen(), before, "refused before any request");
        let renamed =
            NewFeature::builder(&cat.boolean_feature, "Other sign-on", FeatureKind::Boolean)
                .build()
                .expect("a valid feature");
        let err = b.features().ensure(renamed).await.unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Conflict,
            "same key, other name: {err}"
        );
    }

    let input = cat.subscription(env, "dup_sub");
    let first = b
        .subscriptions()
        .ensure(input.clone())
        .await
        .expect("subscriptions.ensure");
    assert!(first.was_created());
    // A rebuilt input carrying the same key, as after a restart.
    let rebuilt = NewSubscription::builder(
        CustomerRef::external_id(&cat.customer),
        cat.fixed.id.clone(),
    )
    .key(input.key().clone())
    .build()
    .expect("a valid subscription");
    let again = b
        .subscriptions()
        .ensure(rebuilt)
        .await
        .expect("subscriptions.ensure again");
    assert!(
        !again.was_created(),
        "a key already used makes no second subscription"
    );
    assert_eq!(again.get().id, first.get().id);
    let second_price = b
        .prices()
        .create(
            NewPrice::builder(PriceKind::recurring(Interval::monthly()), usd("20.00"))
                .product_id(&cat.product)
                .build()
                .expect("a valid price"),
        )
        .await
        .expect("prices.create");
    let reused = NewSubscription::builder(CustomerRef::external_id(&cat.customer), second_price.id)
        .key(input.key().clone())
        .build()
        .expect("a valid subscription");
    let err = b.subscriptions().ensure(reused).await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Conflict,
        "a key reused with another price: {err}"
    );
    let caps = b.capabilities().subscriptions;
    if caps.list && caps.list_filter_customer {
        let mine = b
            .subscriptions()
            .list(SubscriptionListQuery::new().customer(CustomerRef::external_id(&cat.customer)))
            .await
            .expect("subscriptions.list");
        assert_eq!(mine.items.len(), 1, "one subscription for one key");
    }
    Checked::Passed
}

/// A batch sent three times whole counts each event once: the metered entitlement reports the usage once, or,
/// where nothing reads usage back (no metered feature, or entitlements that do not report usage), the provider
/// answers every re-sent event as a `Duplicate` of its first write.
pub async fn batch_resent_whole_counts_once(b: &Billing, env: &Env) -> Checked {
    if let Some(why) = flow_needs(b) {
        return Checked::Skipped(why);
    }
    let reads = reads_usage(b);
    if !reads && !b.capabilities().usage.reports_duplicates {
        return Checked::Skipped(
            "needs entitlements that report usage, or a provider that reports duplicates",
        );
    }
    let cat = catalogue(
        b,
        env,
        "resend",
        "10.00",
        UsageRate {
            rate: "0.01",
            package: None,
        },
        Limit::Unlimited,
    )
    .await;
    cat.subscribe(b, env, "resend_sub").await;
    let events = cat.events(env, "resend_events", 50, "2");
    for attempt in 0..3 {
        let report = b
            .usage()
            .ingest(events.clone())
            .await
            .expect("usage.ingest");
        assert!(report.all_succeeded(), "attempt {attempt}: {report:?}");
        if attempt > 0 && !reads {
            assert_all_duplicates(&report, "a re-sent batch");
        }
    }
    if reads {
        assert_eq!(
            cat.used(b).await,
            Some(dec("100")),
            "50 events of 2, however often sent"
        );
    }
    Checked::Passed
}

/// Every event of `report` is a `Duplicate`: the provider kept its first write.
fn assert_all_duplicates(report: &crate::model::usage::IngestReport, what: &str) {
    for (key, outcome) in report.iter() {
        assert!(
            matches!(outcome, IngestOutcome::Duplicate { .. }),
            "{what}: event {key} is {}, not Duplicate: {:?}",
            outcome.name(),
            outcome.error()
        );
    }
}

/// One event for an unknown meter and one for an unknown customer are `Rejected`; the others in the batch
/// are recorded, and the report is keyed by event key in input order.
pub async fn one_bad_event_rejects_only_itself(b: &Billing, env: &Env) -> Checked {
    if let Some(why) = flow_needs(b) {
        return Checked::Skipped(why);
    }
    let caps = b.capabilities();
    if !caps.usage.durable_on_ack {
        return Checked::Skipped(
            "the provider accepts events before it checks their meter and customer",
        );
    }
    let reads = reads_usage(b);
    if !reads && !caps.usage.reports_duplicates {
        return Checked::Skipped(
            "needs entitlements that report usage, or a provider that reports duplicates",
        );
    }
    let cat = catalogue(
        b,
        env,
        "poison",
        "10.00",
        UsageRate {
            rate: "0.01",
            package: None,
        },
        Limit::Unlimited,
    )
    .await;
    cat.subscribe(b, env, "poison_sub").await;
    let good = cat.events(env, "poison_good", 3, "5");
    let scope = env.unique("poison_bad");
    let bad = |customer: &str, meter: &str, n: &str| {
        UsageEvent::builder(customer, meter, dec("1"))
            .key(IdempotencyKey::derive(
                "unibill.conformance.usage",
                &[&scope, n],
            ))
            .build_at(env.now())
            .expect("a valid event")
    };
    let unknown_meter = bad(&cat.customer, &env.unique("no_such_meter"), "meter");
    let unknown_customer = bad(&env.unique("nobody"), &cat.meter_key, "customer");
    let batch = vec![
        good[0].clone(),
        unknown_meter.clone(),
        good[1].clone(),
        unknown_customer.clone(),
        good[2].clone(),
    ];
    let keys: Vec<_> = batch.iter().map(|e| e.key().clone()).collect();
    let report = b.usage().ingest(batch).await.expect("usage.ingest");
    let order: Vec<_> = report.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(order, keys, "one entry per event, in input order");
    for e in &good {
        assert!(report.get(e.key()).is_some_and(IngestOutcome::is_success));
    }
    for e in [&unknown_meter, &unknown_customer] {
        let outcome = report.get(e.key()).expect("an entry for the bad event");
        assert!(
            matches!(outcome, IngestOutcome::Rejected(_)),
            "a bad event is Rejected, got {}",
            outcome.name()
        );
    }
    if reads {
        assert_eq!(cat.used(b).await, Some(dec("15")), "the good events stand");
    } else {
        // Nothing reads usage back: the good events, sent again, are duplicates of what was recorded.
        let again = b.usage().ingest(good).await.expect("usage.ingest again");
        assert_all_duplicates(&again, "a good event of the batch, re-sent");
    }
    Checked::Passed
}

/// Cancelling a canceled subscription is success with the subscription as it is; so is scheduling the cancel
/// a subscription already has; a canceled subscription cannot be uncanceled.
pub async fn cancel_twice_is_success(b: &Billing, env: &Env) -> Checked {
    if let Some(why) = flow_needs(b) {
        return Checked::Skipped(why);
    }
    let caps = b.capabilities().subscriptions;
    if !(caps.cancel && caps.cancel_timings.immediately) {
        return Checked::Skipped("needs an immediate cancel");
    }
    let cat = catalogue(
        b,
        env,
        "cancel",
        "10.00",
        UsageRate {
            rate: "0.01",
            package: None,
        },
        Limit::Unlimited,
    )
    .await;
    let subs = b.subscriptions();
    if caps.cancel_timings.at_period_end {
        let sub = cat.subscribe(b, env, "cancel_scheduled").await;
        let once = subs
            .cancel(sub.id.clone(), CancelOptions::at_period_end())
            .await
            .expect("cancel at period end");
        let twice = subs
            .cancel(sub.id.clone(), CancelOptions::at_period_end())
            .await
            .expect("cancel at period end again");
        assert_eq!(twice.status, SubscriptionStatus::CancelScheduled);
        assert_eq!(twice.cancel_at, once.cancel_at, "the schedule stays");
    }
    let sub = cat.subscribe(b, env, "cancel_now").await;
    let once = subs
        .cancel(sub.id.clone(), CancelOptions::immediately())
        .await
        .expect("cancel");
    assert_eq!(once.status, SubscriptionStatus::Canceled);
    let twice = subs
        .cancel(sub.id.clone(), CancelOptions::immediately())
        .await
        .expect("a second cancel is success");
    assert_eq!(twice.status, SubscriptionStatus::Canceled);
    assert_eq!(
        twice.canceled_at, once.canceled_at,
        "the end state, unchanged"
    );
    if caps.cancel_timings.at_period_end {
        let later = subs
            .cancel(sub.id.clone(), CancelOptions::at_period_end())
            .await
            .expect("a scheduled cancel of a canceled subscription is success");
        assert_eq!(later.status, SubscriptionStatus::Canceled);
    }
    if caps.uncancel {
        let err = subs.uncancel(sub.id.clone()).await.unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Conflict,
            "uncancel of a canceled one: {err}"
        );
    }
    Checked::Passed
}

/// A later start ([`NewSubscriptionBuilder::start_at`](crate::NewSubscriptionBuilder::start_at)) is where
/// billing begins: the first period starts there, or, where the provider takes a later start as a trial
/// ([`SubscriptionCapabilities::start_at_as_trial`](crate::SubscriptionCapabilities::start_at_as_trial)), the
/// trial ends there (compared to the millisecond). Where it is not offered, it is `Unsupported` on `start_at`
/// before any request.
pub async fn later_start_is_where_billing_begins(b: &Billing, env: &Env) -> Checked {
    if let Some(why) = flow_needs(b) {
        return Checked::Skipped(why);
    }
    let caps = b.capabilities().subscriptions;
    let start = env.now() + jiff::SignedDuration::from_hours(24 * 30);
    if !caps.start_at {
        let input = NewSubscription::builder(CustomerRef::external_id("nobody"), "price_none")
            .start_at(start)
            .build()
            .expect("a valid subscription");
        let err = b.subscriptions().create(input).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
        assert_eq!(err.field_errors()[0].field, "start_at", "{err}");
        return Checked::Passed;
    }
    let cat = catalogue(
        b,
        env,
        "later_start",
        "10.00",
        UsageRate {
            rate: "0.01",
            package: None,
        },
        Limit::Unlimited,
    )
    .await;
    let input = NewSubscription::builder(
        CustomerRef::external_id(&cat.customer),
        cat.fixed.id.clone(),
    )
    .key(IdempotencyKey::derive(
        "unibill.conformance",
        &[&env.unique("later_start")],
    ))
    .start_at(start)
    .build()
    .expect("a valid subscription");
    let sub = b
        .subscriptions()
        .create(input)
        .await
        .expect("subscriptions.create with a later start");
    let ms = |t: Option<jiff::Timestamp>| t.map(|t| t.as_millisecond());
    if caps.start_at_as_trial {
        assert_eq!(sub.status, SubscriptionStatus::Trialing, "{sub:?}");
        assert_eq!(
            ms(sub.trial_end),
            ms(Some(start)),
            "the trial ends at the start"
        );
    } else {
        assert_eq!(
            ms(sub.current_period.map(|p| p.start())),
            ms(Some(start)),
            "the first period begins at the start: {sub:?}"
        );
        assert!(
            matches!(
                sub.status,
                SubscriptionStatus::Active | SubscriptionStatus::Trialing
            ),
            "{:?}",
            sub.status
        );
    }
    let read = b
        .subscriptions()
        .get(sub.id.clone())
        .await
        .expect("subscriptions.get");
    assert_eq!(
        read.current_period, sub.current_period,
        "read back the same"
    );
    Checked::Passed
}

/// A metered feature granted `Unlimited` reads as unlimited with access, never as a zero limit. Where the
/// provider makes no metered feature, asking for one is `Unsupported` before any request.
pub async fn unlimited_limit_is_unlimited(b: &Billing, env: &Env) -> Checked {
    if let Some(why) = flow_needs(b) {
        return Checked::Skipped(why);
    }
    let caps = b.capabilities();
    if !caps.features.kinds.metered {
        return metered_feature_is_refused(b, env).await;
    }
    if !(caps.features.unlimited && caps.entitlements.reports_limit) {
        return Checked::Skipped("needs unlimited grants and entitlements that report the limit");
    }
    let cat = catalogue(
        b,
        env,
        "unlimited",
        "10.00",
        UsageRate {
            rate: "0.01",
            package: None,
        },
        Limit::Unlimited,
    )
    .await;
    cat.subscribe(b, env, "unlimited_sub").await;
    let report = b
        .usage()
        .ingest(cat.events(env, "unlimited_events", 5, "1000"))
        .await
        .expect("usage.ingest");
    assert!(report.all_succeeded());
    let e = b
        .entitlements()
        .check(
            cat.customer.clone(),
            cat.metered_feature.clone().expect("a metered feature"),
        )
        .await
        .expect("entitlements.check");
    assert!(e.access, "unlimited gives access");
    match e.kind {
        EntitlementKind::Metered { limit, balance, .. } => {
            assert_eq!(limit, Limit::Unlimited, "never a zero limit");
            assert!(
                balance.is_none_or(|b| b > Decimal::ZERO),
                "an unlimited balance is never zero"
            );
        }
        other => panic!("a metered entitlement, got {other:?}"),
    }
    Checked::Passed
}

/// Where the provider makes no metered feature, the one an unlimited grant needs is `Unsupported`, refused
/// before any request, never made as something else.
async fn metered_feature_is_refused(b: &Billing, env: &Env) -> Checked {
    let key = env.unique("unlimited_calls");
    let metered = NewFeature::builder(&key, "API calls", FeatureKind::metered(&key))
        .build()
        .expect("a valid feature");
    let before = env.requests_seen();
    let err = b.features().create(metered).await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Unsupported,
        "a metered feature: {err}"
    );
    assert_eq!(env.requests_seen(), before, "refused before any request");
    Checked::Passed
}

/// An invoice's total is exactly the sum of its lines, to the minor unit: 19.99 + 7 × 0.01 = 20.06 USD, on
/// the running period's invoice, or, where usage is billed when the period closes
/// ([`InvoiceCapabilities::running_period_usage`](crate::InvoiceCapabilities::running_period_usage) false),
/// over the opening invoice and an immediate cancel's final one.
pub async fn invoice_totals_exact_to_the_minor_unit(b: &Billing, env: &Env) -> Checked {
    if let Some(why) = flow_needs(b) {
        return Checked::Skipped(why);
    }
    let caps = b.capabilities().invoices;
    if !(caps.list && caps.reports_total && caps.lines_on_get) {
        return Checked::Skipped("needs invoice lists that report totals and lines");
    }
    let cat = catalogue(
        b,
        env,
        "exact",
        "19.99",
        UsageRate {
            rate: "0.01",
            package: None,
        },
        Limit::Unlimited,
    )
    .await;
    let subs = b.capabilities().subscriptions;
    let closes_now = subs.cancel && subs.cancel_timings.immediately && subs.final_invoice_choice;
    if !caps.running_period_usage && !closes_now {
        return Checked::Skipped(
            "usage is billed when the period closes, and no immediate cancel issues a final invoice",
        );
    }
    let sub = cat.subscribe(b, env, "exact_sub").await;
    send_each_batch_twice(b, &cat.events(env, "exact_events", 7, "1")).await;
    // Where usage waits for the period's end, an immediate cancel's final invoice bills it.
    let billed = if caps.running_period_usage {
        let Some(invoice) = running_invoice(b, &sub).await else {
            return Checked::Skipped("the provider shows no invoice for a running period");
        };
        vec![invoice]
    } else {
        b.subscriptions()
            .cancel(sub.id.clone(), CancelOptions::immediately())
            .await
            .expect("cancel now, with the final invoice");
        subscription_invoices(b, &sub).await
    };
    let mut total = Decimal::ZERO;
    for invoice in &billed {
        let own = invoice.total.clone().expect("a reported total");
        let sum: Decimal = line_amounts(invoice).into_iter().sum();
        assert_eq!(
            own.amount, sum,
            "the total is the sum of the lines, exactly"
        );
        total += own.amount;
    }
    let total = Money::new(total, Currency::USD);
    assert_eq!(total, usd("20.06"), "19.99 + 7 × 0.01 over {billed:?}");
    assert_eq!(total.to_minor_units().expect("whole cents"), 2006);
    // The invoice carrying the usage (the last one billed).
    let invoice = billed.last().expect("an invoice");
    if caps.finalize {
        let id: InvoiceId = invoice.id.clone();
        let open = b.invoices().finalize(id.clone()).await.expect("finalize");
        assert_eq!(open.status, InvoiceStatus::Open);
        assert_eq!(open.total, invoice.total, "finalizing keeps the amounts");
        let again = b
            .invoices()
            .finalize(id.clone())
            .await
            .expect("finalize again");
        assert_eq!(again.status, InvoiceStatus::Open, "idempotent by end state");
        if caps.void {
            let void = b.invoices().void(id.clone()).await.expect("void");
            assert_eq!(void.status, InvoiceStatus::Void);
            let again = b.invoices().void(id).await.expect("void again");
            assert_eq!(again.status, InvoiceStatus::Void, "idempotent by end state");
        }
    }
    Checked::Passed
}

/// With time moving: a period's end opens the next period and finalizes its invoice (where invoice lists report
/// totals); a cancel at period end takes effect when the period ends.
pub async fn period_end_bills_and_cancels(b: &Billing, env: &Env) -> Checked {
    if let Some(why) = flow_needs(b) {
        return Checked::Skipped(why);
    }
    if !env.moves_time() {
        return Checked::Skipped("the environment cannot move time");
    }
    let caps = b.capabilities();
    if !caps.subscriptions.get {
        return Checked::Skipped("needs subscription reads");
    }
    let bills = caps.invoices.list && caps.invoices.reports_total;
    let cat = catalogue(
        b,
        env,
        "period",
        "29.00",
        UsageRate {
            rate: "0.02",
            package: Some(10),
        },
        Limit::Unlimited,
    )
    .await;
    let sub = cat.subscribe(b, env, "period_sub").await;
    let first = sub
        .current_period
        .expect("a running subscription has a period");
    send_each_batch_twice(b, &cat.events(env, "period_events", 25, "1")).await;
    env.advance(jiff::Span::new().months(1).hours(1));
    let renewed = b.subscriptions().get(sub.id.clone()).await.expect("get");
    assert_eq!(renewed.status, SubscriptionStatus::Active);
    let second = renewed.current_period.expect("a renewed period");
    assert_eq!(second.start(), first.end(), "periods follow each other");
    if bills {
        let invoices = b
            .invoices()
            .list(InvoiceListQuery::new().subscription_id(sub.id.clone()))
            .await
            .expect("invoices.list")
            .items;
        let closed = invoices
            .iter()
            .find(|i| i.period == Some(first))
            .expect("the first period's invoice");
        assert_eq!(
            closed.status,
            InvoiceStatus::Open,
            "a period's end finalizes its invoice"
        );
        assert_eq!(
            closed.total,
            Some(usd("29.06")),
            "29.00 + 3 packages × 0.02"
        );
    }
    if caps.subscriptions.cancel_timings.at_period_end {
        b.subscriptions()
            .cancel(sub.id.clone(), CancelOptions::at_period_end())
            .await
            .expect("cancel at period end");
        env.advance(jiff::Span::new().months(1).hours(1));
        let ended = b.subscriptions().get(sub.id.clone()).await.expect("get");
        assert_eq!(ended.status, SubscriptionStatus::Canceled);
        assert_eq!(
            ended.canceled_at,
            Some(second.end()),
            "canceled when the period ended"
        );
    }
    Checked::Passed
}

/// Invalid input and what the provider does not offer are refused before anything reaches it.
pub async fn validation_before_io(b: &Billing, env: &Env) -> Checked {
    let Some(before) = env.requests_seen() else {
        return Checked::Skipped("the environment does not count requests");
    };
    let caps = b.capabilities();
    assert!(
        NewMeter::builder("api calls", "x", Aggregation::Sum)
            .build()
            .is_err()
    );
    assert!(
        UsageEvent::builder("ada", "api_calls", dec("-1"))
            .build()
            .is_err()
    );
    assert!(
        Grant::builder("sso", "pro")
            .limit(Limit::Unknown)
            .build()
            .is_err()
    );
    let invalid = |e: crate::Error, field: &str| {
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert_eq!(e.field_errors()[0].field, field, "{e}");
    };
    if caps.meters.list {
        invalid(
            b.meters()
                .list(MeterListQuery::new().limit(0))
                .await
                .unwrap_err(),
            "limit",
        );
    }
    if caps.subscriptions.get {
        invalid(
            b.subscriptions()
                .get(SubscriptionId::new(""))
                .await
                .unwrap_err(),
            "id",
        );
    }
    if caps.subscriptions.change_price {
        invalid(
            b.subscriptions()
                .change_price(SubscriptionId::new("sub_1"), PriceId::new(""))
                .await
                .unwrap_err(),
            "price_id",
        );
    }
    if caps.invoices.list {
        invalid(
            b.invoices()
                .list(InvoiceListQuery::new().limit(0))
                .await
                .unwrap_err(),
            "limit",
        );
    }
    if caps.entitlements.check {
        invalid(
            b.entitlements()
                .check(String::new(), "sso".into())
                .await
                .unwrap_err(),
            "customer_external_id",
        );
    }
    if caps.usage.ingest {
        let too_many = (0..=caps.usage.max_batch_events)
            .map(|_| {
                UsageEvent::builder("ada", "api_calls", Decimal::ONE)
                    .build_at(env.now())
                    .expect("a valid event")
            })
            .collect();
        invalid(b.usage().ingest(too_many).await.unwrap_err(), "events");
    }
    if caps.subscriptions.cancel && !caps.subscriptions.prorate {
        let err = b
            .subscriptions()
            .cancel(
                SubscriptionId::new("sub_1"),
                CancelOptions::immediately().prorate(true),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    }
    if caps.subscriptions.cancel && !caps.subscriptions.cancel_timings.at {
        let at = CancelOptions::new(CancelTiming::At(env.now()));
        let err = b
            .subscriptions()
            .cancel(SubscriptionId::new("sub_1"), at)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    }
    assert_eq!(
        env.requests_seen(),
        Some(before),
        "nothing may reach the provider for invalid input"
    );
    Checked::Passed
}
