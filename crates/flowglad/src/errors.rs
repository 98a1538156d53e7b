//! The error table: Flowglad's error answers → [`unibill_core::Error`], in one place.
//!
//! Branch on the HTTP status first. The body is `{error, code?, request_id, …}` where `error` is a string, an
//! array of zod issues or an object (and for a bad `limit`, a string holding zod JSON); 401s and route-level
//! 404s are plain text. Nothing about the body is mandatory: unreadable bodies keep their text as the message.

use serde::Deserialize;
use serde_json::Value;
use unibill_core::{Error, ErrorKind, FieldError};
use unibill_http::{ErrorResponse, kind_for_status};

/// The JSON error body, every part optional.
#[derive(Debug, Default, Deserialize)]
struct Body {
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    request_id: Option<Value>,
    #[serde(default)]
    message: Option<Value>,
}

/// What a body says, however it was shaped.
#[derive(Debug, Default)]
struct Parsed {
    message: Option<String>,
    code: Option<String>,
    request_id: Option<String>,
    fields: Vec<FieldError>,
}

/// The executor's error table for Flowglad: the shared status table ([`kind_for_status`]) with Flowglad's two
/// differing rows, and each message in Flowglad's terms.
pub fn error_table(answer: &ErrorResponse) -> Error {
    let status = answer.status.as_u16();
    let parsed = parse(answer);
    let detail = parsed.message.clone().unwrap_or_default();
    let slug_clash = status == 500 && is_slug_clash(&detail);
    let kind = match status {
        // A unique key (a customer's external id) is held already.
        409 => ErrorKind::AlreadyExists,
        // The slug-uniqueness trigger answers 500.
        500 if slug_clash => ErrorKind::AlreadyExists,
        _ => kind_for_status(answer.status),
    };
    let message = match status {
        400 | 422 => "Flowglad refused the input",
        401 => {
            "Flowglad refused the API key (check FLOWGLAD_SECRET_KEY, or the variable the TOML file's \
             `secret_key_env` names; Flowglad also answers 401 when a key is rate-limited)"
        }
        // A route that does not exist answers plain-text `Not Found`: the base URL is wrong.
        404 if parsed.code.is_none() && detail == "Not Found" => {
            "no such route on Flowglad (check the base URL, FLOWGLAD_BASE_URL: the origin only, as in \
             https://app.flowglad.com, without `/api/v1`)"
        }
        403 => "Flowglad forbids this",
        404 => "not found on Flowglad",
        409 => "Flowglad already holds a resource with this key",
        429 => "Flowglad is rate limiting",
        500 if slug_clash => "an active Flowglad price already has this slug",
        _ => "Flowglad could not handle the request",
    };
    let mut err = Error::new(kind, message);
    if !detail.is_empty() {
        err = err.with_provider_message(detail);
    }
    if let Some(code) = parsed.code {
        err = err.with_provider_code(code);
    }
    if let Some(id) = parsed.request_id.filter(|_| answer.request_id.is_none()) {
        err = err.with_request_id(id);
    }
    if kind == ErrorKind::InvalidInput && !parsed.fields.is_empty() {
        err = err.with_field_errors(parsed.fields);
    }
    err
}

/// A 500 raised by the slug-uniqueness trigger (`duplicate slug "x" in pricing model …`).
fn is_slug_clash(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("duplicate") && m.contains("slug")
}

fn parse(answer: &ErrorResponse) -> Parsed {
    let text = answer.text();
    let Some(body) = serde_json::from_str::<Value>(&text)
        .ok()
        .filter(Value::is_object)
        .and_then(|v| serde_json::from_value::<Body>(v).ok())
    else {
        let trimmed = text.trim();
        return Parsed {
            message: (!trimmed.is_empty()).then(|| trimmed.to_owned()),
            ..Parsed::default()
        };
    };
    let mut out = Parsed {
        code: body.code.as_ref().and_then(scalar),
        request_id: body.request_id.as_ref().and_then(scalar),
        ..Parsed::default()
    };
    match body.error.or(body.message) {
        Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
            // A bad `limit`: the handler's string holds the zod issues as JSON.
            Ok(Value::Array(issues)) => issues_into(&issues, &mut out),
            _ => out.message = Some(s),
        },
        Some(Value::Array(issues)) => issues_into(&issues, &mut out),
        Some(Value::Object(o)) => {
            out.message = Some(
                o.get("message")
                    .and_then(Value::as_str)
                    .map_or_else(|| Value::Object(o.clone()).to_string(), str::to_owned),
            );
        }
        Some(Value::Null) | None => {}
        Some(other) => out.message = Some(other.to_string()),
    }
    out
}

/// Zod issues → field errors (path joined with `.`) and a summary message.
fn issues_into(issues: &[Value], out: &mut Parsed) {
    let mut parts = Vec::new();
    for issue in issues {
        let message = issue
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("invalid")
            .to_owned();
        let path = issue
            .get("path")
            .and_then(Value::as_array)
            .map(|p| p.iter().filter_map(scalar).collect::<Vec<_>>().join("."))
            .unwrap_or_default();
        let field = if path.is_empty() {
            "body".to_owned()
        } else {
            path
        };
        parts.push(format!("{field}: {message}"));
        out.fields.push(FieldError::new(field, message));
    }
    if !parts.is_empty() {
        out.message = Some(parts.join("; "));
    }
}

/// A string or number as text.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
