//! The capability guard of the lifecycle resources answers before the provider runs: every refused call is
//! checked against a mock whose method expects `never()`. Usage is the exception that proves the rule: an
//! event whose quantity the provider cannot take is refused on its own, and the rest of the batch is sent.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use unibill_core::{
    Aggregation, Billing, CancelOptions, CustomerRef, Entitlements, Error, ErrorKind,
    FeatureCapabilities, FeatureKind, Features, Grant, IdempotencyKey, IngestOutcome, IngestReport,
    InvoiceCapabilities, InvoiceId, InvoiceListQuery, Invoices, Limit, MeterCapabilities,
    MeterListQuery, Meters, MockEntitlements, MockFeatures, MockInvoices, MockMeters,
    MockSubscriptions, MockUsage, MockWebhooks, NewFeature, NewMeter, NewSubscription,
    QuantityRule, Reset, SubscriptionCapabilities, SubscriptionId, SubscriptionListQuery,
    Subscriptions, Timestamp, Trial, Usage, UsageCapabilities, UsageEvent, WebhookCapabilities,
    WebhookHeaders, Webhooks,
};
use unibill_core::{EntitlementCapabilities, Guarded};

/// `(kind, first field)` of an error, for one-line assertions.
fn kind_field(err: &Error) -> (ErrorKind, &str) {
    (
        err.kind(),
        err.field_errors().first().map_or("", |f| f.field.as_str()),
    )
}

/// An `Unsupported` operation names it and the provider.
fn assert_unsupported_operation(err: &Error, operation: &str) {
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    assert_eq!(err.operation(), Some(operation), "{err}");
    assert!(err.to_string().contains("restricted"), "{err}");
}

fn event(customer: &str, quantity: Decimal) -> UsageEvent {
    UsageEvent::builder(customer, "api_calls", quantity)
        .build()
        .unwrap()
}

#[tokio::test]
async fn meters_refusals_never_reach_the_provider() {
    let mut mock = MockMeters::new();
    mock.expect_capabilities().returning(|| {
        let mut caps = MeterCapabilities::full("restricted");
        caps.aggregations.latest = false;
        caps
    });
    mock.expect_create().never();
    mock.expect_get_by_key().never();
    mock.expect_list().never();
    let g = Guarded::new(mock);

    let latest = NewMeter::builder("api_calls", "API calls", Aggregation::Latest)
        .build()
        .unwrap();
    let err = g.create(latest).await.unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::Unsupported, "aggregation"));
    assert_eq!(err.operation(), Some("meters.create"));

    let err = g.get_by_key(String::new()).await.unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::InvalidInput, "key"));

    let err = g.list(MeterListQuery::new().limit(0)).await.unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::InvalidInput, "limit"));

    let mut mock = MockMeters::new();
    mock.expect_capabilities().returning(|| {
        let mut caps = MeterCapabilities::full("restricted");
        caps.create = false;
        caps
    });
    mock.expect_create().never();
    let sum = NewMeter::builder("api_calls", "API calls", Aggregation::Sum)
        .build()
        .unwrap();
    let err = Guarded::new(mock).create(sum).await.unwrap_err();
    assert_unsupported_operation(&err, "meters.create");
}

#[tokio::test]
async fn features_refusals_never_reach_the_provider() {
    let mut mock = MockFeatures::new();
    mock.expect_capabilities().returning(|| {
        let mut caps = FeatureCapabilities::full("restricted");
        caps.kinds.boolean = false;
        caps.soft_limits = false;
        caps.resets.calendar = false;
        caps
    });
    mock.expect_create().never();
    mock.expect_grant().never();
    mock.expect_get_by_key().never();
    let g = Guarded::new(mock);

    let sso = NewFeature::builder("sso", "SSO", FeatureKind::Boolean)
        .build()
        .unwrap();
    let err = g.create(sso).await.unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::Unsupported, "kind"));

    let soft = Grant::builder("api_calls", "plan_pro")
        .limit(Limit::Finite(dec!(1000)))
        .soft(true)
        .build()
        .unwrap();
    let err = g.grant(soft).await.unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::Unsupported, "soft"));

    let monthly = Grant::builder("api_calls", "plan_pro")
        .limit(Limit::Finite(dec!(1000)))
        .resets(Reset::Monthly)
        .build()
        .unwrap();
    let err = g.grant(monthly).await.unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::Unsupported, "resets"));

    let err = g.get_by_key(String::new()).await.unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::InvalidInput, "key"));

    let mut mock = MockFeatures::new();
    mock.expect_capabilities().returning(|| {
        let mut caps = FeatureCapabilities::full("restricted");
        caps.grant = false;
        caps
    });
    mock.expect_grant().never();
    let grant = Grant::builder("sso", "plan_pro").build().unwrap();
    let err = Guarded::new(mock).grant(grant).await.unwrap_err();
    assert_unsupported_operation(&err, "features.grant");
}

/// A subscriptions mock offering nothing to change once created, whose every method but `capabilities` expects
/// never to run.
fn unchangeable_subscriptions() -> Guarded<MockSubscriptions> {
    let mut mock = MockSubscriptions::new();
    mock.expect_capabilities().returning(|| {
        let mut caps = SubscriptionCapabilities::full("restricted");
        caps.cancel_timings.immediately = false;
        caps.cancel_timings.at_period_end = false;
        caps.cancel_timings.at = false;
        caps.prorate = false;
        caps.uncancel = false;
        caps.change_price = false;
        caps.trial.until = false;
        caps
    });
    mock.expect_create().never();
    mock.expect_get().never();
    mock.expect_list().never();
    mock.expect_cancel().never();
    mock.expect_uncancel().never();
    mock.expect_change_price().never();
    Guarded::new(mock)
}

#[tokio::test]
async fn each_cancel_timing_is_refused_when_not_offered() {
    let g = unchangeable_subscriptions();
    let at: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    for options in [
        CancelOptions::immediately(),
        CancelOptions::at_period_end(),
        CancelOptions::at(at),
    ] {
        let err = g
            .cancel(SubscriptionId::new("sub_1"), options)
            .await
            .unwrap_err();
        assert_eq!(kind_field(&err), (ErrorKind::Unsupported, "timing"));
        assert_eq!(err.operation(), Some("subscriptions.cancel"));
    }
}

#[tokio::test]
async fn proration_is_refused_when_not_honoured() {
    let mut mock = MockSubscriptions::new();
    mock.expect_capabilities().returning(|| {
        let mut caps = SubscriptionCapabilities::full("restricted");
        caps.prorate = false;
        caps
    });
    mock.expect_cancel().never();
    let err = Guarded::new(mock)
        .cancel(
            SubscriptionId::new("sub_1"),
            CancelOptions::immediately().prorate(true),
        )
        .await
        .unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::Unsupported, "prorate"));
}

#[tokio::test]
async fn uncancel_change_price_and_trials_are_refused_when_not_offered() {
    let g = unchangeable_subscriptions();
    let err = g.uncancel(SubscriptionId::new("sub_1")).await.unwrap_err();
    assert_unsupported_operation(&err, "subscriptions.uncancel");

    let err = g
        .change_price(SubscriptionId::new("sub_1"), "price_2".into())
        .await
        .unwrap_err();
    assert_unsupported_operation(&err, "subscriptions.change_price");

    let at: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    let input = NewSubscription::builder(CustomerRef::external_id("ada"), "price_1")
        .trial(Trial::Until(at))
        .build()
        .unwrap();
    let err = g.create(input).await.unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::Unsupported, "trial"));
}

#[tokio::test]
async fn a_later_start_is_refused_where_not_honoured_and_beside_a_trial_where_it_is_one() {
    let at: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    let later = |trial| {
        NewSubscription::builder(CustomerRef::external_id("ada"), "price_1")
            .trial(trial)
            .start_at(at)
            .build()
            .unwrap()
    };
    let guarded = |start_at, as_trial| {
        let mut mock = MockSubscriptions::new();
        mock.expect_capabilities().returning(move || {
            let mut caps = SubscriptionCapabilities::full("restricted");
            caps.start_at = start_at;
            caps.start_at_as_trial = as_trial;
            caps
        });
        mock.expect_create().never();
        Guarded::new(mock)
    };
    let err = guarded(false, false)
        .create(later(Trial::FromPrice))
        .await
        .unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::Unsupported, "start_at"));
    assert_eq!(err.operation(), Some("subscriptions.create"));
    for trial in [Trial::Days(3), Trial::Until(at)] {
        let err = guarded(true, true).create(later(trial)).await.unwrap_err();
        assert_eq!(kind_field(&err), (ErrorKind::Unsupported, "trial"));
    }
    // Honoured: the input reaches the provider.
    let mut mock = MockSubscriptions::new();
    mock.expect_capabilities()
        .returning(|| SubscriptionCapabilities::full("memory"));
    mock.expect_create()
        .withf(move |input| input.start_at() == Some(at))
        .times(1)
        .returning(|_| {
            Ok(unibill_core::Subscription::builder(
                "sub_1",
                unibill_core::SubscriptionStatus::Active,
            )
            .build())
        });
    Guarded::new(mock)
        .create(later(Trial::Days(3)))
        .await
        .unwrap();
}

#[tokio::test]
async fn empty_subscription_ids_are_invalid_input() {
    let mut mock = MockSubscriptions::new();
    mock.expect_capabilities()
        .returning(|| SubscriptionCapabilities::full("restricted"));
    mock.expect_get().never();
    mock.expect_cancel().never();
    mock.expect_uncancel().never();
    mock.expect_change_price().never();
    mock.expect_list().never();
    let g = Guarded::new(mock);

    let err = g.get(SubscriptionId::new("")).await.unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::InvalidInput, "id"));
    let err = g
        .cancel(SubscriptionId::new(""), CancelOptions::at_period_end())
        .await
        .unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::InvalidInput, "id"));
    let err = g.uncancel(SubscriptionId::new("")).await.unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::InvalidInput, "id"));
    let err = g
        .change_price(SubscriptionId::new("sub_1"), "".into())
        .await
        .unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::InvalidInput, "price_id"));
    let err = g
        .list(SubscriptionListQuery::new().customer(CustomerRef::external_id("")))
        .await
        .unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::InvalidInput, "customer"));
}

#[tokio::test]
async fn invoices_refusals_never_reach_the_provider() {
    let mut mock = MockInvoices::new();
    mock.expect_capabilities().returning(|| {
        let mut caps = InvoiceCapabilities::full("restricted");
        caps.finalize = false;
        caps.void = false;
        caps
    });
    mock.expect_finalize().never();
    mock.expect_void().never();
    mock.expect_get().never();
    mock.expect_list().never();
    let g = Guarded::new(mock);

    let err = g.finalize(InvoiceId::new("inv_1")).await.unwrap_err();
    assert_unsupported_operation(&err, "invoices.finalize");
    let err = g.void(InvoiceId::new("inv_1")).await.unwrap_err();
    assert_unsupported_operation(&err, "invoices.void");
    let err = g.get(InvoiceId::new("")).await.unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::InvalidInput, "id"));
    let err = g
        .list(InvoiceListQuery::new().subscription_id(SubscriptionId::new("")))
        .await
        .unwrap_err();
    assert_eq!(
        kind_field(&err),
        (ErrorKind::InvalidInput, "subscription_id")
    );
}

#[tokio::test]
async fn entitlements_refusals_never_reach_the_provider() {
    let mut mock = MockEntitlements::new();
    mock.expect_capabilities()
        .returning(|| EntitlementCapabilities::full("restricted"));
    mock.expect_check().never();
    mock.expect_list().never();
    let g = Guarded::new(mock);

    let err = g.check(String::new(), "sso".into()).await.unwrap_err();
    assert_eq!(
        kind_field(&err),
        (ErrorKind::InvalidInput, "customer_external_id")
    );
    let err = g.check("ada".into(), String::new()).await.unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::InvalidInput, "feature_key"));
    let err = g.list(String::new()).await.unwrap_err();
    assert_eq!(
        kind_field(&err),
        (ErrorKind::InvalidInput, "customer_external_id")
    );

    let mut mock = MockEntitlements::new();
    mock.expect_capabilities().returning(|| {
        let mut caps = EntitlementCapabilities::full("restricted");
        caps.check = false;
        caps
    });
    mock.expect_check().never();
    let err = Guarded::new(mock)
        .check("ada".into(), "sso".into())
        .await
        .unwrap_err();
    assert_unsupported_operation(&err, "entitlements.check");
}

fn usage_with(caps: UsageCapabilities) -> MockUsage {
    let mut mock = MockUsage::new();
    mock.expect_capabilities().returning(move || caps);
    mock
}

#[tokio::test]
async fn usage_not_offered_is_unsupported() {
    let mut caps = UsageCapabilities::full("restricted");
    caps.ingest = false;
    caps.status_lookup = false;
    let mut mock = usage_with(caps);
    mock.expect_ingest().never();
    mock.expect_status().never();
    let g = Guarded::new(mock);

    let err = g.ingest(vec![event("ada", dec!(1))]).await.unwrap_err();
    assert_unsupported_operation(&err, "usage.ingest");
    let key = IdempotencyKey::new("k1").unwrap();
    let err = g.status(vec![key]).await.unwrap_err();
    assert_unsupported_operation(&err, "usage.status");
}

#[tokio::test]
async fn a_batch_beyond_the_event_limit_is_invalid_input_on_events() {
    let mut caps = UsageCapabilities::full("restricted");
    caps.max_batch_events = 2;
    let mut mock = usage_with(caps);
    mock.expect_ingest().never();
    let events = (0..3).map(|_| event("ada", dec!(1))).collect();
    let err = Guarded::new(mock).ingest(events).await.unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::InvalidInput, "events"));
    assert!(err.to_string().contains("at most 2"), "{err}");
}

#[tokio::test]
async fn a_batch_beyond_the_byte_limit_is_invalid_input_on_events() {
    let mut caps = UsageCapabilities::full("restricted");
    caps.max_batch_bytes = Some(64);
    let mut mock = usage_with(caps);
    mock.expect_ingest().never();
    let err = Guarded::new(mock)
        .ingest(vec![event("ada", dec!(1)), event("bob", dec!(2))])
        .await
        .unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::InvalidInput, "events"));
    assert!(err.to_string().contains("at most 64 bytes"), "{err}");
}

#[tokio::test]
async fn an_empty_batch_is_an_empty_report_without_a_call() {
    let mut mock = usage_with(UsageCapabilities::full("restricted"));
    mock.expect_ingest().never();
    let report = Guarded::new(mock).ingest(Vec::new()).await.unwrap();
    assert!(report.is_empty());
}

#[tokio::test]
async fn a_quantity_the_provider_cannot_take_is_that_events_rejection_and_the_rest_are_sent() {
    let mut caps = UsageCapabilities::full("restricted");
    caps.quantity = QuantityRule::PositiveInteger { max: 100 };
    let mut mock = usage_with(caps);
    let events = vec![
        event("ada", dec!(1)),
        event("bob", dec!(1.5)),
        event("cy", dec!(3)),
        event("dee", dec!(0)),
        event("eve", dec!(100)),
    ];
    let keys: Vec<IdempotencyKey> = events.iter().map(|e| e.key().clone()).collect();
    let sent_keys = [keys[0].clone(), keys[2].clone(), keys[4].clone()];
    mock.expect_ingest()
        .times(1)
        .withf(move |sent| sent.iter().map(UsageEvent::key).eq(sent_keys.iter()))
        .returning(|sent| {
            // Answered out of order: the guard merges by key, never by position.
            let mut report = IngestReport::new();
            for e in sent.iter().rev() {
                report.push(
                    e.key().clone(),
                    IngestOutcome::Recorded {
                        provider_id: Some(format!("evt_{}", e.customer_external_id())),
                    },
                );
            }
            Ok(report)
        });

    let report = Guarded::new(mock).ingest(events).await.unwrap();
    let entries = report.into_entries();
    assert_eq!(
        entries.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        keys.iter().collect::<Vec<_>>(),
        "input order"
    );
    let recorded = |o: &IngestOutcome| match o {
        IngestOutcome::Recorded { provider_id } => provider_id.clone(),
        other => panic!("expected Recorded, got {other:?}"),
    };
    let rejected_on_quantity = |o: &IngestOutcome| match o {
        IngestOutcome::Rejected(e) => {
            assert_eq!(kind_field(e), (ErrorKind::InvalidInput, "quantity"));
            assert!(e.to_string().contains("from 1 to 100"), "{e}");
        }
        other => panic!("expected Rejected, got {other:?}"),
    };
    assert_eq!(recorded(&entries[0].1).as_deref(), Some("evt_ada"));
    rejected_on_quantity(&entries[1].1);
    assert_eq!(recorded(&entries[2].1).as_deref(), Some("evt_cy"));
    rejected_on_quantity(&entries[3].1);
    assert_eq!(recorded(&entries[4].1).as_deref(), Some("evt_eve"));
}

#[tokio::test]
async fn a_batch_of_only_refused_events_never_reaches_the_provider() {
    let mut caps = UsageCapabilities::full("restricted");
    caps.quantity = QuantityRule::NonNegativeInteger;
    let mut mock = usage_with(caps);
    mock.expect_ingest().never();
    let report = Guarded::new(mock)
        .ingest(vec![event("ada", dec!(0.5))])
        .await
        .unwrap();
    assert_eq!((report.len(), report.rejected()), (1, 1));
}

#[tokio::test]
async fn an_event_the_providers_report_leaves_out_is_not_recorded() {
    let mut caps = UsageCapabilities::full("restricted");
    caps.quantity = QuantityRule::NonNegativeInteger;
    let mut mock = usage_with(caps);
    mock.expect_ingest()
        .times(1)
        .returning(|_| Ok(IngestReport::new()));
    let report = Guarded::new(mock)
        .ingest(vec![event("ada", dec!(1)), event("bob", dec!(0.5))])
        .await
        .unwrap();
    assert_eq!((report.not_recorded(), report.rejected()), (1, 1));
}

#[test]
fn webhooks_not_offered_are_unsupported() {
    let mut mock = MockWebhooks::new();
    mock.expect_capabilities()
        .returning(|| WebhookCapabilities::none("restricted"));
    mock.expect_verify().never();
    let now: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    let err = Guarded::new(mock)
        .verify(&WebhookHeaders::new(), b"{}", now)
        .unwrap_err();
    assert_unsupported_operation(&err, "webhooks.verify");
}

#[tokio::test]
async fn an_unconfigured_lifecycle_resource_says_how_to_route_it() {
    let billing = Billing::builder().build();
    let key = IdempotencyKey::new("k1").unwrap();
    let subscribe = NewSubscription::builder(CustomerRef::external_id("ada"), "price_1")
        .build()
        .unwrap();
    let meter = NewMeter::builder("api_calls", "API calls", Aggregation::Sum)
        .build()
        .unwrap();
    let errors = [
        ("METERS", billing.meters().create(meter).await.unwrap_err()),
        (
            "FEATURES",
            billing
                .features()
                .get_by_key("sso".into())
                .await
                .unwrap_err(),
        ),
        (
            "SUBSCRIPTIONS",
            billing.subscriptions().create(subscribe).await.unwrap_err(),
        ),
        (
            "USAGE",
            billing
                .usage()
                .ingest(vec![event("ada", dec!(1))])
                .await
                .unwrap_err(),
        ),
        (
            "USAGE",
            billing.usage().status(vec![key]).await.unwrap_err(),
        ),
        (
            "ENTITLEMENTS",
            billing
                .entitlements()
                .check("ada".into(), "sso".into())
                .await
                .unwrap_err(),
        ),
        (
            "INVOICES",
            billing
                .invoices()
                .get(InvoiceId::new("inv_1"))
                .await
                .unwrap_err(),
        ),
    ];
    for (resource, err) in errors {
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
        let variable = format!("UNIBILL_{resource}_PROVIDER");
        assert!(err.to_string().contains(&variable), "{variable}: {err}");
    }
    let caps = billing.capabilities();
    assert_eq!(caps.subscriptions.provider, "unconfigured");
    assert!(!caps.usage.ingest && !caps.meters.create && !caps.invoices.get);
}

#[tokio::test]
async fn billing_forwards_to_the_guarded_provider() {
    let mut mock = MockSubscriptions::new();
    mock.expect_capabilities()
        .returning(|| SubscriptionCapabilities::full("restricted"));
    mock.expect_uncancel().never();
    let billing = Billing::builder().subscriptions(mock).build();
    let err = Subscriptions::uncancel(&billing, SubscriptionId::new(""))
        .await
        .unwrap_err();
    assert_eq!(kind_field(&err), (ErrorKind::InvalidInput, "id"));
    assert_eq!(billing.capabilities().subscriptions.provider, "restricted");
}
