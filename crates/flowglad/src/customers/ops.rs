//! Customer operations as values: the request of each call, the decoding of its answer, and the natural-key
//! match. No I/O here; the client sends.
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
    Page, Result,
};
use unibill_http::{Lookup, Request, Response};

use super::wire::{self, CreateBody, CreatedEnvelope, CustomerEnvelope, UpdateBody};
use crate::PROVIDER;
use crate::pagination;

/// `POST /api/v1/customers` for `input` (a customer without an email is `InvalidInput`: Flowglad requires one).
pub fn create_request(input: &NewCustomer) -> Result<Request> {
    Request::post("customers.create", "/api/v1/customers")
        .path(["api", "v1", "customers"])
        .json(&CreateBody::try_from(input)?)
}

/// `GET /api/v1/customers/{externalId}`.
pub fn get_request(external_id: &str) -> Request {
    Request::get("customers.get", "/api/v1/customers/{externalId}").path([
        "api",
        "v1",
        "customers",
        external_id,
    ])
}

/// `GET /api/v1/customers?limit&cursor` (the list has no filter: [`decode_customer_page`] drops archived ones).
pub fn list_request(query: &CustomerListQuery) -> Result<Request> {
    pagination::with_page(
        Request::get("customers.list", "/api/v1/customers").path(["api", "v1", "customers"]),
        query.limit,
        query.cursor.as_ref(),
        query.fingerprint(),
    )
}

/// `PUT /api/v1/customers/{externalId}` with the name and email `update` sets.
pub fn update_request(external_id: &str, update: &CustomerUpdate) -> Result<Request> {
    Request::put("customers.update", "/api/v1/customers/{externalId}")
        .path(["api", "v1", "customers", external_id])
        .json(&UpdateBody::from(update))
}

/// `POST /api/v1/customers/{externalId}/archive` `{}`: Flowglad's delete.
pub fn delete_request(external_id: &str) -> Result<Request> {
    Request::post("customers.delete", "/api/v1/customers/{externalId}/archive")
        .path(["api", "v1", "customers", external_id, "archive"])
        .json(&serde_json::json!({}))
}

/// The answer of get, update and archive: `{"customer": …}`.
pub fn decode_customer(response: Response) -> Result<Customer> {
    let envelope: CustomerEnvelope = response.json()?;
    wire::customer(envelope.customer)
}

/// The answer of create: `{"data": {"customer": …}}`, or a bare `{"customer": …}`.
pub fn decode_created_customer(response: Response) -> Result<Customer> {
    let envelope: CreatedEnvelope = response.json()?;
    match (envelope.data, envelope.customer) {
        (Some(data), _) => wire::customer(data.customer),
        (None, Some(raw)) => wire::customer(raw),
        (None, None) => Err(Error::decode(
            "the Flowglad customer create answer holds no customer",
        )),
    }
}

/// One list page; archived customers are dropped unless `query` includes them (pages may come out short).
pub fn decode_customer_page(
    response: Response,
    query: &CustomerListQuery,
) -> Result<Page<Customer>> {
    pagination::decode_page(
        &response,
        query.fingerprint(),
        wire::customer,
        |c: &Customer| query.include_archived || c.status != CustomerStatus::Archived,
    )
}

/// `get_by_external_id`: the customer `get` found, unless it is archived (`NotFound`: only an active customer
/// holds an external id).
pub(crate) fn active_holder(found: Customer, external_id: &str) -> Result<Customer> {
    if found.status == CustomerStatus::Archived {
        return Err(Error::not_found(format!(
            "no active Flowglad customer has external id `{external_id}`"
        ))
        .with_provider(PROVIDER)
        .with_operation("customers.get_by_external_id"));
    }
    Ok(found)
}

/// The create's natural-key match, from what `GET` by the input's external id answered: an archived or absent
/// customer does not hold the key; an active one is the input's if name and email agree, else a mismatch.
pub(crate) fn natural_key_match(
    input: &NewCustomer,
    found: Result<Customer>,
) -> Result<Lookup<Customer>> {
    match found {
        Ok(found) if found.status == CustomerStatus::Archived => Ok(Lookup::Missing),
        Ok(found) if found.name == input.name() && found.email.as_deref() == input.email() => {
            Ok(Lookup::Found(found))
        }
        Ok(found) => Ok(Lookup::Mismatch {
            existing_id: Some(found.id.into_string()),
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Lookup::Missing),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(request: &Request) -> serde_json::Value {
        serde_json::from_slice(request.body_bytes().expect("a body")).expect("JSON")
    }

    #[test]
    fn an_update_sends_only_what_it_sets_and_never_clears_the_email() {
        let update = CustomerUpdate::builder().name("Ada").build().unwrap();
        assert_eq!(
            body(&update_request("user_1", &update).unwrap()),
            serde_json::json!({"customer": {"name": "Ada"}})
        );
    }

    #[test]
    fn a_customer_without_an_email_is_refused_naming_the_field() {
        let input = NewCustomer::builder("user_1", "Ada").build().unwrap();
        let err = create_request(&input).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.field_errors()[0].field, "email");
    }

    #[test]
    fn an_archived_holder_does_not_hold_the_external_id() {
        let input = NewCustomer::builder("user_1", "Ada")
            .email("ada@example.com")
            .build()
            .unwrap();
        let archived = Customer::builder("user_1", "user_1", "Ada")
            .email("ada@example.com")
            .status(CustomerStatus::Archived)
            .build();
        assert_eq!(
            natural_key_match(&input, Ok(archived)).unwrap(),
            Lookup::Missing
        );
    }
}
