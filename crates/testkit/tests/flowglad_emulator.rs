//! Raw-HTTP tests of the Flowglad emulator: one per surprise of the notes' §6, plus the basics.
//! Every answer is checked for its exact status and body; rejections are tested as much as acceptances.

use reqwest::Method;
use serde_json::{Value, json};
use unibill_testkit::emulators::flowglad::{
    FlowgladEmulator, INVALID_KEY_MESSAGE, UNAUTHORIZED_MESSAGE, seed,
};
#[path = "support/flowglad_rig.rs"]
mod rig;

use rig::*;

#[tokio::test]
async fn auth_accepts_raw_key_and_bearer_and_rejects_the_rest_with_plain_text_401() {
    let api = start().await;
    for ok in [
        KEY.to_owned(),
        format!("Bearer {KEY}"),
        format!("bearer {KEY}"),
        format!("  {KEY}  "),
    ] {
        let a = api
            .send(Method::GET, "/api/v1/prices", Some(&ok), None)
            .await;
        assert_eq!(a.status, 200, "{ok:?}: {}", a.text);
    }
    let missing = api.send(Method::GET, "/api/v1/prices", None, None).await;
    let basic = api
        .send(Method::GET, "/api/v1/prices", Some("Basic abc"), None)
        .await;
    let wrong = api
        .send(
            Method::GET,
            "/api/v1/prices",
            Some("sk_test_8Qbw_wrong"),
            None,
        )
        .await;
    let wrong_bearer = api
        .send(
            Method::GET,
            "/api/v1/prices",
            Some("Bearer sk_test_8Qbw_wrong"),
            None,
        )
        .await;
    for (a, text) in [
        (&missing, UNAUTHORIZED_MESSAGE),
        (&basic, UNAUTHORIZED_MESSAGE),
        (&wrong, INVALID_KEY_MESSAGE),
        (&wrong_bearer, INVALID_KEY_MESSAGE),
    ] {
        assert_eq!(a.status, 401);
        assert_eq!(a.text, text);
        assert!(
            a.content_type.starts_with("text/plain"),
            "{}",
            a.content_type
        );
    }
    assert!(UNAUTHORIZED_MESSAGE.starts_with("Unauthorized. Authorization header is required"));
    assert!(INVALID_KEY_MESSAGE.starts_with("API key invalid."));
    // Rejected requests are counted too.
    assert_eq!(api.emu.request_count(), 8);
    assert_eq!(api.emu.requests()[4].status, Some(401));
    assert_eq!(
        api.emu.requests()[6].header("authorization"),
        Some("sk_test_8Qbw_wrong")
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_are_plain_text_404() {
    let api = start().await;
    for (method, path) in [
        (Method::GET, "/api/v1/nope"),
        (Method::GET, "/api/v1/prices/a/b"),
        (Method::DELETE, "/api/v1/prices/price_x"),
        (Method::DELETE, "/api/v1/customers/user_1"),
        (Method::GET, "/api/v1/customers/user_1/archive"),
    ] {
        let a = api.call(method.clone(), path, None).await;
        assert_eq!(a.status, 404, "{method} {path}");
        assert_eq!(a.text, "Not Found");
        assert!(a.content_type.starts_with("text/plain"));
    }
}

#[tokio::test]
async fn timestamps_are_epoch_ms_and_ids_have_the_flowglad_format() {
    let emu = FlowgladEmulator::builder(KEY)
        .clock_start_ms(1_774_281_912_431)
        .build();
    let api = start_with(emu).await;
    let p = api
        .create_price(subscription(seed::PRO_PRODUCT_ID, json!(100)))
        .await;
    assert_eq!(p["createdAt"], json!(1_774_281_912_431_i64));
    assert_eq!(p["updatedAt"], p["createdAt"]);
    let id = p["id"].as_str().expect("id");
    let tail = id.strip_prefix("price_").expect("price_ prefix");
    assert_eq!(tail.len(), 21);
    assert!(tail.bytes().all(|b| b.is_ascii_alphanumeric()));
    let c = api
        .post(
            "/api/v1/customers",
            &fixture("create-customer.request.json"),
        )
        .await
        .json();
    let cid = c["data"]["customer"]["id"].as_str().expect("id");
    assert_eq!(cid.strip_prefix("cust_").expect("cust_").len(), 21);
    assert_eq!(
        c["data"]["customer"]["createdAt"],
        json!(1_774_281_912_432_i64)
    );
    assert_eq!(p["pricingModelId"], seed::PRICING_MODEL_ID);
    assert_eq!(
        c["data"]["customer"]["organizationId"],
        seed::ORGANIZATION_ID
    );
}

#[tokio::test]
async fn s6_07_error_bodies_are_error_code_request_id_or_plain_text() {
    let api = start().await;
    // Handler-level: no `code`.
    let a = api
        .send(Method::POST, "/api/v1/prices", Some(KEY), Some("{not json"))
        .await;
    assert_eq!(a.status, 400);
    let body = a.error_body();
    assert_matches_fixture(
        &body,
        &fixture("error-400-invalid-json.json"),
        "invalid json",
    );
    // Procedure-level, string message: with `code`.
    let a = api.get("/api/v1/customers/nobody").await;
    assert_eq!(a.status, 404);
    assert_eq!(
        a.error_body(),
        json!({"error": "Customer not found", "code": "NOT_FOUND", "request_id": a.request_id.clone()})
    );
    // Procedure-level zod failure: `error` is an array.
    let a = api
        .post("/api/v1/customers", &json!({"customer": {}}))
        .await;
    assert_eq!(a.status, 400);
    let issues = a.error_body()["error"].as_array().expect("issues").clone();
    let paths: Vec<Value> = issues.iter().map(|i| i["path"].clone()).collect();
    assert_eq!(
        paths,
        [
            json!(["customer", "externalId"]),
            json!(["customer", "email"]),
            json!(["customer", "name"])
        ]
    );
    // Plain-text 401 and 404 still carry an X-Request-Id; every request id is distinct.
    let x = api.send(Method::GET, "/api/v1/prices", None, None).await;
    let y = api.get("/api/v1/nowhere").await;
    assert!(serde_json::from_str::<Value>(&x.text).is_err());
    assert!(serde_json::from_str::<Value>(&y.text).is_err());
    let ids: std::collections::BTreeSet<_> = api
        .emu
        .requests()
        .into_iter()
        .map(|r| {
            r.answer_header("x-request-id")
                .expect("an X-Request-Id")
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), api.emu.request_count());
    assert_eq!(x.request_id.as_deref().map(str::len), Some(8));
}

#[tokio::test]
async fn s6_08_rate_limited_key_answers_401_api_key_invalid() {
    let api = start().await;
    api.emu.set_rate_limited(true);
    let a = api.get("/api/v1/prices").await;
    assert_eq!(a.status, 401);
    assert_eq!(a.text, INVALID_KEY_MESSAGE);
    api.emu.set_rate_limited(false);
    assert_eq!(api.get("/api/v1/prices").await.status, 200);
}

#[tokio::test]
async fn s6_11_list_ignores_filters_oldest_first_default_ten_with_cursors() {
    let api = start().await;
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(
            api.create_price(usage(json!(i))).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    // Archive one: still listed.
    api.put(
        &format!("/api/v1/prices/{}", ids[0]),
        &json!({"price": {"id": ids[0], "type": "usage", "isDefault": false, "active": false}}),
    )
    .await;
    let page1 = api
        .get("/api/v1/prices?productId=prod_x&type=subscription&active=true")
        .await
        .json();
    let listed: Vec<&str> = page1["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    assert_eq!(listed, ids[..10]);
    assert_eq!(page1["total"], 12);
    assert_eq!(page1["hasMore"], true);
    assert!(page1.get("currentCursor").is_none());
    let cursor = page1["nextCursor"].as_str().expect("nextCursor").to_owned();
    // The cursor is base64 JSON naming the last row.
    use base64::Engine as _;
    let decoded: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(&cursor)
            .expect("base64"),
    )
    .expect("json");
    assert_eq!(decoded["id"], ids[9].as_str());
    assert_eq!(decoded["direction"], "forward");
    assert_eq!(decoded["parameters"], json!({}));
    let encoded = cursor
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let page2 = api
        .get(&format!("/api/v1/prices?cursor={encoded}&limit=100"))
        .await
        .json();
    let listed: Vec<&str> = page2["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    assert_eq!(listed, ids[10..]);
    assert_eq!(page2["hasMore"], false);
    assert_eq!(page2["currentCursor"], cursor.as_str());
    assert!(page2.get("nextCursor").is_none());
    assert_eq!(page2["total"], 12);
    // limit=1 walks one by one.
    let one = api.get("/api/v1/prices?limit=1").await.json();
    assert_eq!(one["data"].as_array().map(Vec::len), Some(1));
    // Customers paginate the same way.
    let c = api.get("/api/v1/customers").await.json();
    assert_eq!(c, json!({"data": [], "hasMore": false, "total": 0}));
}

#[tokio::test]
async fn pagination_rejects_bad_limits_repeats_and_cursors() {
    let api = start().await;
    for q in ["limit=0", "limit=101", "limit=abc", "limit=2.5", "limit=-1"] {
        let a = api.get(&format!("/api/v1/prices?{q}")).await;
        assert_eq!(a.status, 400, "{q}");
        let body = a.error_body();
        assert!(body.get("code").is_none(), "{q}: handler-level error");
        let text = body["error"].as_str().expect("error is a string");
        let issues: Value = serde_json::from_str(text).expect("the string holds zod JSON");
        assert_eq!(issues[0]["path"], json!(["limit"]), "{q}");
    }
    for q in ["limit=5&limit=6", "cursor=a&cursor=b"] {
        let a = api.get(&format!("/api/v1/customers?{q}")).await;
        assert_eq!(a.status, 400, "{q}");
        assert!(a.error_body()["error"].is_string());
    }
    for cursor in ["not-base64!!", "eyJmb28iOjF9", "bm90IGpzb24="] {
        let a = api.get(&format!("/api/v1/prices?cursor={cursor}")).await;
        assert_eq!(a.status, 400, "{cursor}");
        assert_eq!(
            a.error_body(),
            json!({"error": "Invalid cursor", "request_id": a.request_id.clone()})
        );
    }
    for q in ["limit=1", "limit=100", "limit=%2010%20", "other=1&other=2"] {
        assert_eq!(
            api.get(&format!("/api/v1/prices?{q}")).await.status,
            200,
            "{q}"
        );
    }
}

#[tokio::test]
async fn s6_12_empty_post_or_put_body_is_400_invalid_json() {
    let api = start().await;
    api.post(
        "/api/v1/customers",
        &fixture("create-customer.request.json"),
    )
    .await;
    let expected = fixture("error-400-invalid-json.json");
    for (method, path) in [
        (Method::POST, "/api/v1/customers/user_12345/archive"),
        (Method::POST, "/api/v1/prices"),
        (Method::PUT, "/api/v1/prices/price_x"),
        (Method::POST, "/api/v1/customers"),
        (Method::PUT, "/api/v1/customers/user_12345"),
    ] {
        let a = api.send(method.clone(), path, Some(KEY), None).await;
        assert_eq!(a.status, 400, "{method} {path}");
        assert_matches_fixture(&a.error_body(), &expected, path);
    }
    assert_eq!(
        api.get("/api/v1/customers/user_12345").await.json()["customer"]["archived"],
        false
    );
    let a = api
        .send(
            Method::POST,
            "/api/v1/customers/user_12345/archive",
            Some(KEY),
            Some("{}"),
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["customer"]["archived"], true);
}

#[tokio::test]
async fn s6_14_key_decides_livemode_and_hides_other_pricing_models() {
    let api = start().await;
    let hidden = api.emu.seed_out_of_scope_rows();
    let mine = api.create_price(usage(json!(1))).await;
    assert_eq!(mine["livemode"], false, "an sk_test_ key is test mode");
    for id in [&hidden.other_model_price_id, &hidden.other_mode_price_id] {
        assert_eq!(api.get(&format!("/api/v1/prices/{id}")).await.status, 404);
    }
    let list = api.get("/api/v1/prices").await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["data"][0]["id"], mine["id"]);
    let path = format!(
        "/api/v1/customers/{}",
        hidden.other_model_customer_external_id
    );
    assert_eq!(api.get(&path).await.status, 404);
    assert_eq!(api.get("/api/v1/customers").await.json()["total"], 0);
    // The hidden customer's external id is free in this pricing model.
    let a = api
        .post(
            "/api/v1/customers",
            &json!({"customer": {"externalId": hidden.other_model_customer_external_id,
                                 "email": "x@example.com", "name": "X"}}),
        )
        .await;
    assert_eq!(a.status, 200);
    // A live key writes live rows.
    let live = start_with(FlowgladEmulator::new("sk_live_8Qbw_secret")).await;
    let a = live
        .send(
            Method::POST,
            "/api/v1/prices",
            Some("sk_live_8Qbw_secret"),
            Some(&json!({"price": usage(json!(1))}).to_string()),
        )
        .await;
    assert_eq!(a.json()["price"]["livemode"], true);
}
