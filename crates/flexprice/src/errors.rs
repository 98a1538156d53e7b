//! The one error table: a Flexprice error answer (status + code) → [`unibill_core::Error`].
//!
//! Bodies come in four shapes, all handled here:
//! - current (since 2026-04): `{"code","message","http_status_code","details"}`;
//! - legacy: `{"success":false,"error":{"message","internal_error","details"}}`;
//! - middleware: `{"error":"Unauthorized"}`, `{"message":"insufficient permissions"}`, or both keys;
//! - plain text (`404 page not found`) or an empty body (a 500 after a panic).
//!
//! Only the current shape carries a code, so only it sets `provider_code`: a 500 without one stays ambiguous for
//! the executor's retry table.

use serde::Deserialize;
use serde_json::{Map, Value};
use unibill_core::{Error, ErrorKind, FieldError};
use unibill_http::ErrorResponse;
use unibill_http::http::StatusCode;

#[derive(Deserialize)]
struct Current {
    code: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    details: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct Legacy {
    error: LegacyError,
}

#[derive(Deserialize)]
struct LegacyError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    internal_error: Option<String>,
    #[serde(default)]
    details: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct AdHoc {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// What a body said, whatever its shape.
#[derive(Default)]
struct Parsed {
    code: Option<String>,
    message: Option<String>,
    details: Option<Map<String, Value>>,
}

fn parse(answer: &ErrorResponse) -> Parsed {
    if let Some(c) = answer.json::<Current>() {
        return Parsed {
            code: Some(c.code),
            message: c.message,
            details: c.details,
        };
    }
    if let Some(l) = answer.json::<Legacy>() {
        return Parsed {
            code: None,
            message: l.error.message.or(l.error.internal_error),
            details: l.error.details,
        };
    }
    if let Some(a) = answer.json::<AdHoc>()
        && (a.error.is_some() || a.message.is_some())
    {
        let message = match (a.error, a.message) {
            (Some(e), Some(m)) => format!("{e}: {m}"),
            (Some(e), None) => e,
            (None, Some(m)) => m,
            (None, None) => String::new(),
        };
        return Parsed {
            message: Some(message),
            ..Parsed::default()
        };
    }
    let text = answer.text();
    let text = text.trim();
    Parsed {
        message: (!text.is_empty()).then(|| text.to_owned()),
        ..Parsed::default()
    }
}

/// The kind a Flexprice error code means, if it is one we know.
fn kind_for_code(code: &str) -> Option<ErrorKind> {
    Some(match code {
        "validation_error" => ErrorKind::InvalidInput,
        "invalid_operation" | "version_conflict" => ErrorKind::Conflict,
        "permission_denied" => ErrorKind::PermissionDenied,
        "not_found" => ErrorKind::NotFound,
        "already_exists" => ErrorKind::AlreadyExists,
        "too_many_requests" => ErrorKind::RateLimited,
        "not_implemented" => ErrorKind::Unsupported,
        "service_unavailable" => ErrorKind::Unavailable,
        "http_client_error" | "database_error" | "system_error" | "internal_error" => {
            ErrorKind::Provider
        }
        _ => return None,
    })
}

/// The kind a bare status means on Flexprice: [`unibill_http::kind_for_status`] but for the rows that differ.
fn kind_for_status(status: StatusCode) -> ErrorKind {
    match status.as_u16() {
        // A 409 without a code (a legacy body) is a duplicate: every 409 these endpoints answer is
        // `already_exists` except `version_conflict`, which always carries its code.
        409 => ErrorKind::AlreadyExists,
        501 => ErrorKind::Unsupported,
        // As this adapter has always read them (the shared table says `Timeout` for both).
        504 => ErrorKind::Unavailable,
        408 => ErrorKind::Provider,
        _ => unibill_http::kind_for_status(status),
    }
}

/// A Go struct field name from validation `details` → the neutral field name.
fn neutral_field(go: &str) -> String {
    match go {
        "ExternalID" => "external_id".into(),
        "Name" => "name".into(),
        "Email" => "email".into(),
        "Contact" => "contact".into(),
        "AddressLine1" => "address.line1".into(),
        "AddressLine2" => "address.line2".into(),
        "AddressCity" => "address.city".into(),
        "AddressState" => "address.state".into(),
        "AddressPostalCode" => "address.postal_code".into(),
        "AddressCountry" => "address.country".into(),
        "Timezone" => "time_zone".into(),
        "Metadata" => "metadata".into(),
        "ProviderType" => "provider_type".into(),
        "SyncConfig" => "sync_config".into(),
        "EncryptedSecretData" => "secrets".into(),
        other => {
            // CamelCase → snake_case; JSON names pass through unchanged.
            let mut out = String::with_capacity(other.len() + 4);
            for (i, ch) in other.chars().enumerate() {
                if ch.is_ascii_uppercase() {
                    if i > 0 {
                        out.push('_');
                    }
                    out.push(ch.to_ascii_lowercase());
                } else {
                    out.push(ch);
                }
            }
            out
        }
    }
}

fn field_errors(details: &Map<String, Value>) -> Vec<FieldError> {
    details
        .iter()
        .filter_map(|(k, v)| {
            let text = v.as_str()?;
            // Validator strings name the failed tag: `… failed on the 'required' tag`.
            let message = text
                .split_once("failed on the '")
                .and_then(|(_, rest)| rest.split_once('\''))
                .map(|(tag, _)| format!("failed the `{tag}` rule"))
                .unwrap_or_else(|| text.to_owned());
            Some(FieldError::new(neutral_field(k), message))
        })
        .collect()
}

/// What to fix, for the answers a misconfiguration gives: a refused key, or a route that does not exist (gin's
/// plain-text `404 page not found`, which every path gets when the base URL lacks `/v1`).
fn hint(status: u16, parsed: &Parsed) -> &'static str {
    match status {
        401 => {
            " (check the API key: FLEXPRICE_API_KEY, or the variable the TOML file's `api_key_env` names)"
        }
        404 if parsed.code.is_none() && parsed.message.as_deref() == Some("404 page not found") => {
            " (no such route: check the base URL, FLEXPRICE_BASE_URL or FLEXPRICE_REGION; it ends in `/v1`, \
             as in https://us.api.flexprice.io/v1)"
        }
        _ => "",
    }
}

/// The error table the executor runs for every Flexprice error answer. The executor adds provider, operation,
/// status, request id and `Retry-After`.
pub(crate) fn error_table(answer: &ErrorResponse) -> Error {
    let status = answer.status.as_u16();
    let parsed = parse(answer);
    let kind = parsed
        .code
        .as_deref()
        .and_then(kind_for_code)
        .unwrap_or_else(|| kind_for_status(answer.status));
    // What the answer means; the status and code follow in the error's own text, the provider's message after.
    let meaning = match kind {
        ErrorKind::InvalidInput => "Flexprice refused the input",
        ErrorKind::Unauthenticated => "Flexprice refused the API key",
        ErrorKind::PermissionDenied => "Flexprice forbids this",
        ErrorKind::NotFound => "not found on Flexprice",
        ErrorKind::AlreadyExists => "Flexprice already holds a resource with this key",
        ErrorKind::Conflict => {
            "Flexprice refused the change as conflicting with the resource's state"
        }
        ErrorKind::RateLimited => "Flexprice is rate limiting",
        ErrorKind::Unsupported => "Flexprice does not implement this",
        ErrorKind::Unavailable => "Flexprice is unavailable",
        _ => "Flexprice could not handle the request",
    };
    let summary = format!("{meaning}{}", hint(status, &parsed));
    let mut err = Error::new(kind, summary);
    if let Some(code) = parsed.code {
        err = err.with_provider_code(code);
    }
    if let Some(message) = parsed.message {
        err = err.with_provider_message(message);
    }
    if let Some(details) = &parsed.details {
        if let Some(id) = details
            .get("existing_connection_id")
            .and_then(Value::as_str)
        {
            err = err.with_existing_id(id);
        }
        if kind == ErrorKind::InvalidInput {
            let fields = field_errors(details);
            if !fields.is_empty() {
                err = err.with_field_errors(fields);
            }
        }
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> ErrorResponse {
        ErrorResponse {
            status: unibill_http::http::StatusCode::from_u16(status).unwrap(),
            headers: unibill_http::http::HeaderMap::new(),
            body: body.to_owned().into(),
            truncated: false,
            request_id: None,
            retry_after: None,
            operation: "customers.list",
        }
    }

    #[test]
    fn a_refused_key_and_a_missing_route_say_what_to_fix() {
        let unauthorized = error_table(&answer(401, r#"{"error":"Unauthorized"}"#)).to_string();
        assert!(unauthorized.contains("FLEXPRICE_API_KEY"), "{unauthorized}");
        let no_route = error_table(&answer(404, "404 page not found")).to_string();
        assert!(
            no_route.contains("FLEXPRICE_BASE_URL") && no_route.contains("/v1"),
            "{no_route}"
        );
        // A resource that does not exist is not a configuration problem.
        // (The executor adds the status, as it does here.)
        let missing = error_table(&answer(
            404,
            r#"{"code":"not_found","message":"customer not found","http_status_code":404}"#,
        ))
        .with_status(404)
        .to_string();
        assert!(!missing.contains("FLEXPRICE_BASE_URL"), "{missing}");
        // The status and the code are said once, by the error's own text; the provider's message follows.
        assert_eq!(
            missing,
            "not found on Flexprice (HTTP 404, not_found): customer not found"
        );
    }

    #[test]
    fn go_names_become_neutral_names() {
        assert_eq!(neutral_field("AddressCountry"), "address.country");
        assert_eq!(neutral_field("BillingCurrency"), "billing_currency");
        assert_eq!(neutral_field("name"), "name");
    }

    #[test]
    fn every_code_has_a_kind() {
        for (code, kind) in [
            ("validation_error", ErrorKind::InvalidInput),
            ("invalid_operation", ErrorKind::Conflict),
            ("permission_denied", ErrorKind::PermissionDenied),
            ("not_found", ErrorKind::NotFound),
            ("already_exists", ErrorKind::AlreadyExists),
            ("version_conflict", ErrorKind::Conflict),
            ("too_many_requests", ErrorKind::RateLimited),
            ("not_implemented", ErrorKind::Unsupported),
            ("service_unavailable", ErrorKind::Unavailable),
            ("database_error", ErrorKind::Provider),
            ("internal_error", ErrorKind::Provider),
        ] {
            assert_eq!(kind_for_code(code), Some(kind), "{code}");
        }
        assert_eq!(kind_for_code("brand_new"), None);
    }
}
