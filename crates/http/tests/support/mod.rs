//! Shared test fixtures: an executor against a loopback server with a recording sleeper, and a small error table.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use unibill_core::{Error, ErrorKind};
use unibill_http::{
    ErrorResponse, HttpExecutor, HttpExecutorBuilder, NoJitter, RecordingObserver,
    RecordingSleeper, RetryPolicy, kind_for_status,
};
use unibill_testkit::{RecordedRequest, Reply, TestServer};

pub const API_KEY: &str = "sk_live_PLANTED_KEY_4242";
pub const BODY_SECRET: &str = "postgres://admin:PLANTED_DB_PASSWORD@db.internal/main";

/// A Flexprice-like error table: `{"code","message"}`; the scrubbed body text becomes the provider message.
pub fn error_table(answer: &ErrorResponse) -> Error {
    #[derive(Deserialize)]
    struct Body {
        code: String,
        message: Option<String>,
        existing_id: Option<String>,
    }
    let text = answer.text().into_owned();
    match answer.json::<Body>() {
        Some(body) => {
            let kind = match body.code.as_str() {
                "already_exists" => ErrorKind::AlreadyExists,
                "not_found" => ErrorKind::NotFound,
                "validation_error" => ErrorKind::InvalidInput,
                _ => kind_for_status(answer.status),
            };
            let error = Error::new(
                kind,
                body.message.unwrap_or_else(|| "provider error".into()),
            )
            .with_provider_code(body.code)
            .with_provider_message(text);
            match body.existing_id {
                Some(id) => error.with_existing_id(id),
                None => error,
            }
        }
        None => Error::new(kind_for_status(answer.status), "unreadable error answer")
            .with_provider_message(text),
    }
}

pub struct Rig {
    pub server: TestServer,
    pub sleeper: RecordingSleeper,
    pub observer: RecordingObserver,
}

impl Rig {
    pub async fn new(handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) -> Self {
        Rig {
            server: TestServer::from_fn(handler).await,
            sleeper: RecordingSleeper::default(),
            observer: RecordingObserver::default(),
        }
    }

    /// A builder with the recording sleeper, no jitter, the test error table and generous timeouts.
    pub fn builder(&self) -> HttpExecutorBuilder {
        HttpExecutor::builder("testprov", self.server.url())
            .auth(
                "x-api-key".parse().unwrap(),
                "",
                SecretString::from(API_KEY),
            )
            .sleeper(self.sleeper.clone())
            .observer(self.observer.clone())
            .jitter(NoJitter)
            .error_table(error_table)
            .retry_policy(
                RetryPolicy::default()
                    .with_max_attempts(4)
                    .with_backoff(Duration::from_millis(100), Duration::from_secs(1)),
            )
            .attempt_timeout(Duration::from_secs(10))
            .deadline(Duration::from_secs(30))
    }

    pub fn exec(&self) -> HttpExecutor {
        self.builder().build().unwrap()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub external_id: String,
    pub name: String,
}

impl unibill_core::Identified for Customer {
    fn resource_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// A tiny stateful customers API: POST creates (409 `already_exists` on a taken external id), GET by external id
/// or by id, DELETE by id.
#[derive(Debug, Clone, Default)]
pub struct Customers {
    pub rows: Arc<Mutex<Vec<Customer>>>,
}

impl Customers {
    pub fn handle(&self, req: &RecordedRequest) -> Reply {
        let mut rows = self.rows.lock().unwrap();
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/v1/customers") => {
                let input: Customer = serde_json::from_slice(&req.body).unwrap();
                if rows.iter().any(|c| c.external_id == input.external_id) {
                    return Reply::json(
                        409,
                        r#"{"code":"already_exists","message":"customer exists"}"#,
                    );
                }
                let created = Customer {
                    id: format!("cust_{}", rows.len() + 1),
                    ..input
                };
                rows.push(created.clone());
                Reply::json(201, serde_json::to_vec(&created).unwrap())
            }
            ("GET", path) if path.starts_with("/v1/customers/external/") => {
                let ext = path.trim_start_matches("/v1/customers/external/");
                match rows.iter().find(|c| c.external_id == ext) {
                    Some(c) => Reply::json(200, serde_json::to_vec(c).unwrap()),
                    None => {
                        Reply::json(404, r#"{"code":"not_found","message":"no such customer"}"#)
                    }
                }
            }
            (method @ ("GET" | "DELETE"), path) if path.starts_with("/v1/customers/") => {
                let id = path.trim_start_matches("/v1/customers/");
                match rows.iter().position(|c| c.id == id) {
                    Some(at) if method == "GET" => {
                        Reply::json(200, serde_json::to_vec(&rows[at]).unwrap())
                    }
                    Some(at) => {
                        rows.remove(at);
                        Reply::status(204)
                    }
                    None => {
                        Reply::json(404, r#"{"code":"not_found","message":"no such customer"}"#)
                    }
                }
            }
            _ => Reply::json(404, r#"{"code":"not_found","message":"no route"}"#),
        }
    }
}
