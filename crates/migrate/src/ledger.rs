//! [`Ledger`]: the SQLite file that maps every source id to its destination id, written before each write to
//! the destination, so that a run killed at any point resumes with no duplicate and no gap.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use serde::Serialize;
use unibill_core::{Error, ErrorKind, Result};
use unibill_sqlite::{Component, Opened, Settings, Synchronous, open_versioned};

use crate::resource::ResourceKind;

/// The name the ledger's schema is recorded under in the `unibill_schema` table.
pub const SCHEMA_COMPONENT: &str = "migrate.ledger";

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = 1;

const CREATE: &str = "
CREATE TABLE migrate_run (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE migrate_inventory (
    side TEXT NOT NULL,
    resource TEXT NOT NULL,
    count INTEGER NOT NULL,
    taken_at INTEGER NOT NULL,
    PRIMARY KEY (side, resource)
) WITHOUT ROWID;
CREATE TABLE migrate_mappings (
    resource TEXT NOT NULL,
    source_id TEXT NOT NULL,
    natural_key TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('sending', 'created', 'matched')),
    destination_id TEXT,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (resource, source_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX migrate_mappings_destination
    ON migrate_mappings (resource, destination_id) WHERE destination_id IS NOT NULL;
";

const DONE_SQL: &str = "INSERT INTO migrate_mappings
        (resource, source_id, natural_key, state, destination_id, attempts, last_error, updated_at)
    VALUES (?1, ?2, ?3, ?4, ?5, 0, NULL, ?6)
    ON CONFLICT (resource, source_id) DO UPDATE
        SET state = excluded.state, destination_id = excluded.destination_id, last_error = NULL,
            updated_at = excluded.updated_at";

/// A row for [`Ledger::record_done_many`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoneRow {
    /// The source id.
    pub source_id: String,
    /// Its natural key (kept if the row exists already).
    pub natural_key: String,
    /// Its destination id.
    pub destination_id: String,
    /// `Created` or `Matched`.
    pub state: MappingState,
}

/// Where one source object stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MappingState {
    /// Recorded before the create was sent; the outcome is not known yet (a resumed run looks it up on the
    /// destination by natural key before any re-send).
    Sending,
    /// Created on the destination by this migration.
    Created,
    /// Already on the destination (matched by natural key); nothing was sent.
    Matched,
}

impl MappingState {
    /// The ledger's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            MappingState::Sending => "sending",
            MappingState::Created => "created",
            MappingState::Matched => "matched",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "sending" => Some(MappingState::Sending),
            "created" => Some(MappingState::Created),
            "matched" => Some(MappingState::Matched),
            _ => None,
        }
    }

    /// Whether the object is on the destination with a known id.
    pub fn is_done(self) -> bool {
        self != MappingState::Sending
    }
}

/// One row of the ledger: a source object, its natural key, its destination id once known, and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mapping {
    /// What kind of object.
    pub resource: ResourceKind,
    /// Its id on the source.
    pub source_id: String,
    /// Its natural key (customer external id, price slug, product id, or a content fingerprint).
    pub natural_key: String,
    /// Where it stands.
    pub state: MappingState,
    /// Its id on the destination, once known.
    pub destination_id: Option<String>,
    /// Creates sent for it so far.
    pub attempts: u32,
    /// The last failure of a create, if the last attempt failed.
    pub last_error: Option<String>,
}

/// The migration's SQLite ledger (WAL journal, `synchronous = NORMAL`: a committed row survives the process
/// being killed).
///
/// The file holds a `unibill_schema` table naming the schema's version, and the names of the two providers it
/// migrates between; a file of another application, of a newer version, of another pair of providers or one
/// that is not an SQLite database is refused when opened (`Config`, `Config`, `Config`, `Decode`), never
/// overwritten. Calls are short and run on the caller's thread under a mutex.
///
/// ```
/// use unibill_migrate::{Ledger, MappingState, ResourceKind};
/// let path = std::env::temp_dir().join(format!("unibill-ledger-doc-{}.sqlite", std::process::id()));
/// # for suffix in ["", "-wal", "-shm"] { let _ = std::fs::remove_file(format!("{}{suffix}", path.display())); }
/// let ledger = Ledger::open(&path, "memory", "flexprice")?;
/// ledger.record_sending(ResourceKind::Customer, "cus_1", "user-1")?;
/// ledger.record_done(ResourceKind::Customer, "cus_1", "cust_9", MappingState::Created)?;
/// drop(ledger);
/// let reopened = Ledger::open(&path, "memory", "flexprice")?;
/// let row = reopened.get(ResourceKind::Customer, "cus_1")?.unwrap();
/// assert_eq!(row.destination_id.as_deref(), Some("cust_9"));
/// // The same file for another pair of providers is refused.
/// assert!(Ledger::open(&path, "memory", "flowglad").is_err());
/// # drop(reopened);
/// # for suffix in ["", "-wal", "-shm"] { let _ = std::fs::remove_file(format!("{}{suffix}", path.display())); }
/// # Ok::<(), unibill_core::Error>(())
/// ```
pub struct Ledger {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

impl Ledger {
    /// Opens (or creates) the ledger at `path` for a migration from `source` to `destination` (provider
    /// names).
    pub fn open(path: impl AsRef<Path>, source: &str, destination: &str) -> Result<Self> {
        let path = path.as_ref().to_owned();
        let conn = open_file(&path, source, destination)?;
        Ok(Ledger {
            conn: Mutex::new(conn),
            path,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the counts an inventory took of one side (`source` or `destination`).
    pub fn record_inventory(&self, side: &str, counts: &[(ResourceKind, u64)]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn
            .transaction()
            .map_err(|e| runtime_error(e, "inventory"))?;
        for (resource, count) in counts {
            tx.execute(
                "INSERT INTO migrate_inventory (side, resource, count, taken_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (side, resource) DO UPDATE SET count = excluded.count, taken_at = excluded.taken_at",
                params![side, resource.as_str(), *count as i64, now_ms()],
            )
            .map_err(|e| runtime_error(e, "inventory"))?;
        }
        tx.commit().map_err(|e| runtime_error(e, "inventory"))
    }

    /// The counts last recorded for `side`.
    pub fn inventory(&self, side: &str) -> Result<Vec<(ResourceKind, u64)>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT resource, count FROM migrate_inventory WHERE side = ?1 ORDER BY resource",
            )
            .map_err(|e| runtime_error(e, "inventory"))?;
        let rows = stmt
            .query_map([side], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(|e| runtime_error(e, "inventory"))?;
        let mut out = Vec::new();
        for row in rows {
            let (resource, count) = row.map_err(|e| runtime_error(e, "inventory"))?;
            let resource = ResourceKind::parse(&resource).ok_or_else(|| corrupt(&resource))?;
            out.push((resource, count.max(0) as u64));
        }
        Ok(out)
    }

    /// Records that a create for `source_id` is about to be sent (committed before it is).
    pub fn record_sending(
        &self,
        resource: ResourceKind,
        source_id: &str,
        natural_key: &str,
    ) -> Result<()> {
        self.conn()
            .execute(
                "INSERT INTO migrate_mappings
                     (resource, source_id, natural_key, state, destination_id, attempts, last_error, updated_at)
                 VALUES (?1, ?2, ?3, 'sending', NULL, 1, NULL, ?4)
                 ON CONFLICT (resource, source_id) DO UPDATE
                     SET attempts = attempts + 1, natural_key = excluded.natural_key, updated_at = excluded.updated_at
                     WHERE state = 'sending'",
                params![resource.as_str(), source_id, natural_key, now_ms()],
            )
            .map(drop)
            .map_err(|e| runtime_error(e, "record_sending"))
    }

    /// Records where `source_id` is on the destination (`Created` or `Matched`).
    pub fn record_done(
        &self,
        resource: ResourceKind,
        source_id: &str,
        destination_id: &str,
        state: MappingState,
    ) -> Result<()> {
        self.record_done_keyed(resource, source_id, "", destination_id, state)
    }

    /// [`Ledger::record_done`] for a row that may not exist yet (a match needs no `sending` row first).
    pub fn record_done_keyed(
        &self,
        resource: ResourceKind,
        source_id: &str,
        natural_key: &str,
        destination_id: &str,
        state: MappingState,
    ) -> Result<()> {
        debug_assert!(state.is_done());
        self.conn()
            .prepare_cached(DONE_SQL)
            .and_then(|mut stmt| {
                stmt.execute(params![
                    resource.as_str(),
                    source_id,
                    natural_key,
                    state.as_str(),
                    destination_id,
                    now_ms()
                ])
            })
            .map(drop)
            .map_err(|e| runtime_error(e, "record_done"))
    }

    /// [`Ledger::record_sending`] for many rows in one transaction (one commit): every row is committed before
    /// any of their creates is sent.
    pub fn record_sending_many(&self, resource: ResourceKind, rows: &[(&str, &str)]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn
            .transaction()
            .map_err(|e| runtime_error(e, "record_sending"))?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO migrate_mappings
                         (resource, source_id, natural_key, state, destination_id, attempts, last_error, updated_at)
                     VALUES (?1, ?2, ?3, 'sending', NULL, 1, NULL, ?4)
                     ON CONFLICT (resource, source_id) DO UPDATE
                         SET attempts = attempts + 1, natural_key = excluded.natural_key,
                             updated_at = excluded.updated_at
                         WHERE state = 'sending'",
                )
                .map_err(|e| runtime_error(e, "record_sending"))?;
            let now = now_ms();
            for (source_id, key) in rows {
                stmt.execute(params![resource.as_str(), source_id, key, now])
                    .map_err(|e| runtime_error(e, "record_sending"))?;
            }
        }
        tx.commit().map_err(|e| runtime_error(e, "record_sending"))
    }

    /// [`Ledger::record_done_keyed`] for many rows in one transaction; when the transaction fails (a row
    /// would map a second source object to one destination object), each row is tried alone and the rows
    /// that fail are returned with their error.
    pub fn record_done_many(
        &self,
        resource: ResourceKind,
        rows: &[DoneRow],
    ) -> Result<Vec<(String, Error)>> {
        let batch = (|| -> Result<()> {
            let mut conn = self.conn();
            let tx = conn
                .transaction()
                .map_err(|e| runtime_error(e, "record_done"))?;
            {
                let mut stmt = tx
                    .prepare_cached(DONE_SQL)
                    .map_err(|e| runtime_error(e, "record_done"))?;
                let now = now_ms();
                for r in rows {
                    stmt.execute(params![
                        resource.as_str(),
                        r.source_id,
                        r.natural_key,
                        r.state.as_str(),
                        r.destination_id,
                        now
                    ])
                    .map_err(|e| runtime_error(e, "record_done"))?;
                }
            }
            tx.commit().map_err(|e| runtime_error(e, "record_done"))
        })();
        if batch.is_ok() {
            return Ok(Vec::new());
        }
        let mut failed = Vec::new();
        for r in rows {
            if let Err(e) = self.record_done_keyed(
                resource,
                &r.source_id,
                &r.natural_key,
                &r.destination_id,
                r.state,
            ) {
                failed.push((r.source_id.clone(), e));
            }
        }
        Ok(failed)
    }

    /// Notes why the last create for `source_id` failed (the row stays `sending`).
    pub fn record_failure(
        &self,
        resource: ResourceKind,
        source_id: &str,
        error: &str,
    ) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE migrate_mappings SET last_error = ?3, updated_at = ?4
                 WHERE resource = ?1 AND source_id = ?2 AND state = 'sending'",
                params![resource.as_str(), source_id, error, now_ms()],
            )
            .map(drop)
            .map_err(|e| runtime_error(e, "record_failure"))
    }

    /// The row of `source_id`, if any.
    pub fn get(&self, resource: ResourceKind, source_id: &str) -> Result<Option<Mapping>> {
        let conn = self.conn();
        let row = conn
            .query_row(
                "SELECT natural_key, state, destination_id, attempts, last_error FROM migrate_mappings
                 WHERE resource = ?1 AND source_id = ?2",
                params![resource.as_str(), source_id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| runtime_error(e, "get"))?;
        row.map(
            |(natural_key, state, destination_id, attempts, last_error)| {
                Ok(Mapping {
                    resource,
                    source_id: source_id.to_owned(),
                    natural_key,
                    state: MappingState::parse(&state).ok_or_else(|| corrupt(&state))?,
                    destination_id,
                    attempts: attempts.clamp(0, u32::MAX as i64) as u32,
                    last_error,
                })
            },
        )
        .transpose()
    }

    /// Every row of `resource`, by source id.
    pub fn mappings(&self, resource: ResourceKind) -> Result<Vec<Mapping>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT source_id, natural_key, state, destination_id, attempts, last_error
                 FROM migrate_mappings WHERE resource = ?1 ORDER BY source_id",
            )
            .map_err(|e| runtime_error(e, "mappings"))?;
        let rows = stmt
            .query_map([resource.as_str()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .map_err(|e| runtime_error(e, "mappings"))?;
        let mut out = Vec::new();
        for row in rows {
            let (source_id, natural_key, state, destination_id, attempts, last_error) =
                row.map_err(|e| runtime_error(e, "mappings"))?;
            out.push(Mapping {
                resource,
                source_id,
                natural_key,
                state: MappingState::parse(&state).ok_or_else(|| corrupt(&state))?,
                destination_id,
                attempts: attempts.clamp(0, u32::MAX as i64) as u32,
                last_error,
            });
        }
        Ok(out)
    }
}

fn corrupt(what: &str) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!("the migration ledger holds a value this version does not know: `{what}`"),
    )
    .with_operation("migrate.ledger")
}

/// An error of a call on an open ledger: a corrupt file is `Decode`, anything else `Unavailable`.
fn runtime_error(e: rusqlite::Error, operation: &str) -> Error {
    let kind = match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => ErrorKind::Decode,
        _ => ErrorKind::Unavailable,
    };
    Error::new(
        kind,
        format!("the migration ledger failed ({operation}): {e}"),
    )
    .with_operation("migrate.ledger")
    .with_source(e)
}

/// The ledger's file: its tables, its row in `unibill_schema`, and the words of its messages.
const LEDGER_FILE: Component = Component {
    name: SCHEMA_COMPONENT,
    version: SCHEMA_VERSION,
    tables: &["migrate_run", "migrate_inventory", "migrate_mappings"],
    create: CREATE,
    noun: "migration ledger",
    not_a: "a unibill migration ledger for this migration",
    advice: "give each migration a ledger file of its own",
    upgrade: "use a newer unibill",
    operation: "migrate.ledger.open",
};

/// A 5-second busy timeout, `synchronous = NORMAL`.
const LEDGER_SETTINGS: Settings =
    Settings::new(Duration::from_secs(5)).synchronous(Synchronous::Normal);

/// Opens the file (WAL, the schema created or checked) and records or checks the pair of providers.
fn open_file(path: &Path, source: &str, destination: &str) -> Result<Connection> {
    open_versioned(path, &LEDGER_FILE, &LEDGER_SETTINGS, |opening| {
        let err = |e| opening.failed(e);
        for (key, want) in [("source", source), ("destination", destination)] {
            if opening.opened == Opened::Created {
                opening
                    .tx
                    .execute(
                        "INSERT INTO migrate_run (key, value) VALUES (?1, ?2)",
                        params![key, want],
                    )
                    .map_err(err)?;
                continue;
            }
            let stored: Option<String> = opening
                .tx
                .query_row("SELECT value FROM migrate_run WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(err)?;
            match stored {
                Some(have) if have == want => {}
                Some(have) => {
                    return Err(opening.foreign(&format!(
                        "it records a migration with {key} `{have}`, not `{want}`"
                    )));
                }
                None => return Err(opening.foreign(&format!("it names no {key}"))),
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "unibill-migrate-ledger-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("ledger.sqlite")
    }

    #[test]
    fn a_sending_row_survives_reopening_and_counts_attempts() {
        let path = temp("attempts");
        let ledger = Ledger::open(&path, "a", "b").unwrap();
        ledger
            .record_sending(ResourceKind::Price, "p1", "slug-1")
            .unwrap();
        ledger
            .record_sending(ResourceKind::Price, "p1", "slug-1")
            .unwrap();
        ledger
            .record_failure(ResourceKind::Price, "p1", "timeout")
            .unwrap();
        drop(ledger);
        let ledger = Ledger::open(&path, "a", "b").unwrap();
        let row = ledger.get(ResourceKind::Price, "p1").unwrap().unwrap();
        assert_eq!(row.state, MappingState::Sending);
        assert_eq!(row.attempts, 2);
        assert_eq!(row.last_error.as_deref(), Some("timeout"));
        ledger
            .record_done(ResourceKind::Price, "p1", "price_9", MappingState::Created)
            .unwrap();
        // A done row is not put back to sending.
        ledger
            .record_sending(ResourceKind::Price, "p1", "slug-1")
            .unwrap();
        let row = ledger.get(ResourceKind::Price, "p1").unwrap().unwrap();
        assert_eq!(row.state, MappingState::Created);
        assert_eq!(row.destination_id.as_deref(), Some("price_9"));
        assert_eq!(row.last_error, None);
    }

    #[test]
    fn two_sources_cannot_map_to_one_destination_object() {
        let path = temp("unique");
        let ledger = Ledger::open(&path, "a", "b").unwrap();
        ledger
            .record_done_keyed(ResourceKind::Price, "p1", "k", "d1", MappingState::Matched)
            .unwrap();
        let err = ledger
            .record_done_keyed(ResourceKind::Price, "p2", "k", "d1", MappingState::Matched)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    }

    #[test]
    fn a_foreign_or_corrupt_file_is_a_clear_error_and_is_left_alone() {
        let path = temp("foreign");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("CREATE TABLE orders (id INTEGER)")
                .unwrap();
        }
        let err = Ledger::open(&path, "a", "b").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(
            err.to_string().contains("not a unibill migration ledger"),
            "{err}"
        );
        let conn = Connection::open(&path).unwrap();
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'migrate_mappings'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0);

        let garbage = temp("garbage");
        std::fs::write(&garbage, vec![0x5a_u8; 8192]).unwrap();
        let err = Ledger::open(&garbage, "a", "b").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
        assert!(err.to_string().contains("not an SQLite database"), "{err}");
        assert_eq!(std::fs::read(&garbage).unwrap(), vec![0x5a_u8; 8192]);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let path = temp("newer");
        drop(Ledger::open(&path, "a", "b").unwrap());
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute(
                "UPDATE unibill_schema SET version = 99 WHERE component = ?1",
                [SCHEMA_COMPONENT],
            )
            .unwrap();
        }
        let err = Ledger::open(&path, "a", "b").unwrap_err();
        assert!(err.to_string().contains("version 99"), "{err}");
    }

    #[test]
    fn inventory_counts_are_replaced_per_side() {
        let path = temp("inventory");
        let ledger = Ledger::open(&path, "a", "b").unwrap();
        ledger
            .record_inventory(
                "source",
                &[(ResourceKind::Customer, 3), (ResourceKind::Price, 2)],
            )
            .unwrap();
        ledger
            .record_inventory("source", &[(ResourceKind::Customer, 5)])
            .unwrap();
        assert_eq!(
            ledger.inventory("source").unwrap(),
            vec![(ResourceKind::Customer, 5), (ResourceKind::Price, 2)]
        );
        assert!(ledger.inventory("destination").unwrap().is_empty());
    }
}
