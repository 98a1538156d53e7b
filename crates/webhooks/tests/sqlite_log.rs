//! `SqliteDeliveryLog`: the delivery-log contract, a log that survives reopening its file and is shared by
//! two handles on it, and the files it refuses.

#![cfg(feature = "sqlite")]

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{TempDir, contract, new_ticket, policy, start};
use unibill_core::{ErrorKind, ManualClock};
use unibill_webhooks::{Begin, DeliveryLog, SCHEMA_VERSION, SqliteDeliveryLog};

async fn open(path: &Path, clock: &ManualClock) -> unibill_core::Result<SqliteDeliveryLog> {
    SqliteDeliveryLog::builder(path)
        .clock(Arc::new(clock.clone()))
        .policy(policy())
        .open()
        .await
}

#[tokio::test]
async fn keeps_the_contract() {
    let dir = TempDir::new("contract");
    let clock = ManualClock::new(start());
    let log = open(&dir.file("log.sqlite"), &clock).await.unwrap();
    contract(&log, &clock).await;
}

#[tokio::test]
async fn survives_reopening_its_file() {
    let dir = TempDir::new("reopen");
    let path = dir.file("log.sqlite");
    let clock = ManualClock::new(start());
    let log = open(&path, &clock).await.unwrap();
    assert_eq!(log.path(), path);
    let done = new_ticket(log.begin("memory", "msg_done").await.unwrap());
    log.complete(done).await.unwrap();
    let crashed = new_ticket(log.begin("memory", "msg_crashed").await.unwrap());
    drop((crashed, log));

    let log = open(&path, &clock).await.unwrap();
    assert_eq!(log.begin("memory", "msg_done").await.unwrap(), Begin::Done);
    // The claim of the process that crashed holds until its lease ends, then the delivery is handled again.
    assert!(matches!(
        log.begin("memory", "msg_crashed").await.unwrap(),
        Begin::InProgress { .. }
    ));
    clock.advance_by(std::time::Duration::from_secs(300));
    let t = new_ticket(log.begin("memory", "msg_crashed").await.unwrap());
    log.complete(t).await.unwrap();
    assert!(format!("{log:?}").contains("log.sqlite"));
}

#[tokio::test]
async fn two_handles_on_one_file_share_the_log() {
    let dir = TempDir::new("shared");
    let path = dir.file("log.sqlite");
    let clock = ManualClock::new(start());
    let a = open(&path, &clock).await.unwrap();
    let b = open(&path, &clock).await.unwrap();
    let t = new_ticket(a.begin("memory", "msg_1").await.unwrap());
    assert!(matches!(
        b.begin("memory", "msg_1").await.unwrap(),
        Begin::InProgress { .. }
    ));
    a.complete(t).await.unwrap();
    assert_eq!(b.begin("memory", "msg_1").await.unwrap(), Begin::Done);
}

#[tokio::test]
async fn another_applications_database_is_a_config_error_and_left_alone() {
    let dir = TempDir::new("foreign");
    let path = dir.file("app.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada');")
            .unwrap();
    }
    let clock = ManualClock::new(start());
    let err = open(&path, &clock).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(
        err.message().contains("not a unibill webhook delivery log"),
        "{err}"
    );
    assert!(err.message().contains("app.sqlite"), "{err}");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1, "nothing was added to the foreign file");
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_a_decode_error() {
    let dir = TempDir::new("garbage");
    let path = dir.file("log.sqlite");
    std::fs::write(&path, vec![0x5a; 8192]).unwrap();
    let clock = ManualClock::new(start());
    let err = open(&path, &clock).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.message().contains("is not an SQLite database"), "{err}");
}

#[tokio::test]
async fn a_newer_schema_is_a_config_error() {
    let dir = TempDir::new("newer");
    let path = dir.file("log.sqlite");
    let clock = ManualClock::new(start());
    drop(open(&path, &clock).await.unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE unibill_schema SET version = ?1",
            [SCHEMA_VERSION + 1],
        )
        .unwrap();
    }
    let err = open(&path, &clock).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(err.message().contains("newer than this build's"), "{err}");
}

#[tokio::test]
async fn a_directory_that_does_not_exist_is_a_config_error() {
    let dir = TempDir::new("missing");
    let clock = ManualClock::new(start());
    let err = open(&dir.file("no/such/dir/log.sqlite"), &clock)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
}

#[tokio::test]
async fn the_log_is_usable_as_a_trait_object() {
    let dir = TempDir::new("dyn");
    let clock = ManualClock::new(start());
    let log: Arc<dyn DeliveryLog> = Arc::new(open(&dir.file("log.sqlite"), &clock).await.unwrap());
    let t = new_ticket(log.begin("memory", "m").await.unwrap());
    log.abandon(t).await.unwrap();
    assert!(matches!(
        log.begin("memory", "m").await.unwrap(),
        Begin::New(_)
    ));
}
