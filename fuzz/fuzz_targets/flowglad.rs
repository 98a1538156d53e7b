//! Flowglad: every customer and price decoder, and the error table, called directly on an arbitrary answer
//! (through `unibill_flowglad::codec`, the functions the client decodes with).
#![no_main]

use libfuzzer_sys::fuzz_target;
use unibill::flowglad::codec;
use unibill::{CustomerListQuery, PriceListQuery};
use unibill_http::bytes::Bytes;
use unibill_http::http::{HeaderMap, StatusCode};
use unibill_http::{ErrorResponse, Response};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the decoder (and, for the error table, the status); the rest is the body.
    let (head, body) = data.split_first().map_or((0, &[][..]), |(h, b)| (*h, b));
    let body = Bytes::copy_from_slice(body);
    let ok = Response {
        status: StatusCode::OK,
        headers: HeaderMap::new(),
        body: body.clone(),
    };
    match head % 6 {
        0 => drop(codec::decode_customer(ok)),
        1 => drop(codec::decode_created_customer(ok)),
        2 => drop(codec::decode_customer_page(ok, &CustomerListQuery::new())),
        3 => drop(codec::decode_price(ok)),
        4 => drop(codec::decode_price_page(ok, &PriceListQuery::new())),
        _ => {
            let status = [400, 401, 404, 409, 422, 429, 500, 503][usize::from(head / 6) % 8];
            drop(codec::error_table(&ErrorResponse {
                status: StatusCode::from_u16(status).unwrap(),
                headers: HeaderMap::new(),
                body,
                truncated: false,
                request_id: None,
                retry_after: None,
                operation: "fuzz",
            }));
        }
    }
});
