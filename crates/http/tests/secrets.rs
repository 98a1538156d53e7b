//! The planted API key and body secrets appear nowhere: not in TRACE logs of calls failing in every way, not in
//! errors, not in `Debug`.

mod support;

use std::time::Duration;

use secrecy::SecretString;
use support::{API_KEY, BODY_SECRET, Customer, Customers, Rig};
use unibill_core::{Error, ErrorKind, Result};
use unibill_http::{HttpExecutor, Lookup, Request, RetryPolicy, Safety};
use unibill_testkit::encoded::{Encoding, error_leaks, log_leaks};
use unibill_testkit::{Fault, Reply, TraceCapture};

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
    let capture = TraceCapture::start();

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

    let log = capture.finish();
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

/// A connection secret with what Go's JSON encoder escapes (`&`, `<`, `>`), a space (`+` in a form) and bytes
/// whose base64 holds `+` and `/` at every alignment (so the URL-safe alphabet differs).
const ODD_SECRET: &str = "PLANTED pass&word<x>?~~~";

/// Every planted value, and the marker they share (a partial leak of one of them fails too).
const NEEDLES: [&str; 4] = [API_KEY, BODY_SECRET, ODD_SECRET, "PLANTED"];

/// Panics naming every text of `errors` and line of `log` that holds a planted value in any encoding.
fn assert_nothing_leaks(encoding: Encoding, errors: &[(&str, Error)], log: &str) {
    let mut leaks: Vec<String> = errors
        .iter()
        .flat_map(|(call, err)| error_leaks(call, err, &NEEDLES))
        .collect();
    leaks.extend(log_leaks(log, &NEEDLES));
    assert!(
        leaks.is_empty(),
        "{}: {} leaks:\n{}",
        encoding.name(),
        leaks.len(),
        leaks.join("\n")
    );
}

/// A create carrying both body secrets.
fn secret_create(path: &'static str) -> Request {
    Request::post("connections.create", "/v1/{path}")
        .path(["v1", path])
        .json(&serde_json::json!({ "secret": BODY_SECRET, "odd": ODD_SECRET }))
        .unwrap()
        .secret(SecretString::from(BODY_SECRET))
        .secret(SecretString::from(ODD_SECRET))
}

/// What a 2xx answer decodes into: a number where the provider echoes a string.
#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Counted {
    count: u64,
}

/// A provider echoing the key and both body secrets in `encoding` everywhere it can: a parsed JSON error body and
/// a request id header, an unparsed text body, a body cut at the cap mid-secret, a 2xx whose decode error quotes
/// the echo, and a `Reconcile` lookup (which does not carry the create's secrets) failing with an echo that ends
/// up in the create's source chain. No error text and no TRACE log line may hold any of them.
async fn echoed_in(encoding: Encoding) {
    let (key, secret, odd) = (
        encoding.encode(API_KEY),
        encoding.encode(BODY_SECRET),
        encoding.encode(ODD_SECRET),
    );
    let said = format!("bad key {key} with {secret} and {odd}");
    let json = format!(r#"{{"code":"validation_error","message":"{said}"}}"#);
    let request_id = format!("req_1 [{key}] [{odd}]");
    let capture = TraceCapture::start();

    let handler_said = said.clone();
    let rig = Rig::new(move |r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/v1/parsed") => {
            Reply::json(400, json.clone()).header("x-request-id", &request_id)
        }
        ("POST", "/v1/text") => Reply::status(422).body(handler_said.clone()),
        ("POST", "/v1/decode") => Reply::json(200, format!(r#"{{"count":"{handler_said}"}}"#)),
        ("GET", "/v1/lookup") => Reply::json(400, json.clone()),
        _ => Reply::status(404),
    })
    .await;
    let exec = rig.builder().error_body_cap(1000).build().unwrap();
    let mut errors = Vec::new();

    let err = exec
        .send_json::<serde_json::Value>(secret_create("parsed"), Safety::Unsafe)
        .await
        .unwrap_err();
    errors.push(("parsed JSON error with a request id", err));

    let err = exec
        .send_json::<serde_json::Value>(secret_create("text"), Safety::Unsafe)
        .await
        .unwrap_err();
    errors.push(("unparsed text error", err));

    rig.server.push_fault(Fault::EndlessBody {
        status: http::StatusCode::BAD_REQUEST,
        chunk: format!("{key}{secret}{odd}xyz").into(),
    });
    let err = exec
        .send_json::<serde_json::Value>(secret_create("text"), Safety::Unsafe)
        .await
        .unwrap_err();
    errors.push(("error body cut at the cap", err));

    let err = exec
        .send_json::<Counted>(secret_create("decode"), Safety::Unsafe)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");
    errors.push(("2xx decode error", err));

    rig.server.push_fault(Fault::status(503));
    let err = exec
        .send_json::<serde_json::Value>(
            secret_create("parsed"),
            Safety::reconcile(|| async {
                let found: serde_json::Value = exec
                    .send_json(
                        Request::get("connections.list", "/v1/lookup").path(["v1", "lookup"]),
                        Safety::Safe,
                    )
                    .await?;
                Ok(Lookup::Found(found))
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err:?}");
    assert!(
        std::error::Error::source(&err).is_some(),
        "the lookup's error is the source"
    );
    errors.push(("failed lookup in the source chain", err));

    let log = capture.finish();
    assert!(log.contains("unibill.http"), "tracing was captured");
    assert_nothing_leaks(encoding, &errors, &log);

    // Scrubbing keeps what is not secret: the body still parses, the echo's place is marked, the id is kept.
    let parsed = &errors[0].1;
    assert_eq!(
        parsed.kind(),
        ErrorKind::InvalidInput,
        "the scrubbed body parses: {parsed:?}"
    );
    assert_eq!(parsed.provider_code(), Some("validation_error"));
    // (A secret inside a larger base64 blob leaves the blob's other characters around its mark.)
    let message = parsed.message();
    assert!(message.starts_with("bad key "), "{parsed}");
    assert_eq!(message.matches("[REDACTED]").count(), 3, "{parsed}");
    let id = parsed.request_id().unwrap_or_default();
    assert!(id.starts_with("req_1 ["), "{parsed:?}");
    assert_eq!(id.matches("[REDACTED]").count(), 2, "{parsed:?}");
    if !matches!(
        encoding,
        Encoding::Base64InBlobAtOffset1 | Encoding::Base64InBlobAtOffset2
    ) {
        assert_eq!(message, "bad key [REDACTED] with [REDACTED] and [REDACTED]");
        assert_eq!(id, "req_1 [[REDACTED]] [[REDACTED]]");
    }
}

/// One test per [`Encoding`]: the key and the request's secrets echoed in it reach no error text and no log line.
mod echoed {
    use super::*;

    macro_rules! per_encoding {
        ($($name:ident),* $(,)?) => {$(
            #[allow(non_snake_case)]
            #[tokio::test(flavor = "current_thread")]
            async fn $name() {
                echoed_in(Encoding::$name).await;
            }
        )*};
    }

    per_encoding!(
        Raw,
        JsonOneEscape,
        JsonEveryCharUpper,
        GoHtmlSafe,
        PercentEveryByteUpper,
        PercentEveryByteLower,
        FormUrlencoded,
        Base64Standard,
        Base64StandardUnpadded,
        Base64UrlSafe,
        Base64UrlSafeUnpadded,
        Base64InBlobAtOffset1,
        Base64InBlobAtOffset2,
    );
}
