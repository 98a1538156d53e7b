//! The fixed-answer server: every request but `GET /stats` gets the same valid Flexprice create-customer answer.

use std::convert::Infallible;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The answer: Flexprice's documented create-customer response (the test kit's fixture).
pub const CREATE_ANSWER: &str =
    include_str!("../../testkit/tests/fixtures/flexprice/create-customer-response.json");

#[derive(Default)]
struct Counters {
    /// Every accepted connection (the `/stats` ones included).
    accepted: AtomicU64,
    /// Connections that carried at least one create.
    connections: AtomicU64,
    /// Creates answered.
    requests: AtomicU64,
}

/// Serves until killed; prints `listening <port>` first.
pub fn run(port: u16) -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "listening {port}")?;
            out.flush()?;
        }
        let counters = Arc::new(Counters::default());
        let answer = Bytes::from_static(CREATE_ANSWER.as_bytes());
        loop {
            let (stream, _) = listener.accept().await?;
            counters.accepted.fetch_add(1, Ordering::Relaxed);
            stream.set_nodelay(true)?;
            let counters = counters.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                let counted = Arc::new(AtomicBool::new(false));
                let service = service_fn(move |req: Request<Incoming>| {
                    let counters = counters.clone();
                    let answer = answer.clone();
                    let counted = counted.clone();
                    async move {
                        let stats = req.uri().path() == "/stats";
                        // Read the whole body, as a real server would.
                        let _ = req.into_body().collect().await;
                        if stats {
                            let body = format!(
                                "{{\"accepted\":{},\"connections\":{},\"requests\":{}}}",
                                counters.accepted.load(Ordering::Relaxed),
                                counters.connections.load(Ordering::Relaxed),
                                counters.requests.load(Ordering::Relaxed)
                            );
                            return Ok::<_, Infallible>(json(200, Bytes::from(body)));
                        }
                        if !counted.swap(true, Ordering::Relaxed) {
                            counters.connections.fetch_add(1, Ordering::Relaxed);
                        }
                        counters.requests.fetch_add(1, Ordering::Relaxed);
                        Ok(json(201, answer))
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

fn json(status: u16, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}
