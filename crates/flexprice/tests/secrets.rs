//! The planted API key and connection secrets appear nowhere: not in `Debug`, `Display`, errors (even when
//! the server echoes them), read models, or TRACE-level tracing output.

mod support;

use support::{API_KEY, EmuRig, FnRig};
use unibill_core::{
    ConnectionId, ConnectionProviderType, ConnectionSecrets, ConnectionUpdate, Error, ErrorKind,
    NewConnection,
};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
use unibill_testkit::encoded::{Encoding, error_leaks, log_leaks};
use unibill_testkit::{Fault, Reply, TraceCapture};

const SECRET: &str = "sk_live_PLANTED_connection_secret";
const WEBHOOK: &str = "whsec_PLANTED_webhook";

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
    let capture = TraceCapture::start();

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

    let logs = capture.text();
    assert!(
        logs.contains("unibill.http"),
        "tracing was captured: {logs}"
    );
    assert_clean("tracing output", &logs);
}

/// A connection secret with what Go's JSON encoder escapes (`&`, `<`, `>`) and a space (`+` in a form).
const ODD: &str = "whsec_PLANTED &<odd>";

/// A provider echoing the key and the connection secrets in each encoding ([`Encoding::ALL`]) everywhere it
/// can: a parsed error body with field errors (`details`) and a request id header, a plain-text 404, a 2xx
/// whose decode error quotes the echo (on the read before a rotation, which carries the new secret), and the
/// list a unique-type create looks its natural key up with (it does not carry the create's secrets), failing
/// with an echo that ends in the create's source chain. No error text and no TRACE log line holds any of them.
#[tokio::test]
async fn secrets_echoed_in_any_encoding_reach_no_error_or_log() {
    let capture = TraceCapture::start();
    let needles = [API_KEY, SECRET, ODD, "PLANTED"];
    let secrets = || ConnectionSecrets::stripe("pk_test_1", SECRET, ODD);
    let mut leaks = Vec::new();

    for encoding in Encoding::ALL {
        // Each answer echoes what its request carries: the key, and the secrets the call marks as its own.
        let echo = |values: &[&str]| {
            values
                .iter()
                .map(|v| encoding.encode(v))
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let (all, key_only, rotated) = (
            echo(&[API_KEY, SECRET, ODD]),
            echo(&[API_KEY]),
            echo(&[API_KEY, ODD]),
        );
        let parsed = format!(
            r#"{{"code":"validation_error","message":"bad {all}","http_status_code":400,"details":{{"SecretKey":"{all}","{all}":"x"}}}}"#
        );
        let id = format!("req_1 [{key_only}]");
        let rig = FnRig::new(move |r| match (r.method.as_str(), r.path.as_str()) {
            ("POST", _) if String::from_utf8_lossy(&r.body).contains("Lookup") => Reply::json(
                409,
                r#"{"code":"already_exists","message":"exists","http_status_code":409}"#,
            ),
            ("POST", _) => Reply::json(400, parsed.clone()).header("x-request-id", &id),
            ("GET", "/v1/connections") => Reply::json(400, parsed.clone()),
            ("GET", "/v1/connections/conn_text") => Reply::status(404).body(key_only.clone()),
            ("GET", _) => Reply::json(200, format!(r#""{rotated}""#)),
            _ => Reply::status(404),
        })
        .await;
        let k = rig.connections();
        let stripe = |name: &str| {
            NewConnection::builder(name, ConnectionProviderType::Stripe)
                .secrets(secrets())
                .build()
                .unwrap()
        };
        let mut errors = vec![
            ("parsed", k.create(stripe("Stripe")).await.unwrap_err()),
            (
                "text",
                k.get(ConnectionId::new("conn_text")).await.unwrap_err(),
            ),
        ];
        let rotate = ConnectionUpdate::builder()
            .secrets(ConnectionSecrets::generic([("webhook_secret", ODD)]))
            .build()
            .unwrap();
        let err = k
            .update(ConnectionId::new("conn_decode"), rotate)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");
        errors.push(("2xx decode", err));
        rig.server.push_fault(Fault::status(503));
        let err = k.create(stripe("Lookup")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err:?}");
        errors.push(("lookup", err));

        let first = &errors[0].1;
        assert_eq!(first.kind(), ErrorKind::InvalidInput, "{first:?}");
        assert!(!first.field_errors().is_empty(), "{first:?}");
        for (call, err) in &errors {
            leaks.extend(error_leaks(
                &format!("{} {call}", encoding.name()),
                err,
                &needles,
            ));
        }
    }
    let log = capture.text();
    assert!(log.contains("unibill.http"), "tracing was captured");
    leaks.extend(log_leaks(&log, &needles));
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}
