//! Timeouts, the deadline and body caps against a misbehaving loopback server (short real timeouts; no
//! duration is asserted).

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::Rig;
use unibill_core::{Error, ErrorKind};
use unibill_http::{AmbiguousCause, ErrorResponse, Request, RetryReason, Safety};
use unibill_testkit::{Fault, Reply};

const MS: Duration = Duration::from_millis(1);

fn get() -> Request {
    Request::get("things.get", "/v1/things").path(["v1", "things"])
}

fn post() -> Request {
    Request::post("things.create", "/v1/things")
        .path(["v1", "things"])
        .json(&serde_json::json!({"a": 1}))
        .unwrap()
}

async fn rig() -> Rig {
    Rig::new(|_| Reply::json(200, r#"{"ok":true}"#)).await
}

#[tokio::test]
async fn a_stalled_server_ends_in_timeout_for_safe() {
    let rig = rig().await;
    rig.server.push_faults(Fault::Stall, 10);
    let exec = rig
        .builder()
        .attempt_timeout(300 * MS)
        .deadline(1000 * MS)
        .build()
        .unwrap();
    let err = exec
        .send_json::<serde_json::Value>(get(), Safety::Safe)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(
        rig.server.request_count() >= 2,
        "attempt timeouts are retried"
    );
    assert!(
        rig.observer
            .events()
            .iter()
            .all(|e| e.reason == RetryReason::Ambiguous(AmbiguousCause::AttemptTimeout))
    );
}

#[tokio::test]
async fn a_stalled_server_ends_in_outcome_unknown_for_unsafe() {
    let rig = rig().await;
    rig.server.push_faults(Fault::Stall, 10);
    let exec = rig
        .builder()
        .attempt_timeout(500 * MS)
        .deadline(Duration::from_secs(5))
        .build()
        .unwrap();
    let err = exec
        .send_json::<serde_json::Value>(post(), Safety::Unsafe)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(rig.server.request_count(), 1);
}

#[tokio::test]
async fn the_deadline_on_an_unsafe_write_is_outcome_unknown_with_the_timeout_as_source() {
    let rig = rig().await;
    rig.server.push_faults(Fault::Stall, 10);
    let exec = rig
        .builder()
        .attempt_timeout(Duration::from_secs(10))
        .deadline(500 * MS)
        .build()
        .unwrap();
    let err = exec
        .send_json::<serde_json::Value>(post(), Safety::Unsafe)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    let source = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<Error>())
        .expect("the timeout as source");
    assert_eq!(source.kind(), ErrorKind::Timeout);
    assert_eq!(rig.server.request_count(), 1);
}

#[tokio::test]
async fn a_body_that_stalls_after_the_headers_times_out() {
    let rig = rig().await;
    rig.server.push_fault(Fault::StallBody {
        status: http::StatusCode::OK,
    });
    let exec = rig
        .builder()
        .attempt_timeout(500 * MS)
        .deadline(Duration::from_secs(5))
        .build()
        .unwrap();
    let out = exec
        .send_json::<serde_json::Value>(get(), Safety::Safe)
        .await
        .unwrap();
    assert_eq!(out["ok"], true);
    assert_eq!(rig.server.request_count(), 2);
}

fn capture_table(seen: Arc<Mutex<Vec<(usize, bool)>>>) -> impl Fn(&ErrorResponse) -> Error {
    move |answer: &ErrorResponse| {
        seen.lock()
            .unwrap()
            .push((answer.body.len(), answer.truncated));
        Error::new(ErrorKind::InvalidInput, "bad").with_provider_code("bad")
    }
}

#[tokio::test]
async fn an_endless_error_body_is_cut_at_the_cap() {
    let rig = rig().await;
    rig.server.push_fault(Fault::endless(400));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let exec = rig
        .builder()
        .error_body_cap(64 * 1024)
        .error_table(capture_table(seen.clone()))
        .build()
        .unwrap();
    let err = exec
        .send_json::<serde_json::Value>(get(), Safety::Safe)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(*seen.lock().unwrap(), vec![(64 * 1024, true)]);
    // The server stopped being read: far less than it would send for ever went out (socket buffers hold some).
    assert!(rig.server.streamed_body_bytes() < 64 * 1024 * 1024);
}

#[tokio::test]
async fn an_oversized_error_body_is_cut_and_a_small_one_is_whole() {
    let rig = rig().await;
    rig.server.push_fault(Fault::oversized(422, 200 * 1024));
    rig.server.push_fault(Fault::oversized(422, 1000));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let exec = rig
        .builder()
        .error_table(capture_table(seen.clone()))
        .build()
        .unwrap();
    for _ in 0..2 {
        exec.send_json::<serde_json::Value>(get(), Safety::Safe)
            .await
            .unwrap_err();
    }
    assert_eq!(
        *seen.lock().unwrap(),
        vec![(64 * 1024, true), (1000, false)]
    );
}

#[tokio::test]
async fn an_oversized_success_body_is_decode() {
    let rig = rig().await;
    rig.server.push_fault(Fault::oversized(200, 100 * 1024));
    let exec = rig.builder().success_body_cap(32 * 1024).build().unwrap();
    let err = exec
        .send_json::<serde_json::Value>(get(), Safety::Safe)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(rig.server.request_count(), 1);
}

#[tokio::test]
async fn a_uri_the_http_stack_cannot_build_is_invalid_input_never_sent_nor_retried() {
    // With the executor's own URL limit lifted, a 70,000-byte segment reaches the HTTP stack, which cannot
    // represent it as a URI: that is a request never sent, not a lost connection.
    let rig = rig().await;
    let exec = rig.builder().max_url_len(usize::MAX).build().unwrap();
    for (request, safety) in [
        (
            Request::get("things.get", "/v1/things/{id}").path([
                "v1",
                "things",
                &"x".repeat(70_000),
            ]),
            Safety::Safe,
        ),
        (
            Request::delete("things.delete", "/v1/things/{id}").path([
                "v1",
                "things",
                &"x".repeat(70_000),
            ]),
            Safety::Unsafe,
        ),
    ] {
        let err = exec
            .send_json::<serde_json::Value>(request, safety)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains("nothing was sent"), "{err}");
    }
    assert_eq!(rig.server.request_count(), 0);
    assert!(rig.observer.events().is_empty(), "retried");
}

#[tokio::test]
async fn a_url_over_the_limit_names_the_longest_parameter() {
    let rig = rig().await;
    let exec = rig.builder().max_url_len(2048).build().unwrap();
    let long = Request::get("things.list", "/v1/things")
        .path(["v1", "things"])
        .query("filter", "f".repeat(4096));
    let err = exec
        .send_json::<serde_json::Value>(long, Safety::Safe)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(err.field_errors()[0].field, "filter", "{err}");
    let long = Request::get("things.get", "/v1/things/{thing_id}").path([
        "v1",
        "things",
        &"t".repeat(4096),
    ]);
    let err = exec
        .send_json::<serde_json::Value>(long, Safety::Safe)
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field, "thing_id", "{err}");
    assert_eq!(rig.server.request_count(), 0);
}
