//! The planted API key and connection secrets appear nowhere: not in `Debug`, `Display`, errors (even when
//! the server echoes them), read models, or TRACE-level tracing output.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use support::{API_KEY, EmuRig, FnRig};
use unibill_core::{
    ConnectionId, ConnectionProviderType, ConnectionSecrets, ConnectionUpdate, Error, NewConnection,
};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
use unibill_testkit::{Fault, Reply};

const SECRET: &str = "sk_live_PLANTED_connection_secret";
const WEBHOOK: &str = "whsec_PLANTED_webhook";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn assert_clean(what: &str, text: &str) {
    for planted in [API_KEY, SECRET, WEBHOOK, "PLANTED"] {
        assert!(!text.contains(planted), "{what} leaks {planted}: {text}");
    }
}

fn check_error(err: &Error) {
    assert_clean("Display", &err.to_string());
    assert_clean("Debug", &format!("{err:?}"));
    if let Some(m) = err.provider_message() {
        assert_clean("provider message", m);
    }
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert_clean("source", &format!("{s} {s:?}"));
        source = s.source();
    }
}

fn stripe() -> NewConnection {
    NewConnection::builder("Stripe", ConnectionProviderType::Stripe)
        .secrets(ConnectionSecrets::stripe("pk_test_1", SECRET, WEBHOOK))
        .build()
        .unwrap()
}

#[test]
fn config_and_client_debug_hide_the_key() {
    let config = FlexpriceConfig::builder(API_KEY).build().unwrap();
    assert_clean("config", &format!("{config:?}"));
    let client = FlexpriceClient::new(config).unwrap();
    assert_clean("client", &format!("{client:?}"));
    assert_clean("input", &format!("{:?}", stripe()));
}

#[tokio::test]
async fn errors_echoing_secrets_are_scrubbed() {
    let echo = format!(
        r#"{{"code":"validation_error","message":"bad key {API_KEY} / {SECRET} / {WEBHOOK}","http_status_code":400,"details":{{"SecretKey":"{SECRET}"}}}}"#
    );
    let plain = format!("upstream rejected {WEBHOOK} with {API_KEY}");
    let rig = FnRig::new(move |r| {
        if r.method == "POST" {
            Reply::json(400, echo.clone())
        } else {
            Reply::status(502).body(plain.clone())
        }
    })
    .await;
    check_error(&rig.connections().create(stripe()).await.unwrap_err());
    let update = ConnectionUpdate::builder()
        .secrets(ConnectionSecrets::generic([("webhook_secret", WEBHOOK)]))
        .build()
        .unwrap();
    check_error(
        &rig.connections()
            .update(ConnectionId::new("conn_1"), update)
            .await
            .unwrap_err(),
    );
}

#[tokio::test]
async fn tracing_output_never_holds_a_secret() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let rig = EmuRig::new().await;
    let created = rig.connections().create(stripe()).await.unwrap();
    assert_clean("read model", &format!("{created:?}"));
    assert_clean("raw", created.raw.as_ref().unwrap().get());
    let s3 = NewConnection::builder("Exports", ConnectionProviderType::S3)
        .secrets(ConnectionSecrets::s3("AKIA_PLANTED", SECRET))
        .build()
        .unwrap();
    rig.server.push_fault(Fault::CloseAfterHandling);
    let err = rig.connections().create(s3).await.unwrap_err();
    check_error(&err);
    rig.server.push_fault(Fault::status(503));
    rig.connections().get(created.id.clone()).await.unwrap();

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("unibill.http"),
        "tracing was captured: {logs}"
    );
    assert_clean("tracing output", &logs);
}
