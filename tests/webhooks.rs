//! The facade's `webhooks` re-export (features `webhooks`, `sqlite`, `axum`): the README's intake, on the
//! memory provider's deliveries.

#![cfg(all(feature = "webhooks", feature = "sqlite", feature = "axum"))]

use std::sync::Arc;

use unibill::webhooks::{BoxError, Intake, SqliteDeliveryLog};
use unibill::{Customers, MemoryLifecycle, NewCustomer, WebhookEvent};

#[tokio::test]
async fn the_readme_intake_takes_a_memory_delivery_once() {
    let memory = MemoryLifecycle::new();
    memory
        .customers()
        .create(NewCustomer::builder("ada", "Ada").build().unwrap())
        .await
        .unwrap();
    let verifier: Arc<dyn unibill::Webhooks> = Arc::new(memory.webhooks());
    let dir = std::env::temp_dir().join(format!(
        "unibill-facade-webhooks-{}-{}",
        std::process::id(),
        memory.deliveries()[0].id
    ));
    std::fs::create_dir_all(&dir).unwrap();

    let log = SqliteDeliveryLog::open(dir.join("webhooks.sqlite"))
        .await
        .unwrap();
    let intake = Intake::new(verifier, |_event: WebhookEvent| async move {
        Ok::<(), BoxError>(())
    })
    .log(log);
    let d = memory.deliveries().remove(0);
    let first = intake.handle_now(&d.headers, &d.body).await.unwrap();
    assert!(matches!(first, unibill::webhooks::Handled::Processed(_)));
    let again = intake.handle_now(&d.headers, &d.body).await.unwrap();
    assert_eq!(again, unibill::webhooks::Handled::Duplicate);
    // The axum router of the same intake (feature `axum`); dropping it closes the file.
    drop(intake.into_router());
    std::fs::remove_dir_all(&dir).unwrap();
}
