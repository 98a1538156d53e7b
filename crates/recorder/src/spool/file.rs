//! The spool file: opened in WAL mode, held exclusively, its schema created or checked (a foreign, corrupt or
//! newer file is a clear error naming it).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use unibill_core::{Error, ErrorKind, Result};

/// The schema version this build writes and reads (in `unibill_schema`, component `usage_spool`).
pub const SCHEMA_VERSION: i64 = 1;
const COMPONENT: &str = "usage_spool";
const OPERATION: &str = "usage.spool.open";

const CREATE: &str = "
CREATE TABLE IF NOT EXISTS unibill_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL);
CREATE TABLE usage_spool (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    queued_ms INTEGER NOT NULL,
    event TEXT NOT NULL
);
";

fn open_error(path: &Path, e: rusqlite::Error) -> Error {
    let (kind, what) = match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => (
            ErrorKind::Decode,
            "is not an SQLite database, or is corrupt",
        ),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => (
            ErrorKind::Config,
            "is in use by another usage recorder (a spool has one writer)",
        ),
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
            (ErrorKind::Config, "cannot be opened for writing")
        }
        _ => (ErrorKind::Unavailable, "could not be opened"),
    };
    Error::new(
        kind,
        format!("the usage spool file {} {what}: {e}", path.display()),
    )
    .with_operation(OPERATION)
    .with_source(e)
}

fn foreign(path: &Path, why: &str) -> Error {
    Error::config(format!(
        "the file {} is not a unibill usage spool ({why}); give the spool a file of its own",
        path.display()
    ))
    .with_operation(OPERATION)
}

/// Opens (or creates) the spool at `path`.
pub(crate) fn open(path: &Path, synchronous_full: bool) -> Result<Connection> {
    let err = |e| open_error(path, e);
    let mut conn = Connection::open(path).map_err(err)?;
    conn.busy_timeout(Duration::from_millis(200)).map_err(err)?;
    // The first read of the file: a file that is not a database fails here.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(foreign(path, &format!("its journal mode stays {mode}")));
    }
    conn.execute_batch(if synchronous_full {
        "PRAGMA synchronous = FULL; PRAGMA locking_mode = EXCLUSIVE;"
    } else {
        "PRAGMA synchronous = NORMAL; PRAGMA locking_mode = EXCLUSIVE;"
    })
    .map_err(err)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Exclusive)
        .map_err(err)?;
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
    let version: Option<i64> = if has("unibill_schema") {
        tx.query_row(
            "SELECT version FROM unibill_schema WHERE component = ?1",
            [COMPONENT],
            |r| r.get(0),
        )
        .optional()
        .map_err(|_| foreign(path, "its `unibill_schema` table has another shape"))?
    } else {
        None
    };
    match version {
        Some(SCHEMA_VERSION) if has("usage_spool") => {}
        Some(SCHEMA_VERSION) => return Err(foreign(path, "its `usage_spool` table is missing")),
        Some(v) if v > SCHEMA_VERSION => {
            return Err(Error::config(format!(
                "the usage spool {} has schema version {v}, newer than this build's {SCHEMA_VERSION}: \
                 upgrade unibill-recorder",
                path.display()
            ))
            .with_operation(OPERATION));
        }
        Some(v) => return Err(foreign(path, &format!("unknown schema version {v}"))),
        None if !tables.is_empty() => {
            return Err(foreign(path, "it has tables but no usage spool schema"));
        }
        None => {
            tx.execute_batch(CREATE).map_err(err)?;
            tx.execute(
                "INSERT INTO unibill_schema (component, version) VALUES (?1, ?2)",
                params![COMPONENT, SCHEMA_VERSION],
            )
            .map_err(err)?;
        }
    }
    tx.commit().map_err(err)?;
    Ok(conn)
}
