//! How long the ledger takes to record 10,000 mappings the way `apply` does (chunks of sending rows, batches
//! of done rows): `cargo run --release -p unibill-migrate --example ledger_speed`.

use unibill_migrate::{DoneRow, Ledger, MappingState, ResourceKind};

fn main() {
    let path = std::env::temp_dir().join(format!(
        "unibill-ledger-speed-{}.sqlite",
        std::process::id()
    ));
    let ledger = Ledger::open(&path, "a", "b").unwrap();
    let ids: Vec<String> = (0..10_000).map(|i| format!("cus_{i:06}")).collect();
    let t = std::time::Instant::now();
    for c in ids.chunks(128) {
        let rows: Vec<(&str, &str)> = c.iter().map(|s| (s.as_str(), s.as_str())).collect();
        ledger
            .record_sending_many(ResourceKind::Customer, &rows)
            .unwrap();
    }
    let sending = t.elapsed();
    let t = std::time::Instant::now();
    for c in ids.chunks(256) {
        let rows: Vec<DoneRow> = c
            .iter()
            .map(|s| DoneRow {
                source_id: s.clone(),
                natural_key: s.clone(),
                destination_id: format!("dst_{s}"),
                state: MappingState::Created,
            })
            .collect();
        assert!(
            ledger
                .record_done_many(ResourceKind::Customer, &rows)
                .unwrap()
                .is_empty()
        );
    }
    println!(
        "10000 sending rows: {sending:?}; 10000 done rows: {:?}",
        t.elapsed()
    );
    drop(ledger);
    for s in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{s}", path.display()));
    }
}
