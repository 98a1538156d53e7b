//! [`TestServer`]: a loopback HTTP/1 server with a request log, a connection count and scripted faults.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::Body;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};
use url::Url;

use crate::fault::Fault;
use crate::handler::Handler;
use crate::recorded::RecordedRequest;
use crate::reply::Reply;
use crate::request_log::RequestLog;

/// Chooses a fault for a request the queue has none for: the request and its 0-based index in the log.
type SourceFn = dyn Fn(&RecordedRequest, usize) -> Option<Fault> + Send + Sync;

/// The optional [`TestServer::set_fault_source`] chooser.
#[derive(Default)]
struct FaultSource(Option<Arc<SourceFn>>);

impl std::fmt::Debug for FaultSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "FaultSource(set)"
        } else {
            "FaultSource(none)"
        })
    }
}

#[derive(Debug)]
struct State {
    handler: Handler,
    connections: AtomicUsize,
    streamed: AtomicU64,
    requests: RequestLog,
    faults: Mutex<VecDeque<Fault>>,
    source: Mutex<FaultSource>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A loopback server on `127.0.0.1:<free port>`; stops when dropped.
///
/// Every request is recorded (method, path, query, headers, body) before anything else happens to it. Then the
/// next queued [`Fault`], if any, is applied; otherwise the [`Handler`] answers. The record gets the answer's
/// status and headers once its head is written (never, for a fault that closes or stalls).
///
/// ```
/// use unibill_testkit::{Fault, Reply, TestServer};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let server = TestServer::from_fn(|req| Reply::json(200, format!(r#"{{"path":"{}"}}"#, req.path))).await;
/// server.push_faults(Fault::Reply(Reply::status(503).header("retry-after", "1")), 2);
///
/// let client = reqwest::Client::new();
/// let url = server.url().join("ping").unwrap();
/// assert_eq!(client.get(url.clone()).send().await.unwrap().status(), 503);
/// assert_eq!(client.get(url.clone()).send().await.unwrap().status(), 503);
/// assert_eq!(client.get(url).send().await.unwrap().text().await.unwrap(), r#"{"path":"/ping"}"#);
/// assert_eq!(server.request_count(), 3);
/// assert_eq!(server.connections(), 1);
/// # });
/// ```
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl TestServer {
    /// Starts a server answering with `handler` (an [`axum::Router`] converts into one).
    ///
    /// Panics if no loopback port can be bound (a broken test machine).
    pub async fn start(handler: impl Into<Handler>) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("the bound address");
        let state = Arc::new(State {
            handler: handler.into(),
            connections: AtomicUsize::new(0),
            streamed: AtomicU64::new(0),
            requests: RequestLog::default(),
            faults: Mutex::new(VecDeque::new()),
            source: Mutex::new(FaultSource::default()),
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&state)));
        TestServer { addr, state, task }
    }

    /// Starts a server whose handler is the closure `f`.
    pub async fn from_fn(f: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) -> Self {
        Self::start(Handler::from_fn(f)).await
    }

    /// Starts a server routing through `router`.
    pub async fn router(router: axum::Router) -> Self {
        Self::start(Handler::router(router)).await
    }

    /// `http://127.0.0.1:<port>/`.
    pub fn url(&self) -> Url {
        Url::parse(&format!("http://{}/", self.addr)).expect("a loopback URL")
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Every request received so far, in order, each with the status it was answered with once answered.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests.all()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.state.requests.len()
    }

    /// Body bytes handed to the connection by [`Fault::EndlessBody`] and [`Fault::OversizedBody`] answers
    /// (what the client could have read, at most; socket buffers hold some of it).
    pub fn streamed_body_bytes(&self) -> u64 {
        self.state.streamed.load(Ordering::SeqCst)
    }

    /// Queues `fault` for the next request without one.
    pub fn push_fault(&self, fault: impl Into<Fault>) {
        lock(&self.state.faults).push_back(fault.into());
    }

    /// Queues `fault` for the next `times` requests.
    pub fn push_faults(&self, fault: impl Into<Fault>, times: usize) {
        let fault = fault.into();
        let mut faults = lock(&self.state.faults);
        for _ in 0..times {
            faults.push_back(fault.clone());
        }
    }

    /// Faults still queued.
    pub fn pending_faults(&self) -> usize {
        lock(&self.state.faults).len()
    }

    /// Sets a fault *source*: for every request the queue has no fault for, `source` is asked with the recorded
    /// request and its 0-based index in the request log, and its answer (if any) is applied like a queued fault.
    ///
    /// Queued faults ([`push_fault`](Self::push_fault)) still come first. A source that is a pure function of
    /// its arguments (e.g. a seeded hash of the index) makes a fault mix that is random-looking yet the same on
    /// every run of a sequential test. Replaces any earlier source.
    ///
    /// ```
    /// use unibill_testkit::{Fault, Reply, TestServer};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let server = TestServer::from_fn(|_| Reply::json(200, "{}")).await;
    /// // Every third request fails with a 503.
    /// server.set_fault_source(|_req, index| (index % 3 == 2).then(|| Fault::status(503)));
    /// let url = server.url().join("x").unwrap();
    /// let statuses: Vec<u16> = futures::future::join_all((0..3).map(|_| async {
    ///     reqwest::get(url.clone()).await.unwrap().status().as_u16()
    /// })).await;
    /// assert_eq!(statuses.iter().filter(|s| **s == 503).count(), 1);
    /// server.clear_fault_source();
    /// # });
    /// ```
    pub fn set_fault_source(
        &self,
        source: impl Fn(&RecordedRequest, usize) -> Option<Fault> + Send + Sync + 'static,
    ) {
        lock(&self.state.source).0 = Some(Arc::new(source));
    }

    /// Removes the fault source: requests without a queued fault reach the handler again.
    pub fn clear_fault_source(&self) {
        lock(&self.state.source).0 = None;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task.
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    state.connections.fetch_add(1, Ordering::SeqCst);
                    connections.spawn(serve(stream, Arc::clone(&state)));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Serves one connection until the client closes it or a fault kills it.
async fn serve(stream: TcpStream, state: Arc<State>) {
    let kill = Arc::new(Notify::new());
    let service_kill = Arc::clone(&kill);
    let service =
        service_fn(move |request| handle(request, Arc::clone(&state), Arc::clone(&service_kill)));
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        _ = kill.notified() => {}
    }
}

async fn handle(
    request: http::Request<Incoming>,
    state: Arc<State>,
    kill: Arc<Notify>,
) -> Result<http::Response<Body>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let recorded = RecordedRequest::arrived(&parts, body.clone());
    let index = state.requests.push(recorded.clone());
    let request = http::Request::from_parts(parts, body);
    let queued = lock(&state.faults).pop_front();
    let fault = match queued {
        Some(fault) => Some(fault),
        None => {
            let source = lock(&state.source).0.clone();
            source.and_then(|choose| choose(&recorded, index))
        }
    };
    let log = state.requests.clone();
    let response = match fault {
        None => state.handler.call(request).await,
        Some(Fault::Reply(reply)) => reply.into_response(),
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            state.handler.call(request).await
        }
        Some(Fault::CloseBeforeHandling) => {
            kill.notify_one();
            std::future::pending().await
        }
        Some(Fault::CloseAfterHandling) => {
            let _applied = state.handler.call(request).await;
            kill.notify_one();
            std::future::pending().await
        }
        Some(Fault::CutBodyAfterHandling { keep }) => {
            let (mut parts, body) = state.handler.call(request).await.into_parts();
            let whole = body
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            let cut = whole.slice(..keep.min(whole.len()));
            parts
                .headers
                .insert(http::header::CONTENT_LENGTH, cut.len().into());
            http::Response::from_parts(parts, Body::from(cut))
        }
        Some(Fault::BreakBodyAfterHandling { keep }) => {
            let (mut parts, body) = state.handler.call(request).await.into_parts();
            let whole = body
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            parts
                .headers
                .insert(http::header::CONTENT_LENGTH, whole.len().into());
            let first = whole.slice(..keep.min(whole.len()));
            // The first piece, then one turn of the scheduler (hyper flushes what it holds when the body is
            // not ready, so the head and the piece reach the client), then the error that breaks the connection.
            let broken = futures::stream::unfold(Some(first), |piece| async move {
                match piece {
                    Some(piece) => Some((Ok(piece), None)),
                    None => {
                        tokio::task::yield_now().await;
                        Some((
                            Err(std::io::Error::other("the test server breaks the answer")),
                            None,
                        ))
                    }
                }
            });
            http::Response::from_parts(parts, Body::from_stream(broken))
        }
        Some(Fault::EndlessBody { status, chunk }) => {
            let stream = futures::stream::unfold(state, move |state| {
                let chunk = chunk.clone();
                async move {
                    state
                        .streamed
                        .fetch_add(chunk.len() as u64, Ordering::SeqCst);
                    Some((Ok::<Bytes, Infallible>(chunk), state))
                }
            });
            with_status(status, Body::from_stream(stream))
        }
        Some(Fault::OversizedBody { status, len }) => {
            const PIECE: usize = 16 * 1024;
            let stream = futures::stream::unfold((state, len), |(state, left)| async move {
                if left == 0 {
                    return None;
                }
                let n = left.min(PIECE);
                state.streamed.fetch_add(n as u64, Ordering::SeqCst);
                Some((
                    Ok::<Bytes, Infallible>(Bytes::from(vec![b'x'; n])),
                    (state, left - n),
                ))
            });
            with_status(status, Body::from_stream(stream))
        }
        Some(Fault::Stall) => std::future::pending().await,
        Some(Fault::StallBody { status }) => {
            let first =
                futures::stream::once(async { Ok::<Bytes, Infallible>(Bytes::from_static(b"{")) });
            let stream = futures::StreamExt::chain(first, futures::stream::pending());
            with_status(status, Body::from_stream(stream))
        }
    };
    log.answered(index, response.status().as_u16(), response.headers());
    Ok(response)
}

fn with_status(status: http::StatusCode, body: Body) -> http::Response<Body> {
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    response
}
