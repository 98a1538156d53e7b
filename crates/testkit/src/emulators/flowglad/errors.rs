//! Error responses in the shapes Flowglad's REST handler really sends (notes §1.6), and zod-style issues.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// Plain-text body of a 401 when the header is missing or uses another scheme.
pub const UNAUTHORIZED_TEXT: &str = "Unauthorized. Authorization header is required, and must include api key in format Authorization: \"Bearer <key>\", or Authorization: \"<key>\"";
/// Plain-text body of a 401 for a wrong (or rate-limited) key.
pub const INVALID_KEY_TEXT: &str = "API key invalid. Please check that you are providing a valid API key. You can find your API keys in the Flowglad dashboard.";

/// An error answer, rendered once the request id is known.
#[derive(Debug, Clone)]
pub(crate) enum ApiError {
    /// An error raised inside a tRPC procedure: `{error, code, request_id}` (plus `sentry_event_id` on 5xx).
    Trpc {
        status: StatusCode,
        code: &'static str,
        error: Value,
    },
    /// An error raised by the REST handler itself: `{error, request_id}`, no `code`.
    Handler { status: StatusCode, error: Value },
    /// An unexpected exception: 500 `{"error":"Internal server error", request_id, sentry_event_id}`.
    Internal,
    /// A plain-text answer (401 auth failures, route-level 404).
    Plain {
        status: StatusCode,
        text: &'static str,
    },
}

impl ApiError {
    /// 400 BAD_REQUEST with a list of zod issues in `error`.
    pub fn zod(issues: Vec<Value>) -> Self {
        Self::Trpc {
            status: StatusCode::BAD_REQUEST,
            code: "BAD_REQUEST",
            error: Value::Array(issues),
        }
    }

    /// 400 BAD_REQUEST with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::Trpc {
            status: StatusCode::BAD_REQUEST,
            code: "BAD_REQUEST",
            error: Value::String(message.into()),
        }
    }

    /// 403 FORBIDDEN with a message.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Trpc {
            status: StatusCode::FORBIDDEN,
            code: "FORBIDDEN",
            error: Value::String(message.into()),
        }
    }

    /// 404 NOT_FOUND with a message.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::Trpc {
            status: StatusCode::NOT_FOUND,
            code: "NOT_FOUND",
            error: Value::String(message.into()),
        }
    }

    /// 409 CONFLICT with a message.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Trpc {
            status: StatusCode::CONFLICT,
            code: "CONFLICT",
            error: Value::String(message.into()),
        }
    }

    /// 500 INTERNAL_SERVER_ERROR carrying an unmapped database message.
    pub fn database(message: impl Into<String>) -> Self {
        Self::Trpc {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "INTERNAL_SERVER_ERROR",
            error: Value::String(message.into()),
        }
    }

    /// 400 from the handler: the body is not JSON.
    pub fn invalid_json() -> Self {
        Self::Handler {
            status: StatusCode::BAD_REQUEST,
            error: Value::String("Invalid JSON in request body".into()),
        }
    }

    /// Route-level 404, plain text.
    pub fn route_not_found() -> Self {
        Self::Plain {
            status: StatusCode::NOT_FOUND,
            text: "Not Found",
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Trpc { status, .. }
            | Self::Handler { status, .. }
            | Self::Plain { status, .. } => *status,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Render with the request's id.
    pub fn render(self, request_id: &str) -> Response {
        let status = self.status();
        let body = match self {
            Self::Plain { text, .. } => {
                let mut r = (status, text).into_response();
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                return r;
            }
            Self::Trpc { code, error, .. } => {
                let mut m = Map::new();
                m.insert("error".into(), error);
                m.insert("code".into(), Value::String(code.into()));
                m.insert("request_id".into(), Value::String(request_id.into()));
                if status.is_server_error() {
                    m.insert("sentry_event_id".into(), sentry_id(request_id));
                }
                Value::Object(m)
            }
            Self::Handler { error, .. } => json!({"error": error, "request_id": request_id}),
            Self::Internal => json!({
                "error": "Internal server error",
                "request_id": request_id,
                "sentry_event_id": sentry_id(request_id),
            }),
        };
        (status, axum::Json(body)).into_response()
    }
}

fn sentry_id(request_id: &str) -> Value {
    Value::String(format!("{request_id}{request_id}{request_id}{request_id}"))
}

/// A zod issue path (its segments).
pub(crate) type Path<'a> = &'a [&'a str];

fn path_value(path: Path<'_>) -> Value {
    Value::Array(path.iter().map(|s| Value::String((*s).into())).collect())
}

/// Zod 4's name for the type of a received value.
pub(crate) fn received(v: Option<&Value>) -> &'static str {
    match v {
        None => "undefined",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "array",
        Some(Value::Object(_)) => "object",
    }
}

/// `invalid_type` issue.
pub(crate) fn invalid_type(path: Path<'_>, expected: &str, received: &str) -> Value {
    json!({
        "expected": expected,
        "code": "invalid_type",
        "path": path_value(path),
        "message": format!("Invalid input: expected {expected}, received {received}"),
    })
}

/// `invalid_value` issue for a literal or enum.
pub(crate) fn invalid_value(path: Path<'_>, values: Value, message: String) -> Value {
    json!({"code": "invalid_value", "values": values, "path": path_value(path), "message": message})
}

/// `too_small` issue on a number.
pub(crate) fn too_small(path: Path<'_>, minimum: i64, inclusive: bool) -> Value {
    let op = if inclusive { ">=" } else { ">" };
    json!({
        "origin": "number", "code": "too_small", "minimum": minimum, "inclusive": inclusive,
        "path": path_value(path),
        "message": format!("Too small: expected number to be {op}{minimum}"),
    })
}

/// `too_big` issue on a number.
pub(crate) fn too_big(path: Path<'_>, maximum: i64) -> Value {
    json!({
        "origin": "number", "code": "too_big", "maximum": maximum, "inclusive": true,
        "path": path_value(path),
        "message": format!("Too big: expected number to be <={maximum}"),
    })
}

/// `invalid_union` issue with the branch issues.
pub(crate) fn invalid_union(path: Path<'_>, branches: Vec<Vec<Value>>) -> Value {
    json!({"code": "invalid_union", "errors": branches, "path": path_value(path), "message": "Invalid input"})
}

/// The discriminated union found no branch for `type`.
pub(crate) fn no_matching_discriminator(path: Path<'_>) -> Value {
    json!({
        "code": "invalid_union", "errors": [], "note": "No matching discriminator",
        "discriminator": "type", "path": path_value(path), "message": "Invalid input",
    })
}
