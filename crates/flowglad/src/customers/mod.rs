//! Customers on Flowglad, addressed by your external id under `/api/v1/customers`.

pub(crate) mod ops;
pub(crate) mod wire;

use unibill_core::{CustomerCapabilities, CustomerFields, CustomerUpdateFields, PatchSupport};

use crate::PROVIDER;
use crate::pagination::MAX_PAGE_SIZE;

/// What Flowglad offers for customers (see the crate docs for why each value is what it is).
pub(crate) fn capabilities() -> CustomerCapabilities {
    let mut caps = CustomerCapabilities::none(PROVIDER);
    caps.create = true;
    caps.get = true;
    caps.get_by_external_id = true;
    caps.list = true;
    caps.update = true;
    caps.delete = true;
    caps.fields = CustomerFields {
        email: true,
        contact: false,
        address: false,
        time_zone: false,
        metadata: false,
    };
    caps.update_fields = CustomerUpdateFields {
        // The external id is the handle: the update route has no field for it.
        external_id: false,
        name: true,
        // Required on create, so it can be changed but not cleared.
        email: PatchSupport::SET_ONLY,
        contact: PatchSupport::NONE,
        address: PatchSupport::NONE,
        time_zone: PatchSupport::NONE,
        metadata: PatchSupport::NONE,
    };
    caps.email_required = true;
    caps.max_page_size = MAX_PAGE_SIZE;
    // The list returns archived customers; the adapter filters them out unless asked.
    caps.list_include_archived = true;
    // `GET /customers/{externalId}` still answers an archived customer when no active one holds the id.
    caps.archived_readable_by_id = true;
    // External ids are unique among non-archived customers only.
    caps.external_id_reusable_after_delete = true;
    caps
}
