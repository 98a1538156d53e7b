//! Billing plans: `GET /v1/integrations/integration/{integrationIdOrSlug}/products/{productIdOrSlug}/plans`, and
//! the plan decoder the store answers share.
//!
//! The query carries what the Vercel SDK and CLI send: `integrationConfigurationId`, `metadata` (the intended
//! store metadata as one compact JSON text, numbers exact) and `source`, each only when given, then the team.
//!
//! Money fields are display strings (`"$19.00 / month"`, `"10.00"`): kept as they came, and parsed into
//! [`unibill_core::Money`] (USD) only where they are plain amounts.

use serde::Deserialize;
use serde_json::value::RawValue;
use unibill_core::{
    BillingPlan, BillingPlanQuery, BillingPlanScope, BillingPlanType, Error, PlanDetail, RawJson,
    Result,
};
use unibill_http::{Request, Safety};

use crate::client::VercelStores;

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

/// One plan from its raw JSON (kept as the plan's `raw`).
pub(crate) fn decode_plan(raw: Box<RawValue>) -> Result<BillingPlan> {
    let w: WirePlan = serde_json::from_str(raw.get())
        .map_err(|e| Error::decode(format!("cannot decode a Vercel billing plan: {e}")))?;
    let mut b = BillingPlan::builder(w.id, w.name, w.plan_type)
        .description(w.description.unwrap_or_default())
        .scope(w.scope)
        .payment_method_required(w.payment_method_required)
        .details(
            w.details
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        )
        .highlighted_details(
            w.highlighted_details
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        )
        .disabled(w.disabled.unwrap_or(false))
        .provider(crate::PROVIDER)
        .raw(RawJson::from_raw(raw));
    if let Some(v) = w.cost {
        b = b.cost(v);
    }
    if let Some(v) = w.initial_charge {
        b = b.initial_charge(v);
    }
    if let Some(v) = w.minimum_amount {
        b = b.minimum_amount(v);
    }
    if let Some(v) = w.maximum_amount {
        b = b.maximum_amount(v);
    }
    Ok(b.build())
}

#[derive(Deserialize)]
struct PlansAnswer {
    plans: Vec<Box<RawValue>>,
}

/// `{plans: [...]}` → plans.
pub(crate) fn decode_plans(body: &[u8]) -> Result<Vec<BillingPlan>> {
    let answer: PlansAnswer = serde_json::from_slice(body)
        .map_err(|e| Error::decode(format!("cannot decode the Vercel billing plans: {e}")))?;
    answer.plans.into_iter().map(decode_plan).collect()
}

impl VercelStores {
    pub(crate) async fn plans(&self, query: BillingPlanQuery) -> Result<Vec<BillingPlan>> {
        // Compact JSON (`{"region":"iad1","replicas":2}`), as the CLI's `JSON.stringify` sends it; the keys in
        // order, every digit of a number kept.
        let metadata = query
            .metadata()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| {
                Error::invalid_field("metadata", format!("cannot be written as JSON: {e}"))
            })?;
        let request = self.scoped(
            Request::get(
                "stores.list_billing_plans",
                "/v1/integrations/integration/{integrationIdOrSlug}/products/{productIdOrSlug}/plans",
            )
            .path([
                "v1",
                "integrations",
                "integration",
                query.integration(),
                "products",
                query.product(),
                "plans",
            ])
            .query_opt(
                "integrationConfigurationId",
                query.configuration_id().map(|c| c.as_str()),
            )
            .query_opt("metadata", metadata)
            .query_opt("source", query.source().map(|s| s.as_str())),
        );
        self.exec
            .send(request, Safety::Safe, |r| decode_plans(&r.body))
            .await
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use unibill_core::{BillingPlanScope, BillingPlanType};

    use super::decode_plans;

    #[test]
    fn fixture_plans_keep_strings_and_parse_exact_amounts() {
        let plans = decode_plans(include_bytes!(
            "../tests/fixtures/billing-plans-list-200.json"
        ))
        .unwrap();
        assert_eq!(plans.len(), 3);
        let free = &plans[0];
        assert!(free.is_free());
        assert_eq!(free.cost.as_deref(), Some("$0.00"));
        assert_eq!(free.details.len(), 2);
        assert_eq!(free.highlighted_details[0].value, None);
        let launch = &plans[1];
        assert_eq!(launch.cost.as_deref(), Some("$19.00 / month"));
        assert_eq!(
            launch.initial_charge_amount.as_ref().unwrap().amount,
            dec!(19.00)
        );
        assert!(launch.payment_method_required && !launch.is_free());
        let credits = &plans[2];
        assert_eq!(credits.plan_type, BillingPlanType::Prepayment);
        assert_eq!(credits.scope, BillingPlanScope::Installation);
        assert_eq!(credits.minimum.as_ref().unwrap().amount, dec!(10.00));
        assert_eq!(credits.maximum_amount.as_deref(), Some("1000.00"));
        assert!(
            credits
                .raw
                .as_ref()
                .unwrap()
                .get()
                .contains("maximumAmountAutoPurchasePerPeriod")
        );
        assert!(plans.iter().all(|p| p.provider == "vercel"));
    }

    #[test]
    fn unknown_plan_type_and_scope_are_kept() {
        let body = br#"{"plans":[{"id":"x","name":"X","description":"d","type":"usage","scope":"team","paymentMethodRequired":false,"brandNew":1}]}"#;
        let plans = decode_plans(body).unwrap();
        assert_eq!(plans[0].plan_type, BillingPlanType::Other("usage".into()));
        assert_eq!(plans[0].scope, BillingPlanScope::Other("team".into()));
    }
}
