//! `open_versioned`: what it refuses, what it shares, and that a failed opening leaves the file as it was.

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::Connection;
use unibill_core::ErrorKind;
use unibill_sqlite::{Component, Opened, Settings, open_versioned};

const NOTES: Component = Component {
    name: "test.notes",
    version: 2,
    tables: &["notes"],
    create: "CREATE TABLE notes (id INTEGER PRIMARY KEY);",
    noun: "notes store",
    not_a: "a unibill notes store",
    advice: "give the notes a file of their own",
    upgrade: "upgrade the notes",
    operation: "test.notes.open",
};

const TAGS: Component = Component {
    name: "test.tags",
    version: 1,
    tables: &["tags"],
    create: "CREATE TABLE tags (id INTEGER PRIMARY KEY);",
    noun: "tag store",
    not_a: "a unibill tag store",
    advice: "give the tags a file of their own",
    upgrade: "upgrade the tags",
    operation: "test.tags.open",
};

const SHARED: Settings = Settings::new(Duration::from_secs(5)).shares_file();
const ALONE: Settings = Settings::new(Duration::from_secs(5));

/// A fresh file path in a directory of this test's own.
fn file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("unibill-sqlite-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("file.sqlite")
}

fn tables(path: &std::path::Path) -> Vec<String> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn a_newer_or_unknown_version_is_refused_and_left_alone() {
    let path = file("versions");
    drop(open_versioned(&path, &NOTES, &ALONE, |_| Ok(())).unwrap());
    let set = |v: i64| {
        Connection::open(&path)
            .unwrap()
            .execute("UPDATE unibill_schema SET version = ?1", [v])
            .unwrap();
    };
    set(3);
    let err = open_versioned(&path, &NOTES, &ALONE, |_| Ok(())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert_eq!(err.operation(), Some("test.notes.open"));
    assert!(
        err.message()
            .contains("has schema version 3, newer than this build's 2: upgrade the notes"),
        "{err}"
    );
    set(1);
    let err = open_versioned(&path, &NOTES, &ALONE, |_| Ok(())).unwrap_err();
    assert!(
        err.message()
            .contains("(unknown schema version 1); give the notes a file of their own"),
        "{err}"
    );
    assert_eq!(tables(&path), ["notes", "unibill_schema"]);
}

#[test]
fn a_missing_table_is_named() {
    let path = file("missing");
    drop(open_versioned(&path, &NOTES, &ALONE, |_| Ok(())).unwrap());
    Connection::open(&path)
        .unwrap()
        .execute_batch("DROP TABLE notes")
        .unwrap();
    let err = open_versioned(&path, &NOTES, &ALONE, |_| Ok(())).unwrap_err();
    assert!(
        err.message().contains("its `notes` table is missing"),
        "{err}"
    );
}

#[test]
fn components_share_a_file_only_when_they_say_so() {
    let path = file("sharing");
    drop(open_versioned(&path, &NOTES, &SHARED, |_| Ok(())).unwrap());
    let err = open_versioned(&path, &TAGS, &ALONE, |_| Ok(())).unwrap_err();
    assert!(
        err.message()
            .contains("it holds another component's tables"),
        "{err}"
    );
    let mut opened = None;
    drop(
        open_versioned(&path, &TAGS, &SHARED, |o| {
            opened = Some(o.opened);
            Ok(())
        })
        .unwrap(),
    );
    assert_eq!(opened, Some(Opened::Created));
    assert_eq!(tables(&path), ["notes", "tags", "unibill_schema"]);
    // Its own table, not recorded in `unibill_schema`, is not taken over.
    Connection::open(&path)
        .unwrap()
        .execute(
            "DELETE FROM unibill_schema WHERE component = 'test.tags'",
            [],
        )
        .unwrap();
    let err = open_versioned(&path, &TAGS, &SHARED, |_| Ok(())).unwrap_err();
    assert!(
        err.message()
            .contains("it has a `tags` table not recorded in `unibill_schema`"),
        "{err}"
    );
}

#[test]
fn a_failed_step_commits_nothing() {
    let path = file("step");
    let err = open_versioned(&path, &NOTES, &ALONE, |o| {
        assert_eq!(o.opened, Opened::Created);
        Err(o.foreign("the step says no"))
    })
    .unwrap_err();
    assert!(
        err.message()
            .contains("is not a unibill notes store (the step says no)"),
        "{err}"
    );
    assert!(tables(&path).is_empty());
}

#[test]
fn an_exclusive_file_held_by_another_connection_is_in_use() {
    let path = file("exclusive");
    let exclusive = Settings::new(Duration::from_millis(50)).exclusive("another notes writer");
    let held = open_versioned(&path, &NOTES, &exclusive, |_| Ok(())).unwrap();
    let err = open_versioned(&path, &NOTES, &exclusive, |_| Ok(())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(
        err.message().contains("the notes store file")
            && err.message().contains("is in use by another notes writer"),
        "{err}"
    );
    drop(held);
    drop(open_versioned(&path, &NOTES, &exclusive, |_| Ok(())).unwrap());
}

#[test]
fn a_file_that_is_not_a_database_is_decode() {
    let path = file("garbage");
    std::fs::write(&path, vec![0x5a_u8; 4096]).unwrap();
    let err = open_versioned(&path, &NOTES, &ALONE, |_| Ok(())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.message().contains("is not an SQLite database"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), vec![0x5a_u8; 4096]);
}
