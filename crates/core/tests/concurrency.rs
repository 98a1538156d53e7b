//! 16 tasks × 500 creates over overlapping external ids leave exactly one active customer per external id.

use std::collections::HashMap;

use futures::TryStreamExt;
use unibill_core::{Billing, CustomerListQuery, Customers, CustomersExt, ErrorKind, NewCustomer};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_creates_keep_one_active_customer_per_external_id() {
    const TASKS: usize = 16;
    const CREATES: usize = 500;
    const KEYS: usize = 97;
    let billing = Billing::memory();
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let customers = billing.customers();
        handles.push(tokio::spawn(async move {
            let mut outcomes = Vec::with_capacity(CREATES);
            for i in 0..CREATES {
                let key = format!("ext-{}", (t * 31 + i) % KEYS);
                let input = NewCustomer::builder(key.clone(), "Racer").build().unwrap();
                outcomes.push((key, customers.create(input).await));
            }
            outcomes
        }));
    }
    let mut created: HashMap<String, String> = HashMap::new();
    let mut duplicates = Vec::new();
    for h in handles {
        for (key, outcome) in h.await.unwrap() {
            match outcome {
                Ok(c) => assert!(
                    created.insert(key, c.id.into_string()).is_none(),
                    "two creates won one key"
                ),
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{e}");
                    duplicates.push((key, e.existing_id().expect("existing id").to_owned()));
                }
            }
        }
    }
    assert_eq!(created.len(), KEYS, "every key was created once");
    assert_eq!(created.len() + duplicates.len(), TASKS * CREATES);
    for (key, existing) in duplicates {
        assert_eq!(
            created[&key], existing,
            "AlreadyExists names the winner for {key}"
        );
    }
    let active: Vec<_> = billing
        .list_all(CustomerListQuery::new().limit(100))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(active.len(), KEYS);
    for c in active {
        assert_eq!(created[&c.external_id], c.id.as_str());
    }
}
