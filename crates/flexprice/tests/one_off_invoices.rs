//! One-off invoices (`FlexpriceClient::create_one_off_invoice`, lifecycle notes §5.2): the exact create, the
//! input refused before any request, and the key lookup (`POST /invoices/search` by customer, matched on
//! `idempotency_key`) after a 409 `already_exists` without an id or a lost answer, over fixtures and on the
//! emulator.

mod support;

use rust_decimal_macros::dec;
use serde_json::{Value, json};
use support::{EmuRig, FnRig};
use unibill_core::{
    Currency, CustomerId, ErrorKind, IdempotencyKey, InvoiceStatus, IsoCurrency, Metadata,
    NewCustomer,
};
use unibill_flexprice::{NewOneOffInvoice, OneOffLine};
use unibill_testkit::{Fault, RecordedRequest, Reply};

fn body(r: &RecordedRequest) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

fn ok(status: u16, v: Value) -> Reply {
    Reply::json(status, v.to_string())
}

fn key() -> IdempotencyKey {
    IdempotencyKey::new("inv-key-1").unwrap()
}

fn input(customer: &str) -> NewOneOffInvoice {
    NewOneOffInvoice::builder(CustomerId::new(customer), Currency::USD, dec!(59.50))
        .line(OneOffLine::new("Setup fee", dec!(49.50)))
        .line(OneOffLine::new("Seats", dec!(10)).with_quantity(dec!(2)))
        .key(key())
        .description("Onboarding")
        .metadata(Metadata::new().with("order", "A-1"))
        .build()
        .unwrap()
}

/// The invoice as Flexprice answers it (finalised inside the create).
fn answer(key: &str, amount_due: &str) -> Value {
    json!({
        "id": "inv_01",
        "invoice_number": "INV-00001",
        "customer_id": "cust_01",
        "invoice_type": "ONE_OFF",
        "invoice_status": "FINALIZED",
        "payment_status": "PENDING",
        "currency": "usd",
        "subtotal": amount_due,
        "total": amount_due,
        "total_tax": "0",
        "amount_due": amount_due,
        "amount_paid": "0",
        "idempotency_key": key,
        "description": "Onboarding",
        "line_items": [
            {"display_name": "Setup fee", "amount": "49.5", "quantity": "1"},
            {"display_name": "Seats", "amount": "10", "quantity": "2"}
        ],
        "metadata": {"order": "A-1"},
        "finalized_at": "2026-08-22T13:00:02.123456Z",
        "created_at": "2026-08-22T13:00:02.123456Z"
    })
}

fn page(items: Vec<Value>) -> Value {
    let n = items.len();
    json!({"items": items, "pagination": {"total": n, "limit": 100, "offset": 0}})
}

fn already_exists() -> Reply {
    ok(
        409,
        json!({"code": "already_exists", "message": "invoice already exists", "http_status_code": 409, "details": {}}),
    )
}

#[tokio::test]
async fn the_create_is_one_exact_post() {
    let rig = FnRig::new(|_| ok(201, answer("inv-key-1", "59.5"))).await;
    let invoice = rig
        .client
        .create_one_off_invoice(input("cust_01"))
        .await
        .unwrap();
    let r = rig.only_request();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/invoices")
    );
    assert_eq!(r.header("x-api-key"), Some(support::API_KEY));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        body(&r),
        json!({
            "customer_id": "cust_01",
            "currency": "usd",
            "invoice_type": "ONE_OFF",
            "amount_due": "59.50",
            "subtotal": "59.50",
            "total": "59.50",
            "idempotency_key": "inv-key-1",
            "line_items": [
                {"display_name": "Setup fee", "amount": "49.50", "quantity": "1"},
                {"display_name": "Seats", "amount": "10", "quantity": "2"}
            ],
            "description": "Onboarding",
            "metadata": {"order": "A-1"}
        })
    );
    assert_eq!(invoice.id.as_str(), "inv_01");
    assert_eq!(invoice.status, InvoiceStatus::Open);
    assert_eq!(invoice.number.as_deref(), Some("INV-00001"));
    assert_eq!(invoice.amount_due.unwrap().amount, dec!(59.50));
}

#[tokio::test]
async fn a_key_is_generated_once_and_optional_fields_are_left_out() {
    let rig = FnRig::new(|r| {
        let b: Value = serde_json::from_slice(&r.body).unwrap();
        let mut a = answer(b["idempotency_key"].as_str().unwrap(), "5");
        a["description"] = json!("");
        a["line_items"] = json!([{"amount": "5", "quantity": "1", "display_name": "Fee"}]);
        ok(201, a)
    })
    .await;
    let input = NewOneOffInvoice::builder(CustomerId::new("cust_01"), Currency::USD, dec!(5))
        .line(OneOffLine::new("Fee", dec!(5)))
        .build()
        .unwrap();
    assert_eq!(input.clone().key(), input.key(), "fixed at build");
    let generated = input.key().as_str().to_owned();
    rig.client.create_one_off_invoice(input).await.unwrap();
    let b = body(&rig.only_request());
    assert_eq!(b["idempotency_key"], json!(generated));
    assert!(b.get("description").is_none() && b.get("metadata").is_none());
}

#[tokio::test]
async fn an_input_the_server_would_refuse_or_round_is_refused_before_any_request() {
    let rig = FnRig::new(|r| panic!("nothing is sent: {r:?}")).await;
    let fields = |b: unibill_flexprice::NewOneOffInvoiceBuilder| {
        let err = b.build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        err.field_errors()
            .iter()
            .map(|f| f.field.clone())
            .collect::<Vec<_>>()
    };
    let start = |customer: &str, currency: Currency, due| {
        NewOneOffInvoice::builder(CustomerId::new(customer), currency, due)
    };
    // Lines that do not add up to the amount due.
    assert_eq!(
        fields(start("cust_01", Currency::USD, dec!(60)).line(OneOffLine::new("Fee", dec!(59.99)))),
        ["amount_due"]
    );
    // No lines.
    assert_eq!(fields(start("cust_01", Currency::USD, dec!(0))), ["lines"]);
    // Currencies without a known precision, or not ISO 4217's active list.
    for bad in [
        Currency::other("BTC").unwrap(),
        Currency::Iso(IsoCurrency::XAU),
        Currency::Iso(IsoCurrency::XTS),
    ] {
        assert_eq!(
            fields(start("cust_01", bad, dec!(1)).line(OneOffLine::new("Fee", dec!(1)))),
            ["currency"]
        );
    }
    // Fractions of a cent (Flexprice would round), of a yen, and negative amounts or quantities.
    assert_eq!(
        fields(
            start("cust_01", Currency::USD, dec!(1.005)).line(OneOffLine::new("Fee", dec!(1.005)))
        ),
        ["amount_due", "lines[0].amount"]
    );
    assert_eq!(
        fields(
            start("cust_01", Currency::Iso(IsoCurrency::JPY), dec!(1.5))
                .line(OneOffLine::new("Fee", dec!(1.5)))
        ),
        ["amount_due", "lines[0].amount"]
    );
    assert_eq!(
        fields(
            start("cust_01", Currency::USD, dec!(0))
                .line(OneOffLine::new("Fee", dec!(1)))
                .line(OneOffLine::new("Refund", dec!(-1)).with_quantity(dec!(-1)))
        ),
        ["lines[1].amount", "lines[1].quantity"]
    );
    // An external id where the Flexprice id belongs, and an empty description.
    assert_eq!(
        fields(
            start("ada-42", Currency::USD, dec!(1))
                .line(OneOffLine::new("Fee", dec!(1)))
                .description("")
        ),
        ["customer_id", "description"]
    );
    // Trailing zeros are exact, not extra precision.
    assert!(
        start("cust_01", Currency::USD, dec!(1.500))
            .line(OneOffLine::new("Fee", dec!(1.5)))
            .build()
            .is_ok()
    );
    assert!(rig.server.requests().is_empty());
}

#[tokio::test]
async fn a_409_without_an_id_is_resolved_by_the_key_lookup() {
    let rig = FnRig::new(|r| match r.path.as_str() {
        "/v1/invoices" => already_exists(),
        "/v1/invoices/search" => {
            let mut other = answer("someone-elses-key", "5");
            other["id"] = json!("inv_00");
            ok(200, page(vec![other, answer("inv-key-1", "59.5")]))
        }
        other => panic!("unexpected {other}"),
    })
    .await;
    let invoice = rig
        .client
        .create_one_off_invoice(input("cust_01"))
        .await
        .unwrap();
    assert_eq!(invoice.id.as_str(), "inv_01");
    let requests = rig.server.requests();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert_eq!(
        (requests[1].method.as_str(), requests[1].path.as_str()),
        ("POST", "/v1/invoices/search")
    );
    assert_eq!(
        body(&requests[1]),
        json!({"customer_id": "cust_01", "invoice_type": "ONE_OFF", "limit": 100, "offset": 0,
               "sort": "created_at", "order": "desc"})
    );
}

#[tokio::test]
async fn a_key_held_by_other_content_is_conflict_and_an_unfound_holder_keeps_the_409() {
    let rig = FnRig::new(|r| match r.path.as_str() {
        "/v1/invoices" => already_exists(),
        "/v1/invoices/search" => ok(200, page(vec![answer("inv-key-1", "70")])),
        other => panic!("unexpected {other}"),
    })
    .await;
    let err = rig
        .client
        .create_one_off_invoice(input("cust_01"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert!(err.message().contains("inv_01"), "{err}");

    let rig = FnRig::new(|r| match r.path.as_str() {
        "/v1/invoices" => already_exists(),
        "/v1/invoices/search" => {
            let mut voided = answer("inv-key-1", "59.5");
            voided["invoice_status"] = json!("VOIDED");
            ok(200, page(vec![voided]))
        }
        other => panic!("unexpected {other}"),
    })
    .await;
    let err = rig
        .client
        .create_one_off_invoice(input("cust_01"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
}

async fn emulator_customer(rig: &EmuRig) -> CustomerId {
    let c = rig
        .customers()
        .create(NewCustomer::builder("ada-1", "Ada").build().unwrap())
        .await
        .unwrap();
    c.id
}

#[tokio::test]
async fn on_the_emulator_a_re_sent_create_is_the_same_invoice() {
    let rig = EmuRig::new().await;
    let customer = emulator_customer(&rig).await;
    let input = input(customer.as_str());
    let first = rig
        .client
        .create_one_off_invoice(input.clone())
        .await
        .unwrap();
    assert_eq!(first.status, InvoiceStatus::Open, "finalised in the create");
    assert!(first.number.is_some());
    assert_eq!(first.amount_due.as_ref().unwrap().amount, dec!(59.50));
    // The re-send is answered 409 without an id; the key finds the invoice.
    let before = rig.server.requests().len();
    let again = rig
        .client
        .create_one_off_invoice(input.clone())
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.number, first.number);
    assert_eq!(rig.emulator.invoice_count(), 1);
    assert_eq!(
        paths(&rig, before),
        ["/v1/invoices", "/v1/invoices/search"],
        "the 409, then the lookup"
    );
    // The same key with other content is not this input's invoice.
    let other = NewOneOffInvoice::builder(customer.clone(), Currency::USD, dec!(1))
        .line(OneOffLine::new("Fee", dec!(1)))
        .key(key())
        .build()
        .unwrap();
    let err = rig.client.create_one_off_invoice(other).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert_eq!(rig.emulator.invoice_count(), 1);
    // Another key is another invoice.
    let next = NewOneOffInvoice::builder(customer, Currency::USD, dec!(1))
        .line(OneOffLine::new("Fee", dec!(1)))
        .build()
        .unwrap();
    let second = rig.client.create_one_off_invoice(next).await.unwrap();
    assert_ne!(second.id, first.id);
    assert_eq!(rig.emulator.invoice_count(), 2);
}

#[tokio::test]
async fn on_the_emulator_a_lost_answer_is_found_by_key_before_any_re_send() {
    let rig = EmuRig::new().await;
    let customer = emulator_customer(&rig).await;
    rig.server.push_fault(Fault::CloseAfterHandling);
    let before = rig.server.requests().len();
    let invoice = rig
        .client
        .create_one_off_invoice(input(customer.as_str()))
        .await
        .unwrap();
    assert_eq!(rig.emulator.invoice_count(), 1);
    assert_eq!(invoice.status, InvoiceStatus::Open);
    assert_eq!(
        paths(&rig, before),
        ["/v1/invoices", "/v1/invoices/search"],
        "looked up, not re-sent"
    );
}

#[tokio::test]
async fn on_the_emulator_a_re_send_lost_before_handling_is_found_by_key_not_sent_again() {
    let rig = EmuRig::new().await;
    let customer = emulator_customer(&rig).await;
    let input = input(customer.as_str());
    let first = rig
        .client
        .create_one_off_invoice(input.clone())
        .await
        .unwrap();
    // The re-send's connection drops before the emulator handles it: the lookup runs before any re-send.
    rig.server.push_fault(Fault::CloseBeforeHandling);
    let before = rig.server.requests().len();
    let again = rig.client.create_one_off_invoice(input).await.unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(rig.emulator.invoice_count(), 1);
    assert_eq!(paths(&rig, before), ["/v1/invoices", "/v1/invoices/search"]);
}

/// The paths the server saw from request `from` on.
fn paths(rig: &EmuRig, from: usize) -> Vec<String> {
    rig.server.requests()[from..]
        .iter()
        .map(|r| r.path.clone())
        .collect()
}
