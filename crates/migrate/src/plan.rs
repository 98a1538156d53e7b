//! [`Plan`]: the dry-run diff, what will be created on the destination, what is there already (matched by
//! natural key, or recorded in the ledger), and what cannot move and why. Making a plan reads both sides and
//! the ledger and writes nothing anywhere.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use unibill_core::{
    Capabilities, Currency, Customer, Error, FieldRule, NewCustomer, NewPrice, Price, PriceKind,
    Result, Timestamp,
};

use crate::compare;
use crate::ledger::Ledger;
use crate::products::Products;
use crate::resource::ResourceKind;
use crate::snapshot::Snapshot;
use crate::subscriptions::{self, SubscriptionInput};
use crate::translate::{self, MeterMap};

/// What the plan decided for one source object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// To be created on the destination.
    Create,
    /// On the destination already: matched by natural key, or recorded in the ledger by an earlier run.
    Existing {
        /// Its destination id.
        destination_id: String,
    },
    /// Cannot be represented on the destination; never approximated.
    Blocked {
        /// The capability (or field) of the destination that blocks it.
        capability: String,
        /// Why, in words.
        reason: String,
    },
    /// Could move, but not safely without a person deciding (a subscription in trial, past due, already
    /// scheduled to cancel or renewing within 24 hours, or one whose later start the destination cannot
    /// honour): left alone on both sides, never approximated.
    ManualReview {
        /// Why, in words.
        reason: String,
    },
}

/// One source object and what the plan decided for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanItem {
    /// What kind of object.
    pub resource: ResourceKind,
    /// Its source id.
    pub source_id: String,
    /// Its natural key (customer external id, price slug, product id; `content:<id>` for a price without a
    /// slug, matched by its content).
    pub natural_key: String,
    /// The decision.
    #[serde(flatten)]
    pub action: Action,
}

impl PlanItem {
    /// Whether the object is blocked.
    pub fn is_blocked(&self) -> bool {
        matches!(self.action, Action::Blocked { .. })
    }

    /// Whether the object is left for manual review.
    pub fn is_manual_review(&self) -> bool {
        matches!(self.action, Action::ManualReview { .. })
    }

    /// Whether the migration moves it (it is neither blocked nor left for review).
    pub fn moves(&self) -> bool {
        !self.is_blocked() && !self.is_manual_review()
    }
}

/// Counts of one kind of object in a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PlanCounts {
    /// To create.
    pub create: u64,
    /// On the destination already.
    pub existing: u64,
    /// Blocked.
    pub blocked: u64,
    /// Left for manual review.
    pub manual_review: u64,
}

/// The dry-run diff, in dependency order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Customers.
    pub customers: Vec<PlanItem>,
    /// Source products that prices need on the destination.
    pub products: Vec<PlanItem>,
    /// Prices.
    pub prices: Vec<PlanItem>,
    /// Subscriptions (empty unless the migration moves them).
    pub subscriptions: Vec<PlanItem>,
}

impl Plan {
    /// Every item, customers then products then prices then subscriptions.
    pub fn items(&self) -> impl Iterator<Item = &PlanItem> {
        self.customers
            .iter()
            .chain(&self.products)
            .chain(&self.prices)
            .chain(&self.subscriptions)
    }

    /// The blocked items.
    pub fn blocked(&self) -> impl Iterator<Item = &PlanItem> {
        self.items().filter(|i| i.is_blocked())
    }

    /// The items left for manual review.
    pub fn manual_review(&self) -> impl Iterator<Item = &PlanItem> {
        self.items().filter(|i| i.is_manual_review())
    }

    /// Counts per kind.
    pub fn counts(&self) -> BTreeMap<ResourceKind, PlanCounts> {
        let mut out = BTreeMap::new();
        for item in self.items() {
            let c: &mut PlanCounts = out.entry(item.resource).or_default();
            match item.action {
                Action::Create => c.create += 1,
                Action::Existing { .. } => c.existing += 1,
                Action::Blocked { .. } => c.blocked += 1,
                Action::ManualReview { .. } => c.manual_review += 1,
            }
        }
        out
    }
}

/// What `apply` and `verify` need beside the plan: the inputs and the destination product of each price.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    /// Per customer item (same index): its input, unless blocked.
    pub customers: Vec<Option<NewCustomer>>,
    /// Per price item (same index): the source product it needs on the destination (`None`: no product).
    pub price_products: Vec<Option<String>>,
    /// Per subscription item (same index): what recreates it, unless it does not move.
    pub subscriptions: Vec<Option<SubscriptionInput>>,
}

/// The rules a plan is made under.
#[derive(Debug)]
pub(crate) struct Rules<'a> {
    pub caps: &'a Capabilities,
    pub products: &'a dyn Products,
    pub meters: &'a MeterMap,
    pub currencies: &'a [Currency],
    /// Whether subscriptions move.
    pub subscriptions: bool,
    /// The instant the plan is made at (the 24-hour renewal rule).
    pub now: Timestamp,
}

pub(crate) fn blocked_by(e: &Error) -> Action {
    let capability = e
        .field_errors()
        .first()
        .map(|f| f.field.clone())
        .unwrap_or_else(|| e.kind().as_str().to_owned());
    Action::Blocked {
        capability,
        reason: e.to_string(),
    }
}

/// The natural key of a price: its slug, else its content (`content:<source id>`).
pub(crate) fn price_key(p: &Price) -> String {
    match &p.slug {
        Some(s) => s.clone(),
        None => format!("content:{}", p.id.as_str()),
    }
}

fn fixed(kind: &PriceKind) -> bool {
    !matches!(kind, PriceKind::Usage { .. })
}

/// Makes the plan from both sides and the ledger.
pub(crate) async fn make(
    source: &Snapshot,
    destination: &Snapshot,
    ledger: &Ledger,
    rules: &Rules<'_>,
) -> Result<(Plan, Prepared)> {
    let mut plan = Plan::default();
    let mut prepared = Prepared::default();

    // Customers: matched by external id.
    let done = done_map(ledger, ResourceKind::Customer)?;
    let by_external: HashMap<&str, &Customer> = destination
        .customers
        .iter()
        .map(|c| (c.external_id.as_str(), c))
        .collect();
    for c in &source.customers {
        let input = translate::new_customer(c)
            .and_then(|input| rules.caps.customers.check_create(&input).map(|()| input));
        let action = match (&input, done.get(c.id.as_str())) {
            (Err(e), _) => blocked_by(e),
            (Ok(_), Some(id)) => Action::Existing {
                destination_id: id.clone(),
            },
            (Ok(_), None) => match by_external.get(c.external_id.as_str()) {
                Some(d) => Action::Existing {
                    destination_id: d.id.as_str().to_owned(),
                },
                None => Action::Create,
            },
        };
        plan.customers.push(PlanItem {
            resource: ResourceKind::Customer,
            source_id: c.id.as_str().to_owned(),
            natural_key: c.external_id.clone(),
            action,
        });
        prepared.customers.push(input.ok());
    }

    // Prices (and the products they need).
    let done_prices = done_map(ledger, ResourceKind::Price)?;
    let done_products = done_map(ledger, ResourceKind::Product)?;
    let claimed: HashSet<&str> = done_prices.values().map(String::as_str).collect();
    let by_slug: HashMap<&str, &Price> = destination
        .prices
        .iter()
        .filter_map(|p| p.slug.as_deref().map(|s| (s, p)))
        .collect();
    let mut found_products: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut fixed_per_product: HashSet<String> = HashSet::new();
    let mut content_claimed: HashSet<String> = HashSet::new();
    let caps = &rules.caps.prices;
    for p in &source.prices {
        let rule = match p.kind {
            PriceKind::Recurring { .. } => caps.product_id.recurring,
            PriceKind::OneTime => caps.product_id.one_time,
            PriceKind::Usage { .. } => caps.product_id.usage,
        };
        let needs_product = match (rule, p.product_id.as_deref()) {
            (FieldRule::Forbidden, _) | (_, None) => None,
            (_, Some(sp)) => Some(sp.to_owned()),
        };
        let mut action = None;
        if let Some(sp) = &needs_product {
            if let Some(reason) = rules.products.blocked(sp) {
                action = Some(Action::Blocked {
                    capability: "product_id".into(),
                    reason,
                });
            } else if !found_products.contains_key(sp) {
                let found = match done_products.get(sp.as_str()) {
                    Some(id) => Some(id.clone()),
                    None => rules.products.find(sp).await?,
                };
                found_products.insert(sp.clone(), found);
            }
        }
        if action.is_none()
            && !rules.currencies.is_empty()
            && !rules.currencies.contains(&p.currency)
        {
            action = Some(Action::Blocked {
                capability: "currency".into(),
                reason: format!(
                    "the destination takes prices in {} only; this price is in {}",
                    rules
                        .currencies
                        .iter()
                        .map(Currency::code)
                        .collect::<Vec<_>>()
                        .join(", "),
                    p.currency.code()
                ),
            });
        }
        if action.is_none() {
            // The input with a stand-in product where one will be made: the check needs only its presence.
            let stand_in = needs_product.as_deref();
            let checked: Result<NewPrice> = translate::new_price(p, stand_in, rules.meters)
                .and_then(|input| caps.check_create(&input).map(|()| input));
            if let Err(e) = checked {
                action = Some(blocked_by(&e));
            }
        }
        if action.is_none()
            && caps.create_archives_siblings
            && fixed(&p.kind)
            && let Some(sp) = &needs_product
            && !fixed_per_product.insert(sp.clone())
        {
            action = Some(Action::Blocked {
                capability: "create_archives_siblings".into(),
                reason: format!(
                    "the destination keeps one active fixed price per product, and another price of \
                     source product `{sp}` goes there first: creating this one would archive it; map \
                     this price's product to a destination product of its own"
                ),
            });
        }
        let action = match action {
            Some(a) => a,
            None => {
                let product = needs_product
                    .as_ref()
                    .and_then(|sp| found_products.get(sp).cloned().flatten());
                match done_prices.get(p.id.as_str()) {
                    Some(id) => Action::Existing {
                        destination_id: id.clone(),
                    },
                    None => match &p.slug {
                        Some(slug) => match by_slug.get(slug.as_str()) {
                            Some(d) => Action::Existing {
                                destination_id: d.id.as_str().to_owned(),
                            },
                            None => Action::Create,
                        },
                        None => {
                            // No natural key: a destination price equal in every compared field, not claimed by
                            // another source price, is this one.
                            let hit = destination.prices.iter().find(|d| {
                                d.slug.is_none()
                                    && !claimed.contains(d.id.as_str())
                                    && !content_claimed.contains(d.id.as_str())
                                    && (needs_product.is_none() || product.is_some())
                                    && compare::prices(p, d, product.as_deref(), rules.meters)
                                        .is_empty()
                            });
                            match hit {
                                Some(d) => {
                                    content_claimed.insert(d.id.as_str().to_owned());
                                    Action::Existing {
                                        destination_id: d.id.as_str().to_owned(),
                                    }
                                }
                                None => Action::Create,
                            }
                        }
                    },
                }
            }
        };
        let blocked = matches!(action, Action::Blocked { .. });
        plan.prices.push(PlanItem {
            resource: ResourceKind::Price,
            source_id: p.id.as_str().to_owned(),
            natural_key: price_key(p),
            action,
        });
        prepared
            .price_products
            .push(if blocked { None } else { needs_product });
    }
    let needed: HashSet<&str> = prepared
        .price_products
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    for (sp, found) in &found_products {
        if !needed.contains(sp.as_str()) {
            continue;
        }
        plan.products.push(PlanItem {
            resource: ResourceKind::Product,
            source_id: sp.clone(),
            natural_key: sp.clone(),
            action: match found {
                Some(id) => Action::Existing {
                    destination_id: id.clone(),
                },
                None => Action::Create,
            },
        });
    }
    if rules.subscriptions {
        let (items, inputs) = subscriptions::plan(
            source,
            destination,
            ledger,
            rules,
            &plan.customers,
            &plan.prices,
        )?;
        plan.subscriptions = items;
        prepared.subscriptions = inputs;
    }
    Ok((plan, prepared))
}

/// Source id → destination id of the rows done in the ledger.
pub(crate) fn done_map(ledger: &Ledger, resource: ResourceKind) -> Result<HashMap<String, String>> {
    Ok(ledger
        .mappings(resource)?
        .into_iter()
        .filter(|m| m.state.is_done())
        .filter_map(|m| m.destination_id.map(|d| (m.source_id, d)))
        .collect())
}
