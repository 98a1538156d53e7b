//! The usage recorder feeds the entitlement cache's local overlay (review finding 34): an event the provider
//! acknowledged is counted on top of the cached answer until the provider's pipeline counts it, a duplicate is
//! not counted again, and the overlay expires `pipeline_lag` after the acknowledgement.
#![cfg(all(feature = "recorder", feature = "cache"))]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use unibill::cache::{CacheConfig, CachedEntitlements};
use unibill::recorder::RecorderBuilder;
use unibill::*;

/// A provider that acknowledges usage (`Accepted`, as Flexprice's 202) before its pipeline counts it: its
/// entitlement answers never include what it took, which is what the overlay is for.
#[derive(Debug)]
struct NotYetCounted {
    capabilities: UsageCapabilities,
    seen: Mutex<HashSet<IdempotencyKey>>,
}

#[async_trait]
impl Usage for NotYetCounted {
    fn capabilities(&self) -> UsageCapabilities {
        self.capabilities
    }

    async fn ingest(&self, events: Vec<UsageEvent>) -> Result<IngestReport> {
        let mut seen = self.seen.lock().unwrap();
        let mut report = IngestReport::new();
        for event in events {
            let outcome = if seen.insert(event.key().clone()) {
                IngestOutcome::Accepted
            } else {
                IngestOutcome::Duplicate { provider_id: None }
            };
            report.push(event.key().clone(), outcome);
        }
        Ok(report)
    }

    async fn status(
        &self,
        _keys: Vec<IdempotencyKey>,
    ) -> Result<Vec<(IdempotencyKey, UsageStatus)>> {
        Err(Error::unsupported("test", "usage status"))
    }
}

fn used(answer: &Entitlement) -> Decimal {
    match &answer.kind {
        EntitlementKind::Metered { used: Some(u), .. } => *u,
        other => panic!("not a metered answer with usage: {other:?}"),
    }
}

#[tokio::test]
async fn acknowledged_usage_is_counted_on_the_cached_answer_once_until_the_pipeline_lag() {
    let clock = ManualClock::new("2026-03-01T00:00:00Z".parse().unwrap());
    let billing = MemoryLifecycle::builder()
        .clock(Arc::new(clock.clone()))
        .build();
    billing
        .meters()
        .create(
            NewMeter::builder("api_calls", "API calls", Aggregation::Sum)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    billing
        .features()
        .create(
            NewFeature::builder("api_calls", "API calls", FeatureKind::metered("api_calls"))
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    billing
        .features()
        .grant(
            Grant::builder("api_calls", "pro")
                .limit(Limit::Finite(dec!(100)))
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let price = billing
        .prices()
        .create(
            NewPrice::builder(
                PriceKind::recurring(Interval::monthly()),
                Money::new(dec!(29), Currency::USD),
            )
            .product_id("pro")
            .build()
            .unwrap(),
        )
        .await
        .unwrap();
    billing
        .customers()
        .create(NewCustomer::builder("ada", "Ada Lovelace").build().unwrap())
        .await
        .unwrap();
    billing
        .subscriptions()
        .create(
            NewSubscription::builder(CustomerRef::external_id("ada"), price.id)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();

    let cache = CachedEntitlements::builder(Arc::new(billing.entitlements()))
        .config(CacheConfig::default().pipeline_lag(Duration::from_secs(60)))
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let before = cache.check("ada".into(), "api_calls".into()).await.unwrap();
    assert_eq!(used(&before), dec!(0));
    assert!(before.freshness.is_live());

    let provider = Arc::new(NotYetCounted {
        capabilities: billing.usage().capabilities(),
        seen: Mutex::default(),
    });
    let (recorder, mut failures) = RecorderBuilder::new(provider)
        .clock(Arc::new(clock.clone()))
        .on_counted(cache.usage_observer())
        .build()
        .unwrap();
    let event = |i: usize| {
        UsageEvent::builder("ada", "api_calls", dec!(1))
            .key(IdempotencyKey::new(format!("call-{i}")).unwrap())
            .occurred_at(clock.timestamp())
            .build()
            .unwrap()
    };
    for i in 0..30 {
        recorder.record(event(i)).await.unwrap();
    }
    let first = recorder.flush().await;
    assert_eq!(first.accepted, 30);
    // The same five events again: the provider answers Duplicate, and the overlay does not count them twice.
    for i in 0..5 {
        recorder.record(event(i)).await.unwrap();
    }
    let second = recorder.flush().await;
    assert_eq!(second.duplicates, 5);
    assert!(failures.try_recv().is_none());

    let cached = cache.check("ada".into(), "api_calls".into()).await.unwrap();
    assert_eq!(
        used(&cached),
        dec!(30),
        "acknowledged, not yet counted by the provider"
    );
    assert!(
        !cached.freshness.is_live(),
        "answered from memory: {:?}",
        cached.freshness
    );
    assert_eq!(cache.stats().provider_requests, 1);

    // Past the pipeline lag (and the staleness bound) the provider's own answer is taken alone: this provider
    // never counted the events, so the overlay's 30 are gone rather than kept forever.
    clock.advance_by(Duration::from_secs(61));
    let refreshed = cache.check("ada".into(), "api_calls".into()).await.unwrap();
    assert!(refreshed.freshness.is_live());
    assert_eq!(used(&refreshed), dec!(0));
    assert_eq!(cache.stats().provider_requests, 2);
    assert!(
        recorder
            .shutdown(Duration::from_secs(5))
            .await
            .events
            .is_empty()
    );
}
