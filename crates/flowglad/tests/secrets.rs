//! The secret key never shows: not in `Debug` of config or client, not in errors (even when a body echoes it),
//! not in TRACE logs.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use support::{KEY, answering, assert_no_key, client};
use unibill_core::{Customers, NewCustomer, PriceId, Prices};
use unibill_flowglad::FlowgladConfig;
use unibill_testkit::Reply;

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

#[test]
fn debug_never_shows_the_key() {
    let config = FlowgladConfig::builder(KEY).build().unwrap();
    for text in [
        format!("{config:?}"),
        format!("{:?}", FlowgladConfig::builder(KEY)),
        format!("{:?}", client("http://127.0.0.1:9/")),
        format!(
            "{:?}",
            unibill_flowglad::FlowgladClient::builder(config.clone())
        ),
    ] {
        assert!(!text.contains(KEY), "{text}");
        assert!(!text.contains("PLANTED"), "{text}");
    }
}

#[tokio::test]
async fn errors_and_traces_never_show_the_key() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // A careless answer echoing the key, as JSON and as text.
    let echo_json =
        format!(r#"{{"error":"key {KEY} refused","code":"UNAUTHORIZED","request_id":"1"}}"#);
    let (_s, c) = answering(move |_| Reply::json(401, echo_json.clone())).await;
    assert_no_key(&Prices::get(&c, PriceId::new("p")).await.unwrap_err());

    let echo_text = format!("API key invalid: {KEY}");
    let (_s, c) = answering(move |_| Reply::status(401).body(echo_text.clone())).await;
    let err = Customers::create(
        &c,
        NewCustomer::builder("u", "n")
            .email("a@b.co")
            .build()
            .unwrap(),
    )
    .await
    .unwrap_err();
    assert_no_key(&err);

    let (_s, c) = answering(|_| Reply::status(503)).await;
    assert_no_key(&Prices::get(&c, PriceId::new("p")).await.unwrap_err());

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(!logs.is_empty(), "the executor traced the calls");
    assert!(!logs.contains(KEY) && !logs.contains("PLANTED"), "{logs}");
}
