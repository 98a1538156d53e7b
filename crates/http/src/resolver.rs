//! [`SpareConnectGuardResolver`]: keeps the connection pool from opening connections no request needs.

use std::fmt;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Scheduler turns a connect waits before it resolves its host (see [`SpareConnectGuardResolver`]).
const TURNS: usize = 2;

/// The error type reqwest's resolvers use.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A DNS resolver (reqwest's `ClientBuilder::dns_resolver`) that drops connects whose request no longer
/// needs them; the executor's default client has it, over the system resolver.
///
/// hyper's pool (under reqwest) answers a request that finds no idle connection by starting a connect *and*
/// waiting for a busy connection to come back, whichever is first. When the returning connection wins, the
/// connect already started is finished in a background task and parked in the pool as a spare. Under load,
/// a caller that sends its next request a moment before its previous connection is back in the pool (the
/// pool takes it back in a task of its own) opens a connection per such race: a client with 64 requests in
/// flight ends up with ~110 connections, half of them never used.
///
/// Every connect resolves its host first, so the resolver is where a connect can be stopped at no cost to
/// requests that reuse a connection. The guard defers the lookup by two turns of the scheduler, which lets a
/// connection on its way back reach the waiting request first, and gives up (before the lookup and again
/// after it) if the connect is now being driven by another task than the one that started it: hyper moves
/// a connect into a background task only when the request it was started for already has a pooled
/// connection. A connect still needed runs unchanged.
///
/// Hosts written as IP addresses are not looked up, so connects to them are not guarded: the guard covers
/// providers' host names (what production uses), not `http://127.0.0.1:…` base URLs.
///
/// Measured with the load bench (`docs/performance.md`): 64 callers opened 99–121 connections without the
/// guard and 64 with it. (It used to be a connector layer; reqwest boxes a layered connector three times
/// over and clones it six times per request, ~6.7k instructions per call, where a resolver is one `Arc`.)
///
/// ```
/// use std::sync::Arc;
/// use unibill_http::SpareConnectGuardResolver;
///
/// // Your own client keeps the guard by taking the resolver too.
/// let client = reqwest::Client::builder()
///     .dns_resolver(Arc::new(SpareConnectGuardResolver::system()))
///     .build()
///     .unwrap();
/// # drop(client);
/// ```
#[derive(Clone)]
pub struct SpareConnectGuardResolver {
    inner: Arc<dyn Resolve>,
}

impl SpareConnectGuardResolver {
    /// Guards the system resolver (`getaddrinfo` on a blocking thread, as reqwest's default does).
    pub fn system() -> Self {
        Self::new(Arc::new(SystemResolver))
    }

    /// Guards `inner` (e.g. a caching or DNS-over-HTTPS resolver of your own).
    pub fn new(inner: Arc<dyn Resolve>) -> Self {
        SpareConnectGuardResolver { inner }
    }
}

impl Default for SpareConnectGuardResolver {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for SpareConnectGuardResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpareConnectGuardResolver")
            .finish_non_exhaustive()
    }
}

impl Resolve for SpareConnectGuardResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let started_in = tokio::task::try_id();
        let inner = self.inner.clone();
        Box::pin(async move {
            for _ in 0..TURNS {
                tokio::task::yield_now().await;
            }
            still_needed(started_in)?;
            let addrs = inner.resolve(name).await?;
            // The lookup took turns of its own (a blocking thread): the request may have been served meanwhile.
            // Two more turns before the last look, for a connection already on its way back.
            for _ in 0..TURNS {
                tokio::task::yield_now().await;
            }
            still_needed(started_in)?;
            Ok(addrs)
        })
    }
}

/// A connect is still needed while the task that started it drives it. Polled from another task (or from a
/// task when it started outside one), hyper has moved it to the background: its request has a connection.
fn still_needed(started_in: Option<tokio::task::Id>) -> Result<(), BoxError> {
    if tokio::task::try_id() == started_in {
        Ok(())
    } else {
        Err(Box::new(ConnectNotNeeded))
    }
}

/// The system resolver: `getaddrinfo` on tokio's blocking pool.
#[derive(Debug)]
struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let addrs: Vec<_> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The error a dropped connect ends with; hyper only logs it (the request already has a connection).
#[derive(Debug)]
pub struct ConnectNotNeeded;

impl fmt::Display for ConnectNotNeeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connect dropped: the request it was started for got a pooled connection")
    }
}

impl std::error::Error for ConnectNotNeeded {}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::str::FromStr;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Counts the lookups that reach it; each answers 127.0.0.1 after one turn of the scheduler.
    #[derive(Default)]
    struct CountingResolver(AtomicUsize);

    impl Resolve for CountingResolver {
        fn resolve(&self, _: Name) -> Resolving {
            self.0.fetch_add(1, Ordering::SeqCst);
            Box::pin(async {
                tokio::task::yield_now().await;
                let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
                Ok(Box::new(std::iter::once(addr)) as Addrs)
            })
        }
    }

    fn guarded() -> (SpareConnectGuardResolver, Arc<CountingResolver>) {
        let counting = Arc::new(CountingResolver::default());
        (SpareConnectGuardResolver::new(counting.clone()), counting)
    }

    fn name() -> Name {
        Name::from_str("api.example.com").unwrap()
    }

    fn ips(addrs: Addrs) -> Vec<String> {
        addrs.map(|a| a.ip().to_string()).collect()
    }

    #[tokio::test]
    async fn a_lookup_awaited_by_its_request_runs() {
        let (guard, count) = guarded();
        let answer = tokio::spawn(async move { guard.resolve(name()).await })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ips(answer), ["127.0.0.1"]);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }

    /// What hyper does when a pooled connection beats the connect: the started connect is moved into a
    /// background task of its own.
    #[tokio::test]
    async fn a_connect_moved_to_a_background_task_before_the_lookup_is_dropped_unresolved() {
        let (guard, count) = guarded();
        let outcome = tokio::spawn(async move {
            let mut lookup = guard.resolve(name());
            assert!(
                futures::poll!(&mut lookup).is_pending(),
                "the lookup waits a turn first"
            );
            tokio::spawn(lookup).await.unwrap()
        })
        .await
        .unwrap();
        let error = outcome.err().expect("dropped");
        assert!(error.is::<ConnectNotNeeded>(), "{error}");
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            0,
            "the inner resolver never ran"
        );
    }

    #[tokio::test]
    async fn a_connect_moved_to_a_background_task_during_the_lookup_is_dropped_after_it() {
        let (guard, count) = guarded();
        let counted = count.clone();
        let outcome = tokio::spawn(async move {
            let mut lookup = guard.resolve(name());
            // Drive it in this task until the inner lookup has started (it is then waiting a turn).
            while counted.0.load(Ordering::SeqCst) == 0 {
                assert!(futures::poll!(&mut lookup).is_pending());
                tokio::task::yield_now().await;
            }
            tokio::spawn(lookup).await.unwrap()
        })
        .await
        .unwrap();
        assert!(outcome.err().expect("dropped").is::<ConnectNotNeeded>());
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_lookup_started_outside_a_task_and_moved_into_one_is_dropped() {
        let (guard, count) = guarded();
        let mut lookup = guard.resolve(name());
        assert!(futures::poll!(&mut lookup).is_pending());
        assert!(tokio::spawn(lookup).await.unwrap().is_err());
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn outside_a_task_a_lookup_runs() {
        let (guard, count) = guarded();
        // `block_on`'s future is not a spawned task: it has no task id.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let answer = runtime.block_on(guard.resolve(name())).unwrap();
        assert_eq!(
            (ips(answer), count.0.load(Ordering::SeqCst)),
            (vec!["127.0.0.1".to_owned()], 1)
        );
    }

    #[tokio::test]
    async fn the_system_resolver_answers_an_address_without_the_network() {
        let guard = SpareConnectGuardResolver::system();
        let answer =
            tokio::spawn(async move { guard.resolve(Name::from_str("127.0.0.1").unwrap()).await })
                .await
                .unwrap()
                .unwrap();
        assert_eq!(ips(answer), ["127.0.0.1"]);
    }
}
