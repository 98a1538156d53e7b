//! The billing plan operations, without I/O: the list request as a value, and its answer decoded.
//!
//! `GET /v1/integrations/integration/{integrationIdOrSlug}/products/{productIdOrSlug}/plans`. The query carries
//! what the Vercel SDK and CLI send: `integrationConfigurationId`, `metadata` (the intended store metadata as one
//! compact JSON text, numbers exact) and `source`, each only when given, then the team.

use unibill_core::{BillingPlan, BillingPlanQuery, Error, Result};
use unibill_http::{Request, Response};

use super::wire::{PlansAnswer, plan_from_raw};
use crate::config::{TeamScope, scoped};
use crate::decode;

const LIST: &str = "stores.list_billing_plans";

/// The plans offered for `query`'s product, as `team` (or the personal account) would be offered them.
pub fn list_request(query: &BillingPlanQuery, team: Option<&TeamScope>) -> Result<Request> {
    // Compact JSON (`{"region":"iad1","replicas":2}`), as the CLI's `JSON.stringify` sends it; the keys in
    // order, every digit of a number kept.
    let metadata = query
        .metadata()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| Error::invalid_field("metadata", format!("cannot be written as JSON: {e}")))?;
    let request = Request::get(
        LIST,
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
    .query_opt("source", query.source().map(|s| s.as_str()));
    Ok(scoped(request, team))
}

/// A `{plans: [...]}` answer, each plan with its `raw`.
pub fn decode_plans(response: Response) -> Result<Vec<BillingPlan>> {
    let answer: PlansAnswer = decode::body(&response.body, "the Vercel billing plans")?;
    answer.plans.into_iter().map(plan_from_raw).collect()
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use unibill_core::{BillingPlanScope, BillingPlanType};

    use super::decode_plans;
    use crate::decode::tests::answer;

    #[test]
    fn fixture_plans_keep_strings_and_parse_exact_amounts() {
        let plans = decode_plans(answer(include_bytes!(
            "../../../testkit/tests/fixtures/vercel/billing-plans-list-200.json"
        )))
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
        let plans = decode_plans(answer(body)).unwrap();
        assert_eq!(plans[0].plan_type, BillingPlanType::Other("usage".into()));
        assert_eq!(plans[0].scope, BillingPlanScope::Other("team".into()));
    }
}
