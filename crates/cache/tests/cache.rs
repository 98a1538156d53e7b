//! The cache's promises on an injected clock: the staleness bounds, single flight, invalidation, the usage
//! overlay and the fail rules. Every request is counted by the scripted provider; nothing sleeps.

mod support;

use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use support::Scripted;
use unibill_cache::{CacheConfig, CachedEntitlements, FailMode};
use unibill_core::{
    Clock, EntitlementKind, Entitlements, ErrorKind, Freshness, IdempotencyKey, Limit, ManualClock,
    SignedDuration, UsageEvent, WebhookEvent, WebhookKind,
};

const SSO: &str = "sso";
const CALLS: &str = "api_calls";

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn clock() -> ManualClock {
    ManualClock::new("2026-03-01T00:00:00Z".parse().unwrap())
}

fn on() -> EntitlementKind {
    EntitlementKind::Boolean { enabled: true }
}

fn metered(limit: Decimal, used: Decimal) -> EntitlementKind {
    EntitlementKind::Metered {
        limit: Limit::Finite(limit),
        used: Some(used),
        balance: Some(limit - used),
        soft: false,
        resets_at: None,
    }
}

fn used_of(kind: &EntitlementKind) -> Decimal {
    match kind {
        EntitlementKind::Metered { used: Some(u), .. } => *u,
        other => panic!("not metered with used: {other:?}"),
    }
}

fn cache(provider: &Arc<Scripted>, clock: &ManualClock, config: CacheConfig) -> CachedEntitlements {
    CachedEntitlements::builder(Arc::clone(provider) as Arc<dyn Entitlements>)
        .clock(Arc::new(clock.clone()))
        .config(config)
        .build()
        .unwrap()
}

async fn check(
    cache: &CachedEntitlements,
    customer: &str,
    feature: &str,
) -> unibill_core::Result<unibill_core::Entitlement> {
    cache.check(customer.into(), feature.into()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_checks_for_a_cold_customer_make_one_request() {
    let clock = clock();
    let provider = Scripted::gated(Arc::new(clock.clone()));
    provider.set("ada", SSO, on());
    provider.set("ada", CALLS, metered(dec!(100), dec!(1)));
    let cache = cache(&provider, &clock, CacheConfig::default());

    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            let cache = cache.clone();
            let feature = if i % 2 == 0 { SSO } else { CALLS };
            tokio::spawn(async move { check(&cache, "ada", feature).await })
        })
        .collect();
    // Every check is waiting: one holds the request, 999 joined it. The loop ends: each round yields to the
    // spawned tasks, and a round cap turns a hang into a failure.
    let mut rounds = 0u64;
    while cache.stats().coalesced < 999 {
        rounds += 1;
        assert!(
            rounds < 50_000_000,
            "checks never all waited: {:?}",
            cache.stats()
        );
        tokio::task::yield_now().await;
    }
    assert_eq!(
        provider.entered.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    provider.open(1);
    for t in tasks {
        let e = t.await.unwrap().unwrap();
        assert!(e.access);
        assert_eq!(e.freshness, Freshness::Live, "each waited for the provider");
    }
    assert_eq!(provider.requests(), 1, "exactly one provider request");
    let stats = cache.stats();
    assert_eq!(
        (stats.misses, stats.coalesced, stats.provider_requests),
        (1000, 999, 1)
    );

    // And the next one is from memory.
    let e = check(&cache, "ada", SSO).await.unwrap();
    assert!(e.freshness.is_cached());
    assert_eq!(provider.requests(), 1);
}

#[tokio::test]
async fn answers_from_memory_within_the_allow_and_deny_bounds() {
    let clock = clock();
    let provider = Scripted::new(Arc::new(clock.clone()));
    provider.set("ada", SSO, on());
    provider.set("ada", CALLS, metered(dec!(100), dec!(100)));
    let cache = cache(&provider, &clock, CacheConfig::default());

    let first = check(&cache, "ada", SSO).await.unwrap();
    assert_eq!(first.freshness, Freshness::Live);
    // The whole list came with it: another feature, and one not granted, are answered from memory.
    let calls = check(&cache, "ada", CALLS).await.unwrap();
    assert!(!calls.access, "used up");
    assert!(calls.freshness.is_cached());
    let none = check(&cache, "ada", "exports").await.unwrap();
    assert_eq!(none.kind, EntitlementKind::NotGranted);
    assert!(none.freshness.is_cached());
    assert_eq!(none.provider, "scripted");
    assert_eq!(provider.requests(), 1);

    // 4 s: both within their bounds (deny 5 s, allow 60 s).
    clock.advance_by(secs(4));
    let calls = check(&cache, "ada", CALLS).await.unwrap();
    assert_eq!(
        calls.freshness,
        Freshness::Cached {
            age: SignedDuration::from_secs(4)
        }
    );
    assert_eq!(calls.as_of, first.as_of, "as_of stays the provider's");
    assert_eq!(provider.requests(), 1);

    // 5 s: the refusal is at its bound and is asked again; the allow answer is not.
    clock.advance_by(secs(1));
    provider.set("ada", CALLS, metered(dec!(200), dec!(100)));
    let calls = check(&cache, "ada", CALLS).await.unwrap();
    assert_eq!(calls.freshness, Freshness::Live);
    assert!(calls.access, "the new limit");
    assert_eq!(provider.requests(), 2);
    clock.advance_by(secs(59));
    assert!(
        check(&cache, "ada", SSO)
            .await
            .unwrap()
            .freshness
            .is_cached()
    );
    clock.advance_by(secs(1));
    assert_eq!(
        check(&cache, "ada", SSO).await.unwrap().freshness,
        Freshness::Live
    );
    assert_eq!(provider.requests(), 3);
}

#[tokio::test]
async fn a_hit_close_to_the_bound_refreshes_in_the_background() {
    let clock = clock();
    let provider = Scripted::new(Arc::new(clock.clone()));
    provider.set("ada", SSO, on());
    let cache = cache(&provider, &clock, CacheConfig::default());
    check(&cache, "ada", SSO).await.unwrap();

    clock.advance_by(secs(47));
    check(&cache, "ada", SSO).await.unwrap();
    cache.settle().await;
    assert_eq!(
        provider.requests(),
        1,
        "below 80 % of the bound: no refresh"
    );

    clock.advance_by(secs(1));
    let e = check(&cache, "ada", SSO).await.unwrap();
    assert_eq!(
        e.freshness,
        Freshness::Cached {
            age: SignedDuration::from_secs(48)
        },
        "answered at once"
    );
    // A second hit does not start a second refresh.
    check(&cache, "ada", SSO).await.unwrap();
    cache.settle().await;
    assert_eq!(provider.requests(), 2);
    assert_eq!(cache.stats().background_refreshes, 1);

    // The refreshed answer is 20 s old where the first would be 68 s: no miss.
    clock.advance_by(secs(20));
    let e = check(&cache, "ada", SSO).await.unwrap();
    assert_eq!(
        e.freshness,
        Freshness::Cached {
            age: SignedDuration::from_secs(20)
        }
    );
    assert_eq!(cache.stats().misses, 1);
}

#[tokio::test]
async fn a_subscription_canceled_event_makes_the_next_check_miss() {
    use unibill_core::*;
    let clock = clock();
    let billing = MemoryLifecycle::builder()
        .clock(Arc::new(clock.clone()))
        .build();
    billing
        .features()
        .create(
            NewFeature::builder("sso", "SSO", FeatureKind::Boolean)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    billing
        .features()
        .grant(Grant::builder("sso", "pro").build().unwrap())
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
        .create(NewCustomer::builder("ada", "Ada").build().unwrap())
        .await
        .unwrap();
    let sub = billing
        .subscriptions()
        .create(
            NewSubscription::builder(CustomerRef::external_id("ada"), price.id)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let counted = support::Counting::new(billing.entitlements());
    let cache = CachedEntitlements::builder(Arc::clone(&counted) as Arc<dyn Entitlements>)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();

    assert!(check(&cache, "ada", "sso").await.unwrap().access);
    assert!(
        check(&cache, "ada", "sso")
            .await
            .unwrap()
            .freshness
            .is_cached()
    );
    assert_eq!(counted.requests(), 1);

    billing
        .subscriptions()
        .cancel(sub.id, CancelOptions::immediately())
        .await
        .unwrap();
    // Without the event the remembered answer stands, within its bound.
    assert!(check(&cache, "ada", "sso").await.unwrap().access);

    // The provider's signed delivery, verified into the neutral event.
    let delivery = billing
        .deliveries()
        .into_iter()
        .rev()
        .find(|d| String::from_utf8_lossy(&d.body).contains("subscription.canceled"))
        .expect("a canceled delivery");
    let event = billing
        .webhooks()
        .verify(&delivery.headers, &delivery.body, clock.timestamp())
        .unwrap();
    assert_eq!(event.kind, WebhookKind::SubscriptionCanceled);
    assert_eq!(cache.invalidate_on(&event), Some("ada"));

    let after = check(&cache, "ada", "sso").await.unwrap();
    assert_eq!(after.freshness, Freshness::Live, "the next check missed");
    assert!(!after.access);
    assert_eq!(counted.requests(), 2);
    assert_eq!(cache.stats().invalidations, 1);
}

#[tokio::test]
async fn an_event_without_the_customer_invalidates_nothing() {
    let clock = clock();
    let provider = Scripted::new(Arc::new(clock.clone()));
    provider.set("ada", SSO, on());
    let cache = cache(&provider, &clock, CacheConfig::default());
    check(&cache, "ada", SSO).await.unwrap();
    let thin = WebhookEvent::builder("flowglad", "msg_1", WebhookKind::ObjectChanged)
        .object("subscription", "sub_1")
        .build();
    assert_eq!(cache.invalidate_on(&thin), None);
    assert!(
        check(&cache, "ada", SSO)
            .await
            .unwrap()
            .freshness
            .is_cached()
    );
    assert_eq!(provider.requests(), 1);
}

#[tokio::test]
async fn an_invalidation_during_a_request_keeps_its_answer_out_of_the_cache() {
    let clock = clock();
    let provider = Scripted::gated(Arc::new(clock.clone()));
    provider.set("ada", SSO, on());
    let cache = cache(&provider, &clock, CacheConfig::default());
    let waiting = tokio::spawn({
        let cache = cache.clone();
        async move { check(&cache, "ada", SSO).await }
    });
    let mut rounds = 0u64;
    while provider.entered.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        rounds += 1;
        assert!(rounds < 50_000_000);
        tokio::task::yield_now().await;
    }
    cache.invalidate("ada");
    provider.open(2);
    assert_eq!(waiting.await.unwrap().unwrap().freshness, Freshness::Live);
    // The answer asked before the event is not kept: the next check asks again.
    assert_eq!(
        check(&cache, "ada", SSO).await.unwrap().freshness,
        Freshness::Live
    );
    assert_eq!(provider.requests(), 2);
}

fn usage(key: &str, q: Decimal) -> UsageEvent {
    UsageEvent::builder("ada", CALLS, q)
        .key(IdempotencyKey::new(key).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn local_usage_is_added_until_the_pipeline_counts_it() {
    let clock = clock();
    let provider = Scripted::new(Arc::new(clock.clone()));
    provider.set("ada", CALLS, metered(dec!(100), dec!(90)));
    let cache = cache(
        &provider,
        &clock,
        CacheConfig::default().pipeline_lag(secs(60)),
    );
    assert_eq!(
        used_of(&check(&cache, "ada", CALLS).await.unwrap().kind),
        dec!(90)
    );

    // The recorder reports 20 calls the provider acknowledged (twice: counted once).
    let observer = cache.usage_observer();
    observer(&usage("evt-1", dec!(20)));
    observer(&usage("evt-1", dec!(20)));
    let e = check(&cache, "ada", CALLS).await.unwrap();
    assert_eq!(used_of(&e.kind), dec!(110));
    assert!(matches!(e.kind, EntitlementKind::Metered { balance: Some(b), .. } if b == dec!(-10)));
    assert!(!e.access, "over the limit with the local usage");
    assert!(e.freshness.is_cached());

    // A refusal now: its 5 s bound applies. The provider, 6 s on, still has 90 in its pipeline: the overlay
    // stays on top of the new answer.
    clock.advance_by(secs(6));
    let e = check(&cache, "ada", CALLS).await.unwrap();
    assert_eq!(e.freshness, Freshness::Live);
    assert_eq!(used_of(&e.kind), dec!(110));
    assert_eq!(provider.requests(), 2);

    // 61 s after the ack the provider counts it; the refresh reconciles: not counted twice.
    provider.set("ada", CALLS, metered(dec!(100), dec!(110)));
    clock.advance_by(secs(55));
    let e = check(&cache, "ada", CALLS).await.unwrap();
    assert_eq!(e.freshness, Freshness::Live);
    assert_eq!(used_of(&e.kind), dec!(110));
    assert_eq!(cache.stats().usage_noted, 2);
}

#[tokio::test]
async fn a_rejected_usage_event_leaves_the_overlay() {
    let clock = clock();
    let provider = Scripted::new(Arc::new(clock.clone()));
    provider.set("ada", CALLS, metered(dec!(100), dec!(10)));
    let cache = cache(
        &provider,
        &clock,
        CacheConfig::default().pipeline_lag(secs(60)),
    );
    check(&cache, "ada", CALLS).await.unwrap();
    cache.note_usage(&usage("evt-9", dec!(5)));
    assert_eq!(
        used_of(&check(&cache, "ada", CALLS).await.unwrap().kind),
        dec!(15)
    );
    let rejected = WebhookEvent::builder("flexprice", "msg_3", WebhookKind::UsageRejected)
        .object("event", "evt-9")
        .customer_external_id("ada")
        .build();
    cache.invalidate_on(&rejected);
    assert_eq!(
        used_of(&check(&cache, "ada", CALLS).await.unwrap().kind),
        dec!(10)
    );
}

#[tokio::test]
async fn fail_closed_answers_unavailable_and_does_not_ask_again_during_the_backoff() {
    let clock = clock();
    let provider = Scripted::new(Arc::new(clock.clone()));
    provider.set("ada", SSO, on());
    let cache = cache(&provider, &clock, CacheConfig::default());
    check(&cache, "ada", SSO).await.unwrap();

    provider.set_down(Some(ErrorKind::Unavailable));
    clock.advance_by(secs(30));
    assert!(
        check(&cache, "ada", SSO)
            .await
            .unwrap()
            .freshness
            .is_cached(),
        "within the bound: no request"
    );
    assert_eq!(provider.requests(), 1);
    clock.advance_by(secs(30));
    let err = check(&cache, "ada", SSO).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(
        err.message().contains("fails closed") && err.message().contains("`sso`"),
        "{err}"
    );
    assert_eq!(provider.requests(), 2);
    // Within the backoff: the rule answers, the provider is not asked; the hint says when to try.
    let err = check(&cache, "ada", SSO).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(err.retry_after(), Some(secs(1)));
    assert_eq!(provider.requests(), 2);
    // After it, asked again; back up, answered.
    provider.set_down(None);
    clock.advance_by(secs(1));
    assert_eq!(
        check(&cache, "ada", SSO).await.unwrap().freshness,
        Freshness::Live
    );
    assert_eq!(provider.requests(), 3);
    let stats = cache.stats();
    assert_eq!(
        (
            stats.provider_failures,
            stats.unavailable,
            stats.stale_served
        ),
        (1, 2, 0)
    );
}

#[tokio::test]
async fn fail_open_per_feature_serves_the_last_answer_marked_stale_with_its_age() {
    let clock = clock();
    let provider = Scripted::new(Arc::new(clock.clone()));
    provider.set("ada", SSO, on());
    provider.set("ada", CALLS, metered(dec!(100), dec!(1)));
    let config = CacheConfig::default().feature_fail_mode(SSO, FailMode::open_up_to(secs(600)));
    let cache = cache(&provider, &clock, config);
    check(&cache, "ada", SSO).await.unwrap();

    provider.set_down(Some(ErrorKind::Timeout));
    clock.advance_by(secs(90));
    let e = check(&cache, "ada", SSO).await.unwrap();
    assert_eq!(
        e.freshness,
        Freshness::Stale {
            age: SignedDuration::from_secs(90)
        }
    );
    assert!(e.access);
    // The other feature fails closed (the global rule).
    let err = check(&cache, "ada", CALLS).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    // Past the declared age, even the open feature is unavailable.
    clock.advance_by(secs(511));
    let err = check(&cache, "ada", SSO).await.unwrap_err();
    assert!(err.message().contains("no answer recent enough"), "{err}");
    // Errors that are not about reaching the provider are the provider's, whatever the rule.
    provider.set_down(Some(ErrorKind::Unauthenticated));
    clock.advance_by(secs(2));
    let err = check(&cache, "ada", SSO).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert_eq!(err.provider(), Some("scripted"));
}

#[tokio::test]
async fn fail_open_with_nothing_known_is_unavailable() {
    let clock = clock();
    let provider = Scripted::new(Arc::new(clock.clone()));
    provider.set("ada", SSO, on());
    provider.set_down(Some(ErrorKind::Transport));
    let cache = cache(
        &provider,
        &clock,
        CacheConfig::default().fail_mode(FailMode::open()),
    );
    let err = check(&cache, "ada", SSO).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(
        check(&cache, "ada", SSO).await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert_eq!(provider.requests(), 1, "the second within the backoff");
}

#[tokio::test]
async fn an_unknown_customer_is_remembered_as_a_refusal() {
    let clock = clock();
    let provider = Scripted::new(Arc::new(clock.clone()));
    let cache = cache(&provider, &clock, CacheConfig::default());
    for _ in 0..3 {
        let err = check(&cache, "nobody", SSO).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    }
    assert_eq!(provider.requests(), 1);
    provider.set("nobody", SSO, on());
    clock.advance_by(secs(5));
    assert!(
        check(&cache, "nobody", SSO).await.unwrap().access,
        "the deny bound passed"
    );
    assert_eq!(provider.requests(), 2);
}

#[tokio::test]
async fn list_is_answered_from_the_same_snapshot() {
    let clock = clock();
    let provider = Scripted::new(Arc::new(clock.clone()));
    provider.set("ada", SSO, on());
    provider.set("ada", CALLS, metered(dec!(100), dec!(1)));
    let cache = cache(&provider, &clock, CacheConfig::default());
    let live = cache.list("ada".into()).await.unwrap();
    assert_eq!(live.len(), 2);
    assert!(live.iter().all(|e| e.freshness.is_live()));
    assert!(
        check(&cache, "ada", SSO)
            .await
            .unwrap()
            .freshness
            .is_cached()
    );
    let cached = cache.list("ada".into()).await.unwrap();
    let keys: Vec<_> = cached.iter().map(|e| e.feature_key.as_str()).collect();
    assert_eq!(keys, [CALLS, SSO]);
    assert!(cached.iter().all(|e| e.freshness.is_cached()));
    assert_eq!(provider.requests(), 1);
}

#[tokio::test]
async fn a_list_the_provider_cannot_answer_follows_each_features_fail_rule() {
    let clock = clock();
    let provider = Scripted::new(Arc::new(clock.clone()));
    provider.set("ada", SSO, on());
    provider.set("ada", CALLS, metered(dec!(100), dec!(1)));
    let config = CacheConfig::default().feature_fail_mode(SSO, FailMode::open_up_to(secs(600)));
    let cache = cache(&provider, &clock, config);
    assert_eq!(cache.list("ada".into()).await.unwrap().len(), 2);

    // Past both bounds, the provider down: the open feature is given stale, the closed one left out.
    provider.set_down(Some(ErrorKind::Timeout));
    clock.advance_by(secs(90));
    let listed = cache.list("ada".into()).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].feature_key, SSO);
    assert!(listed[0].access);
    assert_eq!(
        listed[0].freshness,
        Freshness::Stale {
            age: SignedDuration::from_secs(90)
        }
    );
    // Past the open feature's age too: nothing to give.
    clock.advance_by(secs(600));
    let err = cache.list("ada".into()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(
        err.message().contains("no answer of its last known list"),
        "{err}"
    );
    assert_eq!(err.operation(), Some("entitlements.list"));
    // A customer never listed: unavailable, whatever the rules.
    let err = cache.list("bob".into()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    // Not about reaching the provider: the provider's error.
    provider.set_down(Some(ErrorKind::Unauthenticated));
    clock.advance_by(secs(2));
    let err = cache.list("ada".into()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
}

#[tokio::test]
async fn a_list_granting_nothing_is_given_again_only_under_an_open_rule() {
    for (rule, open) in [(FailMode::open(), true), (FailMode::Closed, false)] {
        let clock = clock();
        let provider = Scripted::new(Arc::new(clock.clone()));
        provider.set("bob", SSO, EntitlementKind::NotGranted);
        let cache = cache(&provider, &clock, CacheConfig::default().fail_mode(rule));
        let first = cache.list("bob".into()).await.unwrap();
        let granted = first.iter().filter(|e| e.access).count();
        assert_eq!(granted, 0);
        provider.set_down(Some(ErrorKind::Transport));
        clock.advance_by(secs(3_600));
        let again = cache.list("bob".into()).await;
        if open {
            assert_eq!(again.unwrap().iter().filter(|e| e.access).count(), 0);
        } else {
            assert_eq!(again.unwrap_err().kind(), ErrorKind::Unavailable);
        }
    }
}

#[tokio::test]
async fn a_provider_without_list_is_asked_per_feature() {
    let clock = clock();
    let provider = Scripted::without_list(Arc::new(clock.clone()));
    provider.set("ada", SSO, on());
    provider.set("ada", CALLS, metered(dec!(100), dec!(1)));
    let cache = cache(&provider, &clock, CacheConfig::default());
    for _ in 0..3 {
        check(&cache, "ada", SSO).await.unwrap();
        check(&cache, "ada", CALLS).await.unwrap();
    }
    assert_eq!(provider.requests(), 2, "one per feature");
    assert_eq!(
        check(&cache, "ada", "exports").await.unwrap().kind,
        EntitlementKind::NotGranted
    );
    assert_eq!(provider.requests(), 3);
    cache.invalidate("ada");
    check(&cache, "ada", SSO).await.unwrap();
    check(&cache, "ada", CALLS).await.unwrap();
    assert_eq!(
        provider.requests(),
        5,
        "both asked again after the invalidation"
    );
}

#[tokio::test]
async fn memory_is_bounded_by_max_customers() {
    let clock = clock();
    let provider = Scripted::new(Arc::new(clock.clone()));
    for i in 0..200 {
        provider.set(&format!("c{i}"), SSO, on());
    }
    let cache = cache(&provider, &clock, CacheConfig::default().max_customers(16));
    for i in 0..200 {
        check(&cache, &format!("c{i}"), SSO).await.unwrap();
    }
    let kept = cache.stats().customers;
    assert!(kept > 0 && kept <= 16, "{kept}");
}

#[test]
fn a_bad_configuration_is_refused_naming_the_setting() {
    let clock = clock();
    let provider = Scripted::new(Arc::new(clock.clone()));
    let err = CachedEntitlements::builder(provider as Arc<dyn Entitlements>)
        .config(CacheConfig::default().max_customers(0))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.field_errors()[0].field, "max_customers");
}

mod bounds {
    //! The staleness promise over random schedules: an answer is never older than its bound, unless the
    //! feature fails open and the provider's last answer was a failure.

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Step {
        Advance(u64),
        Down(bool),
        Check(&'static str),
        Usage(u8),
        Invalidate,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0u64..20_000).prop_map(Step::Advance),
            1 => any::<bool>().prop_map(Step::Down),
            5 => prop_oneof![Just(SSO), Just(CALLS)].prop_map(Step::Check),
            1 => (1u8..40).prop_map(Step::Usage),
            1 => Just(Step::Invalidate),
        ]
    }

    fn run(steps: Vec<Step>, open: bool) -> std::result::Result<(), TestCaseError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let clock = clock();
            let provider = Scripted::new(Arc::new(clock.clone()));
            provider.set("ada", SSO, on());
            provider.set("ada", CALLS, metered(dec!(100), dec!(60)));
            let mode = if open {
                FailMode::open()
            } else {
                FailMode::Closed
            };
            let config = CacheConfig::default()
                .fail_mode(mode)
                .pipeline_lag(secs(60));
            let cache = cache(&provider, &clock, config.clone());
            for (i, s) in steps.into_iter().enumerate() {
                match s {
                    Step::Advance(ms) => clock.advance_by(Duration::from_millis(ms)),
                    Step::Down(d) => provider.set_down(d.then_some(ErrorKind::Unavailable)),
                    Step::Usage(q) => cache.note_usage(&usage(&format!("e{i}"), Decimal::from(q))),
                    Step::Invalidate => {
                        cache.invalidate("ada");
                    }
                    Step::Check(f) => match check(&cache, "ada", f).await {
                        Ok(e) => {
                            let age = Duration::try_from(e.freshness.age()).unwrap();
                            if e.freshness.is_stale() {
                                prop_assert!(open, "stale while failing closed");
                                prop_assert!(
                                    provider
                                        .last_failed
                                        .load(std::sync::atomic::Ordering::SeqCst),
                                    "stale while the provider answered"
                                );
                            } else {
                                prop_assert!(
                                    age < config.staleness(e.access),
                                    "{f}: {age:?} past the bound of access {}",
                                    e.access
                                );
                            }
                        }
                        Err(err) => {
                            prop_assert_eq!(err.kind(), ErrorKind::Unavailable);
                            prop_assert!(
                                provider
                                    .last_failed
                                    .load(std::sync::atomic::Ordering::SeqCst)
                            );
                        }
                    },
                }
            }
            Ok(())
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn never_older_than_the_bound_failing_closed(steps in proptest::collection::vec(step(), 1..60)) {
            run(steps, false)?;
        }

        #[test]
        fn never_older_than_the_bound_unless_failing_open_on_a_provider_down(
            steps in proptest::collection::vec(step(), 1..60)
        ) {
            run(steps, true)?;
        }
    }
}

#[test]
fn the_clock_is_the_injected_one() {
    // Guards the tests above: the manual clock, not the system's, is what ages answers.
    let c = clock();
    let before = c.timestamp();
    c.advance_by(secs(5));
    assert_eq!((c.timestamp() - before).get_seconds(), 5);
}
