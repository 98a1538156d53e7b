//! `unibill entitlements check` shows `as_of` and where each answer came from: the provider (`live`) or the
//! entitlement cache (`--cache`: `cached`, with its age), against the Flexprice emulator on 127.0.0.1.

mod support;

use unibill::{Customers, NewCustomer};
use unibill_testkit::emulators::flexprice::FlexpriceEmulator;

const KEY: &str = "sk_cli_test_entitlements";

fn vars(base_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("UNIBILL_PROVIDER", "flexprice".into()),
        ("FLEXPRICE_API_KEY", KEY.into()),
        ("FLEXPRICE_BASE_URL", base_url.into()),
    ]
}

/// The value of a field/value table's row.
fn field<'a>(table: &'a str, name: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or_else(|| panic!("no {name} row:\n{table}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_shows_as_of_and_whether_the_answer_came_from_the_cache() {
    let emulator = FlexpriceEmulator::new(KEY);
    let served = emulator.serve().await.unwrap();
    let client = unibill::flexprice::FlexpriceClient::builder(
        unibill::flexprice::FlexpriceConfig::builder(KEY)
            .base_url(served.base_url().parse().unwrap())
            .build()
            .unwrap(),
    )
    .build()
    .unwrap();
    client
        .create(NewCustomer::builder("ada", "Ada").build().unwrap())
        .await
        .unwrap();
    let vars = vars(served.base_url());

    // Without the cache: the provider's answer, said so.
    emulator.clear_requests();
    let one = support::run(&vars, &["entitlements", "check", "ada", "sso"], None).ok();
    assert_eq!(field(&one, "access"), "false", "{one}");
    assert_eq!(field(&one, "kind.type"), "not_granted", "{one}");
    assert_eq!(field(&one, "freshness.source"), "live", "{one}");
    let as_of: unibill::Timestamp = field(&one, "as_of").parse().unwrap();
    assert!(as_of > unibill::Timestamp::UNIX_EPOCH, "{one}");
    assert_eq!(emulator.request_count(), 1);

    // Through the cache: the first feature asks for the customer's list, the others come from memory.
    emulator.clear_requests();
    let listed = support::run(
        &vars,
        &[
            "entitlements",
            "check",
            "ada",
            "sso",
            "api_calls",
            "exports",
            "--cache",
        ],
        None,
    )
    .ok();
    let rows: Vec<Vec<&str>> = listed
        .lines()
        .skip(2)
        .filter(|l| !l.starts_with('('))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 3, "{listed}");
    let sources: Vec<&str> = rows.iter().map(|r| r[r.len() - 2]).collect();
    assert_eq!(sources, ["live", "cached", "cached"], "{listed}");
    assert!(
        rows[1].last().unwrap().starts_with("PT"),
        "the age: {listed}"
    );
    assert!(listed.lines().next().unwrap().contains("as_of"), "{listed}");
    assert_eq!(emulator.request_count(), 1, "one request for three checks");

    // The JSON says the same.
    let json: Vec<serde_json::Value> = support::run(
        &vars,
        &[
            "entitlements",
            "check",
            "ada",
            "sso",
            "sso",
            "--cache",
            "--json",
        ],
        None,
    )
    .json();
    assert_eq!(json[0]["freshness"]["source"], "live", "{json:?}");
    assert_eq!(json[1]["freshness"]["source"], "cached", "{json:?}");
    assert!(json[1]["as_of"].is_string(), "{json:?}");
    let back: unibill::Entitlement = serde_json::from_value(json[1].clone()).unwrap();
    assert!(back.freshness.is_cached());
}
