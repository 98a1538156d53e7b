//! The spool: events committed before `record` returns, re-sent after a restart with their keys and times,
//! deleted once settled; shutdown drains without waiting for its deadline; the files it refuses.

#![cfg(feature = "spool")]

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::{NeverSleeper, Scripted, TempDir, event};
use unibill_core::{ErrorKind, IngestOutcome, IngestReport, UsageEvent};
use unibill_recorder::{RecorderBuilder, SpoolOptions};

fn answer(events: &[UsageEvent], outcome: impl Fn() -> IngestOutcome) -> IngestReport {
    let mut r = IngestReport::new();
    for e in events {
        r.push(e.key().clone(), outcome());
    }
    r
}

fn rows(path: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("SELECT COUNT(*) FROM usage_spool", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsettled_events_survive_a_restart_and_settled_ones_leave_the_file() {
    let dir = TempDir::new("restart");
    let path = dir.file("spool.sqlite");
    // First run: the provider never answers; shutdown's deadline (a sleeper that returns at once) leaves all 30.
    let (recorder, _f) = RecorderBuilder::new(Arc::new(support::Silent))
        .sleeper(Arc::new(unibill_core::RecordingSleeper::default()))
        .spool(SpoolOptions::new(&path))
        .build()
        .unwrap();
    for i in 0..30 {
        recorder.record(event(i)).await.unwrap();
    }
    let unsent = recorder.shutdown(Duration::from_secs(1)).await;
    assert_eq!(unsent.events.len(), 30);
    drop(recorder);
    assert_eq!(
        rows(&path),
        30,
        "committed before record returned, kept while unsettled"
    );

    // Second run: the same events are re-sent unchanged and then deleted.
    let up = Scripted::new(100, |events, _| {
        Ok(answer(events, || IngestOutcome::Recorded {
            provider_id: None,
        }))
    });
    let (recorder, _f) = RecorderBuilder::new(up.clone())
        .sleeper(Arc::new(NeverSleeper))
        .spool(SpoolOptions::new(&path))
        .build()
        .unwrap();
    recorder.record(event(30)).await.unwrap();
    let stats = recorder.flush().await;
    assert_eq!(stats.recorded, 31);
    let mut sent: Vec<UsageEvent> = up.calls().concat();
    sent.sort_by(|a, b| a.key().cmp(b.key()));
    assert_eq!(
        sent,
        (0..31).map(event).collect::<Vec<_>>(),
        "original keys and times"
    );
    // With a deadline that never passes, shutdown returns because everything is settled.
    let unsent = recorder.shutdown(Duration::from_secs(3600)).await;
    assert!(unsent.events.is_empty());
    drop(recorder);
    assert_eq!(rows(&path), 0, "settled events are deleted");
}

#[tokio::test]
async fn foreign_corrupt_newer_and_busy_files_are_refused() {
    let dir = TempDir::new("refused");
    let usage = Scripted::new(10, |events, _| {
        Ok(answer(events, || IngestOutcome::Recorded {
            provider_id: None,
        }))
    });
    let open = |path: &std::path::Path| {
        RecorderBuilder::new(usage.clone())
            .spool(SpoolOptions::new(path))
            .build()
            .map(|_| ())
            .unwrap_err()
    };
    let text = dir.file("notes.txt");
    std::fs::write(
        &text,
        "not a database, just some text that is long enough to be a header",
    )
    .unwrap();
    let e = open(&text);
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert!(e.message().contains("notes.txt"), "{e}");

    let app = dir.file("app.sqlite");
    rusqlite::Connection::open(&app)
        .unwrap()
        .execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY);")
        .unwrap();
    let e = open(&app);
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.message().contains("is not a unibill usage spool"), "{e}");

    let newer = dir.file("newer.sqlite");
    {
        let (r, _f) = RecorderBuilder::new(usage.clone())
            .spool(SpoolOptions::new(&newer))
            .build()
            .unwrap();
        r.shutdown(Duration::from_secs(5)).await;
    }
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute("UPDATE unibill_schema SET version = 99", [])
        .unwrap();
    let e = open(&newer);
    assert!(e.message().contains("schema version 99"), "{e}");

    let busy = dir.file("busy.sqlite");
    let (held, _f) = RecorderBuilder::new(usage.clone())
        .spool(SpoolOptions::new(&busy))
        .build()
        .unwrap();
    let e = open(&busy);
    assert!(e.message().contains("in use"), "{e}");
    held.shutdown(Duration::from_secs(5)).await;
}
