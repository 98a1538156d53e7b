//! What the adapter sees of an answer: [`Response`] for a success, [`ErrorResponse`] for an error.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use unibill_core::{Error, Result};

/// The request id headers we read, in order.
pub const REQUEST_ID_HEADERS: [&str; 2] = ["x-request-id", "x-vercel-id"];

/// The provider's request id from the first of [`REQUEST_ID_HEADERS`] present.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS.iter().find_map(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    })
}

/// A successful (2xx) answer, handed to the adapter's decoder.
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status.
    pub status: StatusCode,
    /// The answer's headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl Response {
    /// The body decoded as JSON; a body that does not fit `T` is `ErrorKind::Decode`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::decode(format!(
                "cannot decode the {} answer: {e}",
                self.status.as_u16()
            ))
        })
    }

    /// The provider's request id, if a request id header was sent.
    pub fn request_id(&self) -> Option<String> {
        request_id(&self.headers)
    }
}

/// An error (non-2xx) answer, handed to the adapter's [`ErrorTable`].
///
/// The body is at most the executor's error-body cap and already scrubbed of the call's secrets (in every
/// encoding the [`Scrubber`](crate::Scrubber) knows). The headers and the request id are as received: whatever
/// the table copies from them into its error is scrubbed with the rest of that error when it leaves the call.
#[derive(Debug, Clone)]
pub struct ErrorResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The answer's headers.
    pub headers: HeaderMap,
    /// The scrubbed body, cut at the cap.
    pub body: Bytes,
    /// Whether the body was cut at the cap.
    pub truncated: bool,
    /// The provider's request id from the headers.
    pub request_id: Option<String>,
    /// The wait requested by `retry-after-ms` / `Retry-After`.
    pub retry_after: Option<Duration>,
    /// The operation that failed (`"customers.create"`).
    pub operation: &'static str,
}

impl ErrorResponse {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body decoded as JSON, if it is JSON of that shape.
    pub fn json<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Turns an error answer into an [`Error`]: the adapter's one place for status + provider code → kind.
///
/// Set the kind, provider code and provider message; the executor adds provider, operation, status, request id
/// and `Retry-After`. Return `AlreadyExists` for a duplicate natural key (the retry table treats it as a
/// conflict), and set a provider code only when the body really carried one: a 500 with a code is final, a 500
/// without one is treated as ambiguous. A `retry_after` you set (from a body field) is used when no header gave one.
///
/// Any `Fn(&ErrorResponse) -> Error` closure is an error table.
pub trait ErrorTable: Send + Sync {
    /// The error for this answer.
    fn map(&self, response: &ErrorResponse) -> Error;
}

impl<F> ErrorTable for F
where
    F: Fn(&ErrorResponse) -> Error + Send + Sync,
{
    fn map(&self, response: &ErrorResponse) -> Error {
        self(response)
    }
}

/// The fallback error table: the kind from the status alone, the scrubbed body text as provider message.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatusErrorTable;

impl ErrorTable for StatusErrorTable {
    fn map(&self, response: &ErrorResponse) -> Error {
        let kind = kind_for_status(response.status);
        let mut err = Error::new(kind, format!("the provider answered {}", response.status));
        let text = response.text();
        if !text.trim().is_empty() {
            err = err.with_provider_message(text.into_owned());
        }
        err
    }
}

/// The neutral kind a bare HTTP status suggests.
pub fn kind_for_status(status: StatusCode) -> unibill_core::ErrorKind {
    use unibill_core::ErrorKind as K;
    match status.as_u16() {
        400 | 422 => K::InvalidInput,
        401 => K::Unauthenticated,
        402 => K::PaymentRequired,
        403 => K::PermissionDenied,
        404 | 410 => K::NotFound,
        409 => K::Conflict,
        429 => K::RateLimited,
        408 | 504 => K::Timeout,
        502 | 503 => K::Unavailable,
        _ => K::Provider,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn request_id_prefers_x_request_id() {
        let mut h = HeaderMap::new();
        h.insert("x-vercel-id", HeaderValue::from_static("fra1::abc"));
        assert_eq!(request_id(&h).as_deref(), Some("fra1::abc"));
        h.insert("X-Request-ID", HeaderValue::from_static("req_1"));
        assert_eq!(request_id(&h).as_deref(), Some("req_1"));
    }

    #[test]
    fn decode_failure_is_decode() {
        let r = Response {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(b"not json"),
        };
        let err = r.json::<serde_json::Value>().unwrap_err();
        assert_eq!(err.kind(), unibill_core::ErrorKind::Decode);
    }
}
