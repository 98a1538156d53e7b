//! Prices on Flexprice: `FIXED`/`USAGE` × `FLAT_FEE`/`PACKAGE`/`TIERED` prices hanging off a plan, under
//! `/prices`.

pub(crate) mod decode;
pub(crate) mod encode;
pub(crate) mod ops;
pub(crate) mod wire;

use unibill_core::{
    FieldRule, PatchSupport, PriceCapabilities, PriceFields, PriceKinds, PriceSchemes,
    PriceUpdateFields, ProductIdRules,
};

use crate::PROVIDER;
use crate::pagination::MAX_LIMIT;

/// What Flexprice offers for prices.
///
/// - Every kind (one-time is `billing_period: ONETIME`, usage names a meter) and every scheme (package rounding
///   up or down, on any kind; volume and graduated tiers).
/// - The plan (the neutral product id) is required for every kind: there are no standalone prices.
/// - No default flag and no setup fee; prices are always created active.
/// - Updates set the name and the lookup key in place; neither can be cleared (`""` means "no change").
///   `active: false` archives (DELETE, which only sets an end date); archiving is one way.
/// - Amounts are exact decimals (sub-minor rates allowed) up to 15 fractional and 10 integer digits.
pub(crate) const fn capabilities() -> PriceCapabilities {
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
        package: true,
        package_round_down: true,
        package_on_fixed: true,
        tiered_volume: true,
        tiered_graduated: true,
    };
    caps.product_id = ProductIdRules {
        recurring: FieldRule::Required,
        one_time: FieldRule::Required,
        usage: FieldRule::Required,
    };
    caps.fields = PriceFields {
        trial_days: true,
        setup_fee: false,
        is_default: false,
        slug: true,
        name: true,
        description: true,
        metadata: true,
        create_inactive: false,
    };
    caps.update_fields = PriceUpdateFields {
        name: PatchSupport::SET_ONLY,
        slug: PatchSupport::SET_ONLY,
        deactivate: true,
        reactivate: false,
        is_default: false,
    };
    caps.max_page_size = MAX_LIMIT;
    // `allow_expired_prices` lists ended prices; `entity_ids` filters by plan.
    caps.list_include_archived = true;
    caps.list_filter_product = true;
    caps.create_archives_siblings = false;
    caps.whole_minor_units_only = false;
    caps.minor_unit_exponents = None;
    caps
}
