//! Seeded meters (notes §2: a usage price names an existing meter). The emulator has no meter routes: tests
//! seed meters with [`FlexpriceEmulator::add_meter`](super::FlexpriceEmulator::add_meter).

use serde_json::{Value, json};

use super::clock::{Precision, format_go_time};
use super::ids::{ENVIRONMENT_ID, TENANT_ID, USER_ID};

/// A stored meter.
#[derive(Debug, Clone)]
pub(crate) struct Meter {
    pub id: String,
    pub name: String,
    pub event_name: String,
    pub created_at: i128,
}

impl Meter {
    /// The `MeterResponse` a `GET /prices/{id}` of a usage price expands.
    pub fn to_json(&self) -> Value {
        let at = format_go_time(self.created_at, Precision::Micros);
        json!({
            "id": self.id,
            "name": self.name,
            "event_name": self.event_name,
            "aggregation": {"type": "COUNT", "field": ""},
            "filters": [],
            "reset_usage": "BILLING_PERIOD",
            "environment_id": ENVIRONMENT_ID,
            "tenant_id": TENANT_ID,
            "status": "published",
            "created_at": at,
            "updated_at": at,
            "created_by": USER_ID,
            "updated_by": USER_ID,
        })
    }
}
