//! `Retry-After` (seconds, HTTP date) and `retry-after-ms` honoured over real HTTP, waited on a recording sleeper.

mod support;

use std::time::{Duration, SystemTime};

use support::Rig;
use unibill_core::ErrorKind;
use unibill_http::{FixedClock, Request, RetryPolicy, Safety};
use unibill_testkit::Reply;

fn get() -> Request {
    Request::get("things.get", "/v1/things").path(["v1", "things"])
}

async fn rig() -> Rig {
    Rig::new(|_| Reply::json(200, r#"{"ok":true}"#)).await
}

#[tokio::test]
async fn retry_after_seconds_is_waited() {
    let rig = rig().await;
    rig.server
        .push_fault(Reply::status(429).header("Retry-After", "7"));
    rig.exec()
        .send_json::<serde_json::Value>(get(), Safety::Safe)
        .await
        .unwrap();
    assert_eq!(rig.sleeper.delays(), vec![Duration::from_secs(7)]);
    assert_eq!(rig.server.request_count(), 2);
}

#[tokio::test]
async fn retry_after_http_date_is_waited_from_the_clock() {
    let rig = rig().await;
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
    rig.server.push_fault(Reply::status(429).header(
        "Retry-After",
        &httpdate::fmt_http_date(now + Duration::from_secs(7)),
    ));
    rig.builder()
        .clock(FixedClock(now))
        .build()
        .unwrap()
        .send_json::<serde_json::Value>(get(), Safety::Safe)
        .await
        .unwrap();
    assert_eq!(rig.sleeper.delays(), vec![Duration::from_secs(7)]);
}

#[tokio::test]
async fn retry_after_ms_is_waited() {
    let rig = rig().await;
    rig.server
        .push_fault(Reply::status(429).header("retry-after-ms", "250"));
    rig.exec()
        .send_json::<serde_json::Value>(get(), Safety::Unsafe)
        .await
        .unwrap();
    assert_eq!(rig.sleeper.delays(), vec![Duration::from_millis(250)]);
}

#[tokio::test]
async fn retry_after_beyond_the_cap_is_rate_limited() {
    let rig = rig().await;
    rig.server
        .push_fault(Reply::status(429).header("Retry-After", "120"));
    let err = rig
        .builder()
        .retry_policy(RetryPolicy::default().with_max_retry_after(Duration::from_secs(60)))
        .build()
        .unwrap()
        .send_json::<serde_json::Value>(get(), Safety::Safe)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(err.status(), Some(429));
    assert_eq!(rig.server.request_count(), 1);
    assert!(rig.sleeper.delays().is_empty());
}

#[tokio::test]
async fn retry_after_beyond_the_deadline_is_rate_limited() {
    let rig = rig().await;
    rig.server
        .push_fault(Reply::status(429).header("Retry-After", "7"));
    let err = rig
        .builder()
        .deadline(Duration::from_secs(5))
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
        .send_json::<serde_json::Value>(get(), Safety::Safe)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(rig.server.request_count(), 1);
    assert!(rig.sleeper.delays().is_empty());
}

#[tokio::test]
async fn a_wait_from_the_error_table_is_used_without_a_header() {
    // Vercel puts the reset time in the body (`limit.resetMs`); an error table may set `retry_after` itself.
    let rig = rig().await;
    rig.server
        .push_fault(Reply::json(429, r#"{"code":"rate_limited"}"#));
    let exec = rig
        .builder()
        .error_table(|_: &unibill_http::ErrorResponse| {
            unibill_core::Error::new(ErrorKind::RateLimited, "slow down")
                .with_retry_after(Duration::from_secs(3))
        })
        .build()
        .unwrap();
    exec.send_json::<serde_json::Value>(get(), Safety::Safe)
        .await
        .unwrap();
    assert_eq!(rig.sleeper.delays(), vec![Duration::from_secs(3)]);
}

#[tokio::test]
async fn retry_after_on_a_503_lengthens_the_backoff_for_safe() {
    let rig = rig().await;
    rig.server
        .push_fault(Reply::status(503).header("Retry-After", "3"));
    rig.exec()
        .send_json::<serde_json::Value>(get(), Safety::Safe)
        .await
        .unwrap();
    assert_eq!(rig.sleeper.delays(), vec![Duration::from_secs(3)]);
}
