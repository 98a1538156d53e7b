//! **Not a stable API.** The wire encode/decode functions, exposed only for the criterion benches in
//! `crates/bench` (benches can only call public items). They may change or disappear in any release.

use unibill_core::{Error, NewStore, Result, Store};
use unibill_http::bytes::Bytes;

use crate::stores::wire::{WireNewStore, decode_store_answer};

/// The `POST /v1/storage/stores/integration/direct` body for `input`, as sent.
pub fn encode_create_store(input: &NewStore) -> Result<Bytes> {
    let body = WireNewStore::from_input(input)?;
    let request = unibill_http::Request::post("stores.create", "/").json(&body)?;
    Ok(request.body_bytes().cloned().unwrap_or_default())
}

/// A `{store}` answer decoded into the neutral model.
pub fn decode_store(body: &[u8]) -> Result<Store> {
    decode_store_answer(body)?
        .ok_or_else(|| Error::decode("the store answer carried `store: null`"))
}
