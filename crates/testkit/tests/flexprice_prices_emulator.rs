//! Raw-HTTP tests of the Flexprice emulator's plans, meters and prices: one test per item of the price notes'
//! §8 surprise list (`s8_NN_…`), plus the validation order and the fixtures. Independent of the adapter.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use unibill_testkit::Served;
use unibill_testkit::emulators::flexprice::FlexpriceEmulator;

const KEY: &str = "sk_test_emulator";
/// The plan and meter ids the fixtures name (replaced by the seeded ones).
const FIXTURE_PLAN: &str = "plan_01K3F8A1B2C3D4E5F6G7H8J9KM";
const FIXTURE_METER: &str = "meter_01K3F8C4D5E6F7G8H9J0K1M2N3";

struct Api {
    emulator: Arc<FlexpriceEmulator>,
    served: Served,
    client: reqwest::Client,
    plan: String,
    meter: String,
}

struct Reply {
    status: StatusCode,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }
}

fn fixture(name: &str) -> Value {
    unibill_testkit::fixture_json(&format!("flexprice/prices/{name}"))
}

/// Drops the fields that are generated (ids, times, environment) so bodies compare with fixtures.
fn without_generated(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        for k in [
            "id",
            "created_at",
            "updated_at",
            "start_date",
            "entity_id",
            "meter_id",
            "sequence",
        ] {
            o.remove(k);
        }
    }
    v
}

impl Api {
    async fn start() -> Self {
        let emulator = FlexpriceEmulator::new(KEY);
        let served = emulator.serve().await.expect("bind loopback");
        let plan = emulator.add_plan("Pro");
        let meter = emulator.add_meter("API Calls");
        Self {
            emulator,
            served,
            client: reqwest::Client::new(),
            plan,
            meter,
        }
    }

    fn emu(&self) -> &Arc<FlexpriceEmulator> {
        &self.emulator
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<String>) -> Reply {
        let url = format!("{}{path}", self.served.base_url());
        let mut req = self.client.request(method, url).header("x-api-key", KEY);
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let resp = req.send().await.expect("request to emulator");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        Reply { status, text }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body.to_string()))
            .await
    }

    async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::PUT, path, Some(body.to_string()))
            .await
    }

    async fn delete(&self, path: &str, body: Option<&str>) -> Reply {
        self.send(reqwest::Method::DELETE, path, body.map(str::to_owned))
            .await
    }

    /// A fixture request with the seeded plan and meter ids.
    fn request(&self, name: &str) -> Value {
        let text = fixture(name)
            .to_string()
            .replace(FIXTURE_PLAN, &self.plan)
            .replace(FIXTURE_METER, &self.meter);
        serde_json::from_str(&text).unwrap()
    }

    /// A minimal recurring flat-fee price on the seeded plan, with `extra` fields merged in.
    fn flat(&self, extra: Value) -> Value {
        let mut body = json!({
            "entity_type": "PLAN",
            "entity_id": self.plan,
            "type": "FIXED",
            "billing_model": "FLAT_FEE",
            "billing_period": "MONTHLY",
            "billing_period_count": 1,
            "invoice_cadence": "ADVANCE",
            "price_unit_type": "FIAT",
            "currency": "USD",
            "amount": "10",
        });
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        body
    }

    async fn create(&self, body: Value) -> Value {
        let r = self.post("/prices", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()
    }
}

fn error(r: &Reply, status: StatusCode, message: &str) -> Value {
    assert_eq!(r.status, status, "{}", r.text);
    let body = r.json();
    assert_eq!(body["message"], message, "{body}");
    body
}

#[tokio::test]
async fn fixture_flat_fee_request_answers_the_fixture_response() {
    let api = Api::start().await;
    let created = api
        .create(api.request("create-price-request.flat-fee-recurring.json"))
        .await;
    assert_eq!(
        without_generated(created.clone()),
        without_generated(fixture("create-price-response.flat-fee-recurring.json"))
    );
    assert_eq!(created["entity_id"], api.plan.as_str());
    assert_eq!(created["meter_id"], "", "FIXED prices carry no meter");
    assert!(
        created.get("sequence").is_none(),
        "not on the create answer"
    );
    // Create answers carry ns precision, reads µs.
    let created_at = created["created_at"].as_str().unwrap();
    assert_eq!(
        created_at.split('.').nth(1).unwrap().len(),
        "123456789Z".len()
    );
    let read = api
        .get(&format!("/prices/{}", created["id"].as_str().unwrap()))
        .await
        .json();
    let read_at = read["created_at"].as_str().unwrap();
    assert_eq!(read_at.split('.').nth(1).unwrap().len(), "123456Z".len());
    assert!(read["sequence"].is_u64());
}

#[tokio::test]
async fn fixture_usage_tiered_request_is_listed_like_the_fixture() {
    let api = Api::start().await;
    let usage = api
        .create(api.request("create-price-request.usage-tiered.json"))
        .await;
    assert_eq!(
        usage["display_name"], "API Calls",
        "defaults to the meter's name"
    );
    let listed = api
        .post(
            "/prices/search",
            json!({"entity_type": "PLAN", "entity_ids": [api.plan]}),
        )
        .await
        .json();
    let want = &fixture("list-prices-response.json")["items"][0];
    assert_eq!(
        without_generated(listed["items"][0].clone()),
        without_generated(want.clone())
    );
    assert_eq!(listed["items"][0]["meter_id"], api.meter.as_str());
    // A GET of a usage price expands its meter; the lookup does not.
    let got = api
        .get(&format!("/prices/{}", usage["id"].as_str().unwrap()))
        .await
        .json();
    assert_eq!(got["meter"]["id"], api.meter.as_str());
    let looked = api.get("/prices/lookup/pro_api_calls_usd").await.json();
    assert!(looked.get("meter").is_none());
}

#[tokio::test]
async fn s8_01_billing_period_count_must_be_sent() {
    let api = Api::start().await;
    let r = api
        .post("/prices", api.flat(json!({"billing_period_count": null})))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json(), fixture("error-400-billing-period-count.json"));
}

#[tokio::test]
async fn validation_runs_in_the_servers_order() {
    let api = Api::start().await;
    // 1. Decoding before anything else.
    let r = api
        .post(
            "/prices",
            api.flat(json!({"amount": "twelve", "currency": ""})),
        )
        .await;
    error(&r, StatusCode::BAD_REQUEST, "Invalid request format");
    // 2. Struct tags, by Go field name.
    let r = api
        .post(
            "/prices",
            api.flat(json!({"currency": "USDX", "entity_id": null})),
        )
        .await;
    let body = error(&r, StatusCode::BAD_REQUEST, "Request validation failed");
    let mut keys: Vec<&str> = body["details"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["Currency", "EntityID"]);
    // 4. Enums are case-sensitive.
    let r = api
        .post("/prices", api.flat(json!({"billing_period": "monthly"})))
        .await;
    error(&r, StatusCode::BAD_REQUEST, "Invalid billing period");
    // 5. Per model.
    let r = api
        .post(
            "/prices",
            api.flat(json!({"billing_model": "TIERED", "amount": null})),
        )
        .await;
    error(
        &r,
        StatusCode::BAD_REQUEST,
        "Price tiers are required to set up tiered pricing",
    );
    let r = api
        .post("/prices", api.flat(json!({"billing_model": "PACKAGE"})))
        .await;
    error(
        &r,
        StatusCode::BAD_REQUEST,
        "Please provide the number of units to set up package pricing",
    );
    let r = api.post("/prices", api.flat(json!({"amount": null}))).await;
    error(
        &r,
        StatusCode::BAD_REQUEST,
        "Amount is required to set up flat fee pricing with fiat pricing units",
    );
    // 6. Kind rules.
    let r = api
        .post(
            "/prices",
            api.flat(json!({"type": "USAGE", "invoice_cadence": "ARREAR"})),
        )
        .await;
    error(
        &r,
        StatusCode::BAD_REQUEST,
        "Please select a metered feature to set up usage pricing",
    );
    let r = api
        .post(
            "/prices",
            api.flat(json!({"billing_period": "ONETIME", "invoice_cadence": "ARREAR"})),
        )
        .await;
    error(
        &r,
        StatusCode::BAD_REQUEST,
        "One-time charges are always billed in advance",
    );
    let r = api
        .post(
            "/prices",
            api.flat(json!({"billing_period": "ONETIME", "trial_period_days": 7})),
        )
        .await;
    error(
        &r,
        StatusCode::BAD_REQUEST,
        "trial_period_days can only be set for recurring fixed prices",
    );
    // 7. The plan must exist.
    let r = api
        .post("/prices", api.flat(json!({"entity_id": "plan_nope"})))
        .await;
    let body = error(
        &r,
        StatusCode::NOT_FOUND,
        "The specified plan does not exist",
    );
    assert_eq!(body["details"]["plan_id"], "plan_nope");
    let r = api
        .post("/prices", api.flat(json!({"entity_type": "PRICE"})))
        .await;
    error(
        &r,
        StatusCode::BAD_REQUEST,
        "The specified entity type is not supported",
    );
    // 8. Sign, usage cadence, the meter.
    let r = api.post("/prices", api.flat(json!({"amount": "-1"}))).await;
    error(
        &r,
        StatusCode::BAD_REQUEST,
        "Please provide a non-negative amount value",
    );
    let usage = json!({"type": "USAGE", "meter_id": api.meter});
    let r = api.post("/prices", api.flat(usage.clone())).await;
    error(
        &r,
        StatusCode::BAD_REQUEST,
        "Please use ARREAR invoice cadence for USAGE price type",
    );
    let r = api
        .post(
            "/prices",
            api.flat(
                json!({"type": "USAGE", "meter_id": "meter_nope", "invoice_cadence": "ARREAR"}),
            ),
        )
        .await;
    error(&r, StatusCode::NOT_FOUND, "Meter not found");
    assert_eq!(api.emu().price_count(), 0, "nothing was stored");
    // And a valid usage price; a FIXED price drops a meter id.
    let ok = api
        .create(
            api.flat(json!({"type": "USAGE", "meter_id": api.meter, "invoice_cadence": "ARREAR"})),
        )
        .await;
    assert_eq!(ok["meter_id"], api.meter.as_str());
    let fixed = api.create(api.flat(json!({"meter_id": api.meter}))).await;
    assert_eq!(fixed["meter_id"], "");
}

#[tokio::test]
async fn s8_02_tier_mode_is_never_validated() {
    let api = Api::start().await;
    let created = api
        .create(api.flat(json!({
            "billing_model": "TIERED",
            "amount": null,
            "tier_mode": "BOGUS",
            "tiers": [{"up_to": null, "unit_amount": "1"}],
        })))
        .await;
    assert_eq!(created["tier_mode"], "BOGUS");
    assert_eq!(created["amount"], "0");
    let r = api
        .post(
            "/prices",
            api.flat(json!({
                "billing_model": "TIERED",
                "tier_mode": "VOLUME",
                "tiers": [{"up_to": 5, "unit_amount": "-1"}],
            })),
        )
        .await;
    error(
        &r,
        StatusCode::BAD_REQUEST,
        "Unit amount cannot be negative",
    );
}

#[tokio::test]
async fn s8_03_filter_values_and_plan_ids_are_ignored() {
    let api = Api::start().await;
    let created = api
        .create(api.flat(json!({"filter_values": {"region": ["eu"]}})))
        .await;
    assert!(created.get("filter_values").is_none());
    let other_plan = api.emu().add_plan("Other");
    let listed = api
        .post("/prices/search", json!({"plan_ids": [other_plan]}))
        .await
        .json();
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        1,
        "plan_ids filters nothing"
    );
    let listed = api
        .post(
            "/prices/search",
            json!({"entity_type": "PLAN", "entity_ids": [other_plan]}),
        )
        .await
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn s8_04_delete_needs_a_body_and_only_sets_an_end_date() {
    let api = Api::start().await;
    let id = api.create(api.flat(json!({"lookup_key": "k"}))).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/prices/{id}");
    let r = api.delete(&path, None).await;
    error(&r, StatusCode::BAD_REQUEST, "Invalid request format");
    let r = api.delete(&path, Some("{}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!({"message": "price deleted successfully"}));
    let got = api.get(&path).await.json();
    assert_eq!(got["status"], "published", "the status stays published");
    assert!(got["end_date"].is_string());
    let r = api.delete(&path, Some("{}")).await;
    error(
        &r,
        StatusCode::BAD_REQUEST,
        "Cannot terminate a price that has already been terminated",
    );
    // Out of search (unless expired prices are allowed).
    let listed = api.post("/prices/search", json!({})).await.json();
    assert_eq!(listed["pagination"]["total"], 0);
    let listed = api
        .post("/prices/search", json!({"allow_expired_prices": true}))
        .await
        .json();
    assert_eq!(listed["pagination"]["total"], 1);
}

#[tokio::test]
async fn s8_05_put_edits_non_critical_fields_in_place() {
    let api = Api::start().await;
    let created = api
        .create(api.flat(json!({"lookup_key": "a", "display_name": "A", "metadata": {"x": "1"}})))
        .await;
    let path = format!("/prices/{}", created["id"].as_str().unwrap());
    let updated = api
        .put(
            &path,
            json!({"display_name": "B", "lookup_key": "", "metadata": {"y": "2"}}),
        )
        .await
        .json();
    assert_eq!(updated["id"], created["id"], "same id");
    assert_eq!(updated["display_name"], "B");
    assert_eq!(updated["lookup_key"], "a", "\"\" means no change");
    assert_eq!(
        updated["metadata"],
        json!({"y": "2"}),
        "metadata replaced whole"
    );
    // A critical change would version the price: not emulated, and said so.
    let r = api.put(&path, json!({"amount": "11"})).await;
    assert_eq!(r.status, StatusCode::NOT_IMPLEMENTED);
}

#[tokio::test]
async fn s8_06_ended_prices_leave_lookup_and_free_their_key() {
    let api = Api::start().await;
    let first = api.create(api.flat(json!({"lookup_key": "pro"}))).await;
    let found = api.get("/prices/lookup/pro").await;
    assert_eq!(found.json()["id"], first["id"]);
    // Scheduled to end in the future: already out of lookup.
    let r = api
        .delete(
            &format!("/prices/{}", first["id"].as_str().unwrap()),
            Some(r#"{"end_date":"2099-01-01T00:00:00Z"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = api.get("/prices/lookup/pro").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let second = api.create(api.flat(json!({"lookup_key": "pro"}))).await;
    assert_ne!(second["id"], first["id"], "the key is reusable at once");
    // Future-dated end: still in search.
    let listed = api.post("/prices/search", json!({})).await.json();
    assert_eq!(listed["pagination"]["total"], 2);
}

#[tokio::test]
async fn s8_07_a_key_clash_is_409_on_create_and_500_on_update() {
    let api = Api::start().await;
    let first = api
        .create(api.flat(json!({"lookup_key": "pro_monthly_usd"})))
        .await;
    let r = api
        .post(
            "/prices",
            api.flat(json!({"lookup_key": "pro_monthly_usd"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let mut body = r.json();
    let named = body["details"]["price_id"].as_str().unwrap().to_owned();
    assert_ne!(
        named,
        first["id"].as_str().unwrap(),
        "names the never-saved id"
    );
    assert_eq!(
        api.get(&format!("/prices/{named}")).await.status,
        StatusCode::NOT_FOUND
    );
    let mut want = fixture("error-409-lookup-key-exists.json");
    body["details"]["price_id"] = Value::Null;
    want["details"]["price_id"] = Value::Null;
    assert_eq!(body, want);

    let other = api.create(api.flat(json!({"lookup_key": "other"}))).await;
    let r = api
        .put(
            &format!("/prices/{}", other["id"].as_str().unwrap()),
            json!({"lookup_key": "pro_monthly_usd"}),
        )
        .await;
    let body = error(
        &r,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Failed to update price",
    );
    assert_eq!(body["code"], "database_error");
}

#[tokio::test]
async fn s8_08_amounts_come_back_trimmed_and_rounded_to_15_digits() {
    let api = Api::start().await;
    let created = api.create(api.flat(json!({"amount": "29.00"}))).await;
    assert_eq!(
        (&created["amount"], &created["display_amount"]),
        (&json!("29"), &json!("$29"))
    );
    let number = api.create(api.flat(json!({"amount": 0.0015}))).await;
    assert_eq!(
        number["amount"], "0.0015",
        "a JSON number is accepted, a string returned"
    );
    let sci = api.create(api.flat(json!({"amount": "1e-3"}))).await;
    assert_eq!(sci["amount"], "0.001");
    // 15 fractional digits are kept; a 16th is echoed on create, rounded when read.
    let fifteen = api
        .create(api.flat(json!({"amount": "0.123456789012345"})))
        .await;
    let got = api
        .get(&format!("/prices/{}", fifteen["id"].as_str().unwrap()))
        .await
        .json();
    assert_eq!(got["amount"], "0.123456789012345");
    let sixteen = api
        .create(api.flat(json!({"amount": "0.1234567890123456"})))
        .await;
    assert_eq!(sixteen["amount"], "0.1234567890123456");
    let got = api
        .get(&format!("/prices/{}", sixteen["id"].as_str().unwrap()))
        .await
        .json();
    assert_eq!(got["amount"], "0.123456789012346");
    // More than 10 integer digits: a database error.
    let r = api
        .post("/prices", api.flat(json!({"amount": "12345678901"})))
        .await;
    error(
        &r,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Failed to create price",
    );
}

#[tokio::test]
async fn s8_09_currency_is_any_three_characters_lowercased() {
    let api = Api::start().await;
    let created = api.create(api.flat(json!({"currency": "XYZ"}))).await;
    assert_eq!(created["currency"], "xyz");
    assert_eq!(
        created["display_amount"], "XYZ10",
        "unknown codes use the code as symbol"
    );
    let r = api
        .post("/prices", api.flat(json!({"currency": "US"})))
        .await;
    error(&r, StatusCode::BAD_REQUEST, "Request validation failed");
}

#[tokio::test]
async fn s8_10_old_field_names_are_silently_ignored() {
    let api = Api::start().await;
    let created = api
        .create(api.flat(json!({"trial_period": 14, "billing_cadence": "ONETIME"})))
        .await;
    assert_eq!(created["trial_period_days"], 0);
    assert_eq!(created["billing_period"], "MONTHLY");
    assert_eq!(created["billing_cadence"], "RECURRING");
}

#[tokio::test]
async fn s8_11_search_reports_the_next_offset() {
    let api = Api::start().await;
    for i in 0..3 {
        api.create(api.flat(json!({"amount": i.to_string()}))).await;
    }
    let page = api
        .post(
            "/prices/search",
            json!({"limit": 2, "offset": 0, "order": "asc"}),
        )
        .await
        .json();
    assert_eq!(
        page["pagination"],
        json!({"total": 3, "limit": 2, "offset": 2})
    );
    let amounts: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["0", "1"]);
    let page = api
        .post(
            "/prices/search",
            json!({"limit": 2, "offset": 2, "order": "asc"}),
        )
        .await
        .json();
    assert_eq!(
        page["pagination"],
        json!({"total": 3, "limit": 2, "offset": 4})
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let r = api
        .post("/prices/search", json!({"expand": "everything"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api
        .post("/prices/search", json!({"sort": ["created_at"]}))
        .await;
    error(&r, StatusCode::BAD_REQUEST, "Invalid request format");
}

#[tokio::test]
async fn s8_12_archived_plans_keep_and_take_prices() {
    let api = Api::start().await;
    let plan = api
        .post("/plans", json!({"name": "Team", "lookup_key": "team"}))
        .await;
    assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.text);
    let plan_id = plan.json()["id"].as_str().unwrap().to_owned();
    assert!(plan_id.starts_with("plan_"));
    let r = api
        .post(
            "/plans",
            json!({"name": "Team again", "lookup_key": "team"}),
        )
        .await;
    error(
        &r,
        StatusCode::CONFLICT,
        "Plan with this name already exists",
    );
    let price = api.create(api.flat(json!({"entity_id": plan_id}))).await;
    assert_eq!(price["display_name"], "Team", "defaults to the plan's name");
    let r = api.delete(&format!("/plans/{plan_id}"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let got = api
        .get(&format!("/prices/{}", price["id"].as_str().unwrap()))
        .await
        .json();
    assert_eq!(
        got["status"], "published",
        "the plan's prices stay published"
    );
    api.create(api.flat(json!({"entity_id": plan_id}))).await;
    let plan = api.get(&format!("/plans/{plan_id}")).await.json();
    assert_eq!(plan["status"], "archived");
    assert_eq!(plan["prices"].as_array().unwrap().len(), 2);
}

/// `POST /plans/search` (notes §6): newest first unless `order: asc`; `status: published` hides archived
/// plans and no status shows them; `pagination.offset` is the *next* offset (offset + limit); a `limit`
/// outside 1..=1000 is a validation error.
#[tokio::test]
async fn plan_search_pages_with_the_next_offset_and_filters_by_status() {
    let api = Api::start().await;
    for name in ["Team", "Scale"] {
        let r = api.post("/plans", json!({"name": name})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let page = api
        .post(
            "/plans/search",
            json!({"limit": 2, "offset": 0, "order": "asc"}),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let page = page.json();
    assert_eq!(names(&page), ["Pro", "Team"]);
    assert_eq!(
        page["pagination"],
        json!({"total": 3, "limit": 2, "offset": 2})
    );
    let rest = api
        .post(
            "/plans/search",
            json!({"limit": 2, "offset": 2, "order": "asc"}),
        )
        .await
        .json();
    assert_eq!(names(&rest), ["Scale"]);
    assert_eq!(
        rest["pagination"]["offset"], 4,
        "the next offset, past the end"
    );
    let newest_first = api.post("/plans/search", json!({})).await.json();
    assert_eq!(names(&newest_first), ["Scale", "Team", "Pro"]);

    let r = api.delete(&format!("/plans/{}", api.plan), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let published = api
        .post(
            "/plans/search",
            json!({"status": "published", "order": "asc"}),
        )
        .await
        .json();
    assert_eq!(names(&published), ["Team", "Scale"]);
    let any = api
        .post("/plans/search", json!({"order": "asc"}))
        .await
        .json();
    assert_eq!(names(&any), ["Pro", "Team", "Scale"], "archived ones too");
    assert_eq!(any["items"][0]["status"], "archived");

    for limit in [0, 1001] {
        let r = api.post("/plans/search", json!({"limit": limit})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{limit}: {}", r.text);
    }
}
