//! The built `unibill` binary against servers that misbehave (issue #13): a base URL that redirects, ids the
//! HTTP stack cannot or must not send, a create whose 2xx answer cannot be read.

mod support;

use support::Ran;
use unibill_testkit::emulators::{flowglad, vercel};
use unibill_testkit::{Fault, Reply, TestServer};

const FLEXPRICE_KEY: &str = "sk_cli_hostile_flexprice_key";
const FLOWGLAD_KEY: &str = "sk_test_cli_hostile_flowglad";
const VERCEL_TOKEN: &str = "vercel_cli_hostile_token";

fn unibill(vars: &[(&str, String)], args: &[&str]) -> Ran {
    support::run(vars, args, None)
}

fn flexprice_customers(base_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("UNIBILL_CUSTOMERS_PROVIDER", "flexprice".into()),
        ("FLEXPRICE_API_KEY", FLEXPRICE_KEY.into()),
        ("FLEXPRICE_BASE_URL", base_url.into()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirecting_base_url_is_an_error_and_the_other_origin_hears_nothing() {
    let other = TestServer::from_fn(|_| {
        Reply::json(
            200,
            r#"{"id":"cust_evil","external_id":"ext-1","name":"Not yours"}"#,
        )
    })
    .await;
    let location = format!("http://localhost:{}/v1/customers", other.addr().port());
    let first =
        TestServer::from_fn(move |_| Reply::status(307).header("location", &location)).await;
    let vars = flexprice_customers(&format!("http://{}/v1", first.addr()));
    for args in [
        &["customers", "get", "cust_1"][..],
        &[
            "customers",
            "create",
            "--external-id",
            "ext-1",
            "--name",
            "Ada",
            "--email",
            "ada@example.com",
        ],
        &["customers", "get", "cust_1", "--json"],
    ] {
        let ran = unibill(&vars, args);
        assert_eq!(ran.code, 1, "{args:?}: {}", ran.stderr);
        assert!(ran.stdout.is_empty(), "{args:?}: printed {}", ran.stdout);
        assert!(
            ran.stderr.contains("redirects are not followed"),
            "{args:?}: {}",
            ran.stderr
        );
        assert!(!ran.stderr.contains(FLEXPRICE_KEY), "{}", ran.stderr);
    }
    assert_eq!(other.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_that_cannot_be_sent_are_usage_errors_before_any_request() {
    let server = TestServer::from_fn(|_| Reply::json(200, "{}")).await;
    let vars = flexprice_customers(&format!("http://{}/v1", server.addr()));
    let long = "c".repeat(70_000);
    for (args, field) in [
        (vec!["customers", "delete", long.as_str()], "id"),
        (vec!["customers", "get", long.as_str()], "id"),
        (vec!["customers", "get", "cust\t1"], "id"),
        (vec!["customers", "delete", "cust\n1"], "id"),
    ] {
        let ran = unibill(&vars, &args);
        assert_eq!(ran.code, 2, "{}: {}", args[1], ran.stderr);
        assert!(ran.stderr.contains(field), "{}", ran.stderr);
        assert!(ran.stderr.len() < 2048, "the error repeats the id");
    }
    assert_eq!(server.request_count(), 0);

    let vercel = vercel::VercelEmulator::new(VERCEL_TOKEN);
    let served = TestServer::router(vercel.router()).await;
    let vars = vec![
        ("UNIBILL_STORES_PROVIDER", "vercel".to_owned()),
        ("VERCEL_TOKEN", VERCEL_TOKEN.to_owned()),
        ("VERCEL_TEAM_ID", "t".repeat(70_000)),
        ("VERCEL_BASE_URL", served.url().to_string()),
    ];
    let ran = unibill(
        &vars,
        &[
            "stores",
            "create",
            "--name",
            "db",
            "--configuration-id",
            vercel::seed::CONFIGURATION_ID,
            "--product",
            "neon",
        ],
    );
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(ran.stderr.contains("teamId"), "{}", ran.stderr);
    assert_eq!(served.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_cannot_be_read_exits_3_saying_it_was_created() {
    let emulator = flowglad::FlowgladEmulator::new(FLOWGLAD_KEY);
    let server = TestServer::router(emulator.router()).await;
    let vars = vec![
        ("UNIBILL_PRICES_PROVIDER", "flowglad".to_owned()),
        ("FLOWGLAD_SECRET_KEY", FLOWGLAD_KEY.to_owned()),
        ("FLOWGLAD_BASE_URL", server.url().to_string()),
    ];
    let before = emulator.prices().len();
    server.push_fault(Fault::CutBodyAfterHandling { keep: 20 });
    let ran = unibill(
        &vars,
        &[
            "prices",
            "create",
            "--amount",
            "29.00",
            "--interval",
            "month",
            "--product-id",
            flowglad::seed::PRO_PRODUCT_ID,
            "--name",
            "Pro",
        ],
    );
    assert_eq!(ran.code, 3, "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("created, but the answer could not be read")
            && ran.stderr.contains("unibill prices list"),
        "{}",
        ran.stderr
    );
    assert_eq!(emulator.prices().len(), before + 1, "created once");
}
