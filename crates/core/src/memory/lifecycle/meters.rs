//! Meters in memory.

use async_trait::async_trait;

use super::MemoryLifecycle;
use super::state::page;
use super::webhooks::provider;
use crate::api::Meters;
use crate::capability::MeterCapabilities;
use crate::error::{Error, ErrorKind, Result};
use crate::id::MeterId;
use crate::memory::{PROVIDER, make_id};
use crate::model::meter::{Meter, MeterListQuery, NewMeter};
use crate::page::Page;

/// Meters held in memory: every aggregation; the key is the natural key.
///
/// A create whose key a meter already has is `AlreadyExists` carrying that meter when the aggregation is the
/// same (a name is a label, not what counts), and `Conflict` when it differs: `ensure` never hands back a
/// meter that counts otherwise than asked.
#[derive(Debug, Clone)]
pub struct MemoryMeters(pub(super) MemoryLifecycle);

#[async_trait]
impl Meters for MemoryMeters {
    fn capabilities(&self) -> MeterCapabilities {
        MeterCapabilities::full(PROVIDER)
    }

    async fn create(&self, input: NewMeter) -> Result<Meter> {
        let (mut s, now) = self.0.begin();
        if let Some(seq) = s.meter_keys.get(input.key()) {
            let existing = s.meters[seq].clone();
            let id = existing.id.clone().map(MeterId::into_string);
            if existing.aggregation != *input.aggregation() {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "meter `{}` already exists with aggregation `{}`, not `{}`",
                        input.key(),
                        existing.aggregation.name(),
                        input.aggregation().name()
                    ),
                )
                .with_provider(PROVIDER)
                .with_operation("meters.create"));
            }
            return Err(Error::already_exists(
                format!("a meter with key `{}` already exists", input.key()),
                id,
            )
            .with_existing(existing)
            .with_provider(PROVIDER));
        }
        let seq = s.next_seq();
        let meter = Meter::builder(input.key(), input.name(), input.aggregation().clone())
            .id(make_id("mtr", seq))
            .created_at(now)
            .provider(provider())
            .build();
        s.meter_keys.insert(meter.key.clone(), seq);
        s.meters.insert(seq, meter.clone());
        Ok(meter)
    }

    async fn get_by_key(&self, key: String) -> Result<Meter> {
        let (s, _) = self.0.begin();
        s.meter_keys
            .get(&key)
            .map(|seq| s.meters[seq].clone())
            .ok_or_else(|| {
                Error::not_found(format!("no meter has key `{key}`")).with_provider(PROVIDER)
            })
    }

    async fn list(&self, query: MeterListQuery) -> Result<Page<Meter>> {
        let (s, _) = self.0.begin();
        page(
            &s.meters,
            query.cursor.as_ref(),
            query.limit,
            self.capabilities().max_page_size,
            query.fingerprint(),
            |_| true,
            Clone::clone,
        )
    }
}
