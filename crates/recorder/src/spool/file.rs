//! The spool file: opened in WAL mode, held exclusively, its schema created or checked (a foreign, corrupt or
//! newer file is a clear error naming it).

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use unibill_core::Result;
use unibill_sqlite::{Component, Settings, Synchronous, open_versioned};

/// The schema version this build writes and reads (in `unibill_schema`, component `usage_spool`).
pub const SCHEMA_VERSION: i64 = 1;

/// The spool's file: its table, its row in `unibill_schema`, and the words of its messages.
const SPOOL_FILE: Component = Component {
    name: "usage_spool",
    version: SCHEMA_VERSION,
    tables: &["usage_spool"],
    create: "
CREATE TABLE usage_spool (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    queued_ms INTEGER NOT NULL,
    event TEXT NOT NULL
);
",
    noun: "usage spool",
    not_a: "a unibill usage spool",
    advice: "give the spool a file of its own",
    upgrade: "upgrade unibill-recorder",
    operation: "usage.spool.open",
};

/// Opens (or creates) the spool at `path`: one writer holds it (a 200 ms busy timeout), `synchronous` NORMAL
/// or FULL.
pub(crate) fn open(path: &Path, synchronous_full: bool) -> Result<Connection> {
    let synchronous = if synchronous_full {
        Synchronous::Full
    } else {
        Synchronous::Normal
    };
    let settings = Settings::new(Duration::from_millis(200))
        .synchronous(synchronous)
        .exclusive("another usage recorder (a spool has one writer)");
    open_versioned(path, &SPOOL_FILE, &settings, |_| Ok(()))
}
