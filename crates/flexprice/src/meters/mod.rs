//! Meters on Flexprice: each created as a **metered feature with an inline meter** (`POST /features`,
//! `lookup_key` = `meter.event_name` = the key), so the feature's `lookup_key` is the meter's natural key
//! (notes §2.1–2.2, review finding 3). The bare `/meters` routes are read only (a meter the feature does not
//! embed); `POST /meters` has no natural key and is never used.

pub(crate) mod ops;
pub(crate) mod wire;
