//! The connection operations: requests, safety classes and decoding.

use async_trait::async_trait;
use unibill_core::{
    Connection, ConnectionCapabilities, ConnectionId, ConnectionListQuery, ConnectionProviderType,
    ConnectionSecrets, ConnectionUpdate, Connections, ErrorKind, JsonObject, NewConnection, Page,
    Patch, Result,
};
use unibill_http::{Lookup, Request, Response, Safety};

use super::secrets::{SecretData, check_rotation, values};
use super::wire::{
    CreateConnection, UpdateConnection, WireConnection, WireConnectionList, WireSyncConfig,
};
use crate::client::FlexpriceClient;
use crate::decode::{envelope, item_with_raw, with_raw};
use crate::pagination::{self, MAX_LIMIT, next_cursor, start_offset};
use crate::{capabilities, validate};

const CREATE: &str = "connections.create";
const GET: &str = "connections.get";
const LIST: &str = "connections.list";
const UPDATE: &str = "connections.update";
const DELETE: &str = "connections.delete";

fn decode_one(response: Response) -> Result<Connection> {
    let (wire, raw) = with_raw::<WireConnection>(&response)?;
    Ok(wire.into_connection(raw))
}

/// The items of a list answer (`connections: null` is an empty list), with the server's total.
fn decode_list(response: Response) -> Result<(Vec<Connection>, Option<u64>)> {
    let list: WireConnectionList = envelope(&response)?;
    let items = list
        .connections
        .unwrap_or_default()
        .into_iter()
        .map(|raw| item_with_raw::<WireConnection>(raw).map(|(w, raw)| w.into_connection(raw)))
        .collect::<Result<Vec<_>>>()?;
    Ok((items, list.total))
}

fn list_request(
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

impl FlexpriceClient {
    /// `GET /connections/{id}`, scrubbing `secrets` too from an error answer (the read before an update that
    /// carries secrets).
    async fn fetch_connection(
        &self,
        id: &ConnectionId,
        secrets: Option<&ConnectionSecrets>,
    ) -> Result<Connection> {
        let mut request = Request::get(GET, "/connections/{id}").path(["connections", id.as_str()]);
        for secret in secrets.into_iter().flat_map(values) {
            request = request.secret(secret);
        }
        self.exec.send(request, Safety::Safe, decode_one).await
    }
}

#[async_trait]
impl Connections for FlexpriceClient {
    fn capabilities(&self) -> ConnectionCapabilities {
        capabilities::connections()
    }

    async fn create(&self, input: NewConnection) -> Result<Connection> {
        let caps = self.capabilities();
        caps.check_create(&input)?;
        validate::sync_directions(input.sync_config())?;
        let body = CreateConnection {
            name: input.name(),
            provider_type: input.provider_type().as_str(),
            encrypted_secret_data: input.secrets().map(|secrets| SecretData {
                secrets,
                form: self.secrets_form,
            }),
            metadata: input.metadata(),
            sync_config: WireSyncConfig::encode(input.sync_config(), input.settings()),
        };
        let mut request = Request::post(CREATE, "/connections")
            .path(["connections"])
            .json(&body)?;
        for secret in input.secrets().into_iter().flat_map(values) {
            request = request.secret(secret);
        }
        let safety = if caps.is_unique_type(input.provider_type().as_str()) {
            // The one published connection of this type is this create's when it carries its name.
            let input = &input;
            Safety::natural_key(move || async move {
                let request = list_request(Some(input.provider_type()), MAX_LIMIT, 0);
                let (found, _) = self.exec.send(request, Safety::Safe, decode_list).await?;
                Ok(
                    match found
                        .into_iter()
                        .find(|c| &c.provider_type == input.provider_type())
                    {
                        Some(c) if c.name == input.name() => Lookup::Found(c),
                        Some(c) => Lookup::Mismatch {
                            existing_id: Some(c.id.into_string()),
                        },
                        None => Lookup::Missing,
                    },
                )
            })
        } else {
            // `s3` allows any number of connections: nothing identifies this create's.
            Safety::Unsafe
        };
        self.exec.send(request, safety, decode_one).await
    }

    async fn get(&self, id: ConnectionId) -> Result<Connection> {
        self.fetch_connection(&id, None).await
    }

    async fn list(&self, mut query: ConnectionListQuery) -> Result<Page<Connection>> {
        self.capabilities().check_list(&mut query)?;
        let fingerprint = query.fingerprint();
        let offset = start_offset(query.cursor.as_ref(), fingerprint)?;
        let limit = pagination::limit(query.limit)?;
        let request = list_request(query.provider_type.as_ref(), limit, offset);
        let (items, total) = self.exec.send(request, Safety::Safe, decode_list).await?;
        let next = next_cursor(fingerprint, offset, limit, items.len(), total);
        Ok(Page::new(items, next))
    }

    async fn update(&self, id: ConnectionId, update: ConnectionUpdate) -> Result<Connection> {
        self.capabilities().check_update(&update)?;
        validate::sync_directions(update.sync_config())?;
        // A rotation needs the type, and a new sync config must carry the settings that share its object.
        let current = if update.secrets().is_some() || update.sync_config().is_some() {
            Some(self.fetch_connection(&id, update.secrets()).await?)
        } else {
            None
        };
        if let (Some(secrets), Some(current)) = (update.secrets(), &current) {
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
            sync_config: update.sync_config().and_then(|sync| {
                WireSyncConfig::encode(Some(sync), current.as_ref().map(|c| &c.settings))
            }),
            encrypted_secret_data: update.secrets().map(|secrets| SecretData {
                secrets,
                form: self.secrets_form,
            }),
        };
        let mut request = Request::put(UPDATE, "/connections/{id}")
            .path(["connections", id.as_str()])
            .json(&body)?;
        for secret in update.secrets().into_iter().flat_map(values) {
            request = request.secret(secret);
        }
        self.exec.send(request, Safety::Safe, decode_one).await
    }

    async fn delete(&self, id: ConnectionId) -> Result<()> {
        let request =
            Request::delete(DELETE, "/connections/{id}").path(["connections", id.as_str()]);
        // After an attempt with an unknown outcome: an archived connection is a 404, so a 404 means done.
        let id = &id;
        let safety = Safety::reconcile(move || async move {
            match self.get(id.clone()).await {
                Ok(_) => Ok(Lookup::Missing),
                Err(e) if e.kind() == ErrorKind::NotFound => Ok(Lookup::Found(())),
                Err(e) => Err(e),
            }
        });
        self.exec.send(request, safety, |_| Ok(())).await
    }
}
