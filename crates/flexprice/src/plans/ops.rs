//! The plan operations, without I/O: each request as a value, and each answer decoded.

use unibill_core::{Error, Result};
use unibill_http::{Request, Response};

use super::model::{NewPlan, Plan, PlanListQuery};
use super::wire::{CreatePlan, SearchPlans, WirePlan};
use crate::decode::with_raw;
use crate::pagination::{PageAt, decode_items};

const CREATE: &str = "plans.create";
pub(crate) const GET: &str = "plans.get";
const LIST: &str = "plans.list";
const ARCHIVE: &str = "plans.archive";

/// `POST /plans`.
pub fn create_request(input: &NewPlan) -> Result<Request> {
    Request::post(CREATE, "/plans")
        .path(["plans"])
        .json(&CreatePlan::from(input))
}

/// `GET /plans/{id}` (archived ones too; the embedded prices' ids kept).
pub fn get_request(id: &str) -> Result<Request> {
    non_empty_id(id)?;
    Ok(Request::get(GET, "/plans/{id}").path(["plans", id]))
}

/// `POST /plans/search` (`limit`, `offset`, `order: asc`, `status: published` unless archived ones are asked
/// for), and the page it asks for.
pub(crate) fn list_request(query: &PlanListQuery) -> Result<(Request, PageAt)> {
    let at = PageAt::new(query.cursor.as_ref(), query.fingerprint(), query.limit)?;
    let body = SearchPlans {
        limit: at.limit,
        offset: at.offset,
        order: "asc",
        status: (!query.include_archived).then_some("published"),
    };
    let request = Request::post(LIST, "/plans/search")
        .path(["plans", "search"])
        .json(&body)?;
    Ok((request, at))
}

/// `DELETE /plans/{id}` (its prices stay published).
pub fn archive_request(id: &str) -> Result<Request> {
    non_empty_id(id)?;
    Ok(Request::delete(ARCHIVE, "/plans/{id}").path(["plans", id]))
}

/// A plan answer (create, get), `raw` kept.
pub fn decode_plan(response: Response) -> Result<Plan> {
    let (wire, raw) = with_raw::<WirePlan>(&response)?;
    Ok(wire.into_plan(raw))
}

/// A `POST /plans/search` page: its plans (each with its `raw`) and the server's total.
pub fn decode_plan_list(response: Response) -> Result<(Vec<Plan>, Option<u64>)> {
    decode_items(&response, |w: WirePlan, raw| Ok(w.into_plan(raw)))
}

/// A plan id is a path segment: an empty one would address the collection.
fn non_empty_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::invalid_field("id", "must not be empty"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn body(request: &Request) -> Value {
        serde_json::from_slice(request.body_bytes().expect("a body")).unwrap()
    }

    #[test]
    fn create_and_search_bodies() {
        let input = NewPlan::builder("Pro").lookup_key("pro").build().unwrap();
        let create = create_request(&input).unwrap();
        assert_eq!(
            (create.method().as_str(), create.template()),
            ("POST", "/plans")
        );
        assert_eq!(body(&create), json!({"name": "Pro", "lookup_key": "pro"}));
        let (published, _) = list_request(&PlanListQuery::new()).unwrap();
        assert_eq!(
            body(&published),
            json!({"limit": 50, "offset": 0, "order": "asc", "status": "published"})
        );
        let (every, _) =
            list_request(&PlanListQuery::new().include_archived(true).limit(5)).unwrap();
        assert_eq!(
            body(&every),
            json!({"limit": 5, "offset": 0, "order": "asc"})
        );
    }

    #[test]
    fn an_empty_id_is_refused_before_sending() {
        assert_eq!(get_request("").unwrap_err().field_errors()[0].field, "id");
        assert_eq!(
            archive_request("").unwrap_err().field_errors()[0].field,
            "id"
        );
    }
}
