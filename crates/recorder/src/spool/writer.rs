//! The spool's writer thread: commits appended events in groups, passes them on to the recorder's task once
//! committed (answering `record`), deletes settled ones, and at start queues what a previous run left.

use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, params};
use tokio::sync::{mpsc, oneshot, watch};
use unibill_core::{Error, ErrorKind, UsageEvent};

use super::SpoolMsg;
use crate::error::RecordError;
use crate::message::{Msg, Queued};

/// Rows read per page when queuing what a previous run left.
const RECOVER_PAGE: i64 = 1000;

pub(crate) struct Writer {
    pub conn: Connection,
    pub path: Arc<Path>,
    pub max_commit: usize,
    pub rx: mpsc::Receiver<SpoolMsg>,
    pub worker: Option<crate::queue::Queue>,
    pub settled: mpsc::UnboundedReceiver<Vec<i64>>,
    pub closing: watch::Receiver<bool>,
    pub abort: watch::Receiver<bool>,
}

type Ack = Option<oneshot::Sender<Result<(), RecordError>>>;

fn spool_error(path: &Path, e: &rusqlite::Error) -> Error {
    Error::new(
        ErrorKind::Unavailable,
        format!("the usage spool {} failed: {e}", path.display()),
    )
    .with_operation("usage.spool")
}

impl Writer {
    /// Runs on its own thread until every recorder handle is gone (or shutdown) and every settled row is
    /// deleted; answers the committed events it could not pass on.
    pub fn run(self) -> Vec<UsageEvent> {
        let runtime = match tokio::runtime::Builder::new_current_thread().build() {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!(target: "unibill_recorder", error = %e, "the spool writer cannot start");
                return Vec::new();
            }
        };
        runtime.block_on(self.serve())
    }

    /// Passes `msg` on to the recorder's task; once it takes no more (aborted), keeps the events in `unsent`.
    async fn forward(&mut self, msg: Msg, unsent: &mut Vec<UsageEvent>) {
        let refused = match self.worker.as_ref() {
            Some(queue) => queue.reserve_and_send(msg, &mut self.abort).await.err(),
            None => Some(msg),
        };
        if let Some(msg) = refused {
            self.worker = None;
            if let Msg::Event(q) = msg {
                unsent.push(q.event);
            }
        }
    }

    /// Queues the rows a previous run left, oldest first, with their keys and times.
    async fn recover(&mut self, unsent: &mut Vec<UsageEvent>) {
        let mut after = 0i64;
        let mut total = 0u64;
        loop {
            let page: Vec<(i64, i64, String)> = {
                let mut stmt = match self.conn.prepare_cached(
                    "SELECT id, queued_ms, event FROM usage_spool WHERE id > ?1 ORDER BY id LIMIT ?2",
                ) {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::error!(target: "unibill_recorder", error = %spool_error(&self.path, &e), "cannot read the spool");
                        return;
                    }
                };
                let rows = stmt.query_map(params![after, RECOVER_PAGE], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                });
                match rows.and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>()) {
                    Ok(rows) => rows,
                    Err(e) => {
                        tracing::error!(target: "unibill_recorder", error = %spool_error(&self.path, &e), "cannot read the spool");
                        return;
                    }
                }
            };
            let Some(last) = page.last() else { break };
            after = last.0;
            for (id, queued_ms, text) in page {
                match serde_json::from_str::<UsageEvent>(&text) {
                    Ok(event) => {
                        total += 1;
                        let mut q = Queued::new(event, queued_ms);
                        q.spool_id = Some(id);
                        self.forward(Msg::Event(q), unsent).await;
                    }
                    // Left in place, for a person to look at; nothing is sent for it.
                    Err(e) => tracing::error!(
                        target: "unibill_recorder",
                        row = id,
                        error = %e,
                        "a usage spool row is not a valid event; left in the file"
                    ),
                }
            }
        }
        if total > 0 {
            tracing::info!(target: "unibill_recorder", events = total, "re-sending the events a previous run left in the spool");
        }
    }

    /// One transaction: the appended events in, the settled rows out. `Err` leaves nothing changed.
    fn commit(&mut self, appends: &mut [(Queued, Ack)], deletes: &[i64]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO usage_spool (key, queued_ms, event) VALUES (?1, ?2, ?3)",
            )?;
            for (q, _) in appends.iter_mut() {
                let text = serde_json::to_string(&q.event)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                insert.execute(params![q.event.key().as_str(), q.queued_ms, text])?;
                q.spool_id = Some(tx.last_insert_rowid());
            }
            let mut delete = tx.prepare_cached("DELETE FROM usage_spool WHERE id = ?1")?;
            for id in deletes {
                delete.execute([id])?;
            }
        }
        tx.commit()
    }

    async fn serve(mut self) -> Vec<UsageEvent> {
        let mut unsent = Vec::new();
        self.recover(&mut unsent).await;
        let mut intake_open = true;
        let mut settle_open = true;
        let mut closing_seen = false;
        let mut deletes: Vec<i64> = Vec::new();
        let mut batch: Vec<SpoolMsg> = Vec::with_capacity(self.max_commit);
        loop {
            if !intake_open && self.worker.is_some() {
                // Everything recorded is committed and passed on: the recorder's task may finish.
                self.worker = None;
            }
            if !intake_open && !settle_open {
                break;
            }
            tokio::select! {
                biased;
                ids = self.settled.recv(), if settle_open => match ids {
                    Some(ids) => {
                        deletes.extend(ids);
                        while let Ok(more) = self.settled.try_recv() {
                            deletes.extend(more);
                        }
                    }
                    None => settle_open = false,
                },
                _ = self.closing.wait_for(|c| *c), if intake_open && !closing_seen => {
                    closing_seen = true;
                    self.rx.close();
                }
                n = self.rx.recv_many(&mut batch, self.max_commit), if intake_open => {
                    if n == 0 {
                        intake_open = false;
                    }
                }
            }
            if batch.is_empty() && deletes.is_empty() {
                continue;
            }
            // Appends and flush markers, in order; the markers pass on after the events before them.
            let mut appends: Vec<(Queued, Ack)> = Vec::with_capacity(batch.len());
            let mut order: Vec<Option<oneshot::Sender<crate::stats::RecorderStats>>> =
                Vec::with_capacity(batch.len());
            for msg in batch.drain(..) {
                match msg {
                    SpoolMsg::Append(q, ack) => {
                        appends.push((q, ack));
                        order.push(None);
                    }
                    SpoolMsg::Flush(answer) => order.push(Some(answer)),
                }
            }
            let deleting = std::mem::take(&mut deletes);
            match self.commit(&mut appends, &deleting) {
                Ok(()) => {
                    let mut appends = appends.into_iter();
                    for slot in order {
                        match slot {
                            Some(answer) => self.forward(Msg::Flush(answer), &mut unsent).await,
                            None => {
                                let (q, ack) = appends.next().expect("one per append");
                                if let Some(ack) = ack {
                                    let _ = ack.send(Ok(()));
                                }
                                self.forward(Msg::Event(q), &mut unsent).await;
                            }
                        }
                    }
                }
                Err(e) => {
                    let error = spool_error(&self.path, &e);
                    tracing::error!(target: "unibill_recorder", error = %error, events = appends.len(), "usage spool commit failed");
                    for (q, ack) in appends {
                        let refused = RecordError::Spool {
                            event: Box::new(q.event),
                            error: Error::new(error.kind(), error.message().to_owned()),
                        };
                        match ack {
                            Some(ack) => {
                                let _ = ack.send(Err(refused));
                            }
                            // `try_record` already returned: the event goes back through shutdown's answer.
                            None => {
                                if let Some(e) = refused.into_event() {
                                    unsent.push(e);
                                }
                            }
                        }
                    }
                    for answer in order.into_iter().flatten() {
                        self.forward(Msg::Flush(answer), &mut unsent).await;
                    }
                    // The settled rows stay; they are deleted with the next commit.
                    deletes = deleting;
                }
            }
        }
        unsent
    }
}
