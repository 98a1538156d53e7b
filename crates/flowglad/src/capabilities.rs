//! What Flowglad offers, per resource (see the crate docs for why each value is what it is).

use unibill_core::{
    CustomerCapabilities, CustomerFields, CustomerUpdateFields, FieldRule, PatchSupport,
    PriceCapabilities, PriceFields, PriceKinds, PriceSchemes, PriceUpdateFields, ProductIdRules,
};

use crate::PROVIDER;
use crate::currency::FLOWGLAD_EXPONENTS;
use crate::pagination::MAX_PAGE_SIZE;

/// What Flowglad offers for customers (see the crate docs for why each value is what it is).
pub(crate) fn customers() -> CustomerCapabilities {
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

/// What Flowglad offers for prices (see the crate docs for why each value is what it is).
pub(crate) fn prices() -> PriceCapabilities {
    let mut caps = PriceCapabilities::none(PROVIDER);
    caps.create = true;
    caps.get = true;
    caps.list = true;
    caps.update = true;
    caps.archive = true;
    caps.kinds = PriceKinds {
        recurring: true,
        one_time: true,
        usage: true,
    };
    caps.schemes = PriceSchemes {
        per_unit: true,
        // `usageEventsPerUnit` on usage prices: a started package is charged in full.
        package: true,
        package_round_down: false,
        package_on_fixed: false,
        tiered_volume: false,
        tiered_graduated: false,
    };
    caps.product_id = ProductIdRules {
        recurring: FieldRule::Required,
        one_time: FieldRule::Required,
        usage: FieldRule::Forbidden,
    };
    caps.fields = PriceFields {
        trial_days: true,
        setup_fee: false,
        is_default: true,
        slug: true,
        name: true,
        description: false,
        metadata: false,
        // Flowglad stores every new price active, whatever the body says.
        create_inactive: false,
    };
    caps.update_fields = PriceUpdateFields {
        name: PatchSupport::FULL,
        slug: PatchSupport::FULL,
        deactivate: true,
        reactivate: true,
        is_default: true,
    };
    caps.max_page_size = MAX_PAGE_SIZE;
    // Both done on the client: the server ignores list filters and returns archived prices too.
    caps.list_include_archived = true;
    caps.list_filter_product = true;
    caps.create_archives_siblings = true;
    caps.whole_minor_units_only = true;
    caps.minor_unit_exponents = Some(FLOWGLAD_EXPONENTS);
    caps
}
