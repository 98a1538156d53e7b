//! Migration between billing providers: customers, the products their prices hang off, prices and (when
//! asked) subscriptions, moved from one [`Billing`] to another, resumably and verified.
//!
//! Four phases, each a method of [`Migration`]:
//! 1. [`inventory`](Migration::inventory): counts per kind on both sides, recorded in the ledger.
//! 2. [`plan`](Migration::plan): the dry-run diff, what will be created, what is on the destination already
//!    (matched by natural key: a customer's external id, a price's slug, else its content) and what is
//!    `blocked`, naming the destination capability that blocks it (a price scheme, a currency, a field the
//!    destination does not store). Nothing is approximated, and nothing is written to the destination.
//! 3. [`apply`](Migration::apply): creates in dependency order (customers, products, prices, subscriptions) with bounded
//!    concurrency. Every mapping (source id → destination id, and its state) is committed to the SQLite
//!    [`Ledger`] *before* the write it records is sent, so a run killed at any point resumes with no duplicate
//!    and no gap: a row left `sending` is looked up on the destination by natural key before any re-send.
//! 4. [`verify`](Migration::verify): both sides compared object by object through the neutral models, with the
//!    known differences declared ([`KNOWN_DIFFERENCES`]); ok only when everything planned matches.
//!
//! **Subscriptions** move when asked ([`MigrationBuilder::subscriptions`], `unibill migrate --subscriptions`):
//! off by default, because it is the one step that writes to the source. They follow finding 27 of the
//! lifecycle review. The plan matches each by the key derived from its source id ([`subscription_key`], which
//! the destination keeps on its copy). What cannot move is `blocked` with a reason (a canceled one, a price
//! or customer that does not move), and what should not move unattended is left for `manual_review` (in
//! trial, past due, already set to cancel, renewing within [`RENEWAL_MARGIN`], or a destination that cannot
//! start it later). `apply` creates each after customers and prices, starting at the end of the source's
//! paid period ([`unibill_core::NewSubscriptionBuilder::start_at`]). Then, only for a copy recorded in the
//! ledger and read back verified, it sets the source to cancel at that same instant. Both steps are ledger
//! rows committed before they are acted on, so a killed run resumes without a duplicate or a double cancel.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use unibill_core::{Billing, Currency, Customers, Interval, Money, NewCustomer, NewPrice, PriceKind, Prices};
//! use unibill_migrate::{Ledger, Migration, SameProducts};
//!
//! let source = Billing::memory();
//! source.customers().create(NewCustomer::builder("user-1", "Ada").email("ada@example.com").build()?).await?;
//! let monthly = PriceKind::recurring(Interval::monthly());
//! source.prices().create(
//!     NewPrice::builder(monthly, Money::parse("12.50", Currency::USD)?).product_id("pro").slug("pro-monthly").build()?,
//! ).await?;
//! let destination = Billing::memory();
//!
//! let path = std::env::temp_dir().join(format!("unibill-migrate-doc-{}.sqlite", std::process::id()));
//! # for suffix in ["", "-wal", "-shm"] { let _ = std::fs::remove_file(format!("{}{suffix}", path.display())); }
//! let ledger = Ledger::open(&path, "memory", "memory")?;
//! let migration = Migration::builder(source, destination.clone(), ledger).products(SameProducts).build();
//!
//! let plan = migration.plan().await?;
//! assert_eq!(plan.customers.len(), 1);
//! assert_eq!(plan.blocked().count(), 0);
//! let applied = migration.apply().await?;
//! assert!(applied.is_complete());
//! assert!(migration.verify().await?.ok);
//! // A second apply finds everything in the ledger and sends nothing.
//! let again = migration.apply().await?;
//! assert_eq!(again.counts[&unibill_migrate::ResourceKind::Customer].skipped, 1);
//! # drop(migration);
//! # for suffix in ["", "-wal", "-shm"] { let _ = std::fs::remove_file(format!("{}{suffix}", path.display())); }
//! # Ok::<(), unibill_core::Error>(()) }).unwrap();
//! ```

mod apply;
mod compare;
mod inventory;
mod ledger;
mod plan;
mod products;
mod progress;
mod resource;
mod snapshot;
mod subscriptions;
mod translate;
mod verify;

use std::sync::Arc;

use unibill_core::{Billing, Currency, Result};

pub use apply::{ApplyCounts, ApplyReport, Failure};
pub use compare::{Difference, KNOWN_DIFFERENCES};
pub use inventory::Inventory;
pub use ledger::{DoneRow, Ledger, Mapping, MappingState, SCHEMA_COMPONENT, SCHEMA_VERSION};
pub use plan::{Action, Plan, PlanCounts, PlanItem};
#[cfg(feature = "flexprice")]
pub use products::FlexpricePlans;
pub use products::{ProductMap, Products, SameProducts};
pub use progress::{Phase, Progress, ProgressSink};
pub use resource::ResourceKind;
pub use snapshot::Snapshot;
pub use subscriptions::{RENEWAL_MARGIN, key_of as subscription_key};
pub use translate::MeterMap;
pub use verify::{Finding, VerifyReport};

/// The default number of creates in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// The default number of rounds `apply` runs when creates fail (each round re-reads both sides).
pub const DEFAULT_ROUNDS: u32 = 3;

/// A migration from one [`Billing`] to another, with its ledger.
#[derive(Debug)]
pub struct Migration {
    source: Billing,
    destination: Billing,
    ledger: Arc<Ledger>,
    products: Arc<dyn Products>,
    meters: MeterMap,
    currencies: Vec<Currency>,
    concurrency: usize,
    rounds: u32,
    progress: ProgressSink,
    subscriptions: bool,
}

/// Sets up a [`Migration`].
#[derive(Debug)]
pub struct MigrationBuilder {
    migration: Migration,
}

impl MigrationBuilder {
    /// How source products map onto the destination (default [`SameProducts`]).
    pub fn products(mut self, products: impl Products + 'static) -> Self {
        self.migration.products = Arc::new(products);
        self
    }

    /// How usage prices' meter ids map onto the destination (an id not in the map stays as it is).
    pub fn meters(mut self, meters: MeterMap) -> Self {
        self.migration.meters = meters;
        self
    }

    /// The currencies the destination accepts prices in (empty, the default: any). A Flowglad organisation
    /// takes its own currency only; the capabilities do not carry it, so say it here.
    pub fn destination_currencies(mut self, currencies: Vec<Currency>) -> Self {
        self.migration.currencies = currencies;
        self
    }

    /// Creates in flight at once (at least 1; default [`DEFAULT_CONCURRENCY`]).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.migration.concurrency = n.max(1);
        self
    }

    /// Rounds `apply` runs while creates fail (at least 1; default [`DEFAULT_ROUNDS`]).
    pub fn rounds(mut self, n: u32) -> Self {
        self.migration.rounds = n.max(1);
        self
    }

    /// Whether subscriptions move too (default: no). Off by default because it is the one step that writes to
    /// the **source**: each source subscription whose copy is recorded and verifies is set to cancel at the end
    /// of its paid period, where the copy starts. Both sides must offer subscriptions.
    pub fn subscriptions(mut self, on: bool) -> Self {
        self.migration.subscriptions = on;
        self
    }

    /// Where progress goes.
    pub fn progress(mut self, sink: ProgressSink) -> Self {
        self.migration.progress = sink;
        self
    }

    /// The migration.
    pub fn build(self) -> Migration {
        self.migration
    }
}

impl Migration {
    /// A migration from `source` to `destination`, recorded in `ledger`.
    pub fn builder(source: Billing, destination: Billing, ledger: Ledger) -> MigrationBuilder {
        MigrationBuilder {
            migration: Migration {
                source,
                destination,
                ledger: Arc::new(ledger),
                products: Arc::new(SameProducts),
                meters: MeterMap::new(),
                currencies: Vec::new(),
                concurrency: DEFAULT_CONCURRENCY,
                rounds: DEFAULT_ROUNDS,
                progress: ProgressSink::none(),
                subscriptions: false,
            },
        }
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    fn start(&self, phase: Phase) {
        self.progress.emit(Progress {
            phase,
            resource: ResourceKind::Customer,
            event: "start",
            source_id: None,
            done: 0,
            total: None,
        });
    }

    /// Counts what each side holds and records the counts in the ledger.
    pub async fn inventory(&self) -> Result<Inventory> {
        self.start(Phase::Inventory);
        let subs = self.subscriptions;
        let source = Snapshot::read(&self.source, subs, Phase::Inventory, &self.progress).await?;
        let destination =
            Snapshot::read(&self.destination, subs, Phase::Inventory, &self.progress).await?;
        let inventory = Inventory {
            source: inventory::counts(&source),
            destination: inventory::counts(&destination),
        };
        for (side, counts) in [
            ("source", &inventory.source),
            ("destination", &inventory.destination),
        ] {
            let rows: Vec<_> = counts.iter().map(|(k, v)| (*k, *v)).collect();
            self.ledger.record_inventory(side, &rows)?;
        }
        Ok(inventory)
    }

    async fn read_and_plan(
        &self,
        phase: Phase,
    ) -> Result<(Snapshot, Snapshot, Plan, plan::Prepared)> {
        let subs = self.subscriptions;
        let mut source = Snapshot::read(&self.source, subs, phase, &self.progress).await?;
        let destination = Snapshot::read(&self.destination, subs, phase, &self.progress).await?;
        let caps = self.destination.capabilities();
        source.drop_source_defaults(caps.customers.fields.time_zone);
        let rules = plan::Rules {
            caps: &caps,
            products: &*self.products,
            meters: &self.meters,
            currencies: &self.currencies,
            subscriptions: self.subscriptions,
            now: jiff::Timestamp::now(),
        };
        let (plan, prepared) = plan::make(&source, &destination, &self.ledger, &rules).await?;
        Ok((source, destination, plan, prepared))
    }

    /// The dry-run diff. Reads both sides and the ledger; writes nothing to either provider.
    pub async fn plan(&self) -> Result<Plan> {
        self.start(Phase::Plan);
        Ok(self.read_and_plan(Phase::Plan).await?.2)
    }

    /// Creates what the plan says, recording each mapping before its write; runs another round (re-reading
    /// both sides) while creates fail, up to the configured rounds. Blocked objects are left alone.
    pub async fn apply(&self) -> Result<ApplyReport> {
        let mut report = ApplyReport::default();
        for round in 1..=self.rounds {
            self.start(Phase::Apply);
            let (source, _, plan, prepared) = self.read_and_plan(Phase::Apply).await?;
            let (counts, failures) = apply::round(self, &source, &plan, &prepared).await?;
            report.rounds = round;
            if round == 1 {
                report.counts = counts;
            } else {
                for (kind, c) in counts {
                    let total = report.counts.entry(kind).or_default();
                    total.created += c.created;
                    total.matched += c.matched;
                    total.reconciled += c.reconciled;
                    total.failed = c.failed;
                }
            }
            report.failures = failures;
            if report.failures.is_empty() {
                break;
            }
        }
        Ok(report)
    }

    /// Compares both sides object by object.
    pub async fn verify(&self) -> Result<VerifyReport> {
        self.start(Phase::Verify);
        let (source, destination, plan, prepared) = self.read_and_plan(Phase::Verify).await?;
        verify::run(self, &source, &destination, &plan, &prepared)
    }
}
