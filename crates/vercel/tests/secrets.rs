//! The token appears nowhere: not in TRACE logs of succeeding and failing calls, not in errors (Display, Debug,
//! sources), not in `Debug` of the client, even when Vercel echoes it in an error body.

mod support;

use support::{TOKEN, canned};
use unibill_core::{Error, ErrorKind, NewStore, StoreId, Stores};
use unibill_testkit::emulators::vercel::seed;
use unibill_testkit::encoded::{Encoding, error_leaks, log_leaks};
use unibill_testkit::{Reply, TraceCapture};

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(TOKEN), "{what} leaks the token: {text}");
    assert!(
        !text.contains("PLANTED"),
        "{what} leaks part of the token: {text}"
    );
}

fn check_error(err: &Error) {
    assert_clean("Display", &err.to_string());
    assert_clean("Debug", &format!("{err:?}"));
    assert_clean(
        "provider message",
        err.provider_message().unwrap_or_default(),
    );
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert_clean("source", &format!("{s} {s:?}"));
        source = s.source();
    }
}

#[tokio::test]
async fn the_token_is_never_logged_or_returned() {
    let capture = TraceCapture::start();

    let echo = format!(
        r#"{{"error":{{"code":"forbidden","message":"token Bearer {TOKEN} may not do this"}}}}"#
    );
    let (_s, client, _) = canned(move |r| match r.method.as_str() {
        "POST" => Reply::json(403, echo.clone()),
        "DELETE" => Reply::json(401, format!("unparsed {TOKEN}")),
        _ => Reply::json(200, support::fixture("create-response-200.json")),
    })
    .await;
    assert_clean("client Debug", &format!("{client:?}"));

    let input = NewStore::builder("db", seed::CONFIGURATION_ID, "neon")
        .build()
        .unwrap();
    let err = client.create(input).await.unwrap_err();
    check_error(&err);
    let err = client.delete(StoreId::new("store_1")).await.unwrap_err();
    check_error(&err);
    client.get(StoreId::new("store_1")).await.unwrap();

    let logs = capture.text();
    assert!(logs.contains("stores.create"), "tracing ran: {logs}");
    assert_clean("logs", &logs);
}

/// Vercel echoing the token in each encoding ([`Encoding::ALL`]) everywhere it can: a parsed 403 (message and
/// missing permissions) with an `x-vercel-id` header, a parsed 400 naming a field, a plain-text 401, and a 2xx
/// whose decode error quotes the echo. No error text and no TRACE log line holds it.
#[tokio::test]
async fn the_token_echoed_in_any_encoding_reaches_no_error_or_log() {
    let capture = TraceCapture::start();
    let needles = [TOKEN, "PLANTED"];
    let mut leaks = Vec::new();
    for encoding in Encoding::ALL {
        let token = encoding.encode(TOKEN);
        let forbidden = format!(
            r#"{{"error":{{"code":"forbidden","message":"token Bearer {token} may not do this","missingPermissions":["{token}"]}}}}"#
        );
        let invalid = format!(
            r#"{{"error":{{"code":"bad_request","message":"Invalid request: `name` should be {token}"}}}}"#
        );
        let vercel_id = format!("fra1::{token}");
        let (_server, client, _) = canned(move |r| match (r.method.as_str(), r.path.as_str()) {
            ("POST", _) if String::from_utf8_lossy(&r.body).contains("bad-name") => {
                Reply::json(400, invalid.clone())
            }
            ("POST", _) => Reply::json(403, forbidden.clone()).header("x-vercel-id", &vercel_id),
            ("DELETE", _) => Reply::status(401).body(format!("unparsed {token}")),
            _ => Reply::json(200, format!(r#"{{"store":"{token}"}}"#)),
        })
        .await;
        let input = |name: &str| {
            NewStore::builder(name, seed::CONFIGURATION_ID, "neon")
                .build()
                .unwrap()
        };
        let errors = [
            ("403", client.create(input("db")).await.unwrap_err()),
            ("400", client.create(input("bad-name")).await.unwrap_err()),
            (
                "401 text",
                client.delete(StoreId::new("store_1")).await.unwrap_err(),
            ),
            (
                "2xx decode",
                client.get(StoreId::new("store_1")).await.unwrap_err(),
            ),
        ];
        assert_eq!(
            errors[0].1.kind(),
            ErrorKind::PermissionDenied,
            "{:?}",
            errors[0].1
        );
        assert!(errors[0].1.request_id().is_some(), "{:?}", errors[0].1);
        assert_eq!(
            errors[1].1.kind(),
            ErrorKind::InvalidInput,
            "{:?}",
            errors[1].1
        );
        assert_eq!(errors[3].1.kind(), ErrorKind::Decode, "{:?}", errors[3].1);
        for (call, err) in &errors {
            leaks.extend(error_leaks(
                &format!("{} {call}", encoding.name()),
                err,
                &needles,
            ));
        }
    }
    let logs = capture.text();
    assert!(logs.contains("stores.create"), "tracing ran");
    leaks.extend(log_leaks(&logs, &needles));
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}
