//! The axum handler (feature `axum`): [`router`] and [`Intake::into_router`].
//!
//! | outcome | answer |
//! |---|---|
//! | handled now ([`Handled::Processed`]) | 200 `processed`, only after the handler returned `Ok` and the log recorded it |
//! | handled before ([`Handled::Duplicate`]) | 200 `duplicate`, without calling the handler |
//! | body over the limit (by `Content-Length` or while reading) | 413, before verification |
//! | verification refused | 401 naming the check that failed (`bad signature`, `stale timestamp`, …) and nothing more |
//! | verified but undecodable | 400 |
//! | the handler failed or panicked | 500 (the provider re-delivers; the delivery is handled again) |
//! | another attempt holds the delivery, or the log is unavailable | 503 with `Retry-After` where known |
//! | anything else (a misconfigured verifier) | 500 |
//!
//! Failures are logged with `tracing` (`warn` for the handler's, `debug` for refusals); the answer's body
//! never carries the handler's error.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use unibill_core::{Error, ErrorKind, FieldError, WebhookHeaders, Webhooks};

use crate::intake::{HANDLER_OPERATION, Handled, Intake, WebhookHandler};

/// A router answering `POST /` with `handler` for the deliveries `verifier` accepts, deduped in a
/// [`crate::MemoryDeliveryLog`] (one process; for a shared or lasting log build an [`Intake`] and call
/// [`Intake::into_router`]). Mount it where the provider delivers:
/// `Router::new().nest_service("/webhooks/flowglad", router(..))`.
pub fn router(verifier: Arc<dyn Webhooks>, handler: impl WebhookHandler + 'static) -> Router {
    Intake::new(verifier, handler).into_router()
}

impl Intake {
    /// A router answering `POST /` with this intake (see [`router`] and the module's table of answers).
    #[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
    pub fn into_router(self) -> Router {
        Router::new()
            .route("/", post(receive))
            .with_state(Arc::new(self))
    }
}

async fn receive(State(intake): State<Arc<Intake>>, request: Request) -> Response {
    let limit = intake.body_limit();
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(limit);
    }
    let body = match read(body, limit).await {
        Ok(body) => body,
        Err(answer) => return answer,
    };
    let headers = webhook_headers(&parts.headers);
    match intake.handle_now(&headers, &body).await {
        Ok(Handled::Processed(_)) => (StatusCode::OK, "processed").into_response(),
        Ok(Handled::Duplicate) => (StatusCode::OK, "duplicate").into_response(),
        Err(e) => refusal(&e),
    }
}

async fn read(body: Body, limit: usize) -> Result<axum::body::Bytes, Response> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large(limit)),
        Err(e) => {
            tracing::debug!(error = %e, "a webhook delivery's body could not be read");
            Err((StatusCode::BAD_REQUEST, "the body could not be read").into_response())
        }
    }
}

fn too_large(limit: usize) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is over the {limit}-byte limit"),
    )
        .into_response()
}

/// The headers as text; values that are not text are dropped (no scheme signs with them).
fn webhook_headers(map: &HeaderMap) -> WebhookHeaders {
    map.iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?.to_owned())))
        .collect()
}

/// The answer to a delivery the intake did not take.
fn refusal(e: &Error) -> Response {
    match e.kind() {
        ErrorKind::InvalidInput if is_too_large(e) => {
            (StatusCode::PAYLOAD_TOO_LARGE, e.message().to_owned()).into_response()
        }
        ErrorKind::Unauthenticated => {
            tracing::debug!(error = %e, "a webhook delivery failed verification");
            (
                StatusCode::UNAUTHORIZED,
                format!("unauthenticated: {}", failed_check(e.message())),
            )
                .into_response()
        }
        ErrorKind::Decode | ErrorKind::InvalidInput => {
            tracing::debug!(error = %e, "a verified webhook delivery could not be decoded");
            (StatusCode::BAD_REQUEST, "the delivery could not be decoded").into_response()
        }
        ErrorKind::Unavailable if e.operation() == Some(HANDLER_OPERATION) => {
            tracing::warn!(error = %e, "the webhook handler failed; answering 500 so the provider re-delivers");
            with_retry_after(
                (StatusCode::INTERNAL_SERVER_ERROR, "the handler failed").into_response(),
                e,
            )
        }
        ErrorKind::Unavailable | ErrorKind::RateLimited | ErrorKind::Timeout => {
            tracing::debug!(error = %e, "a webhook delivery was put off");
            with_retry_after(
                (StatusCode::SERVICE_UNAVAILABLE, "retry later").into_response(),
                e,
            )
        }
        _ => {
            tracing::warn!(error = %e, "a webhook delivery could not be taken");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the delivery could not be taken",
            )
                .into_response()
        }
    }
}

/// Whether `e` is the refusal of a body over the limit.
fn is_too_large(e: &Error) -> bool {
    e.kind() == ErrorKind::InvalidInput
        && e.field_errors()
            .iter()
            .any(|FieldError { field, .. }| field == "body")
}

/// The check a verifier's message names (`bad signature: …` → `bad signature`), or nothing.
fn failed_check(message: &str) -> &str {
    match message.split_once(':') {
        Some((check, _))
            if check.len() <= 32 && check.chars().all(|c| c.is_ascii_alphabetic() || c == ' ') =>
        {
            check
        }
        _ => "verification failed",
    }
}

fn with_retry_after(mut response: Response, e: &Error) -> Response {
    if let Some(after) = e.retry_after() {
        let seconds = after.as_secs().max(1);
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_check_is_told() {
        assert_eq!(
            failed_check("bad signature: none of the 2 `v1` signatures matches"),
            "bad signature"
        );
        assert_eq!(
            failed_check("the secret is whsec_abc: oops"),
            "verification failed"
        );
        assert_eq!(failed_check("no colon"), "verification failed");
    }
}
