//! The task that delivers an outbox's queue to one endpoint, one delivery at a time (in order), each attempt
//! signed afresh, a bounded number of attempts each.

use tokio::sync::mpsc;

use super::{Attempt, WebhookEndpoint, WebhookOutbox};

/// How long one attempt may take (Flowglad documents 10 s).
const ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub(super) async fn run(
    outbox: WebhookOutbox,
    endpoint: WebhookEndpoint,
    mut queue: mpsc::UnboundedReceiver<usize>,
) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(ATTEMPT_TIMEOUT)
        .build();
    while let Some(index) = queue.recv().await {
        if let (Ok(client), Some((id, body))) = (&client, outbox.delivery(index)) {
            deliver(&outbox, &endpoint, client, index, &id, body).await;
        }
        outbox.finish_job();
    }
}

async fn deliver(
    outbox: &WebhookOutbox,
    endpoint: &WebhookEndpoint,
    client: &reqwest::Client,
    index: usize,
    id: &str,
    body: Vec<u8>,
) {
    for n in 1..=endpoint.max_attempts {
        let Some(headers) = endpoint.signing.headers(id, (endpoint.clock)(), &body) else {
            outbox.record_attempt(index, Attempt::Failed("the secret cannot sign".into()));
            return;
        };
        let mut request = client
            .post(endpoint.url.clone())
            .header("content-type", "application/json")
            .body(body.clone());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let attempt = match request.send().await {
            Ok(response) => Attempt::Status(response.status().as_u16()),
            Err(e) => Attempt::Failed(e.to_string()),
        };
        let done = attempt.succeeded();
        outbox.record_attempt(index, attempt);
        if done {
            return;
        }
        if n < endpoint.max_attempts {
            let wait = (endpoint.backoff)(n);
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
    }
}
