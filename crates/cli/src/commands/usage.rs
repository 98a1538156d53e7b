//! `unibill usage ingest`: usage events from standard input, one JSON object per line, sent through the usage
//! recorder in batches of the provider's `max_batch_events` (events not recorded re-sent with their keys and
//! times; with `--spool PATH`, kept in a SQLite file until settled), with a progress bar on a terminal, a
//! report per event key and a summary.
//!
//! A line is `{"key"?, "customer_external_id", "meter_key", "quantity", "occurred_at"?, "subscription_id"?,
//! "properties"?}`. `quantity` is a JSON string or number read as an exact decimal from its text (never through
//! a float), in the grammar of amounts: `-?[0-9]+(\.[0-9]+)?` (`1e3` is refused). What happens to a bad line:
//!
//! - **Blank lines** are skipped.
//! - **A line that is not a JSON object** (or not UTF-8) cannot be parsed at all: the whole input is refused
//!   before anything is sent (exit 2, naming the line), so a corrected input can be sent again as a whole.
//! - **A JSON object that is not a valid event** (a missing, unknown or mistyped field, a quantity that is not a
//!   plain decimal, a key or meter key out of the rules, a negative quantity, a timestamp that is not RFC 3339)
//!   is reported as `rejected` with its line number and field, and not sent; the other lines are sent.
//!
//! A line without `key` gets a fresh one (a UUID v7, printed in the report): sending such input again counts it
//! again. Give every line a key to make a re-send harmless. The command exits 1 if any event was rejected (here
//! or by the provider) or not recorded; the report says which, and the not recorded ones can be re-sent with
//! the same keys and times.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use clap::{Args, Subcommand};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use unibill::recorder::{RecorderBuilder, SpoolOptions};
use unibill::{
    Aggregation, Billing, CustomersExt, Decimal, Error, IdempotencyKey, IngestOutcome, Metadata,
    MetersExt, NewCustomer, NewMeter, Resource, Usage, UsageEvent,
};

use super::{decimal, timestamp};
use crate::config::Global;
use crate::error::{CliError, CliResult};
use crate::output::table::{NONE, write_table};

/// A usage command.
#[derive(Debug, Subcommand)]
pub enum UsageCommand {
    /// Send usage events read from standard input, one JSON object per line:
    /// {"key"?, "customer_external_id", "meter_key", "quantity", "occurred_at"?, "subscription_id"?, "properties"?}.
    ///
    /// A line that is not a JSON object stops the command before anything is sent (exit 2); an object that is
    /// not a valid event is reported as rejected with its line number and the others are sent. Exits 1 if any
    /// event was rejected or not recorded.
    Ingest(IngestArgs),
}

/// `usage ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Events per request (default and maximum: the provider's max_batch_events, see `unibill providers`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_size: Option<u32>,
    /// Before sending, create each meter (a sum of quantity, named by its key) and customer (named by its
    /// external id) the valid events name that does not exist yet; existing ones are kept as they are. For
    /// trying things out on a fresh provider, such as memory, whose state each invocation starts empty.
    #[arg(long)]
    pub create_missing: bool,
    /// Keep the events in this SQLite file until each has an outcome: a run killed midway re-sends, at the
    /// next run with the same file, what it had not settled (same keys and times).
    #[arg(long, value_name = "PATH")]
    pub spool: Option<PathBuf>,
}

/// One input line as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    #[serde(default)]
    key: Option<String>,
    customer_external_id: String,
    meter_key: String,
    #[serde(borrow)]
    quantity: &'a RawValue,
    #[serde(default)]
    occurred_at: Option<String>,
    #[serde(default)]
    subscription_id: Option<String>,
    #[serde(default)]
    properties: Option<BTreeMap<String, String>>,
}

/// What became of one line.
#[derive(Debug)]
enum Outcome {
    /// The provider's answer.
    Sent(IngestOutcome),
    /// Refused here, not sent.
    Invalid(Error),
    /// Not sent: an earlier request failed as a whole.
    NotSent(String),
}

/// One event of the report.
#[derive(Debug)]
struct Entry {
    line: usize,
    key: Option<IdempotencyKey>,
    customer_external_id: Option<String>,
    meter_key: Option<String>,
    quantity: Option<Decimal>,
    outcome: Outcome,
}

impl Entry {
    fn name(&self) -> &'static str {
        match &self.outcome {
            Outcome::Sent(o) => o.name(),
            Outcome::Invalid(_) => "rejected",
            Outcome::NotSent(_) => "not_recorded",
        }
    }

    fn detail(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Sent(IngestOutcome::Recorded { provider_id })
            | Outcome::Sent(IngestOutcome::Duplicate { provider_id }) => {
                provider_id.as_ref().map(|id| format!("provider id {id}"))
            }
            Outcome::Sent(IngestOutcome::Accepted) => {
                Some("taken, not yet durable at the provider".to_owned())
            }
            Outcome::Sent(o) => o.error().map(reason),
            Outcome::Invalid(e) => Some(format!("line {}: {}", self.line, reason(e))),
            Outcome::NotSent(why) => Some(format!("not sent: {why}")),
        }
    }

    /// Counted by this run: recorded or accepted (a duplicate was counted before).
    fn counted(&self) -> bool {
        matches!(
            self.outcome,
            Outcome::Sent(IngestOutcome::Recorded { .. }) | Outcome::Sent(IngestOutcome::Accepted)
        )
    }

    fn error_json(&self) -> Value {
        let e = match &self.outcome {
            Outcome::Sent(o) => o.error(),
            Outcome::Invalid(e) => Some(e),
            Outcome::NotSent(why) => {
                return serde_json::json!({"kind": "not_sent", "message": why, "fields": []});
            }
        };
        match e {
            None => Value::Null,
            Some(e) => serde_json::json!({
                "kind": e.kind().as_str(),
                "message": e.message(),
                "fields": e.field_errors().iter()
                    .map(|f| serde_json::json!({"field": f.field, "message": f.message}))
                    .collect::<Vec<_>>(),
            }),
        }
    }

    fn provider_id(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Sent(IngestOutcome::Recorded { provider_id })
            | Outcome::Sent(IngestOutcome::Duplicate { provider_id }) => provider_id.as_deref(),
            _ => None,
        }
    }
}

/// An error as one line: `kind: field: message; field: message`.
fn reason(e: &Error) -> String {
    let fields = e.field_errors();
    let what = if fields.is_empty() {
        e.message().to_owned()
    } else {
        fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; ")
    };
    format!("{}: {what}", e.kind())
}

/// A line's quantity: a JSON string or number, read from its text.
fn quantity(raw: &RawValue) -> unibill::Result<Decimal> {
    let text = raw.get();
    let digits = if text.starts_with('"') {
        serde_json::from_str::<String>(text)
            .map_err(|e| Error::invalid_field("quantity", e.to_string()))?
    } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        text.to_owned()
    } else {
        return Err(Error::invalid_field(
            "quantity",
            format!("takes a decimal as a JSON string or number (\"1.5\", 3), got {text}"),
        ));
    };
    decimal(&digits, "quantity").map_err(|e| match e {
        CliError::Billing(e) => e,
        other => Error::invalid_field("quantity", other.to_string()),
    })
}

fn from_cli(e: CliError) -> Error {
    match e {
        CliError::Billing(e) => e,
        other => Error::invalid_field("event", other.to_string()),
    }
}

/// The event of one line (already known to be a JSON object); without `occurred_at` it happened at `now` (one
/// instant for the whole input, so two lines with one key and no time are the same event).
fn event(text: &str, now: unibill::Timestamp) -> unibill::Result<UsageEvent> {
    let line: Line<'_> =
        serde_json::from_str(text).map_err(|e| Error::invalid_field("event", e.to_string()))?;
    let mut b = UsageEvent::builder(
        line.customer_external_id,
        line.meter_key,
        quantity(line.quantity)?,
    );
    if let Some(k) = line.key {
        b = b.key(IdempotencyKey::new(k)?);
    }
    if let Some(t) = line.occurred_at {
        b = b.occurred_at(timestamp(&t, "occurred_at").map_err(from_cli)?);
    }
    if let Some(s) = line.subscription_id {
        b = b.subscription_id(s);
    }
    if let Some(p) = line.properties {
        b = b.properties(p.into_iter().collect::<Metadata>());
    }
    b.build_at(now)
}

/// Reads every line; `Err` (a usage error) if one is not a JSON object at all.
fn read_lines(input: impl BufRead) -> CliResult<Vec<(usize, String)>> {
    let mut lines = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        let text = line.map_err(|e| {
            CliError::usage(format!(
                "usage ingest: line {n} cannot be read ({e}); nothing was sent"
            ))
        })?;
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<&RawValue>(&text) {
            Ok(v) if v.get().starts_with('{') => {}
            Ok(_) => {
                return Err(CliError::usage(format!(
                    "usage ingest: line {n} is not a JSON object (one event per line); nothing was sent"
                )));
            }
            Err(e) => {
                return Err(CliError::usage(format!(
                    "usage ingest: line {n} is not JSON ({e}); nothing was sent"
                )));
            }
        }
        lines.push((n, text));
    }
    Ok(lines)
}

/// Sends the events of `lines` through the recorder in batches of at most `batch` and answers one entry per
/// line, in input order. When nothing succeeded and every event failed with its whole call (credentials, a
/// configuration), that error is the command's.
#[cfg(test)]
async fn send(
    usage: Arc<dyn Usage>,
    lines: Vec<(usize, String)>,
    batch: usize,
) -> CliResult<Vec<Entry>> {
    let (entries, pending) = prepare(lines);
    send_prepared(usage, entries, pending, batch, None).await
}

/// The events waiting to be sent, with the index of their entry.
type Pending = Vec<(usize, UsageEvent)>;

/// One entry per line (an invalid one already `rejected`) and the valid events.
fn prepare(lines: Vec<(usize, String)>) -> (Vec<Entry>, Pending) {
    let mut entries = Vec::with_capacity(lines.len());
    // Indices (into `entries`) of the valid events waiting to be sent, with the events.
    let mut pending: Pending = Vec::new();
    let now = unibill::Timestamp::now();
    for (n, text) in lines {
        match event(&text, now) {
            Ok(e) => {
                pending.push((entries.len(), e.clone()));
                entries.push(Entry {
                    line: n,
                    key: Some(e.key().clone()),
                    customer_external_id: Some(e.customer_external_id().to_owned()),
                    meter_key: Some(e.meter_key().to_owned()),
                    quantity: Some(e.quantity()),
                    outcome: Outcome::NotSent("not attempted".to_owned()),
                });
            }
            Err(e) => {
                // What the line says, where it can be read, so the report names it.
                let loose: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                let text_of = |k: &str| loose.get(k).and_then(Value::as_str).map(str::to_owned);
                entries.push(Entry {
                    line: n,
                    key: text_of("key").and_then(|k| IdempotencyKey::new(k).ok()),
                    customer_external_id: text_of("customer_external_id"),
                    meter_key: text_of("meter_key"),
                    quantity: None,
                    outcome: Outcome::Invalid(e),
                });
            }
        }
    }
    (entries, pending)
}

/// The outcomes answered per key, in the order they came (a key twice in the input gets two).
type Answers = Arc<Mutex<HashMap<IdempotencyKey, VecDeque<Outcome>>>>;

/// A progress bar on standard error when it is a terminal (hidden otherwise).
fn progress_bar(len: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} events settled ({per_sec})")
    {
        bar.set_style(style);
    }
    bar
}

/// Sends `pending` through a [`UsageRecorder`] (batches of at most `batch`; with `spool`, durable in that
/// file first), filling in their entries (see [`send`]).
async fn send_prepared(
    usage: Arc<dyn Usage>,
    mut entries: Vec<Entry>,
    pending: Pending,
    batch: usize,
    spool: Option<&std::path::Path>,
) -> CliResult<Vec<Entry>> {
    let answers: Answers = Arc::default();
    let sink = answers.clone();
    let mut builder = RecorderBuilder::new(usage)
        .max_batch_events(batch)
        .on_settled(Arc::new(move |e: &UsageEvent, o: &IngestOutcome| {
            let copy = match o {
                IngestOutcome::Recorded { provider_id } => IngestOutcome::Recorded {
                    provider_id: provider_id.clone(),
                },
                IngestOutcome::Duplicate { provider_id } => IngestOutcome::Duplicate {
                    provider_id: provider_id.clone(),
                },
                _ => IngestOutcome::Accepted,
            };
            sink.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(e.key().clone())
                .or_default()
                .push_back(Outcome::Sent(copy));
        }));
    if let Some(path) = spool {
        builder = builder.spool(SpoolOptions::new(path));
    }
    let (recorder, mut failures) = builder.build()?;
    let bar = progress_bar(pending.len());
    let ticker = {
        let (recorder, bar) = (recorder.clone(), bar.clone());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(100));
            loop {
                every.tick().await;
                bar.set_position(recorder.stats().settled());
            }
        })
    };
    for (_, e) in &pending {
        recorder
            .record(e.clone())
            .await
            .map_err(|e| CliError::Other(format!("usage ingest: {e}")))?;
    }
    recorder.flush().await;
    ticker.abort();
    bar.finish_and_clear();
    let unsent = recorder.shutdown(Duration::from_secs(30)).await;
    let mut answers = std::mem::take(
        &mut *answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    let mut whole_call: Option<Error> = None;
    let mut succeeded = false;
    for f in failures.drain() {
        let outcome = if f.rejected {
            Outcome::Sent(IngestOutcome::Rejected(f.error))
        } else {
            if whole_call.is_none() {
                whole_call = Some(Error::new(f.error.kind(), f.error.message().to_owned()));
            }
            Outcome::Sent(IngestOutcome::NotRecorded(f.error))
        };
        answers
            .entry(f.event.key().clone())
            .or_default()
            .push_back(outcome);
    }
    for e in unsent.events {
        answers
            .entry(e.key().clone())
            .or_default()
            .push_back(Outcome::NotSent(
                "shutdown's deadline passed before it was sent".to_owned(),
            ));
    }
    let mut failed = 0usize;
    for (at, e) in &pending {
        entries[*at].outcome = match answers.get_mut(e.key()).and_then(VecDeque::pop_front) {
            Some(o) => o,
            None => Outcome::NotSent("the provider's report has no entry for this key".to_owned()),
        };
        match &entries[*at].outcome {
            Outcome::Sent(o) if o.is_success() => succeeded = true,
            _ => failed += 1,
        }
    }
    if !succeeded
        && failed == pending.len()
        && let Some(e) = whole_call
    {
        return Err(e.into());
    }
    Ok(entries)
}

/// `--create-missing`: ensures every meter and customer the events name, saying on stderr what was created.
async fn create_missing(billing: &Billing, pending: &Pending) -> CliResult {
    let meters: BTreeSet<&str> = pending.iter().map(|(_, e)| e.meter_key()).collect();
    let customers: BTreeSet<&str> = pending
        .iter()
        .map(|(_, e)| e.customer_external_id())
        .collect();
    for key in meters {
        let input = NewMeter::builder(key, key, Aggregation::Sum).build()?;
        if billing.meters().ensure(input).await?.was_created() {
            eprintln!("created meter `{key}` (sum of quantity)");
        }
    }
    for id in customers {
        let input = NewCustomer::builder(id, id).build()?;
        if billing.customers().ensure(input).await?.was_created() {
            eprintln!("created customer `{id}`");
        }
    }
    Ok(())
}

/// The counts of the report, by outcome.
#[derive(Debug, Default, serde::Serialize)]
struct Summary {
    events: usize,
    recorded: usize,
    accepted: usize,
    duplicate: usize,
    rejected: usize,
    not_recorded: usize,
}

impl Summary {
    fn of(entries: &[Entry]) -> Self {
        let mut s = Summary {
            events: entries.len(),
            ..Default::default()
        };
        for e in entries {
            match e.name() {
                "recorded" => s.recorded += 1,
                "accepted" => s.accepted += 1,
                "duplicate" => s.duplicate += 1,
                "rejected" => s.rejected += 1,
                _ => s.not_recorded += 1,
            }
        }
        s
    }

    fn failed(&self) -> usize {
        self.rejected + self.not_recorded
    }
}

/// What this run counted per customer and meter: (quantity, events).
fn counted(entries: &[Entry]) -> BTreeMap<(String, String), (Decimal, usize)> {
    let mut out: BTreeMap<(String, String), (Decimal, usize)> = BTreeMap::new();
    for e in entries.iter().filter(|e| e.counted()) {
        let (Some(c), Some(m), Some(q)) = (&e.customer_external_id, &e.meter_key, e.quantity)
        else {
            continue;
        };
        let slot = out
            .entry((c.clone(), m.clone()))
            .or_insert((Decimal::ZERO, 0));
        slot.0 += q;
        slot.1 += 1;
    }
    out
}

fn write_report(out: &mut dyn Write, entries: &[Entry], summary: &Summary) -> CliResult {
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.line.to_string(),
                e.key
                    .as_ref()
                    .map_or_else(|| NONE.to_owned(), ToString::to_string),
                e.name().to_owned(),
                e.detail().unwrap_or_else(|| NONE.to_owned()),
            ]
        })
        .collect();
    write_table(out, &["line", "key", "outcome", "detail"], &rows)?;
    writeln!(
        out,
        "\n{} event(s): {} recorded, {} accepted, {} duplicate, {} rejected, {} not recorded",
        summary.events,
        summary.recorded,
        summary.accepted,
        summary.duplicate,
        summary.rejected,
        summary.not_recorded
    )?;
    let counted = counted(entries);
    if !counted.is_empty() {
        let rows: Vec<Vec<String>> = counted
            .iter()
            .map(|((c, m), (q, n))| vec![c.clone(), m.clone(), q.to_string(), n.to_string()])
            .collect();
        writeln!(
            out,
            "\ncounted by this run (recorded or accepted; a duplicate was counted when first sent):"
        )?;
        write_table(out, &["customer", "meter", "used", "events"], &rows)?;
    }
    Ok(())
}

fn report_json(entries: &[Entry], summary: &Summary) -> Value {
    serde_json::json!({
        "events": entries.iter().map(|e| serde_json::json!({
            "line": e.line,
            "key": e.key.as_ref().map(IdempotencyKey::as_str),
            "customer_external_id": e.customer_external_id,
            "meter_key": e.meter_key,
            "quantity": e.quantity,
            "outcome": e.name(),
            "provider_id": e.provider_id(),
            "error": e.error_json(),
        })).collect::<Vec<_>>(),
        "summary": summary,
        "counted": counted(entries).into_iter().map(|((c, m), (q, n))| serde_json::json!({
            "customer_external_id": c,
            "meter_key": m,
            "used": q,
            "events": n,
        })).collect::<Vec<_>>(),
    })
}

/// Runs a usage command.
pub async fn run(cmd: UsageCommand, global: &Global) -> CliResult {
    let UsageCommand::Ingest(args) = cmd;
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!(
            "reading usage events from standard input, one JSON object per line (Ctrl-D ends)"
        );
    }
    let lines = read_lines(stdin.lock())?;
    let (entries, pending) = prepare(lines);
    let billing = if args.create_missing {
        // One bundle, so resources routed to one provider share its state.
        let billing =
            global.billing_for(&[Resource::Usage, Resource::Meters, Resource::Customers])?;
        create_missing(&billing, &pending).await?;
        billing
    } else {
        global.billing(Resource::Usage)?
    };
    let usage = billing.usage();
    let max = usage.capabilities().max_batch_events.max(1);
    let batch = args.batch_size.map_or(max, |b| b.min(max)) as usize;
    let entries = send_prepared(usage, entries, pending, batch, args.spool.as_deref()).await?;
    let summary = Summary::of(&entries);
    let mut stdout = std::io::stdout().lock();
    if global.json {
        crate::output::json::write_one(&mut stdout, &report_json(&entries, &summary))?;
    } else {
        write_report(&mut stdout, &entries, &summary)?;
    }
    drop(stdout);
    if summary.failed() > 0 {
        return Err(CliError::Other(format!(
            "usage ingest: {} of {} event(s) failed ({} rejected, {} not recorded): the report names each; \
             re-send the not recorded ones with the same keys and times",
            summary.failed(),
            summary.events,
            summary.rejected,
            summary.not_recorded
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn quantities_are_exact_and_plain() {
        assert_eq!(quantity(&raw("3")).unwrap(), Decimal::from(3));
        assert_eq!(quantity(&raw("\"1.50\"")).unwrap().to_string(), "1.50");
        // Beyond f64's precision, kept digit for digit.
        assert_eq!(
            quantity(&raw("0.1000000000000000055511151231"))
                .unwrap()
                .to_string(),
            "0.1000000000000000055511151231"
        );
        for bad in ["1e3", "\"1E3\"", "true", "null", "\"+1\"", "\" 1\"", "[1]"] {
            let e = quantity(&raw(bad)).unwrap_err();
            assert_eq!(e.field_errors()[0].field, "quantity", "{bad}");
        }
    }

    #[test]
    fn an_unparseable_line_refuses_the_input_and_names_the_line() {
        let input = "{\"customer_external_id\":\"a\",\"meter_key\":\"m\",\"quantity\":1}\n\n[1]\n";
        let e = read_lines(input.as_bytes()).unwrap_err();
        assert!(e.is_usage() && e.to_string().contains("line 3"), "{e}");
        let e = read_lines("{oops\n".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        let ok = read_lines("\n{\"x\":1}\n".as_bytes()).unwrap();
        assert_eq!(ok[0].0, 2);
    }

    fn line(key: &str, quantity: u32) -> String {
        format!(
            r#"{{"key":"{key}","customer_external_id":"ada","meter_key":"api_calls","quantity":{quantity}}}"#
        )
    }

    /// A provider that records each key once and answers a repeat `Duplicate`, counting its requests.
    fn dedupe(
        mock: &mut unibill::MockUsage,
        fail_from_call: Option<usize>,
    ) -> std::sync::Arc<std::sync::Mutex<Vec<usize>>> {
        let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = std::sync::Mutex::new(std::collections::HashSet::new());
        let record = calls.clone();
        mock.expect_capabilities()
            .returning(|| unibill::UsageCapabilities::full("mock"));
        mock.expect_ingest().returning(move |events| {
            let mut calls = record.lock().unwrap();
            calls.push(events.len());
            if fail_from_call.is_some_and(|n| calls.len() > n) {
                return Err(Error::config("credentials refused"));
            }
            let mut report = unibill::IngestReport::new();
            for e in events {
                let first = seen.lock().unwrap().insert(e.key().clone());
                report.push(
                    e.key().clone(),
                    if first {
                        IngestOutcome::Recorded { provider_id: None }
                    } else {
                        IngestOutcome::Duplicate { provider_id: None }
                    },
                );
            }
            Ok(report)
        });
        calls
    }

    #[tokio::test]
    async fn batches_keyed_outcomes_and_the_counted_quantity() {
        let mut mock = unibill::MockUsage::new();
        let calls = dedupe(&mut mock, None);
        let lines = [
            line("e1", 2),
            line("e1", 2),
            r#"{"customer_external_id":"ada","meter_key":"api_calls","quantity":"1e3"}"#.to_owned(),
            line("e2", 3),
            line("e3", 5),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .collect();
        let entries = send(Arc::new(mock), lines, 2).await.unwrap();
        assert_eq!(
            *calls.lock().unwrap(),
            [2, 2],
            "four valid events in batches of two"
        );
        let names: Vec<_> = entries.iter().map(Entry::name).collect();
        assert_eq!(
            names,
            ["recorded", "duplicate", "rejected", "recorded", "recorded"]
        );
        assert!(
            entries[2]
                .detail()
                .unwrap()
                .starts_with("line 3: invalid_input: quantity")
        );
        let s = Summary::of(&entries);
        assert_eq!(
            (s.events, s.recorded, s.duplicate, s.rejected, s.failed()),
            (5, 3, 1, 1, 1)
        );
        let used = counted(&entries);
        assert_eq!(
            used.get(&("ada".to_owned(), "api_calls".to_owned())),
            Some(&(Decimal::from(10), 3))
        );
        let mut text = Vec::new();
        write_report(&mut text, &entries, &s).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains(
                "5 event(s): 3 recorded, 0 accepted, 1 duplicate, 1 rejected, 0 not recorded"
            ),
            "{text}"
        );
        assert!(text.contains("ada       api_calls  10    3"), "{text}");
    }

    #[tokio::test]
    async fn a_failed_first_request_is_the_error_a_later_one_leaves_the_rest_not_recorded() {
        let lines = || {
            (1..=3)
                .map(|i| (i, line(&format!("e{i}"), 1)))
                .collect::<Vec<_>>()
        };
        let mut mock = unibill::MockUsage::new();
        dedupe(&mut mock, Some(0));
        let e = send(Arc::new(mock), lines(), 1).await.unwrap_err();
        assert!(e.to_string().contains("credentials refused"), "{e}");

        let mut mock = unibill::MockUsage::new();
        let calls = dedupe(&mut mock, Some(1));
        let entries = send(Arc::new(mock), lines(), 1).await.unwrap();
        assert_eq!(
            calls.lock().unwrap().len(),
            3,
            "each batch is sent once: a refused call is not retried"
        );
        let names: Vec<_> = entries.iter().map(Entry::name).collect();
        assert_eq!(names, ["recorded", "not_recorded", "not_recorded"]);
        assert!(entries[2].detail().unwrap().contains("credentials refused"));
    }

    fn now() -> unibill::Timestamp {
        unibill::Timestamp::now()
    }

    #[test]
    fn an_invalid_event_names_its_field() {
        let e = event(
            r#"{"customer_external_id":"a","meter_key":"m","quantity":"-1"}"#,
            now(),
        )
        .unwrap_err();
        assert_eq!(e.field_errors()[0].field, "quantity");
        let e = event(
            r#"{"customer_external_id":"a","meter_key":"m","quantity":1,"extra":1}"#,
            now(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("extra"), "{e}");
        let e = event(
            r#"{"customer_external_id":"a","meter_key":"m","quantity":1,"occurred_at":"x"}"#,
            now(),
        )
        .unwrap_err();
        assert_eq!(e.field_errors()[0].field, "occurred_at");
        let ok = event(
            r#"{"key":"k1","customer_external_id":"a","meter_key":"m","quantity":2,"occurred_at":"2026-03-01T00:00:00Z","properties":{"region":"eu"}}"#,
            now(),
        )
        .unwrap();
        assert_eq!(ok.key().as_str(), "k1");
        assert_eq!(ok.properties().get("region"), Some("eu"));
    }
}
