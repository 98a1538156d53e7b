//! Redirects (issue #13, defect 1): the executor follows none. A `3xx` from a provider's base URL, whatever its
//! status and wherever it points (another host, `localhost`, another port, the same origin, an `https` origin
//! sending to plain `http`), is a final `Provider` error naming the status and the target's origin; the second
//! origin receives zero requests — no API key, no token, no connection secret — for every read and every write
//! of every adapter, and the call is never retried.

#![cfg(all(feature = "flexprice", feature = "flowglad", feature = "vercel"))]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use unibill::ErrorKind;
use unibill_http::{RecordingSleeper, RetryPolicy};
use unibill_testkit::{Reply, TestServer};
use url::Url;

#[path = "support/operations.rs"]
mod operations;

use operations::{Configure, Op, SECRETS, every_operation};

const STATUSES: [u16; 5] = [301, 302, 303, 307, 308];

/// The default retry policy (a retried redirect would show as a second request), waits recorded, not slept.
fn retrying() -> Configure {
    Arc::new(|b| {
        b.retry_policy(RetryPolicy::default())
            .sleeper(RecordingSleeper::default())
    })
}

/// Runs every operation against a base whose every answer is `status` with a `Location`, and checks each error.
/// `requests` counts what the redirecting origin received.
async fn every_operation_is_refused(
    label: &str,
    ops: &[Op],
    status: u16,
    requests: &dyn Fn() -> usize,
    target_origin: &str,
) {
    for op in ops {
        let before = requests();
        let err = op.call().await.expect_err(&format!(
            "{label} {}: a redirect was taken as success",
            op.name
        ));
        let text = format!("{err}\n{err:?}");
        assert_eq!(
            err.kind(),
            ErrorKind::Provider,
            "{label} {}: {text}",
            op.name
        );
        assert_eq!(err.status(), Some(status), "{label} {}: {text}", op.name);
        assert!(
            text.contains("redirects are not followed")
                && text.contains(&format!("a redirect to {target_origin}")),
            "{label} {}: {text}",
            op.name
        );
        let write = !matches!(err.operation(), Some(o) if o.ends_with(".get") || o.ends_with(".list") || o.ends_with("get_by_external_id") || o.ends_with("get_by_slug"));
        if op.writes && write {
            assert!(
                text.contains("its body were not re-sent"),
                "{label} {}: {text}",
                op.name
            );
        }
        for secret in SECRETS {
            assert!(!text.contains(secret), "{label} {}: {text}", op.name);
        }
        assert_eq!(
            requests() - before,
            1,
            "{label} {}: the redirect was retried or followed at its origin",
            op.name
        );
    }
}

#[tokio::test]
async fn no_redirect_is_followed_to_another_origin_for_any_operation() {
    let other = TestServer::from_fn(|_| Reply::json(200, "{}")).await;
    let other_port = other.addr().port();
    let targets = [
        (
            format!("http://127.0.0.1:{other_port}/v1/customers"),
            format!("http://127.0.0.1:{other_port}"),
        ),
        (
            format!("http://localhost:{other_port}/v1/customers"),
            format!("http://localhost:{other_port}"),
        ),
        (
            "https://billing.example.net/v1/customers".to_owned(),
            "https://billing.example.net".to_owned(),
        ),
    ];
    for status in STATUSES {
        for (location, origin) in &targets {
            let location = location.clone();
            let first =
                TestServer::from_fn(move |_| Reply::status(status).header("location", &location))
                    .await;
            let ops = every_operation(&first.url(), retrying());
            let label = format!("{status} → {origin}");
            every_operation_is_refused(&label, &ops, status, &|| first.request_count(), origin)
                .await;
        }
    }
    assert_eq!(other.request_count(), 0, "the other origin was reached");
}

#[tokio::test]
async fn a_redirect_within_the_same_origin_is_not_followed_either() {
    // A relative `Location` on the same server: still one request per call, none to the new path.
    for status in STATUSES {
        let first =
            TestServer::from_fn(move |_| Reply::status(status).header("location", "/elsewhere"))
                .await;
        let origin = format!("http://127.0.0.1:{}", first.addr().port());
        let ops = every_operation(&first.url(), retrying());
        every_operation_is_refused(
            &format!("{status} → /elsewhere"),
            &ops,
            status,
            &|| first.request_count(),
            &origin,
        )
        .await;
        assert!(
            first
                .requests()
                .iter()
                .all(|r| !r.path.contains("elsewhere")),
            "{status}: the relative redirect was followed"
        );
    }
}

/// An `https` server on 127.0.0.1 (certificate for `localhost`, trusted by the test's client only) that answers
/// every request with `status` and `Location: location`, counting requests.
struct TlsRedirector {
    addr: SocketAddr,
    certificate: CertificateDer<'static>,
    requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TlsRedirector {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn tls_redirector(status: u16, location: String) -> TlsRedirector {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let certificate = generated.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(generated.key_pair.serialize_der()));
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certificate.clone()], key)
            .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&requests);
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let counted = Arc::clone(&counted);
            let location = location.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                // Read the head (the body, if any, is left unread: the answer does not depend on it).
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                counted.fetch_add(1, Ordering::SeqCst);
                let answer = format!(
                    "HTTP/1.1 {status} Redirect\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    TlsRedirector {
        addr,
        certificate,
        requests,
        task,
    }
}

#[tokio::test]
async fn an_https_base_redirecting_to_plain_http_sends_nothing_in_clear() {
    let other = TestServer::from_fn(|_| Reply::json(200, "{}")).await;
    let plain = format!("http://127.0.0.1:{}", other.addr().port());
    for status in STATUSES {
        let tls = tls_redirector(status, format!("{plain}/v1/customers")).await;
        let base = Url::parse(&format!("https://localhost:{}/", tls.addr.port())).unwrap();
        let certificate = reqwest::Certificate::from_der(&tls.certificate).unwrap();
        let addr = tls.addr;
        let configure: Configure = Arc::new(move |b| {
            b.retry_policy(RetryPolicy::default())
                .sleeper(RecordingSleeper::default())
                .client_builder(
                    reqwest::Client::builder()
                        .add_root_certificate(certificate.clone())
                        .resolve("localhost", addr),
                )
        });
        let ops = every_operation(&base, configure);
        let requests = Arc::clone(&tls.requests);
        every_operation_is_refused(
            &format!("https {status} → {plain}"),
            &ops,
            status,
            &|| requests.load(Ordering::SeqCst),
            &plain,
        )
        .await;
    }
    assert_eq!(other.request_count(), 0, "a request went out in clear text");
}
