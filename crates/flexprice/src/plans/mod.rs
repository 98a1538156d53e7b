//! Plans on `/v1/plans`: every Flexprice price hangs off one, so the adapter can make, read, list and archive
//! them ([`FlexpriceClient::create_plan`](crate::FlexpriceClient::create_plan) and its siblings). Plans are not
//! a neutral resource: these are Flexprice's own calls, with their own model.

pub(crate) mod model;
pub(crate) mod ops;
mod wire;
