//! Raw-HTTP tests of the Flowglad emulator: one per surprise of the notes' §6, plus the basics.
//! Every answer is checked for its exact status and body; rejections are tested as much as acceptances.

use reqwest::Method;
use serde_json::{Value, json};
use unibill_testkit::Served;
use unibill_testkit::emulators::flowglad::{
    FlowgladEmulator, INVALID_KEY_MESSAGE, UNAUTHORIZED_MESSAGE, seed,
};

const KEY: &str = "sk_test_8Qbw_emulatorsecret0001";

/// A running emulator and a client for it.
struct Api {
    emu: FlowgladEmulator,
    base: String,
    _served: Served,
    http: reqwest::Client,
}

/// An answer: status, `X-Request-Id`, content type and body text.
struct Answer {
    status: u16,
    request_id: Option<String>,
    content_type: String,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    /// The JSON body of an error, after checking `request_id` matches the header.
    fn error_body(&self) -> Value {
        let body = self.json();
        let rid = self.request_id.as_deref().expect("X-Request-Id header");
        assert_eq!(body["request_id"], rid, "request_id matches the header");
        assert!(
            rid.len() == 8 && rid.bytes().all(|b| b.is_ascii_hexdigit()),
            "{rid}"
        );
        assert!(self.content_type.starts_with("application/json"));
        body
    }
}

async fn start() -> Api {
    start_with(FlowgladEmulator::new(KEY)).await
}

async fn start_with(emu: FlowgladEmulator) -> Api {
    let served = emu.serve().await.expect("bind 127.0.0.1:0");
    Api {
        emu,
        base: served.base_url().to_owned(),
        _served: served,
        http: reqwest::Client::new(),
    }
}

impl Api {
    async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<&str>,
    ) -> Answer {
        let mut rb = self.http.request(method, format!("{}{path}", self.base));
        if let Some(a) = auth {
            rb = rb.header("authorization", a);
        }
        if let Some(b) = body {
            rb = rb
                .header("content-type", "application/json")
                .body(b.to_owned());
        }
        let resp = rb.send().await.expect("request to the emulator");
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .map(|v| v.to_str().expect("ascii header").to_owned())
        };
        let request_id = header("x-request-id");
        let content_type = header("content-type").unwrap_or_default();
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        Answer {
            status,
            request_id,
            content_type,
            text,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Answer {
        let text = body.map(Value::to_string);
        self.send(method, path, Some(KEY), text.as_deref()).await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    async fn put(&self, path: &str, body: &Value) -> Answer {
        self.call(Method::PUT, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    /// POST a price, expecting 200; returns the price record.
    async fn create_price(&self, price: Value) -> Value {
        let a = self
            .post("/api/v1/prices", &json!({ "price": price }))
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
        a.json()["price"].clone()
    }

    async fn price(&self, id: &str) -> Value {
        let a = self.get(&format!("/api/v1/prices/{id}")).await;
        assert_eq!(a.status, 200, "{}", a.text);
        a.json()["price"].clone()
    }
}

fn fixture(name: &str) -> Value {
    unibill_testkit::fixture_json(&format!("flowglad/{name}"))
}

/// Keys whose values are generated (ids, times, request ids): only their JSON type is compared.
const GENERATED: &[&str] = &[
    "id",
    "createdAt",
    "updatedAt",
    "request_id",
    "invoiceNumberBase",
    "nextCursor",
    "sentry_event_id",
];

/// Same shape as the fixture: same keys everywhere, same values except generated ones (same type there).
fn assert_matches_fixture(actual: &Value, expected: &Value, at: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            let mut ak: Vec<_> = a.keys().collect();
            let mut ek: Vec<_> = e.keys().collect();
            ak.sort();
            ek.sort();
            assert_eq!(ak, ek, "keys at {at}");
            for (k, ev) in e {
                let av = &a[k];
                if GENERATED.contains(&k.as_str()) {
                    assert_eq!(
                        std::mem::discriminant(av),
                        std::mem::discriminant(ev),
                        "type of {at}.{k}: {av} vs {ev}"
                    );
                    if let (Some(x), Some(y)) = (av.as_str(), ev.as_str()) {
                        let prefix = |s: &str| s.rsplit_once('_').map(|p| p.0.to_owned());
                        assert_eq!(prefix(x), prefix(y), "id prefix of {at}.{k}");
                    }
                } else {
                    assert_matches_fixture(av, ev, &format!("{at}.{k}"));
                }
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "length at {at}");
            for (i, (av, ev)) in a.iter().zip(e).enumerate() {
                assert_matches_fixture(av, ev, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(actual, expected, "value at {at}"),
    }
}

/// The one zod issue of a 400 and its path.
fn single_issue(a: &Answer) -> (Value, Vec<String>) {
    assert_eq!(a.status, 400, "{}", a.text);
    let body = a.error_body();
    assert_eq!(body["code"], "BAD_REQUEST", "{body}");
    let issues = body["error"].as_array().expect("issue array").clone();
    assert_eq!(issues.len(), 1, "{body}");
    let path = issues[0]["path"]
        .as_array()
        .expect("path")
        .iter()
        .map(|p| p.as_str().expect("string segment").to_owned())
        .collect();
    (issues[0].clone(), path)
}

/// A JSON number from its text (decimal amounts are never written as float literals here).
fn number(text: &str) -> Value {
    serde_json::from_str(text).expect("a JSON number")
}

fn subscription(product: &str, unit_price: Value) -> Value {
    json!({"type": "subscription", "productId": product, "unitPrice": unit_price,
           "intervalUnit": "month", "intervalCount": 1, "isDefault": true})
}

fn usage(unit_price: Value) -> Value {
    json!({"type": "usage", "usageMeterId": seed::USAGE_METER_ID, "unitPrice": unit_price,
           "usageEventsPerUnit": 1, "intervalUnit": "month", "intervalCount": 1, "isDefault": false})
}

// ---------------------------------------------------------------------------------------------------------
// Basics: auth, routes, fixtures, timestamps, ids.
// ---------------------------------------------------------------------------------------------------------

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
async fn price_fixtures_round_trip_for_all_three_types() {
    let api = start().await;
    for kind in ["subscription", "usage", "single-payment"] {
        let request = fixture(&format!("create-{kind}-price.request.json"));
        let a = api.post("/api/v1/prices", &request).await;
        assert_eq!(a.status, 200, "{kind}: {}", a.text);
        assert!(a.request_id.is_some());
        let expected = fixture(&format!("create-{kind}-price.response.json"));
        assert_matches_fixture(&a.json(), &expected, kind);
    }
    // GET and list compare with their fixtures (list page of 3; the fixture's total is 7 rows).
    let first = api.emu.prices()[0]["id"].as_str().expect("id").to_owned();
    assert_matches_fixture(
        &api.get(&format!("/api/v1/prices/{first}")).await.json(),
        &fixture("get-price.response.json"),
        "get",
    );
    let list = api.get("/api/v1/prices?limit=2").await.json();
    let mut expected = fixture("list-prices.response.json");
    expected["data"].as_array_mut().expect("data").truncate(2);
    expected["total"] = json!(3);
    assert_matches_fixture(&list, &expected, "list");
    assert_eq!(list["hasMore"], true);
    // Update fixture: PUT with the body's id.
    let mut update = fixture("update-price.request.json");
    update["price"]["id"] = json!(first);
    let a = api.put(&format!("/api/v1/prices/{first}"), &update).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_matches_fixture(&a.json(), &fixture("update-price.response.json"), "update");
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
async fn get_unknown_price_is_404_in_the_fixture_shape() {
    let api = start().await;
    let a = api.get("/api/v1/prices/price_000000000000000000000").await;
    assert_eq!(a.status, 404);
    assert_matches_fixture(&a.error_body(), &fixture("error-404-not-found.json"), "404");
}

// ---------------------------------------------------------------------------------------------------------
// §6.1 Minor units, integers only, int32 ceiling.
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn s6_01_unit_price_is_an_integer_in_minor_units_up_to_int32() {
    let api = start().await;
    // Accepted: 0 (the literal), 1999, the int32 maximum; stored unchanged.
    for amount in [json!(0), json!(1999), json!(2_147_483_647_i64)] {
        let p = api.create_price(usage(amount.clone())).await;
        assert_eq!(p["unitPrice"], amount);
    }
    // A float, a negative, and beyond MAX_SAFE_INTEGER: 400 with a union issue on unitPrice.
    for amount in [
        number("19.99"),
        json!(-1),
        number("-0.5"),
        json!(9_007_199_254_740_992_i64),
    ] {
        let a = api
            .post("/api/v1/prices", &json!({"price": usage(amount.clone())}))
            .await;
        let (issue, path) = single_issue(&a);
        assert_eq!(path, ["price", "unitPrice"], "{amount}");
        assert_eq!(issue["code"], "invalid_union");
        assert_eq!(issue["message"], "Invalid input");
    }
    // Between int32 and 2^53: passes zod, fails the int4 column: 500 "Internal server error", no `code`.
    let count = api.emu.price_count();
    let a = api
        .post(
            "/api/v1/prices",
            &json!({"price": usage(json!(2_147_483_648_i64))}),
        )
        .await;
    assert_eq!(a.status, 500);
    let body = a.error_body();
    assert_matches_fixture(&body, &fixture("error-500-internal.json"), "500");
    assert!(body.get("code").is_none());
    assert_eq!(api.emu.price_count(), count, "nothing stored");
    // JPY is zero-decimal: 1999 is ¥1999, stored as 1999.
    let jpy = start_with(FlowgladEmulator::builder(KEY).currency("JPY").build()).await;
    let p = jpy.create_price(usage(json!(1999))).await;
    assert_eq!(
        (p["unitPrice"].clone(), p["currency"].clone()),
        (json!(1999), json!("JPY"))
    );
}

// ---------------------------------------------------------------------------------------------------------
// §6.2 The organisation currency; `currency` in the body is dropped.
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn s6_02_currency_is_the_organisation_default_and_a_body_currency_is_dropped() {
    let api = start().await;
    let mut body = usage(json!(5));
    body["currency"] = json!("EUR");
    let p = api.create_price(body).await;
    assert_eq!(p["currency"], "USD");
    let eur = start_with(FlowgladEmulator::builder(KEY).currency("eur").build()).await;
    assert_eq!(eur.emu.currency(), "EUR");
    let mut body = subscription(seed::PRO_PRODUCT_ID, json!(1999));
    body["currency"] = json!("USD");
    assert_eq!(eur.create_price(body).await["currency"], "EUR");
}

// ---------------------------------------------------------------------------------------------------------
// §6.3 The three-way union: fields that do not apply must be omitted or JSON null.
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn s6_03_tagged_union_rejects_inapplicable_fields_and_the_string_null() {
    let api = start().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            {
                let mut b = subscription(seed::PRO_PRODUCT_ID, json!(1));
                b["usageMeterId"] = json!(seed::USAGE_METER_ID);
                b
            },
            "usageMeterId",
            "Invalid input: expected null, received string",
        ),
        (
            {
                let mut b = usage(json!(1));
                b["productId"] = json!(seed::PRO_PRODUCT_ID);
                b
            },
            "productId",
            "Invalid input: expected null, received string",
        ),
        (
            {
                let mut b = subscription(seed::PRO_PRODUCT_ID, json!(1));
                b["usageEventsPerUnit"] = json!("null");
                b
            },
            "usageEventsPerUnit",
            "Invalid input: expected null, received string",
        ),
        (
            json!({"type": "single_payment", "productId": seed::ADDON_PRODUCT_ID, "unitPrice": 1,
                   "isDefault": true, "intervalUnit": "month"}),
            "intervalUnit",
            "Invalid input: expected null, received string",
        ),
        (
            json!({"type": "usage", "usageMeterId": seed::USAGE_METER_ID, "unitPrice": 1,
                   "intervalUnit": "month", "intervalCount": 1, "isDefault": true,
                   "usageEventsPerUnit": 1, "trialPeriodDays": 7}),
            "trialPeriodDays",
            "Invalid input: expected null, received number",
        ),
        (
            json!({"type": "subscription", "unitPrice": 1, "intervalUnit": "month",
                   "intervalCount": 1, "isDefault": true}),
            "productId",
            "Invalid input: expected string, received undefined",
        ),
        (
            json!({"type": "usage", "usageMeterId": seed::USAGE_METER_ID, "unitPrice": 1,
                   "intervalUnit": "month", "intervalCount": 1, "isDefault": true}),
            "usageEventsPerUnit",
            "Invalid input: expected number, received NaN",
        ),
        (
            {
                let mut b = subscription(seed::PRO_PRODUCT_ID, json!(1));
                b.as_object_mut().expect("object").remove("isDefault");
                b
            },
            "isDefault",
            "Invalid input: expected boolean, received undefined",
        ),
        (
            {
                let mut b = subscription(seed::PRO_PRODUCT_ID, json!(1));
                b["intervalUnit"] = json!("fortnight");
                b
            },
            "intervalUnit",
            "Invalid option: expected one of \"day\"|\"week\"|\"month\"|\"year\"",
        ),
    ];
    for (body, field, message) in cases {
        let a = api.post("/api/v1/prices", &json!({ "price": body })).await;
        let (issue, path) = single_issue(&a);
        assert_eq!(path, ["price", field], "{body}");
        assert_eq!(issue["message"], message, "{body}");
    }
    // Unknown or missing discriminator: the fixture's invalid_union issue.
    for ty in [json!("one_time"), Value::Null] {
        let a = api
            .post(
                "/api/v1/prices",
                &json!({"price": {"type": ty, "unitPrice": 1, "isDefault": true}}),
            )
            .await;
        assert_eq!(a.status, 400);
        assert_matches_fixture(
            &a.error_body(),
            &fixture("error-400-bad-discriminator.json"),
            "discriminator",
        );
    }
    // No `price` at all.
    let a = api.post("/api/v1/prices", &json!({})).await;
    let (issue, path) = single_issue(&a);
    assert_eq!(path, ["price"]);
    assert_eq!(
        issue["message"],
        "Invalid input: expected object, received undefined"
    );
    assert_eq!(api.emu.price_count(), 0, "nothing stored by any rejection");
    // JSON null and absent keys are accepted for the fields that do not apply.
    let mut b = subscription(seed::PRO_PRODUCT_ID, json!(1));
    b["usageMeterId"] = Value::Null;
    b["usageEventsPerUnit"] = Value::Null;
    b["trialPeriodDays"] = Value::Null;
    let p = api.create_price(b).await;
    assert_eq!(p["usageMeterId"], Value::Null);
    let mut u = usage(json!(1));
    u["productId"] = Value::Null;
    assert_eq!(api.create_price(u).await["productId"], Value::Null);
}

// ---------------------------------------------------------------------------------------------------------
// §6.4 A new product price archives the old ones and is forced default and active.
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn s6_04_new_product_price_archives_siblings_and_is_forced_default_active() {
    let api = start().await;
    let mut body = subscription(seed::PRO_PRODUCT_ID, json!(1000));
    body["isDefault"] = json!(false);
    body["active"] = json!(false);
    body["slug"] = json!("pro");
    let first = api.create_price(body.clone()).await;
    assert_eq!(
        (first["isDefault"].clone(), first["active"].clone()),
        (json!(true), json!(true))
    );
    // A retried create (same body, same slug): the second copy wins, the first is archived; no slug clash.
    let second = api.create_price(body).await;
    assert_eq!(second["active"], true);
    let first_now = api.price(first["id"].as_str().expect("id")).await;
    assert_eq!(
        (first_now["isDefault"].clone(), first_now["active"].clone()),
        (json!(false), json!(false))
    );
    assert!(first_now["updatedAt"].as_i64() > first["updatedAt"].as_i64());
    // Other products are untouched.
    let addon = api
        .create_price(
            json!({"type": "single_payment", "productId": seed::ADDON_PRODUCT_ID,
                             "unitPrice": 4900, "isDefault": false}),
        )
        .await;
    assert_eq!(
        api.price(second["id"].as_str().expect("id")).await["active"],
        true
    );
    assert_eq!(addon["isDefault"], true);
    assert_eq!(api.emu.active_price_count(), 2);
    // Usage prices: isDefault honoured; a new default clears the others' flag but leaves them active.
    let u1 = api
        .create_price({
            let mut u = usage(json!(1));
            u["isDefault"] = json!(true);
            u
        })
        .await;
    let u2 = api.create_price(usage(json!(2))).await;
    assert_eq!(
        (u1["isDefault"].clone(), u2["isDefault"].clone()),
        (json!(true), json!(false))
    );
    api.create_price({
        let mut u = usage(json!(3));
        u["isDefault"] = json!(true);
        u
    })
    .await;
    let u1_now = api.price(u1["id"].as_str().expect("id")).await;
    assert_eq!(
        (u1_now["isDefault"].clone(), u1_now["active"].clone()),
        (json!(false), json!(true))
    );
    // Product rules: all prices of a product share one type (403, the fixture's message).
    let a = api
        .post(
            "/api/v1/prices",
            &json!({"price": {"type": "single_payment", "productId": seed::PRO_PRODUCT_ID,
                              "unitPrice": 1, "isDefault": true}}),
        )
        .await;
    assert_eq!(a.status, 403);
    assert_matches_fixture(&a.error_body(), &fixture("error-403-forbidden.json"), "403");
    // The default (free) product: one price, of amount 0.
    let a = api
        .post(
            "/api/v1/prices",
            &json!({"price": subscription(seed::FREE_PRODUCT_ID, json!(500))}),
        )
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.error_body(),
        json!({"error": "Default prices on default products must have unitPrice = 0",
               "code": "BAD_REQUEST", "request_id": a.request_id.clone()})
    );
    api.create_price(subscription(seed::FREE_PRODUCT_ID, json!(0)))
        .await;
    let a = api
        .post(
            "/api/v1/prices",
            &json!({"price": subscription(seed::FREE_PRODUCT_ID, json!(0))}),
        )
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(
        a.error_body()["error"],
        "Cannot create additional prices for the default plan"
    );
    // Unknown parents are 404.
    let a = api
        .post(
            "/api/v1/prices",
            &json!({"price": subscription("prod_000000000000000000000", json!(1))}),
        )
        .await;
    assert_eq!(
        (a.status, a.error_body()["code"].clone()),
        (404, json!("NOT_FOUND"))
    );
    let mut u = usage(json!(1));
    u["usageMeterId"] = json!("usage_meter_000000000000000000000");
    let a = api.post("/api/v1/prices", &json!({ "price": u })).await;
    assert_eq!(
        (a.status, a.error_body()["code"].clone()),
        (404, json!("NOT_FOUND"))
    );
}

// ---------------------------------------------------------------------------------------------------------
// §6.5 No idempotency: a repeated POST repeats its effect; only the slug rule can catch it.
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn s6_05_posts_are_not_idempotent_and_slug_clashes_are_500() {
    let api = start().await;
    let body = json!({"price": usage(json!(7))});
    for _ in 0..2 {
        let a = api
            .http
            .post(format!("{}/api/v1/prices", api.base))
            .header("authorization", KEY)
            .header("idempotency-key", "same-key")
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(a.status(), 200);
    }
    assert_eq!(
        api.emu.price_count(),
        2,
        "the Idempotency-Key header is ignored"
    );
    // With a slug, a re-sent usage create clashes with the active first copy: 500, nothing stored.
    let mut slugged = usage(json!(7));
    slugged["slug"] = json!("api_calls_7");
    api.create_price(slugged.clone()).await;
    let a = api
        .post("/api/v1/prices", &json!({ "price": slugged }))
        .await;
    assert_eq!(a.status, 500);
    let body = a.error_body();
    assert_eq!(body["code"], "INTERNAL_SERVER_ERROR");
    assert_eq!(
        body["error"],
        format!(
            "duplicate slug \"api_calls_7\" in pricing model {}",
            seed::PRICING_MODEL_ID
        )
    );
    assert!(body["sentry_event_id"].is_string());
    assert_eq!(api.emu.price_count(), 3);
    // Reserved `_no_charge` suffix on usage slugs.
    let mut reserved = usage(json!(1));
    reserved["slug"] = json!("api_calls_no_charge");
    let a = api
        .post("/api/v1/prices", &json!({ "price": reserved }))
        .await;
    assert_eq!(
        (a.status, a.error_body()["code"].clone()),
        (400, json!("BAD_REQUEST"))
    );
}

#[tokio::test]
async fn slug_is_unique_among_active_prices_only() {
    let api = start().await;
    let mut a = usage(json!(1));
    a["slug"] = json!("shared");
    let first = api.create_price(a.clone()).await;
    let id = first["id"].as_str().expect("id");
    // Archive it: the slug becomes free again.
    let archived = api
        .put(
            &format!("/api/v1/prices/{id}"),
            &json!({"price": {"id": id, "type": "usage", "isDefault": false, "active": false}}),
        )
        .await;
    assert_eq!(archived.json()["price"]["active"], false);
    let second = api.create_price(a).await;
    // Re-activating the first now clashes (500), and so does renaming another active price to the slug.
    let a = api
        .put(
            &format!("/api/v1/prices/{id}"),
            &json!({"price": {"id": id, "type": "usage", "isDefault": false, "active": true}}),
        )
        .await;
    assert_eq!(a.status, 500);
    assert_eq!(a.error_body()["code"], "INTERNAL_SERVER_ERROR");
    let third = api.create_price(usage(json!(3))).await;
    let tid = third["id"].as_str().expect("id");
    let a = api
        .put(
            &format!("/api/v1/prices/{tid}"),
            &json!({"price": {"id": tid, "type": "usage", "isDefault": false, "slug": "shared"}}),
        )
        .await;
    assert_eq!(a.status, 500);
    assert_eq!(api.price(tid).await["slug"], Value::Null, "unchanged");
    assert_eq!(api.price(id).await["active"], false, "unchanged");
    assert_eq!(second["slug"], "shared");
}

// ---------------------------------------------------------------------------------------------------------
// §6.6 PUT requires id, type and isDefault in the body; the path id is ignored; create-only fields dropped.
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn s6_06_update_requires_id_type_is_default_and_uses_the_body_id() {
    let api = start().await;
    let p = api
        .create_price(subscription(seed::PRO_PRODUCT_ID, json!(1999)))
        .await;
    let id = p["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/prices/{id}");
    // Missing isDefault, missing id: zod issues.
    for (body, field) in [
        (
            json!({"id": id, "type": "subscription", "name": "x"}),
            "isDefault",
        ),
        (json!({"type": "subscription", "isDefault": true}), "id"),
    ] {
        let a = api.put(&path, &json!({ "price": body })).await;
        let (_, issue_path) = single_issue(&a);
        assert_eq!(issue_path, ["price", field]);
    }
    // Missing type: no matching discriminator.
    let a = api
        .put(&path, &json!({"price": {"id": id, "isDefault": true}}))
        .await;
    let (issue, issue_path) = single_issue(&a);
    assert_eq!(issue_path, ["price", "type"]);
    assert_eq!(issue["note"], "No matching discriminator");
    // Another type: 400 with the server's message.
    let a = api
        .put(
            &path,
            &json!({"price": {"id": id, "type": "single_payment", "isDefault": true}}),
        )
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.error_body()["error"],
        "Cannot change type after price creation. This field is immutable."
    );
    // The path id is ignored: the body's id decides (even with a nonsense path id).
    let a = api
        .put(
            "/api/v1/prices/price_ignored",
            &json!({"price": {"id": id, "type": "subscription", "isDefault": true, "name": "Renamed",
                              "unitPrice": 5, "intervalCount": 12, "productId": seed::ADDON_PRODUCT_ID}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let updated = a.json()["price"].clone();
    assert_eq!(updated["id"], id.as_str());
    assert_eq!(updated["name"], "Renamed");
    // Create-only fields were silently dropped.
    assert_eq!(updated["unitPrice"], 1999);
    assert_eq!(updated["intervalCount"], 1);
    assert_eq!(updated["productId"], seed::PRO_PRODUCT_ID);
    // An unknown body id is 404 even when the path names a real price.
    let a = api
        .put(
            &path,
            &json!({"price": {"id": "price_000000000000000000000", "type": "subscription", "isDefault": true}}),
        )
        .await;
    assert_eq!(
        (a.status, a.error_body()["error"].clone()),
        (404, json!("Price not found"))
    );
    // Sending isDefault false un-defaults; name null clears; unspecified fields stay.
    let a = api
        .put(
            &path,
            &json!({"price": {"id": id, "type": "subscription", "isDefault": false, "name": null}}),
        )
        .await;
    let after = a.json()["price"].clone();
    assert_eq!(
        (after["isDefault"].clone(), after["name"].clone()),
        (json!(false), Value::Null)
    );
    assert_eq!(after["active"], true);
    assert!(after["updatedAt"].as_i64() > p["updatedAt"].as_i64());
    assert_eq!(after["createdAt"], p["createdAt"]);
}

// ---------------------------------------------------------------------------------------------------------
// §6.7 Error bodies are not the OpenAPI shape.
// ---------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------
// §6.8 A rate-limited key is a 401, never a 429.
// ---------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------
// §6.9 Customer create wraps its answer in `data`; GET and PUT do not.
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn s6_09_customer_create_answers_data_customer_get_and_put_answer_customer() {
    let api = start().await;
    let a = api
        .post(
            "/api/v1/customers",
            &fixture("create-customer.request.json"),
        )
        .await;
    assert_eq!(a.status, 200, "creates are 200, not 201");
    assert_matches_fixture(
        &a.json(),
        &fixture("create-customer.response.json"),
        "create",
    );
    let got = api.get("/api/v1/customers/user_12345").await;
    assert_eq!(got.status, 200);
    assert_matches_fixture(&got.json(), &fixture("get-customer.response.json"), "get");
    let put = api
        .put(
            "/api/v1/customers/user_12345",
            &json!({"customer": {"name": "Ada King", "domain": "example.com", "externalId": "ignored"}}),
        )
        .await;
    assert_eq!(put.status, 200);
    let c = put.json()["customer"].clone();
    assert_eq!(
        (
            c["name"].clone(),
            c["domain"].clone(),
            c["email"].clone(),
            c["externalId"].clone()
        ),
        (
            json!("Ada King"),
            json!("example.com"),
            json!("ada@example.com"),
            json!("user_12345")
        )
    );
    let bad = api
        .put(
            "/api/v1/customers/user_12345",
            &json!({"customer": {"email": 5}}),
        )
        .await;
    let (_, path) = single_issue(&bad);
    assert_eq!(path, ["customer", "email"]);
    let missing = api
        .put(
            "/api/v1/customers/nobody",
            &json!({"customer": {"name": "x"}}),
        )
        .await;
    assert_eq!(missing.status, 404);
}

// ---------------------------------------------------------------------------------------------------------
// §6.10 Customers are addressed by externalId; userId is not your user id.
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn s6_10_customers_by_external_id_with_409_archive_and_reuse() {
    let api = start().await;
    let create =
        |ext: &str| json!({"customer": {"externalId": ext, "email": "a@example.com", "name": "A"}});
    let first = api.post("/api/v1/customers", &create("user 1/ü")).await;
    assert_eq!(first.status, 200);
    let cust_id = first.json()["data"]["customer"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // Addressed by the percent-encoded external id, not by the cust_ id.
    assert_eq!(
        api.get("/api/v1/customers/user%201%2F%C3%BC").await.status,
        200
    );
    assert_eq!(
        api.get(&format!("/api/v1/customers/{cust_id}"))
            .await
            .status,
        404
    );
    // A duplicate active external id: 409 CONFLICT.
    let dup = api.post("/api/v1/customers", &create("user 1/ü")).await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.error_body()["code"], "CONFLICT");
    assert_eq!(api.emu.customer_count(), 1);
    // Archive, then the external id can be reused.
    let archived = api
        .post("/api/v1/customers/user%201%2F%C3%BC/archive", &json!({}))
        .await;
    assert_eq!(archived.status, 200);
    assert_eq!(archived.json()["customer"]["archived"], true);
    let again = api.post("/api/v1/customers", &create("user 1/ü")).await;
    assert_eq!(again.status, 200, "{}", again.text);
    let now = api.get("/api/v1/customers/user%201%2F%C3%BC").await.json();
    assert_eq!(now["customer"]["archived"], false);
    assert_ne!(now["customer"]["id"], cust_id.as_str());
    assert_eq!(api.emu.customer_count(), 2);
    // userId references Flowglad's users table: an application user id breaks the foreign key (500).
    let mut with_user = create("user_2");
    with_user["customer"]["userId"] = json!("my-app-user-42");
    let a = api.post("/api/v1/customers", &with_user).await;
    assert_eq!(a.status, 500);
    assert_eq!(a.error_body()["error"], "Internal server error");
    // Archiving an unknown customer is 404.
    assert_eq!(
        api.post("/api/v1/customers/nobody/archive", &json!({}))
            .await
            .status,
        404
    );
}

// ---------------------------------------------------------------------------------------------------------
// §6.11 List ignores filters, sorts oldest first, defaults to 10; `total` counts everything.
// ---------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------
// §6.12 Body-less POSTs need `{}`.
// ---------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------
// §6.13 Numbers are coerced.
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn s6_13_numeric_strings_are_coerced_like_zod() {
    let api = start().await;
    let mut body = subscription(seed::PRO_PRODUCT_ID, json!("1999"));
    body["intervalCount"] = json!("3");
    body["trialPeriodDays"] = json!("14");
    let p = api.create_price(body).await;
    assert_eq!(
        (
            p["unitPrice"].clone(),
            p["intervalCount"].clone(),
            p["trialPeriodDays"].clone()
        ),
        (json!(1999), json!(3), json!(14))
    );
    // Coercion does not rescue fractions, negatives, words, or the string "0" (only the number 0 matches
    // the literal branch, and 0 is not positive).
    for amount in ["19.99", "-5", "abc", "0"] {
        let a = api
            .post(
                "/api/v1/prices",
                &json!({"price": subscription(seed::PRO_PRODUCT_ID, json!(amount))}),
            )
            .await;
        let (_, path) = single_issue(&a);
        assert_eq!(path, ["price", "unitPrice"], "{amount}");
    }
    // Numeric strings above int32 reach the database: 500.
    let a = api
        .post(
            "/api/v1/prices",
            &json!({"price": subscription(seed::PRO_PRODUCT_ID, json!("3000000000"))}),
        )
        .await;
    assert_eq!(a.status, 500);
}

// ---------------------------------------------------------------------------------------------------------
// §6.14 The key decides the mode and the pricing model.
// ---------------------------------------------------------------------------------------------------------

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
