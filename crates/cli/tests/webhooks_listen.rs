//! `unibill webhooks listen --port 0`: announces its port, prints each verified delivery once (human or
//! `--json`), answers 401 to unsigned and badly signed ones and prints nothing for them on standard output
//! (one `refused:` line on standard error, without the secret).

mod support;

use std::io::{BufRead, BufReader, Lines, Read};
use std::process::{Child, ChildStdout, Command, Stdio};

use secrecy::{ExposeSecret, SecretString};
use unibill::{Timestamp, svix};

/// Stops the listener even when an assertion fails first.
struct Listener {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    url: String,
}

impl Listener {
    fn start(vars: &[(&str, String)], extra: &[&str]) -> Listener {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_unibill"));
        cmd.env_clear()
            .args(["webhooks", "listen", "--port", "0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let url = first
            .strip_prefix("listening on ")
            .and_then(|rest| rest.split_once(' '))
            .map(|(url, _)| url.to_owned())
            .unwrap_or_else(|| panic!("{first}"));
        assert!(first.ends_with("webhooks"), "{first}");
        Listener { child, lines, url }
    }

    fn next_line(&mut self) -> String {
        self.lines.next().unwrap().unwrap()
    }

    /// Stops it and returns its standard error.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        err
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn post(url: &str, headers: &[(&str, String)], body: &[u8]) -> (u16, String) {
    let mut request = reqwest::Client::new().post(url).body(body.to_vec());
    for (k, v) in headers {
        request = request.header(*k, v);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

fn svix_headers(secret: &SecretString, id: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    let now = Timestamp::now().as_second();
    vec![
        ("svix-id", id.to_owned()),
        ("svix-timestamp", now.to_string()),
        ("svix-signature", svix::sign(secret, id, now, body).unwrap()),
    ]
}

#[tokio::test]
async fn prints_verified_flowglad_deliveries_once_and_refuses_the_rest() {
    let secret = svix::generate_secret();
    let mut listener = Listener::start(
        &[("FLOWGLAD_WEBHOOK_SECRET", secret.expose_secret().to_owned())],
        &[],
    );
    let body = br#"{"id":"sub_1","object":"subscription","customer":{"id":"cust_1","externalId":"ada"},"pricingModelId":"pm_1"}"#;
    let signed = svix_headers(&secret, "msg_1", body);
    assert_eq!(post(&listener.url, &signed, body).await.0, 200);
    assert_eq!(
        listener.next_line(),
        "object.changed flowglad delivery=msg_1 object=subscription id=sub_1 customer=ada"
    );

    // Tampered, unsigned, signed with another secret: 401, nothing printed.
    let (status, answer) = post(
        &listener.url,
        &signed,
        br#"{"id":"sub_2","object":"subscription"}"#,
    )
    .await;
    assert_eq!(
        (status, answer.as_str()),
        (401, "unauthenticated: bad signature")
    );
    assert_eq!(post(&listener.url, &[], body).await.0, 401);
    let other = svix_headers(&svix::generate_secret(), "msg_3", body);
    assert_eq!(post(&listener.url, &other, body).await.0, 401);
    // The provider's retry of a printed delivery: acknowledged, not printed again.
    assert_eq!(
        post(&listener.url, &signed, body).await,
        (200, "duplicate".to_owned())
    );

    let body2 = br#"{"id":"cust_1","object":"customer","pricingModelId":"pm_1"}"#;
    assert_eq!(
        post(&listener.url, &svix_headers(&secret, "msg_4", body2), body2)
            .await
            .0,
        200
    );
    // The next line is msg_4's: nothing was printed for the refusals or the duplicate.
    assert_eq!(
        listener.next_line(),
        "object.changed flowglad delivery=msg_4 object=customer id=cust_1"
    );

    let stderr = listener.stop();
    let refusals: Vec<_> = stderr
        .lines()
        .filter(|l| l.starts_with("refused:"))
        .collect();
    assert_eq!(
        refusals,
        [
            "refused: 401 unauthenticated: bad signature",
            "refused: 401 unauthenticated: missing header",
            "refused: 401 unauthenticated: bad signature",
        ],
        "{stderr}"
    );
    let text = secret.expose_secret();
    assert!(
        !stderr.contains(text) && !stderr.contains(&text[6..]),
        "{stderr}"
    );
}

#[tokio::test]
async fn json_prints_the_whole_event_and_vercel_is_verified_with_its_client_secret() {
    let secret = SecretString::from("vercel-client-secret-PLANTED".to_owned());
    let mut listener = Listener::start(
        &[
            ("VERCEL_WEBHOOK_SECRET", secret.expose_secret().to_owned()),
            (
                "FLOWGLAD_WEBHOOK_SECRET",
                svix::generate_secret().expose_secret().to_owned(),
            ),
        ],
        &["--provider", "vercel", "--json"],
    );
    let body = br#"{"id":"evt_1","type":"marketplace.invoice.paid","createdAt":1772366400000,"payload":{"installationId":"icfg_1","invoiceId":"inv_1","invoiceTotal":"21.50"}}"#;
    let headers = [(
        "x-vercel-signature",
        unibill::vercel::VercelWebhooks::sign(&secret, body),
    )];
    assert_eq!(post(&listener.url, &headers, body).await.0, 200);
    let event: serde_json::Value = serde_json::from_str(&listener.next_line()).unwrap();
    assert_eq!(event["kind"], "invoice.paid");
    assert_eq!(event["provider"], "vercel");
    assert_eq!(event["delivery_id"], "evt_1");
    assert_eq!(event["object_id"], "inv_1");
    let wrong = [("x-vercel-signature", "0".repeat(40))];
    assert_eq!(post(&listener.url, &wrong, body).await.0, 401);
    let stderr = listener.stop();
    assert!(stderr.contains("refused: 401"), "{stderr}");
    assert!(!stderr.contains("PLANTED"), "{stderr}");
}

#[test]
fn without_a_secret_or_with_several_and_no_provider_it_says_what_to_do() {
    let none = support::run(&[], &["webhooks", "listen", "--port", "0"], None);
    assert_eq!(none.code, 2, "{}", none.stderr);
    assert!(
        none.stderr.contains("FLOWGLAD_WEBHOOK_SECRET"),
        "{}",
        none.stderr
    );
    let two = support::run(
        &[
            (
                "FLOWGLAD_WEBHOOK_SECRET",
                svix::generate_secret().expose_secret().to_owned(),
            ),
            (
                "FLEXPRICE_WEBHOOK_SECRET",
                svix::generate_secret().expose_secret().to_owned(),
            ),
        ],
        &["webhooks", "listen", "--port", "0"],
        None,
    );
    assert_eq!(two.code, 2, "{}", two.stderr);
    assert!(two.stderr.contains("--provider"), "{}", two.stderr);
    let bad = support::run(
        &[("FLEXPRICE_WEBHOOK_SECRET", "whsec_PLANTED!!".to_owned())],
        &["webhooks", "listen", "--port", "0"],
        None,
    );
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(!bad.stderr.contains("PLANTED"), "{}", bad.stderr);
}
