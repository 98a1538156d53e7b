//! Raw-HTTP tests of the Vercel emulator: one per item of the provider notes' §8 surprise list (named
//! `s8_NN_…`), plus the basics (auth, scope, configurations, products, plans, create rules, get, delete, errors).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use unibill_testkit::emulators::vercel::{
    Endpoint, InjectedError, RateLimit, VercelEmulator, seed,
};
#[path = "support/vercel_rig.rs"]
mod rig;

use rig::*;

#[tokio::test]
async fn auth_missing_is_401_envelope() {
    let env = start().await;
    let a = env
        .raw(
            Method::GET,
            &format!("/v1/integrations/configurations?view=account&{}", team_q()),
            None,
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.json(),
        json!({ "error": { "code": "unauthorized", "message": "The request is not authorized" } })
    );
}

#[tokio::test]
async fn auth_wrong_token_or_scheme_is_401() {
    let env = start().await;
    let path = format!("/v1/integrations/configurations?view=account&{}", team_q());
    let wrong = env.raw(Method::GET, &path, Some("Bearer nope"), None).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json()["error"]["invalidToken"], json!(true));
    let bare = env.raw(Method::GET, &path, Some(TOKEN), None).await;
    assert_eq!(
        bare.status,
        StatusCode::UNAUTHORIZED,
        "the Bearer scheme is required"
    );
    let basic = env
        .raw(Method::GET, &path, Some(&format!("Basic {TOKEN}")), None)
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
    let lower = env
        .raw(Method::GET, &path, Some(&format!("bearer {TOKEN}")), None)
        .await;
    assert_eq!(lower.status, StatusCode::OK, "scheme is case-insensitive");
    assert_eq!(env.emu().stores_count(), 0);
}

#[tokio::test]
async fn team_by_slug_works_and_unknown_team_is_403() {
    let env = start().await;
    let by_slug = env
        .get(&format!(
            "/v1/integrations/configurations?view=account&slug={}",
            seed::TEAM_SLUG
        ))
        .await;
    assert_eq!(by_slug.json(), fixture("configurations-list-200.json"));
    let unknown = env
        .get("/v1/integrations/configurations?view=account&teamId=team_unknown")
        .await;
    assert_eq!(unknown.status, StatusCode::FORBIDDEN);
    assert_eq!(unknown.error_code(), "forbidden");
    let unknown_slug = env
        .get("/v1/integrations/configurations?view=account&slug=nobody")
        .await;
    assert_eq!(unknown_slug.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn without_team_query_the_personal_account_sees_nothing() {
    let env = start().await;
    let list = env
        .get("/v1/integrations/configurations?view=account")
        .await;
    assert_eq!(list.json(), json!([]));
    let a = env
        .raw(
            Method::POST,
            "/v1/storage/stores/integration/direct",
            Some(&format!("Bearer {TOKEN}")),
            Some(minimal().to_string()),
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.json(), fixture("error-404-not-found.json"));
}

#[tokio::test]
async fn other_team_cannot_see_the_configuration_or_stores() {
    let env = start().await;
    let id = env.create(minimal()).await.json()["store"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let other = format!("teamId={}", seed::OTHER_TEAM_ID);
    assert_eq!(
        env.get(&format!("/v1/storage/stores/{id}?{other}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        env.get(&format!(
            "/v1/integrations/configuration/{}/products?{other}",
            seed::CONFIGURATION_ID
        ))
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn every_answer_carries_a_distinct_x_vercel_id_and_json_content_type() {
    let env = start().await;
    let ok = env.create(minimal()).await;
    let err = env.create(json!({})).await;
    let nf = env.get("/v1/nowhere").await;
    let ids: Vec<String> = [&ok, &err, &nf]
        .iter()
        .map(|a| a.header("x-vercel-id").expect("x-vercel-id").to_string())
        .collect();
    assert_ne!(ids[0], ids[1]);
    assert_ne!(ids[1], ids[2]);
    assert_eq!(
        ok.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        err.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let recorded: Vec<String> = env
        .emu()
        .requests()
        .into_iter()
        .map(|r| {
            r.answer_header("x-vercel-id")
                .expect("an x-vercel-id")
                .to_owned()
        })
        .collect();
    assert_eq!(recorded, ids);
}

#[tokio::test]
async fn err_key_variant_of_the_envelope() {
    let env = start().await;
    env.emu().use_err_key(true);
    let a = env
        .create(without(minimal(), "integrationProductIdOrSlug"))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.json(),
        json!({ "err": fixture("error-400-bad-request.json")["error"] })
    );
    assert!(a.header("x-vercel-id").is_some());
    assert_eq!(
        env.create(minimal()).await.status,
        StatusCode::OK,
        "successes are untouched"
    );
}

#[tokio::test]
async fn rate_limit_429_with_retry_after_and_limit_object_per_endpoint() {
    let env = start().await;
    env.emu()
        .rate_limit(Endpoint::CreateStore, RateLimit::new(1, 42));
    let a = env.create(minimal()).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.header("retry-after"), Some("42"));
    assert_eq!(a.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(a.header("x-ratelimit-reset"), Some("1732254042"));
    assert_eq!(a.json(), fixture("error-429-rate-limited.json"));
    assert_eq!(env.emu().stores_count(), 0, "a 429 creates nothing");
    let other = env
        .get(&format!(
            "/v1/integrations/configurations?view=account&{}",
            team_q()
        ))
        .await;
    assert_eq!(other.status, StatusCode::OK, "other endpoints keep working");
    assert_eq!(env.create(minimal()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn rate_limit_without_retry_after_leaves_only_the_body_reset() {
    let env = start().await;
    env.emu().set_now_ms(1_700_000_000_500);
    env.emu().rate_limit(
        Endpoint::GetStore,
        RateLimit::new(2, 7).without_retry_after(),
    );
    let a = env.get_store("store_whatever").await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(a.header("retry-after").is_none());
    assert_eq!(
        a.json()["error"]["limit"],
        json!({ "remaining": 0, "reset": 1_700_000_007_u64, "resetMs": 1_700_000_007_000_u64, "total": 20 })
    );
    assert_eq!(
        env.get_store("store_whatever").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        env.get_store("store_whatever").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn injected_errors_answer_once_with_the_given_status_and_body() {
    let env = start().await;
    for status in [409_u16, 410, 500] {
        env.emu().inject_error(
            Endpoint::CreateStore,
            InjectedError {
                status,
                body: json!({ "error": { "code": format!("e{status}"), "message": "injected" } }),
            },
        );
    }
    for status in [409_u16, 410, 500] {
        let a = env.create(minimal()).await;
        assert_eq!(a.status.as_u16(), status);
        assert_eq!(a.error_code(), format!("e{status}"));
    }
    assert_eq!(env.create(minimal()).await.status, StatusCode::OK);
    assert_eq!(env.emu().stores_count(), 1);
}

#[tokio::test]
async fn unknown_method_and_path() {
    let env = start().await;
    let a = env
        .raw(
            Method::PUT,
            &format!("/v1/storage/stores/integration/direct?{}", team_q()),
            Some(&format!("Bearer {TOKEN}")),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(a.error_code(), "method_unknown");
    assert_eq!(env.get("/v2/whatever").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn requests_are_counted_and_recorded() {
    let env = start().await;
    assert!(env.served.base_url().starts_with("http://127.0.0.1:"));
    env.create(minimal()).await;
    env.get("/v1/integrations/configurations").await;
    assert_eq!(env.emu().request_count(), 2);
    let log = env.emu().requests();
    assert_eq!(log[0].method, "POST");
    assert_eq!(log[0].path, "/v1/storage/stores/integration/direct");
    assert_eq!(log[0].query.as_deref(), Some(team_q().as_str()));
    assert_eq!(
        log[0].header("authorization"),
        Some("Bearer tok_emulator_test")
    );
    assert_eq!(log[0].header("content-type"), Some("application/json"));
    assert_eq!(log[0].json(), Some(minimal()));
    assert_eq!(log[0].status, Some(200));
    assert_eq!(log[1].status, Some(400));
}

#[tokio::test]
async fn router_can_be_mounted_by_another_server() {
    let emu = VercelEmulator::new(TOKEN);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = emu.router();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let resp = reqwest::Client::new()
        .get(format!(
            "http://{addr}/v1/integrations/configuration/{}?{}",
            seed::CONFIGURATION_ID,
            team_q()
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body, fixture("configurations-list-200.json")[0]);
    assert_eq!(emu.request_count(), 1);
    task.abort();
}
