//! Raw-HTTP tests of the Flowglad emulator's customer billing aggregate, usage balances and read-only
//! invoices (lifecycle notes §5, §6).

use serde_json::{Value, json};
use unibill_testkit::emulators::flowglad::seed;
#[path = "support/flowglad_rig.rs"]
mod rig;

use rig::*;

async fn feature(api: &Api, body: Value) -> String {
    let a = api
        .post("/api/v1/features", &json!({ "feature": body }))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let id = a.json()["feature"]["id"].as_str().expect("id").to_owned();
    let pf = api
        .post(
            "/api/v1/product-features",
            &json!({"productFeature": {"productId": seed::PRO_PRODUCT_ID, "featureId": id}}),
        )
        .await;
    assert_eq!(pf.status, 200, "{}", pf.text);
    id
}

/// A plan on the pro product with a toggle `sso` and 100 `api_calls` credits, and customer `u1` on it.
async fn entitled(api: &Api) -> String {
    feature(
        api,
        json!({"type": "toggle", "slug": "sso", "name": "SSO", "description": "",
               "pricingModelId": seed::PRICING_MODEL_ID}),
    )
    .await;
    feature(
        api,
        json!({"type": "usage_credit_grant", "slug": "calls", "name": "Calls", "description": "",
               "pricingModelId": seed::PRICING_MODEL_ID, "amount": 100,
               "usageMeterId": seed::USAGE_METER_ID, "renewalFrequency": "every_billing_period"}),
    )
    .await;
    api.post(
        "/api/v1/customers",
        &json!({"customer": {"externalId": "u1", "email": "a@example.com", "name": "A"}}),
    )
    .await;
    let price = api
        .create_price(subscription(seed::PRO_PRODUCT_ID, json!(1000)))
        .await;
    let s = api
        .post(
            "/api/v1/subscriptions",
            &json!({"customerExternalId": "u1", "priceId": price["id"]}),
        )
        .await;
    s.json()["subscription"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// §5: `/billing` carries the required keys; entitlements come from `currentSubscriptions[0].experimental`:
/// a toggle item is access, `availableBalance` is credits minus usage.
#[tokio::test]
async fn billing_aggregate_yields_toggle_items_and_balances() {
    let api = start().await;
    let sub = entitled(&api).await;
    let e = api
        .post(
            "/api/v1/usage-events",
            &json!({"usageEvent": {"subscriptionId": sub, "transactionId": "t", "amount": 30,
                                   "usageMeterId": seed::USAGE_METER_ID}}),
        )
        .await;
    assert_eq!(e.status, 200, "{}", e.text);
    let b = api.get("/api/v1/customers/u1/billing").await;
    assert_eq!(b.status, 200, "{}", b.text);
    let b = b.json();
    for key in [
        "customer",
        "subscriptions",
        "invoices",
        "paymentMethods",
        "purchases",
        "catalog",
        "pricingModel",
        "billingPortalUrl",
        "currentSubscriptions",
        "currentSubscription",
    ] {
        assert!(b.get(key).is_some(), "missing {key}");
    }
    let current = &b["currentSubscriptions"][0];
    assert_eq!(current["id"], sub);
    assert_eq!(current["subscriptionItems"][0]["price"]["unitPrice"], 1000);
    let items = current["experimental"]["featureItems"]
        .as_array()
        .expect("items");
    let toggles: Vec<&Value> = items
        .iter()
        .filter(|i| i["type"] == "toggle")
        .map(|i| &i["slug"])
        .collect();
    assert_eq!(toggles, [&json!("sso")]);
    let balances = current["experimental"]["usageMeterBalances"].clone();
    assert_eq!(balances[0]["slug"], seed::USAGE_METER_SLUG);
    assert_eq!(balances[0]["availableBalance"], 70);
    assert_eq!(balances[0]["subscriptionId"], sub);
    assert_eq!(
        api.get("/api/v1/customers/nobody/billing").await.status,
        404
    );
}

/// §5: a canceled subscription leaves `currentSubscriptions` (its features no longer apply).
#[tokio::test]
async fn canceled_subscription_is_not_current() {
    let api = start().await;
    let sub = entitled(&api).await;
    api.post(
        &format!("/api/v1/subscriptions/{sub}/cancel"),
        &json!({"cancellation": {"timing": "immediately"}}),
    )
    .await;
    let b = api.get("/api/v1/customers/u1/billing").await.json();
    assert_eq!(b["currentSubscriptions"], json!([]));
    assert_eq!(b["currentSubscription"], Value::Null);
    assert_eq!(b["subscriptions"][0]["status"], "canceled");
}

/// §5: `usage-balances` answers `{"usageMeterBalances": [...]}`, for one subscription or every current one.
#[tokio::test]
async fn usage_balances_route() {
    let api = start().await;
    let sub = entitled(&api).await;
    let all = api.get("/api/v1/customers/u1/usage-balances").await.json();
    assert_eq!(all["usageMeterBalances"][0]["availableBalance"], 100);
    let one = api
        .get(&format!(
            "/api/v1/customers/u1/usage-balances?subscriptionId={sub}"
        ))
        .await
        .json();
    assert_eq!(one, all);
    let unknown = api
        .get("/api/v1/customers/u1/usage-balances?subscriptionId=sub_nope")
        .await;
    assert_eq!(unknown.status, 404);
}

/// §6: invoices are read-only (no create route), have integer `subtotal`/`taxAmount` and no `total`.
#[tokio::test]
async fn invoices_are_read_only_without_total() {
    let api = start().await;
    let sub = entitled(&api).await;
    let id = api
        .emu
        .add_invoice(&sub, 1000, "open")
        .expect("known subscription");
    let got = api.get(&format!("/api/v1/invoices/{id}")).await;
    assert_eq!(got.status, 200, "{}", got.text);
    let inv = got.json()["invoice"].clone();
    assert_eq!(
        (
            inv["subtotal"].clone(),
            inv["taxAmount"].clone(),
            inv["status"].clone()
        ),
        (json!(1000), json!(0), json!("open"))
    );
    assert!(inv.get("total").is_none(), "no total field");
    let list = api.get("/api/v1/invoices").await.json();
    assert_eq!(list["total"], 1);
    let create = api.post("/api/v1/invoices", &json!({"invoice": {}})).await;
    assert_eq!((create.status, create.text.as_str()), (404, "Not Found"));
    let b = api.get("/api/v1/customers/u1/billing").await.json();
    assert_eq!(b["invoices"][0]["invoice"]["id"], id.as_str());
}
