//! Store create, get and delete, with the id fallback for create answers that carry no store id.

use unibill_core::{
    Error, ErrorKind, IntegrationConfigurationId, NewStore, Result, Store, StoreId,
};
use unibill_http::{Lookup, Request, Safety};

use super::wire::{WireNewStore, WireResource, decode_store_answer, null_store};
use crate::client::VercelStores;

impl VercelStores {
    /// `POST /v1/storage/stores/integration/direct`, `Unsafe`.
    ///
    /// Why not `Reconcile`: a re-send is safe only if we can look up, before it, whether the first attempt
    /// created the store, and nothing the request carries can be looked up. `externalId` has no documented
    /// uniqueness and no lookup; the partner-resource lookup needs the `externalResourceId` the partner assigns
    /// in the very answer that was lost; listing stores is undocumented. So a create whose outcome is unknown is
    /// never re-sent: the caller gets `OutcomeUnknown`. A 429 and a refused connection are still retried (nothing
    /// was applied).
    pub(crate) async fn create_store(&self, input: NewStore) -> Result<Store> {
        let body = WireNewStore::from_input(&input)?;
        let request = self
            .scoped(
                Request::post("stores.create", "/v1/storage/stores/integration/direct").path([
                    "v1",
                    "storage",
                    "stores",
                    "integration",
                    "direct",
                ]),
            )
            .json(&body)?;
        let mut store = self
            .exec
            .send(request, Safety::Unsafe, |r| {
                decode_store_answer(&r.body)?.ok_or_else(|| null_store(r.request_id()))
            })
            .await?;
        if store.id.is_none() && self.resolve_missing_id && !store.external_resource_id.is_empty() {
            let configuration = store
                .product
                .configuration_id
                .clone()
                .unwrap_or_else(|| input.configuration_id().clone());
            // The store exists whatever this lookup says: a failed lookup leaves `id: None` rather than
            // failing a create that succeeded (a caller would retry it and make a duplicate).
            if let Ok(found) = self
                .resource(&configuration, &store.external_resource_id)
                .await
            {
                if let Some(id) = found.internal_id.filter(|i| !i.is_empty()) {
                    store.id = Some(StoreId::new(id));
                }
                if store.name.is_none() {
                    store.name = found.name;
                }
            }
        }
        if store.name.is_none() {
            store.name = Some(input.name().to_owned());
        }
        Ok(store)
    }

    /// `GET /v1/installations/{icfg}/resources/{externalResourceId}`, `Safe`: the partner id → Vercel's
    /// `internalId`.
    async fn resource(
        &self,
        configuration: &IntegrationConfigurationId,
        external_resource_id: &str,
    ) -> Result<WireResource> {
        let request = self.scoped(
            Request::get(
                "stores.resolve_id",
                "/v1/installations/{icfg}/resources/{externalResourceId}",
            )
            .path([
                "v1",
                "installations",
                configuration.as_str(),
                "resources",
                external_resource_id,
            ]),
        );
        self.exec.send_json(request, Safety::Safe).await
    }

    /// `GET /v1/storage/stores/{id}`, `Safe`.
    pub(crate) async fn get_store(&self, id: &StoreId) -> Result<Store> {
        let request = self.scoped(Request::get("stores.get", "/v1/storage/stores/{id}").path([
            "v1",
            "storage",
            "stores",
            id.as_str(),
        ]));
        let mut store = self
            .exec
            .send(request, Safety::Safe, |r| {
                decode_store_answer(&r.body)?.ok_or_else(|| {
                    Error::decode("the store answer carried `store: null`")
                        .with_status(r.status.as_u16())
                })
            })
            .await?;
        if store.id.is_none() {
            store.id = Some(id.clone());
        }
        Ok(store)
    }

    /// `DELETE /v1/storage/stores/integration/{id}`, `Reconcile`: retried like a safe call, and before any re-send
    /// after an ambiguous attempt the store is read; gone means the earlier attempt deleted it (success).
    pub(crate) async fn delete_store(&self, id: &StoreId) -> Result<()> {
        let request = self.scoped(
            Request::delete("stores.delete", "/v1/storage/stores/integration/{id}").path([
                "v1",
                "storage",
                "stores",
                "integration",
                id.as_str(),
            ]),
        );
        let safety = Safety::reconcile(|| async {
            match self.get_store(id).await {
                Ok(_) => Ok(Lookup::Missing),
                Err(e) if e.kind() == ErrorKind::NotFound => Ok(Lookup::Found(())),
                Err(e) => Err(e),
            }
        });
        self.exec.send_empty(request, safety).await
    }
}
