//! The outermost layer of every emulator: records each request on arrival and its answer once the emulator's
//! own layers and routes have written it.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::recorded::RecordedRequest;
use crate::request_log::RequestLog;

/// What [`record`] needs: the emulator's log and the largest body it reads.
#[derive(Debug, Clone)]
pub(crate) struct Recorder {
    /// Where requests go.
    pub log: RequestLog,
    /// Bodies longer than this reach the routes empty, marked [`OversizedBody`].
    pub body_limit: usize,
}

impl Recorder {
    /// An empty log reading bodies of up to `body_limit` bytes.
    pub(crate) fn new(body_limit: usize) -> Self {
        Recorder {
            log: RequestLog::default(),
            body_limit,
        }
    }
}

/// The 1-based number of the request in its emulator's log (a request extension set by [`record`]), from
/// which emulators derive their request ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sequence(pub usize);

/// Marks a request whose body was over [`Recorder::body_limit`] (its routes see an empty body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OversizedBody;

/// Buffers the body, logs the request, runs the rest of the emulator, and logs the status and headers answered.
pub(crate) async fn record(
    State(recorder): State<Recorder>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let (bytes, oversized) = match to_bytes(body, recorder.body_limit).await {
        Ok(bytes) => (bytes, false),
        Err(_) => (Bytes::new(), true),
    };
    let index = recorder
        .log
        .push(RecordedRequest::arrived(&parts, bytes.clone()));
    parts.extensions.insert(Sequence(index + 1));
    if oversized {
        parts.extensions.insert(OversizedBody);
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    recorder
        .log
        .answered(index, response.status().as_u16(), response.headers());
    response
}
