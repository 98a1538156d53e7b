//! Invoices on `/v1/invoices` (notes §5): read, listed through the search, finalized and voided (each answers
//! a message, so the invoice is read again), and one-off invoices created
//! ([`FlexpriceClient::create_one_off_invoice`](crate::FlexpriceClient::create_one_off_invoice), a Flexprice
//! call: the neutral trait has no create).

pub(crate) mod model;
pub(crate) mod ops;
pub(crate) mod wire;
