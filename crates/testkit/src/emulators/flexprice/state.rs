//! The emulator's in-memory store: customers, connections, the deterministic clock and id generator,
//! the request log and the knobs.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Map, Value};

/// Environment id every object belongs to (the API key's environment).
pub const ENVIRONMENT_ID: &str = "env_01JQ2B7C9D3E5F6G7H8J9K0M1N";
/// Tenant id every object belongs to.
pub const TENANT_ID: &str = "tenant_01JQ2B7C9D3E5F6G7H8J9K0M1P";
/// User id reported in `created_by` / `updated_by`.
pub const USER_ID: &str = "user_01JQ2B7C9D3E5F6G7H8J9K0M1Q";

/// Seconds since the Unix epoch of the emulated clock's start, 2026-08-22T13:00:00Z.
const CLOCK_START_SECS: i64 = 1_787_403_600;
/// Sub-second part of every emulated instant, so creates show 9 fractional digits and reads 6.
const CLOCK_SUBSEC_NANOS: i64 = 123_456_789;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

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

/// One request the emulator handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Full path, e.g. `/v1/customers`.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Request headers (names lower-case), in arrival order.
    pub headers: Vec<(String, String)>,
    /// Request body as (lossy) UTF-8.
    pub body: String,
    /// Status code answered.
    pub status: u16,
}

impl RecordedRequest {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// Object status (`types.Status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Published,
    Archived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }
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

/// Fractional-second precision of a rendered customer time.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Precision {
    /// As returned by create (Go `time.Now()`): nanoseconds.
    Nanos,
    /// As read back from Postgres: microseconds.
    Micros,
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
}

/// Everything behind the emulator's mutex.
#[derive(Debug)]
pub(crate) struct Store {
    pub customers: Vec<Customer>,
    pub connections: Vec<Connection>,
    pub plans: Vec<super::plans::Plan>,
    pub meters: Vec<super::meters::Meter>,
    pub prices: Vec<super::prices::Price>,
    /// The last price `sequence` handed out.
    pub next_sequence: u64,
    pub requests: Vec<RecordedRequest>,
    pub knobs: Knobs,
    next_id: u64,
    ticks: i64,
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
            next_sequence: 1000,
            requests: Vec::new(),
            knobs: Knobs {
                api_keys,
                legacy_errors: false,
                connection_utc_offset_seconds: 0,
                delete_blocks: BTreeMap::new(),
            },
            next_id: 0,
            ticks: 0,
        }
    }

    /// The next instant of the emulated clock, in nanoseconds; strictly increasing by one second a call.
    pub fn now_nanos(&mut self) -> i128 {
        self.ticks += 1;
        i128::from(CLOCK_START_SECS + self.ticks) * 1_000_000_000 + i128::from(CLOCK_SUBSEC_NANOS)
    }

    /// The emulated clock's current instant, without advancing it.
    pub fn current_nanos(&self) -> i128 {
        i128::from(CLOCK_START_SECS + self.ticks) * 1_000_000_000 + i128::from(CLOCK_SUBSEC_NANOS)
    }

    /// A new id: `prefix` + 26 uppercase Crockford base32 characters (a ULID of the emulated clock and a counter).
    pub fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        let millis = u128::try_from(self.now_nanos() / 1_000_000).unwrap_or(0);
        let value: u128 = (millis << 80) | u128::from(self.next_id);
        let mut out = String::with_capacity(prefix.len() + 26);
        out.push_str(prefix);
        for i in (0..26).rev() {
            let idx = ((value >> (i * 5)) & 0x1f) as usize;
            out.push(char::from(CROCKFORD[idx]));
        }
        out
    }
}

/// Truncates a nanosecond instant to microseconds (Postgres `timestamptz`).
pub(crate) fn truncate_micros(nanos: i128) -> i128 {
    nanos - nanos.rem_euclid(1_000)
}

/// Formats like Go's `time.Time` JSON (RFC 3339 with trailing zeros of the fraction trimmed), in UTC.
pub(crate) fn format_go_time(nanos: i128, precision: Precision) -> String {
    let nanos = match precision {
        Precision::Nanos => nanos,
        Precision::Micros => truncate_micros(nanos),
    };
    let secs = i64::try_from(nanos.div_euclid(1_000_000_000)).unwrap_or(0);
    let sub = nanos.rem_euclid(1_000_000_000);
    let base = Timestamp::from_second(secs)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default();
    if sub == 0 {
        format!("{base}Z")
    } else {
        let frac = format!("{sub:09}");
        format!("{base}.{}Z", frac.trim_end_matches('0'))
    }
}

/// Formats with Go's `time.RFC3339` layout (whole seconds), in a fixed UTC offset (`Z` for 0).
pub(crate) fn format_seconds(secs: i64, utc_offset_seconds: i32) -> String {
    let Ok(ts) = Timestamp::from_second(secs) else {
        return String::new();
    };
    if utc_offset_seconds == 0 {
        return ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    }
    match jiff::tz::Offset::from_seconds(utc_offset_seconds) {
        Ok(offset) => ts
            .to_zoned(jiff::tz::TimeZone::fixed(offset))
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        Err(_) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    }
}

/// Parses an RFC 3339 filter time into nanoseconds since the epoch.
pub(crate) fn parse_rfc3339_nanos(text: &str) -> Option<i128> {
    text.parse::<Timestamp>().ok().map(|t| t.as_nanosecond())
}
