//! The emulator's in-memory store: every resource, the deterministic clock and id counter, and the knobs.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::clock::{
    CLOCK_START_SECS, CLOCK_SUBSEC_NANOS, Precision, format_go_time, format_seconds,
};
use super::ids::{ENVIRONMENT_ID, TENANT_ID, USER_ID, ulid_id};
use super::status::Status;

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScope {
    /// Reads and writes.
    ReadWrite,
    /// Reads only (GET and the `/search` POSTs); writes get 403 `{"message":"insufficient permissions"}`.
    ReadOnly,
}

/// Why a customer cannot be deleted (DELETE answers 400 `invalid_operation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteBlock {
    /// "Please cancel all subscriptions before deleting the customer".
    ActiveSubscriptions,
    /// "Customer cannot be deleted due to associated wallets".
    Wallets,
}

impl DeleteBlock {
    pub(crate) fn message(self) -> &'static str {
        match self {
            Self::ActiveSubscriptions => {
                "Please cancel all subscriptions before deleting the customer"
            }
            Self::Wallets => "Customer cannot be deleted due to associated wallets",
        }
    }
}

/// How `POST /v1/events/bulk` applies a batch (the server's `event.bulk_publish_enabled`, invisible to clients).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkMode {
    /// Events are validated and stored one by one: a bad event at index k answers 400 after events 0..k−1
    /// were accepted (the default: the less forgiving of the two).
    PerEvent,
    /// Every event is validated first: one bad event answers 400 and nothing is stored.
    Batched,
}

/// A stored customer. Times are nanoseconds since the epoch.
#[derive(Debug, Clone)]
pub(crate) struct Customer {
    pub id: String,
    pub external_id: String,
    pub name: String,
    pub email: String,
    pub contact: String,
    pub address_line1: String,
    pub address_line2: String,
    pub address_city: String,
    pub address_state: String,
    pub address_postal_code: String,
    pub address_country: String,
    pub timezone: String,
    pub metadata: Option<BTreeMap<String, String>>,
    pub status: Status,
    pub created_at: i128,
    pub updated_at: i128,
}

impl Customer {
    pub fn to_json(&self, precision: Precision) -> Value {
        let mut m = Map::new();
        let s = |v: &str| Value::String(v.to_owned());
        m.insert("id".into(), s(&self.id));
        m.insert("external_id".into(), s(&self.external_id));
        m.insert("name".into(), s(&self.name));
        m.insert("email".into(), s(&self.email));
        if !self.contact.is_empty() {
            m.insert("contact".into(), s(&self.contact));
        }
        m.insert("address_line1".into(), s(&self.address_line1));
        m.insert("address_line2".into(), s(&self.address_line2));
        m.insert("address_city".into(), s(&self.address_city));
        m.insert("address_state".into(), s(&self.address_state));
        m.insert("address_postal_code".into(), s(&self.address_postal_code));
        m.insert("address_country".into(), s(&self.address_country));
        m.insert("timezone".into(), s(&self.timezone));
        m.insert(
            "metadata".into(),
            match &self.metadata {
                None => Value::Null,
                Some(md) => Value::Object(md.iter().map(|(k, v)| (k.clone(), s(v))).collect()),
            },
        );
        m.insert("environment_id".into(), s(ENVIRONMENT_ID));
        m.insert("tenant_id".into(), s(TENANT_ID));
        m.insert("status".into(), s(self.status.as_str()));
        m.insert(
            "created_at".into(),
            Value::String(format_go_time(self.created_at, precision)),
        );
        m.insert(
            "updated_at".into(),
            Value::String(format_go_time(self.updated_at, precision)),
        );
        m.insert("created_by".into(), s(USER_ID));
        m.insert("updated_by".into(), s(USER_ID));
        Value::Object(m)
    }
}

/// A stored connection. Times are whole seconds since the epoch.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    pub id: String,
    pub name: String,
    pub provider_type: String,
    pub status: Status,
    pub metadata: Option<Value>,
    pub sync_config: Option<Map<String, Value>>,
    pub secrets: BTreeMap<String, String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The entity keys of `SyncConfig`, in the server's order.
pub(crate) const SYNC_ENTITIES: [&str; 8] = [
    "plan",
    "subscription",
    "invoice",
    "customer",
    "payment",
    "price",
    "deal",
    "quote",
];

impl Connection {
    pub fn to_json(&self, utc_offset_seconds: i32) -> Value {
        let mut m = Map::new();
        let s = |v: &str| Value::String(v.to_owned());
        m.insert("id".into(), s(&self.id));
        m.insert("name".into(), s(&self.name));
        m.insert("provider_type".into(), s(&self.provider_type));
        m.insert("environment_id".into(), s(ENVIRONMENT_ID));
        m.insert("tenant_id".into(), s(TENANT_ID));
        m.insert("status".into(), s(self.status.as_str()));
        if let Some(md) = &self.metadata {
            m.insert("metadata".into(), md.clone());
        }
        let sync = match &self.sync_config {
            Some(cfg) => Value::Object(cfg.clone()),
            None => Value::Object(
                SYNC_ENTITIES
                    .iter()
                    .map(|e| {
                        (
                            (*e).to_owned(),
                            serde_json::json!({"inbound": false, "outbound": false}),
                        )
                    })
                    .collect(),
            ),
        };
        m.insert("sync_config".into(), sync);
        m.insert(
            "created_at".into(),
            Value::String(format_seconds(self.created_at, utc_offset_seconds)),
        );
        m.insert(
            "updated_at".into(),
            Value::String(format_seconds(self.updated_at, utc_offset_seconds)),
        );
        m.insert("created_by".into(), s(USER_ID));
        m.insert("updated_by".into(), s(USER_ID));
        Value::Object(m)
    }
}

/// The knobs tests can turn.
#[derive(Debug, Clone)]
pub(crate) struct Knobs {
    pub api_keys: BTreeMap<String, KeyScope>,
    pub legacy_errors: bool,
    pub connection_utc_offset_seconds: i32,
    pub delete_blocks: BTreeMap<String, DeleteBlock>,
    /// Body cap of the event ingestion routes, in bytes.
    pub event_body_limit: usize,
    pub bulk_mode: BulkMode,
}

/// Everything behind the emulator's mutex.
#[derive(Debug)]
pub(crate) struct Store {
    pub customers: Vec<Customer>,
    pub connections: Vec<Connection>,
    pub plans: Vec<super::plans::Plan>,
    pub meters: Vec<super::meters::Meter>,
    pub prices: Vec<super::prices::Price>,
    pub features: Vec<super::features::Feature>,
    pub events: Vec<super::events::Event>,
    /// Where each (`event_id`, `timestamp`) sits in `events` (the storage merge key, found without a scan).
    pub event_index: std::collections::HashMap<(String, i128), usize>,
    pub subscriptions: Vec<super::subscriptions::Subscription>,
    pub schedules: Vec<super::schedules::Schedule>,
    pub invoices: Vec<super::invoices::Invoice>,
    pub entitlements: Vec<super::entitlements::Entitlement>,
    /// The last generated event id number.
    pub next_event: u64,
    /// The last invoice number handed out.
    pub next_invoice_number: u64,
    /// The last price `sequence` handed out.
    pub next_sequence: u64,
    pub knobs: Knobs,
    next_id: u64,
    ticks: i64,
    /// How far [`FlexpriceEmulator::advance_clock`](super::FlexpriceEmulator::advance_clock) moved the clock, in
    /// nanoseconds.
    pub offset_nanos: i128,
}

impl Store {
    pub fn new(api_key: &str) -> Self {
        let mut api_keys = BTreeMap::new();
        api_keys.insert(api_key.to_owned(), KeyScope::ReadWrite);
        Self {
            customers: Vec::new(),
            connections: Vec::new(),
            plans: Vec::new(),
            meters: Vec::new(),
            prices: Vec::new(),
            features: Vec::new(),
            events: Vec::new(),
            event_index: std::collections::HashMap::new(),
            subscriptions: Vec::new(),
            schedules: Vec::new(),
            invoices: Vec::new(),
            entitlements: Vec::new(),
            next_event: 0,
            next_invoice_number: 0,
            next_sequence: 1000,
            knobs: Knobs {
                api_keys,
                legacy_errors: false,
                connection_utc_offset_seconds: 0,
                delete_blocks: BTreeMap::new(),
                event_body_limit: super::events::BODY_LIMIT_BYTES,
                bulk_mode: BulkMode::PerEvent,
            },
            next_id: 0,
            ticks: 0,
            offset_nanos: 0,
        }
    }

    /// The next instant of the emulated clock, in nanoseconds; strictly increasing by one second a call.
    pub fn now_nanos(&mut self) -> i128 {
        self.ticks += 1;
        self.current_nanos()
    }

    /// The emulated clock's current instant, without advancing it.
    pub fn current_nanos(&self) -> i128 {
        i128::from(CLOCK_START_SECS + self.ticks) * 1_000_000_000
            + i128::from(CLOCK_SUBSEC_NANOS)
            + self.offset_nanos
    }

    /// A new id: `prefix` + 26 uppercase Crockford base32 characters (a ULID of the emulated clock and a counter).
    pub fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        let millis = u128::try_from(self.now_nanos() / 1_000_000).unwrap_or(0);
        ulid_id(prefix, millis, self.next_id)
    }
}
