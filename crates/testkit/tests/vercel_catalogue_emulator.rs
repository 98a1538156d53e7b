//! Raw-HTTP tests of the Vercel emulator's catalogue: configurations, products and billing plans (the notes' §8
//! items on them and §4.4's plan queries).

use reqwest::StatusCode;
use serde_json::json;
use unibill_testkit::emulators::vercel::{BillingPlan, seed};
#[path = "support/vercel_rig.rs"]
mod rig;

use rig::*;

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
