//! The customer operations: requests, safety classes and decoding.

use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;
use unibill_core::{
    Customer, CustomerCapabilities, CustomerId, CustomerListQuery, CustomerStatus, CustomerUpdate,
    Customers, Error, ErrorKind, NewCustomer, Page, Result,
};
use unibill_http::{Lookup, Request, Response, Safety};

use super::wire::{CreateCustomer, UpdateCustomer, WireCustomer, WireCustomerList};
use crate::client::FlexpriceClient;
use crate::decode::{envelope, item_with_raw, with_raw};
use crate::pagination::{self, next_cursor, start_offset};
use crate::{PROVIDER, capabilities, validate};

const CREATE: &str = "customers.create";
const GET: &str = "customers.get";
const GET_BY_EXTERNAL_ID: &str = "customers.get_by_external_id";
const LIST: &str = "customers.list";
const UPDATE: &str = "customers.update";
const DELETE: &str = "customers.delete";

pub(crate) fn decode_one(response: Response) -> Result<Customer> {
    let (wire, raw) = with_raw::<WireCustomer>(&response)?;
    Ok(wire.into_customer(raw))
}

/// The items of a list answer, with the server's total.
pub(crate) fn decode_list(response: Response) -> Result<(Vec<Customer>, Option<u64>)> {
    let list: WireCustomerList = envelope(&response)?;
    let customers = list
        .items
        .unwrap_or_default()
        .into_iter()
        .map(|raw| item_with_raw::<WireCustomer>(raw).map(|(w, raw)| w.into_customer(raw)))
        .collect::<Result<Vec<_>>>()?;
    Ok((customers, list.pagination.and_then(|p| p.total)))
}

/// Whether the customer found under the input's external id is the one this create made: every field the
/// input set has the value it asked for.
fn matches(input: &NewCustomer, c: &Customer) -> bool {
    let same = |want: Option<&str>, have: Option<&String>| {
        want.is_none_or(|w| have.is_some_and(|h| h == w))
    };
    c.external_id == input.external_id()
        && c.name == input.name()
        && same(input.email(), c.email.as_ref())
        && same(input.contact(), c.contact.as_ref())
        && same(input.time_zone(), c.time_zone.as_ref())
        && input
            .address()
            .is_none_or(|a| a.is_empty() || c.address.as_ref() == Some(a))
        && input
            .metadata()
            .is_none_or(|m| m.iter().all(|(k, v)| c.metadata.get(k) == Some(v)))
}

/// Ids the external-id route cannot carry (gin matches on the decoded path; the executor refuses `.`/`..`).
fn needs_query_filter(external_id: &str) -> bool {
    external_id.contains('/') || external_id == "." || external_id == ".."
}

impl FlexpriceClient {
    async fn customer_by_external_id(&self, external_id: &str) -> Result<Customer> {
        if needs_query_filter(external_id) {
            let request = Request::get(GET_BY_EXTERNAL_ID, "/customers?external_id=")
                .path(["customers"])
                .query("external_id", external_id)
                .query("limit", "1");
            let (found, _) = self.exec.send(request, Safety::Safe, decode_list).await?;
            return match found.into_iter().next() {
                Some(c) => Ok(c),
                None => Err(Error::not_found("no active customer has this external id")
                    .with_provider(PROVIDER)
                    .with_operation(GET_BY_EXTERNAL_ID)),
            };
        }
        let request = Request::get(GET_BY_EXTERNAL_ID, "/customers/external/{external_id}").path([
            "customers",
            "external",
            external_id,
        ]);
        self.exec.send(request, Safety::Safe, decode_one).await
    }
}

#[async_trait]
impl Customers for FlexpriceClient {
    fn capabilities(&self) -> CustomerCapabilities {
        capabilities::customers()
    }

    // Written out rather than as an `async fn`: `async_trait` keeps an `async fn`'s arguments twice in the boxed
    // future (as passed, and moved into its body); this block holds the input once.
    fn create<'life0, 'async_trait>(
        &'life0 self,
        input: NewCustomer,
    ) -> Pin<Box<dyn Future<Output = Result<Customer>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            self.capabilities().check_create(&input)?;
            validate::address_bytes(input.address())?;
            let request = Request::post(CREATE, "/customers")
                .path(["customers"])
                .json(&CreateCustomer::from(&input))?;
            let input = &input;
            let safety = Safety::natural_key(move || async move {
                match self.customer_by_external_id(input.external_id()).await {
                    Ok(c) if matches(input, &c) => Ok(Lookup::Found(c)),
                    Ok(c) => Ok(Lookup::Mismatch {
                        existing_id: Some(c.id.into_string()),
                    }),
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(Lookup::Missing),
                    Err(e) => Err(e),
                }
            });
            // Taken before the create is sent: the lookup after a 409 is part of the same call.
            let deadline = self.exec.call_deadline();
            match self.exec.send(request, safety, decode_one).await {
                // The 409 names the external id, not the customer: look the holder up for its id, within
                // what is left of the call's deadline.
                Err(e) if e.kind() == ErrorKind::AlreadyExists && e.existing_id().is_none() => {
                    let lookup = self.customer_by_external_id(input.external_id());
                    match deadline.run(GET_BY_EXTERNAL_ID, lookup).await {
                        Ok(existing) => Err(e.with_existing_id(existing.id.into_string())),
                        Err(_) => Err(e),
                    }
                }
                other => other,
            }
        })
    }

    async fn get(&self, id: CustomerId) -> Result<Customer> {
        let request = Request::get(GET, "/customers/{id}").path(["customers", id.as_str()]);
        self.exec.send(request, Safety::Safe, decode_one).await
    }

    async fn get_by_external_id(&self, external_id: String) -> Result<Customer> {
        if external_id.is_empty() {
            return Err(Error::invalid_field("external_id", "must not be empty"));
        }
        self.customer_by_external_id(&external_id).await
    }

    async fn list(&self, mut query: CustomerListQuery) -> Result<Page<Customer>> {
        self.capabilities().check_list(&mut query)?;
        let fingerprint = query.fingerprint();
        let offset = start_offset(query.cursor.as_ref(), fingerprint)?;
        let limit = pagination::limit(query.limit)?;
        let request = Request::get(LIST, "/customers")
            .path(["customers"])
            .query("limit", limit.to_string())
            .query("offset", offset.to_string())
            .query("order", "asc");
        let (items, total) = self.exec.send(request, Safety::Safe, decode_list).await?;
        let next = next_cursor(fingerprint, offset, limit, items.len(), total);
        Ok(Page::new(items, next))
    }

    async fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer> {
        self.capabilities().check_update(&update)?;
        if let unibill_core::Patch::Set(a) = update.address() {
            validate::address_bytes(Some(a))?;
        }
        let request = Request::put(UPDATE, "/customers/{id}")
            .path(["customers", id.as_str()])
            .json(&UpdateCustomer::from(&update))?;
        self.exec.send(request, Safety::Safe, decode_one).await
    }

    async fn delete(&self, id: CustomerId) -> Result<()> {
        let request = Request::delete(DELETE, "/customers/{id}").path(["customers", id.as_str()]);
        // After an attempt with an unknown outcome: an archived (or vanished) customer means it went through.
        let id = &id;
        let safety = Safety::reconcile(move || async move {
            let check = Request::get(GET, "/customers/{id}").path(["customers", id.as_str()]);
            match self.exec.send(check, Safety::Safe, decode_one).await {
                Ok(c) if c.status == CustomerStatus::Active => Ok(Lookup::Missing),
                Ok(_) => Ok(Lookup::Found(())),
                Err(e) if e.kind() == ErrorKind::NotFound => Ok(Lookup::Found(())),
                Err(e) => Err(e),
            }
        });
        let deadline = self.exec.call_deadline();
        match self.exec.send(request, safety, |_| Ok(())).await {
            // Flexprice answers 404 to a DELETE of an archived customer, which `get` still shows: it is deleted
            // already (the contract: a delete answers as `get` does). Looked up within the delete's deadline.
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let check = Request::get(GET, "/customers/{id}").path(["customers", id.as_str()]);
                match deadline
                    .run(GET, self.exec.send(check, Safety::Safe, decode_one))
                    .await
                {
                    Ok(c) if c.status == CustomerStatus::Archived => Ok(()),
                    _ => Err(e),
                }
            }
            other => other,
        }
    }
}
