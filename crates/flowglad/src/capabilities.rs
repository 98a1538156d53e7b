//! What Flowglad offers, per resource (see the crate docs for why each value is what it is).

use unibill_core::{
    Aggregations, CancelTimings, CustomerCapabilities, CustomerFields, CustomerUpdateFields,
    EntitlementCapabilities, EntitlementSource, FeatureCapabilities, FeatureKinds, FieldRule,
    InvoiceCapabilities, MeterCapabilities, PatchSupport, PriceCapabilities, PriceFields,
    PriceKinds, PriceSchemes, PriceUpdateFields, ProductIdRules, QuantityRule, Resets,
    SubscriptionCapabilities, TrialSupport, UsageCapabilities,
};

use crate::PROVIDER;
use crate::currency::FLOWGLAD_EXPONENTS;
use crate::pagination::MAX_PAGE_SIZE;
use crate::usage::ops::{MAX_AMOUNT, MAX_BATCH_EVENTS};

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

/// Usage meters: `sum` only (`count_distinct_properties` counts whole property sets).
pub(crate) fn meters() -> MeterCapabilities {
    let mut caps = MeterCapabilities::none(PROVIDER);
    caps.create = true;
    caps.get_by_key = true;
    caps.list = true;
    caps.aggregations = Aggregations {
        count: false,
        sum: true,
        max: false,
        latest: false,
        unique_count: false,
    };
    caps.max_page_size = MAX_PAGE_SIZE;
    caps
}

/// Features: boolean (`toggle`) creates and grants; a credit grant's amount lives on the feature, so neither
/// a metered create nor a limit per grant can be expressed (finding 14).
pub(crate) fn features() -> FeatureCapabilities {
    let mut caps = FeatureCapabilities::none(PROVIDER);
    caps.create = true;
    caps.get_by_key = true;
    caps.list = true;
    caps.grant = true;
    caps.kinds = FeatureKinds {
        boolean: true,
        metered: false,
    };
    caps.limit_per_grant = false;
    caps.unlimited = false;
    caps.soft_limits = false;
    caps.resets = Resets {
        never: true,
        billing_period: false,
        calendar: false,
    };
    caps.max_page_size = MAX_PAGE_SIZE;
    caps
}

/// Subscriptions: no pause, no cancel at a date, no final-invoice or proration choice on cancel; a later start
/// is a trial ending at the start (`trialEnd`), since Flowglad takes no start date.
pub(crate) fn subscriptions() -> SubscriptionCapabilities {
    let mut caps = SubscriptionCapabilities::none(PROVIDER);
    caps.create = true;
    caps.get = true;
    caps.list = true;
    caps.cancel = true;
    caps.cancel_timings = CancelTimings {
        immediately: true,
        at_period_end: true,
        at: false,
    };
    caps.final_invoice_choice = false;
    caps.prorate = false;
    caps.uncancel = true;
    caps.change_price = true;
    caps.change_price_keeps_id = true;
    caps.trial = TrialSupport {
        from_price: true,
        none: false,
        days: false,
        until: true,
    };
    // No start date (notes §4.1, `startDate` fails as JSON): a later start is a trial ending there.
    caps.start_at = true;
    caps.start_at_as_trial = true;
    caps.list_filter_customer = false;
    // Filtered on the client: pages may come out short.
    caps.list_filter_status = true;
    caps.max_page_size = MAX_PAGE_SIZE;
    caps.create_replaces_free_default = true;
    caps
}

/// Usage: whole amounts 1..=int32 on a subscription; a duplicate answers the first write (compared here).
pub(crate) fn usage() -> UsageCapabilities {
    let mut caps = UsageCapabilities::none(PROVIDER);
    caps.ingest = true;
    caps.status_lookup = false;
    caps.max_batch_events = MAX_BATCH_EVENTS;
    caps.max_batch_bytes = None;
    caps.quantity = QuantityRule::PositiveInteger { max: MAX_AMOUNT };
    caps.durable_on_ack = true;
    caps.reports_duplicates = true;
    caps.requires_subscription = true;
    caps.same_key_last_write_wins = false;
    caps
}

/// Entitlements: computed from the billing aggregate's experimental block; no limit, no usage.
pub(crate) fn entitlements() -> EntitlementCapabilities {
    let mut caps = EntitlementCapabilities::none(PROVIDER);
    caps.check = true;
    caps.list = true;
    caps.source = EntitlementSource::Computed { experimental: true };
    caps.reports_limit = false;
    caps.reports_used = false;
    caps
}

/// Invoices: read-only, no `total`, lines on another route.
pub(crate) fn invoices() -> InvoiceCapabilities {
    let mut caps = InvoiceCapabilities::none(PROVIDER);
    caps.get = true;
    caps.list = true;
    caps.finalize = false;
    caps.void = false;
    caps.list_filter_customer = false;
    caps.list_filter_subscription = true;
    caps.list_filter_status = true;
    caps.lines_on_get = false;
    caps.reports_total = false;
    caps.full_rating = true;
    caps.max_page_size = MAX_PAGE_SIZE;
    caps
}
