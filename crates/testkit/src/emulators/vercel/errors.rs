//! The Vercel error envelope: `{"error": {"code", "message", …extra}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// `content-type` of every JSON answer, as the real API sends it.
pub(crate) const JSON_UTF8: &str = "application/json; charset=utf-8";

/// A JSON answer with Vercel's content type.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    resp
}

/// An error answer: status, `code`, `message`, extra keys beside them, extra headers.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub body: Value,
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self::with_extra(status, code, message, Map::new())
    }

    pub(crate) fn with_extra(
        status: StatusCode,
        code: &str,
        message: impl Into<String>,
        extra: Map<String, Value>,
    ) -> Self {
        let mut error = Map::new();
        error.insert("code".into(), Value::String(code.into()));
        error.insert("message".into(), Value::String(message.into()));
        error.extend(extra);
        Self {
            status,
            body: json!({ "error": error }),
            headers: vec![],
        }
    }

    /// 400 `bad_request` with an "Invalid request: …" message.
    pub(crate) fn invalid(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("Invalid request: {detail}"),
        )
    }

    /// 400 for a missing required body/query property, worded like the real API.
    pub(crate) fn missing(property: &str) -> Self {
        Self::invalid(format!("missing required property `{property}`."))
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = json_response(self.status, &self.body);
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers_mut().insert(name, v);
            }
        }
        resp
    }
}

/// Result of a handler.
pub(crate) type ApiResult = Result<Response, ApiError>;
