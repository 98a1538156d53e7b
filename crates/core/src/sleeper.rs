//! [`Sleeper`]: how unibill waits (the executor between attempts, `StoresExt::wait_until_ready` between
//! reads), injectable so tests take no wall-clock time.

use std::fmt;
use std::time::Duration;

use futures::future::BoxFuture;

/// Waits for a delay between two attempts.
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// A future that completes after `delay`.
    fn sleep(&self, delay: Duration) -> BoxFuture<'static, ()>;
}

/// The default sleeper: `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, delay: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(delay))
    }
}

/// A sleeper that returns at once and remembers every delay it was asked for (for tests).
///
/// ```
/// use std::time::Duration;
/// use unibill_core::{RecordingSleeper, Sleeper};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let sleeper = RecordingSleeper::default();
/// sleeper.sleep(Duration::from_secs(7)).await;
/// assert_eq!(sleeper.delays(), vec![Duration::from_secs(7)]);
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct RecordingSleeper {
    delays: std::sync::Arc<std::sync::Mutex<Vec<Duration>>>,
}

impl RecordingSleeper {
    /// Every delay slept so far, in order.
    pub fn delays(&self) -> Vec<Duration> {
        self.delays
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, delay: Duration) -> BoxFuture<'static, ()> {
        self.delays
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(delay);
        Box::pin(std::future::ready(()))
    }
}
