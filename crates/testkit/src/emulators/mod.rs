//! Provider emulators, one module per provider.

pub mod flexprice;
