//! [`Snapshot`]: every customer and active price of one side, read through the neutral list calls.

use std::collections::{BTreeSet, HashMap};

use futures::TryStreamExt;
use unibill_core::{
    Billing, Customer, CustomerListQuery, CustomersExt, Price, PriceListQuery, PricesExt, Result,
    Subscription, SubscriptionListQuery, SubscriptionsExt,
};

use crate::progress::{Phase, Progress, ProgressSink};
use crate::resource::ResourceKind;

/// What one side holds (archived objects are not migrated and not read).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Every active customer, in the provider's list order.
    pub customers: Vec<Customer>,
    /// Every active price, in the provider's list order.
    pub prices: Vec<Price>,
    /// Every subscription, every status, in the provider's list order; `None` when they were not read (the
    /// migration moves no subscriptions).
    pub subscriptions: Option<Vec<Subscription>>,
}

impl Snapshot {
    /// Reads every customer and active price of `billing` (and every subscription when `subscriptions`),
    /// reporting each read on `progress` under `phase`.
    pub async fn read(
        billing: &Billing,
        subscriptions: bool,
        phase: Phase,
        progress: &ProgressSink,
    ) -> Result<Self> {
        let customers_api = billing.customers();
        let page = customers_api.capabilities().max_page_size.max(1);
        let mut customers = Vec::new();
        let mut stream = customers_api.list_all(CustomerListQuery::new().limit(page));
        while let Some(c) = stream.try_next().await? {
            customers.push(c);
            read_event(progress, phase, ResourceKind::Customer, customers.len());
        }
        drop(stream);
        let prices_api = billing.prices();
        let page = prices_api.capabilities().max_page_size.max(1);
        let mut prices = Vec::new();
        let mut stream = prices_api.list_all(PriceListQuery::new().limit(page));
        while let Some(p) = stream.try_next().await? {
            if p.active {
                prices.push(p);
                read_event(progress, phase, ResourceKind::Price, prices.len());
            }
        }
        drop(stream);
        let subscriptions = if subscriptions {
            let api = billing.subscriptions();
            let page = api.capabilities().max_page_size.max(1);
            let mut subs = Vec::new();
            let mut stream = api.list_all(SubscriptionListQuery::new().limit(page));
            while let Some(s) = stream.try_next().await? {
                subs.push(s);
                read_event(progress, phase, ResourceKind::Subscription, subs.len());
            }
            Some(subs)
        } else {
            None
        };
        Ok(Snapshot {
            customers,
            prices,
            subscriptions,
        })
    }

    /// Every id this side's provider names a customer by (its neutral id, and the provider's own id where the
    /// raw record holds another one: Flowglad's `cust_…`) → the customer's external id.
    pub(crate) fn customer_external_ids(&self) -> HashMap<String, String> {
        let mut out = HashMap::new();
        for c in &self.customers {
            out.insert(c.id.as_str().to_owned(), c.external_id.clone());
            if let Some(id) = c
                .raw
                .as_ref()
                .and_then(|r| r.to_value().get("id")?.as_str().map(str::to_owned))
            {
                out.entry(id).or_insert_with(|| c.external_id.clone());
            }
        }
        out
    }

    /// The subscriptions read (none when they were not).
    pub(crate) fn subscriptions(&self) -> &[Subscription] {
        self.subscriptions.as_deref().unwrap_or_default()
    }

    /// Drops the values the source provider fills in by itself where the destination cannot store them: they
    /// are the source's defaults, not data (Flexprice gives every customer the time zone `UTC`). Declared in
    /// [`crate::KNOWN_DIFFERENCES`].
    pub(crate) fn drop_source_defaults(&mut self, destination_stores_time_zone: bool) {
        if destination_stores_time_zone {
            return;
        }
        for c in &mut self.customers {
            if default_time_zone(&c.provider) == c.time_zone.as_deref() && c.time_zone.is_some() {
                c.time_zone = None;
            }
        }
    }

    /// The distinct product ids of the prices, sorted.
    pub fn product_ids(&self) -> BTreeSet<&str> {
        self.prices
            .iter()
            .filter_map(|p| p.product_id.as_deref())
            .collect()
    }

    /// The customers by id.
    pub(crate) fn customers_by_id(&self) -> HashMap<&str, &Customer> {
        self.customers.iter().map(|c| (c.id.as_str(), c)).collect()
    }

    /// The prices by id.
    pub(crate) fn prices_by_id(&self) -> HashMap<&str, &Price> {
        self.prices.iter().map(|p| (p.id.as_str(), p)).collect()
    }
}

fn read_event(progress: &ProgressSink, phase: Phase, resource: ResourceKind, done: usize) {
    // One event per page-sized step keeps a 10,000-object read from flooding the sink.
    if done % 100 == 1 {
        progress.emit(Progress {
            phase,
            resource,
            event: "read",
            source_id: None,
            done: done as u64,
            total: None,
        });
    }
}

/// The time zone a provider gives a customer created without one.
fn default_time_zone(provider: &str) -> Option<&'static str> {
    match provider {
        "flexprice" => Some("UTC"),
        _ => None,
    }
}
