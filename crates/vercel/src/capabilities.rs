//! What Vercel offers, as data (the conformance suite proves every flag against the emulator).

use unibill_core::StoreCapabilities;

use crate::PROVIDER;

/// Stores: everything on; creation is asynchronous (poll with `wait_until_ready`), and the documented create
/// answer has no store id (`create_returns_id: false`: the id is resolved when possible, else `None`).
pub(crate) const fn stores() -> StoreCapabilities {
    let mut caps = StoreCapabilities::full(PROVIDER);
    caps.create_is_async = true;
    caps.create_returns_id = false;
    caps
}
