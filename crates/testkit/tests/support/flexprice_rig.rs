//! The rig the flexprice emulator tests share: the emulator served on loopback, a raw-HTTP client, fixtures.

#![allow(dead_code)]

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use unibill_testkit::Served;
use unibill_testkit::emulators::flexprice::FlexpriceEmulator;

pub const KEY: &str = "sk_test_emulator";

pub struct Api {
    pub emulator: Arc<FlexpriceEmulator>,
    pub served: Served,
    pub client: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }
}

pub fn fixture(name: &str) -> Value {
    unibill_testkit::fixture_json(&format!("flexprice/{name}"))
}

/// Removes generated ids and times so bodies can be compared with fixtures.
pub fn without_generated(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        for k in ["id", "created_at", "updated_at"] {
            o.remove(k);
        }
    }
    v
}

impl Api {
    pub async fn start() -> Self {
        let emulator = FlexpriceEmulator::new(KEY);
        let served = emulator.serve().await.expect("bind loopback");
        Self {
            emulator,
            served,
            client: reqwest::Client::new(),
        }
    }

    pub fn emu(&self) -> &Arc<FlexpriceEmulator> {
        &self.emulator
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&str>,
        extra_headers: &[(&str, &str)],
    ) -> Reply {
        let url = format!("{}{path}", self.served.base_url());
        let mut req = self.client.request(method, url);
        if let Some(key) = key {
            req = req.header("x-api-key", key);
        }
        for (n, v) in extra_headers {
            req = req.header(*n, *v);
        }
        if let Some(body) = body {
            req = req
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let resp = req.send().await.expect("request to emulator");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        Reply {
            status,
            headers,
            text,
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string());
        self.raw(method, path, Some(KEY), body.as_deref(), &[])
            .await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }

    /// Creates a customer and returns its id.
    pub async fn customer(&self, external_id: &str, extra: Value) -> String {
        let mut body =
            json!({"external_id": external_id, "name": format!("Customer {external_id}")});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        let r = self.post("/customers", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()["id"].as_str().expect("id").to_owned()
    }
}

pub fn stripe_request() -> Value {
    fixture("create-connection-request.stripe.json")
}

pub fn validation_detail(struct_name: &str, field: &str, tag: &str) -> Value {
    Value::String(format!(
        "Key: '{struct_name}.{field}' Error:Field validation for '{field}' failed on the '{tag}' tag"
    ))
}

pub async fn axum_serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
) -> std::io::Result<()> {
    axum::serve(listener, app).await
}

impl Api {
    /// Creates a plan with one monthly in-advance flat fee of `amount` USD and returns the plan id.
    pub async fn plan_with_fee(&self, name: &str, amount: &str) -> String {
        let r = self.post("/plans", json!({"name": name})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let plan = r.json()["id"].as_str().expect("id").to_owned();
        let r = self
            .post(
                "/prices",
                json!({
                    "entity_type": "PLAN", "entity_id": plan, "type": "FIXED",
                    "billing_model": "FLAT_FEE", "billing_period": "MONTHLY",
                    "billing_period_count": 1, "invoice_cadence": "ADVANCE",
                    "currency": "USD", "amount": amount,
                }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        plan
    }

    /// Subscribes the customer with external id `external_id` to `plan` (monthly USD) with `extra` fields
    /// merged in, and returns the subscription.
    pub async fn subscribe(&self, external_id: &str, plan: &str, extra: Value) -> Value {
        let mut body = json!({
            "external_customer_id": external_id, "plan_id": plan,
            "currency": "USD", "billing_period": "MONTHLY",
        });
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        let r = self.post("/subscriptions", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()
    }

    /// Creates a metered feature with an inline meter (`aggregation` as sent) and returns the feature.
    pub async fn metered_feature(
        &self,
        lookup_key: &str,
        event_name: &str,
        aggregation: Value,
    ) -> Value {
        let r = self
            .post(
                "/features",
                json!({
                    "name": lookup_key, "type": "metered", "lookup_key": lookup_key,
                    "meter": {"name": lookup_key, "event_name": event_name,
                              "aggregation": aggregation, "reset_usage": "BILLING_PERIOD"},
                }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()
    }
}

/// Asserts the coded error body exactly: status, `code`, `message`, `http_status_code`, and no `details`.
pub fn assert_coded(r: &Reply, status: StatusCode, code: &str, message: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"code": code, "message": message, "http_status_code": status.as_u16()}),
    );
}
