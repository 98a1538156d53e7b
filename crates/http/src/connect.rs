//! [`SpareConnectGuardLayer`]: keeps the connection pool from opening connections no request needs.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tower_layer::Layer;
use tower_service::Service;

/// Scheduler turns a connect waits before it starts (see [`SpareConnectGuardLayer`]).
const TURNS: usize = 2;

/// The error type reqwest's connector stack uses.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The [`Layer`] adding [`SpareConnectGuard`] to a reqwest connector (`ClientBuilder::connector_layer`); the
/// executor's default client has it.
///
/// hyper's pool (under reqwest) answers a request that finds no idle connection by starting a connect *and*
/// waiting for a busy connection to come back, whichever is first. When the returning connection wins, the
/// connect already started is finished in a background task and parked in the pool as a spare. Under load,
/// a caller that sends its next request a moment before its previous connection is back in the pool (the
/// pool takes it back in a task of its own) opens a connection per such race: a client with 64 requests in
/// flight ends up with ~110 connections, half of them never used.
///
/// The guard defers each connect by two turns of the scheduler, which lets a connection on its way back
/// reach the waiting request first (the way back takes two hops: the connection's task finishes reading the
/// answer and signals, then the pool's task puts it back), and then drops the connect if it is now running in
/// the pool's background task, i.e. the request it was started for has already been given a pooled
/// connection. A connect still needed runs unchanged; requests that find an idle connection never get here.
/// Measured with the load bench (`docs/performance.md`): 64 callers opened 114 connections without the guard,
/// 61–64 with it.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpareConnectGuardLayer;

impl<S> Layer<S> for SpareConnectGuardLayer {
    type Service = SpareConnectGuard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SpareConnectGuard { inner }
    }
}

/// A connector that skips connects whose request no longer needs them (see [`SpareConnectGuardLayer`]).
#[derive(Debug, Clone)]
pub struct SpareConnectGuard<S> {
    inner: S,
}

/// The error a dropped connect ends with; hyper only logs it (the request already has a connection).
#[derive(Debug)]
pub struct ConnectNotNeeded;

impl std::fmt::Display for ConnectNotNeeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connect dropped: the request it was started for got a pooled connection")
    }
}

impl std::error::Error for ConnectNotNeeded {}

impl<S, R> Service<R> for SpareConnectGuard<S>
where
    S: Service<R, Error = BoxError> + Clone + Send + 'static,
    S::Future: Send + 'static,
    R: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        // The service polled ready is the one to call; a clone stays behind for the next call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let started_in = tokio::task::try_id();
        Box::pin(async move {
            for _ in 0..TURNS {
                tokio::task::yield_now().await;
            }
            // Polled from another task (or from a task when it started outside one): hyper moved it to the
            // background because the request it was started for has a connection now.
            if tokio::task::try_id() != started_in {
                return Err(Box::new(ConnectNotNeeded) as BoxError);
            }
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Counts the connects that reach it and answers each with its number.
    #[derive(Clone, Default)]
    struct CountingConnector(Arc<AtomicUsize>);

    impl Service<&'static str> for CountingConnector {
        type Response = usize;
        type Error = BoxError;
        type Future = std::future::Ready<Result<usize, BoxError>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: &'static str) -> Self::Future {
            std::future::ready(Ok(self.0.fetch_add(1, Ordering::SeqCst) + 1))
        }
    }

    fn guarded() -> (SpareConnectGuard<CountingConnector>, Arc<AtomicUsize>) {
        let connector = CountingConnector::default();
        let count = connector.0.clone();
        (SpareConnectGuardLayer.layer(connector), count)
    }

    #[tokio::test]
    async fn a_connect_awaited_by_its_request_runs() {
        let (mut guard, count) = guarded();
        assert_eq!(guard.call("http://127.0.0.1:1").await.unwrap(), 1);
        assert_eq!(guard.call("http://127.0.0.1:1").await.unwrap(), 2);
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }

    /// What hyper does when a pooled connection beats the connect: the started connect is moved into a
    /// background task of its own.
    #[tokio::test]
    async fn a_connect_moved_to_a_background_task_is_dropped_unsent() {
        let (mut guard, count) = guarded();
        // The request runs in a task of its own, as it does under reqwest.
        let outcome = tokio::spawn(async move {
            let mut connect = guard.call("http://127.0.0.1:1");
            assert!(
                futures::poll!(&mut connect).is_pending(),
                "the connect waits a turn first"
            );
            tokio::spawn(connect).await.unwrap()
        })
        .await
        .unwrap();
        let error = outcome.unwrap_err();
        assert!(error.is::<ConnectNotNeeded>(), "{error}");
        assert_eq!(
            count.load(Ordering::SeqCst),
            0,
            "the inner connector never ran"
        );
    }

    #[tokio::test]
    async fn a_connect_started_outside_a_task_and_moved_into_one_is_dropped() {
        let (mut guard, count) = guarded();
        let mut connect = guard.call("http://127.0.0.1:1");
        assert!(futures::poll!(&mut connect).is_pending());
        assert!(tokio::spawn(connect).await.unwrap().is_err());
        assert_eq!(count.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_connect_in_a_task_that_keeps_it_runs() {
        let (mut guard, count) = guarded();
        let answer = tokio::spawn(async move { guard.call("http://127.0.0.1:1").await })
            .await
            .unwrap()
            .unwrap();
        assert_eq!((answer, count.load(Ordering::SeqCst)), (1, 1));
    }

    #[test]
    fn outside_a_task_a_connect_runs() {
        let (mut guard, count) = guarded();
        // `block_on`'s future is not a spawned task: it has no task id.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let answer = runtime.block_on(guard.call("http://127.0.0.1:1")).unwrap();
        assert_eq!((answer, count.load(Ordering::SeqCst)), (1, 1));
    }
}
