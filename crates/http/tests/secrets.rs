//! The planted API key and body secrets appear nowhere: not in TRACE logs of calls failing in every way, not in
//! errors, not in `Debug`.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::SecretString;
use support::{API_KEY, BODY_SECRET, Customer, Customers, Rig};
use unibill_core::{Error, ErrorKind, Result};
use unibill_http::{HttpExecutor, Lookup, Request, RetryPolicy, Safety};
use unibill_testkit::{Fault, Reply};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// An error body that echoes both secrets (as a careless provider might).
fn echo_body() -> String {
    format!(r#"{{"code":"bad","message":"key {API_KEY} and {BODY_SECRET} rejected"}}"#)
}

fn echo_unparsed() -> String {
    format!("upstream said {API_KEY} / {BODY_SECRET}")
}

fn request() -> Request {
    Request::post("connections.create", "/v1/connections")
        .path(["v1", "connections"])
        .json(&serde_json::json!({ "secret": BODY_SECRET }))
        .unwrap()
        .secret(SecretString::from(BODY_SECRET))
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(API_KEY), "{what} leaks the API key: {text}");
    assert!(
        !text.contains(BODY_SECRET),
        "{what} leaks the body secret: {text}"
    );
    assert!(
        !text.contains("PLANTED"),
        "{what} leaks part of a secret: {text}"
    );
}

fn check_error(err: &Error) {
    assert_clean("Display", &err.to_string());
    assert_clean("Debug", &format!("{err:?}"));
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert_clean("source", &format!("{s} {s:?}"));
        source = s.source();
    }
}

async fn failing_calls(rig: &Rig, exec: &HttpExecutor, stall_exec: &HttpExecutor) -> Vec<Error> {
    let mut errors = Vec::new();
    let mut run = |r: Result<serde_json::Value>| errors.push(r.expect_err("the call should fail"));
    let server = &rig.server;

    // A final 4xx echoing the secrets.
    server.push_fault(Reply::json(400, echo_body()));
    run(exec.send_json(request(), Safety::Safe).await);
    // 429 beyond max_retry_after.
    server.push_fault(Reply::json(429, echo_body()).header("retry-after", "100000"));
    run(exec.send_json(request(), Safety::Unsafe).await);
    // 503 on Unsafe, unparsed body.
    server.push_fault(Reply::status(503).body(echo_unparsed()));
    run(exec.send_json(request(), Safety::Unsafe).await);
    // 500 with a parsed code.
    server.push_fault(Reply::json(500, echo_body()));
    run(exec.send_json(request(), Safety::Safe).await);
    // 500 unparsed, retried until exhausted.
    server.push_faults(Reply::status(500).body(echo_unparsed()), 3);
    run(exec.send_json(request(), Safety::Safe).await);
    // Answer lost after apply, on Unsafe.
    server.push_fault(Fault::CloseAfterHandling);
    run(exec.send_json(request(), Safety::Unsafe).await);
    // Endless body repeating the secrets, cut mid-secret at the cap.
    server.push_fault(Fault::EndlessBody {
        status: http::StatusCode::BAD_REQUEST,
        chunk: format!("{API_KEY}{BODY_SECRET}xyz").into(),
    });
    run(exec.send_json(request(), Safety::Safe).await);
    // A success that does not decode (and carries the secrets).
    server.push_fault(Reply::json(200, echo_unparsed()));
    run(exec.send_json(request(), Safety::Safe).await);
    // A stalled server, last and on its own executor with a short attempt timeout: only this call may time
    // out, so a slow machine cannot turn another call's attempt into a retry that eats the next call's fault.
    server.push_fault(Fault::Stall);
    run(stall_exec.send_json(request(), Safety::Unsafe).await);
    errors
}

#[tokio::test]
async fn secrets_appear_in_no_log_error_or_debug() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(capture.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let rig = Rig::new(|_| Reply::json(200, r#"{"ok":true}"#)).await;
    let exec = rig
        .builder()
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_max_retry_after(Duration::from_secs(60)),
        )
        .error_body_cap(1000)
        .attempt_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let stall_exec = rig
        .builder()
        .retry_policy(RetryPolicy::default().with_max_attempts(3))
        .attempt_timeout(Duration::from_millis(100))
        .build()
        .unwrap();

    let mut errors = failing_calls(&rig, &exec, &stall_exec).await;

    // A NaturalKey create whose replay conflicts with someone else's resource, and a refused connection.
    let customers = Customers::default();
    customers.rows.lock().unwrap().push(Customer {
        id: "cust_x".into(),
        external_id: "ext".into(),
        name: BODY_SECRET.into(),
    });
    let handler = customers.clone();
    let rig2 = Rig::new(move |r| handler.handle(r)).await;
    let exec2 = rig2.exec();
    rig2.server.push_fault(Fault::status(503));
    let input = Customer {
        id: String::new(),
        external_id: "ext".into(),
        name: "Ada".into(),
    };
    let create = Request::post("customers.create", "/v1/customers")
        .path(["v1", "customers"])
        .json(&input)
        .unwrap();
    let err =
        exec2
            .send_json::<Customer>(
                create,
                Safety::natural_key(|| async {
                    let found: Customer =
                        exec2
                            .send_json(
                                Request::get("customers.get", "/v1/customers/external/{id}")
                                    .path(["v1", "customers", "external", "ext"]),
                                Safety::Safe,
                            )
                            .await?;
                    Ok(if found.name == input.name {
                        Lookup::Found(found)
                    } else {
                        Lookup::Mismatch {
                            existing_id: Some(found.id),
                        }
                    })
                }),
            )
            .await
            .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    errors.push(err);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = HttpExecutor::builder(
        "testprov",
        url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(),
    )
    .auth(
        "x-api-key".parse().unwrap(),
        "",
        SecretString::from(API_KEY),
    )
    .sleeper(rig.sleeper.clone())
    .build()
    .unwrap();
    errors.push(
        refused
            .send_json::<serde_json::Value>(request(), Safety::Unsafe)
            .await
            .unwrap_err(),
    );

    let kinds: Vec<_> = errors.iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        vec![
            ErrorKind::InvalidInput,
            ErrorKind::RateLimited,
            ErrorKind::OutcomeUnknown,
            ErrorKind::Provider,
            ErrorKind::Provider,
            ErrorKind::OutcomeUnknown,
            ErrorKind::InvalidInput,
            ErrorKind::Decode,
            ErrorKind::OutcomeUnknown,
            ErrorKind::AlreadyExists,
            ErrorKind::Transport,
        ]
    );
    for err in &errors {
        check_error(err);
    }
    // The scrubbed message still says something.
    assert!(errors[0].to_string().contains("[REDACTED]"));

    drop(_guard);
    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("unibill.http"), "spans were logged: {log}");
    assert!(log.contains("connections.create"));
    assert!(log.contains("/v1/connections"));
    assert!(log.contains("status=503"));
    assert_clean("the TRACE log", &log);
}

#[test]
fn debug_of_executor_builder_and_request_shows_no_secret() {
    let builder = HttpExecutor::builder(
        "testprov",
        url::Url::parse("https://api.example.com/v1").unwrap(),
    )
    .bearer_auth(SecretString::from(API_KEY));
    assert_clean("builder Debug", &format!("{builder:?}"));
    let exec = builder.build().unwrap();
    let text = format!("{exec:?}");
    assert_clean("executor Debug", &text);
    assert!(text.contains("authorization"));
    assert_clean("request Debug", &format!("{:?}", request()));
    let safety: Safety<'_, ()> = Safety::reconcile(|| async { Ok(Lookup::Missing) });
    assert_eq!(format!("{safety:?}"), "reconcile");
}
