//! Prices on Flowglad: `subscription`, `single_payment` and `usage` prices under `/api/v1/prices`.

pub(crate) mod decode;
pub(crate) mod encode;
pub(crate) mod ops;
pub(crate) mod wire;

use unibill_core::{
    FieldRule, PatchSupport, PriceCapabilities, PriceFields, PriceKinds, PriceSchemes,
    PriceUpdateFields, ProductIdRules,
};

use crate::PROVIDER;
use crate::pagination::MAX_PAGE_SIZE;

/// What Flowglad offers for prices (see the crate docs for why each value is what it is).
pub(crate) fn capabilities() -> PriceCapabilities {
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
    caps.minor_unit_exponents = Some(crate::currency::FLOWGLAD_EXPONENTS);
    caps
}
