//! Customer operations: request, safety, decode.
//!
//! | operation | request | safety |
//! |---|---|---|
//! | create | `POST /api/v1/customers` `{"customer": …}` | `NaturalKey` on the external id (lookup: `GET /api/v1/customers/{externalId}`) |
//! | get | `GET /api/v1/customers/{externalId}` | `Safe` |
//! | get_by_external_id | the same, archived customers `NotFound` | `Safe` |
//! | list | `GET /api/v1/customers?limit&cursor`, archived filtered here | `Safe` |
//! | update | `PUT /api/v1/customers/{externalId}` `{"customer": {name?, email?}}` | `Safe` |
//! | delete | `GET`, then `POST /api/v1/customers/{externalId}/archive` `{}` | `Safe` (archiving twice is harmless) |

use unibill_core::{
    Customer, CustomerListQuery, CustomerStatus, CustomerUpdate, Error, ErrorKind, NewCustomer,
    Page, Patch, Result,
};
use unibill_http::{Lookup, Request, Response, Safety};

use super::capabilities;
use super::wire::{
    self, CreateBody, CreatedEnvelope, CustomerEnvelope, NewWireCustomer, UpdateBody,
    WireCustomerUpdate,
};
use crate::client::FlowgladClient;
use crate::pagination::{self, WirePage};

fn decode_one(response: Response) -> Result<Customer> {
    let envelope: CustomerEnvelope = response.json()?;
    wire::customer(envelope.customer)
}

pub(crate) fn decode_created(response: Response) -> Result<Customer> {
    let envelope: CreatedEnvelope = response.json()?;
    match (envelope.data, envelope.customer) {
        (Some(data), _) => wire::customer(data.customer),
        (None, Some(raw)) => wire::customer(raw),
        (None, None) => Err(Error::decode(
            "the Flowglad customer create answer holds no customer",
        )),
    }
}

pub(crate) async fn create(c: &FlowgladClient, input: NewCustomer) -> Result<Customer> {
    capabilities().check_create(&input)?;
    let external_id = input.external_id();
    let email = input
        .email()
        .ok_or_else(|| Error::invalid_field("email", "is required by Flowglad"))?;
    let body = CreateBody {
        customer: NewWireCustomer {
            external_id: external_id.to_owned(),
            email: email.to_owned(),
            name: input.name().to_owned(),
        },
    };
    let request = Request::post("customers.create", "/api/v1/customers")
        .path(["api", "v1", "customers"])
        .json(&body)?;
    let input_ref = &input;
    let safety = Safety::natural_key(move || async move {
        match get(c, input_ref.external_id()).await {
            Ok(found) if found.status == CustomerStatus::Archived => Ok(Lookup::Missing),
            Ok(found)
                if found.name == input_ref.name()
                    && found.email.as_deref() == input_ref.email() =>
            {
                Ok(Lookup::Found(found))
            }
            Ok(found) => Ok(Lookup::Mismatch {
                existing_id: Some(found.id.into_string()),
            }),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Lookup::Missing),
            Err(e) => Err(e),
        }
    });
    match c.exec.send(request, safety, decode_created).await {
        // 409: an active customer holds the external id, which is also its handle.
        Err(e) if e.kind() == ErrorKind::AlreadyExists && e.existing_id().is_none() => {
            Err(e.with_existing_id(external_id))
        }
        other => other,
    }
}

pub(crate) async fn get(c: &FlowgladClient, external_id: &str) -> Result<Customer> {
    if external_id.is_empty() {
        return Err(Error::invalid_field("id", "must not be empty"));
    }
    let request = Request::get("customers.get", "/api/v1/customers/{externalId}").path([
        "api",
        "v1",
        "customers",
        external_id,
    ]);
    c.exec.send(request, Safety::Safe, decode_one).await
}

pub(crate) async fn get_by_external_id(c: &FlowgladClient, external_id: &str) -> Result<Customer> {
    let found = get(c, external_id).await?;
    if found.status == CustomerStatus::Archived {
        return Err(Error::not_found(format!(
            "no active Flowglad customer has external id `{external_id}`"
        ))
        .with_provider(crate::PROVIDER)
        .with_operation("customers.get_by_external_id"));
    }
    Ok(found)
}

pub(crate) async fn list(c: &FlowgladClient, query: CustomerListQuery) -> Result<Page<Customer>> {
    let fingerprint = query.fingerprint();
    let request = pagination::with_page(
        Request::get("customers.list", "/api/v1/customers").path(["api", "v1", "customers"]),
        query.limit,
        query.cursor.as_ref(),
        fingerprint,
    )?;
    let (items, next) = c
        .exec
        .send(request, Safety::Safe, |response| {
            let page: WirePage = response.json()?;
            let next = pagination::next_cursor(&page, fingerprint)?;
            let items = page
                .data
                .into_iter()
                .map(wire::customer)
                .collect::<Result<Vec<_>>>()?;
            Ok((items, next))
        })
        .await?;
    let items = items
        .into_iter()
        .filter(|x| query.include_archived || x.status != CustomerStatus::Archived)
        .collect();
    Ok(Page::new(items, next))
}

pub(crate) async fn update(
    c: &FlowgladClient,
    external_id: &str,
    update: CustomerUpdate,
) -> Result<Customer> {
    capabilities().check_update(&update)?;
    if update.is_empty() {
        return get(c, external_id).await;
    }
    let email = match update.email() {
        Patch::Set(v) => Some(v.clone()),
        Patch::Keep | Patch::Clear => None,
    };
    let body = UpdateBody {
        customer: WireCustomerUpdate {
            name: update.name().map(str::to_owned),
            email,
        },
    };
    let request = Request::put("customers.update", "/api/v1/customers/{externalId}")
        .path(["api", "v1", "customers", external_id])
        .json(&body)?;
    c.exec.send(request, Safety::Safe, decode_one).await
}

pub(crate) async fn delete(c: &FlowgladClient, external_id: &str) -> Result<()> {
    // An archived customer is still readable by id, so it is deleted already (the contract: a delete answers
    // as `get` does); nothing is sent. An unknown one is `get`'s NotFound.
    let current = get(c, external_id).await?;
    if current.status == CustomerStatus::Archived {
        return Ok(());
    }
    let request = Request::post("customers.delete", "/api/v1/customers/{externalId}/archive")
        .path(["api", "v1", "customers", external_id, "archive"])
        .json(&serde_json::json!({}))?;
    c.exec.send(request, Safety::Safe, |_| Ok(())).await
}
