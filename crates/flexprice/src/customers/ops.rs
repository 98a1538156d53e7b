//! The customer operations, without I/O: each request as a value, each answer decoded, and what the lookup by
//! external id means for a create.

use unibill_core::{
    Address, Customer, CustomerId, CustomerListQuery, CustomerUpdate, Error, ErrorKind, FieldError,
    NewCustomer, Patch, Result,
};
use unibill_http::{Lookup, Request, Response};

use super::wire::{CreateCustomer, UpdateCustomer, WireCustomer};
use crate::PROVIDER;
use crate::decode::with_raw;
use crate::pagination::{PageAt, decode_items};

const CREATE: &str = "customers.create";
pub(crate) const GET: &str = "customers.get";
const GET_BY_EXTERNAL_ID: &str = "customers.get_by_external_id";
const LIST: &str = "customers.list";
const UPDATE: &str = "customers.update";
const DELETE: &str = "customers.delete";

/// `POST /customers`. Address parts longer than the server takes are `InvalidInput` (nothing is sent).
pub fn create_request(input: &NewCustomer) -> Result<Request> {
    address_bytes(input.address())?;
    Request::post(CREATE, "/customers")
        .path(["customers"])
        .json(&CreateCustomer::from(input))
}

/// `GET /customers/{id}` (archived customers too).
pub fn get_request(id: &CustomerId) -> Request {
    Request::get(GET, "/customers/{id}").path(["customers", id.as_str()])
}

/// The read of the customer holding `external_id`, with the decoder of its answer: `GET
/// /customers/external/{id}`, or `GET /customers?external_id=&limit=1` for ids that route cannot carry (gin
/// matches on the decoded path; the executor refuses `.`/`..` segments).
pub fn get_by_external_id_request(
    external_id: &str,
) -> (Request, fn(Response) -> Result<Customer>) {
    if external_id.contains('/') || external_id == "." || external_id == ".." {
        let request = Request::get(GET_BY_EXTERNAL_ID, "/customers?external_id=")
            .path(["customers"])
            .query("external_id", external_id)
            .query("limit", "1");
        (request, decode_first_customer)
    } else {
        let request = Request::get(GET_BY_EXTERNAL_ID, "/customers/external/{external_id}").path([
            "customers",
            "external",
            external_id,
        ]);
        (request, decode_customer)
    }
}

/// `GET /customers?limit&offset&order=asc`, and the page it asks for.
pub(crate) fn list_request(query: &CustomerListQuery) -> Result<(Request, PageAt)> {
    let at = PageAt::new(query.cursor.as_ref(), query.fingerprint(), query.limit)?;
    let request = Request::get(LIST, "/customers")
        .path(["customers"])
        .query("limit", at.limit.to_string())
        .query("offset", at.offset.to_string())
        .query("order", "asc");
    Ok((request, at))
}

/// `PUT /customers/{id}`: absent keeps, `""` clears, metadata replaces. An address set with parts longer than
/// the server takes is `InvalidInput`.
pub fn update_request(id: &CustomerId, update: &CustomerUpdate) -> Result<Request> {
    if let Patch::Set(a) = update.address() {
        address_bytes(Some(a))?;
    }
    Request::put(UPDATE, "/customers/{id}")
        .path(["customers", id.as_str()])
        .json(&UpdateCustomer::from(update))
}

/// `DELETE /customers/{id}` (archives).
pub fn delete_request(id: &CustomerId) -> Request {
    Request::delete(DELETE, "/customers/{id}").path(["customers", id.as_str()])
}

/// A customer answer (create, get, update), `raw` kept.
pub fn decode_customer(response: Response) -> Result<Customer> {
    let (wire, raw) = with_raw::<WireCustomer>(&response)?;
    Ok(wire.into_customer(raw))
}

/// A `GET /customers` page: its customers (each with its `raw`) and the server's total.
pub fn decode_customer_list(response: Response) -> Result<(Vec<Customer>, Option<u64>)> {
    decode_items(&response, |w: WireCustomer, raw| Ok(w.into_customer(raw)))
}

/// The first customer of a `GET /customers?external_id=` page; none is `NotFound`.
fn decode_first_customer(response: Response) -> Result<Customer> {
    let (found, _) = decode_customer_list(response)?;
    found.into_iter().next().ok_or_else(|| {
        Error::not_found("no active customer has this external id")
            .with_provider(PROVIDER)
            .with_operation(GET_BY_EXTERNAL_ID)
    })
}

/// Whether the customer found under the input's external id is the one this create made: every field the
/// input set has the value it asked for.
pub(crate) fn matches(input: &NewCustomer, c: &Customer) -> bool {
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

/// What the read by external id says about a create of `input`: its customer, another holder, or nothing.
pub(crate) fn created(input: &NewCustomer, found: Result<Customer>) -> Result<Lookup<Customer>> {
    match found {
        Ok(c) if matches(input, &c) => Ok(Lookup::Found(c)),
        Ok(c) => Ok(Lookup::Mismatch {
            existing_id: Some(c.id.into_string()),
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Lookup::Missing),
        Err(e) => Err(e),
    }
}

/// Address parts are checked again by the server in **bytes** (multi-byte text fails early).
fn address_bytes(address: Option<&Address>) -> Result<()> {
    let Some(a) = address else { return Ok(()) };
    let errors: Vec<FieldError> = [
        ("address.line1", &a.line1, 255),
        ("address.line2", &a.line2, 255),
        ("address.city", &a.city, 100),
        ("address.state", &a.state, 100),
        ("address.postal_code", &a.postal_code, 20),
    ]
    .into_iter()
    .filter_map(|(field, v, max)| {
        v.as_ref().filter(|v| v.len() > max).map(|_| {
            FieldError::new(
                field,
                format!("must be at most {max} bytes of UTF-8 on Flexprice"),
            )
        })
    })
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
    use unibill_core::Metadata;

    use super::*;

    fn body(request: &Request) -> Value {
        serde_json::from_slice(request.body_bytes().expect("a body")).unwrap()
    }

    #[test]
    fn create_sends_what_was_set_and_always_a_metadata_object() {
        let bare = create_request(&NewCustomer::builder("user-1", "Ada").build().unwrap()).unwrap();
        assert_eq!(
            (bare.method().as_str(), bare.template()),
            ("POST", "/customers")
        );
        assert_eq!(
            body(&bare),
            json!({"external_id":"user-1","name":"Ada","metadata":{}})
        );

        let mut metadata = Metadata::new();
        metadata.insert("tier", "gold");
        let full = NewCustomer::builder("user-2", "Grace")
            .email("grace@example.com")
            .address(
                Address::builder()
                    .city("Arlington")
                    .country("US")
                    .build()
                    .unwrap(),
            )
            .time_zone("America/New_York")
            .metadata(metadata)
            .build()
            .unwrap();
        assert_eq!(
            body(&create_request(&full).unwrap()),
            json!({
                "external_id": "user-2",
                "name": "Grace",
                "email": "grace@example.com",
                "address_city": "Arlington",
                "address_country": "US",
                "timezone": "America/New_York",
                "metadata": {"tier": "gold"}
            })
        );
    }

    #[test]
    fn an_update_clears_with_empty_strings_and_replaces_the_whole_address() {
        let update = CustomerUpdate::builder()
            .clear_email()
            .address(Address::builder().city("Paris").build().unwrap())
            .build()
            .unwrap();
        let request = update_request(&CustomerId::new("cust_1"), &update).unwrap();
        assert_eq!(
            (request.method().as_str(), request.template()),
            ("PUT", "/customers/{id}")
        );
        assert_eq!(
            body(&request),
            json!({
                "email": "",
                "address_line1": "",
                "address_line2": "",
                "address_city": "Paris",
                "address_state": "",
                "address_postal_code": "",
                "address_country": ""
            })
        );
    }

    #[test]
    fn external_ids_the_route_cannot_carry_use_the_query_filter() {
        let (plain, _) = get_by_external_id_request("user-1");
        assert_eq!(plain.template(), "/customers/external/{external_id}");
        for awkward in ["a/b", ".", ".."] {
            let (filtered, _) = get_by_external_id_request(awkward);
            assert_eq!(filtered.template(), "/customers?external_id=", "{awkward}");
        }
    }

    #[test]
    fn address_lengths_count_bytes() {
        let ok = Address::builder().city("é".repeat(50)).build().unwrap();
        assert!(address_bytes(Some(&ok)).is_ok());
        let long = Address::builder().city("é".repeat(51)).build().unwrap();
        let err = address_bytes(Some(&long)).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "address.city");
    }
}
