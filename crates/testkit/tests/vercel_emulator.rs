//! Raw-HTTP tests of the Vercel emulator: one per item of the provider notes' §8 surprise list (named
//! `s8_NN_…`), plus the basics (auth, scope, configurations, products, plans, create rules, get, delete, errors).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use unibill_testkit::Served;
use unibill_testkit::emulators::vercel::{
    BillingPlan, Endpoint, InjectedError, RateLimit, VercelEmulator, seed,
};

const TOKEN: &str = "tok_emulator_test";

fn fixture(name: &str) -> Value {
    unibill_testkit::fixture_json(&format!("vercel/{name}"))
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error envelope: {}", self.text))
            .to_string()
    }
}

struct Env {
    emulator: VercelEmulator,
    served: Served,
    http: reqwest::Client,
}

async fn start() -> Env {
    start_with(VercelEmulator::new(TOKEN)).await
}

async fn start_with(emu: VercelEmulator) -> Env {
    let served = emu.serve().await.expect("serve on loopback");
    Env {
        emulator: emu,
        served,
        http: reqwest::Client::new(),
    }
}

fn team_q() -> String {
    format!("teamId={}", seed::TEAM_ID)
}

impl Env {
    fn emu(&self) -> &VercelEmulator {
        &self.emulator
    }

    async fn raw(
        &self,
        method: Method,
        path_and_query: &str,
        auth: Option<&str>,
        body: Option<String>,
    ) -> Answer {
        let mut req = self.http.request(
            method,
            format!("{}{path_and_query}", self.served.base_url()),
        );
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let resp = req.send().await.expect("request to the emulator");
        Answer {
            status: resp.status(),
            headers: resp.headers().clone(),
            text: resp.text().await.expect("body"),
        }
    }

    async fn get(&self, path_and_query: &str) -> Answer {
        self.raw(
            Method::GET,
            path_and_query,
            Some(&format!("Bearer {TOKEN}")),
            None,
        )
        .await
    }

    async fn create(&self, body: Value) -> Answer {
        self.create_raw(body.to_string()).await
    }

    async fn create_raw(&self, body: String) -> Answer {
        self.raw(
            Method::POST,
            &format!("/v1/storage/stores/integration/direct?{}", team_q()),
            Some(&format!("Bearer {TOKEN}")),
            Some(body),
        )
        .await
    }

    async fn get_store(&self, id: &str) -> Answer {
        self.get(&format!("/v1/storage/stores/{id}?{}", team_q()))
            .await
    }

    async fn delete_store(&self, id: &str) -> Answer {
        self.raw(
            Method::DELETE,
            &format!("/v1/storage/stores/integration/{id}?{}", team_q()),
            Some(&format!("Bearer {TOKEN}")),
            None,
        )
        .await
    }
}

fn minimal() -> Value {
    fixture("create-request-minimal-free.json")
}

fn full_paid() -> Value {
    fixture("create-request-full-paid-prepayment.json")
}

/// A valid request for the paid-only product with the given plan; callers add or remove fields.
fn postgres(plan: &str) -> Value {
    json!({
        "name": "pg",
        "integrationConfigurationId": seed::CONFIGURATION_ID,
        "integrationProductIdOrSlug": seed::POSTGRES_PRODUCT_ID,
        "metadata": { "environment": "development" },
        "billingPlanId": plan,
    })
}

fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

fn without(mut body: Value, key: &str) -> Value {
    body.as_object_mut().expect("object").remove(key);
    body
}

async fn assert_400(env: &Env, body: Value, message_part: &str) {
    let a = env.create(body).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(a.error_code(), "bad_request");
    let msg = a.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        msg.contains(message_part),
        "message {msg:?} lacks {message_part:?}"
    );
}

// ----- §8 surprises -------------------------------------------------------------------------------------------

#[tokio::test]
async fn s8_01_create_answers_200_not_201() {
    let env = start().await;
    let a = env.create(minimal()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let body = a.json();
    assert!(body["store"].is_object());
    assert_eq!(body.as_object().map(|o| o.len()), Some(1), "only `store`");
}

#[tokio::test]
async fn s8_01_store_may_be_null_on_200_though_the_store_exists() {
    let env = start().await;
    env.emu().null_store_on_next_creates(1);
    let a = env.create(minimal()).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json(), json!({ "store": null }));
    assert_eq!(
        env.emu().stores_count(),
        1,
        "the store was made all the same"
    );
    let b = env.create(minimal()).await;
    assert!(b.json()["store"].is_object(), "one-shot knob");
}

#[tokio::test]
async fn s8_02_store_id_missing_when_undocumented_fields_are_off_and_resolvable_by_resource_lookup()
{
    let env = start().await;
    env.emu().set_undocumented_store_fields(false);
    let store = env.create(minimal()).await.json()["store"].clone();
    for key in ["id", "name", "type", "createdAt"] {
        assert!(store.get(key).is_none(), "`{key}` must be absent");
    }
    let ext = store["externalResourceId"]
        .as_str()
        .expect("partner id")
        .to_string();
    let a = env
        .get(&format!(
            "/v1/installations/{}/resources/{ext}?{}",
            seed::CONFIGURATION_ID,
            team_q()
        ))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let internal = a.json()["internalId"]
        .as_str()
        .expect("internalId")
        .to_string();
    assert_eq!(a.json()["id"], json!(ext));
    assert_eq!(env.emu().store_ids(), vec![internal.clone()]);
    assert_eq!(env.get_store(&internal).await.status, StatusCode::OK);
}

#[tokio::test]
async fn s8_02_undocumented_id_and_name_present_by_default() {
    let env = start().await;
    let store = env.create(minimal()).await.json()["store"].clone();
    let id = store["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("store_"));
    assert_eq!(store["name"], json!("shop-db"));
    assert_eq!(store["type"], json!("integration"));
    assert_eq!(store["createdAt"], json!(seed::NOW_MS));
    assert!(
        store["externalResourceId"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert_eq!(env.emu().store_ids(), vec![id]);
}

#[tokio::test]
async fn s8_02_resource_lookup_can_be_refused_and_unknown_resources_are_404() {
    let env = start().await;
    let store = env.create(minimal()).await.json()["store"].clone();
    let ext = store["externalResourceId"]
        .as_str()
        .expect("partner id")
        .to_string();
    let path = |r: &str| {
        format!(
            "/v1/installations/{}/resources/{r}?{}",
            seed::CONFIGURATION_ID,
            team_q()
        )
    };
    assert_eq!(env.get(&path("nope")).await.status, StatusCode::NOT_FOUND);
    env.emu().set_resource_lookup(false);
    let a = env.get(&path(&ext)).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.error_code(), "forbidden");
}

#[tokio::test]
async fn s8_03_no_secret_values_only_names_and_lengths() {
    let env = start().await;
    let a = env.create(minimal()).await;
    let secrets = a.json()["store"]["secrets"]
        .as_array()
        .expect("secrets")
        .clone();
    assert!(!secrets.is_empty());
    for s in &secrets {
        let mut keys: Vec<&String> = s.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(keys, vec!["length", "name"], "{s}");
        assert!(s["length"].is_u64());
    }
    assert!(
        !a.text.contains("postgres://"),
        "no connection string anywhere"
    );
}

#[tokio::test]
async fn s8_04_store_initializing_for_configured_reads_then_available() {
    let env = start().await;
    env.emu().set_initializing_reads(2);
    let store = env.create(minimal()).await.json()["store"].clone();
    assert_eq!(store["status"], json!("initializing"));
    let id = store["id"].as_str().expect("id").to_string();
    let mut seen = vec![];
    for _ in 0..4 {
        let a = env.get_store(&id).await;
        assert_eq!(a.status, StatusCode::OK);
        seen.push(a.json()["store"]["status"].clone());
    }
    assert_eq!(
        seen,
        vec![
            json!("initializing"),
            json!("initializing"),
            json!("available"),
            json!("available")
        ]
    );
}

#[tokio::test]
async fn s8_04_zero_initializing_reads_means_available_at_create() {
    let env = start().await;
    env.emu().set_initializing_reads(0);
    let store = env.create(minimal()).await.json()["store"].clone();
    assert_eq!(store["status"], json!("available"));
    assert_eq!(store["externalResourceStatus"], json!("ready"));
}

#[tokio::test]
async fn s8_04_status_may_be_null_or_onboarding_at_200() {
    let env = start().await;
    env.emu().set_status_sequence(
        vec![None, Some("onboarding".into())],
        Some("available".into()),
    );
    let store = env.create(minimal()).await.json()["store"].clone();
    assert!(
        store.get("status").is_some_and(Value::is_null),
        "status present and null"
    );
    let id = store["id"].as_str().expect("id").to_string();
    assert!(env.get_store(&id).await.json()["store"]["status"].is_null());
    assert_eq!(
        env.get_store(&id).await.json()["store"]["status"],
        json!("onboarding")
    );
    assert_eq!(
        env.get_store(&id).await.json()["store"]["status"],
        json!("available")
    );
}

#[tokio::test]
async fn s8_05_retried_create_makes_a_duplicate_external_id_is_not_idempotent() {
    let env = start().await;
    let body = with(minimal(), "externalId", json!("dev-db-001"));
    let a = env.create(body.clone()).await.json();
    let b = env.create(body).await.json();
    assert_ne!(a["store"]["id"], b["store"]["id"]);
    assert_ne!(
        a["store"]["externalResourceId"],
        b["store"]["externalResourceId"]
    );
    assert_eq!(env.emu().stores_count(), 2);
}

#[tokio::test]
async fn s8_06_unknown_status_values_are_passed_through() {
    let env = start().await;
    env.emu().set_status_sequence(
        vec![Some("provisioning-v2".into())],
        Some("hibernating".into()),
    );
    let store = env.create(minimal()).await.json()["store"].clone();
    assert_eq!(store["status"], json!("provisioning-v2"));
    let id = store["id"].as_str().expect("id").to_string();
    env.get_store(&id).await;
    assert_eq!(
        env.get_store(&id).await.json()["store"]["status"],
        json!("hibernating")
    );
}

#[tokio::test]
async fn s8_07_integration_product_is_required_by_the_server() {
    let env = start().await;
    let a = env
        .create(without(minimal(), "integrationProductIdOrSlug"))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json(), fixture("error-400-bad-request.json"));
    assert_eq!(env.emu().stores_count(), 0);
}

#[tokio::test]
async fn s8_08_prepayment_cents_against_dollar_string_minimum() {
    let env = start().await;
    // The plan's minimumAmount is "10.00" dollars = 1000 cents.
    let plans = env
        .get(&format!(
            "/v1/integrations/integration/neon/products/{}/plans?{}",
            seed::POSTGRES_PRODUCT_SLUG,
            team_q()
        ))
        .await
        .json();
    let plan = plans["plans"]
        .as_array()
        .and_then(|p| {
            p.iter()
                .find(|p| p["id"] == json!(seed::PREPAYMENT_PLAN_ID))
        })
        .expect("prepayment plan")
        .clone();
    assert_eq!(plan["minimumAmount"], json!("10.00"));
    let body = |c: u64| {
        with(
            postgres(seed::PREPAYMENT_PLAN_ID),
            "prepaymentAmountCents",
            json!(c),
        )
    };
    assert_400(&env, body(999), "below the plan's minimum amount of 10.00").await;
    let a = env.create(body(1000)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_400(
        &env,
        body(100_001),
        "above the plan's maximum amount of 1000.00",
    )
    .await;
}

#[tokio::test]
async fn s8_08_prepayment_below_50_cents_is_400_even_without_a_plan_minimum() {
    let env = start().await;
    let body = |c: Value| with(postgres(seed::TOPUP_PLAN_ID), "prepaymentAmountCents", c);
    let a = env.create(body(json!(49))).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.json(),
        json!({ "error": { "code": "bad_request", "message": "Invalid request: `prepaymentAmountCents` should be >= 50." } })
    );
    assert_400(&env, body(json!(-100)), "should be >= 50").await;
    assert_400(&env, body(json!(1.5)), "should be >= 50").await;
    assert_400(&env, body(json!(50.5)), "whole number of cents").await;
    assert_400(&env, body(json!("5000")), "should be number").await;
    let ok = env.create(body(json!(50))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let id = ok.json()["store"]["id"].as_str().expect("id").to_string();
    let rec = env.emu().store_record(&id).expect("record");
    assert_eq!(rec["prepaymentAmountCents"], json!(50));
}

#[tokio::test]
async fn s8_08_prepayment_plan_needs_an_amount_and_other_plans_refuse_one() {
    let env = start().await;
    assert_400(
        &env,
        postgres(seed::PREPAYMENT_PLAN_ID),
        "`prepaymentAmountCents` is required",
    )
    .await;
    assert_400(
        &env,
        with(
            postgres(seed::SUBSCRIPTION_PLAN_ID),
            "prepaymentAmountCents",
            json!(5000),
        ),
        "only accepted for prepayment plans",
    )
    .await;
    assert_400(
        &env,
        with(minimal(), "prepaymentAmountCents", json!(5000)),
        "only accepted for prepayment plans",
    )
    .await;
}

#[tokio::test]
async fn s8_08_billing_plan_money_is_strings() {
    let env = start().await;
    let a = env
        .get(&format!(
            "/v1/integrations/integration/{}/products/{}/plans?{}",
            seed::INTEGRATION_SLUG,
            seed::NEON_PRODUCT_SLUG,
            team_q()
        ))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json(), fixture("billing-plans-list-200.json"));
    for p in a.json()["plans"].as_array().expect("plans") {
        for key in ["cost", "minimumAmount", "maximumAmount", "initialCharge"] {
            if let Some(v) = p.get(key) {
                assert!(v.is_string(), "{key} is a string: {v}");
            }
        }
    }
}

#[tokio::test]
async fn s8_09_plans_path_takes_the_integration_not_the_configuration() {
    let env = start().await;
    let ok_by_ids = env
        .get(&format!(
            "/v1/integrations/integration/{}/products/{}/plans?{}",
            seed::INTEGRATION_ID,
            seed::NEON_PRODUCT_ID,
            team_q()
        ))
        .await;
    assert_eq!(ok_by_ids.status, StatusCode::OK);
    assert_eq!(ok_by_ids.json()["plans"].as_array().map(Vec::len), Some(3));
    let wrong = env
        .get(&format!(
            "/v1/integrations/integration/{}/products/{}/plans?{}",
            seed::CONFIGURATION_ID,
            seed::NEON_PRODUCT_ID,
            team_q()
        ))
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(
        wrong.json(),
        json!({ "error": { "code": "not_found", "message": "Integration not found" } })
    );
    let no_product = env
        .get(&format!(
            "/v1/integrations/integration/neon/products/nope/plans?{}",
            team_q()
        ))
        .await;
    assert_eq!(no_product.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn s8_09_plans_query_is_checked() {
    let env = start().await;
    let base = format!(
        "/v1/integrations/integration/neon/products/neon/plans?{}",
        team_q()
    );
    let meta_ok = env.get(&format!("{base}&metadata=%7B%22region%22%3A%22iad1%22%7D&source=cli&integrationConfigurationId={}", seed::CONFIGURATION_ID)).await;
    assert_eq!(meta_ok.status, StatusCode::OK, "{}", meta_ok.text);
    assert_eq!(
        env.get(&format!("{base}&metadata=region")).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        env.get(&format!("{base}&source=api")).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        env.get(&format!("{base}&integrationConfigurationId=icfg_nope"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// `GET …/plans?metadata=<JSON text>` for the paid-only Postgres product, percent-encoded as a form.
async fn plans_with_metadata(env: &Env, metadata: &str) -> Answer {
    let encoded: String = url::form_urlencoded::byte_serialize(metadata.as_bytes()).collect();
    env.get(&format!(
        "/v1/integrations/integration/neon/products/{}/plans?metadata={encoded}&{}",
        seed::POSTGRES_PRODUCT_ID,
        team_q()
    ))
    .await
}

async fn assert_plans_400(env: &Env, metadata: &str, message_part: &str) {
    let a = plans_with_metadata(env, metadata).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{metadata}: {}", a.text);
    assert_eq!(a.error_code(), "bad_request");
    let msg = a.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        msg.contains(message_part),
        "{metadata}: message {msg:?} lacks {message_part:?}"
    );
}

#[tokio::test]
async fn s4_4_plans_metadata_is_checked_against_the_product_schema_as_a_create_would() {
    let env = start().await;
    // The intended metadata may be partial (the schema's `required` keys are the create's business), and its
    // values follow the schema: numbers, booleans, lists of strings.
    let ok = plans_with_metadata(
        &env,
        r#"{"replicas":2,"cpuUnits":0.25,"highAvailability":false,"tags":["database","postgres"]}"#,
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.json()["plans"].as_array().map(Vec::len), Some(4));
    assert_plans_400(&env, r#"{"limits":{"cpu":1}}"#, "`metadata.limits` should be a string, number, boolean, array of strings or array of numbers").await;
    assert_plans_400(
        &env,
        r#"{"tags":["database",1]}"#,
        "`metadata.tags` should be a string, number",
    )
    .await;
    assert_plans_400(
        &env,
        r#"{"region":null}"#,
        "`metadata.region` should be a string, number",
    )
    .await;
    assert_plans_400(
        &env,
        r#"{"replicas":"2"}"#,
        "`metadata.replicas` should be number",
    )
    .await;
    assert_plans_400(
        &env,
        r#"{"replicas":5.5}"#,
        "`metadata.replicas` should be <= 5",
    )
    .await;
    assert_plans_400(
        &env,
        r#"{"environment":"staging"}"#,
        "one of the allowed values",
    )
    .await;
    assert_plans_400(
        &env,
        r#"{"unknownKey":"x"}"#,
        "`metadata.unknownKey` is not a property",
    )
    .await;
    assert_plans_400(
        &env,
        r#"["region"]"#,
        "`metadata` should be a JSON-encoded object",
    )
    .await;
    assert_plans_400(
        &env,
        r#"{"replicas":2"#,
        "`metadata` should be a JSON-encoded object",
    )
    .await;
}

#[tokio::test]
async fn s4_4_plans_configuration_must_be_an_installation_of_the_integration_in_the_scope() {
    let env = start().await;
    let plans = |query: String| {
        let env = &env;
        async move {
            env.get(&format!(
                "/v1/integrations/integration/neon/products/neon/plans?{query}"
            ))
            .await
        }
    };
    let own = plans(format!(
        "integrationConfigurationId={}&{}",
        seed::CONFIGURATION_ID,
        team_q()
    ))
    .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    // Another team's view, and the personal account (no team query), do not see the installation.
    for scope in [format!("teamId={}", seed::OTHER_TEAM_ID), String::new()] {
        let a = plans(format!(
            "integrationConfigurationId={}&{scope}",
            seed::CONFIGURATION_ID
        ))
        .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{scope:?}: {}", a.text);
        assert_eq!(a.json(), fixture("error-404-not-found.json"));
    }
    // Without the configuration the catalogue is public: the plans list in any scope.
    assert_eq!(plans(String::new()).await.status, StatusCode::OK);
    // An installation of another integration is not this integration's.
    env.emu()
        .add_integration(unibill_testkit::emulators::vercel::Integration {
            id: "oac_other0000000000000000".into(),
            slug: "other-db".into(),
            name: "Other".into(),
            icon: String::new(),
            products: vec![],
        });
    env.emu()
        .add_configuration(unibill_testkit::emulators::vercel::Configuration {
            id: "icfg_otherIntegration0".into(),
            integration_id: "oac_other0000000000000000".into(),
            team_id: Some(seed::TEAM_ID.into()),
            status: "ready".into(),
            installation_type: "marketplace".into(),
        });
    let foreign = plans(format!(
        "integrationConfigurationId=icfg_otherIntegration0&{}",
        team_q()
    ))
    .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);
}

#[tokio::test]
async fn s8_09_configurations_list_needs_view_and_is_a_bare_array() {
    let env = start().await;
    let missing = env
        .get(&format!("/v1/integrations/configurations?{}", team_q()))
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        missing.json(),
        json!({ "error": { "code": "bad_request", "message": "Invalid request: missing required property `view`." } })
    );
    let bad = env
        .get(&format!(
            "/v1/integrations/configurations?view=all&{}",
            team_q()
        ))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let ok = env
        .get(&format!(
            "/v1/integrations/configurations?view=account&{}",
            team_q()
        ))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.json().is_array(), "bare array, not wrapped");
    assert_eq!(ok.json(), fixture("configurations-list-200.json"));
    let filtered = env
        .get(&format!(
            "/v1/integrations/configurations?view=project&integrationIdOrSlug=vercel-kv&{}",
            team_q()
        ))
        .await;
    assert_eq!(filtered.json(), json!([]));
    let by_slug = env
        .get(&format!(
            "/v1/integrations/configurations?view=account&integrationIdOrSlug=neon&installationType=marketplace&{}",
            team_q()
        ))
        .await;
    assert_eq!(by_slug.json().as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn s8_10_get_store_is_under_v1_with_auth_not_the_documented_path() {
    let env = start().await;
    let id = env.create(minimal()).await.json()["store"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let documented = env
        .raw(
            Method::GET,
            &format!("/storage/stores/{id}?{}", team_q()),
            None,
            None,
        )
        .await;
    assert_eq!(documented.status, StatusCode::NOT_FOUND);
    assert_eq!(documented.error_code(), "not_found");
    let no_auth = env
        .raw(
            Method::GET,
            &format!("/v1/storage/stores/{id}?{}", team_q()),
            None,
            None,
        )
        .await;
    assert_eq!(no_auth.status, StatusCode::UNAUTHORIZED);
    let v1 = env.get_store(&id).await;
    assert_eq!(v1.status, StatusCode::OK);
    assert_eq!(v1.json()["store"]["id"], json!(id));
}

#[tokio::test]
async fn s8_11_permission_is_checked_before_the_body() {
    let env = start().await;
    env.emu().set_member_token("tok_member");
    let a = env
        .raw(
            Method::POST,
            &format!("/v1/storage/stores/integration/direct?{}", team_q()),
            Some("Bearer tok_member"),
            Some("{}".into()),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.json(), fixture("error-403-forbidden.json"));
    let reads = env
        .raw(
            Method::GET,
            &format!("/v1/integrations/configurations?view=account&{}", team_q()),
            Some("Bearer tok_member"),
            None,
        )
        .await;
    assert_eq!(reads.status, StatusCode::OK, "members may read");
}

#[tokio::test]
async fn s8_11_paid_plan_without_payment_method_is_402() {
    let env = start().await;
    env.emu().set_default_payment_method(seed::TEAM_ID, None);
    let a = env.create(postgres(seed::SUBSCRIPTION_PLAN_ID)).await;
    assert_eq!(a.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(a.json(), fixture("error-402-payment-required.json"));
    assert_eq!(env.emu().stores_count(), 0);
    let given = with(
        postgres(seed::SUBSCRIPTION_PLAN_ID),
        "paymentMethodId",
        json!(seed::PAYMENT_METHOD_ID),
    );
    assert_eq!(env.create(given).await.status, StatusCode::OK);
}

#[tokio::test]
async fn s8_11_billing_issues_are_400() {
    let env = start().await;
    assert_400(&env, postgres(seed::DISABLED_PLAN_ID), "is not available").await;
    assert_400(&env, postgres("bp_nope"), "not found for this product").await;
    assert_400(
        &env,
        with(
            postgres(seed::SUBSCRIPTION_PLAN_ID),
            "paymentMethodId",
            json!("pm_unknown"),
        ),
        "Payment method `pm_unknown` not found",
    )
    .await;
}

#[tokio::test]
async fn s8_12_source_enum_includes_newer_values_and_rejects_unknown() {
    let env = start().await;
    let a = env
        .create(with(minimal(), "source", json!("organization")))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let id = a.json()["store"]["id"].as_str().expect("id").to_string();
    assert_eq!(
        env.emu().store_record(&id).expect("record")["source"],
        json!("organization")
    );
    assert_400(&env, with(minimal(), "source", json!("api")), "`source`").await;
    assert_400(
        &env,
        with(minimal(), "source", json!(1)),
        "`source` should be string",
    )
    .await;
    let default = env.create(minimal()).await.json()["store"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        env.emu().store_record(&default).expect("record")["source"],
        json!("marketplace")
    );
}

// ----- basics: auth, scope, envelope, headers -----------------------------------------------------------------

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

// ----- configurations and products ----------------------------------------------------------------------------

#[tokio::test]
async fn products_of_a_configuration() {
    let env = start().await;
    let a = env
        .get(&format!(
            "/v1/integrations/configuration/{}/products?{}",
            seed::CONFIGURATION_ID,
            team_q()
        ))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let body = a.json();
    let expected = fixture("configuration-products-200.json");
    assert_eq!(body["configuration"], expected["configuration"]);
    assert_eq!(body["integration"], expected["integration"]);
    assert_eq!(body["products"][0], expected["products"][0]);
    assert_eq!(body["products"][1]["id"], json!(seed::POSTGRES_PRODUCT_ID));
    assert_eq!(
        body["products"][1]["slug"],
        json!(seed::POSTGRES_PRODUCT_SLUG)
    );
    let missing = env
        .get(&format!(
            "/v1/integrations/configuration/icfg_nope/products?{}",
            team_q()
        ))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json(), fixture("error-404-not-found.json"));
}

// ----- create: plans and payment ------------------------------------------------------------------------------

#[tokio::test]
async fn create_without_plan_uses_the_free_plan_and_fills_metadata_defaults() {
    let env = start().await;
    let a = env.create(minimal()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let store = a.json()["store"].clone();
    assert_eq!(
        store["billingPlan"],
        fixture("billing-plans-list-200.json")["plans"][0]
    );
    assert_eq!(
        store["metadata"],
        json!({ "region": "iad1", "authEnabled": false })
    );
    assert_eq!(store["product"]["id"], json!(seed::NEON_PRODUCT_ID));
    assert_eq!(
        store["product"]["integrationConfigurationId"],
        json!(seed::CONFIGURATION_ID)
    );
    assert_eq!(
        store["product"]["integration"]["id"],
        json!(seed::INTEGRATION_ID)
    );
    // Same documented keys as the realistic fixture, plus the undocumented extras.
    let mut ours: Vec<String> = store.as_object().expect("object").keys().cloned().collect();
    ours.retain(|k| !["id", "name", "type", "createdAt"].contains(&k.as_str()));
    ours.sort();
    let mut theirs: Vec<String> = fixture("create-response-200.json")["store"]
        .as_object()
        .expect("object")
        .keys()
        .cloned()
        .collect();
    theirs.sort();
    assert_eq!(ours, theirs);
    let id = store["id"].as_str().expect("id").to_string();
    let rec = env.emu().store_record(&id).expect("record");
    assert_eq!(
        rec["paymentMethodId"],
        Value::Null,
        "free plans take no payment method"
    );
}

#[tokio::test]
async fn create_without_plan_and_no_free_plan_is_400() {
    let env = start().await;
    let body = without(postgres(seed::SUBSCRIPTION_PLAN_ID), "billingPlanId");
    assert_400(&env, body, "No free billing plan").await;
    assert!(
        env.emu()
            .set_plans(seed::INTEGRATION_SLUG, seed::NEON_PRODUCT_SLUG, vec![])
    );
    assert_400(&env, minimal(), "No free billing plan").await;
    assert_eq!(env.emu().stores_count(), 0);
}

#[tokio::test]
async fn set_plans_replaces_the_listed_plans() {
    let env = start().await;
    let plan = BillingPlan::from_json(json!({
        "id": "bp_only", "type": "subscription", "scope": "resource", "name": "Only",
        "description": "d", "paymentMethodRequired": false, "cost": "$0.00"
    }))
    .expect("plan");
    assert!(
        env.emu()
            .set_plans(seed::INTEGRATION_ID, seed::NEON_PRODUCT_ID, vec![plan])
    );
    assert!(!env.emu().set_plans("nope", seed::NEON_PRODUCT_ID, vec![]));
    let a = env
        .get(&format!(
            "/v1/integrations/integration/neon/products/neon/plans?{}",
            team_q()
        ))
        .await;
    assert_eq!(a.json()["plans"][0]["id"], json!("bp_only"));
    assert_eq!(
        env.create(minimal()).await.json()["store"]["billingPlan"]["id"],
        json!("bp_only")
    );
}

#[tokio::test]
async fn full_paid_prepayment_fixture_uses_the_given_payment_method() {
    let env = start().await;
    let a = env.create(full_paid()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let store = a.json()["store"].clone();
    assert_eq!(store["billingPlan"]["id"], json!(seed::PREPAYMENT_PLAN_ID));
    assert_eq!(store["metadata"], full_paid()["metadata"]);
    assert_eq!(store["protocolSettings"], full_paid()["protocolSettings"]);
    let id = store["id"].as_str().expect("id").to_string();
    let rec = env.emu().store_record(&id).expect("record");
    assert_eq!(rec["paymentMethodId"], json!(seed::PAYMENT_METHOD_ID));
    assert_eq!(rec["prepaymentAmountCents"], json!(5000));
    assert_eq!(rec["externalId"], json!("dev-db-001"));
}

#[tokio::test]
async fn paid_subscription_falls_back_to_the_team_default_payment_method() {
    let env = start().await;
    let a = env.create(postgres(seed::SUBSCRIPTION_PLAN_ID)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let id = a.json()["store"]["id"].as_str().expect("id").to_string();
    assert_eq!(
        env.emu().store_record(&id).expect("record")["paymentMethodId"],
        json!(seed::DEFAULT_PAYMENT_METHOD_ID)
    );
}

// ----- create: validation ------------------------------------------------------------------------------------

#[tokio::test]
async fn name_is_limited_to_128_characters() {
    let env = start().await;
    let ok = env
        .create(with(minimal(), "name", json!("é".repeat(128))))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "128 characters (not bytes) pass");
    let a = env
        .create(with(minimal(), "name", json!("a".repeat(129))))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.json(),
        json!({ "error": { "code": "bad_request", "message": "Invalid request: `name` should NOT be longer than 128 characters." } })
    );
    assert_400(
        &env,
        with(minimal(), "name", json!("")),
        "`name` should NOT be shorter",
    )
    .await;
    assert_400(
        &env,
        with(minimal(), "name", json!(7)),
        "`name` should be string",
    )
    .await;
    assert_eq!(env.emu().stores_count(), 1);
}

#[tokio::test]
async fn required_properties_and_body_shape() {
    let env = start().await;
    assert_400(
        &env,
        without(minimal(), "name"),
        "missing required property `name`",
    )
    .await;
    assert_400(
        &env,
        without(minimal(), "integrationConfigurationId"),
        "missing required property `integrationConfigurationId`",
    )
    .await;
    let empty = env.create_raw(String::new()).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.text.contains("missing required property `name`"));
    let not_json = env.create_raw("{name:".into()).await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(not_json.error_code(), "bad_request");
    let array = env.create_raw("[]".into()).await;
    assert_eq!(array.status, StatusCode::BAD_REQUEST);
    assert_eq!(env.emu().stores_count(), 0);
}

#[tokio::test]
async fn configuration_id_and_product_are_pattern_checked_then_looked_up() {
    let env = start().await;
    assert_400(
        &env,
        with(minimal(), "integrationConfigurationId", json!("cfg_123")),
        "should match pattern",
    )
    .await;
    assert_400(
        &env,
        with(
            minimal(),
            "integrationConfigurationId",
            json!("icfg_bad-char"),
        ),
        "should match pattern",
    )
    .await;
    let unknown = env
        .create(with(
            minimal(),
            "integrationConfigurationId",
            json!("icfg_unknown1"),
        ))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json(), fixture("error-404-not-found.json"));
    for bad in ["Neon", "neon_db", "iap_", "iap_x!", ""] {
        assert_400(
            &env,
            with(minimal(), "integrationProductIdOrSlug", json!(bad)),
            "oneOf",
        )
        .await;
    }
    let no_product = env
        .create(with(
            minimal(),
            "integrationProductIdOrSlug",
            json!("iap_nothere"),
        ))
        .await;
    assert_eq!(no_product.status, StatusCode::NOT_FOUND);
    assert_eq!(no_product.error_code(), "not_found");
    let by_id = env
        .create(with(
            minimal(),
            "integrationProductIdOrSlug",
            json!(seed::NEON_PRODUCT_ID),
        ))
        .await;
    assert_eq!(by_id.status, StatusCode::OK, "product by id works too");
}

#[tokio::test]
async fn metadata_values_must_be_flat() {
    let env = start().await;
    for bad in [
        json!({ "region": { "nested": true } }),
        json!({ "region": null }),
        json!({ "tags": ["a", 1] }),
    ] {
        assert_400(
            &env,
            with(minimal(), "metadata", bad),
            "should be a string, number, boolean, array of strings or array of numbers",
        )
        .await;
    }
    assert_400(
        &env,
        with(minimal(), "metadata", json!(["region"])),
        "`metadata` should be object",
    )
    .await;
    assert_eq!(env.emu().stores_count(), 0);
}

#[tokio::test]
async fn metadata_follows_the_product_schema() {
    let env = start().await;
    let pg = |m: Value| with(postgres(seed::SUBSCRIPTION_PLAN_ID), "metadata", m);
    assert_400(
        &env,
        pg(json!({})),
        "missing required property `metadata.environment`",
    )
    .await;
    assert_400(
        &env,
        pg(json!({ "environment": "staging" })),
        "one of the allowed values",
    )
    .await;
    assert_400(
        &env,
        pg(json!({ "environment": "preview", "unknownKey": "x" })),
        "`metadata.unknownKey`",
    )
    .await;
    assert_400(
        &env,
        pg(json!({ "environment": "preview", "replicas": "2" })),
        "`metadata.replicas` should be number",
    )
    .await;
    assert_400(
        &env,
        pg(json!({ "environment": "preview", "replicas": 6 })),
        "should be <= 5",
    )
    .await;
    assert_400(
        &env,
        pg(json!({ "environment": "preview", "replicas": 5.5 })),
        "should be <= 5",
    )
    .await;
    assert_400(
        &env,
        pg(json!({ "environment": "preview", "replicas": -1 })),
        "should be >= 0",
    )
    .await;
    assert_400(
        &env,
        pg(json!({ "environment": "preview", "highAvailability": "yes" })),
        "should be boolean",
    )
    .await;
    assert_400(
        &env,
        pg(json!({ "environment": "preview", "tags": [1, 2] })),
        "`metadata.tags[]` should be string",
    )
    .await;
    assert_400(
        &env,
        pg(json!({ "environment": "preview", "dbName": "x".repeat(17) })),
        "longer than 16",
    )
    .await;
    let ok = env
        .create(pg(
            json!({ "environment": "preview", "replicas": 4.5, "tags": [] }),
        ))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(
        ok.json()["store"]["metadata"],
        json!({ "environment": "preview", "replicas": 4.5, "tags": [], "region": "iad1" })
    );
}

#[tokio::test]
async fn optional_fields_are_type_checked() {
    let env = start().await;
    assert_400(
        &env,
        with(minimal(), "externalId", json!(12)),
        "`externalId` should be string",
    )
    .await;
    assert_400(
        &env,
        with(minimal(), "protocolSettings", json!("x")),
        "`protocolSettings` should be object",
    )
    .await;
    assert_400(
        &env,
        with(minimal(), "billingPlanId", json!(null)),
        "`billingPlanId` should be string",
    )
    .await;
    assert_400(
        &env,
        with(minimal(), "paymentMethodId", json!(false)),
        "`paymentMethodId` should be string",
    )
    .await;
    assert_eq!(env.emu().stores_count(), 0);
}

// ----- get and delete -----------------------------------------------------------------------------------------

#[tokio::test]
async fn delete_answers_200_empty_then_the_store_is_gone() {
    let env = start().await;
    let id = env.create(minimal()).await.json()["store"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let keep = env.create(minimal()).await.json()["store"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let a = env.delete_store(&id).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.text, "");
    assert!(a.header("x-vercel-id").is_some());
    assert_eq!(env.emu().store_ids(), vec![keep]);
    let gone = env.get_store(&id).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(
        gone.json(),
        json!({ "error": { "code": "not_found", "message": "Store not found" } })
    );
    assert_eq!(env.delete_store(&id).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        env.delete_store("store_never").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn get_store_round_trips_what_was_created() {
    let env = start().await;
    env.emu().set_initializing_reads(0);
    let created = env.create(full_paid()).await.json()["store"].clone();
    let id = created["id"].as_str().expect("id").to_string();
    let fetched = env.get_store(&id).await.json()["store"].clone();
    assert_eq!(fetched, created);
    assert_eq!(
        env.emu().store_record(&id).expect("record")["reads"],
        json!(1)
    );
}
