//! The error table: Vercel's error answers → [`unibill_core::Error`], in one place.
//!
//! The kind is [`unibill_http::kind_for_status`]'s, with no row overridden (`400` → `InvalidInput`, with a
//! field error when the message names a request field; `403` → `PermissionDenied`, with the missing permissions
//! named in the message; `409` → `Conflict`; a 500 without a parsed code stays ambiguous). A 429's wait is
//! `Retry-After`, else the body's `limit.resetMs` (`limit.reset`), else `X-RateLimit-Reset`.
//!
//! The body is `{"error": {"code", "message", …}}`, or `{"err": {…}}` as some Vercel APIs wrongly answer. The
//! request id (`x-vercel-id`) is kept by the executor.
//!
//! The error's own message says what the status means (`not found on Vercel`); Vercel's text is the provider
//! message and its code the provider code, so the error's `Display` shows each once:
//! `vercel stores.list_products: not found on Vercel (HTTP 404, not_found): Integration configuration not found`.
//! When no team scope is configured, a 403 or 404 also says so, naming `VERCEL_TEAM_ID` and `VERCEL_TEAM_SLUG`
//! (`not found on Vercel for the token's personal account: no team was sent, set VERCEL_TEAM_ID or
//! VERCEL_TEAM_SLUG`): without a team, Vercel answers for the personal account, which does not see a team's
//! installations or stores.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{Map, Value};
use unibill_core::{Error, ErrorKind, FieldError};
use unibill_http::{Clock, ErrorResponse, ErrorTable, kind_for_status};

/// The Vercel error table. It reads `clock` to turn the body's absolute `limit.resetMs` into a wait; without a
/// team scope (`team_scoped` false) a 403 or 404 says how to set one.
pub(crate) fn error_table(clock: Arc<dyn Clock>, team_scoped: bool) -> impl ErrorTable + 'static {
    move |answer: &ErrorResponse| map(answer, &*clock, team_scoped)
}

/// What a 403 or 404 adds when no team scope was sent.
const NO_TEAM_HINT: &str =
    " for the token's personal account: no team was sent, set VERCEL_TEAM_ID or VERCEL_TEAM_SLUG";

/// What the status means, as the error's own message (Vercel's text stays the provider message).
fn summary(status: u16) -> &'static str {
    match status {
        400 => "Vercel refused the request",
        401 => {
            "Vercel refused the token (check VERCEL_TOKEN, or the variable the TOML file's `token_env` names)"
        }
        402 => "Vercel needs a payment method for this account",
        403 => "Vercel forbids this",
        404 | 410 => "not found on Vercel",
        409 => "Vercel reports a conflict",
        429 => "Vercel is rate limiting this endpoint",
        500..=599 => "Vercel failed",
        _ => "Vercel could not handle the request",
    }
}

/// `{"error": {...}}` or `{"err": {...}}`.
#[derive(Deserialize)]
struct Envelope {
    #[serde(alias = "err")]
    error: Option<Map<String, Value>>,
}

/// The envelope's `code`, `message` and every other key.
struct Body {
    code: Option<String>,
    message: Option<String>,
    extra: Map<String, Value>,
}

impl Body {
    fn from_map(mut extra: Map<String, Value>) -> Option<Self> {
        let mut take = |k: &str| match extra.remove(k) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        let code = take("code");
        let message = take("message");
        (code.is_some() || message.is_some()).then_some(Body {
            code,
            message,
            extra,
        })
    }
}

fn map(answer: &ErrorResponse, clock: &dyn Clock, team_scoped: bool) -> Error {
    let status = answer.status.as_u16();
    // Every Vercel status means what it means in the shared table: no row differs.
    let kind = kind_for_status(answer.status);
    let body = answer
        .json::<Envelope>()
        .and_then(|e| e.error)
        .and_then(Body::from_map);
    let mut message = summary(status).to_owned();
    if let Some(Value::Array(missing)) = body
        .as_ref()
        .and_then(|b| b.extra.get("missingPermissions"))
    {
        let names: Vec<&str> = missing.iter().filter_map(Value::as_str).collect();
        if !names.is_empty() {
            message.push_str(&format!(" (missing permissions: {})", names.join(", ")));
        }
    }
    if !team_scoped && matches!(status, 403 | 404) {
        message.push_str(NO_TEAM_HINT);
    }
    let mut err = Error::new(kind, message);
    let Some(body) = body else {
        let text = answer.text();
        if !text.trim().is_empty() {
            err = err.with_provider_message(text.into_owned());
        }
        if status == 429
            && let Some(wait) = wait_from(clock, None, answer)
        {
            err = err.with_retry_after(wait);
        }
        return err;
    };
    let provider_message = body.message.clone().unwrap_or_default();
    if let Some(code) = &body.code {
        err = err.with_provider_code(code.clone());
    }
    if !provider_message.is_empty() {
        err = err.with_provider_message(provider_message.clone());
    }
    if kind == ErrorKind::InvalidInput
        && let Some(field) = field_hint(&provider_message)
    {
        err = err.with_field_errors([FieldError::new(field, provider_message.clone())]);
    }
    if status == 429
        && let Some(wait) = wait_from(clock, body.extra.get("limit"), answer)
    {
        err = err.with_retry_after(wait);
    }
    err
}

/// The wait a 429 asks for when no `Retry-After` header gave one: `limit.resetMs`, `limit.reset` (seconds),
/// then the `X-RateLimit-Reset` header (seconds), each an absolute time measured from the clock.
fn wait_from(clock: &dyn Clock, limit: Option<&Value>, answer: &ErrorResponse) -> Option<Duration> {
    let reset_ms = limit
        .and_then(|l| l.get("resetMs"))
        .and_then(Value::as_u64)
        .or_else(|| {
            limit
                .and_then(|l| l.get("reset"))
                .and_then(Value::as_u64)
                .and_then(|s| s.checked_mul(1000))
        })
        .or_else(|| {
            answer
                .headers
                .get("x-ratelimit-reset")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .and_then(|s| s.checked_mul(1000))
        })?;
    let when = UNIX_EPOCH.checked_add(Duration::from_millis(reset_ms))?;
    Some(when.duration_since(clock.now()).unwrap_or(Duration::ZERO))
}

/// The request field a 400 message names (`` `integrationProductIdOrSlug` ``, `` `metadata.region` ``), as the
/// neutral input's field name.
pub(crate) fn field_hint(message: &str) -> Option<String> {
    let mut parts = message.split('`');
    parts.next()?;
    let quoted = parts.next()?;
    let head = quoted.split(['.', '[']).next().unwrap_or(quoted);
    let neutral = match head {
        "name" => "name",
        "integrationConfigurationId" => "configuration_id",
        "integrationProductIdOrSlug" => "product",
        "billingPlanId" => "billing_plan_id",
        "paymentMethodId" => "payment_method_id",
        "externalId" => "external_id",
        "metadata" => "metadata",
        "protocolSettings" => "protocol_settings",
        "prepaymentAmountCents" => "prepayment",
        "source" => "source",
        "view" => "view",
        _ => return None,
    };
    Some(neutral.to_owned())
}

#[cfg(test)]
mod tests {
    use super::field_hint;

    #[test]
    fn field_hints_name_neutral_fields() {
        assert_eq!(
            field_hint("Invalid request: missing required property `integrationProductIdOrSlug`.")
                .as_deref(),
            Some("product")
        );
        assert_eq!(
            field_hint("`metadata.region` should be string.").as_deref(),
            Some("metadata")
        );
        assert_eq!(
            field_hint("`prepaymentAmountCents` should be >= 50.").as_deref(),
            Some("prepayment")
        );
        assert_eq!(field_hint("No free billing plan is available."), None);
        assert_eq!(field_hint("`unknownThing` is bad"), None);
    }
}
