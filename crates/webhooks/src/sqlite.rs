//! [`SqliteDeliveryLog`]: a delivery log in an SQLite file (WAL), kept across restarts and shared by the
//! processes that open the same file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use unibill_core::{Clock, Error, ErrorKind, Result, SystemClock};
use unibill_sqlite::{Component, Settings, open_versioned};

use crate::log::{Begin, DeliveryLog, LogPolicy, Ticket};

/// The name the log's schema is recorded under in the `unibill_schema` table.
pub const SCHEMA_COMPONENT: &str = "webhooks.delivery_log";

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = 1;

const CREATE: &str = "
CREATE TABLE webhook_deliveries (
    provider TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
    token TEXT,
    started_at INTEGER NOT NULL,
    completed_at INTEGER,
    PRIMARY KEY (provider, delivery_id)
) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_completed ON webhook_deliveries (completed_at) WHERE state = 'done';
CREATE INDEX webhook_deliveries_started ON webhook_deliveries (started_at) WHERE state = 'in_progress';
";

/// How often (in claims) the log prunes itself.
const PRUNE_EVERY: u64 = 512;

/// A delivery log in an SQLite file: handled deliveries survive a restart, and every process that opens the
/// file shares one log (WAL journal, each claim in an immediate transaction, a 5-second busy timeout).
///
/// The file holds a `unibill_schema` table naming the schema's version; a file of another application, a
/// newer version's or one that is not an SQLite database is refused when opened (`Config`, `Config`,
/// `Decode`), never overwritten. Each call runs on tokio's blocking pool. The log prunes itself when opened
/// and every few hundred claims; [`DeliveryLog::prune`] does it on demand.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use unibill_webhooks::{Begin, DeliveryLog, SqliteDeliveryLog};
/// let path = std::env::temp_dir().join(format!("unibill-doc-{}.sqlite", std::process::id()));
/// let log = SqliteDeliveryLog::open(&path).await?;
/// let Begin::New(ticket) = log.begin("memory", "msg_1").await? else { unreachable!() };
/// log.complete(ticket).await?;
/// drop(log);
/// let reopened = SqliteDeliveryLog::open(&path).await?;
/// assert_eq!(reopened.begin("memory", "msg_1").await?, Begin::Done);
/// # drop(reopened);
/// # for suffix in ["", "-wal", "-shm"] { let _ = std::fs::remove_file(format!("{}{suffix}", path.display())); }
/// # Ok::<(), unibill_core::Error>(()) }).unwrap();
/// ```
pub struct SqliteDeliveryLog {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
    clock: Arc<dyn Clock>,
    policy: LogPolicy,
    claims: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for SqliteDeliveryLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteDeliveryLog")
            .field("path", &self.path)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// Sets up a [`SqliteDeliveryLog`].
#[derive(Debug)]
pub struct SqliteDeliveryLogBuilder {
    path: PathBuf,
    clock: Arc<dyn Clock>,
    policy: LogPolicy,
}

impl SqliteDeliveryLogBuilder {
    /// The clock leases and retention are measured on.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The lease and retention.
    pub fn policy(mut self, policy: LogPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Opens (or creates) the file and checks its schema.
    pub async fn open(self) -> Result<SqliteDeliveryLog> {
        let path = self.path.clone();
        let conn = blocking(move || open_file(&path)).await?;
        let log = SqliteDeliveryLog {
            conn: Arc::new(Mutex::new(conn)),
            path: self.path,
            clock: self.clock,
            policy: self.policy,
            claims: std::sync::atomic::AtomicU64::new(0),
        };
        log.prune().await?;
        Ok(log)
    }
}

impl SqliteDeliveryLog {
    /// Opens (or creates) the log at `path`, on the system clock with the default policy.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::builder(path).open().await
    }

    /// Sets the clock and policy before opening `path`.
    pub fn builder(path: impl AsRef<Path>) -> SqliteDeliveryLogBuilder {
        SqliteDeliveryLogBuilder {
            path: path.as_ref().to_owned(),
            clock: Arc::new(SystemClock),
            policy: LogPolicy::default(),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the connection on the blocking pool.
    async fn with_conn<T: Send + 'static>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = Arc::clone(&self.conn);
        blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut conn).map_err(|e| runtime_error(e, operation))
        })
        .await
    }
}

/// Runs `f` on tokio's blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        Error::new(
            ErrorKind::Unavailable,
            "the SQLite delivery log's task failed",
        )
        .with_operation("webhooks.log")
        .with_source(e)
    })?
}

fn millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}

fn from_millis(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// An error of a call on an open log: busy, I/O or full is `Unavailable` (retry later), a corrupt file is
/// `Decode`.
fn runtime_error(e: rusqlite::Error, operation: &'static str) -> Error {
    let kind = match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => ErrorKind::Decode,
        _ => ErrorKind::Unavailable,
    };
    Error::new(kind, format!("the SQLite delivery log failed: {e}"))
        .with_operation(operation)
        .with_source(e)
}

/// The log's file: its table, its row in `unibill_schema`, and the words of its messages.
const LOG_FILE: Component = Component {
    name: SCHEMA_COMPONENT,
    version: SCHEMA_VERSION,
    tables: &["webhook_deliveries"],
    create: CREATE,
    noun: "delivery log",
    not_a: "a unibill webhook delivery log",
    advice: "give the log a file of its own",
    upgrade: "upgrade unibill-webhooks",
    operation: "webhooks.log.open",
};

/// A 5-second busy timeout; the file may hold other unibill components too.
const LOG_SETTINGS: Settings = Settings::new(Duration::from_secs(5)).shares_file();

/// Opens the file, sets WAL and the busy timeout, and creates or checks the schema.
fn open_file(path: &Path) -> Result<Connection> {
    open_versioned(path, &LOG_FILE, &LOG_SETTINGS, |_| Ok(()))
}

#[async_trait]
impl DeliveryLog for SqliteDeliveryLog {
    async fn begin(&self, provider: &str, delivery_id: &str) -> Result<Begin> {
        let now = self.clock.timestamp();
        let ticket = Ticket::fresh(provider, delivery_id, now);
        let policy = self.policy;
        let (p, d, token) = (
            provider.to_owned(),
            delivery_id.to_owned(),
            ticket.token().to_owned(),
        );
        let claimed = self
            .with_conn("webhooks.log.begin", move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let row: Option<(String, i64)> = tx
                    .query_row(
                        "SELECT state, started_at FROM webhook_deliveries \
                         WHERE provider = ?1 AND delivery_id = ?2",
                        params![p, d],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                let found = match row {
                    Some((state, _)) if state == "done" => Some(Begin::Done),
                    Some((_, started)) => policy.in_progress(from_millis(started), now),
                    None => None,
                };
                if found.is_none() {
                    tx.execute(
                        "INSERT INTO webhook_deliveries (provider, delivery_id, state, token, started_at) \
                         VALUES (?1, ?2, 'in_progress', ?3, ?4) \
                         ON CONFLICT (provider, delivery_id) DO UPDATE SET \
                         state = 'in_progress', token = ?3, started_at = ?4, completed_at = NULL",
                        params![p, d, token, millis(now)],
                    )?;
                }
                tx.commit()?;
                Ok(found)
            })
            .await?;
        if let Some(found) = claimed {
            return Ok(found);
        }
        let claims = self
            .claims
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if claims % PRUNE_EVERY == PRUNE_EVERY - 1 {
            // Best effort: a prune that fails now runs again later.
            let _ = self.prune().await;
        }
        Ok(Begin::New(ticket))
    }

    async fn complete(&self, ticket: Ticket) -> Result<()> {
        let now = millis(self.clock.timestamp());
        self.with_conn("webhooks.log.complete", move |conn| {
            conn.execute(
                "INSERT INTO webhook_deliveries \
                 (provider, delivery_id, state, token, started_at, completed_at) \
                 VALUES (?1, ?2, 'done', NULL, ?3, ?4) \
                 ON CONFLICT (provider, delivery_id) DO UPDATE SET \
                 state = 'done', token = NULL, completed_at = ?4 WHERE state = 'in_progress'",
                params![
                    ticket.provider(),
                    ticket.delivery_id(),
                    millis(ticket.started_at()),
                    now
                ],
            )
            .map(drop)
        })
        .await
    }

    async fn abandon(&self, ticket: Ticket) -> Result<()> {
        self.with_conn("webhooks.log.abandon", move |conn| {
            conn.execute(
                "DELETE FROM webhook_deliveries WHERE provider = ?1 AND delivery_id = ?2 \
                 AND state = 'in_progress' AND token = ?3",
                params![ticket.provider(), ticket.delivery_id(), ticket.token()],
            )
            .map(drop)
        })
        .await
    }

    async fn prune(&self) -> Result<u64> {
        let now = self.clock.timestamp();
        let cutoff = millis(self.policy.retention_cutoff(now));
        // A claim started before this has lost its lease.
        let lapsed = millis(now)
            .saturating_sub(i64::try_from(self.policy.lease.as_millis()).unwrap_or(i64::MAX));
        self.with_conn("webhooks.log.prune", move |conn| {
            let done = conn.execute(
                "DELETE FROM webhook_deliveries WHERE state = 'done' AND completed_at < ?1",
                [cutoff],
            )?;
            let stale = conn.execute(
                "DELETE FROM webhook_deliveries WHERE state = 'in_progress' AND started_at <= ?1",
                [lapsed],
            )?;
            Ok((done + stale) as u64)
        })
        .await
    }
}
