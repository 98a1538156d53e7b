//! [`serve`] and [`Served`]: an [`axum::Router`] served on `127.0.0.1`, stopped when the handle is dropped.

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A router being served on `127.0.0.1` in a task of the current Tokio runtime. Dropping it aborts the task
/// (and every connection with it); [`Served::stop`] shuts down gracefully instead.
///
/// ```
/// use axum::{Router, routing::get};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let router = Router::new().route("/v1/ping", get(|| async { "pong" }));
/// let served = unibill_testkit::serve(router, "/v1").await.unwrap();
/// assert!(served.base_url().starts_with("http://127.0.0.1:"));
/// assert!(served.base_url().ends_with("/v1"));
/// let pong = reqwest::get(format!("{}/ping", served.base_url())).await.unwrap();
/// assert_eq!(pong.text().await.unwrap(), "pong");
/// drop(served); // the server stops
/// # });
/// ```
#[derive(Debug)]
pub struct Served {
    addr: SocketAddr,
    base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// Serves `router` on `127.0.0.1` at a free port until the returned handle is dropped. `base_path` is what
/// [`Served::base_url`] appends to the origin: `"/v1"` for an API under `/v1`, `""` for one at the root.
///
/// # Errors
/// When no loopback port can be bound.
pub async fn serve(router: axum::Router, base_path: &str) -> std::io::Result<Served> {
    serve_on(0, router, base_path).await
}

/// [`serve`] on `127.0.0.1:port` (`0` for a free port).
///
/// # Errors
/// When the port cannot be bound (already taken, or not allowed).
pub async fn serve_on(port: u16, router: axum::Router, base_path: &str) -> std::io::Result<Served> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // The server ends when `stop` asks (or when the task is aborted); an accept error ends it early, and
        // whoever uses it then sees connection errors.
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(Served {
        addr,
        base_url: format!("http://{addr}{base_path}"),
        shutdown: Some(shutdown),
        task,
    })
}

impl Served {
    /// The base URL an adapter takes: `http://127.0.0.1:PORT` plus the base path (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets the connections in flight finish their request, and waits until the server is
    /// down.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}
