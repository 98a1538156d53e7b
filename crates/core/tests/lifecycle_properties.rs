//! Properties of the memory lifecycle: re-sent batches in any interleaving count each key once, and an
//! invoice's total is exactly the sum of its lines (and of the rating rule).

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use rust_decimal::Decimal;
use unibill_core::{
    Aggregation, Billing, Clock, Currency, CustomerRef, Customers, EntitlementKind, Entitlements,
    FeatureKind, Features, Grant, IdempotencyKey, Interval, InvoiceListQuery, Invoices,
    ManualClock, Meters, Money, NewCustomer, NewFeature, NewMeter, NewPrice, NewSubscription,
    PackageRounding, PriceKind, Prices, RequestCounter, Subscriptions, Timestamp, Trial, Usage,
    UsageEvent,
};

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(f)
}

/// A memory bundle on a manual clock with meter `calls` (sum), feature `calls` granted to product `pro`,
/// customer `ada`, and a subscription of ada to `fixed` per month (+ the usage price, when given).
async fn set_up(fixed: Decimal, usage: Option<(Decimal, Option<u64>)>) -> (Billing, ManualClock) {
    let clock = ManualClock::new("2026-01-01T00:00:00Z".parse::<Timestamp>().unwrap());
    let billing = Billing::memory_on(Arc::new(clock.clone()), RequestCounter::new());
    let meter = billing
        .meters()
        .create(
            NewMeter::builder("calls", "Calls", Aggregation::Sum)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    billing
        .features()
        .create(
            NewFeature::builder("calls", "Calls", FeatureKind::metered("calls"))
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    billing
        .features()
        .grant(Grant::builder("calls", "pro").build().unwrap())
        .await
        .unwrap();
    let usd = |a| Money::new(a, Currency::USD);
    let price = billing
        .prices()
        .create(
            NewPrice::builder(PriceKind::recurring(Interval::monthly()), usd(fixed))
                .product_id("pro")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    if let Some((rate, package)) = usage {
        let mut b = NewPrice::builder(
            PriceKind::usage(Interval::monthly(), meter.id.unwrap().into_string()),
            usd(rate),
        )
        .product_id("pro");
        if let Some(units) = package {
            b = b.package(units, PackageRounding::Up);
        }
        billing.prices().create(b.build().unwrap()).await.unwrap();
    }
    billing
        .customers()
        .create(NewCustomer::builder("ada", "Ada").build().unwrap())
        .await
        .unwrap();
    billing
        .subscriptions()
        .create(
            NewSubscription::builder(CustomerRef::external_id("ada"), price.id)
                .trial(Trial::None)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    (billing, clock)
}

fn event(clock: &ManualClock, i: usize, quantity: u32) -> UsageEvent {
    UsageEvent::builder("ada", "calls", Decimal::from(quantity))
        .key(IdempotencyKey::new(format!("e-{i}")).unwrap())
        .build_at(clock.timestamp())
        .unwrap()
}

async fn used(billing: &Billing) -> Decimal {
    match billing
        .entitlements()
        .check("ada".into(), "calls".into())
        .await
        .unwrap()
        .kind
    {
        EntitlementKind::Metered { used, .. } => used.unwrap(),
        other => panic!("{other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Batches drawn from one set of events, in any order and overlapping, each possibly sent more than once:
    /// what is counted is the sum over the distinct keys sent.
    #[test]
    fn any_interleaving_of_resent_batches_counts_each_key_once(
        quantities in prop::collection::vec(1u32..1000, 1..30),
        batches in prop::collection::vec((prop::collection::vec(any::<prop::sample::Index>(), 1..20), 1usize..4), 1..8),
    ) {
        block_on(async {
            let (billing, clock) = set_up(Decimal::ONE, None).await;
            let events: Vec<_> = quantities.iter().enumerate().map(|(i, q)| event(&clock, i, *q)).collect();
            let mut sent = BTreeMap::new();
            for (picks, times) in &batches {
                let batch: Vec<_> = picks.iter().map(|p| events[p.index(events.len())].clone()).collect();
                for _ in 0..*times {
                    let report = billing.usage().ingest(batch.clone()).await.unwrap();
                    prop_assert!(report.all_succeeded(), "{report:?}");
                    prop_assert_eq!(report.len(), batch.len());
                }
                for (p, e) in picks.iter().zip(&batch) {
                    sent.insert(p.index(events.len()), e.quantity());
                }
            }
            let expected: Decimal = sent.values().copied().sum();
            prop_assert_eq!(used(&billing).await, expected);
            Ok(())
        })?;
    }

    /// The total is the sum of the lines to the last digit, and the rule: fixed + rate × quantity (per unit) or
    /// rate × ⌈quantity / units⌉ (package).
    #[test]
    fn an_invoice_total_is_exactly_the_sum_of_its_lines(
        fixed_cents in 0i64..10_000_000,
        rate_ten_thousandths in 0i64..100_000,
        package in prop::option::of(1u64..50),
        quantities in prop::collection::vec(0u32..500, 0..20),
    ) {
        block_on(async {
            let fixed = Decimal::new(fixed_cents, 2);
            let rate = Decimal::new(rate_ten_thousandths, 4);
            let (billing, clock) = set_up(fixed, Some((rate, package))).await;
            let events: Vec<_> = quantities.iter().enumerate().map(|(i, q)| event(&clock, i, *q)).collect();
            if !events.is_empty() {
                billing.usage().ingest(events).await.unwrap();
            }
            let invoice = billing.invoices().list(InvoiceListQuery::new()).await.unwrap().items.remove(0);
            let lines = invoice.lines.clone().unwrap();
            let sum: Decimal = lines.iter().map(|l| l.amount.as_ref().unwrap().amount).sum();
            let total = invoice.total.clone().unwrap();
            prop_assert_eq!(total.amount, sum);
            let quantity = Decimal::from(quantities.iter().map(|q| u64::from(*q)).sum::<u64>());
            let billed = match package {
                Some(units) => (quantity / Decimal::from(units)).ceil(),
                None => quantity,
            };
            prop_assert_eq!(total, Money::new(fixed + rate * billed, Currency::USD));
            Ok(())
        })?;
    }
}
