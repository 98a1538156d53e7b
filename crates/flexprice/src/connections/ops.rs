//! The connection operations, without I/O: each request as a value (with the secrets it carries marked for
//! scrubbing), each answer decoded, and what the lookup by provider type means for a create.

use unibill_core::{
    Connection, ConnectionId, ConnectionListQuery, ConnectionProviderType, ConnectionSecrets,
    ConnectionUpdate, Error, FieldError, JsonObject, NewConnection, Patch, Result, SyncConfig,
    SyncDirection,
};
use unibill_http::{Lookup, Request, Response};

use super::secrets::{SecretData, check_rotation, values};
use super::wire::{
    CreateConnection, UpdateConnection, WireConnection, WireConnectionList, WireSyncConfig,
};
use crate::SecretsForm;
use crate::decode::{envelope, with_raw};
use crate::pagination::{MAX_LIMIT, PageAt, each_item};

const CREATE: &str = "connections.create";
const GET: &str = "connections.get";
const LIST: &str = "connections.list";
const UPDATE: &str = "connections.update";
const DELETE: &str = "connections.delete";

/// `POST /connections` with the secrets in `form`. Sync directions the server refuses are `InvalidInput`
/// (nothing is sent).
pub fn create_request(input: &NewConnection, form: SecretsForm) -> Result<Request> {
    sync_directions(input.sync_config())?;
    let body = CreateConnection {
        name: input.name(),
        provider_type: input.provider_type().as_str(),
        encrypted_secret_data: input.secrets().map(|secrets| SecretData { secrets, form }),
        metadata: input.metadata(),
        sync_config: WireSyncConfig::encode(input.sync_config(), input.settings()),
    };
    let request = Request::post(CREATE, "/connections")
        .path(["connections"])
        .json(&body)?;
    Ok(carrying(request, input.secrets()))
}

/// `GET /connections/{id}`, scrubbing `secrets` too from an error answer (the read before an update that
/// carries secrets).
pub fn get_request(id: &ConnectionId, secrets: Option<&ConnectionSecrets>) -> Request {
    carrying(
        Request::get(GET, "/connections/{id}").path(["connections", id.as_str()]),
        secrets,
    )
}

/// `GET /connections?limit&offset&order=asc[&provider_type]`, and the page it asks for.
pub(crate) fn list_request(query: &ConnectionListQuery) -> Result<(Request, PageAt)> {
    let at = PageAt::new(query.cursor.as_ref(), query.fingerprint(), query.limit)?;
    Ok((
        page_request(query.provider_type.as_ref(), at.limit, at.offset),
        at,
    ))
}

/// The read that finds the one published connection of the input's type (a type limited to one).
pub(crate) fn lookup_request(input: &NewConnection) -> Request {
    page_request(Some(input.provider_type()), MAX_LIMIT, 0)
}

fn page_request(
    provider_type: Option<&ConnectionProviderType>,
    limit: u32,
    offset: u64,
) -> Request {
    Request::get(LIST, "/connections")
        .path(["connections"])
        .query("limit", limit.to_string())
        .query("offset", offset.to_string())
        .query("order", "asc")
        .query_opt(
            "provider_type",
            provider_type.map(|p| p.as_str().to_owned()),
        )
}

/// Checks what can be checked before anything is sent (sync directions the server refuses are
/// `InvalidInput`), and says whether the update needs the connection as it is first: a rotation needs its
/// type, and a new sync config must carry the settings that share its object.
pub(crate) fn update_needs_current(update: &ConnectionUpdate) -> Result<bool> {
    sync_directions(update.sync_config())?;
    Ok(update.secrets().is_some() || update.sync_config().is_some())
}

/// `PUT /connections/{id}` (`sync_config` replaced whole, the `current` settings kept in it), after
/// [`update_needs_current`]; a rotation the server ignores is `Unsupported`.
pub fn update_request(
    id: &ConnectionId,
    update: &ConnectionUpdate,
    current: Option<&Connection>,
    form: SecretsForm,
) -> Result<Request> {
    if let (Some(secrets), Some(current)) = (update.secrets(), current) {
        check_rotation(&current.provider_type, secrets)?;
    }
    let cleared = JsonObject::new();
    let body = UpdateConnection {
        name: update.name(),
        metadata: match update.metadata() {
            Patch::Keep => None,
            Patch::Clear => Some(&cleared),
            Patch::Set(m) => Some(m),
        },
        sync_config: update
            .sync_config()
            .and_then(|sync| WireSyncConfig::encode(Some(sync), current.map(|c| &c.settings))),
        encrypted_secret_data: update.secrets().map(|secrets| SecretData { secrets, form }),
    };
    let request = Request::put(UPDATE, "/connections/{id}")
        .path(["connections", id.as_str()])
        .json(&body)?;
    Ok(carrying(request, update.secrets()))
}

/// `DELETE /connections/{id}`.
pub fn delete_request(id: &ConnectionId) -> Request {
    Request::delete(DELETE, "/connections/{id}").path(["connections", id.as_str()])
}

/// A connection answer (create, get, update), `raw` kept.
pub fn decode_connection(response: Response) -> Result<Connection> {
    let (wire, raw) = with_raw::<WireConnection>(&response)?;
    Ok(wire.into_connection(raw))
}

/// A `GET /connections` page (`connections: null` is an empty list) and the server's total.
pub fn decode_connection_list(response: Response) -> Result<(Vec<Connection>, Option<u64>)> {
    let list: WireConnectionList = envelope(&response)?;
    let items = each_item(list.connections, |w: WireConnection, raw| {
        Ok(w.into_connection(raw))
    })?;
    Ok((items, list.total))
}

/// What the connections of the input's type say about a create of `input`: the one published connection of
/// the type is this create's when it carries its name.
pub(crate) fn created(input: &NewConnection, found: Vec<Connection>) -> Lookup<Connection> {
    match found
        .into_iter()
        .find(|c| &c.provider_type == input.provider_type())
    {
        Some(c) if c.name == input.name() => Lookup::Found(c),
        Some(c) => Lookup::Mismatch {
            existing_id: Some(c.id.into_string()),
        },
        None => Lookup::Missing,
    }
}

/// Marks every secret value for the executor to scrub from error bodies.
fn carrying(mut request: Request, secrets: Option<&ConnectionSecrets>) -> Request {
    for secret in secrets.into_iter().flat_map(values) {
        request = request.secret(secret);
    }
    request
}

/// The sync directions the server answers 400 for: `plan.outbound`, `subscription.outbound`,
/// `invoice.inbound`, `deal.inbound`, `quote.inbound`, `price.inbound`.
fn sync_directions(sync: Option<&SyncConfig>) -> Result<()> {
    let Some(s) = sync else { return Ok(()) };
    let on = |d: Option<SyncDirection>, outbound: bool| {
        d.is_some_and(|d| if outbound { d.outbound } else { d.inbound })
    };
    let errors: Vec<FieldError> = [
        ("sync_config.plan.outbound", on(s.plan, true)),
        (
            "sync_config.subscription.outbound",
            on(s.subscription, true),
        ),
        ("sync_config.invoice.inbound", on(s.invoice, false)),
        ("sync_config.deal.inbound", on(s.deal, false)),
        ("sync_config.quote.inbound", on(s.quote, false)),
        ("sync_config.price.inbound", on(s.price, false)),
    ]
    .into_iter()
    .filter(|(_, set)| *set)
    .map(|(field, _)| FieldError::new(field, "this sync direction is not supported by Flexprice"))
    .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid_fields(errors))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn body(request: &Request) -> Value {
        serde_json::from_slice(request.body_bytes().expect("a body")).unwrap()
    }

    #[test]
    fn create_sends_the_secrets_flat_or_nested() {
        let input = NewConnection::builder("Stripe", ConnectionProviderType::Stripe)
            .secrets(ConnectionSecrets::stripe("pk_1", "sk_1", "whsec_1"))
            .build()
            .unwrap();
        let flat = create_request(&input, SecretsForm::Flat).unwrap();
        assert_eq!(
            (flat.method().as_str(), flat.template()),
            ("POST", "/connections")
        );
        assert_eq!(
            body(&flat),
            json!({
                "name": "Stripe",
                "provider_type": "stripe",
                "encrypted_secret_data": {
                    "publishable_key": "pk_1", "secret_key": "sk_1", "webhook_secret": "whsec_1"
                }
            })
        );
        let nested = create_request(&input, SecretsForm::Nested).unwrap();
        assert_eq!(
            body(&nested)["encrypted_secret_data"],
            json!({"stripe": {"publishable_key": "pk_1", "secret_key": "sk_1", "webhook_secret": "whsec_1"}})
        );
    }

    #[test]
    fn rejected_directions() {
        let ok = SyncConfig {
            plan: Some(SyncDirection::INBOUND),
            invoice: Some(SyncDirection::OUTBOUND),
            customer: Some(SyncDirection::BOTH),
            ..Default::default()
        };
        assert!(sync_directions(Some(&ok)).is_ok());
        let bad = SyncConfig {
            plan: Some(SyncDirection::BOTH),
            quote: Some(SyncDirection::INBOUND),
            ..Default::default()
        };
        let fields: Vec<_> = sync_directions(Some(&bad))
            .unwrap_err()
            .field_errors()
            .iter()
            .map(|f| f.field.clone())
            .collect();
        assert_eq!(
            fields,
            ["sync_config.plan.outbound", "sync_config.quote.inbound"]
        );
    }
}
