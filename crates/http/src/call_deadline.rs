//! [`CallDeadline`]: one neutral call's deadline, for the requests an adapter sends after the executor's
//! own (the lookup after a conflict, a search for the key's holder), so a call never outlives its deadline
//! however many requests it makes.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use unibill_core::{Error, ErrorKind, Result};

use crate::executor::HttpExecutor;

/// The instant by which one neutral call must end, fixed when the call starts.
///
/// Every [`HttpExecutor::send`] has its own deadline, counted from its start; a neutral call that sends more
/// than one request (a create, then the lookup of the key's holder after its `409`) takes a `CallDeadline`
/// first and runs the later requests through [`CallDeadline::run`], so all of them end within the one deadline
/// the executor was built with ([`crate::HttpExecutorBuilder::deadline`]).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use unibill_core::ErrorKind;
/// use unibill_http::{HttpExecutor, Request, Safety};
/// use unibill_testkit::{Reply, TestServer};
///
/// let server = TestServer::from_fn(|_| Reply::json(200, "{}")).await;
/// let exec = HttpExecutor::builder("example", server.url()).deadline(Duration::ZERO).build()?;
/// let deadline = exec.call_deadline();
/// // The deadline has passed: the lookup is not started, nothing is sent.
/// let lookup = exec.send_json::<serde_json::Value>(Request::get("things.get", "/things").path(["things"]), Safety::Safe);
/// let err = deadline.run("things.lookup", lookup).await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Timeout);
/// assert_eq!(err.operation(), Some("things.lookup"));
/// assert_eq!(server.request_count(), 0);
/// # Ok::<(), unibill_core::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CallDeadline {
    at: Instant,
    total: Duration,
    provider: &'static str,
}

impl HttpExecutor {
    /// The deadline of a call starting now (the executor's deadline from this instant). Take it before the
    /// call's first `send`; run what the call sends after that one through [`CallDeadline::run`].
    pub fn call_deadline(&self) -> CallDeadline {
        let total = self.inner.deadline;
        CallDeadline {
            at: Instant::now() + total,
            total,
            provider: self.inner.provider,
        }
    }
}

impl CallDeadline {
    /// What is left of it (zero once it has passed).
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// Runs `work` (more requests of the same call) until it ends or the deadline passes, which is `Timeout`
    /// with `operation`. `work` is not started at all once the deadline has passed.
    pub async fn run<T>(
        &self,
        operation: &'static str,
        work: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        if self.remaining().is_zero() {
            return Err(self.passed(operation));
        }
        match tokio::time::timeout_at(self.at, work).await {
            Ok(result) => result,
            Err(_) => Err(self.passed(operation)),
        }
    }

    fn passed(&self, operation: &'static str) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!(
                "the call's deadline of {:?} passed before this lookup ended",
                self.total
            ),
        )
        .with_provider(self.provider)
        .with_operation(operation)
    }
}
