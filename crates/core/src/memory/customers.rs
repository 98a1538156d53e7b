//! Customers in memory.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use jiff::Timestamp;

use super::{PROVIDER, RequestCounter, make_id};
use crate::api::Customers;
use crate::capability::CustomerCapabilities;
use crate::error::{Error, Result};
use crate::id::CustomerId;
use crate::model::customer::{
    Customer, CustomerListQuery, CustomerStatus, CustomerUpdate, NewCustomer,
};
use crate::page::{Cursor, Page};
use crate::patch::Patch;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 100;

/// Customers held in memory.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use unibill_core::{Customers, MemoryCustomers, NewCustomer};
///
/// let customers = MemoryCustomers::new();
/// let c = customers.create(NewCustomer::builder("u1", "Ada").build()?).await?;
/// assert_eq!(customers.get_by_external_id("u1".into()).await?.id, c.id);
/// # Ok::<(), unibill_core::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Default)]
pub struct MemoryCustomers {
    state: Mutex<State>,
    requests: RequestCounter,
    on_created: OnCreated,
}

/// What runs after a create, outside the store's lock (the lifecycle's `customer.created` delivery).
type CreatedHook = Box<dyn Fn(&Customer) + Send + Sync>;

#[derive(Default)]
struct OnCreated(std::sync::OnceLock<CreatedHook>);

impl std::fmt::Debug for OnCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "hooked"
        } else {
            "none"
        })
    }
}

#[derive(Debug, Default)]
struct State {
    next_seq: u64,
    /// Every customer by creation sequence (list order).
    by_seq: BTreeMap<u64, Customer>,
    /// Id → sequence.
    seq_of: HashMap<String, u64>,
    /// External id → sequence of the active customer holding it.
    active_external: HashMap<String, u64>,
}

impl MemoryCustomers {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store counting calls on a shared counter.
    pub fn with_counter(requests: RequestCounter) -> Self {
        MemoryCustomers {
            state: Mutex::default(),
            requests,
            on_created: OnCreated::default(),
        }
    }

    /// The number of calls that reached this store.
    pub fn requests_seen(&self) -> u64 {
        self.requests.get()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        super::lock_state(&self.state)
    }
}

fn not_found(id: &str) -> Error {
    Error::not_found(format!("customer {id} was not found")).with_provider(PROVIDER)
}

fn duplicate(external_id: &str, existing: &CustomerId) -> Error {
    Error::already_exists(
        format!("an active customer with external id `{external_id}` already exists"),
        Some(existing.as_str().to_owned()),
    )
    .with_provider(PROVIDER)
}

#[async_trait]
impl Customers for MemoryCustomers {
    fn capabilities(&self) -> CustomerCapabilities {
        CustomerCapabilities {
            max_page_size: MAX_PAGE,
            ..CustomerCapabilities::full(PROVIDER)
        }
    }

    async fn create(&self, input: NewCustomer) -> Result<Customer> {
        self.requests.hit();
        let mut s = self.lock();
        if let Some(seq) = s.active_external.get(input.external_id()) {
            return Err(duplicate(input.external_id(), &s.by_seq[seq].id));
        }
        s.next_seq += 1;
        let seq = s.next_seq;
        let now = Timestamp::now();
        let customer = Customer {
            id: CustomerId::new(make_id("cus", seq)),
            external_id: input.external_id().to_owned(),
            name: input.name().to_owned(),
            email: input.email().map(str::to_owned),
            contact: input.contact().map(str::to_owned),
            address: input.address().filter(|a| !a.is_empty()).cloned(),
            time_zone: input.time_zone().map(str::to_owned),
            metadata: input.metadata().cloned().unwrap_or_default(),
            status: CustomerStatus::Active,
            created_at: Some(now),
            updated_at: Some(now),
            provider: Cow::Borrowed(PROVIDER),
            raw: None,
        };
        s.seq_of.insert(customer.id.as_str().to_owned(), seq);
        s.active_external.insert(customer.external_id.clone(), seq);
        s.by_seq.insert(seq, customer.clone());
        drop(s);
        if let Some(hook) = self.on_created.0.get() {
            hook(&customer);
        }
        Ok(customer)
    }

    async fn get(&self, id: CustomerId) -> Result<Customer> {
        self.requests.hit();
        let s = self.lock();
        let seq = s
            .seq_of
            .get(id.as_str())
            .ok_or_else(|| not_found(id.as_str()))?;
        Ok(s.by_seq[seq].clone())
    }

    async fn get_by_external_id(&self, external_id: String) -> Result<Customer> {
        self.requests.hit();
        let s = self.lock();
        let seq = s.active_external.get(&external_id).ok_or_else(|| {
            Error::not_found(format!(
                "no active customer has external id `{external_id}`"
            ))
            .with_provider(PROVIDER)
        })?;
        Ok(s.by_seq[seq].clone())
    }

    async fn list(&self, query: CustomerListQuery) -> Result<Page<Customer>> {
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
            if !query.include_archived && c.status != CustomerStatus::Active {
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

    async fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer> {
        self.requests.hit();
        let mut s = self.lock();
        let seq = *s
            .seq_of
            .get(id.as_str())
            .ok_or_else(|| not_found(id.as_str()))?;
        let active = s.by_seq[&seq].status == CustomerStatus::Active;
        if let Some(new_ext) = update.external_id() {
            if let Some(other) = s.active_external.get(new_ext).filter(|o| **o != seq) {
                return Err(duplicate(new_ext, &s.by_seq[other].id));
            }
            let old_ext = s.by_seq[&seq].external_id.clone();
            if active {
                s.active_external.remove(&old_ext);
                s.active_external.insert(new_ext.to_owned(), seq);
            }
        }
        let c = s
            .by_seq
            .get_mut(&seq)
            .ok_or_else(|| not_found(id.as_str()))?;
        if let Some(v) = update.external_id() {
            c.external_id = v.to_owned();
        }
        if let Some(v) = update.name() {
            c.name = v.to_owned();
        }
        update.email().clone().apply_to(&mut c.email);
        update.contact().clone().apply_to(&mut c.contact);
        update.address().clone().apply_to(&mut c.address);
        update.time_zone().clone().apply_to(&mut c.time_zone);
        match update.metadata().clone() {
            Patch::Keep => {}
            Patch::Clear => c.metadata = Default::default(),
            Patch::Set(m) => c.metadata = m,
        }
        c.updated_at = Some(Timestamp::now());
        Ok(c.clone())
    }

    async fn delete(&self, id: CustomerId) -> Result<()> {
        self.requests.hit();
        let mut s = self.lock();
        let seq = *s
            .seq_of
            .get(id.as_str())
            .ok_or_else(|| not_found(id.as_str()))?;
        let c = s
            .by_seq
            .get_mut(&seq)
            .ok_or_else(|| not_found(id.as_str()))?;
        if c.status == CustomerStatus::Archived {
            // Already archived: `get` still shows it, so the delete has nothing left to do.
            return Ok(());
        }
        c.status = CustomerStatus::Archived;
        c.updated_at = Some(Timestamp::now());
        let ext = c.external_id.clone();
        if s.active_external.get(&ext) == Some(&seq) {
            s.active_external.remove(&ext);
        }
        Ok(())
    }
}

impl MemoryCustomers {
    /// Runs `hook` after every create from now on, outside the store's lock; false if a hook is already set
    /// (one lifecycle announces a store's customers).
    pub(crate) fn on_created(&self, hook: CreatedHook) -> bool {
        self.on_created.0.set(hook).is_ok()
    }

    /// The customer `r` names, without counting a request (the lifecycle resources resolve customers through
    /// it): by id whatever its status, by external id only an active one.
    pub(crate) fn lookup(&self, r: &crate::model::subscription::CustomerRef) -> Option<Customer> {
        use crate::model::subscription::CustomerRef;
        let s = self.lock();
        let seq = match r {
            CustomerRef::Id(id) => s.seq_of.get(id.as_str()),
            CustomerRef::ExternalId(e) => s.active_external.get(e),
        }?;
        s.by_seq.get(seq).cloned()
    }
}
