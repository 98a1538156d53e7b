//! [`RecordedRequest`]: one request as a server received it, and the status and headers it was answered with.

use bytes::Bytes;
use http::{HeaderMap, Method, request};
use serde_json::Value;

/// A request a server received: recorded on arrival (before any fault, handler or emulator route ran), then
/// completed with the answer's status and headers once the answer's head is written.
///
/// [`TestServer`](crate::TestServer) and every emulator in [`emulators`](crate::emulators) record this type.
///
/// ```
/// use unibill_testkit::{Reply, TestServer};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let server = TestServer::from_fn(|_| Reply::json(201, r#"{"id":"c_1"}"#).header("x-request-id", "r1")).await;
/// let url = server.url().join("v1/customers?expand=true").unwrap();
/// reqwest::Client::new().post(url).body(r#"{"name":"Ada"}"#).send().await.unwrap();
///
/// let request = &server.requests()[0];
/// assert_eq!(request.method, "POST");
/// assert_eq!(request.path, "/v1/customers");
/// assert_eq!(request.query_pairs(), [("expand".to_owned(), "true".to_owned())]);
/// assert_eq!(request.json().unwrap()["name"], "Ada");
/// assert_eq!(request.status, Some(201));
/// assert_eq!(request.answer_header("x-request-id"), Some("r1"));
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The method.
    pub method: Method,
    /// The path, still percent-encoded (`/v1/customers/a%2Fb`).
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The headers, as sent.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
    /// The status answered; `None` until the answer's head is written, and for ever when the server answered
    /// nothing (a fault that closes or stalls the connection).
    pub status: Option<u16>,
    /// The headers answered (empty while `status` is `None`).
    pub answer_headers: HeaderMap,
}

impl RecordedRequest {
    /// A request not answered yet, from its head and whole body.
    pub(crate) fn arrived(parts: &request::Parts, body: Bytes) -> Self {
        RecordedRequest {
            method: parts.method.clone(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts.headers.clone(),
            body,
            status: None,
            answer_headers: HeaderMap::new(),
        }
    }

    /// The query as decoded pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .as_deref()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A header's first value as text, if present and text (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// An answered header's first value as text, if present and text.
    pub fn answer_header(&self, name: &str) -> Option<&str> {
        self.answer_headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON; `None` when it is empty or not JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}
