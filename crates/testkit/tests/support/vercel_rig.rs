//! The rig the vercel emulator tests share: the emulator served on loopback, a raw-HTTP client, fixtures.

#![allow(dead_code)]

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use unibill_testkit::Served;
use unibill_testkit::emulators::vercel::{VercelEmulator, seed};

pub const TOKEN: &str = "tok_emulator_test";

pub fn fixture(name: &str) -> Value {
    unibill_testkit::fixture_json(&format!("vercel/{name}"))
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error envelope: {}", self.text))
            .to_string()
    }
}

pub struct Env {
    pub emulator: VercelEmulator,
    pub served: Served,
    pub http: reqwest::Client,
}

pub async fn start() -> Env {
    start_with(VercelEmulator::new(TOKEN)).await
}

pub async fn start_with(emu: VercelEmulator) -> Env {
    let served = emu.serve().await.expect("serve on loopback");
    Env {
        emulator: emu,
        served,
        http: reqwest::Client::new(),
    }
}

pub fn team_q() -> String {
    format!("teamId={}", seed::TEAM_ID)
}

impl Env {
    pub fn emu(&self) -> &VercelEmulator {
        &self.emulator
    }

    pub async fn raw(
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

    pub async fn get(&self, path_and_query: &str) -> Answer {
        self.raw(
            Method::GET,
            path_and_query,
            Some(&format!("Bearer {TOKEN}")),
            None,
        )
        .await
    }

    pub async fn create(&self, body: Value) -> Answer {
        self.create_raw(body.to_string()).await
    }

    pub async fn create_raw(&self, body: String) -> Answer {
        self.raw(
            Method::POST,
            &format!("/v1/storage/stores/integration/direct?{}", team_q()),
            Some(&format!("Bearer {TOKEN}")),
            Some(body),
        )
        .await
    }

    pub async fn get_store(&self, id: &str) -> Answer {
        self.get(&format!("/v1/storage/stores/{id}?{}", team_q()))
            .await
    }

    pub async fn delete_store(&self, id: &str) -> Answer {
        self.raw(
            Method::DELETE,
            &format!("/v1/storage/stores/integration/{id}?{}", team_q()),
            Some(&format!("Bearer {TOKEN}")),
            None,
        )
        .await
    }
}

pub fn minimal() -> Value {
    fixture("create-request-minimal-free.json")
}

pub fn full_paid() -> Value {
    fixture("create-request-full-paid-prepayment.json")
}

/// A valid request for the paid-only product with the given plan; callers add or remove fields.
pub fn postgres(plan: &str) -> Value {
    json!({
        "name": "pg",
        "integrationConfigurationId": seed::CONFIGURATION_ID,
        "integrationProductIdOrSlug": seed::POSTGRES_PRODUCT_ID,
        "metadata": { "environment": "development" },
        "billingPlanId": plan,
    })
}

pub fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

pub fn without(mut body: Value, key: &str) -> Value {
    body.as_object_mut().expect("object").remove(key);
    body
}

pub async fn assert_400(env: &Env, body: Value, message_part: &str) {
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

/// `GET …/plans?metadata=<JSON text>` for the paid-only Postgres product, percent-encoded as a form.
pub async fn plans_with_metadata(env: &Env, metadata: &str) -> Answer {
    let encoded: String = url::form_urlencoded::byte_serialize(metadata.as_bytes()).collect();
    env.get(&format!(
        "/v1/integrations/integration/neon/products/{}/plans?metadata={encoded}&{}",
        seed::POSTGRES_PRODUCT_ID,
        team_q()
    ))
    .await
}

pub async fn assert_plans_400(env: &Env, metadata: &str, message_part: &str) {
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
