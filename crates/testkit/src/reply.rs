//! [`Reply`]: a canned answer, built in a line.

use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

/// A canned HTTP answer: status, headers, body.
///
/// ```
/// use unibill_testkit::Reply;
///
/// let r = Reply::json(429, r#"{"error":"slow down"}"#).header("retry-after", "7");
/// assert_eq!(r.status.as_u16(), 429);
/// assert_eq!(r.headers["retry-after"], "7");
/// ```
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Reply {
    /// An empty answer with `status` (panics on a status outside 100..=999: test input).
    pub fn status(status: u16) -> Self {
        Reply {
            status: StatusCode::from_u16(status).expect("a valid HTTP status"),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// A JSON answer (`content-type: application/json`).
    pub fn json(status: u16, body: impl Into<Bytes>) -> Self {
        Reply::status(status)
            .header("content-type", "application/json")
            .body(body)
    }

    /// Adds a header (panics on an invalid name or value: test input).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.append(
            HeaderName::try_from(name).expect("a valid header name"),
            HeaderValue::try_from(value).expect("a valid header value"),
        );
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// As an `http::Response`.
    pub fn into_response(self) -> http::Response<Body> {
        let mut response = http::Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}
