//! Arbitrary bytes as body and headers never panic the intake or the router: a refusal is `Unauthenticated`
//! (or `InvalidInput` over the size cap), answered 401/413/400.

mod common;

use std::sync::Arc;

use proptest::prelude::*;
use unibill_core::{ErrorKind, MemoryLifecycle, WebhookHeaders};
use unibill_webhooks::{BoxError, Intake};

fn intake(memory: &MemoryLifecycle) -> Intake {
    Intake::new(
        Arc::new(memory.webhooks()),
        |_event: unibill_core::WebhookEvent| async { Ok::<(), BoxError>(()) },
    )
    .max_body(4096)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("svix-id".to_owned()),
        Just("svix-timestamp".to_owned()),
        Just("svix-signature".to_owned()),
        Just("webhook-id".to_owned()),
        Just("webhook-signature".to_owned()),
        ".{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_intake_refuses_arbitrary_input_without_panicking(
        body in proptest::collection::vec(any::<u8>(), 0..5000),
        headers in proptest::collection::vec((header_name(), ".{0,40}"), 0..6),
        seconds in any::<i64>(),
    ) {
        let memory = MemoryLifecycle::new();
        let intake = intake(&memory);
        let headers: WebhookHeaders = headers.into_iter().collect();
        let now = unibill_core::Timestamp::from_second(seconds.rem_euclid(4_000_000_000)).unwrap();
        let err = runtime().block_on(intake.handle(&headers, &body, now)).unwrap_err();
        prop_assert!(matches!(err.kind(), ErrorKind::Unauthenticated | ErrorKind::InvalidInput), "{err}");
        prop_assert_eq!(err.kind() == ErrorKind::InvalidInput, body.len() > 4096);
    }
}

#[cfg(feature = "axum")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_router_refuses_arbitrary_input_without_panicking(
        body in proptest::collection::vec(any::<u8>(), 0..5000),
        headers in proptest::collection::vec((header_name(), proptest::collection::vec(any::<u8>(), 0..40)), 0..6),
    ) {
        use axum::body::Body;
        use axum::http::{HeaderName, HeaderValue, Request, StatusCode};
        use tower::ServiceExt;

        let memory = MemoryLifecycle::new();
        let app = intake(&memory).into_router();
        let mut request = Request::post("/").body(Body::from(body.clone())).unwrap();
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_bytes(&value)) {
                request.headers_mut().append(name, value);
            }
        }
        let status = runtime().block_on(app.oneshot(request)).unwrap().status();
        prop_assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::PAYLOAD_TOO_LARGE, StatusCode::BAD_REQUEST].contains(&status),
            "{status}"
        );
    }
}
