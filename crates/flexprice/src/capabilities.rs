//! What Flexprice offers, as data (the conformance suite proves every flag true against the emulator).

use unibill_core::{
    ConnectionCapabilities, ConnectionFields, ConnectionUpdateFields, CustomerCapabilities,
    CustomerFields, CustomerUpdateFields, FieldRule, PatchSupport, PriceCapabilities, PriceFields,
    PriceKinds, PriceSchemes, PriceUpdateFields, ProductIdRules,
};

use crate::PROVIDER;
use crate::pagination::MAX_LIMIT;

/// Customers: every operation and field; every update field can be set and cleared (`""`, metadata `{}`;
/// a cleared time zone reads back as the server's default `UTC`); pages up to 1000; archived customers stay
/// readable by id and free their external id. Listing archived customers is not offered: the server lists one
/// status at a time.
pub(crate) const fn customers() -> CustomerCapabilities {
    let mut caps = CustomerCapabilities::full(PROVIDER);
    caps.fields = CustomerFields {
        email: true,
        contact: true,
        address: true,
        time_zone: true,
        metadata: true,
    };
    caps.update_fields = CustomerUpdateFields {
        external_id: true,
        name: true,
        email: PatchSupport::FULL,
        contact: PatchSupport::FULL,
        address: PatchSupport::FULL,
        time_zone: PatchSupport::FULL,
        metadata: PatchSupport::FULL,
    };
    caps.email_required = false;
    caps.max_page_size = MAX_LIMIT;
    caps.list_include_archived = false;
    caps.archived_readable_by_id = true;
    caps.external_id_reusable_after_delete = true;
    caps
}

/// Connections: every operation; settings, sync config and metadata stored; only Flexprice's own provider
/// types (the server validates its list); one published connection per provider type except `s3`; pages up
/// to 1000. Secrets can be rotated only where the server honours it (QuickBooks `webhook_verifier_token`,
/// Zoho Books and Whop `webhook_secret`, Chargebee `webhook_username` + `webhook_password` together): any
/// other rotation is `Unsupported` before sending.
pub(crate) const fn connections() -> ConnectionCapabilities {
    let mut caps = ConnectionCapabilities::full(PROVIDER);
    caps.fields = ConnectionFields {
        settings: true,
        sync_config: true,
        metadata: true,
        other_provider_types: false,
    };
    caps.update_fields = ConnectionUpdateFields {
        name: true,
        metadata: PatchSupport::FULL,
        sync_config: true,
        secrets: true,
    };
    caps.max_page_size = MAX_LIMIT;
    caps.one_per_provider_type = true;
    caps.one_per_provider_type_exempt = &["s3"];
    caps
}

/// What Flexprice offers for prices.
///
/// - Every kind (one-time is `billing_period: ONETIME`, usage names a meter) and every scheme (package rounding
///   up or down, on any kind; volume and graduated tiers).
/// - The plan (the neutral product id) is required for every kind: there are no standalone prices.
/// - No default flag and no setup fee; prices are always created active.
/// - Updates set the name and the lookup key in place; neither can be cleared (`""` means "no change").
///   `active: false` archives (DELETE, which only sets an end date); archiving is one way.
/// - Amounts are exact decimals (sub-minor rates allowed) up to 15 fractional and 10 integer digits.
pub(crate) const fn prices() -> PriceCapabilities {
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
