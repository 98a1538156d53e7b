//! Flexprice error bodies.
//!
//! Three families are produced, as by the real server (notes §2):
//! - the current `ErrorHandler` body `{code, message, http_status_code, details?}` (or, with the
//!   [`FlexpriceEmulator::set_legacy_errors`](super::FlexpriceEmulator::set_legacy_errors) knob, the pre-April-2026
//!   `{success:false, error:{message, internal_error, details?}}` body);
//! - ad-hoc bodies: the schedule-cancel routes' `{"error":"<text>"}`, 401 `{"error":"Unauthorized"}`, 403 `{"message":"insufficient permissions"}`;
//! - bodies in no JSON shape: gin's plain-text `404 page not found`, and the empty 500 of a recovered panic.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// Error codes of the current error body (`errors.ErrorCode` in the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 400 `validation_error`.
    Validation,
    /// 400 `invalid_operation`.
    InvalidOperation,
    /// 404 `not_found`.
    NotFound,
    /// 409 `already_exists`.
    AlreadyExists,
    /// 500 `database_error`.
    Database,
    /// 501 `not_implemented`.
    NotImplemented,
}

impl ErrorCode {
    /// The wire value of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validation => "validation_error",
            Self::InvalidOperation => "invalid_operation",
            Self::NotFound => "not_found",
            Self::AlreadyExists => "already_exists",
            Self::Database => "database_error",
            Self::NotImplemented => "not_implemented",
        }
    }

    /// The HTTP status the server maps the code to.
    pub fn status(self) -> StatusCode {
        match self {
            Self::Validation | Self::InvalidOperation => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::AlreadyExists => StatusCode::CONFLICT,
            Self::Database => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NotImplemented => StatusCode::NOT_IMPLEMENTED,
        }
    }
}

/// A structured handler error, rendered in the current (or legacy) JSON error shape.
#[derive(Debug, Clone)]
pub(crate) struct CodedError {
    pub code: ErrorCode,
    pub message: String,
    pub internal: String,
    pub details: Map<String, Value>,
}

/// Every error the emulator's handlers can answer with.
#[derive(Debug, Clone)]
pub(crate) enum ApiError {
    /// The `ErrorHandler` JSON body.
    Coded(CodedError),
    /// 401 `{"error":"Unauthorized"}` from the auth middleware.
    Unauthorized,
    /// 403 `{"message":"insufficient permissions"}` from the RBAC middleware.
    Forbidden,
    /// gin's plain-text `404 page not found` (unknown route or method).
    RouteNotFound,
    /// 500 with an empty body: a panic caught by gin's recovery middleware.
    Panic,
    /// `{"error": "<text>"}` with the given status: the schedule-cancel routes' own error body.
    Plain(StatusCode, String),
}

impl ApiError {
    pub fn coded(code: ErrorCode, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Coded(CodedError {
            code,
            internal: message.clone(),
            message,
            details: Map::new(),
        })
    }

    /// Adds one `details` entry (only for [`ApiError::Coded`]).
    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        if let Self::Coded(c) = &mut self {
            c.details.insert(key.to_owned(), value.into());
        }
        self
    }

    /// Sets the legacy body's `internal_error` text.
    pub fn internal(mut self, text: impl Into<String>) -> Self {
        if let Self::Coded(c) = &mut self {
            c.internal = text.into();
        }
        self
    }

    /// 400 "Invalid request format": malformed JSON, wrong JSON types, unparsable query values.
    pub fn bad_format() -> Self {
        Self::coded(ErrorCode::Validation, "Invalid request format")
            .internal("json: cannot unmarshal request body")
    }

    /// 400 "Request validation failed" with Go-field-name `details`.
    pub fn validation(details: Map<String, Value>) -> Self {
        Self::Coded(CodedError {
            code: ErrorCode::Validation,
            message: "Request validation failed".to_owned(),
            internal: "validation failed".to_owned(),
            details,
        })
    }

    /// 500 `database_error` with the given hint.
    pub fn database(hint: &str, internal: &str) -> Self {
        Self::coded(ErrorCode::Database, hint).internal(internal)
    }
}

/// A validator failure string as go-playground formats it.
pub(crate) fn validator_message(struct_path: &str, field: &str, tag: &str) -> String {
    format!(
        "Key: '{struct_path}.{field}' Error:Field validation for '{field}' failed on the '{tag}' tag"
    )
}

/// Marker put in a response's extensions so the outer layer can re-render it in the legacy shape.
#[derive(Debug, Clone)]
pub(crate) struct RenderedCoded(pub CodedError);

pub(crate) fn current_body(c: &CodedError) -> Value {
    let mut body = json!({
        "code": c.code.as_str(),
        "message": c.message,
        "http_status_code": c.code.status().as_u16(),
    });
    if !c.details.is_empty() {
        body["details"] = Value::Object(c.details.clone());
    }
    body
}

pub(crate) fn legacy_body(c: &CodedError) -> Value {
    let mut error = json!({ "message": c.message, "internal_error": c.internal });
    if !c.details.is_empty() {
        error["details"] = Value::Object(c.details.clone());
    }
    json!({ "success": false, "error": error })
}

/// gin's answer for an unknown route or method.
pub(crate) fn plain_not_found() -> Response {
    let mut resp = (StatusCode::NOT_FOUND, "404 page not found").into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Coded(c) => {
                let mut resp = (c.code.status(), Json(current_body(&c))).into_response();
                resp.extensions_mut().insert(RenderedCoded(c));
                resp
            }
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "Unauthorized"})),
            )
                .into_response(),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                Json(json!({"message": "insufficient permissions"})),
            )
                .into_response(),
            Self::RouteNotFound => plain_not_found(),
            Self::Panic => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            Self::Plain(status, text) => (status, Json(json!({"error": text}))).into_response(),
        }
    }
}
