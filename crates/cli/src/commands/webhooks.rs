//! `unibill webhooks listen --port N`: verify the deliveries a provider sends and print each verified one as
//! a neutral event, one line each (`--json`: the whole event as one JSON object per line).
//!
//! The verifier is the configured provider's (`--provider`, else the only one whose webhook secret is set:
//! `FLEXPRICE_WEBHOOK_SECRET`, `FLOWGLAD_WEBHOOK_SECRET`, `VERCEL_WEBHOOK_SECRET`, `MEMORY_WEBHOOK_SECRET`, or
//! `webhook_secret_env` in a `--config` file's provider table). Deliveries go through `unibill::webhooks`'
//! intake: 200 once printed, 200 without printing again for a delivery already printed (a provider's retry),
//! 401 for an unsigned or badly signed one, 413 over 1 MiB. A refused delivery prints nothing on standard
//! output and one `refused:` line on standard error naming the failed check (never a secret or a signature).

use std::io::Write;
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use clap::Subcommand;
use unibill::webhooks::{BoxError, Intake};
use unibill::{WebhookEvent, Webhooks};

use crate::config::Global;
use crate::error::{CliError, CliResult};

/// `unibill webhooks …`.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Listen on 127.0.0.1:PORT (0 picks a free one) until Ctrl-C; POST deliveries to `/`. The first line
    /// printed is `listening on http://127.0.0.1:PORT/ for <provider> webhooks`.
    Listen {
        /// The port (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
}

/// Runs `unibill webhooks`.
pub async fn run(command: WebhooksCommand, g: &Global) -> CliResult {
    match command {
        WebhooksCommand::Listen { port } => listen(g.webhooks()?, port, g.json).await,
    }
}

async fn listen(verifier: Arc<dyn Webhooks>, port: u16, json: bool) -> CliResult {
    let provider = verifier.provider();
    let print = move |event: WebhookEvent| async move {
        let line = if json {
            serde_json::to_string(&event).map_err(|e| Box::new(e) as BoxError)?
        } else {
            line(&event)
        };
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
        Ok::<(), BoxError>(())
    };
    let router = Intake::new(verifier, print)
        .into_router()
        .layer(middleware::from_fn(tell_refusals));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| CliError::Other(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::Other(format!("cannot read the bound address: {e}")))?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{addr}/ for {provider} webhooks")?;
        out.flush()?;
    }
    let server = axum::serve(listener, router).with_graceful_shutdown(async {
        // If the signal cannot be listened for, serve until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    });
    server
        .await
        .map_err(|e| CliError::Other(format!("the listener failed: {e}")))?;
    eprintln!("stopped listening");
    Ok(())
}

/// One verified event as a line: kind, provider, delivery id, then what the delivery names.
fn line(e: &WebhookEvent) -> String {
    let mut line = format!("{} {} delivery={}", e.kind, e.provider, e.delivery_id);
    if let Some(t) = &e.object_type {
        line.push_str(&format!(" object={t}"));
    }
    if let Some(id) = &e.object_id {
        line.push_str(&format!(" id={id}"));
    }
    if let Some(c) = &e.customer_external_id {
        line.push_str(&format!(" customer={c}"));
    }
    if let Some(at) = &e.occurred_at {
        line.push_str(&format!(" at={at}"));
    }
    line
}

/// Writes one `refused:` line on standard error for a delivery the intake did not take (4xx): its status and
/// the intake's answer, which names the failed check and nothing more.
async fn tell_refusals(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if !response.status().is_client_error() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, 4096).await.unwrap_or_default();
    eprintln!(
        "refused: {} {}",
        parts.status.as_u16(),
        String::from_utf8_lossy(&bytes)
    );
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use unibill::{WebhookEvent, WebhookKind};

    #[test]
    fn a_line_names_the_kind_and_the_object() {
        let e = WebhookEvent::builder("flowglad", "msg_1", WebhookKind::ObjectChanged)
            .object("subscription", "sub_1")
            .customer_external_id("ada")
            .build();
        assert_eq!(
            super::line(&e),
            "object.changed flowglad delivery=msg_1 object=subscription id=sub_1 customer=ada"
        );
    }
}
