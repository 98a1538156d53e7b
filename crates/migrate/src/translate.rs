//! The create inputs for the destination, made from the source's read models, and nothing approximated: a
//! source object that cannot be expressed as an input is blocked by the plan, not bent into one.

use std::collections::BTreeMap;

use unibill_core::{Customer, NewCustomer, NewPrice, Price, PriceKind, Result};

/// The [`NewCustomer`] that recreates `c`.
pub fn new_customer(c: &Customer) -> Result<NewCustomer> {
    let mut b = NewCustomer::builder(c.external_id.as_str(), c.name.as_str());
    if let Some(v) = &c.email {
        b = b.email(v.as_str());
    }
    if let Some(v) = &c.contact {
        b = b.contact(v.as_str());
    }
    if let Some(v) = &c.address {
        b = b.address(v.clone());
    }
    if let Some(v) = &c.time_zone {
        b = b.time_zone(v.as_str());
    }
    if !c.metadata.is_empty() {
        b = b.metadata(c.metadata.clone());
    }
    b.build()
}

/// How meter ids of usage prices map onto the destination (an id not in the map stays as it is).
pub type MeterMap = BTreeMap<String, String>;

/// The meter a usage price of the source uses on the destination.
pub fn destination_meter<'a>(meters: &'a MeterMap, source_meter: &'a str) -> &'a str {
    meters
        .get(source_meter)
        .map(String::as_str)
        .unwrap_or(source_meter)
}

/// The [`NewPrice`] that recreates `p` on the destination product `product` (`None`: no product), with usage
/// meters mapped through `meters`. The default flag is not carried (each provider sets its own default).
pub fn new_price(p: &Price, product: Option<&str>, meters: &MeterMap) -> Result<NewPrice> {
    let kind = match &p.kind {
        PriceKind::Usage { interval, meter_id } => PriceKind::Usage {
            interval: *interval,
            meter_id: destination_meter(meters, meter_id).to_owned(),
        },
        other => other.clone(),
    };
    let mut b = NewPrice::builder(kind, p.unit_amount.clone()).scheme(p.scheme.clone());
    if let Some(v) = product {
        b = b.product_id(v);
    }
    if let Some(v) = &p.name {
        b = b.name(v.as_str());
    }
    if let Some(v) = &p.slug {
        b = b.slug(v.as_str());
    }
    if let Some(v) = &p.description {
        b = b.description(v.as_str());
    }
    if !p.metadata.is_empty() {
        b = b.metadata(p.metadata.clone());
    }
    if let Some(v) = &p.setup_fee {
        b = b.setup_fee(v.clone());
    }
    b.build()
}
