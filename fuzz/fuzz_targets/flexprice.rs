//! Flexprice: every decoder, called directly (`unibill::flexprice::codec`) on an arbitrary 2xx body; the first
//! input byte picks the decoder, the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unibill::flexprice::codec;
use unibill_http::Response;
use unibill_http::bytes::Bytes;
use unibill_http::http::{HeaderMap, StatusCode};

fuzz_target!(|data: &[u8]| {
    let (pick, body) = data.split_first().map_or((0, &[][..]), |(h, b)| (*h, b));
    let answer = Response {
        status: StatusCode::OK,
        headers: HeaderMap::new(),
        body: Bytes::copy_from_slice(body),
    };
    let _ = match pick % 9 {
        0 => codec::decode_customer(answer).map(drop),
        1 => codec::decode_customer_list(answer).map(drop),
        // The query-filter read by external id: the first customer of a list page.
        2 => (codec::get_by_external_id_request("a/b").1)(answer).map(drop),
        3 => codec::decode_connection(answer).map(drop),
        4 => codec::decode_connection_list(answer).map(drop),
        5 => codec::decode_price(answer).map(drop),
        6 => codec::decode_price_list(answer).map(drop),
        7 => codec::decode_plan(answer).map(drop),
        _ => codec::decode_plan_list(answer).map(drop),
    };
});
