//! [`CallDeadline`](unibill_http::CallDeadline): the requests an adapter sends after the executor's own (a
//! lookup after a conflict) end within the call's one deadline, over real HTTP on 127.0.0.1.

use std::time::Duration;

use unibill_core::{ErrorKind, Result};
use unibill_http::{HttpExecutor, Request, Safety};
use unibill_testkit::{Fault, Reply, TestServer};

fn executor(server: &TestServer, deadline: Duration) -> HttpExecutor {
    HttpExecutor::builder("example", server.url())
        .attempt_timeout(Duration::from_secs(3600))
        .deadline(deadline)
        .build()
        .unwrap()
}

fn lookup(exec: &HttpExecutor) -> impl Future<Output = Result<serde_json::Value>> + '_ {
    exec.send_json(
        Request::get("things.get", "/things/{id}").path(["things", "t_1"]),
        Safety::Safe,
    )
}

#[tokio::test]
async fn a_passed_call_deadline_sends_nothing() {
    let server = TestServer::from_fn(|_| Reply::json(200, "{}")).await;
    let exec = executor(&server, Duration::ZERO);
    let deadline = exec.call_deadline();
    let err = deadline
        .run("things.lookup", lookup(&exec))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.operation(), Some("things.lookup"));
    assert_eq!(err.provider(), Some("example"));
    assert_eq!(
        server.request_count(),
        0,
        "not started once the deadline passed"
    );
}

#[tokio::test]
async fn a_lookup_that_never_answers_ends_with_the_call_deadline() {
    // The lookup's own executor would wait an hour; the call it belongs to has 200 ms.
    let server = TestServer::from_fn(|_| Reply::json(200, "{}")).await;
    server.push_fault(Fault::Stall);
    let patient = executor(&server, Duration::from_secs(3600));
    let deadline = executor(&server, Duration::from_millis(200)).call_deadline();
    let err = deadline
        .run("things.lookup", lookup(&patient))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.operation(), Some("things.lookup"));
    assert!(err.to_string().contains("deadline of 200ms"), "{err}");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn work_within_the_deadline_returns_its_result() {
    let server = TestServer::from_fn(|_| Reply::json(200, r#"{"id":"t_1"}"#)).await;
    let exec = executor(&server, Duration::from_secs(60));
    let deadline = exec.call_deadline();
    let found = deadline.run("things.lookup", lookup(&exec)).await.unwrap();
    assert_eq!(found["id"], "t_1");
    assert!(deadline.remaining() <= Duration::from_secs(60));
}
