//! Live smoke tests: the same conformance functions against the real providers.
//!
//! They run only when credentials are given, and never in CI (`CI` set): otherwise each test prints why it
//! skipped and passes. Data persists on a live account, so every run uses fresh natural keys
//! (`unibill-live-<unix seconds>-…`). See the README's "Live smoke tests" section.
//!
//! | variable | needed for |
//! |---|---|
//! | `UNIBILL_LIVE_FLEXPRICE_API_KEY` (+ optional `UNIBILL_LIVE_FLEXPRICE_REGION`) | Flexprice customers, connections |
//! | `UNIBILL_LIVE_FLOWGLAD_SECRET_KEY`, `UNIBILL_LIVE_FLOWGLAD_PRODUCT_ID` (+ optional `…_ONE_TIME_PRODUCT_ID`, `…_METER_ID`, `…_CURRENCY`) | Flowglad customers, prices |
//! | `UNIBILL_LIVE_VERCEL_TOKEN`, `UNIBILL_LIVE_VERCEL_TEAM_ID` (+ optional `…_PAYMENT_METHOD_ID` for paid plans) | Vercel stores |

#![cfg(all(feature = "flexprice", feature = "flowglad", feature = "vercel"))]

use std::collections::HashMap;
use std::time::Duration;

use unibill::conformance::{Env, Fixtures, connections, customers, prices, stores};
use unibill::{BillingConfig, Timestamp, WaitOptions};

fn live(name: &str) -> Option<String> {
    std::env::var(format!("UNIBILL_LIVE_{name}"))
        .ok()
        .filter(|v| !v.is_empty())
}

/// The variables for a live provider, or the reason to skip.
fn configure(required: &str, map: &[(&str, &str)]) -> Result<HashMap<String, String>, String> {
    if std::env::var_os("CI").is_some() {
        return Err("live smoke tests never run in CI".into());
    }
    if live(required).is_none() {
        return Err(format!("UNIBILL_LIVE_{required} is not set"));
    }
    Ok(map
        .iter()
        .filter_map(|(live_name, var)| live(live_name).map(|v| (var.to_string(), v)))
        .collect())
}

/// What a live run cannot observe: nothing counts the requests that reach a real provider.
const UNCOUNTED: &[(&str, &str)] = &[(
    "validation_before_sending",
    "the environment does not count requests",
)];

fn run_id(provider: &str) -> String {
    format!("unibill-live-{}-{provider}", Timestamp::now().as_second())
}

#[tokio::test]
async fn live_flexprice() {
    let vars = match configure(
        "FLEXPRICE_API_KEY",
        &[
            ("FLEXPRICE_API_KEY", "FLEXPRICE_API_KEY"),
            ("FLEXPRICE_REGION", "FLEXPRICE_REGION"),
        ],
    ) {
        Ok(v) => v,
        Err(why) => return eprintln!("skipped live Flexprice smoke test: {why}"),
    };
    let billing = BillingConfig::from_lookup(|n| vars.get(n).cloned())
        .and_then(|c| c.provider(unibill::ProviderName::Flexprice).build())
        .expect("live Flexprice configuration");
    let env = Env::new(run_id("flexprice"));
    customers::run_all(&billing.customers(), &env)
        .await
        .assert_skipped(UNCOUNTED);
    connections::run_all(&billing.connections(), &env)
        .await
        .assert_skipped(UNCOUNTED);
}

#[tokio::test]
async fn live_flowglad() {
    let vars = match configure(
        "FLOWGLAD_SECRET_KEY",
        &[
            ("FLOWGLAD_SECRET_KEY", "FLOWGLAD_SECRET_KEY"),
            ("FLOWGLAD_CURRENCY", "FLOWGLAD_CURRENCY"),
        ],
    ) {
        Ok(v) => v,
        Err(why) => return eprintln!("skipped live Flowglad smoke test: {why}"),
    };
    let mut lookup = vars.clone();
    lookup.insert("UNIBILL_CUSTOMERS_PROVIDER".into(), "flowglad".into());
    lookup.insert("UNIBILL_PRICES_PROVIDER".into(), "flowglad".into());
    let billing = BillingConfig::from_lookup(|n| lookup.get(n).cloned())
        .and_then(|c| c.build())
        .expect("live Flowglad configuration");
    let env = Env::new(run_id("flowglad")).with_fixtures(Fixtures {
        product_id: live("FLOWGLAD_PRODUCT_ID"),
        one_time_product_id: live("FLOWGLAD_ONE_TIME_PRODUCT_ID"),
        meter_id: live("FLOWGLAD_METER_ID"),
        ..Fixtures::default()
    });
    customers::run_all(&billing.customers(), &env)
        .await
        .assert_skipped(UNCOUNTED);
    // Which price behaviours skip depends on the optional fixtures given: shown, not asserted.
    eprintln!("{}", prices::run_all(&billing.prices(), &env).await);
}

#[tokio::test]
async fn live_vercel() {
    let vars = match configure(
        "VERCEL_TOKEN",
        &[
            ("VERCEL_TOKEN", "VERCEL_TOKEN"),
            ("VERCEL_TEAM_ID", "VERCEL_TEAM_ID"),
        ],
    ) {
        Ok(v) => v,
        Err(why) => return eprintln!("skipped live Vercel smoke test: {why}"),
    };
    let mut lookup = vars.clone();
    lookup.insert("UNIBILL_STORES_PROVIDER".into(), "vercel".into());
    let billing = BillingConfig::from_lookup(|n| lookup.get(n).cloned())
        .and_then(|c| c.build())
        .expect("live Vercel configuration");
    let env = Env::new(run_id("vercel"))
        .with_fixtures(Fixtures {
            payment_method_id: live("VERCEL_PAYMENT_METHOD_ID"),
            ..Fixtures::default()
        })
        .with_wait(WaitOptions::new(Duration::from_secs(3), 40));
    // What is skipped depends on the account's catalogue and the optional payment method: shown, not asserted.
    eprintln!("{}", stores::run_all(&billing.stores(), &env).await);
}
