//! The guard of the billing-lifecycle resources: meters, features, subscriptions, usage, entitlements,
//! invoices and webhooks, in the same shape as the others (the checks are `check_*` methods of each resource's
//! capabilities; the `Guarded<T>` impls run them when the call is made and hand on the inner call's future).
//!
//! Usage is the one resource whose refusals are not all whole-call: an event whose quantity the provider cannot
//! take is that event's `Rejected(InvalidInput)` on `quantity` in the report, and only the others are sent.

use std::collections::{HashMap, VecDeque};

use jiff::Timestamp;

use super::{Guarded, clamp_limit, non_empty, refused, require, unsupported_on};
use crate::api::{
    Entitlements, Features, Invoices, Meters, Subscriptions, Usage, Webhooks, boxed_method,
};
use crate::capability::{
    EntitlementCapabilities, FeatureCapabilities, InvoiceCapabilities, MeterCapabilities,
    SubscriptionCapabilities, UsageCapabilities, WebhookCapabilities,
};
use crate::error::{Error, ErrorKind, Result};
use crate::id::{InvoiceId, PriceId, SubscriptionId};
use crate::model::entitlement::Entitlement;
use crate::model::feature::{
    Feature, FeatureGrant, FeatureKind, FeatureListQuery, Grant, Limit, NewFeature,
};
use crate::model::invoice::{Invoice, InvoiceListQuery};
use crate::model::key::IdempotencyKey;
use crate::model::meter::{Meter, MeterListQuery, NewMeter};
use crate::model::subscription::{
    CancelOptions, CustomerRef, NewSubscription, Subscription, SubscriptionListQuery,
};
use crate::model::usage::{IngestOutcome, IngestReport, UsageEvent, UsageStatus};
use crate::model::webhook::{WebhookEvent, WebhookHeaders};
use crate::page::Page;

/// `InvalidInput` on `customer` when a list filter names an empty customer.
fn non_empty_customer(customer: Option<&CustomerRef>) -> Result<()> {
    match customer {
        Some(CustomerRef::Id(id)) => non_empty("customer", id.as_str()),
        Some(CustomerRef::ExternalId(external_id)) => non_empty("customer", external_id),
        None => Ok(()),
    }
}

impl MeterCapabilities {
    /// Checks a create input: the operation and its aggregation.
    pub fn check_create(&self, input: &NewMeter) -> Result<()> {
        const OP: &str = "meters.create";
        require(self.create, self.provider, OP)?;
        if !self.aggregations.allows(input.aggregation()) {
            return Err(unsupported_on(self.provider, "aggregation", OP));
        }
        Ok(())
    }

    /// Checks (and clamps) a list query.
    pub fn check_list(&self, query: &mut MeterListQuery) -> Result<()> {
        require(self.list, self.provider, "meters.list")?;
        clamp_limit(&mut query.limit, self.max_page_size)
    }
}

// The checks run when the call is made; a call they pass is the provider's own boxed future, not a second box
// around it.
impl<T: Meters + ?Sized> Meters for Guarded<T> {
    fn capabilities(&self) -> MeterCapabilities {
        self.inner.capabilities()
    }
    boxed_method! {
        fn create(&self, input: NewMeter) -> Result<Meter> {
            let checked = self.capabilities().check_create(&input);
            checked.map_or_else(refused, |()| self.inner.create(input))
        }
    }
    boxed_method! {
        fn get_by_key(&self, key: String) -> Result<Meter> {
            let caps = self.capabilities();
            let checked = require(caps.get_by_key, caps.provider, "meters.get_by_key")
                .and_then(|()| non_empty("key", &key));
            checked.map_or_else(refused, |()| self.inner.get_by_key(key))
        }
    }
    boxed_method! {
        fn list(&self, mut query: MeterListQuery) -> Result<Page<Meter>> {
            let checked = self.capabilities().check_list(&mut query);
            checked.map_or_else(refused, |()| self.inner.list(query))
        }
    }
}

impl FeatureCapabilities {
    /// Checks a create input: the operation and its kind.
    pub fn check_create(&self, input: &NewFeature) -> Result<()> {
        const OP: &str = "features.create";
        require(self.create, self.provider, OP)?;
        let offered = match input.kind() {
            FeatureKind::Boolean => self.kinds.boolean,
            FeatureKind::Metered { .. } => self.kinds.metered,
            FeatureKind::Other(_) => false,
        };
        if !offered {
            return Err(unsupported_on(self.provider, "kind", OP));
        }
        Ok(())
    }

    /// Checks a grant: the operation and, for a finite limit, its reset period and softness.
    ///
    /// What needs the feature's kind is the provider's to check (it knows the feature): an `Unlimited` grant of
    /// a metered feature where [`FeatureCapabilities::unlimited`] is false (a boolean feature's grant is
    /// `Unlimited` too), and a limit other than the feature's own where
    /// [`FeatureCapabilities::limit_per_grant`] is false.
    pub fn check_grant(&self, grant: &Grant) -> Result<()> {
        const OP: &str = "features.grant";
        require(self.grant, self.provider, OP)?;
        if let Limit::Finite(_) = grant.limit() {
            if !self.resets.allows(grant.resets()) {
                return Err(unsupported_on(self.provider, "resets", OP));
            }
            if grant.soft() && !self.soft_limits {
                return Err(unsupported_on(self.provider, "soft", OP));
            }
        }
        Ok(())
    }

    /// Checks (and clamps) a list query.
    pub fn check_list(&self, query: &mut FeatureListQuery) -> Result<()> {
        require(self.list, self.provider, "features.list")?;
        clamp_limit(&mut query.limit, self.max_page_size)
    }
}

// The checks run when the call is made; a call they pass is the provider's own boxed future, not a second box
// around it.
impl<T: Features + ?Sized> Features for Guarded<T> {
    fn capabilities(&self) -> FeatureCapabilities {
        self.inner.capabilities()
    }
    boxed_method! {
        fn create(&self, input: NewFeature) -> Result<Feature> {
            let checked = self.capabilities().check_create(&input);
            checked.map_or_else(refused, |()| self.inner.create(input))
        }
    }
    boxed_method! {
        fn get_by_key(&self, key: String) -> Result<Feature> {
            let caps = self.capabilities();
            let checked = require(caps.get_by_key, caps.provider, "features.get_by_key")
                .and_then(|()| non_empty("key", &key));
            checked.map_or_else(refused, |()| self.inner.get_by_key(key))
        }
    }
    boxed_method! {
        fn list(&self, mut query: FeatureListQuery) -> Result<Page<Feature>> {
            let checked = self.capabilities().check_list(&mut query);
            checked.map_or_else(refused, |()| self.inner.list(query))
        }
    }
    boxed_method! {
        fn grant(&self, grant: Grant) -> Result<FeatureGrant> {
            let checked = self.capabilities().check_grant(&grant);
            checked.map_or_else(refused, |()| self.inner.grant(grant))
        }
    }
}

impl SubscriptionCapabilities {
    /// Checks a create input: the operation, its trial and its start ([`SubscriptionCapabilities::start_at`];
    /// where a start is sent as a trial, a start beside `Trial::Days` or `Trial::Until` is `Unsupported` on
    /// `trial`).
    pub fn check_create(&self, input: &NewSubscription) -> Result<()> {
        const OP: &str = "subscriptions.create";
        require(self.create, self.provider, OP)?;
        if !self.trial.allows(&input.trial()) {
            return Err(unsupported_on(self.provider, "trial", OP));
        }
        if input.start_at().is_some() {
            if !self.start_at {
                return Err(unsupported_on(self.provider, "start_at", OP));
            }
            if self.start_at_as_trial
                && matches!(
                    input.trial(),
                    crate::Trial::Days(_) | crate::Trial::Until(_)
                )
            {
                return Err(unsupported_on(self.provider, "trial", OP));
            }
        }
        Ok(())
    }

    /// Checks a cancel: the operation, its timing, and proration when asked for.
    ///
    /// The final invoice choice is not refused: where [`SubscriptionCapabilities::final_invoice_choice`] is
    /// false the provider decides, and its capabilities' docs say what it does.
    pub fn check_cancel(&self, options: &CancelOptions) -> Result<()> {
        const OP: &str = "subscriptions.cancel";
        require(self.cancel, self.provider, OP)?;
        if !self.cancel_timings.allows(&options.timing) {
            return Err(unsupported_on(self.provider, "timing", OP));
        }
        if options.prorate && !self.prorate {
            return Err(unsupported_on(self.provider, "prorate", OP));
        }
        Ok(())
    }

    /// Checks (and clamps) a list query. A filter the provider lacks is the adapter's to apply over its pages,
    /// so filters are not refused; an empty customer is `InvalidInput`.
    pub fn check_list(&self, query: &mut SubscriptionListQuery) -> Result<()> {
        require(self.list, self.provider, "subscriptions.list")?;
        clamp_limit(&mut query.limit, self.max_page_size)?;
        non_empty_customer(query.customer.as_ref())
    }
}

// The checks run when the call is made; a call they pass is the provider's own boxed future, not a second box
// around it.
impl<T: Subscriptions + ?Sized> Subscriptions for Guarded<T> {
    fn capabilities(&self) -> SubscriptionCapabilities {
        self.inner.capabilities()
    }
    boxed_method! {
        fn create(&self, input: NewSubscription) -> Result<Subscription> {
            let checked = self.capabilities().check_create(&input);
            checked.map_or_else(refused, |()| self.inner.create(input))
        }
    }
    boxed_method! {
        fn get(&self, id: SubscriptionId) -> Result<Subscription> {
            let caps = self.capabilities();
            let checked = require(caps.get, caps.provider, "subscriptions.get")
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.get(id))
        }
    }
    boxed_method! {
        fn list(&self, mut query: SubscriptionListQuery) -> Result<Page<Subscription>> {
            let checked = self.capabilities().check_list(&mut query);
            checked.map_or_else(refused, |()| self.inner.list(query))
        }
    }
    boxed_method! {
        fn cancel(&self, id: SubscriptionId, options: CancelOptions) -> Result<Subscription> {
            let checked = self
                .capabilities()
                .check_cancel(&options)
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.cancel(id, options))
        }
    }
    boxed_method! {
        fn uncancel(&self, id: SubscriptionId) -> Result<Subscription> {
            let caps = self.capabilities();
            let checked = require(caps.uncancel, caps.provider, "subscriptions.uncancel")
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.uncancel(id))
        }
    }
    boxed_method! {
        fn change_price(&self, id: SubscriptionId, price_id: PriceId) -> Result<Subscription> {
            let caps = self.capabilities();
            let checked = require(caps.change_price, caps.provider, "subscriptions.change_price")
                .and_then(|()| non_empty("id", id.as_str()))
                .and_then(|()| non_empty("price_id", price_id.as_str()));
            checked.map_or_else(refused, |()| self.inner.change_price(id, price_id))
        }
    }
}

impl UsageCapabilities {
    /// Checks a whole batch: the operation, [`UsageCapabilities::max_batch_events`] and
    /// [`UsageCapabilities::max_batch_bytes`]. A batch beyond a limit is `InvalidInput` on `events` naming the
    /// limit: the guard does not split (the usage recorder batches within the limits).
    ///
    /// The size is that of the batch's neutral JSON, an estimate of the request body: an adapter whose encoding
    /// is larger keeps a margin in the limit it declares.
    pub fn check_batch(&self, events: &[UsageEvent]) -> Result<()> {
        const OP: &str = "usage.ingest";
        require(self.ingest, self.provider, OP)?;
        let max = self.max_batch_events;
        if events.len() > max as usize {
            return Err(Error::invalid_field(
                "events",
                format!(
                    "{} events in one batch; the {} provider takes at most {max} per call: split the batch",
                    events.len(),
                    self.provider
                ),
            )
            .with_operation(OP));
        }
        if let Some(max_bytes) = self.max_batch_bytes {
            let bytes = serde_json::to_vec(events).map_or(0, |body| body.len() as u64);
            if bytes > max_bytes {
                return Err(Error::invalid_field(
                    "events",
                    format!(
                        "the batch is about {bytes} bytes; the {} provider takes at most {max_bytes} bytes per \
                         call: split the batch",
                        self.provider
                    ),
                )
                .with_operation(OP));
            }
        }
        Ok(())
    }

    /// Checks one event against [`UsageCapabilities::quantity`]: the error is that event's own
    /// (`Rejected(InvalidInput)` on `quantity` in the report), never the batch's.
    pub fn check_event(&self, event: &UsageEvent) -> Result<()> {
        if self.quantity.allows(event.quantity()) {
            Ok(())
        } else {
            Err(Error::invalid_field(
                "quantity",
                format!(
                    "the {} provider takes {}, never rounded (got {})",
                    self.provider,
                    self.quantity.describe(),
                    event.quantity()
                ),
            )
            .with_operation("usage.ingest"))
        }
    }
}

/// The report of a batch the guard split: the events in input order, each with the guard's refusal or the next
/// answer the provider gave for its key. A sent event the provider's report leaves out is `NotRecorded` (re-send
/// it: its key makes that harmless).
fn merge_report(
    order: Vec<(IdempotencyKey, Option<Error>)>,
    answered: IngestReport,
    provider: &'static str,
) -> IngestReport {
    let mut by_key: HashMap<IdempotencyKey, VecDeque<IngestOutcome>> = HashMap::new();
    for (key, outcome) in answered.into_entries() {
        by_key.entry(key).or_default().push_back(outcome);
    }
    let mut merged = IngestReport::new();
    for (key, refusal) in order {
        let outcome = match refusal {
            Some(error) => IngestOutcome::Rejected(error),
            None => by_key
                .get_mut(&key)
                .and_then(VecDeque::pop_front)
                .unwrap_or_else(|| {
                    IngestOutcome::NotRecorded(
                        Error::new(
                            ErrorKind::Provider,
                            format!(
                                "the provider's ingest report has no entry for the event `{key}`"
                            ),
                        )
                        .with_provider(provider)
                        .with_operation("usage.ingest"),
                    )
                }),
        };
        merged.push(key, outcome);
    }
    merged
}

// The checks run when the call is made. A batch they pass whole is the provider's own boxed future; a batch
// with refused events sends the others and merges the provider's report with the refusals.
impl<T: Usage + ?Sized> Usage for Guarded<T> {
    fn capabilities(&self) -> UsageCapabilities {
        self.inner.capabilities()
    }
    boxed_method! {
        fn ingest(&self, events: Vec<UsageEvent>) -> Result<IngestReport> {
            let caps = self.capabilities();
            if let Err(error) = caps.check_batch(&events) {
                return refused(error);
            }
            if events.is_empty() {
                // Nothing to send (several providers refuse an empty batch).
                return Box::pin(std::future::ready(Ok(IngestReport::new())));
            }
            let refusals: Vec<Option<Error>> =
                events.iter().map(|e| caps.check_event(e).err()).collect();
            if refusals.iter().all(Option::is_none) {
                return self.inner.ingest(events);
            }
            let mut order = Vec::with_capacity(events.len());
            let mut sent = Vec::new();
            for (event, refusal) in events.into_iter().zip(refusals) {
                let send = refusal.is_none();
                order.push((event.key().clone(), refusal));
                if send {
                    sent.push(event);
                }
            }
            let provider = caps.provider;
            if sent.is_empty() {
                return Box::pin(std::future::ready(Ok(merge_report(order, IngestReport::new(), provider))));
            }
            let call = self.inner.ingest(sent);
            Box::pin(async move { Ok(merge_report(order, call.await?, provider)) })
        }
    }
    boxed_method! {
        fn status(&self, keys: Vec<IdempotencyKey>) -> Result<Vec<(IdempotencyKey, UsageStatus)>> {
            let caps = self.capabilities();
            let checked = require(caps.status_lookup, caps.provider, "usage.status");
            checked.map_or_else(refused, |()| self.inner.status(keys))
        }
    }
}

// The checks run when the call is made; a call they pass is the provider's own boxed future, not a second box
// around it.
impl<T: Entitlements + ?Sized> Entitlements for Guarded<T> {
    fn capabilities(&self) -> EntitlementCapabilities {
        self.inner.capabilities()
    }
    boxed_method! {
        fn check(&self, customer_external_id: String, feature_key: String) -> Result<Entitlement> {
            let caps = self.capabilities();
            let checked = require(caps.check, caps.provider, "entitlements.check")
                .and_then(|()| non_empty("customer_external_id", &customer_external_id))
                .and_then(|()| non_empty("feature_key", &feature_key));
            checked.map_or_else(refused, |()| self.inner.check(customer_external_id, feature_key))
        }
    }
    boxed_method! {
        fn list(&self, customer_external_id: String) -> Result<Vec<Entitlement>> {
            let caps = self.capabilities();
            let checked = require(caps.list, caps.provider, "entitlements.list")
                .and_then(|()| non_empty("customer_external_id", &customer_external_id));
            checked.map_or_else(refused, |()| self.inner.list(customer_external_id))
        }
    }
}

impl InvoiceCapabilities {
    /// Checks (and clamps) a list query. A filter the provider lacks is the adapter's to apply over its pages,
    /// so filters are not refused; an empty customer or subscription id is `InvalidInput`.
    pub fn check_list(&self, query: &mut InvoiceListQuery) -> Result<()> {
        require(self.list, self.provider, "invoices.list")?;
        clamp_limit(&mut query.limit, self.max_page_size)?;
        non_empty_customer(query.customer.as_ref())?;
        query
            .subscription_id
            .as_ref()
            .map_or(Ok(()), |id| non_empty("subscription_id", id.as_str()))
    }
}

// The checks run when the call is made; a call they pass is the provider's own boxed future, not a second box
// around it.
impl<T: Invoices + ?Sized> Invoices for Guarded<T> {
    fn capabilities(&self) -> InvoiceCapabilities {
        self.inner.capabilities()
    }
    boxed_method! {
        fn get(&self, id: InvoiceId) -> Result<Invoice> {
            let caps = self.capabilities();
            let checked = require(caps.get, caps.provider, "invoices.get")
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.get(id))
        }
    }
    boxed_method! {
        fn list(&self, mut query: InvoiceListQuery) -> Result<Page<Invoice>> {
            let checked = self.capabilities().check_list(&mut query);
            checked.map_or_else(refused, |()| self.inner.list(query))
        }
    }
    boxed_method! {
        fn finalize(&self, id: InvoiceId) -> Result<Invoice> {
            let caps = self.capabilities();
            let checked = require(caps.finalize, caps.provider, "invoices.finalize")
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.finalize(id))
        }
    }
    boxed_method! {
        fn void(&self, id: InvoiceId) -> Result<Invoice> {
            let caps = self.capabilities();
            let checked = require(caps.void, caps.provider, "invoices.void")
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.void(id))
        }
    }
}

// Synchronous and pure: only the operation is checked, the verifier does the rest.
impl<T: Webhooks + ?Sized> Webhooks for Guarded<T> {
    fn capabilities(&self) -> WebhookCapabilities {
        self.inner.capabilities()
    }

    fn provider(&self) -> &'static str {
        self.inner.provider()
    }

    fn verify(
        &self,
        headers: &WebhookHeaders,
        body: &[u8],
        now: Timestamp,
    ) -> Result<WebhookEvent> {
        let caps = self.capabilities();
        require(caps.verify, caps.provider, "webhooks.verify")?;
        self.inner.verify(headers, body, now)
    }
}
