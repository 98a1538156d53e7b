//! Invoices on `/v1/invoices` (notes §5): read, listed through the search, finalized and voided (each answers
//! a message, so the invoice is read again).

pub(crate) mod ops;
pub(crate) mod wire;
