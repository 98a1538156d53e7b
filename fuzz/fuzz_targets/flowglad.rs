//! Flowglad: every customer and price decoder, through the executor, on an arbitrary answer.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use unibill::{
    Currency, CustomerId, CustomerListQuery, Customers, PriceId, PriceListQuery, Prices,
};
use unibill_flowglad::{FlowgladClient, FlowgladConfig};
use unibill_http::RetryPolicy;

fuzz_target!(|data: &[u8]| {
    let h = common::Harness::get();
    let pick = h.serve(data);
    let config = FlowgladConfig::builder("sk_test_fuzz")
        .base_url(h.server.url().as_str())
        .currency(Currency::USD)
        .build()
        .unwrap();
    let c = FlowgladClient::builder(config)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    h.rt.block_on(async {
        let _ = match pick % 5 {
            0 => Customers::get(&c, CustomerId::new("c")).await.map(drop),
            1 => Customers::list(&c, CustomerListQuery::new())
                .await
                .map(drop),
            2 => Prices::get(&c, PriceId::new("p")).await.map(drop),
            3 => Prices::list(&c, PriceListQuery::new()).await.map(drop),
            _ => Prices::archive(&c, PriceId::new("p")).await.map(drop),
        };
    });
});
