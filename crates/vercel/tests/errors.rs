//! The error table: every error fixture maps per the table and keeps `x-vercel-id`; the `err` key variant; 429
//! waits; malformed answers are `Decode`, never a panic.

mod support;

use std::time::Duration;

use proptest::prelude::*;
use support::{canned, fixture};
use unibill_core::{
    BillingPlanQuery, ErrorKind, IntegrationConfigurationId, NewStore, StoreId, Stores,
};
use unibill_testkit::Reply;
use unibill_testkit::emulators::vercel::{Endpoint, InjectedError, RateLimit, seed};

const VERCEL_ID: &str = "fra1::iad1::abcde-1732254000000-0123456789ab";

fn input() -> NewStore {
    NewStore::builder("shop-db", seed::CONFIGURATION_ID, "neon")
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_error_fixture_maps_per_the_table() {
    let cases = [
        (
            "error-400-bad-request.json",
            400,
            ErrorKind::InvalidInput,
            "bad_request",
        ),
        (
            "error-402-payment-required.json",
            402,
            ErrorKind::PaymentRequired,
            "payment_required",
        ),
        (
            "error-403-forbidden.json",
            403,
            ErrorKind::PermissionDenied,
            "forbidden",
        ),
        (
            "error-404-not-found.json",
            404,
            ErrorKind::NotFound,
            "not_found",
        ),
        (
            "error-429-rate-limited.json",
            429,
            ErrorKind::RateLimited,
            "rate_limited",
        ),
    ];
    for (file, status, kind, code) in cases {
        for key in ["error", "err"] {
            let body = fixture(file).replacen("\"error\"", &format!("\"{key}\""), 1);
            let (server, client, sleeper) =
                canned(move |_| Reply::json(status, body.clone()).header("x-vercel-id", VERCEL_ID))
                    .await;
            let err = client.create(input()).await.unwrap_err();
            assert_eq!(err.kind(), kind, "{file} ({key})");
            assert_eq!(err.status(), Some(status));
            assert_eq!(err.provider_code(), Some(code), "{file} ({key})");
            assert_eq!(err.request_id(), Some(VERCEL_ID), "{file} ({key})");
            assert_eq!(err.provider(), Some("vercel"));
            assert_eq!(err.operation(), Some("stores.create"));
            assert!(err.provider_message().is_some_and(|m| !m.is_empty()));
            if status == 429 {
                // No Retry-After: the body's limit.resetMs is 42 s after the (emulator's) clock. Retried until
                // the policy's 4 attempts are spent, then RateLimited carrying the wait.
                assert_eq!(server.request_count(), 4);
                assert_eq!(sleeper.delays(), vec![Duration::from_secs(42); 3]);
                assert_eq!(err.retry_after(), Some(Duration::from_secs(42)));
            } else {
                assert_eq!(
                    server.request_count(),
                    1,
                    "{file}: final answers are not retried"
                );
            }
        }
    }
}

#[tokio::test]
async fn bad_request_names_the_field_and_forbidden_the_permission() {
    let (_s, client, _) = canned(|_| Reply::json(400, fixture("error-400-bad-request.json"))).await;
    let err = client.create(input()).await.unwrap_err();
    assert_eq!(err.field_errors()[0].field, "product");

    let (_s, client, _) = canned(|_| Reply::json(403, fixture("error-403-forbidden.json"))).await;
    let err = client.create(input()).await.unwrap_err();
    assert!(
        err.message().contains("integrationResource:create"),
        "{err}"
    );
}

#[tokio::test]
async fn other_statuses_map_per_the_table() {
    for (status, kind) in [
        (401, ErrorKind::Unauthenticated),
        (409, ErrorKind::Conflict),
        (410, ErrorKind::NotFound),
        (500, ErrorKind::Provider),
    ] {
        let (server, client, _) = canned(move |_| {
            Reply::json(status, r#"{"error":{"code":"some_code","message":"m"}}"#)
                .header("x-vercel-id", VERCEL_ID)
        })
        .await;
        let err = client.get(StoreId::new("store_1")).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{status}");
        assert_eq!(err.request_id(), Some(VERCEL_ID));
        assert_eq!(server.request_count(), 1, "{status} with a code is final");
    }
}

#[tokio::test]
async fn errors_from_the_emulator_keep_its_request_id() {
    let rig = support::emulated().await;
    rig.emulator.set_default_payment_method(seed::TEAM_ID, None);
    let paid = NewStore::builder("paid", seed::CONFIGURATION_ID, seed::NEON_PRODUCT_ID)
        .billing_plan_id(seed::SUBSCRIPTION_PLAN_ID)
        .build()
        .unwrap();
    let err = rig.client.create(paid).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PaymentRequired);
    let logged = rig.emulator.requests();
    let vercel_id = logged[0]
        .answer_header("x-vercel-id")
        .expect("an x-vercel-id");
    assert_eq!(err.request_id(), Some(vercel_id));

    rig.emulator.use_err_key(true);
    let err = rig
        .client
        .get(StoreId::new("store_nope"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.provider_code(), Some("not_found"));
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_retried_once_after_the_asked_delay() {
    let rig = support::emulated().await;
    rig.emulator
        .rate_limit(Endpoint::CreateStore, RateLimit::new(1, 7));
    let store = rig.client.create(input()).await.unwrap();
    assert!(store.id.is_some());
    assert_eq!(rig.sleeper.delays(), vec![Duration::from_secs(7)]);
    let creates = rig
        .emulator
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(creates, 2);
    assert_eq!(
        rig.emulator.stores_count(),
        1,
        "a 429 applied nothing: one store"
    );
}

#[tokio::test]
async fn rate_limit_without_header_waits_for_the_body_reset() {
    let rig = support::emulated().await;
    rig.emulator.rate_limit(
        Endpoint::ListConfigurations,
        RateLimit::new(1, 12).without_retry_after(),
    );
    rig.client.list_configurations(None).await.unwrap();
    assert_eq!(rig.sleeper.delays(), vec![Duration::from_secs(12)]);
}

#[tokio::test]
async fn rate_limit_beyond_the_cap_gives_up_with_the_wait() {
    let rig = support::emulated().await;
    rig.emulator
        .rate_limit(Endpoint::GetStore, RateLimit::new(1, 3600));
    let err = rig.client.get(StoreId::new("store_x")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(rig.sleeper.delays().is_empty());
}

#[tokio::test]
async fn injected_gone_and_conflict_from_the_emulator() {
    let rig = support::emulated().await;
    for (status, kind) in [(410, ErrorKind::NotFound), (409, ErrorKind::Conflict)] {
        rig.emulator.inject_error(
            Endpoint::ListProducts,
            InjectedError {
                status,
                body: serde_json::json!({"error":{"code":"x","message":"y"}}),
            },
        );
        let err = rig
            .client
            .list_products(IntegrationConfigurationId::new(seed::CONFIGURATION_ID))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind);
    }
}

#[tokio::test]
async fn malformed_answers_are_decode_errors() {
    for body in [
        "",
        "not json",
        "[]",
        "{}",
        r#"{"store":"x"}"#,
        r#"{"store":{"status":7}}"#,
        r#"{"store":{"billingPlan":{"id":1}}}"#,
        r#"{"plans":{}}"#,
    ] {
        let (_s, client, _) = canned(move |_| Reply::json(200, body)).await;
        let err = client.get(StoreId::new("store_1")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}");
        let err = client
            .list_billing_plans(BillingPlanQuery::new("neon", "neon").unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}");
        let err = client
            .list_products(IntegrationConfigurationId::new("icfg_1"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}");
    }
    let (_s, client, _) = canned(|_| Reply::json(200, "{}")).await;
    assert_eq!(
        client.list_configurations(None).await.unwrap_err().kind(),
        ErrorKind::Decode
    );
}

/// A client of `server` without a team scope (the personal account).
fn personal_client(server: &unibill_testkit::TestServer) -> unibill_vercel::VercelClient {
    unibill_vercel::VercelClient::new(
        unibill_vercel::VercelConfig::builder(support::TOKEN)
            .base_url(server.url().as_str())
            .build()
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn vercels_message_reads_once_in_the_error() {
    for (status, file, said) in [
        (
            404,
            "error-404-not-found.json",
            "Integration configuration not found",
        ),
        (
            400,
            "error-400-bad-request.json",
            "Invalid request: missing required property `integrationProductIdOrSlug`.",
        ),
        (
            402,
            "error-402-payment-required.json",
            "The account is missing a payment so payment method must be updated",
        ),
        (
            403,
            "error-403-forbidden.json",
            "You don't have permission to create the integration resource.",
        ),
    ] {
        let (_s, client, _) =
            canned(move |_| Reply::json(status, fixture(file)).header("x-vercel-id", VERCEL_ID))
                .await;
        let err = client.create(input()).await.unwrap_err();
        let shown = err.to_string();
        assert_eq!(shown.matches(said).count(), 1, "{file}: {shown}");
        assert!(!err.message().contains(said), "{file}: {}", err.message());
        assert_eq!(err.provider_message(), Some(said), "{file}");
        assert!(
            !shown.contains("VERCEL_TEAM_ID"),
            "{file}: a team is configured, no hint: {shown}"
        );
    }
    let (_s, client, _) = canned(|_| Reply::json(404, fixture("error-404-not-found.json"))).await;
    let err = client
        .list_products(IntegrationConfigurationId::new(seed::CONFIGURATION_ID))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "vercel stores.list_products: not found on Vercel (HTTP 404, not_found): Integration configuration not found"
    );
}

#[tokio::test]
async fn without_a_team_a_403_or_404_names_the_team_variables() {
    for (status, file) in [
        (404, "error-404-not-found.json"),
        (403, "error-403-forbidden.json"),
    ] {
        let server =
            unibill_testkit::TestServer::from_fn(move |_| Reply::json(status, fixture(file))).await;
        let err = personal_client(&server)
            .list_products(IntegrationConfigurationId::new(seed::CONFIGURATION_ID))
            .await
            .unwrap_err();
        let shown = err.to_string();
        for name in ["VERCEL_TEAM_ID", "VERCEL_TEAM_SLUG", "personal account"] {
            assert!(shown.contains(name), "{status}: {shown}");
        }
        assert_eq!(server.requests()[0].query, None, "no team query was sent");
    }
    // Other statuses say nothing of teams: the team is not what they are about.
    let server = unibill_testkit::TestServer::from_fn(|_| {
        Reply::json(400, fixture("error-400-bad-request.json"))
    })
    .await;
    let err = personal_client(&server).create(input()).await.unwrap_err();
    assert!(!err.to_string().contains("VERCEL_TEAM_ID"), "{err}");
}

#[tokio::test]
async fn without_a_team_the_emulators_team_configuration_is_404_naming_the_variables() {
    let emulator = unibill_testkit::emulators::vercel::VercelEmulator::new(support::TOKEN);
    let server = unibill_testkit::TestServer::router(emulator.router()).await;
    let client = personal_client(&server);
    assert!(client.list_configurations(None).await.unwrap().is_empty());
    let err = client
        .list_products(IntegrationConfigurationId::new(seed::CONFIGURATION_ID))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let shown = err.to_string();
    assert_eq!(
        shown.matches("Integration configuration not found").count(),
        1,
        "{shown}"
    );
    assert!(
        shown.contains("VERCEL_TEAM_ID") && shown.contains("VERCEL_TEAM_SLUG"),
        "{shown}"
    );
}

#[tokio::test]
async fn unparsable_error_bodies_map_by_status() {
    let (_s, client, _) = canned(|_| Reply::json(402, "<html>oops</html>")).await;
    let err = client.get(StoreId::new("store_1")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PaymentRequired);
    assert_eq!(err.provider_code(), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn arbitrary_answers_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256), status in prop::sample::select(vec![200u16, 400, 402, 429, 500])) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let (_s, client, _) = canned(move |_| Reply::json(status, body.clone())).await;
            let _ = client.get(StoreId::new("store_1")).await;
            let _ = client.create(input()).await;
            let _ = client.list_configurations(None).await;
        });
    }
}
