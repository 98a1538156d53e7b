//! `unibill usage ingest` moves the same JSON lines to Flexprice or to Flowglad by configuration alone: one
//! input, one command line, only the environment naming the provider differs. Each emulator runs in this test
//! process on 127.0.0.1; what it holds afterwards is counted on its side.

mod support;

use unibill::flexprice::{FlexpriceClient, FlexpriceConfig};
use unibill::flowglad::{FlowgladClient, FlowgladConfig};
use unibill::{
    Aggregation, Currency, CustomerRef, Customers, Decimal, Interval, Meters, Money, NewCustomer,
    NewMeter, NewPrice, NewSubscription, PriceKind, Prices, Subscriptions,
};
use unibill_testkit::emulators::{flexprice, flowglad};

const FLEXPRICE_KEY: &str = "sk_cli_ingest_flexprice";
const FLOWGLAD_KEY: &str = "sk_test_cli_ingest_flowglad";
const CUSTOMER: &str = "ada";
const METER: &str = "api_calls";

/// The input both providers get: three events and a repeat of the first (same key, same time), with whole
/// quantities (Flowglad takes no fractions) and a fixed time (a re-run re-sends exactly the same events).
fn input() -> String {
    let line = |key: &str, quantity: u32| {
        format!(
            r#"{{"key":"{key}","customer_external_id":"{CUSTOMER}","meter_key":"{METER}","quantity":{quantity},"occurred_at":"2026-08-22T13:00:00Z"}}"#
        )
    };
    [
        line("cli-ev-1", 2),
        line("cli-ev-2", 3),
        line("cli-ev-1", 2),
        line("cli-ev-3", 5),
        String::new(),
    ]
    .join("\n")
}

/// The one command line, whatever the provider.
const INGEST: [&str; 3] = ["usage", "ingest", "--json"];

/// Runs the ingest twice with `vars` and checks what the CLI reported: 3 events taken and the repeat a
/// duplicate the first time, then every event a success again (nothing is counted twice on the provider:
/// the callers check that).
fn ingest_twice(vars: &[(&str, String)]) {
    let input = input();
    for run in 0..2 {
        let json: serde_json::Value = support::run(vars, &INGEST, Some(&input)).json();
        let summary = &json["summary"];
        let taken = summary["recorded"].as_u64().unwrap() + summary["accepted"].as_u64().unwrap();
        let duplicates = summary["duplicate"].as_u64().unwrap();
        assert_eq!(summary["rejected"], 0, "run {run}: {json}");
        assert_eq!(summary["not_recorded"], 0, "run {run}: {json}");
        assert_eq!(taken + duplicates, 4, "run {run}: {json}");
        if run == 0 {
            assert_eq!(json["events"][2]["outcome"], "duplicate", "{json}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_ingest_moves_the_same_lines_to_flexprice_or_flowglad_by_configuration_alone() {
    // Flexprice: the customer and a sum meter on the events' name.
    let fx = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
    let fx_served = fx.serve().await.unwrap();
    let fx_client = FlexpriceClient::new(
        FlexpriceConfig::builder(FLEXPRICE_KEY)
            .base_url(fx_served.base_url().parse().unwrap())
            .build()
            .unwrap(),
    )
    .unwrap();
    Customers::create(
        &fx_client,
        NewCustomer::builder(CUSTOMER, "Ada").build().unwrap(),
    )
    .await
    .unwrap();
    Meters::create(
        &fx_client,
        NewMeter::builder(METER, "API calls", Aggregation::Sum)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();

    // Flowglad: the customer and a subscription for the events to attach to.
    let fg = flowglad::FlowgladEmulator::new(FLOWGLAD_KEY);
    let fg_served = fg.serve().await.unwrap();
    let fg_client = FlowgladClient::new(
        FlowgladConfig::builder(FLOWGLAD_KEY)
            .base_url(fg_served.base_url())
            .currency(Currency::USD)
            .build()
            .unwrap(),
    )
    .unwrap();
    Customers::create(
        &fg_client,
        NewCustomer::builder(CUSTOMER, "Ada")
            .email("ada@example.com")
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    // The emulator seeds the meter the events name (slug `api_calls`).
    assert_eq!(flowglad::seed::USAGE_METER_SLUG, METER);
    let price = Prices::create(
        &fg_client,
        NewPrice::builder(
            PriceKind::recurring(Interval::monthly()),
            Money::new(Decimal::new(2900, 2), Currency::USD),
        )
        .product_id(flowglad::seed::PRO_PRODUCT_ID)
        .build()
        .unwrap(),
    )
    .await
    .unwrap();
    Subscriptions::create(
        &fg_client,
        NewSubscription::builder(CustomerRef::external_id(CUSTOMER), price.id)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();

    let flexprice_vars = vec![
        ("UNIBILL_PROVIDER", "flexprice".to_owned()),
        ("FLEXPRICE_API_KEY", FLEXPRICE_KEY.to_owned()),
        ("FLEXPRICE_BASE_URL", fx_served.base_url().to_owned()),
    ];
    let flowglad_vars = vec![
        ("UNIBILL_PROVIDER", "flowglad".to_owned()),
        ("FLOWGLAD_SECRET_KEY", FLOWGLAD_KEY.to_owned()),
        ("FLOWGLAD_BASE_URL", fg_served.base_url().to_owned()),
    ];
    ingest_twice(&flexprice_vars);
    ingest_twice(&flowglad_vars);

    // Flexprice stores a row per (event id, timestamp): three rows for three events, however often sent.
    assert_eq!(fx.event_count(), 3, "Flexprice rows");
    // Flowglad keeps the first write per (transactionId, meter): three events, amounts 2 + 3 + 5.
    let events = fg.usage_events();
    let mut ids: Vec<&str> = events
        .iter()
        .map(|e| e["transactionId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["cli-ev-1", "cli-ev-2", "cli-ev-3"], "{events:?}");
    let total: i64 = events.iter().map(|e| e["amount"].as_i64().unwrap()).sum();
    assert_eq!(total, 10, "{events:?}");
}
