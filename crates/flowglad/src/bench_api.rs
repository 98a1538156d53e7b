//! **Not a stable API.** The wire encode/decode functions, exposed only for the criterion benches in
//! `crates/bench` (benches can only call public items). They may change or disappear in any release.

use unibill_core::{Currency, Customer, Error, NewCustomer, NewPrice, Price, Result};
use unibill_http::Response;
use unibill_http::bytes::Bytes;
use unibill_http::http::{HeaderMap, StatusCode};

use crate::customers::wire::{CreateBody, NewWireCustomer};
use crate::prices::encode::create_body;

/// The `POST /api/v1/customers` body for `input`, as the adapter builds it.
pub fn encode_create_customer(input: &NewCustomer) -> Result<Bytes> {
    let email = input
        .email()
        .ok_or_else(|| Error::invalid_field("email", "is required by Flowglad"))?;
    let body = CreateBody {
        customer: NewWireCustomer {
            external_id: input.external_id().to_owned(),
            email: email.to_owned(),
            name: input.name().to_owned(),
        },
    };
    json(&body)
}

/// The `POST /api/v1/prices` body for `input` in the organisation's `currency`.
pub fn encode_create_price(input: &NewPrice, currency: &Currency) -> Result<Bytes> {
    json(&create_body(input, currency)?)
}

/// A customer-create answer decoded into the neutral model.
pub fn decode_created_customer(body: Bytes) -> Result<Customer> {
    crate::customers::ops::decode_created(answer(body))
}

/// A price answer decoded into the neutral model.
pub fn decode_price(body: Bytes) -> Result<Price> {
    crate::prices::ops::decode_one(answer(body))
}

fn json<B: serde::Serialize>(body: &B) -> Result<Bytes> {
    let request = unibill_http::Request::post("bench", "/").json(body)?;
    Ok(request.body_bytes().cloned().unwrap_or_default())
}

fn answer(body: Bytes) -> Response {
    Response {
        status: StatusCode::OK,
        headers: HeaderMap::new(),
        body,
    }
}
