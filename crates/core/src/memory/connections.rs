//! Connections in memory.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use jiff::Timestamp;

use super::{PROVIDER, RequestCounter, make_id};
use crate::api::Connections;
use crate::capability::ConnectionCapabilities;
use crate::error::{Error, Result};
use crate::id::ConnectionId;
use crate::model::connection::{
    Connection, ConnectionListQuery, ConnectionStatus, ConnectionUpdate, NewConnection,
};
use crate::page::{Cursor, Page};
use crate::patch::Patch;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 100;

/// Connections held in memory. Secrets are checked and then dropped: nothing can read them back.
///
/// [`MemoryConnections::one_per_provider_type`] turns on Flexprice's divergence (one active connection per
/// provider type, `s3` exempt), so code that must cope with it can be tested in memory.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use unibill_core::{ConnectionProviderType, ConnectionSecrets, Connections, MemoryConnections, NewConnection};
///
/// let connections = MemoryConnections::new();
/// let input = NewConnection::builder("Stripe", ConnectionProviderType::Stripe)
///     .secrets(ConnectionSecrets::stripe("pk_test_a", "sk_test_b", "whsec_c"))
///     .build()?;
/// let c = connections.create(input).await?;
/// assert!(!serde_json::to_string(&c).unwrap().contains("sk_test_b"));
/// # Ok::<(), unibill_core::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Default)]
pub struct MemoryConnections {
    state: Mutex<State>,
    requests: RequestCounter,
    one_per_provider_type: bool,
}

#[derive(Debug, Default)]
struct State {
    next_seq: u64,
    /// Active connections by creation sequence.
    by_seq: BTreeMap<u64, Connection>,
}

impl MemoryConnections {
    /// No connections.
    pub fn new() -> Self {
        Self::default()
    }

    /// No connections, counting calls on a shared counter.
    pub fn with_counter(requests: RequestCounter) -> Self {
        MemoryConnections {
            requests,
            ..Self::default()
        }
    }

    /// Refuse a second active connection of a provider type (except `s3`), as Flexprice does.
    pub fn one_per_provider_type(mut self, yes: bool) -> Self {
        self.one_per_provider_type = yes;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        super::lock_state(&self.state)
    }
}

fn not_found(id: &str) -> Error {
    Error::not_found(format!("connection {id} was not found")).with_provider(PROVIDER)
}

fn find(s: &State, id: &ConnectionId) -> Result<u64> {
    s.by_seq
        .iter()
        .find(|(_, c)| &c.id == id)
        .map(|(seq, _)| *seq)
        .ok_or_else(|| not_found(id.as_str()))
}

#[async_trait]
impl Connections for MemoryConnections {
    fn capabilities(&self) -> ConnectionCapabilities {
        ConnectionCapabilities {
            max_page_size: MAX_PAGE,
            one_per_provider_type: self.one_per_provider_type,
            one_per_provider_type_exempt: if self.one_per_provider_type {
                &["s3"]
            } else {
                &[]
            },
            ..ConnectionCapabilities::full(PROVIDER)
        }
    }

    async fn create(&self, input: NewConnection) -> Result<Connection> {
        self.requests.hit();
        let caps = self.capabilities();
        let mut s = self.lock();
        if caps.is_unique_type(input.provider_type().as_str())
            && let Some(existing) = s
                .by_seq
                .values()
                .find(|c| &c.provider_type == input.provider_type())
        {
            return Err(Error::already_exists(
                format!(
                    "a connection for provider type `{}` already exists",
                    input.provider_type()
                ),
                Some(existing.id.as_str().to_owned()),
            )
            .with_provider(PROVIDER));
        }
        s.next_seq += 1;
        let seq = s.next_seq;
        let now = Timestamp::now();
        let connection = Connection {
            id: ConnectionId::new(make_id("conn", seq)),
            name: input.name().to_owned(),
            provider_type: input.provider_type().clone(),
            settings: input.settings().cloned().unwrap_or_default(),
            sync_config: input.sync_config().copied().unwrap_or_default(),
            metadata: input.metadata().cloned().unwrap_or_default(),
            status: ConnectionStatus::Active,
            created_at: Some(now),
            updated_at: Some(now),
            provider: Cow::Borrowed(PROVIDER),
            raw: None,
        };
        s.by_seq.insert(seq, connection.clone());
        Ok(connection)
    }

    async fn get(&self, id: ConnectionId) -> Result<Connection> {
        self.requests.hit();
        let s = self.lock();
        let seq = find(&s, &id)?;
        Ok(s.by_seq[&seq].clone())
    }

    async fn list(&self, query: ConnectionListQuery) -> Result<Page<Connection>> {
        self.requests.hit();
        let fingerprint = query.fingerprint();
        let after = match &query.cursor {
            Some(c) => c
                .decode(PROVIDER, fingerprint)?
                .parse::<u64>()
                .map_err(|_| Error::invalid_field("cursor", "is corrupted"))?,
            None => 0,
        };
        let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE) as usize;
        let s = self.lock();
        let mut items = Vec::with_capacity(limit);
        let mut last = after;
        let mut more = false;
        for (seq, c) in s.by_seq.range(after + 1..) {
            if query
                .provider_type
                .as_ref()
                .is_some_and(|t| t != &c.provider_type)
            {
                continue;
            }
            if items.len() == limit {
                more = true;
                break;
            }
            items.push(c.clone());
            last = *seq;
        }
        let next_cursor = more.then(|| Cursor::encode(PROVIDER, fingerprint, &last.to_string()));
        Ok(Page::new(items, next_cursor))
    }

    async fn update(&self, id: ConnectionId, update: ConnectionUpdate) -> Result<Connection> {
        self.requests.hit();
        let mut s = self.lock();
        let seq = find(&s, &id)?;
        let c = s
            .by_seq
            .get_mut(&seq)
            .ok_or_else(|| not_found(id.as_str()))?;
        if let Some(secrets) = update.secrets()
            && let Some(own) = secrets.provider_type()
            && own != c.provider_type
        {
            return Err(Error::invalid_field(
                "secrets",
                format!(
                    "{own} secrets cannot be used for a {} connection",
                    c.provider_type
                ),
            ));
        }
        if let Some(n) = update.name() {
            c.name = n.to_owned();
        }
        match update.metadata() {
            Patch::Keep => {}
            Patch::Clear => c.metadata.clear(),
            Patch::Set(m) => c.metadata = m.clone(),
        }
        if let Some(sc) = update.sync_config() {
            c.sync_config = *sc;
        }
        c.updated_at = Some(Timestamp::now());
        Ok(c.clone())
    }

    async fn delete(&self, id: ConnectionId) -> Result<()> {
        self.requests.hit();
        let mut s = self.lock();
        let seq = find(&s, &id)?;
        s.by_seq.remove(&seq);
        Ok(())
    }
}
