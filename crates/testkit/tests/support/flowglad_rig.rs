//! The rig the flowglad emulator tests share: the emulator served on loopback, a raw-HTTP client, fixtures.

#![allow(dead_code)]

use reqwest::Method;
use serde_json::{Value, json};
use unibill_testkit::Served;
use unibill_testkit::emulators::flowglad::{FlowgladEmulator, seed};

pub const KEY: &str = "sk_test_8Qbw_emulatorsecret0001";

/// A running emulator and a client for it.
pub struct Api {
    pub emu: FlowgladEmulator,
    pub base: String,
    pub _served: Served,
    pub http: reqwest::Client,
}

/// An answer: status, `X-Request-Id`, content type and body text.
pub struct Answer {
    pub status: u16,
    pub request_id: Option<String>,
    pub content_type: String,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    /// The JSON body of an error, after checking `request_id` matches the header.
    pub fn error_body(&self) -> Value {
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

pub async fn start() -> Api {
    start_with(FlowgladEmulator::new(KEY)).await
}

pub async fn start_with(emu: FlowgladEmulator) -> Api {
    let served = emu.serve().await.expect("bind 127.0.0.1:0");
    Api {
        emu,
        base: served.base_url().to_owned(),
        _served: served,
        http: reqwest::Client::new(),
    }
}

impl Api {
    pub async fn send(
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

    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Answer {
        let text = body.map(Value::to_string);
        self.send(method, path, Some(KEY), text.as_deref()).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    /// POST a price, expecting 200; returns the price record.
    pub async fn create_price(&self, price: Value) -> Value {
        let a = self
            .post("/api/v1/prices", &json!({ "price": price }))
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
        a.json()["price"].clone()
    }

    pub async fn price(&self, id: &str) -> Value {
        let a = self.get(&format!("/api/v1/prices/{id}")).await;
        assert_eq!(a.status, 200, "{}", a.text);
        a.json()["price"].clone()
    }
}

pub fn fixture(name: &str) -> Value {
    unibill_testkit::fixture_json(&format!("flowglad/{name}"))
}

/// Keys whose values are generated (ids, times, request ids): only their JSON type is compared.
pub const GENERATED: &[&str] = &[
    "id",
    "createdAt",
    "updatedAt",
    "request_id",
    "invoiceNumberBase",
    "nextCursor",
    "sentry_event_id",
];

/// Same shape as the fixture: same keys everywhere, same values except generated ones (same type there).
pub fn assert_matches_fixture(actual: &Value, expected: &Value, at: &str) {
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
pub fn single_issue(a: &Answer) -> (Value, Vec<String>) {
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
pub fn number(text: &str) -> Value {
    serde_json::from_str(text).expect("a JSON number")
}

pub fn subscription(product: &str, unit_price: Value) -> Value {
    json!({"type": "subscription", "productId": product, "unitPrice": unit_price,
           "intervalUnit": "month", "intervalCount": 1, "isDefault": true})
}

pub fn usage(unit_price: Value) -> Value {
    json!({"type": "usage", "usageMeterId": seed::USAGE_METER_ID, "unitPrice": unit_price,
           "usageEventsPerUnit": 1, "intervalUnit": "month", "intervalCount": 1, "isDefault": false})
}
