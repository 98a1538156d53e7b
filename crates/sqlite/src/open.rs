//! [`open_versioned`]: a component's file opened, its schema created or checked in one transaction.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use unibill_core::Result;

use crate::component::{Component, Settings};

/// The table naming each component's schema version, one row per component.
pub const SCHEMA_TABLE: &str = "unibill_schema";

const CREATE_SCHEMA_TABLE: &str = "
CREATE TABLE IF NOT EXISTS unibill_schema (
    component TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL
);
";

/// What [`open_versioned`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// The component was not in the file: its tables and its `unibill_schema` row were just created.
    Created,
    /// The file holds the component at this build's version, with every table.
    Existing,
}

/// The opening in progress, handed to the component's own step (inside the schema's transaction).
#[derive(Debug)]
pub struct Opening<'a> {
    /// The transaction the schema was read (and, new, created) in; committed after the component's step.
    pub tx: &'a Transaction<'a>,
    /// Whether the component's tables were just created.
    pub opened: Opened,
    path: &'a Path,
    component: &'a Component,
    settings: &'a Settings,
}

impl Opening<'_> {
    /// `Config`: the file is not the component's (`why`): [`Component::foreign`] for this file.
    pub fn foreign(&self, why: &str) -> unibill_core::Error {
        self.component.foreign(self.path, why)
    }

    /// An SQLite error of the opening: [`Component::open_error`] for this file.
    pub fn failed(&self, e: rusqlite::Error) -> unibill_core::Error {
        self.component.open_error(self.path, self.settings, e)
    }
}

/// Opens (or creates) `component`'s file at `path` with `settings`, creates or checks its schema, then runs
/// `step` (the component's own checks or rows, e.g. what the file is for) in the same transaction, which is
/// committed only if everything succeeded.
///
/// Refused, never written to (`Config`, naming the file): a journal that stays out of WAL, tables without a
/// `unibill_schema` table, a `unibill_schema` of another shape, a schema newer than `component.version` or
/// older and unknown, a file of this version missing one of the component's tables, a file without the
/// component holding other tables (holding the component's own tables, with [`Settings::shares_file`]).
/// See the [crate docs](crate) for an example.
pub fn open_versioned(
    path: &Path,
    component: &Component,
    settings: &Settings,
    step: impl FnOnce(&Opening<'_>) -> Result<()>,
) -> Result<Connection> {
    let err = |e| component.open_error(path, settings, e);
    let foreign = |why: &str| component.foreign(path, why);
    let mut conn = Connection::open(path).map_err(err)?;
    conn.busy_timeout(settings.busy_timeout).map_err(err)?;
    // The first read of the file: a file that is not a database fails here.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(foreign(&format!("its journal mode stays {mode}")));
    }
    conn.execute_batch(&settings.pragmas()).map_err(err)?;
    let behavior = if settings.exclusive.is_some() {
        TransactionBehavior::Exclusive
    } else {
        TransactionBehavior::Immediate
    };
    let tx = conn.transaction_with_behavior(behavior).map_err(err)?;
    let tables: Vec<String> = {
        let mut stmt = tx
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .map_err(err)?;
        stmt.query_map([], |r| r.get(0))
            .map_err(err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(err)?
    };
    let has = |name: &str| tables.iter().any(|t| t == name);
    if !has(SCHEMA_TABLE) && !tables.is_empty() {
        return Err(foreign("it has tables but no `unibill_schema` table"));
    }
    let version: Option<i64> = if has(SCHEMA_TABLE) {
        tx.query_row(
            "SELECT version FROM unibill_schema WHERE component = ?1",
            [component.name],
            |r| r.get(0),
        )
        .optional()
        .map_err(|_| foreign("its `unibill_schema` table has another shape"))?
    } else {
        None
    };
    let opened = match version {
        Some(v) if v == component.version => {
            if let Some(table) = component.tables.iter().find(|t| !has(t)) {
                return Err(foreign(&format!("its `{table}` table is missing")));
            }
            Opened::Existing
        }
        Some(v) if v > component.version => return Err(component.newer(path, v)),
        Some(v) => return Err(foreign(&format!("unknown schema version {v}"))),
        None => {
            if settings.shares_file {
                if let Some(table) = component.tables.iter().find(|t| has(t)) {
                    return Err(foreign(&format!(
                        "it has a `{table}` table not recorded in `unibill_schema`"
                    )));
                }
            } else if tables.iter().any(|t| t != SCHEMA_TABLE) {
                return Err(foreign("it holds another component's tables"));
            }
            tx.execute_batch(CREATE_SCHEMA_TABLE).map_err(err)?;
            tx.execute_batch(component.create).map_err(err)?;
            tx.execute(
                "INSERT INTO unibill_schema (component, version) VALUES (?1, ?2)",
                params![component.name, component.version],
            )
            .map_err(err)?;
            Opened::Created
        }
    };
    step(&Opening {
        tx: &tx,
        opened,
        path,
        component,
        settings,
    })?;
    tx.commit().map_err(err)?;
    Ok(conn)
}
