//! What goes on the wire: one connection for many calls, path encoding, query, headers, body, base URL checks.

mod support;

use secrecy::SecretString;
use support::{API_KEY, Rig};
use unibill_core::ErrorKind;
use unibill_http::{HttpExecutor, Request, Safety, USER_AGENT_VALUE};
use unibill_testkit::Reply;

#[tokio::test]
async fn one_connection_serves_a_hundred_sequential_calls() {
    let rig = Rig::new(|r| Reply::json(200, format!(r#"{{"n":"{}"}}"#, r.path))).await;
    let exec = rig.exec();
    for i in 0..100 {
        let out: serde_json::Value = exec
            .send_json(
                Request::get("things.get", "/v1/things/{id}").path([
                    "v1",
                    "things",
                    &i.to_string(),
                ]),
                Safety::Safe,
            )
            .await
            .unwrap();
        assert_eq!(out["n"], format!("/v1/things/{i}"));
    }
    assert_eq!(rig.server.request_count(), 100);
    assert_eq!(rig.server.connections(), 1);
}

/// A host given by name is looked up through the default client's resolver (the spare-connect guard):
/// concurrent calls to `localhost` all get their answers, over no more connections than calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_host_resolves_through_the_guarded_resolver() {
    let rig = Rig::new(|_| Reply::json(200, r#"{"ok":true}"#)).await;
    let mut base = rig.server.url();
    base.set_host(Some("localhost")).unwrap();
    let exec = HttpExecutor::builder("testprov", base).build().unwrap();
    let calls = (0..8).map(|i| {
        let exec = exec.clone();
        tokio::spawn(async move {
            exec.send_json::<serde_json::Value>(
                Request::get("things.get", "/things/{id}").path(["things", &i.to_string()]),
                Safety::Safe,
            )
            .await
        })
    });
    for call in futures::future::join_all(calls).await {
        assert_eq!(call.unwrap().unwrap()["ok"], true);
    }
    assert_eq!(rig.server.request_count(), 8);
    assert!(
        rig.server.connections() <= 8,
        "{} connections",
        rig.server.connections()
    );
}

#[tokio::test]
async fn requests_carry_encoded_path_query_headers_and_body() {
    let rig = Rig::new(|_| Reply::status(204)).await;
    let exec = HttpExecutor::builder("testprov", rig.server.url().join("api/").unwrap())
        .bearer_auth(SecretString::from(API_KEY))
        .build()
        .unwrap();
    let req = Request::put("things.update", "/things/{id}")
        .path(["things", "a/b c?#%"])
        .query("team id", "t&1")
        .query_opt("absent", None::<String>)
        .header("x-extra".parse().unwrap(), "1".parse().unwrap())
        .json(&serde_json::json!({"name": "Ada"}))
        .unwrap();
    exec.send_empty(req, Safety::Safe).await.unwrap();
    let seen = &rig.server.requests()[0];
    assert_eq!(seen.method, "PUT");
    assert_eq!(seen.path, "/api/things/a%2Fb%20c%3F%23%25");
    assert_eq!(
        seen.query_pairs(),
        vec![("team id".to_owned(), "t&1".to_owned())]
    );
    assert_eq!(
        seen.header("authorization"),
        Some(format!("Bearer {API_KEY}").as_str())
    );
    assert_eq!(seen.header("user-agent"), Some(USER_AGENT_VALUE));
    assert_eq!(seen.header("accept"), Some("application/json"));
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("x-extra"), Some("1"));
    assert_eq!(seen.body_text(), r#"{"name":"Ada"}"#);
    assert!(USER_AGENT_VALUE.starts_with("unibill/"));
}

#[tokio::test]
async fn retries_resend_the_same_body_bytes() {
    let rig = Rig::new(|_| Reply::json(200, "{}")).await;
    rig.server.push_fault(unibill_testkit::Fault::status(503));
    let req = Request::post("things.search", "/search")
        .path(["search"])
        .json(&serde_json::json!({"q": "x", "limit": 5}))
        .unwrap();
    rig.exec()
        .send_json::<serde_json::Value>(req, Safety::Safe)
        .await
        .unwrap();
    let seen = rig.server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].body, seen[1].body);
}

#[tokio::test]
async fn empty_or_dot_segments_are_refused_before_sending() {
    let rig = Rig::new(|_| Reply::status(204)).await;
    let exec = rig.exec();
    for bad in ["", ".", ".."] {
        let err = exec
            .send_empty(
                Request::delete("things.delete", "/things/{id}").path(["things", bad]),
                Safety::Safe,
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
    }
    assert_eq!(rig.server.request_count(), 0);
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let err = HttpExecutor::builder("p", url::Url::parse("http://api.example.com/").unwrap())
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    HttpExecutor::builder("p", url::Url::parse("http://localhost:1/").unwrap())
        .build()
        .unwrap();
}

#[test]
fn an_api_key_that_cannot_be_a_header_is_config_and_not_echoed() {
    let err = HttpExecutor::builder("p", url::Url::parse("https://api.example.com/").unwrap())
        .bearer_auth(SecretString::from("bad\nkey-PLANTED"))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(!format!("{err} {err:?}").contains("PLANTED"));
}
