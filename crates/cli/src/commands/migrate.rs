//! `unibill migrate inventory|plan|apply|verify --from A --to B --ledger PATH [--subscriptions]`: the migration
//! between two providers, each configured from the environment as for every other command. A progress bar per phase on a
//! terminal (stderr); with `--json`, one JSON progress line per event on stdout, then the report.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use clap::{Args, Subcommand};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use unibill::migrate::{
    Ledger, Migration, Phase, ProductMap, Products, Progress, ProgressSink, ResourceKind,
    SameProducts,
};
use unibill::{Billing, BillingConfig, PROVIDER_VAR, ProviderName, Resource};

use crate::config::Global;
use crate::error::{CliError, CliResult};

/// The four phases.
#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Count what each side holds (recorded in the ledger).
    Inventory(MigrateArgs),
    /// The dry-run diff: what will be created, what is there already, what cannot move and why. Writes nothing.
    Plan(MigrateArgs),
    /// Create on the destination (resumable: run it again after a crash).
    Apply(MigrateArgs),
    /// Compare both sides object by object; exits 0 only when everything planned matches.
    Verify(MigrateArgs),
}

/// The flags every phase takes.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The provider to migrate from (configured from its environment variables).
    #[arg(long, value_parser = parse_provider)]
    pub from: ProviderName,
    /// The provider to migrate to.
    #[arg(long, value_parser = parse_provider)]
    pub to: ProviderName,
    /// The SQLite ledger file (created if missing; one per migration).
    #[arg(long)]
    pub ledger: PathBuf,
    /// Creates in flight at once.
    #[arg(long, default_value_t = unibill::migrate::DEFAULT_CONCURRENCY as u32, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: u32,
    /// A source product and the destination product it maps to (SOURCE=DESTINATION, repeatable). Needed for a
    /// Flowglad destination, whose products the migration does not make.
    #[arg(long = "product-map", value_name = "SOURCE=DESTINATION")]
    pub product_map: Vec<String>,
    /// A usage price's source meter and its destination meter (SOURCE=DESTINATION, repeatable).
    #[arg(long = "meter-map", value_name = "SOURCE=DESTINATION")]
    pub meter_map: Vec<String>,
    /// Move subscriptions too: each starts on the destination at the end of the source's paid period, and
    /// the source is then set to cancel at that instant. Off by default: it is the one step that writes to the
    /// source. Pass it to every phase of one migration.
    #[arg(long)]
    pub subscriptions: bool,
}

fn parse_provider(s: &str) -> Result<ProviderName, String> {
    s.parse::<ProviderName>()
        .map_err(|e| e.message().to_owned())
}

/// The configuration of `provider` for every resource it serves, from the environment.
fn config_of(provider: ProviderName) -> CliResult<BillingConfig> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    Ok(BillingConfig::from_lookup(|name| {
        if name == PROVIDER_VAR {
            Some(provider.as_str().to_owned())
        } else if Resource::ALL.iter().any(|r| r.env_var() == name) {
            None
        } else {
            env(name)
        }
    })?)
}

fn products_for(args: &MigrateArgs, to: &BillingConfig) -> CliResult<Box<dyn ProductsBox>> {
    if !args.product_map.is_empty() {
        let pairs = crate::commands::key_values(&args.product_map, "--product-map")?;
        return Ok(Box::new(ProductMap::new(pairs)));
    }
    Ok(match args.to {
        ProviderName::Flexprice => Box::new(unibill::migrate::FlexpricePlans::new(
            to.flexprice_client()?,
        )),
        ProviderName::Memory => Box::new(SameProducts),
        // Flowglad's products are made in its dashboard: without a map, every price with a product is blocked
        // and the plan says which map to pass.
        _ => Box::new(ProductMap::default()),
    })
}

/// A `Products` that can be handed to the builder from a box.
trait ProductsBox: Send + Sync + std::fmt::Debug {
    fn into_builder(
        self: Box<Self>,
        b: unibill::migrate::MigrationBuilder,
    ) -> unibill::migrate::MigrationBuilder;
}

impl<P: Products + 'static> ProductsBox for P {
    fn into_builder(
        self: Box<Self>,
        b: unibill::migrate::MigrationBuilder,
    ) -> unibill::migrate::MigrationBuilder {
        b.products(*self)
    }
}

/// The progress sink: JSON lines on stdout, or a bar per phase and kind on a terminal's stderr.
fn sink(json: bool) -> ProgressSink {
    if json {
        return ProgressSink::new(|p: &Progress| {
            if let Ok(line) = serde_json::to_string(&serde_json::json!({ "progress": p })) {
                let mut out = std::io::stdout().lock();
                // A closed stdout only loses the progress; the ledger keeps the truth.
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            }
        });
    }
    let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    let bars: Mutex<HashMap<(Phase, ResourceKind), ProgressBar>> = Mutex::new(HashMap::new());
    ProgressSink::new(move |p: &Progress| {
        let mut bars = bars
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bar = bars.entry((p.phase, p.resource)).or_insert_with(|| {
            let bar = multi.add(ProgressBar::no_length());
            bar.set_style(
                ProgressStyle::with_template("{prefix:>18} [{bar:40}] {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(format!("{} {}s", p.phase.as_str(), p.resource));
            bar
        });
        if let Some(total) = p.total {
            bar.set_length(total);
        }
        bar.set_position(p.done);
        if p.event == "failed" {
            bar.set_message(format!("failed: {}", p.source_id.as_deref().unwrap_or("")));
        }
    })
}

/// Runs one phase.
pub async fn run(command: MigrateCommand, g: &Global) -> CliResult {
    let (phase, args) = match &command {
        MigrateCommand::Inventory(a) => (Phase::Inventory, a),
        MigrateCommand::Plan(a) => (Phase::Plan, a),
        MigrateCommand::Apply(a) => (Phase::Apply, a),
        MigrateCommand::Verify(a) => (Phase::Verify, a),
    };
    let from = config_of(args.from)?;
    let to = config_of(args.to)?;
    let source: Billing = from.build()?;
    let destination: Billing = to.build()?;
    let ledger = Ledger::open(&args.ledger, args.from.as_str(), args.to.as_str())?;
    let meters: BTreeMap<String, String> =
        crate::commands::key_values(&args.meter_map, "--meter-map")?
            .into_iter()
            .collect();
    let mut builder = Migration::builder(source, destination, ledger)
        .concurrency(args.concurrency as usize)
        .subscriptions(args.subscriptions)
        .meters(meters)
        .progress(sink(g.json));
    if args.to == ProviderName::Flowglad {
        let config = unibill::flowglad::FlowgladConfig::from_env()?;
        builder = builder.destination_currencies(vec![config.currency().clone()]);
    }
    let migration = products_for(args, &to)?.into_builder(builder).build();
    let print = |value: serde_json::Value, text: String| -> CliResult {
        let mut out = std::io::stdout().lock();
        let written = if g.json {
            writeln!(out, "{}", serde_json::json!({ "report": value }))
        } else {
            writeln!(out, "{text}")
        };
        written.map_err(|e| CliError::Other(format!("cannot write the report: {e}")))
    };
    let json = |v: &dyn erased::Ser| v.value();
    match phase {
        Phase::Inventory => {
            let inv = migration.inventory().await?;
            let mut text = String::from("kind          source  destination\n");
            for (kind, n) in &inv.source {
                let d = inv.destination.get(kind).copied().unwrap_or(0);
                text.push_str(&format!("{:<13} {n:>6}  {d:>11}\n", kind.as_str()));
            }
            print(json(&inv), text)
        }
        Phase::Plan => {
            let plan = migration.plan().await?;
            let mut text = String::from("kind          create  existing  blocked  review\n");
            for (kind, c) in plan.counts() {
                text.push_str(&format!(
                    "{:<13} {:>6}  {:>8}  {:>7}  {:>6}\n",
                    kind.as_str(),
                    c.create,
                    c.existing,
                    c.blocked,
                    c.manual_review
                ));
            }
            for item in plan.manual_review() {
                if let unibill::migrate::Action::ManualReview { reason } = &item.action {
                    text.push_str(&format!(
                        "manual review {} {}: {reason}\n",
                        item.resource, item.source_id
                    ));
                }
            }
            for item in plan.blocked() {
                if let unibill::migrate::Action::Blocked { capability, reason } = &item.action {
                    text.push_str(&format!(
                        "blocked {} {} ({}): {capability}: {reason}\n",
                        item.resource, item.source_id, item.natural_key
                    ));
                }
            }
            print(json(&plan), text)
        }
        Phase::Apply => {
            let report = migration.apply().await?;
            let mut text = format!(
                "rounds: {}\nkind          created  matched  reconciled  skipped  blocked  failed\n",
                report.rounds
            );
            for (kind, c) in &report.counts {
                text.push_str(&format!(
                    "{:<13} {:>7}  {:>7}  {:>10}  {:>7}  {:>7}  {:>6}\n",
                    kind.as_str(),
                    c.created,
                    c.matched,
                    c.reconciled,
                    c.skipped,
                    c.blocked,
                    c.failed
                ));
            }
            for f in &report.failures {
                text.push_str(&format!(
                    "failed {} {}: {}\n",
                    f.resource, f.source_id, f.error
                ));
            }
            print(json(&report), text)?;
            if report.is_complete() {
                Ok(())
            } else {
                Err(CliError::Other(format!(
                    "{} creates failed; run `unibill migrate apply` again to resume",
                    report.failures.len()
                )))
            }
        }
        Phase::Verify => {
            let report = migration.verify().await?;
            let mut text = format!(
                "compared: {}  blocked (not compared): {}  findings: {}\n",
                report.compared,
                report.blocked,
                report.findings.len()
            );
            for f in &report.findings {
                text.push_str(&format!(
                    "{} {} {} ({}): {:?}\n",
                    f.problem, f.resource, f.source_id, f.natural_key, f.differences
                ));
            }
            text.push_str("not compared:\n");
            for k in &report.known_differences {
                text.push_str(&format!("  - {k}\n"));
            }
            print(json(&report), text)?;
            if report.ok {
                Ok(())
            } else {
                Err(CliError::Other(format!(
                    "verification found {} objects that do not match",
                    report.findings.len()
                )))
            }
        }
    }
}

/// Serializes any report to a JSON value (a serialization failure is an empty object, never a panic).
mod erased {
    pub trait Ser {
        fn value(&self) -> serde_json::Value;
    }

    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or_default()
        }
    }
}
