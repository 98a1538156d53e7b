//! Raw-HTTP tests of the Vercel emulator's stores: the notes' §8 items on creating, reading and deleting stores,
//! and the create rules (plans and payment methods, names, metadata, body shape).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use unibill_testkit::emulators::vercel::seed;
#[path = "support/vercel_rig.rs"]
mod rig;

use rig::*;

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
