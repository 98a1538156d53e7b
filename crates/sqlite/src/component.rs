//! [`Component`]: what a component's file holds and how its messages name it; [`Settings`]: how it is opened.

use std::path::Path;
use std::time::Duration;

use rusqlite::ErrorCode;
use unibill_core::{Error, ErrorKind};

/// A component's file: its row in `unibill_schema`, its tables, and the words its messages use.
#[derive(Debug, Clone, Copy)]
pub struct Component {
    /// The component's row in the `unibill_schema` table (`"migrate.ledger"`).
    pub name: &'static str,
    /// The schema version this build writes and reads.
    pub version: i64,
    /// The component's tables: a file of this version holds every one.
    pub tables: &'static [&'static str],
    /// The SQL that creates `tables` in a new file (the `unibill_schema` table is made by
    /// [`open_versioned`](crate::open_versioned)).
    pub create: &'static str,
    /// What the file is, in messages: `"migration ledger"` (`the migration ledger file … cannot be opened for
    /// writing`).
    pub noun: &'static str,
    /// What a refused file is not: `"a unibill migration ledger for this migration"` (`the file … is not a
    /// unibill migration ledger for this migration (why)`).
    pub not_a: &'static str,
    /// What to do about a refused file: `"give each migration a ledger file of its own"`.
    pub advice: &'static str,
    /// What to do about a file of a newer schema: `"upgrade unibill-webhooks"`.
    pub upgrade: &'static str,
    /// The operation every error of the opening carries (`"migrate.ledger.open"`).
    pub operation: &'static str,
}

/// How a component opens its file: the busy timeout, `synchronous`, whether one connection holds the file,
/// whether other components' tables may share it.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub(crate) busy_timeout: Duration,
    pub(crate) synchronous: Option<Synchronous>,
    pub(crate) exclusive: Option<&'static str>,
    pub(crate) shares_file: bool,
}

/// SQLite's `synchronous` setting (what a commit survives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// Survives the process being killed, not a power loss (in WAL mode).
    Normal,
    /// Survives a power loss too (slower commits).
    Full,
}

impl Synchronous {
    fn as_str(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

impl Settings {
    /// Waits up to `busy_timeout` for a lock another connection holds; SQLite's own `synchronous`; shared
    /// locking (every process that opens the file may use it); the file holds this component alone.
    pub const fn new(busy_timeout: Duration) -> Self {
        Settings {
            busy_timeout,
            synchronous: None,
            exclusive: None,
            shares_file: false,
        }
    }

    /// Sets `PRAGMA synchronous`.
    pub const fn synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = Some(synchronous);
        self
    }

    /// One connection holds the file (`locking_mode = EXCLUSIVE`, the schema checked in an exclusive
    /// transaction): a file another connection holds is `Config`, "is in use by `holder`"
    /// (`"another usage recorder (a spool has one writer)"`).
    pub const fn exclusive(mut self, holder: &'static str) -> Self {
        self.exclusive = Some(holder);
        self
    }

    /// Other unibill components' tables may share the file (recorded in `unibill_schema`); without this a file
    /// holding any other table is refused.
    pub const fn shares_file(mut self) -> Self {
        self.shares_file = true;
        self
    }

    /// The pragmas set after the journal mode, as one batch.
    pub(crate) fn pragmas(&self) -> String {
        let mut sql = String::new();
        if let Some(s) = self.synchronous {
            sql.push_str(&format!("PRAGMA synchronous = {};", s.as_str()));
        }
        if self.exclusive.is_some() {
            sql.push_str(" PRAGMA locking_mode = EXCLUSIVE;");
        }
        sql
    }
}

impl Component {
    /// `Config`: the file at `path` is not this component's (`why`), with the component's advice.
    pub fn foreign(&self, path: &Path, why: &str) -> Error {
        Error::config(format!(
            "the file {} is not {} ({why}); {}",
            path.display(),
            self.not_a,
            self.advice
        ))
        .with_operation(self.operation)
    }

    /// `Config`: the file's schema is newer than this build's.
    pub(crate) fn newer(&self, path: &Path, version: i64) -> Error {
        Error::config(format!(
            "the {} {} has schema version {version}, newer than this build's {}: {}",
            self.noun,
            path.display(),
            self.version,
            self.upgrade
        ))
        .with_operation(self.operation)
    }

    /// An SQLite error while opening `path`: a corrupt file or one that is not a database is `Decode`, a file
    /// that cannot be opened for writing (or, under [`Settings::exclusive`], is held by another connection)
    /// `Config`, anything else `Unavailable`.
    pub fn open_error(&self, path: &Path, settings: &Settings, e: rusqlite::Error) -> Error {
        let (kind, what) = match (e.sqlite_error_code(), settings.exclusive) {
            (Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase), _) => (
                ErrorKind::Decode,
                "is not an SQLite database, or is corrupt".to_owned(),
            ),
            (Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked), Some(holder)) => {
                (ErrorKind::Config, format!("is in use by {holder}"))
            }
            (
                Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly),
                _,
            ) => (ErrorKind::Config, "cannot be opened for writing".to_owned()),
            _ => (ErrorKind::Unavailable, "could not be opened".to_owned()),
        };
        Error::new(
            kind,
            format!("the {} file {} {what}: {e}", self.noun, path.display()),
        )
        .with_operation(self.operation)
        .with_source(e)
    }
}
