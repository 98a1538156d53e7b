//! The retry table end to end, over real HTTP on 127.0.0.1, with a recording sleeper (no wall-clock waits).

mod support;

use std::time::Duration;

use support::{Customer, Customers, Rig};
use unibill_core::{ErrorKind, Result};
use unibill_http::{
    AmbiguousCause, HttpExecutor, Lookup, Request, RetryPolicy, RetryReason, Safety,
};
use unibill_testkit::{Fault, Reply};

const MS: Duration = Duration::from_millis(1);

fn ok_json() -> Reply {
    Reply::json(200, r#"{"ok":true}"#)
}

fn get() -> Request {
    Request::get("things.get", "/v1/things").path(["v1", "things"])
}

fn post() -> Request {
    Request::post("things.create", "/v1/things")
        .path(["v1", "things"])
        .json(&serde_json::json!({"a": 1}))
        .unwrap()
}

async fn send(
    exec: &HttpExecutor,
    req: Request,
    safety: Safety<'_, serde_json::Value>,
) -> Result<serde_json::Value> {
    exec.send_json(req, safety).await
}

fn create_request(input: &Customer) -> Request {
    Request::post("customers.create", "/v1/customers")
        .path(["v1", "customers"])
        .json(input)
        .unwrap()
}

async fn lookup(exec: &HttpExecutor, input: &Customer) -> Result<Lookup<Customer>> {
    let req = Request::get(
        "customers.get_by_external_id",
        "/v1/customers/external/{external_id}",
    )
    .path(["v1", "customers", "external", &input.external_id]);
    match exec.send_json::<Customer>(req, Safety::Safe).await {
        Ok(found) if found.name == input.name => Ok(Lookup::Found(found)),
        Ok(found) => Ok(Lookup::Mismatch {
            existing_id: Some(found.id),
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Lookup::Missing),
        Err(e) => Err(e),
    }
}

fn input() -> Customer {
    Customer {
        id: String::new(),
        external_id: "ext-1".into(),
        name: "Ada".into(),
    }
}

#[tokio::test]
async fn rate_limit_is_retried_even_for_unsafe() {
    let rig = Rig::new(|_| ok_json()).await;
    rig.server
        .push_fault(Reply::status(429).header("retry-after", "2"));
    let out = send(&rig.exec(), post(), Safety::Unsafe).await.unwrap();
    assert_eq!(out["ok"], true);
    assert_eq!(rig.server.request_count(), 2);
    assert_eq!(rig.sleeper.delays(), vec![Duration::from_secs(2)]);
    assert_eq!(rig.observer.events()[0].reason, RetryReason::RateLimited);
}

#[tokio::test]
async fn unavailable_on_unsafe_is_outcome_unknown_after_one_request() {
    let rig = Rig::new(|_| ok_json()).await;
    rig.server
        .push_fault(Reply::status(503).header("x-request-id", "req_503"));
    let err = send(&rig.exec(), post(), Safety::Unsafe).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.request_id(), Some("req_503"));
    assert_eq!(err.provider(), Some("testprov"));
    assert_eq!(err.operation(), Some("things.create"));
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(rig.server.request_count(), 1);
    assert!(rig.sleeper.delays().is_empty());
}

#[tokio::test]
async fn answer_lost_after_apply_on_unsafe_is_outcome_unknown() {
    let rig = Rig::new(|_| ok_json()).await;
    rig.server.push_fault(Fault::CloseAfterHandling);
    let err = send(&rig.exec(), post(), Safety::Unsafe).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(rig.server.request_count(), 1);
}

/// `send_safe` is `send` under `Safety::Safe`: a lost answer is re-sent (an `Unsafe` call would end in
/// `OutcomeUnknown` after one request), and the 2xx answer goes to the decoder.
#[tokio::test]
async fn send_safe_re_sends_what_unsafe_would_not() {
    let rig = Rig::new(|_| ok_json()).await;
    rig.server.push_fault(Fault::CloseAfterHandling);
    let ok = rig
        .exec()
        .send_safe(post(), |r| Ok(r.json::<serde_json::Value>()?["ok"] == true))
        .await
        .unwrap();
    assert!(ok);
    assert_eq!(rig.server.request_count(), 2);
    assert_eq!(rig.observer.events().len(), 1);
}

#[tokio::test]
async fn gateway_errors_are_retried_for_safe_with_growing_backoff() {
    let rig = Rig::new(|_| ok_json()).await;
    rig.server.push_fault(Fault::status(503));
    rig.server.push_fault(Fault::status(502));
    rig.server.push_fault(Fault::status(504));
    send(&rig.exec(), get(), Safety::Safe).await.unwrap();
    assert_eq!(rig.server.request_count(), 4);
    assert_eq!(rig.sleeper.delays(), vec![100 * MS, 200 * MS, 400 * MS]);
    let reasons: Vec<_> = rig.observer.events().iter().map(|e| e.reason).collect();
    assert_eq!(
        reasons,
        vec![
            RetryReason::Ambiguous(AmbiguousCause::GatewayStatus(503)),
            RetryReason::Ambiguous(AmbiguousCause::GatewayStatus(502)),
            RetryReason::Ambiguous(AmbiguousCause::GatewayStatus(504)),
        ]
    );
}

#[tokio::test]
async fn exhausted_attempts_end_in_the_last_error() {
    let rig = Rig::new(|_| ok_json()).await;
    rig.server.push_faults(Fault::status(503), 10);
    let err = send(&rig.exec(), get(), Safety::Safe).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(err.status(), Some(503));
    assert_eq!(rig.server.request_count(), 4);
}

#[tokio::test]
async fn never_policy_sends_once() {
    let rig = Rig::new(|_| ok_json()).await;
    rig.server.push_faults(Fault::status(503), 10);
    let exec = rig
        .builder()
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = send(&exec, get(), Safety::Safe).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(rig.server.request_count(), 1);
}

#[tokio::test]
async fn server_error_with_a_provider_code_is_final() {
    let rig = Rig::new(|_| ok_json()).await;
    rig.server.push_faults(
        Reply::json(500, r#"{"code":"invalid_operation","message":"bad plan"}"#),
        5,
    );
    let err = send(&rig.exec(), get(), Safety::Safe).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Provider);
    assert_eq!(err.provider_code(), Some("invalid_operation"));
    assert_eq!(err.status(), Some(500));
    assert_eq!(rig.server.request_count(), 1);
}

#[tokio::test]
async fn server_error_with_an_empty_body_is_ambiguous() {
    let rig = Rig::new(|_| ok_json()).await;
    rig.server.push_fault(Fault::status(500));
    send(&rig.exec(), get(), Safety::Safe).await.unwrap();
    assert_eq!(rig.server.request_count(), 2);

    rig.server.push_fault(Fault::status(500));
    let err = send(&rig.exec(), post(), Safety::Unsafe).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(rig.server.request_count(), 3);
}

#[tokio::test]
async fn other_client_errors_are_final() {
    let rig = Rig::new(|_| ok_json()).await;
    rig.server.push_faults(
        Reply::json(
            400,
            r#"{"code":"validation_error","message":"name required"}"#,
        ),
        5,
    );
    let err = send(&rig.exec(), get(), Safety::Safe).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(rig.server.request_count(), 1);
}

#[tokio::test]
async fn connection_closed_before_handling_is_retried_for_safe() {
    let rig = Rig::new(|_| ok_json()).await;
    rig.server.push_fault(Fault::CloseBeforeHandling);
    send(&rig.exec(), get(), Safety::Safe).await.unwrap();
    assert_eq!(rig.server.request_count(), 2);
    assert_eq!(
        rig.observer.events()[0].reason,
        RetryReason::Ambiguous(AmbiguousCause::ConnectionLost)
    );
}

#[tokio::test]
async fn connect_errors_are_retried_for_every_class() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let rig = Rig::new(|_| ok_json()).await;
    let url = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let exec = HttpExecutor::builder("testprov", url)
        .sleeper(rig.sleeper.clone())
        .observer(rig.observer.clone())
        .jitter(unibill_http::NoJitter)
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_backoff(100 * MS, Duration::from_secs(1)),
        )
        .build()
        .unwrap();
    let err = send(&exec, post(), Safety::Unsafe).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(rig.sleeper.delays(), vec![100 * MS, 200 * MS]);
    assert!(
        rig.observer
            .events()
            .iter()
            .all(|e| e.reason == RetryReason::ConnectFailed)
    );
}

#[tokio::test]
async fn natural_key_replay_conflict_returns_the_looked_up_resource() {
    let customers = Customers::default();
    let handler = customers.clone();
    let rig = Rig::new(move |r| handler.handle(r)).await;
    let exec = rig.exec();
    let input = input();
    // The first create is applied but its answer is lost; the replay conflicts.
    rig.server.push_fault(Fault::CloseAfterHandling);
    let got = exec
        .send_json(
            create_request(&input),
            Safety::natural_key(|| lookup(&exec, &input)),
        )
        .await
        .unwrap();
    assert_eq!(got.id, "cust_1");
    assert_eq!(got.name, "Ada");
    let methods: Vec<_> = rig
        .server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        methods,
        vec![
            "POST /v1/customers",
            "POST /v1/customers",
            "GET /v1/customers/external/ext-1"
        ]
    );
    assert_eq!(customers.rows.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn natural_key_lookup_that_does_not_match_is_already_exists() {
    let customers = Customers::default();
    customers.rows.lock().unwrap().push(Customer {
        id: "cust_other".into(),
        external_id: "ext-1".into(),
        name: "Someone else".into(),
    });
    let handler = customers.clone();
    let rig = Rig::new(move |r| handler.handle(r)).await;
    let exec = rig.exec();
    let input = input();
    rig.server.push_fault(Fault::status(503));
    let err = exec
        .send_json(
            create_request(&input),
            Safety::natural_key(|| lookup(&exec, &input)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert_eq!(err.existing_id(), Some("cust_other"));
    assert_eq!(rig.server.request_count(), 3);
}

fn holder(id: &str, name: &str) -> Customer {
    Customer {
        id: id.into(),
        external_id: "ext-1".into(),
        name: name.into(),
    }
}

#[tokio::test]
async fn natural_key_conflict_without_an_ambiguous_attempt_names_the_holder() {
    let customers = Customers::default();
    customers.rows.lock().unwrap().push(holder("cust_1", "Ada"));
    let handler = customers.clone();
    let rig = Rig::new(move |r| handler.handle(r)).await;
    let exec = rig.exec();
    let input = input();
    let err = exec
        .send_json(
            create_request(&input),
            Safety::natural_key(|| lookup(&exec, &input)),
        )
        .await
        .unwrap_err();
    // The conflict stays the provider's (its code, status), named by the lookup: the holder's id and the holder.
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert_eq!(err.provider_code(), Some("already_exists"));
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.existing_id(), Some("cust_1"));
    assert_eq!(err.existing::<Customer>(), Some(&holder("cust_1", "Ada")));
    let methods: Vec<_> = rig
        .server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        methods,
        ["POST /v1/customers", "GET /v1/customers/external/ext-1"]
    );
    assert!(rig.sleeper.delays().is_empty(), "a conflict is not retried");
}

#[tokio::test]
async fn natural_key_conflict_names_a_mismatching_holder_by_id() {
    let customers = Customers::default();
    customers
        .rows
        .lock()
        .unwrap()
        .push(holder("cust_other", "Someone else"));
    let handler = customers.clone();
    let rig = Rig::new(move |r| handler.handle(r)).await;
    let exec = rig.exec();
    let input = input();
    let err = exec
        .send_json(
            create_request(&input),
            Safety::natural_key(|| lookup(&exec, &input)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert_eq!(err.provider_code(), Some("already_exists"));
    assert_eq!(err.existing_id(), Some("cust_other"));
    assert_eq!(
        err.existing::<Customer>(),
        None,
        "a mismatch carries no resource"
    );
    assert_eq!(rig.server.request_count(), 2);
}

#[tokio::test]
async fn natural_key_conflict_whose_lookup_finds_nothing_or_fails_stays_as_answered() {
    for lookup_answer in [
        Reply::json(404, r#"{"code":"not_found","message":"no such customer"}"#),
        Reply::json(400, r#"{"code":"validation_error","message":"bad lookup"}"#),
    ] {
        let rig = Rig::new(move |r| {
            if r.method == "POST" {
                Reply::json(409, r#"{"code":"already_exists","message":"taken"}"#)
            } else {
                lookup_answer.clone()
            }
        })
        .await;
        let exec = rig.exec();
        let input = input();
        let err = exec
            .send_json(
                create_request(&input),
                Safety::natural_key(|| lookup(&exec, &input)),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        assert_eq!(err.provider_code(), Some("already_exists"));
        assert_eq!(err.message(), "taken");
        assert_eq!(err.existing_id(), None);
        assert_eq!(rig.server.request_count(), 2, "one create, one lookup");
    }
}

#[tokio::test]
async fn natural_key_conflict_that_names_its_holder_needs_no_lookup() {
    let rig = Rig::new(|_| {
        Reply::json(
            409,
            r#"{"code":"already_exists","message":"taken","existing_id":"cust_9"}"#,
        )
    })
    .await;
    let exec = rig.exec();
    let input = input();
    let err = exec
        .send_json(
            create_request(&input),
            Safety::natural_key(|| lookup(&exec, &input)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert_eq!(err.existing_id(), Some("cust_9"));
    assert_eq!(rig.server.request_count(), 1, "the answer named the holder");
}

#[tokio::test]
async fn a_conflict_on_other_classes_is_final_without_a_lookup() {
    let customers = Customers::default();
    customers.rows.lock().unwrap().push(holder("cust_1", "Ada"));
    let handler = customers.clone();
    let rig = Rig::new(move |r| handler.handle(r)).await;
    let exec = rig.exec();
    let input = input();
    for safety in [Safety::Unsafe, Safety::reconcile(|| lookup(&exec, &input))] {
        let err = exec
            .send_json(create_request(&input), safety)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        assert_eq!(err.existing_id(), None);
    }
    assert_eq!(rig.server.request_count(), 2, "two creates, no lookup");
}

fn delete_request(id: &str) -> Request {
    Request::delete("customers.delete", "/v1/customers/{id}").path(["v1", "customers", id])
}

fn get_request(id: &str) -> Request {
    Request::get("customers.get", "/v1/customers/{id}").path(["v1", "customers", id])
}

#[tokio::test]
async fn reconcile_gone_takes_a_delete_whose_answer_was_lost_as_done() {
    let customers = Customers::default();
    customers.rows.lock().unwrap().push(holder("cust_1", "Ada"));
    let handler = customers.clone();
    let rig = Rig::new(move |r| handler.handle(r)).await;
    let exec = rig.exec();
    rig.server.push_fault(Fault::CloseAfterHandling);
    let safety = Safety::reconcile_gone(
        || exec.send_json::<Customer>(get_request("cust_1"), Safety::Safe),
        |_: &Customer| false,
    );
    exec.send(delete_request("cust_1"), safety, |_| Ok(()))
        .await
        .unwrap();
    let methods: Vec<_> = rig
        .server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        methods,
        ["DELETE /v1/customers/cust_1", "GET /v1/customers/cust_1"],
        "the re-read finds nothing: no second DELETE"
    );
    assert!(customers.rows.lock().unwrap().is_empty());
}

#[tokio::test]
async fn reconcile_gone_counts_a_gone_resource_as_deleted_and_resends_for_one_still_there() {
    // Gone by its own state (an archived resource the provider still serves): done without a re-send.
    let customers = Customers::default();
    customers
        .rows
        .lock()
        .unwrap()
        .push(holder("cust_1", "archived"));
    let handler = customers.clone();
    let rig = Rig::new(move |r| {
        if r.method == "DELETE" {
            Reply::status(503)
        } else {
            handler.handle(r)
        }
    })
    .await;
    let exec = rig.exec();
    let safety = Safety::reconcile_gone(
        || exec.send_json::<Customer>(get_request("cust_1"), Safety::Safe),
        |c: &Customer| c.name == "archived",
    );
    exec.send(delete_request("cust_1"), safety, |_| Ok(()))
        .await
        .unwrap();
    assert_eq!(rig.server.request_count(), 2, "DELETE, then the re-read");

    // Still there: the delete is sent again (and this time goes through).
    let customers = Customers::default();
    customers.rows.lock().unwrap().push(holder("cust_1", "Ada"));
    let handler = customers.clone();
    let rig = Rig::new(move |r| handler.handle(r)).await;
    rig.server.push_fault(Fault::status(503));
    let exec = rig.exec();
    let safety = Safety::reconcile_gone(
        || exec.send_json::<Customer>(get_request("cust_1"), Safety::Safe),
        |c: &Customer| c.name == "archived",
    );
    exec.send(delete_request("cust_1"), safety, |_| Ok(()))
        .await
        .unwrap();
    let methods: Vec<_> = rig
        .server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        methods,
        [
            "DELETE /v1/customers/cust_1",
            "GET /v1/customers/cust_1",
            "DELETE /v1/customers/cust_1"
        ]
    );
    assert!(customers.rows.lock().unwrap().is_empty());
}

#[tokio::test]
async fn reconcile_gone_whose_re_read_fails_is_outcome_unknown() {
    let rig = Rig::new(|r| {
        if r.method == "DELETE" {
            Reply::status(503)
        } else {
            Reply::json(400, r#"{"code":"validation_error","message":"no"}"#)
        }
    })
    .await;
    let exec = rig.exec();
    let safety = Safety::reconcile_gone(
        || exec.send_json::<Customer>(get_request("cust_1"), Safety::Safe),
        |_: &Customer| true,
    );
    let err = exec
        .send(delete_request("cust_1"), safety, |_| Ok(()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(rig.server.request_count(), 2);
}

#[tokio::test]
async fn reconcile_finds_the_applied_write_instead_of_resending() {
    let customers = Customers::default();
    let handler = customers.clone();
    let rig = Rig::new(move |r| handler.handle(r)).await;
    let exec = rig.exec();
    let input = input();
    rig.server.push_fault(Fault::CloseAfterHandling);
    let got = exec
        .send_json(
            create_request(&input),
            Safety::reconcile(|| lookup(&exec, &input)),
        )
        .await
        .unwrap();
    assert_eq!(got.id, "cust_1");
    let methods: Vec<_> = rig
        .server
        .requests()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(methods, vec!["POST", "GET"]);
}

#[tokio::test]
async fn reconcile_resends_when_the_lookup_finds_nothing() {
    let customers = Customers::default();
    let handler = customers.clone();
    let rig = Rig::new(move |r| handler.handle(r)).await;
    let exec = rig.exec();
    let input = input();
    rig.server.push_fault(Fault::status(504));
    let got = exec
        .send_json(
            create_request(&input),
            Safety::reconcile(|| lookup(&exec, &input)),
        )
        .await
        .unwrap();
    assert_eq!(got.id, "cust_1");
    let methods: Vec<_> = rig
        .server
        .requests()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(methods, vec!["POST", "GET", "POST"]);
}

#[tokio::test]
async fn a_success_body_that_does_not_decode_is_decode() {
    let rig = Rig::new(|_| Reply::json(200, "not json")).await;
    let err = send(&rig.exec(), get(), Safety::Safe).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.provider(), Some("testprov"));
    assert_eq!(rig.server.request_count(), 1);
}
