//! **Not a stable API.** The wire encode/decode functions, exposed only for the criterion benches in
//! `crates/bench` (benches can only call public items). They may change or disappear in any release.

use unibill_core::{Customer, NewCustomer, Result};
use unibill_http::Response;
use unibill_http::bytes::Bytes;
use unibill_http::http::{HeaderMap, StatusCode};

use crate::customers::ops::{decode_list, decode_one};
use crate::customers::wire::CreateCustomer;

/// The `POST /customers` body for `input`, as sent.
pub fn encode_create_customer(input: &NewCustomer) -> Result<Bytes> {
    body(
        unibill_http::Request::post("customers.create", "/customers")
            .json(&CreateCustomer::from(input))?,
    )
}

/// A customer answer (create, get, update) decoded into the neutral model, `raw` kept.
pub fn decode_customer(body: Bytes) -> Result<Customer> {
    decode_one(answer(body))
}

/// A `GET /customers` page decoded into neutral customers (each with its `raw`).
pub fn decode_customer_list(body: Bytes) -> Result<Vec<Customer>> {
    decode_list(answer(body)).map(|(items, _)| items)
}

fn answer(body: Bytes) -> Response {
    Response {
        status: StatusCode::OK,
        headers: HeaderMap::new(),
        body,
    }
}

fn body(request: unibill_http::Request) -> Result<Bytes> {
    Ok(request.body_bytes().cloned().unwrap_or_default())
}
