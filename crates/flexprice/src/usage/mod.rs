//! Usage events on `/v1/events` (notes §1): sent in bulk with the neutral key as `event_id` and the time as
//! `timestamp` (both pinned: the server dedupes on the pair), the quantity as `properties.quantity`; read
//! back through `GET /events/lookup`.

pub(crate) mod ops;
pub(crate) mod wire;
