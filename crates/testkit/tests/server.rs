//! The loopback server's own behaviour: request log, connection count, every fault, axum routers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use unibill_testkit::{Fault, Reply, TestServer};

fn counting_server(hits: Arc<AtomicUsize>) -> impl Fn(&unibill_testkit::RecordedRequest) -> Reply {
    move |_| {
        hits.fetch_add(1, Ordering::SeqCst);
        Reply::json(201, r#"{"id":"1"}"#)
    }
}

#[tokio::test]
async fn records_requests_and_counts_connections() {
    let server = TestServer::from_fn(|_| Reply::status(204)).await;
    let client = reqwest::Client::new();
    for _ in 0..3 {
        client
            .post(server.url().join("v1/things?limit=5&q=a%20b").unwrap())
            .header("x-test", "yes")
            .body("hello")
            .send()
            .await
            .unwrap();
    }
    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].path, "/v1/things");
    assert_eq!(
        seen[0].query_pairs(),
        vec![("limit".into(), "5".into()), ("q".into(), "a b".into())]
    );
    assert_eq!(seen[0].header("x-test"), Some("yes"));
    assert_eq!(seen[0].body_text(), "hello");
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn scripted_replies_come_first_then_the_handler() {
    let server = TestServer::from_fn(|_| Reply::status(200)).await;
    server.push_faults(Reply::status(429).header("retry-after", "7"), 2);
    let url = server.url();
    let a = reqwest::get(url.clone()).await.unwrap();
    assert_eq!(a.status(), 429);
    assert_eq!(a.headers()["retry-after"], "7");
    assert_eq!(reqwest::get(url.clone()).await.unwrap().status(), 429);
    assert_eq!(reqwest::get(url).await.unwrap().status(), 200);
    assert_eq!(server.pending_faults(), 0);
}

#[tokio::test]
async fn close_before_handling_does_not_run_the_handler() {
    let hits = Arc::new(AtomicUsize::new(0));
    let server = TestServer::from_fn(counting_server(hits.clone())).await;
    server.push_fault(Fault::CloseBeforeHandling);
    let err = reqwest::Client::new()
        .post(server.url())
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_connect());
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn close_after_handling_runs_the_handler_and_loses_the_answer() {
    let hits = Arc::new(AtomicUsize::new(0));
    let server = TestServer::from_fn(counting_server(hits.clone())).await;
    server.push_fault(Fault::CloseAfterHandling);
    let client = reqwest::Client::new();
    client.post(server.url()).send().await.unwrap_err();
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    // The next request gets a new connection and a normal answer.
    assert_eq!(
        client.post(server.url()).send().await.unwrap().status(),
        201
    );
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn stall_never_answers() {
    let server = TestServer::from_fn(|_| Reply::status(200)).await;
    server.push_fault(Fault::Stall);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = client.get(server.url()).send().await.unwrap_err();
    assert!(err.is_timeout());
}

#[tokio::test]
async fn oversized_body_has_its_length_and_endless_body_goes_on() {
    let server = TestServer::from_fn(|_| Reply::status(200)).await;
    server.push_fault(Fault::oversized(500, 100_000));
    let body = reqwest::get(server.url())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.len(), 100_000);

    server.push_fault(Fault::endless(200));
    let mut response = reqwest::get(server.url()).await.unwrap();
    let mut read = 0;
    while read < 1_000_000 {
        read += response
            .chunk()
            .await
            .unwrap()
            .expect("an endless body")
            .len();
    }
    drop(response);
    assert!(server.streamed_body_bytes() >= 1_100_000);
}

#[tokio::test]
async fn delay_then_the_handler() {
    let server = TestServer::from_fn(|_| Reply::status(202)).await;
    server.push_fault(Fault::Delay(Duration::from_millis(10)));
    assert_eq!(reqwest::get(server.url()).await.unwrap().status(), 202);
}

#[tokio::test]
async fn axum_routers_plug_in() {
    let router = Router::new().route(
        "/v1/echo",
        post(|body: String| async move { format!("echo:{body}") }),
    );
    let server = TestServer::router(router).await;
    let text = reqwest::Client::new()
        .post(server.url().join("v1/echo").unwrap())
        .body("hi")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "echo:hi");
    assert_eq!(server.requests()[0].body_text(), "hi");
}

#[tokio::test]
async fn a_fault_source_chooses_after_the_queue_by_index_and_request() {
    let server = TestServer::from_fn(|_| Reply::status(200)).await;
    server.push_fault(Fault::status(418));
    server.set_fault_source(|req, index| {
        (index % 2 == 1 || req.path == "/boom").then(|| Fault::status(503))
    });
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for path in ["a", "b", "c", "d", "boom"] {
        let url = server.url().join(path).unwrap();
        statuses.push(client.get(url).send().await.unwrap().status().as_u16());
    }
    // Index 0 takes the queued fault; then odd indexes and `/boom` (index 4) take the source's.
    assert_eq!(statuses, [418, 503, 200, 503, 503]);
    server.clear_fault_source();
    let url = server.url().join("boom").unwrap();
    assert_eq!(client.get(url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn cut_body_after_handling_runs_the_handler_and_sends_a_complete_short_answer() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let server = TestServer::from_fn(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Reply::json(201, r#"{"id":"thing_1","name":"a thing"}"#)
    })
    .await;
    server.push_fault(Fault::CutBodyAfterHandling { keep: 8 });
    let response = reqwest::Client::new()
        .post(server.url())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.bytes().await.unwrap(), r#"{"id":"t"#);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn break_body_after_handling_sends_the_status_and_a_piece_then_breaks() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let server = TestServer::from_fn(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Reply::json(201, r#"{"id":"thing_1","name":"a thing"}"#)
    })
    .await;
    server.push_fault(Fault::BreakBodyAfterHandling { keep: 8 });
    let mut response = reqwest::Client::new()
        .post(server.url())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.chunk().await.unwrap().unwrap(), r#"{"id":"t"#);
    assert!(response.chunk().await.is_err(), "the body breaks off");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
