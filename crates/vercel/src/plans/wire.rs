//! The billing plan wire format (lenient: unknown fields ignored, unknown types and scopes kept as `Other`), shared
//! by the plans list and the store answers.
//!
//! Money fields are display strings (`"$19.00 / month"`, `"10.00"`): kept as they came, and parsed into
//! [`unibill_core::Money`] (USD) only where they are plain amounts.

use serde::Deserialize;
use serde_json::value::RawValue;
use unibill_core::{BillingPlan, BillingPlanScope, BillingPlanType, PlanDetail, RawJson, Result};

use crate::decode::raw_item;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePlan {
    id: String,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "type")]
    plan_type: BillingPlanType,
    scope: BillingPlanScope,
    payment_method_required: bool,
    #[serde(default)]
    cost: Option<String>,
    #[serde(default)]
    initial_charge: Option<String>,
    #[serde(default)]
    minimum_amount: Option<String>,
    #[serde(default)]
    maximum_amount: Option<String>,
    #[serde(default)]
    details: Option<Vec<WireDetail>>,
    #[serde(default)]
    highlighted_details: Option<Vec<WireDetail>>,
    #[serde(default)]
    disabled: Option<bool>,
}

#[derive(Deserialize)]
struct WireDetail {
    label: String,
    #[serde(default)]
    value: Option<String>,
}

impl From<WireDetail> for PlanDetail {
    fn from(d: WireDetail) -> Self {
        PlanDetail {
            label: d.label,
            value: d.value,
        }
    }
}

/// `{plans: [...]}`, each plan kept raw until decoded.
#[derive(Deserialize)]
pub(crate) struct PlansAnswer {
    pub(crate) plans: Vec<Box<RawValue>>,
}

fn details(details: Option<Vec<WireDetail>>) -> Vec<PlanDetail> {
    details
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect()
}

impl WirePlan {
    fn into_plan(self, raw: RawJson) -> BillingPlan {
        let mut b = BillingPlan::builder(self.id, self.name, self.plan_type)
            .description(self.description.unwrap_or_default())
            .scope(self.scope)
            .payment_method_required(self.payment_method_required)
            .details(details(self.details))
            .highlighted_details(details(self.highlighted_details))
            .disabled(self.disabled.unwrap_or(false))
            .provider(crate::PROVIDER)
            .raw(raw);
        if let Some(v) = self.cost {
            b = b.cost(v);
        }
        if let Some(v) = self.initial_charge {
            b = b.initial_charge(v);
        }
        if let Some(v) = self.minimum_amount {
            b = b.minimum_amount(v);
        }
        if let Some(v) = self.maximum_amount {
            b = b.maximum_amount(v);
        }
        b.build()
    }
}

/// One plan from its raw JSON (kept as the plan's `raw`).
pub(crate) fn plan_from_raw(raw: Box<RawValue>) -> Result<BillingPlan> {
    let (wire, raw) = raw_item::<WirePlan>(raw, "a Vercel billing plan")?;
    Ok(wire.into_plan(raw))
}
