//! Flexprice: every customer and connection decoder, through the executor, on an arbitrary answer.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use unibill::{
    ConnectionId, ConnectionListQuery, Connections, CustomerId, CustomerListQuery, Customers,
    NewCustomer,
};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
use unibill_http::RetryPolicy;

fuzz_target!(|data: &[u8]| {
    let h = common::Harness::get();
    let pick = h.serve(data);
    let config = FlexpriceConfig::builder("sk_fuzz")
        .base_url(h.server.url().join("v1").unwrap())
        .build()
        .unwrap();
    let c = FlexpriceClient::with_http(config, |b| b.retry_policy(RetryPolicy::never())).unwrap();
    h.rt.block_on(async {
        let _ = match pick % 6 {
            0 => Customers::create(&c, NewCustomer::builder("e", "A").build().unwrap())
                .await
                .map(drop),
            1 => Customers::get(&c, CustomerId::new("c")).await.map(drop),
            2 => Customers::list(&c, CustomerListQuery::new())
                .await
                .map(drop),
            3 => Connections::get(&c, ConnectionId::new("c")).await.map(drop),
            4 => Connections::list(&c, ConnectionListQuery::new())
                .await
                .map(drop),
            _ => Customers::get_by_external_id(&c, "e".into())
                .await
                .map(drop),
        };
    });
});
