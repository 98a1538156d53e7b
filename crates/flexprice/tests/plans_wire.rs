//! Plan wire tests (notes `flexprice-prices.md` §6, `types.PlanFilter`): exact request bodies and paths for
//! get, list and archive, the decoded answers, and the calls against the emulator.

mod support;

use futures::TryStreamExt;
use serde_json::json;
use support::{EmuRig, FnRig};
use unibill_core::ErrorKind;
use unibill_flexprice::{NewPlan, PlanListQuery};
use unibill_testkit::{RecordedRequest, Reply};

fn body(r: &RecordedRequest) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap()
}

fn plan_json(id: &str, name: &str, status: &str) -> serde_json::Value {
    json!({
        "id": id, "name": name, "lookup_key": "", "description": "", "metadata": {"tier": "pro", "n": 1},
        "environment_id": "env_1", "tenant_id": "tenant_1", "status": status,
        "created_at": "2026-08-22T13:00:01.123456Z", "updated_at": "2026-08-22T13:00:01.123456Z",
    })
}

/// `list_plans` sends `POST /v1/plans/search` with exactly `limit`, `offset`, `order: asc` and
/// `status: published` (no `status` when archived plans are asked for), reads `{items, pagination}`, and keeps
/// the next offset (sent offset + limit) in the cursor until `total` is reached.
#[tokio::test]
async fn list_sends_the_plan_filter_and_pages_by_offset() {
    let rig = FnRig::new(|r| {
        let offset = body(r)["offset"].as_u64().unwrap();
        let items = if offset == 0 {
            vec![
                plan_json("plan_a", "A", "published"),
                plan_json("plan_b", "B", "published"),
            ]
        } else {
            vec![plan_json("plan_c", "C", "archived")]
        };
        // `pagination.offset` is the *next* offset on the wire; it is not what the adapter follows.
        Reply::json(
            200,
            json!({"items": items, "pagination": {"total": 3, "limit": 2, "offset": offset + 2}})
                .to_string(),
        )
    })
    .await;
    let first = rig
        .client
        .list_plans(PlanListQuery::new().limit(2))
        .await
        .unwrap();
    let ids: Vec<&str> = first.items.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["plan_a", "plan_b"]);
    assert_eq!(first.items[0].name, "A");
    assert_eq!(first.items[0].lookup_key, None, "\"\" is no key");
    assert_eq!(
        first.items[0].metadata.get("tier"),
        Some("pro"),
        "string metadata kept"
    );
    assert!(first.items[0].raw.is_some());
    let second = rig
        .client
        .list_plans(
            PlanListQuery::new()
                .limit(2)
                .cursor(first.next_cursor.unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(second.items.len(), 1);
    assert!(!second.items[0].active, "archived");
    assert!(second.next_cursor.is_none(), "total reached");
    rig.client
        .list_plans(PlanListQuery::new().include_archived(true))
        .await
        .unwrap();

    let requests = rig.server.requests();
    for r in &requests {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/v1/plans/search");
        assert_eq!(r.query, None);
        assert_eq!(r.headers["content-type"], "application/json");
    }
    let bodies: Vec<serde_json::Value> = requests.iter().map(body).collect();
    assert_eq!(
        bodies,
        [
            json!({"limit": 2, "offset": 0, "order": "asc", "status": "published"}),
            json!({"limit": 2, "offset": 2, "order": "asc", "status": "published"}),
            json!({"limit": 50, "offset": 0, "order": "asc"}),
        ]
    );
}

/// A cursor of another listing (here: the published-only one handed to an archived-too query) is refused
/// before anything is sent, as is an empty id.
#[tokio::test]
async fn foreign_cursors_and_empty_ids_are_refused_before_sending() {
    let rig = FnRig::new(|_| {
        Reply::json(
            200,
            json!({"items": [plan_json("plan_a", "A", "published")], "pagination": {"total": 9}})
                .to_string(),
        )
    })
    .await;
    let page = rig
        .client
        .list_plans(PlanListQuery::new().limit(1))
        .await
        .unwrap();
    let err = rig
        .client
        .list_plans(
            PlanListQuery::new()
                .include_archived(true)
                .cursor(page.next_cursor.unwrap()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    for err in [
        rig.client.get_plan("").await.unwrap_err(),
        rig.client.archive_plan("").await.unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.field_errors()[0].field, "id");
    }
    assert_eq!(rig.server.request_count(), 1);
}

/// `get_plan` is `GET /v1/plans/{id}` (no body, no query) and keeps the ids of the prices the answer embeds,
/// ended ones included.
#[tokio::test]
async fn get_reads_the_plan_and_its_price_ids() {
    let rig = FnRig::new(|_| {
        let mut plan = plan_json("plan_a", "Pro", "published");
        plan["prices"] = json!([{"id": "price_1", "amount": "29"}, {"id": "price_2", "end_date": "2026-08-22T13:00:01Z"}]);
        plan["entitlements"] = json!([]);
        Reply::json(200, plan.to_string())
    })
    .await;
    let plan = rig.client.get_plan("plan_a").await.unwrap();
    assert_eq!(plan.price_ids, ["price_1", "price_2"]);
    assert!(plan.active);
    let r = rig.only_request();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/v1/plans/plan_a")
    );
    assert_eq!(r.query, None);
    assert!(r.body.is_empty());
}

/// Against the emulator: a plan is created, read with its prices, listed (oldest first, every page by
/// `list_all_plans`), and archived by `DELETE /v1/plans/{id}` (no body) then read back; the archived plan
/// leaves the default listing and stays in the archived-too one.
#[tokio::test]
async fn create_get_list_archive_against_the_emulator() {
    let rig = EmuRig::new().await;
    let seeded = rig.emulator.add_plan("Seeded");
    let pro = rig
        .client
        .create_plan(NewPlan::builder("Pro").lookup_key("pro").build().unwrap())
        .await
        .unwrap();
    let got = rig.client.get_plan(&pro.id).await.unwrap();
    assert_eq!(
        (got.name.as_str(), got.lookup_key.as_deref()),
        ("Pro", Some("pro"))
    );
    assert!(got.price_ids.is_empty());

    let all: Vec<String> = rig
        .client
        .list_all_plans(PlanListQuery::new().limit(1))
        .map_ok(|p| p.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all, [seeded.clone(), pro.id.clone()]);

    rig.emulator.clear_requests();
    let archived = rig.client.archive_plan(&seeded).await.unwrap();
    assert!(!archived.active);
    let seen: Vec<(String, String, String)> = rig
        .emulator
        .requests()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path.clone(), r.body_text()))
        .collect();
    let path = format!("/v1/plans/{seeded}");
    assert_eq!(
        seen,
        [
            ("DELETE".to_owned(), path.clone(), String::new()),
            ("GET".to_owned(), path, String::new()),
        ]
    );
    let published = rig.client.list_plans(PlanListQuery::new()).await.unwrap();
    assert_eq!(published.items.len(), 1);
    assert_eq!(published.items[0].id, pro.id);
    let everything = rig
        .client
        .list_plans(PlanListQuery::new().include_archived(true))
        .await
        .unwrap();
    assert_eq!(everything.items.len(), 2);

    let missing = rig.client.get_plan("plan_missing").await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}
