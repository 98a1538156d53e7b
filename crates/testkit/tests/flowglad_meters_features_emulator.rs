//! Raw-HTTP tests of the Flowglad emulator's usage meters and features (lifecycle notes §2, §3).

use serde_json::json;
use unibill_testkit::emulators::flowglad::seed;
#[path = "support/flowglad_rig.rs"]
mod rig;

use rig::*;

/// §2: `{"usageMeter": …}` in and out; the aggregation defaults to `sum`; the meter gets its default
/// `<slug>_no_charge` usage price.
#[tokio::test]
async fn meter_create_is_wrapped_and_adds_its_no_charge_price() {
    let api = start().await;
    let flat = api
        .post(
            "/api/v1/usage-meters",
            &json!({"name": "Tokens", "slug": "tokens"}),
        )
        .await;
    let (_, path) = single_issue(&flat);
    assert_eq!(path, ["usageMeter"]);
    let a = api
        .post(
            "/api/v1/usage-meters",
            &json!({"usageMeter": {"name": "Tokens", "slug": "tokens"}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let m = a.json()["usageMeter"].clone();
    assert!(m["id"].as_str().expect("id").starts_with("usage_meter_"));
    assert_eq!(
        (m["aggregationType"].clone(), m["pricingModelId"].clone()),
        (json!("sum"), json!(seed::PRICING_MODEL_ID))
    );
    let prices = api.emu.prices();
    let no_charge = prices
        .iter()
        .find(|p| p["usageMeterId"] == m["id"])
        .expect("no-charge price");
    assert_eq!(
        (
            no_charge["slug"].clone(),
            no_charge["unitPrice"].clone(),
            no_charge["isDefault"].clone(),
            no_charge["type"].clone()
        ),
        (
            json!("tokens_no_charge"),
            json!(0),
            json!(true),
            json!("usage")
        )
    );
    let bad = api
        .post(
            "/api/v1/usage-meters",
            &json!({"usageMeter": {"name": "X", "slug": "x", "aggregationType": "max"}}),
        )
        .await;
    let (_, path) = single_issue(&bad);
    assert_eq!(path, ["usageMeter", "aggregationType"]);
    assert_eq!(api.emu.usage_meter_count(), 2, "seeded + created");
    let id = m["id"].as_str().expect("id");
    let put = api
        .put(
            &format!("/api/v1/usage-meters/{id}"),
            &json!({"usageMeter": {"name": "Tokens 2"}}),
        )
        .await;
    assert_eq!(put.json()["usageMeter"]["name"], "Tokens 2");
    let list = api.get("/api/v1/usage-meters").await.json();
    assert_eq!(list["total"], 2);
    assert_eq!(
        api.get("/api/v1/usage-meters/usage_meter_nope")
            .await
            .status,
        404
    );
}

fn toggle(slug: &str) -> serde_json::Value {
    json!({"type": "toggle", "slug": slug, "name": "Feature", "description": "d",
           "pricingModelId": seed::PRICING_MODEL_ID})
}

/// §3: features are a union on `type`, `pricingModelId` is required, toggles carry no grant fields, credit
/// grants need an amount, a meter and a renewal frequency.
#[tokio::test]
async fn feature_union_and_pricing_model_requirement() {
    let api = start().await;
    let mut no_model = toggle("sso");
    no_model
        .as_object_mut()
        .expect("obj")
        .remove("pricingModelId");
    let (_, path) = single_issue(
        &api.post("/api/v1/features", &json!({"feature": no_model}))
            .await,
    );
    assert_eq!(path, ["feature", "pricingModelId"]);
    let mut foreign = toggle("sso");
    foreign["pricingModelId"] = json!("pricing_model_0ther00000000000000000");
    assert_eq!(
        api.post("/api/v1/features", &json!({"feature": foreign}))
            .await
            .status,
        404
    );
    let mut with_amount = toggle("sso");
    with_amount["amount"] = json!(5);
    let (_, path) = single_issue(
        &api.post("/api/v1/features", &json!({"feature": with_amount}))
            .await,
    );
    assert_eq!(path, ["feature", "amount"]);
    let mut unknown = toggle("sso");
    unknown["type"] = json!("boolean");
    let (issue, _) = single_issue(
        &api.post("/api/v1/features", &json!({"feature": unknown}))
            .await,
    );
    assert_eq!(issue["note"], "No matching discriminator");
    let ok = api
        .post("/api/v1/features", &json!({"feature": toggle("sso")}))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let f = ok.json()["feature"].clone();
    assert_eq!(
        (f["type"].clone(), f["active"].clone()),
        (json!("toggle"), json!(true))
    );
    let mut grant = toggle("credits");
    grant["type"] = json!("usage_credit_grant");
    let bad = api
        .post("/api/v1/features", &json!({"feature": grant.clone()}))
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.error_body()["error"].as_array().expect("issues").len(),
        3
    );
    grant["amount"] = json!(100);
    grant["usageMeterId"] = json!(seed::USAGE_METER_ID);
    grant["renewalFrequency"] = json!("every_billing_period");
    let g = api
        .post("/api/v1/features", &json!({"feature": grant}))
        .await;
    assert_eq!(g.status, 200, "{}", g.text);
    assert_eq!(api.emu.feature_count(), 2);
    let id = f["id"].as_str().expect("id");
    let put = api
        .put(
            &format!("/api/v1/features/{id}"),
            &json!({"feature": {"active": false}}),
        )
        .await;
    assert_eq!(put.json()["feature"]["active"], false);
    assert_eq!(api.get("/api/v1/features").await.json()["total"], 2);
}

/// §3: product features attach a feature to a product; `expire` takes an empty body.
#[tokio::test]
async fn product_feature_attach_and_expire_with_empty_body() {
    let api = start().await;
    let f = api
        .post("/api/v1/features", &json!({"feature": toggle("sso")}))
        .await
        .json()["feature"]
        .clone();
    let a = api
        .post(
            "/api/v1/product-features",
            &json!({"productFeature": {"productId": seed::PRO_PRODUCT_ID, "featureId": f["id"]}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let pf = a.json()["productFeature"].clone();
    assert_eq!(pf["expiredAt"], serde_json::Value::Null);
    let id = pf["id"].as_str().expect("id");
    let e = api
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/product-features/{id}/expire"),
            Some(KEY),
            None,
        )
        .await;
    assert_eq!(e.status, 200, "{}", e.text);
    assert!(e.json()["productFeature"]["expiredAt"].is_i64());
    let missing = api
        .post(
            "/api/v1/product-features",
            &json!({"productFeature": {"productId": "prod_nope", "featureId": f["id"]}}),
        )
        .await;
    assert_eq!(missing.status, 404);
}
