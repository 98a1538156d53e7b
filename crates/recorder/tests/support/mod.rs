//! Providers for the recorder's tests: a scripted one answering each call with a closure, and sleepers.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use futures::future::BoxFuture;
use rust_decimal::Decimal;
use unibill_core::{
    IdempotencyKey, IngestReport, Result, Sleeper, Usage, UsageCapabilities, UsageEvent,
    UsageStatus,
};

/// The answer to one call, from the events sent and the call's number (1-based).
pub type Script = dyn Fn(&[UsageEvent], usize) -> Result<IngestReport> + Send + Sync;

/// A provider answering with a script and remembering every call's events.
pub struct Scripted {
    pub caps: UsageCapabilities,
    pub script: Box<Script>,
    pub calls: Mutex<Vec<Vec<UsageEvent>>>,
}

impl std::fmt::Debug for Scripted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scripted")
    }
}

impl Scripted {
    pub fn new(
        max_batch: u32,
        script: impl Fn(&[UsageEvent], usize) -> Result<IngestReport> + Send + Sync + 'static,
    ) -> Arc<Self> {
        let mut caps = UsageCapabilities::full("scripted");
        caps.max_batch_events = max_batch;
        Arc::new(Scripted {
            caps,
            script: Box::new(script),
            calls: Mutex::new(Vec::new()),
        })
    }

    pub fn calls(&self) -> Vec<Vec<UsageEvent>> {
        self.calls.lock().unwrap().clone()
    }

    pub fn batch_sizes(&self) -> Vec<usize> {
        self.calls().iter().map(Vec::len).collect()
    }
}

#[async_trait]
impl Usage for Scripted {
    fn capabilities(&self) -> UsageCapabilities {
        self.caps
    }

    async fn ingest(&self, events: Vec<UsageEvent>) -> Result<IngestReport> {
        let n = {
            let mut calls = self.calls.lock().unwrap();
            calls.push(events.clone());
            calls.len()
        };
        (self.script)(&events, n)
    }

    async fn status(
        &self,
        keys: Vec<IdempotencyKey>,
    ) -> Result<Vec<(IdempotencyKey, UsageStatus)>> {
        Ok(keys
            .into_iter()
            .map(|k| (k, UsageStatus::NotFound))
            .collect())
    }
}

/// A sleeper whose sleeps never end (a linger that never fires: batches close by count or flush only).
#[derive(Debug, Default)]
pub struct NeverSleeper;

impl Sleeper for NeverSleeper {
    fn sleep(&self, _delay: Duration) -> BoxFuture<'static, ()> {
        Box::pin(std::future::pending())
    }
}

pub fn key(i: usize) -> IdempotencyKey {
    IdempotencyKey::new(format!("ev-{i:06}")).unwrap()
}

pub fn event(i: usize) -> UsageEvent {
    UsageEvent::builder("ada", "api_calls", Decimal::from(1 + i % 3))
        .key(key(i))
        .occurred_at(jiff::Timestamp::from_millisecond(1_780_000_000_000 + i as i64).unwrap())
        .build()
        .unwrap()
}

/// A scratch directory, removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "unibill-recorder-{tag}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn file(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A provider that never answers.
#[derive(Debug)]
pub struct Silent;

#[async_trait]
impl Usage for Silent {
    fn capabilities(&self) -> UsageCapabilities {
        UsageCapabilities::full("silent")
    }
    async fn ingest(&self, _events: Vec<UsageEvent>) -> Result<IngestReport> {
        std::future::pending().await
    }
    async fn status(
        &self,
        _keys: Vec<IdempotencyKey>,
    ) -> Result<Vec<(IdempotencyKey, UsageStatus)>> {
        Ok(Vec::new())
    }
}
