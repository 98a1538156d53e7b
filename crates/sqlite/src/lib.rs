//! unibill-sqlite: how unibill's SQLite components open their file, written once.
//!
//! The migration ledger (`unibill-migrate`), the webhook delivery log (`unibill-webhooks`, feature `sqlite`)
//! and the usage recorder's spool (`unibill-recorder`, feature `spool`) each keep their state in an SQLite
//! file. [`open_versioned`] opens one: it sets the busy timeout, switches the journal to WAL (the first read of
//! the file, so a file that is not a database fails here), applies the component's [`Settings`], and in one
//! transaction reads the file's tables and the component's row of the `unibill_schema` table. A new file gets
//! the component's tables and its row; a file of this version must hold every table; a file of another
//! application, of another component (unless the component shares files), of a newer or an unknown version
//! is refused with a message naming the file, never written to. Errors are [`unibill_core::Error`]s: `Decode`
//! for a file that is not a database, `Config` for a file that is not the component's or cannot be opened
//! for writing, `Unavailable` for anything else.
//!
//! ```
//! use std::time::Duration;
//! use unibill_sqlite::{Component, Opened, Settings, open_versioned};
//!
//! const NOTES: Component = Component {
//!     name: "example.notes",
//!     version: 1,
//!     tables: &["notes"],
//!     create: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);",
//!     noun: "notes store",
//!     not_a: "a unibill notes store",
//!     advice: "give the notes a file of their own",
//!     upgrade: "upgrade the example",
//!     operation: "example.notes.open",
//! };
//! let settings = Settings::new(Duration::from_secs(5));
//!
//! let dir = std::env::temp_dir().join(format!("unibill-sqlite-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("notes.sqlite");
//! # let _ = std::fs::remove_file(&path);
//! let conn = open_versioned(&path, &NOTES, &settings, |opening| {
//!     assert_eq!(opening.opened, Opened::Created);
//!     Ok(())
//! })?;
//! conn.execute("INSERT INTO notes (text) VALUES ('hello')", []).unwrap();
//! drop(conn);
//!
//! // Reopened: the schema is checked, nothing is created.
//! let conn = open_versioned(&path, &NOTES, &settings, |opening| {
//!     assert_eq!(opening.opened, Opened::Existing);
//!     Ok(())
//! })?;
//! drop(conn);
//!
//! // Another application's database is refused and left alone.
//! let foreign = dir.join("app.sqlite");
//! # let _ = std::fs::remove_file(&foreign);
//! rusqlite::Connection::open(&foreign).unwrap().execute_batch("CREATE TABLE users (id INTEGER)").unwrap();
//! let err = open_versioned(&foreign, &NOTES, &settings, |_| Ok(())).unwrap_err();
//! assert_eq!(err.kind(), unibill_core::ErrorKind::Config);
//! assert!(err.message().contains("is not a unibill notes store (it has tables but no `unibill_schema` table)"));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), unibill_core::Error>(())
//! ```

mod component;
mod open;

pub use component::{Component, Settings, Synchronous};
pub use open::{Opened, Opening, SCHEMA_TABLE, open_versioned};
