//! Vercel: the store and billing-plan decoders, through the executor, on an arbitrary answer.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use unibill::{NewStore, StoreId, Stores};
use unibill_http::RetryPolicy;
use unibill_vercel::{VercelConfig, VercelClient};

fuzz_target!(|data: &[u8]| {
    let h = common::Harness::get();
    let pick = h.serve(data);
    let config = VercelConfig::builder("vercel_fuzz")
        .team_id("team_fuzz")
        .base_url(h.server.url().as_str())
        .build()
        .unwrap();
    let c = VercelClient::builder(config)
        .executor(|b| b.retry_policy(RetryPolicy::never()))
        .build()
        .unwrap();
    h.rt.block_on(async {
        let _ = match pick % 3 {
            0 => c
                .create(NewStore::builder("db", "icfg_1", "neon").build().unwrap())
                .await
                .map(drop),
            1 => c.get(StoreId::new("s")).await.map(drop),
            _ => c
                .list_billing_plans(unibill::BillingPlanQuery::new("neon", "neon").unwrap())
                .await
                .map(drop),
        };
    });
});
