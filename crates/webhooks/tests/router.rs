//! The axum router end to end through `tower::ServiceExt::oneshot`: 200 only after the handler succeeded,
//! 500 on a handler failure then 200 on the re-delivery, 200 for a duplicate without calling the handler,
//! 401 for a tampered delivery, 413 for a 10 MB body (declared or streamed), 503 with `Retry-After` while
//! another attempt holds the delivery.

#![cfg(feature = "axum")]

mod common;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Recorder, Shared, World};
use tower::ServiceExt;
use unibill_core::{MemoryLifecycle, WebhookDelivery, WebhookEvent};
use unibill_webhooks::{BoxError, Intake, router};

fn request(d: &WebhookDelivery, body: Vec<u8>) -> Request<Body> {
    let mut builder = Request::post("/").header(header::CONTENT_TYPE, "application/json");
    for (name, value) in d.headers.iter() {
        builder = builder.header(name, value);
    }
    builder.body(Body::from(body)).unwrap()
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, Option<String>, String) {
    let response = app.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        retry_after,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

fn app(world: &World, recorder: &Arc<Recorder>) -> Router {
    Intake::new(world.verifier(), Shared(Arc::clone(recorder)))
        .clock(Arc::new(world.clock.clone()))
        .into_router()
}

#[tokio::test]
async fn answers_200_once_handled_and_200_for_a_duplicate_without_the_handler() {
    let world = World::new();
    let deliveries = world.subscribe_and_cancel().await;
    let recorder = Arc::new(Recorder::default());
    let app = app(&world, &recorder);
    for d in &deliveries {
        let (status, _, body) = send(&app, request(d, d.body.clone())).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "processed"));
        let (status, _, body) = send(&app, request(d, d.body.clone())).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "duplicate"));
        assert_eq!(recorder.count(&d.id), 1);
    }
}

#[tokio::test]
async fn answers_500_when_the_handler_fails_and_200_on_the_re_delivery() {
    let world = World::new();
    let deliveries = world.subscribe_and_cancel().await;
    let recorder = Recorder::failing(1);
    let app = app(&world, &recorder);
    let d = &deliveries[0];
    let (status, _, body) = send(&app, request(d, d.body.clone())).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        !body.contains("database"),
        "the handler's error stays inside: {body}"
    );
    let (status, _, body) = send(&app, request(d, d.body.clone())).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "processed"));
    assert_eq!(recorder.count(&d.id), 1);
}

#[tokio::test]
async fn answers_401_for_a_tampered_delivery_naming_only_the_failed_check() {
    let world = World::new();
    let deliveries = world.subscribe_and_cancel().await;
    let recorder = Arc::new(Recorder::default());
    let app = app(&world, &recorder);
    let d = &deliveries[0];
    let tampered = d.body_text().replace("ada", "eve").into_bytes();
    let (status, _, body) = send(&app, request(d, tampered)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, "unauthenticated: bad signature");
    let unsigned = Request::post("/").body(Body::from(d.body.clone())).unwrap();
    let (status, _, body) = send(&app, unsigned).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthenticated: missing header")
    );
    assert_eq!(recorder.total(), 0);
}

#[tokio::test]
async fn answers_413_for_a_10_mb_body_declared_or_not() {
    let world = World::new();
    let deliveries = world.subscribe_and_cancel().await;
    let recorder = Arc::new(Recorder::default());
    let app = app(&world, &recorder);
    let d = &deliveries[0];
    let huge = vec![b' '; 10 * 1024 * 1024];
    let mut declared = request(d, huge.clone());
    declared
        .headers_mut()
        .insert(header::CONTENT_LENGTH, huge.len().into());
    let (status, _, body) = send(&app, declared).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.contains("1048576-byte limit"), "{body}");
    // No Content-Length: refused while reading, past the limit.
    let stream = futures::stream::iter(
        huge.chunks(64 * 1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let mut streamed = request(d, Vec::new());
    *streamed.body_mut() = Body::from_stream(stream);
    let (status, _, _) = send(&app, streamed).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(recorder.total(), 0);
}

#[tokio::test]
async fn answers_503_with_retry_after_while_another_attempt_holds_the_delivery() {
    let world = World::new();
    let deliveries = world.subscribe_and_cancel().await;
    let log = Arc::new(unibill_webhooks::MemoryDeliveryLog::new());
    let d = &deliveries[0];
    // Another replica claimed it a moment ago.
    let _claim = unibill_webhooks::DeliveryLog::begin(&log, "memory", &d.id)
        .await
        .unwrap();
    let recorder = Arc::new(Recorder::default());
    let app = Intake::new(world.verifier(), Shared(Arc::clone(&recorder)))
        .clock(Arc::new(world.clock.clone()))
        .log(Arc::clone(&log))
        .into_router();
    let (status, retry_after, _) = send(&app, request(d, d.body.clone())).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let seconds: u64 = retry_after.unwrap().parse().unwrap();
    assert!((1..=300).contains(&seconds), "{seconds}");
    assert_eq!(recorder.total(), 0);
}

#[tokio::test]
async fn router_takes_a_verifier_and_a_closure() {
    // On the system clock: the delivery is signed and received now.
    let memory = MemoryLifecycle::new();
    unibill_core::Customers::create(
        &*memory.customers(),
        unibill_core::NewCustomer::builder("ada", "Ada")
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let app = router(
        Arc::new(memory.webhooks()),
        |event: WebhookEvent| async move {
            assert_eq!(event.customer_external_id.as_deref(), Some("ada"));
            Ok::<(), BoxError>(())
        },
    );
    // Mounted where the provider delivers.
    let app = Router::new().nest_service("/webhooks/memory", app);
    let d = memory.deliveries().remove(0);
    let mut post = request(&d, d.body.clone());
    *post.uri_mut() = "/webhooks/memory".parse().unwrap();
    let (status, _, body) = send(&app, post).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "processed"));
    let get = Request::get("/webhooks/memory")
        .body(Body::empty())
        .unwrap();
    let (status, _, _) = send(&app, get).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}
