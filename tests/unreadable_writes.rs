//! A write whose 2xx answer cannot be read (issue #13, defect 5). The 2xx says the write happened: a `NaturalKey`
//! or `Reconcile` create looks the object up and returns it (exactly one resource, no second create); an `Unsafe`
//! create is never re-sent and fails with a `Decode` error marked `write_applied`, so no caller retries it into
//! a duplicate. A read's unreadable 2xx stays a plain `Decode` error. Both kinds of unreadable answer: complete
//! but cut JSON (`CutBodyAfterHandling`) and an answer broken off mid-body (`BreakBodyAfterHandling`).

#![cfg(all(feature = "flexprice", feature = "flowglad", feature = "vercel"))]

use std::time::{Duration, UNIX_EPOCH};

use http::Method;
use rust_decimal::Decimal;
use unibill::{
    Currency, Customers, ErrorKind, Interval, Money, NewCustomer, NewPrice, NewStore, PriceKind,
    Prices, Stores,
};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
use unibill_flowglad::{FlowgladClient, FlowgladConfig};
use unibill_http::{FixedClock, RecordingSleeper, RetryPolicy};
use unibill_testkit::emulators::{flexprice, flowglad, vercel};
use unibill_testkit::{Fault, TestServer};
use unibill_vercel::{VercelClient, VercelConfig};

const FLEXPRICE_KEY: &str = "sk_unreadable_flexprice";
const FLOWGLAD_KEY: &str = "sk_test_unreadable_flowglad";
const VERCEL_TOKEN: &str = "vercel_unreadable_token";

/// The two ways a 2xx can be unreadable, each after the write was applied.
fn unreadable() -> [(&'static str, Fault); 2] {
    [
        ("cut JSON", Fault::CutBodyAfterHandling { keep: 12 }),
        ("broken off", Fault::BreakBodyAfterHandling { keep: 12 }),
    ]
}

fn posts(server: &TestServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == Method::POST)
        .count()
}

#[tokio::test]
async fn a_flexprice_natural_key_create_with_an_unreadable_answer_returns_the_created_customer() {
    for (how, fault) in unreadable() {
        let emulator = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
        let server = TestServer::router(emulator.router()).await;
        let client = FlexpriceClient::builder(
            FlexpriceConfig::builder(FLEXPRICE_KEY)
                .base_url(server.url().join("v1").unwrap())
                .build()
                .unwrap(),
        )
        .executor(|b| b.sleeper(RecordingSleeper::default()))
        .build()
        .unwrap();
        server.push_fault(fault);
        let input = NewCustomer::builder("ext-unreadable", "Ada")
            .email("ada@example.com")
            .build()
            .unwrap();
        let customer = Customers::create(&client, input)
            .await
            .unwrap_or_else(|e| panic!("{how}: {e}"));
        assert_eq!(customer.external_id, "ext-unreadable", "{how}");
        assert_eq!(posts(&server), 1, "{how}: the create was sent again");
        assert_eq!(emulator.published_customer_count(), 1, "{how}");
    }
}

fn flowglad_client(server: &TestServer) -> FlowgladClient {
    FlowgladClient::builder(
        FlowgladConfig::builder(FLOWGLAD_KEY)
            .base_url(server.url().as_str())
            .currency(Currency::USD)
            .build()
            .unwrap(),
    )
    .executor(|b| b.sleeper(RecordingSleeper::default()))
    .build()
    .unwrap()
}

fn usage_price() -> unibill::NewPriceBuilder {
    NewPrice::builder(
        PriceKind::usage(Interval::monthly(), flowglad::seed::USAGE_METER_ID),
        Money::new(Decimal::new(25, 2), Currency::USD),
    )
}

#[tokio::test]
async fn a_flowglad_reconcile_create_with_an_unreadable_answer_returns_the_created_price() {
    for (how, fault) in unreadable() {
        let emulator = flowglad::FlowgladEmulator::new(FLOWGLAD_KEY);
        let server = TestServer::router(emulator.router()).await;
        let client = flowglad_client(&server);
        let slug = format!("unreadable-{}", how.replace(' ', "-"));
        let before = emulator.prices().len();
        server.push_fault(fault);
        let price = Prices::create(&client, usage_price().slug(&slug).build().unwrap())
            .await
            .unwrap_or_else(|e| panic!("{how}: {e}"));
        assert_eq!(price.slug.as_deref(), Some(slug.as_str()), "{how}");
        assert_eq!(posts(&server), 1, "{how}: the create was sent again");
        assert_eq!(emulator.prices().len(), before + 1, "{how}");
    }
}

#[tokio::test]
async fn a_flowglad_unsafe_create_with_an_unreadable_answer_is_write_applied_and_not_resent() {
    for (how, fault) in unreadable() {
        let emulator = flowglad::FlowgladEmulator::new(FLOWGLAD_KEY);
        let server = TestServer::router(emulator.router()).await;
        let client = flowglad_client(&server);
        let before = emulator.prices().len();
        server.push_fault(fault);
        let err = Prices::create(&client, usage_price().build().unwrap())
            .await
            .expect_err(how);
        assert_eq!(err.kind(), ErrorKind::Decode, "{how}: {err}");
        assert!(err.write_applied(), "{how}: {err}");
        assert!(!err.is_retryable(), "{how}");
        assert!(
            err.to_string().contains("do not send it again"),
            "{how}: {err}"
        );
        assert_eq!(posts(&server), 1, "{how}: the create was sent again");
        assert_eq!(
            emulator.prices().len(),
            before + 1,
            "{how}: it was applied once"
        );
    }
}

#[tokio::test]
async fn a_vercel_store_create_with_an_unreadable_answer_is_write_applied_and_not_resent() {
    for (how, fault) in unreadable() {
        let emulator = vercel::VercelEmulator::new(VERCEL_TOKEN);
        let server = TestServer::router(emulator.router()).await;
        let stores = VercelClient::builder(
            VercelConfig::builder(VERCEL_TOKEN)
                .team_id(vercel::seed::TEAM_ID)
                .base_url(server.url().as_str())
                .build()
                .unwrap(),
        )
        .clock(FixedClock(
            UNIX_EPOCH + Duration::from_millis(vercel::seed::NOW_MS),
        ))
        .executor(|b| {
            b.retry_policy(RetryPolicy::default())
                .sleeper(RecordingSleeper::default())
        })
        .build()
        .unwrap();
        server.push_fault(fault);
        let input = NewStore::builder("db-unreadable", vercel::seed::CONFIGURATION_ID, "neon")
            .build()
            .unwrap();
        let err = stores.create(input).await.expect_err(how);
        assert_eq!(err.kind(), ErrorKind::Decode, "{how}: {err}");
        assert!(err.write_applied(), "{how}: {err}");
        assert_eq!(posts(&server), 1, "{how}: the create was sent again");
    }
}

#[tokio::test]
async fn a_reads_unreadable_answer_is_a_plain_decode_error() {
    let emulator = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
    let server = TestServer::router(emulator.router()).await;
    let client = FlexpriceClient::builder(
        FlexpriceConfig::builder(FLEXPRICE_KEY)
            .base_url(server.url().join("v1").unwrap())
            .build()
            .unwrap(),
    )
    .executor(|b| b.retry_policy(RetryPolicy::never()))
    .build()
    .unwrap();
    server.push_fault(Fault::CutBodyAfterHandling { keep: 3 });
    let err = Customers::list(&client, unibill::CustomerListQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(!err.write_applied(), "{err}");
}
