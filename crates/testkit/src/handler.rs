//! [`Handler`]: what answers requests when no fault is scripted — an axum router or a closure.

use std::fmt;
use std::sync::Arc;

use axum::body::Body;
use bytes::Bytes;
use futures::future::BoxFuture;
use tower::ServiceExt;

use crate::recorded::RecordedRequest;
use crate::reply::Reply;

type HandlerFn =
    dyn Fn(http::Request<Bytes>) -> BoxFuture<'static, http::Response<Body>> + Send + Sync;

/// Answers a request. Build one from an [`axum::Router`] (emulators) or a closure (tests).
#[derive(Clone)]
pub struct Handler(Arc<HandlerFn>);

impl Handler {
    /// A handler that routes through `router`.
    pub fn router(router: axum::Router) -> Self {
        Handler(Arc::new(move |request: http::Request<Bytes>| {
            let router = router.clone();
            Box::pin(async move {
                let request = request.map(Body::from);
                match router.oneshot(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                }
            })
        }))
    }

    /// A handler that answers with `f(request)`.
    pub fn from_fn(f: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) -> Self {
        Handler(Arc::new(move |request: http::Request<Bytes>| {
            let (parts, body) = request.into_parts();
            let recorded = RecordedRequest::arrived(&parts, body);
            let reply = f(&recorded).into_response();
            Box::pin(std::future::ready(reply))
        }))
    }

    /// A handler that answers every request with `reply`.
    pub fn always(reply: Reply) -> Self {
        Self::from_fn(move |_| reply.clone())
    }

    pub(crate) async fn call(&self, request: http::Request<Bytes>) -> http::Response<Body> {
        (self.0)(request).await
    }
}

impl From<axum::Router> for Handler {
    fn from(router: axum::Router) -> Self {
        Handler::router(router)
    }
}

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Handler")
    }
}
