//! What Flexprice offers, as data (the conformance suite proves every flag true against the emulator).

use unibill_core::{
    Aggregations, CancelTimings, ConnectionCapabilities, ConnectionFields, ConnectionUpdateFields,
    CustomerCapabilities, CustomerFields, CustomerUpdateFields, EntitlementCapabilities,
    EntitlementSource, FeatureCapabilities, FeatureKinds, FieldRule, InvoiceCapabilities,
    MeterCapabilities, PatchSupport, PriceCapabilities, PriceFields, PriceKinds, PriceSchemes,
    PriceUpdateFields, ProductIdRules, QuantityRule, Resets, SubscriptionCapabilities,
    TrialSupport, UsageCapabilities,
};

use crate::PROVIDER;
use crate::pagination::MAX_LIMIT;
use crate::usage::ops::{MAX_BATCH_BYTES, MAX_BATCH_EVENTS};

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

/// Meters: created as metered features carrying an inline meter (the feature's `lookup_key` is the natural
/// key, review finding 3), every aggregation (quantity ones on `properties.quantity`, finding 4), read and
/// listed through the feature search (meters expanded); pages up to 1000.
pub(crate) const fn meters() -> MeterCapabilities {
    let mut caps = MeterCapabilities::none(PROVIDER);
    caps.create = true;
    caps.get_by_key = true;
    caps.list = true;
    caps.aggregations = Aggregations {
        count: true,
        sum: true,
        max: true,
        latest: true,
        unique_count: true,
    };
    caps.max_page_size = MAX_LIMIT;
    caps
}

/// Features: boolean and metered (on an existing meter), by `lookup_key`; grants are plan entitlements, each
/// with its own whole-number limit (`null` unlimited), softness and reset period (`BillingPeriod` sent as no
/// period); pages up to 1000.
pub(crate) const fn features() -> FeatureCapabilities {
    let mut caps = FeatureCapabilities::none(PROVIDER);
    caps.create = true;
    caps.get_by_key = true;
    caps.list = true;
    caps.grant = true;
    caps.kinds = FeatureKinds {
        boolean: true,
        metered: true,
    };
    caps.limit_per_grant = true;
    caps.unlimited = true;
    caps.soft_limits = true;
    caps.resets = Resets {
        never: true,
        billing_period: true,
        calendar: true,
    };
    caps.max_page_size = MAX_LIMIT;
    caps
}

/// Subscriptions (notes §3): create (draft, then activate), get, list (the search: every status; by
/// customer; statuses filtered by the adapter), cancel now (with or without the final invoice, with or
/// without proration), at period end or at a date, uncancel (the cancellation schedule), and change price
/// in place (v2: same id; another currency or period is `Unsupported`). Trials: the price's own, or a number
/// of days. A later start is `start_date` on the draft and on its activation (notes §3.1). **Pause is not offered**: its routes were removed from the server (notes §3.7, plain 404).
pub(crate) const fn subscriptions() -> SubscriptionCapabilities {
    let mut caps = SubscriptionCapabilities::none(PROVIDER);
    caps.create = true;
    caps.get = true;
    caps.list = true;
    caps.cancel = true;
    caps.cancel_timings = CancelTimings {
        immediately: true,
        at_period_end: true,
        at: true,
    };
    caps.final_invoice_choice = true;
    caps.prorate = true;
    caps.uncancel = true;
    caps.change_price = true;
    caps.change_price_keeps_id = true;
    caps.trial = TrialSupport {
        from_price: true,
        none: false,
        days: true,
        until: false,
    };
    caps.start_at = true;
    // A subscription is to the plan: every price of it with the subscription's currency and period bills.
    caps.bills_whole_product = true;
    caps.list_filter_customer = true;
    caps.list_filter_status = true;
    caps.max_page_size = MAX_LIMIT;
    caps
}

/// Usage (notes §1): bulk ingestion of 1..=1000 events per request within 32 MiB (declared with a 64 KiB
/// margin); any decimal quantity. A 202 is `Accepted`, not durable, and a re-send is accepted again (never
/// reported `Duplicate`); a re-send with the same key and time but other content replaces the first copy.
/// Events read back through `GET /events/lookup`.
pub(crate) const fn usage() -> UsageCapabilities {
    let mut caps = UsageCapabilities::none(PROVIDER);
    caps.ingest = true;
    caps.status_lookup = true;
    caps.max_batch_events = MAX_BATCH_EVENTS;
    caps.max_batch_bytes = Some(MAX_BATCH_BYTES);
    caps.quantity = QuantityRule::AnyDecimal;
    caps.durable_on_ack = false;
    caps.reports_duplicates = false;
    caps.requires_subscription = false;
    caps.same_key_last_write_wins = true;
    caps
}

/// Entitlements: native (the usage summary by customer and feature lookup keys), reporting limits and usage.
pub(crate) const fn entitlements() -> EntitlementCapabilities {
    let mut caps = EntitlementCapabilities::none(PROVIDER);
    caps.check = true;
    caps.list = true;
    caps.source = EntitlementSource::Native;
    caps.reports_limit = true;
    caps.reports_used = true;
    caps
}

/// Invoices (notes §5): get (with lines and totals), list (the search, by customer and subscription;
/// statuses filtered by the adapter), finalize and void, rated by the server; pages up to 1000. Usage is
/// billed in arrears: a period's opening invoice holds its in-advance fees only, and usage reaches an invoice
/// at the period's end or in an immediate cancel's final invoice (`running_period_usage` false).
pub(crate) const fn invoices() -> InvoiceCapabilities {
    let mut caps = InvoiceCapabilities::none(PROVIDER);
    caps.get = true;
    caps.list = true;
    caps.finalize = true;
    caps.void = true;
    caps.list_filter_customer = true;
    caps.list_filter_subscription = true;
    caps.list_filter_status = true;
    caps.lines_on_get = true;
    caps.reports_total = true;
    caps.full_rating = true;
    caps.running_period_usage = false;
    caps.max_page_size = MAX_LIMIT;
    caps
}
