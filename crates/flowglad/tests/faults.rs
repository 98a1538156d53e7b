//! Lost answers and server faults through the executor, against the emulator behind a fault-injecting server.

mod support;

use rust_decimal_macros::dec;
use support::EmuRig;
use unibill_core::{
    Currency, Customers, ErrorKind, Interval, Money, NewCustomer, NewPrice, PriceId, PriceKind,
    Prices,
};
use unibill_testkit::Fault;
use unibill_testkit::emulators::flowglad::seed;

fn usage_price(slug: Option<&str>) -> NewPrice {
    let b = NewPrice::builder(
        PriceKind::usage(Interval::monthly(), seed::USAGE_METER_ID),
        Money::new(dec!(0.25), Currency::USD),
    );
    match slug {
        Some(s) => b.slug(s),
        None => b,
    }
    .build()
    .unwrap()
}

#[tokio::test]
async fn customer_create_whose_answer_is_lost_yields_one_customer() {
    let rig = EmuRig::new().await;
    rig.server.push_fault(Fault::CloseAfterHandling);
    let input = NewCustomer::builder("user_lost", "Ada")
        .email("ada@example.com")
        .build()
        .unwrap();
    let customer = Customers::create(&rig.client, input).await.unwrap();
    assert_eq!(customer.id.as_str(), "user_lost");
    assert_eq!(rig.emulator.customer_count(), 1, "exactly one customer");
    let methods: Vec<_> = rig
        .server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        methods,
        [
            "POST /api/v1/customers",
            "POST /api/v1/customers",
            "GET /api/v1/customers/user_lost"
        ],
        "replayed, 409, looked up"
    );
    assert_eq!(rig.sleeper.delays().len(), 1);
}

#[tokio::test]
async fn customer_create_lost_answer_for_someone_else_is_already_exists() {
    let rig = EmuRig::new().await;
    let first = NewCustomer::builder("user_x", "Ada")
        .email("ada@example.com")
        .build()
        .unwrap();
    Customers::create(&rig.client, first).await.unwrap();
    let err = Customers::create(
        &rig.client,
        NewCustomer::builder("user_x", "Bob")
            .email("bob@example.com")
            .build()
            .unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert_eq!(err.existing_id(), Some("user_x"));
    assert_eq!(err.status(), Some(409));
    assert_eq!(rig.emulator.customer_count(), 1);
}

#[tokio::test]
async fn slugged_price_create_whose_answer_is_lost_yields_one_active_price() {
    let rig = EmuRig::new().await;
    rig.server.push_fault(Fault::CloseAfterHandling);
    let price = Prices::create(&rig.client, usage_price(Some("calls_lost")))
        .await
        .unwrap();
    let with_slug: Vec<_> = rig
        .emulator
        .prices()
        .into_iter()
        .filter(|p| p["slug"] == "calls_lost" && p["active"] == true)
        .collect();
    assert_eq!(with_slug.len(), 1, "exactly one active price with the slug");
    assert_eq!(with_slug[0]["id"], price.id.as_str());
    let creates = rig
        .server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(creates, 1, "reconciled by listing, never re-sent");
}

#[tokio::test]
async fn slugged_price_create_refused_before_applying_is_resent_once() {
    let rig = EmuRig::new().await;
    rig.server.push_fault(Fault::status(503));
    Prices::create(&rig.client, usage_price(Some("calls_503")))
        .await
        .unwrap();
    assert_eq!(rig.emulator.active_price_count(), 1);
    let posts = rig
        .server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 2, "looked up (missing), then re-sent");
}

#[tokio::test]
async fn unslugged_price_create_whose_answer_is_lost_is_outcome_unknown_after_one_request() {
    for fault in [Fault::CloseAfterHandling, Fault::status(503)] {
        let rig = EmuRig::new().await;
        rig.server.push_fault(fault);
        let err = Prices::create(&rig.client, usage_price(None))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
        assert_eq!(rig.server.request_count(), 1, "sent exactly once");
        assert!(rig.sleeper.delays().is_empty());
    }
}

#[tokio::test]
async fn a_500_without_code_is_ambiguous_and_a_slug_clash_is_final() {
    // A bare "Internal server error" on an unslugged create: the outcome is unknown.
    let rig = EmuRig::new().await;
    rig.server
        .push_fault(Fault::Reply(unibill_testkit::Reply::json(
            500,
            r#"{"error":"Internal server error","request_id":"e4d3c2b1","sentry_event_id":"x"}"#,
        )));
    let err = Prices::create(&rig.client, usage_price(None))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(rig.server.request_count(), 1);

    // The slug trigger's 500 carries a code: AlreadyExists with the holder's id, no retry.
    let rig = EmuRig::new().await;
    let first = Prices::create(&rig.client, usage_price(Some("taken")))
        .await
        .unwrap();
    let err = Prices::create(&rig.client, usage_price(Some("taken")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    assert_eq!(err.existing_id(), Some(first.id.as_str()));
    // The holder itself rides along: `ensure` needs no further read.
    assert_eq!(
        err.existing::<unibill_core::Price>().map(|p| p.id.as_str()),
        Some(first.id.as_str())
    );
    assert_eq!(err.status(), Some(500));
    assert!(rig.sleeper.delays().is_empty(), "not retried");
}

#[tokio::test]
async fn reads_and_updates_are_retried() {
    let rig = EmuRig::new().await;
    let price = Prices::create(&rig.client, usage_price(Some("r")))
        .await
        .unwrap();
    rig.server.push_faults(Fault::status(503), 2);
    let got = Prices::get(&rig.client, price.id.clone()).await.unwrap();
    assert_eq!(got.id, price.id);
    assert_eq!(rig.sleeper.delays().len(), 2);
    rig.server.push_fault(Fault::CloseAfterHandling);
    let archived = Prices::archive(&rig.client, price.id.clone())
        .await
        .unwrap();
    assert!(!archived.active);
    let missing = Prices::get(&rig.client, PriceId::new("price_nope"))
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}
