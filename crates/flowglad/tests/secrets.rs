//! The secret key never shows: not in `Debug` of config or client, not in errors (even when a body echoes it),
//! not in TRACE logs.

mod support;

use support::{KEY, answering, assert_no_key, client};
use unibill_core::{CustomerId, Customers, ErrorKind, NewCustomer, PriceId, Prices};
use unibill_flowglad::FlowgladConfig;
use unibill_testkit::encoded::{Encoding, error_leaks, log_leaks};
use unibill_testkit::{Reply, TraceCapture};

#[test]
fn debug_never_shows_the_key() {
    let config = FlowgladConfig::builder(KEY).build().unwrap();
    for text in [
        format!("{config:?}"),
        format!("{:?}", FlowgladConfig::builder(KEY)),
        format!("{:?}", client("http://127.0.0.1:9/")),
        format!(
            "{:?}",
            unibill_flowglad::FlowgladClient::builder(config.clone())
        ),
    ] {
        assert!(!text.contains(KEY), "{text}");
        assert!(!text.contains("PLANTED"), "{text}");
    }
}

#[tokio::test]
async fn errors_and_traces_never_show_the_key() {
    let capture = TraceCapture::start();

    // A careless answer echoing the key, as JSON and as text.
    let echo_json =
        format!(r#"{{"error":"key {KEY} refused","code":"UNAUTHORIZED","request_id":"1"}}"#);
    let (_s, c) = answering(move |_| Reply::json(401, echo_json.clone())).await;
    assert_no_key(&Prices::get(&c, PriceId::new("p")).await.unwrap_err());

    let echo_text = format!("API key invalid: {KEY}");
    let (_s, c) = answering(move |_| Reply::status(401).body(echo_text.clone())).await;
    let err = Customers::create(
        &c,
        NewCustomer::builder("u", "n")
            .email("a@b.co")
            .build()
            .unwrap(),
    )
    .await
    .unwrap_err();
    assert_no_key(&err);

    let (_s, c) = answering(|_| Reply::status(503)).await;
    assert_no_key(&Prices::get(&c, PriceId::new("p")).await.unwrap_err());

    let logs = capture.text();
    assert!(!logs.is_empty(), "the executor traced the calls");
    assert!(!logs.contains(KEY) && !logs.contains("PLANTED"), "{logs}");
}

/// Flowglad echoing the key in each encoding ([`Encoding::ALL`]) everywhere it can: zod issues (field errors
/// and message) with a request id header, a plain-text 401, a JSON 404 with the echo as its `request_id`, and a
/// 2xx whose decode error quotes the echo. No error text and no TRACE log line holds it.
#[tokio::test]
async fn the_key_echoed_in_any_encoding_reaches_no_error_or_log() {
    let capture = TraceCapture::start();
    let needles = [KEY, "PLANTED"];
    let mut leaks = Vec::new();
    for encoding in Encoding::ALL {
        let key = encoding.encode(KEY);
        let issues = format!(
            r#"{{"error":[{{"message":"key {key} refused","path":["customer","{key}"]}}],"code":"BAD_REQUEST"}}"#
        );
        let id = format!("req_1 [{key}]");
        let (server, c) = answering(move |r| match (r.method.as_str(), r.path.as_str()) {
            ("POST", _) => Reply::json(400, issues.clone()).header("x-request-id", &id),
            ("GET", "/api/v1/prices/p") => {
                Reply::status(401).body(format!("API key invalid: {key}"))
            }
            ("GET", "/api/v1/customers/missing") => Reply::json(
                404,
                format!(r#"{{"error":"no customer","request_id":"{key}"}}"#),
            ),
            ("GET", _) => Reply::json(200, format!(r#"{{"customer":"{key}"}}"#)),
            _ => Reply::status(404),
        })
        .await;
        let input = NewCustomer::builder("u", "n")
            .email("a@b.co")
            .build()
            .unwrap();
        let errors = [
            (
                "zod issues",
                Customers::create(&c, input).await.unwrap_err(),
            ),
            (
                "text",
                Prices::get(&c, PriceId::new("p")).await.unwrap_err(),
            ),
            (
                "request id in the body",
                Customers::get(&c, CustomerId::new("missing"))
                    .await
                    .unwrap_err(),
            ),
            (
                "2xx decode",
                Customers::get(&c, CustomerId::new("cus_1"))
                    .await
                    .unwrap_err(),
            ),
        ];
        assert_eq!(
            errors[0].1.kind(),
            ErrorKind::InvalidInput,
            "{:?}",
            errors[0].1
        );
        assert!(!errors[0].1.field_errors().is_empty(), "{:?}", errors[0].1);
        assert!(errors[2].1.request_id().is_some(), "{:?}", errors[2].1);
        assert_eq!(errors[3].1.kind(), ErrorKind::Decode, "{:?}", errors[3].1);
        for (call, err) in &errors {
            leaks.extend(error_leaks(
                &format!("{} {call}", encoding.name()),
                err,
                &needles,
            ));
        }
        drop(server);
    }
    let log = capture.text();
    assert!(log.contains("unibill.http"), "tracing was captured");
    leaks.extend(log_leaks(&log, &needles));
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}
