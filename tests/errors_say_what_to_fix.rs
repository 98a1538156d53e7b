//! Errors that say what to fix (issue #14, item 5), against the emulators on 127.0.0.1: a refused key names the
//! variable that holds it, a base URL that misses the API's routes says what the base should look like, and a
//! connect failure names the origin it tried.

#![cfg(all(feature = "flexprice", feature = "flowglad"))]

use unibill::{BillingConfig, CustomerListQuery, ErrorKind};
use unibill_testkit::emulators::{flexprice, flowglad};

const FLEXPRICE_KEY: &str = "sk_fix_flexprice_key";
const FLOWGLAD_KEY: &str = "sk_test_fix_flowglad_key";

fn billing(vars: &[(&str, String)]) -> unibill::Billing {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    BillingConfig::from_lookup(move |name| {
        vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
    .unwrap()
    .build()
    .unwrap()
}

#[tokio::test]
async fn flexprice_names_its_key_variable_and_the_v1_base() {
    let emulator = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
    let served = emulator.serve().await.unwrap();
    let base = served.base_url().to_owned();
    let wrong_key = billing(&[
        ("UNIBILL_CUSTOMERS_PROVIDER", "flexprice".into()),
        ("FLEXPRICE_API_KEY", "sk_not_the_key".into()),
        ("FLEXPRICE_BASE_URL", base.clone()),
    ]);
    let err = wrong_key
        .customers()
        .list(CustomerListQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert!(err.to_string().contains("FLEXPRICE_API_KEY"), "{err}");

    let without_v1 = billing(&[
        ("UNIBILL_CUSTOMERS_PROVIDER", "flexprice".into()),
        ("FLEXPRICE_API_KEY", FLEXPRICE_KEY.into()),
        (
            "FLEXPRICE_BASE_URL",
            base.trim_end_matches("/v1").to_owned(),
        ),
    ]);
    let err = without_v1
        .customers()
        .list(CustomerListQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let text = err.to_string();
    assert!(
        text.contains("FLEXPRICE_BASE_URL") && text.contains("/v1"),
        "{text}"
    );

    // A customer that does not exist is not a configuration problem.
    let right = billing(&[
        ("UNIBILL_CUSTOMERS_PROVIDER", "flexprice".into()),
        ("FLEXPRICE_API_KEY", FLEXPRICE_KEY.into()),
        ("FLEXPRICE_BASE_URL", base),
    ]);
    let err = right
        .customers()
        .get("cust_missing".into())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(!err.to_string().contains("FLEXPRICE_BASE_URL"), "{err}");
}

#[tokio::test]
async fn flowglad_names_its_key_variable_and_the_origin_only_base() {
    let emulator = flowglad::FlowgladEmulator::new(FLOWGLAD_KEY);
    let served = emulator.serve().await.unwrap();
    let url = served.base_url();
    let wrong_key = billing(&[
        ("UNIBILL_CUSTOMERS_PROVIDER", "flowglad".into()),
        ("FLOWGLAD_SECRET_KEY", "sk_test_not_the_key".into()),
        ("FLOWGLAD_BASE_URL", url.to_owned()),
    ]);
    let err = wrong_key
        .customers()
        .list(CustomerListQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert!(err.to_string().contains("FLOWGLAD_SECRET_KEY"), "{err}");

    let with_path = billing(&[
        ("UNIBILL_CUSTOMERS_PROVIDER", "flowglad".into()),
        ("FLOWGLAD_SECRET_KEY", FLOWGLAD_KEY.into()),
        (
            "FLOWGLAD_BASE_URL",
            format!("{}/api/v1", url.trim_end_matches('/')),
        ),
    ]);
    let err = with_path
        .customers()
        .list(CustomerListQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(err.to_string().contains("FLOWGLAD_BASE_URL"), "{err}");
}

#[tokio::test]
async fn a_connect_failure_names_the_origin_it_tried() {
    // A port nothing listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let unreachable = billing(&[
        ("UNIBILL_CUSTOMERS_PROVIDER", "flexprice".into()),
        ("FLEXPRICE_API_KEY", FLEXPRICE_KEY.into()),
        ("FLEXPRICE_BASE_URL", format!("http://127.0.0.1:{port}/v1")),
    ]);
    let err = unreachable
        .customers()
        .list(CustomerListQuery::new().limit(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(
        err.to_string()
            .contains(&format!("http://127.0.0.1:{port}")),
        "{err}"
    );
}

#[cfg(feature = "vercel")]
#[tokio::test]
async fn vercel_names_its_token_variable() {
    use unibill::Stores;
    use unibill_testkit::emulators::vercel;
    let emulator = vercel::VercelEmulator::new("vercel_right_token");
    let served = emulator.serve().await.unwrap();
    let wrong = billing(&[
        ("UNIBILL_STORES_PROVIDER", "vercel".into()),
        ("VERCEL_TOKEN", "vercel_wrong_token".into()),
        ("VERCEL_TEAM_ID", vercel::seed::TEAM_ID.into()),
        ("VERCEL_BASE_URL", served.base_url().to_owned()),
    ]);
    let err = wrong
        .stores()
        .get(unibill::StoreId::new("store_1"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
    assert!(err.to_string().contains("VERCEL_TOKEN"), "{err}");
}
