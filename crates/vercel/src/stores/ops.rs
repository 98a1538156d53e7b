//! The store operations, without I/O: each request as a value, each answer decoded, and how a create answer
//! without the store id is completed through the partner resource.

use unibill_core::{Error, ErrorKind, NewStore, Result, Store, StoreId};
use unibill_http::{Request, Response};

use super::wire::{WireNewStore, WireResource, decode_store_answer};
use crate::config::{TeamScope, scoped};

const CREATE: &str = "stores.create";
const RESOLVE_ID: &str = "stores.resolve_id";
const GET: &str = "stores.get";
const DELETE: &str = "stores.delete";

/// `POST /v1/storage/stores/integration/direct`. A prepayment that is not whole cents is `InvalidInput`
/// (nothing is sent).
pub fn create_request(input: &NewStore, team: Option<&TeamScope>) -> Result<Request> {
    let body = WireNewStore::try_from(input)?;
    let request = Request::post(CREATE, "/v1/storage/stores/integration/direct").path([
        "v1",
        "storage",
        "stores",
        "integration",
        "direct",
    ]);
    scoped(request, team).json(&body)
}

/// A create answer: the store, or `OutcomeUnknown` for a 200 with `store: null` (the store may exist).
pub fn decode_created_store(response: Response) -> Result<Store> {
    decode_store_answer(&response.body)?.ok_or_else(|| null_store(response.request_id()))
}

/// The error for a 200 whose `store` is null: the store may exist.
fn null_store(request_id: Option<String>) -> Error {
    let mut e = Error::new(
        ErrorKind::OutcomeUnknown,
        "Vercel answered 200 with `store: null`: the store may or may not have been created; look for it before trying again",
    )
    .with_status(200);
    if let Some(id) = request_id {
        e = e.with_request_id(id);
    }
    e
}

/// `GET /v1/installations/{icfg}/resources/{externalResourceId}` for a created `store` whose answer had no id
/// (the partner id → Vercel's `internalId`); `None` when the store has its id or no partner id to look up.
/// The configuration is the answer's, else the input's.
pub(crate) fn resolve_id_request(
    store: &Store,
    input: &NewStore,
    team: Option<&TeamScope>,
) -> Option<Request> {
    if store.id.is_some() || store.external_resource_id.is_empty() {
        return None;
    }
    let configuration = store
        .product
        .configuration_id
        .as_ref()
        .unwrap_or(input.configuration_id());
    let request = Request::get(
        RESOLVE_ID,
        "/v1/installations/{icfg}/resources/{externalResourceId}",
    )
    .path([
        "v1",
        "installations",
        configuration.as_str(),
        "resources",
        store.external_resource_id.as_str(),
    ]);
    Some(scoped(request, team))
}

/// A partner-resource answer.
pub(crate) fn decode_resource(response: Response) -> Result<WireResource> {
    response.json()
}

/// The created store, completed: the id and name the partner `resource` gave (when it was read), else the
/// input's name.
pub(crate) fn complete_created(
    mut store: Store,
    input: &NewStore,
    resource: Option<WireResource>,
) -> Store {
    if let Some(found) = resource {
        if let Some(id) = found.internal_id.filter(|i| !i.is_empty()) {
            store.id = Some(StoreId::new(id));
        }
        if store.name.is_none() {
            store.name = found.name;
        }
    }
    if store.name.is_none() {
        store.name = Some(input.name().to_owned());
    }
    store
}

/// `GET /v1/storage/stores/{id}`.
pub fn get_request(id: &StoreId, team: Option<&TeamScope>) -> Request {
    let request =
        Request::get(GET, "/v1/storage/stores/{id}").path(["v1", "storage", "stores", id.as_str()]);
    scoped(request, team)
}

/// A store answer; `store: null` is a `Decode` error (a read has nothing to be unsure about).
pub fn decode_store(response: Response) -> Result<Store> {
    decode_store_answer(&response.body)?.ok_or_else(|| {
        Error::decode("the store answer carried `store: null`")
            .with_status(response.status.as_u16())
    })
}

/// The answer to `GET /v1/storage/stores/{id}`, with `id` as the store's id when the answer has none.
pub(crate) fn decode_read_store(id: &StoreId, response: Response) -> Result<Store> {
    let mut store = decode_store(response)?;
    if store.id.is_none() {
        store.id = Some(id.clone());
    }
    Ok(store)
}

/// `DELETE /v1/storage/stores/integration/{id}`.
pub fn delete_request(id: &StoreId, team: Option<&TeamScope>) -> Request {
    let request = Request::delete(DELETE, "/v1/storage/stores/integration/{id}").path([
        "v1",
        "storage",
        "stores",
        "integration",
        id.as_str(),
    ]);
    scoped(request, team)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use unibill_core::{ErrorKind, NewStore, Store};

    use super::*;
    use crate::decode::tests::answer;

    fn input() -> NewStore {
        NewStore::builder("shop-db", "icfg_1", "neon")
            .build()
            .unwrap()
    }

    #[test]
    fn create_sends_only_what_was_set() {
        let request = create_request(&input(), None).unwrap();
        assert_eq!(request.method().as_str(), "POST");
        let body: Value = serde_json::from_slice(request.body_bytes().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"name":"shop-db","integrationConfigurationId":"icfg_1","integrationProductIdOrSlug":"neon"})
        );
    }

    #[test]
    fn a_null_created_store_is_outcome_unknown_but_a_null_read_is_a_decode_error() {
        let created = decode_created_store(answer(br#"{"store":null}"#)).unwrap_err();
        assert_eq!(created.kind(), ErrorKind::OutcomeUnknown);
        let read = decode_store(answer(br#"{"store":null}"#)).unwrap_err();
        assert_eq!(read.kind(), ErrorKind::Decode);
    }

    #[test]
    fn the_id_is_looked_up_only_when_missing_and_completed_from_the_resource() {
        let store = Store::builder("neon-proj-1").build();
        let request = resolve_id_request(&store, &input(), None).expect("no id: look it up");
        assert_eq!(
            request.template(),
            "/v1/installations/{icfg}/resources/{externalResourceId}"
        );
        let resource: WireResource =
            serde_json::from_str(r#"{"internalId":"store_1","name":"from-vercel"}"#).unwrap();
        let done = complete_created(store, &input(), Some(resource));
        assert_eq!(done.id.as_ref().map(StoreId::as_str), Some("store_1"));
        assert_eq!(done.name.as_deref(), Some("from-vercel"));
        assert!(resolve_id_request(&done, &input(), None).is_none());

        let unresolved = complete_created(Store::builder("x").build(), &input(), None);
        assert_eq!(
            (unresolved.id, unresolved.name.as_deref()),
            (None, Some("shop-db"))
        );
    }
}
