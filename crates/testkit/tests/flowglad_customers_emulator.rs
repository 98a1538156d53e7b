//! Raw-HTTP tests of the Flowglad emulator's customers: the notes' §6 items on customers (`s6_09`, `s6_10`).

use serde_json::json;
#[path = "support/flowglad_rig.rs"]
mod rig;

use rig::*;

#[tokio::test]
async fn s6_09_customer_create_answers_data_customer_get_and_put_answer_customer() {
    let api = start().await;
    let a = api
        .post(
            "/api/v1/customers",
            &fixture("create-customer.request.json"),
        )
        .await;
    assert_eq!(a.status, 200, "creates are 200, not 201");
    assert_matches_fixture(
        &a.json(),
        &fixture("create-customer.response.json"),
        "create",
    );
    let got = api.get("/api/v1/customers/user_12345").await;
    assert_eq!(got.status, 200);
    assert_matches_fixture(&got.json(), &fixture("get-customer.response.json"), "get");
    let put = api
        .put(
            "/api/v1/customers/user_12345",
            &json!({"customer": {"name": "Ada King", "domain": "example.com", "externalId": "ignored"}}),
        )
        .await;
    assert_eq!(put.status, 200);
    let c = put.json()["customer"].clone();
    assert_eq!(
        (
            c["name"].clone(),
            c["domain"].clone(),
            c["email"].clone(),
            c["externalId"].clone()
        ),
        (
            json!("Ada King"),
            json!("example.com"),
            json!("ada@example.com"),
            json!("user_12345")
        )
    );
    let bad = api
        .put(
            "/api/v1/customers/user_12345",
            &json!({"customer": {"email": 5}}),
        )
        .await;
    let (_, path) = single_issue(&bad);
    assert_eq!(path, ["customer", "email"]);
    let missing = api
        .put(
            "/api/v1/customers/nobody",
            &json!({"customer": {"name": "x"}}),
        )
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn s6_10_customers_by_external_id_with_409_archive_and_reuse() {
    let api = start().await;
    let create =
        |ext: &str| json!({"customer": {"externalId": ext, "email": "a@example.com", "name": "A"}});
    let first = api.post("/api/v1/customers", &create("user 1/ü")).await;
    assert_eq!(first.status, 200);
    let cust_id = first.json()["data"]["customer"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // Addressed by the percent-encoded external id, not by the cust_ id.
    assert_eq!(
        api.get("/api/v1/customers/user%201%2F%C3%BC").await.status,
        200
    );
    assert_eq!(
        api.get(&format!("/api/v1/customers/{cust_id}"))
            .await
            .status,
        404
    );
    // A duplicate active external id: 409 CONFLICT.
    let dup = api.post("/api/v1/customers", &create("user 1/ü")).await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.error_body()["code"], "CONFLICT");
    assert_eq!(api.emu.customer_count(), 1);
    // Archive, then the external id can be reused.
    let archived = api
        .post("/api/v1/customers/user%201%2F%C3%BC/archive", &json!({}))
        .await;
    assert_eq!(archived.status, 200);
    assert_eq!(archived.json()["customer"]["archived"], true);
    let again = api.post("/api/v1/customers", &create("user 1/ü")).await;
    assert_eq!(again.status, 200, "{}", again.text);
    let now = api.get("/api/v1/customers/user%201%2F%C3%BC").await.json();
    assert_eq!(now["customer"]["archived"], false);
    assert_ne!(now["customer"]["id"], cust_id.as_str());
    assert_eq!(api.emu.customer_count(), 2);
    // userId references Flowglad's users table: an application user id breaks the foreign key (500).
    let mut with_user = create("user_2");
    with_user["customer"]["userId"] = json!("my-app-user-42");
    let a = api.post("/api/v1/customers", &with_user).await;
    assert_eq!(a.status, 500);
    assert_eq!(a.error_body()["error"], "Internal server error");
    // Archiving an unknown customer is 404.
    assert_eq!(
        api.post("/api/v1/customers/nobody/archive", &json!({}))
            .await
            .status,
        404
    );
}
