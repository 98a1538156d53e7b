//! The memory provider's customers: create, get, list (a page of 100 out of 1,000).
//! `cargo bench -p unibill-bench --bench memory`.
#![allow(missing_docs)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use unibill_core::{CustomerListQuery, Customers, MemoryCustomers, NewCustomer};

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
}

fn memory(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let store = MemoryCustomers::new();
    let mut ids = Vec::new();
    for i in 0..1_000 {
        let input = NewCustomer::builder(format!("seed-{i}"), "Ada")
            .email("ada@example.com")
            .build()
            .unwrap();
        ids.push(rt.block_on(store.create(input)).unwrap().id);
    }
    let next = AtomicUsize::new(0);

    let mut g = c.benchmark_group("memory/customers");
    g.bench_function("create", |b| {
        b.iter(|| {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let input = NewCustomer::builder(format!("bench-{i}"), "Ada")
                .email("ada@example.com")
                .build()
                .unwrap();
            rt.block_on(store.create(input)).unwrap()
        })
    });
    let id = ids[500].clone();
    g.bench_function("get", |b| {
        b.iter(|| rt.block_on(store.get(black_box(id.clone()))).unwrap())
    });
    g.bench_function("list 100", |b| {
        b.iter(|| {
            rt.block_on(store.list(CustomerListQuery::new().limit(100)))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group! { name = benches; config = config(); targets = memory }
criterion_main!(benches);
