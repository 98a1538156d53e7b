//! The emulator's in-memory store: pricing model, products, usage meters, prices, customers, features,
//! subscriptions, usage events, invoices, ids and clock.

use serde_json::{Value, json};

use super::features::{Feature, ProductFeature};
use super::invoices::Invoice;
use super::subscriptions::Subscription;
use super::usage_events::UsageEvent;

/// Id of the pricing model the emulator's key is scoped to (the fixtures' pricing model).
pub const PRICING_MODEL_ID: &str = "pricing_model_8QbWq3kLr2TnXy7Vd1Zs0";
/// Id of the emulated organisation (the fixtures' organisation).
pub const ORGANIZATION_ID: &str = "org_5RtYk2Lw8QzXn3Vb7MsDc";
/// Seeded non-default product (subscription prices in the fixtures).
pub const PRO_PRODUCT_ID: &str = "prod_Hk4mV9sQ2wLx8RtYp3NcB";
/// Seeded non-default product (single-payment price in the fixtures).
pub const ADDON_PRODUCT_ID: &str = "prod_Zr7Tq1WnB5cXs9LmK2dPv";
/// Seeded default (free-plan) product of the pricing model.
pub const FREE_PRODUCT_ID: &str = "prod_FreePlanDefau1t000000";
/// Seeded usage meter (the fixtures' meter).
pub const USAGE_METER_ID: &str = "usage_meter_Jd3Kf8Lp2Qx7Vn5Wm1Rt9";
/// Slug of the seeded usage meter.
pub const USAGE_METER_SLUG: &str = "api_calls";
/// A pricing model the key cannot see (holds the out-of-scope rows).
pub(crate) const FOREIGN_PRICING_MODEL_ID: &str = "pricing_model_0therMode100000000000";

/// A product the emulator knows about (products are not served; they only anchor prices).
#[derive(Debug, Clone)]
pub(crate) struct Product {
    pub id: String,
    pub is_default: bool,
    pub pricing_model_id: String,
}

/// How a usage meter aggregates its events over a billing period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aggregation {
    /// Sum of `amount`.
    Sum,
    /// Number of distinct `properties` values.
    CountDistinctProperties,
}

impl Aggregation {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sum" => Some(Self::Sum),
            "count_distinct_properties" => Some(Self::CountDistinctProperties),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sum => "sum",
            Self::CountDistinctProperties => "count_distinct_properties",
        }
    }
}

/// A usage meter (seeded or created through `POST /api/v1/usage-meters`).
#[derive(Debug, Clone)]
pub(crate) struct UsageMeter {
    pub id: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub livemode: bool,
    pub pricing_model_id: String,
    pub name: String,
    pub slug: String,
    pub aggregation: Aggregation,
}

impl UsageMeter {
    /// The wire record (`UsageMeterClientSelectSchema`).
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "livemode": self.livemode,
            "organizationId": ORGANIZATION_ID,
            "name": self.name,
            "pricingModelId": self.pricing_model_id,
            "slug": self.slug,
            "aggregationType": self.aggregation.as_str(),
        })
    }
}

/// The three price types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PriceType {
    Subscription,
    SinglePayment,
    Usage,
}

impl PriceType {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "subscription" => Some(Self::Subscription),
            "single_payment" => Some(Self::SinglePayment),
            "usage" => Some(Self::Usage),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Subscription => "subscription",
            Self::SinglePayment => "single_payment",
            Self::Usage => "usage",
        }
    }
}

/// A stored price. Integer columns are `i64` (already range-checked against int32 before insert).
#[derive(Debug, Clone)]
pub(crate) struct Price {
    pub id: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub livemode: bool,
    pub pricing_model_id: String,
    pub kind: PriceType,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub unit_price: i64,
    pub currency: String,
    pub is_default: bool,
    pub active: bool,
    pub interval_unit: Option<String>,
    pub interval_count: Option<i64>,
    pub trial_period_days: Option<i64>,
    pub usage_events_per_unit: Option<i64>,
    pub product_id: Option<String>,
    pub usage_meter_id: Option<String>,
}

impl Price {
    /// The wire record: all 18 keys, inapplicable ones `null`.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "livemode": self.livemode,
            "intervalUnit": self.interval_unit,
            "name": self.name,
            "intervalCount": self.interval_count,
            "type": self.kind.as_str(),
            "trialPeriodDays": self.trial_period_days,
            "isDefault": self.is_default,
            "unitPrice": self.unit_price,
            "usageEventsPerUnit": self.usage_events_per_unit,
            "productId": self.product_id,
            "active": self.active,
            "currency": self.currency,
            "slug": self.slug,
            "usageMeterId": self.usage_meter_id,
            "pricingModelId": self.pricing_model_id,
        })
    }
}

/// A stored customer.
#[derive(Debug, Clone)]
pub(crate) struct Customer {
    pub id: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub livemode: bool,
    pub pricing_model_id: String,
    pub email: String,
    pub name: String,
    pub invoice_number_base: String,
    pub archived: bool,
    pub logo_url: Option<String>,
    pub icon_url: Option<String>,
    pub domain: Option<String>,
    pub external_id: String,
    pub user_id: Option<String>,
}

impl Customer {
    /// The wire record.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "livemode": self.livemode,
            "organizationId": ORGANIZATION_ID,
            "email": self.email,
            "name": self.name,
            "invoiceNumberBase": self.invoice_number_base,
            "archived": self.archived,
            "logoURL": self.logo_url,
            "iconURL": self.icon_url,
            "domain": self.domain,
            "billingAddress": null,
            "externalId": self.external_id,
            "userId": self.user_id,
            "pricingModelId": self.pricing_model_id,
        })
    }
}

/// Where timestamps come from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Clock {
    /// Wall-clock epoch ms, forced strictly increasing.
    System,
    /// Logical: starts at the given epoch ms and advances by 1 ms per write.
    Fixed(i64),
}

/// Everything the emulator stores.
#[derive(Debug)]
pub(crate) struct Store {
    pub currency: String,
    pub livemode: bool,
    pub pricing_model_id: String,
    pub products: Vec<Product>,
    pub meters: Vec<UsageMeter>,
    pub prices: Vec<Price>,
    pub customers: Vec<Customer>,
    pub features: Vec<Feature>,
    pub product_features: Vec<ProductFeature>,
    pub subscriptions: Vec<Subscription>,
    pub usage_events: Vec<UsageEvent>,
    pub invoices: Vec<Invoice>,
    /// The organisation's `allowMultipleSubscriptionsPerCustomer` (default false).
    pub allow_multiple_subscriptions: bool,
    pub rate_limited: bool,
    clock: Clock,
    last_ms: i64,
    next_id: u64,
    next_request: u64,
}

const ID_ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl Store {
    pub fn new(currency: String, livemode: bool, clock: Clock) -> Self {
        let last_ms = match clock {
            Clock::System => 0,
            Clock::Fixed(start) => start - 1,
        };
        Self {
            currency,
            livemode,
            pricing_model_id: PRICING_MODEL_ID.to_owned(),
            products: Vec::new(),
            meters: Vec::new(),
            prices: Vec::new(),
            customers: Vec::new(),
            features: Vec::new(),
            product_features: Vec::new(),
            subscriptions: Vec::new(),
            usage_events: Vec::new(),
            invoices: Vec::new(),
            allow_multiple_subscriptions: false,
            rate_limited: false,
            clock,
            last_ms,
            next_id: 0,
            next_request: 0,
        }
    }

    /// The next timestamp (strictly increasing).
    pub fn now_ms(&mut self) -> i64 {
        let candidate = match self.clock {
            Clock::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .unwrap_or(0),
            Clock::Fixed(_) => self.last_ms + 1,
        };
        self.last_ms = candidate.max(self.last_ms + 1);
        self.last_ms
    }

    /// The current time without advancing the clock (the last timestamp handed out, or the wall clock when
    /// it is later).
    pub fn current_ms(&self) -> i64 {
        match self.clock {
            Clock::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .unwrap_or(0)
                .max(self.last_ms),
            Clock::Fixed(_) => self.last_ms,
        }
    }

    /// Moves the clock forward by `ms` (the next timestamp is at least `current_ms() + ms + 1`).
    pub fn advance_ms(&mut self, ms: i64) {
        self.last_ms = self.current_ms().saturating_add(ms.max(0));
    }

    /// A fresh id: the prefix and 21 characters of `[0-9A-Za-z]`, counter-based and increasing.
    pub fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        let mut n = self.next_id;
        let mut tail = [b'0'; 16];
        for slot in tail.iter_mut().rev() {
            *slot = ID_ALPHABET[usize::try_from(n % 62).unwrap_or(0)];
            n /= 62;
        }
        // 5 fixed characters + 16 counter characters = 21.
        format!("{prefix}emu00{}", String::from_utf8_lossy(&tail))
    }

    /// A fresh 8-hex-digit request id.
    pub fn new_request_id(&mut self) -> String {
        self.next_request += 1;
        // A multiplicative hash keeps ids distinct while looking like Flowglad's random ones.
        let mixed = (self.next_request.wrapping_mul(0x9E37_79B9)) & 0xFFFF_FFFF;
        format!("{mixed:08x}")
    }

    /// A customer's invoice number base: 7 uppercase hex characters.
    pub fn invoice_base(&self) -> String {
        let mixed = (self.next_id.wrapping_mul(0x2545_F491)) & 0x0FFF_FFFF;
        format!("{mixed:07X}")
    }

    /// Whether a row is visible to the emulator's key (same pricing model and livemode).
    pub fn visible(&self, pricing_model_id: &str, livemode: bool) -> bool {
        pricing_model_id == self.pricing_model_id && livemode == self.livemode
    }

    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products
            .iter()
            .find(|p| p.id == id && p.pricing_model_id == self.pricing_model_id)
    }

    pub fn meter(&self, id: &str) -> Option<&UsageMeter> {
        self.meters
            .iter()
            .find(|m| m.id == id && self.visible(&m.pricing_model_id, m.livemode))
    }

    /// The visible meter with this slug.
    pub fn meter_by_slug(&self, slug: &str) -> Option<&UsageMeter> {
        self.meters
            .iter()
            .find(|m| m.slug == slug && self.visible(&m.pricing_model_id, m.livemode))
    }

    /// Index of the visible active price with this slug.
    pub fn price_index_by_slug(&self, slug: &str) -> Option<usize> {
        self.prices.iter().position(|p| {
            p.active
                && p.slug.as_deref() == Some(slug)
                && self.visible(&p.pricing_model_id, p.livemode)
        })
    }

    /// Index of the visible customer with this `cust_` id.
    pub fn customer_index_by_id(&self, id: &str) -> Option<usize> {
        self.customers
            .iter()
            .position(|c| c.id == id && self.visible(&c.pricing_model_id, c.livemode))
    }

    /// Index of a visible subscription.
    pub fn subscription_index(&self, id: &str) -> Option<usize> {
        self.subscriptions
            .iter()
            .position(|s| s.id == id && self.visible(&s.pricing_model_id, s.livemode))
    }

    /// Index of a visible price.
    pub fn price_index(&self, id: &str) -> Option<usize> {
        self.prices
            .iter()
            .position(|p| p.id == id && self.visible(&p.pricing_model_id, p.livemode))
    }

    /// Index of the visible customer with this external id: the non-archived one if any,
    /// otherwise the most recently created archived one.
    pub fn customer_index(&self, external_id: &str) -> Option<usize> {
        let mut archived = None;
        for (i, c) in self.customers.iter().enumerate() {
            if c.external_id != external_id || !self.visible(&c.pricing_model_id, c.livemode) {
                continue;
            }
            if !c.archived {
                return Some(i);
            }
            archived = Some(i);
        }
        archived
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tail_ok(id: &str, prefix: &str) -> bool {
        id.strip_prefix(prefix)
            .is_some_and(|t| t.len() == 21 && t.bytes().all(|b| b.is_ascii_alphanumeric()))
    }

    #[test]
    fn ids_have_21_alphanumerics_and_sort_by_creation() {
        let mut s = Store::new("USD".into(), false, Clock::Fixed(1));
        let a = s.new_id("price_");
        let b = s.new_id("price_");
        assert!(tail_ok(&a, "price_") && tail_ok(&b, "price_"), "{a} {b}");
        assert!(a < b);
        for (id, prefix) in [
            (PRICING_MODEL_ID, "pricing_model_"),
            (ORGANIZATION_ID, "org_"),
            (PRO_PRODUCT_ID, "prod_"),
            (ADDON_PRODUCT_ID, "prod_"),
            (FREE_PRODUCT_ID, "prod_"),
            (USAGE_METER_ID, "usage_meter_"),
            (FOREIGN_PRICING_MODEL_ID, "pricing_model_"),
        ] {
            assert!(tail_ok(id, prefix), "{id}");
        }
    }

    #[test]
    fn clock_is_strictly_increasing_and_request_ids_are_8_hex() {
        let mut s = Store::new("USD".into(), false, Clock::System);
        let a = s.now_ms();
        let b = s.now_ms();
        assert!(b > a);
        let r = s.new_request_id();
        assert_eq!(r.len(), 8);
        assert!(r.bytes().all(|c| c.is_ascii_hexdigit()));
    }
}
