//! `unibill migrate apply --subscriptions` killed with SIGKILL at 20 random points (chosen by the progress lines
//! it prints, never by time) and resumed each time, with 20 % of the destination's requests faulted: afterwards
//! the destination holds every customer, price and subscription exactly once, every source subscription is set
//! to cancel where its copy starts, and `unibill migrate verify` exits 0.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use unibill::flexprice::{FlexpriceClient, FlexpriceConfig, NewPlan};
use unibill::{
    Billing, Currency, CustomerRef, Customers, IdempotencyKey, Interval, Money, NewCustomer,
    NewPrice, NewSubscription, PriceKind, Prices, Subscription, SubscriptionListQuery,
    SubscriptionStatus, Subscriptions, SubscriptionsExt,
};
use unibill_testkit::emulators::flexprice::FlexpriceEmulator;
use unibill_testkit::emulators::flowglad::FlowgladEmulator;
use unibill_testkit::{Fault, TestServer};

const FLEXPRICE_KEY: &str = "fp_test_crash";
const FLOWGLAD_KEY: &str = "sk_test_crash";
const CUSTOMERS: usize = 80;
const PRICES: usize = 100;
/// Every customer subscribes, each to a price of its own (Flowglad takes one per customer).
const SUBSCRIPTIONS: usize = CUSTOMERS;
const KILLS: usize = 20;

/// splitmix64: the seeded choice of kill points and faults.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn product(i: usize) -> String {
    format!("prod_crash{i:03}")
}

struct Sides {
    source: TestServer,
    source_billing: Billing,
    destination: TestServer,
    flowglad: FlowgladEmulator,
    plans: Vec<String>,
}

async fn sides() -> Sides {
    let fx = FlexpriceEmulator::new(FLEXPRICE_KEY);
    // The emulator's clock starts in 2026-08; the migration measures its 24-hour renewal rule on the system
    // clock, as a real provider's periods are: bring the emulator up to it.
    let behind = unibill::Timestamp::now().as_second() - fx.now().as_second();
    if behind > 0 {
        // An ISO 8601 duration, parsed into the emulator's span type.
        fx.advance_clock(format!("PT{behind}S").parse().unwrap());
    }
    let source = TestServer::router(fx.router()).await;
    let config = FlexpriceConfig::builder(FLEXPRICE_KEY)
        .base_url(source.url().join("v1").unwrap())
        .build()
        .unwrap();
    let client = FlexpriceClient::builder(config).build().unwrap();
    let billing = Billing::builder()
        .customers(client.clone())
        .prices(client.clone())
        .subscriptions(client.clone())
        .build();
    for i in 0..CUSTOMERS {
        billing
            .customers()
            .create(
                NewCustomer::builder(format!("crash-{i:04}"), format!("Crash {i}"))
                    .email(format!("crash{i}@example.com"))
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
    }
    let mut plans = Vec::new();
    for i in 0..PRICES {
        let plan = client
            .create_plan(NewPlan::builder(format!("Plan {i}")).build().unwrap())
            .await
            .unwrap();
        let amount = Money::parse(&format!("{}.50", 3 + i), Currency::USD).unwrap();
        let mut b = NewPrice::builder(PriceKind::recurring(Interval::monthly()), amount)
            .product_id(plan.id.as_str())
            .name(format!("Price {i}"));
        if i % 5 != 4 {
            // Every fifth has no slug: matched by content on resume.
            b = b.slug(format!("crash-price-{i:03}"));
        }
        let price = billing.prices().create(b.build().unwrap()).await.unwrap();
        if i < SUBSCRIPTIONS {
            billing
                .subscriptions()
                .create(
                    NewSubscription::builder(
                        CustomerRef::external_id(format!("crash-{i:04}")),
                        price.id,
                    )
                    .key(IdempotencyKey::derive("crash.source", &[&i.to_string()]))
                    .build()
                    .unwrap(),
                )
                .await
                .unwrap();
        }
        plans.push(plan.id);
    }
    let mut fg = FlowgladEmulator::builder(FLOWGLAD_KEY);
    for i in 0..PRICES {
        fg = fg.product(product(i), false);
    }
    let flowglad = fg.build();
    let destination = TestServer::router(flowglad.router()).await;
    // 20 % of the destination's requests faulted: errors the executor retries, connections dropped before
    // the request is handled, and answers lost after the write was applied.
    destination.set_fault_source(|_req, index| {
        let h = mix(0xC0FFEE ^ (index as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
        if h % 1000 >= 200 {
            return None;
        }
        Some(match (h >> 32) % 5 {
            0 => Fault::status(500),
            1 => Fault::status(502),
            2 => Fault::status(503),
            3 => Fault::CloseBeforeHandling,
            _ => Fault::CloseAfterHandling,
        })
    });
    Sides {
        source,
        source_billing: billing,
        destination,
        flowglad,
        plans,
    }
}

fn command(s: &Sides, ledger: &std::path::Path, phase: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_unibill"));
    cmd.env_clear()
        .env("FLEXPRICE_API_KEY", FLEXPRICE_KEY)
        .env(
            "FLEXPRICE_BASE_URL",
            s.source.url().join("v1").unwrap().as_str(),
        )
        .env("FLOWGLAD_SECRET_KEY", FLOWGLAD_KEY)
        .env("FLOWGLAD_BASE_URL", s.destination.url().as_str())
        .env("FLOWGLAD_CURRENCY", "USD")
        .args([
            "migrate",
            phase,
            "--from",
            "flexprice",
            "--to",
            "flowglad",
            "--json",
            "--subscriptions",
        ])
        .arg("--ledger")
        .arg(ledger)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (i, plan) in s.plans.iter().enumerate() {
        cmd.arg("--product-map")
            .arg(format!("{plan}={}", product(i)));
    }
    cmd
}

/// Before any apply, `verify` exits non-zero naming what is missing, and `plan --json` reports every object as
/// to be created while the destination's request log holds reads only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_before_apply_fails_and_plan_writes_nothing() {
    let s = sides().await;
    let dir = std::env::temp_dir().join(format!("unibill-migrate-plan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ledger = dir.join("ledger.sqlite");

    let out = command(&s, &ledger, "plan").output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(
        stdout
            .lines()
            .rev()
            .find(|l| l.starts_with("{\"report\""))
            .unwrap(),
    )
    .unwrap();
    let plan = &report["report"];
    assert_eq!(plan["customers"].as_array().unwrap().len(), CUSTOMERS);
    assert_eq!(plan["prices"].as_array().unwrap().len(), PRICES);
    assert_eq!(
        plan["subscriptions"].as_array().unwrap().len(),
        SUBSCRIPTIONS
    );
    assert!(
        plan["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["action"] == "create"),
        "{plan}"
    );
    assert!(
        plan["prices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["action"] == "create"),
        "{plan}"
    );
    let writes: Vec<String> = s
        .destination
        .requests()
        .into_iter()
        .filter(|r| r.method.as_str() != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        writes.is_empty(),
        "plan wrote to the destination: {writes:?}"
    );
    assert!(s.destination.request_count() > 0);

    let out = command(&s, &ledger, "verify").output().await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(
        stdout
            .lines()
            .rev()
            .find(|l| l.starts_with("{\"report\""))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(report["report"]["ok"], false);
    assert_eq!(
        report["report"]["findings"].as_array().unwrap().len(),
        CUSTOMERS + PRICES + SUBSCRIPTIONS
    );
    assert_eq!(s.flowglad.customer_count(), 0);
}

/// The order `apply` moves kinds in.
const KINDS: [&str; 4] = ["customer", "price", "subscription", "source_cancel"];

/// Runs `apply` and kills it (SIGKILL) right after its `kill_at`-th progress line of `event` about a kind at or
/// after `from` (in [`KINDS`] order): `sending` (the ledger row is committed and the write is going out, or
/// already out) or `created` (the other side answered; its done row may not be committed yet). The kind of
/// object of that line, if the run got there.
async fn apply_until(
    s: &Sides,
    ledger: &std::path::Path,
    event: &str,
    from: usize,
    kill_at: usize,
) -> Option<String> {
    let mut child = command(s, ledger, "apply").spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = 0;
    while let Some(line) = lines.next_line().await.unwrap() {
        if !line.starts_with("{\"progress\"") {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        let resource = v["progress"]["resource"].as_str().unwrap_or_default();
        let at_or_after = KINDS
            .iter()
            .position(|k| *k == resource)
            .is_some_and(|i| i >= from);
        if v["progress"]["event"] == event && at_or_after {
            seen += 1;
            if seen == kill_at {
                child.kill().await.unwrap();
                return Some(resource.to_owned());
            }
        }
    }
    let status = child.wait().await.unwrap();
    let mut err = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut child.stderr.take().unwrap(), &mut err)
        .await
        .unwrap();
    eprintln!("run ended by itself after {seen} {event} lines: {status} {err}");
    None
}

/// Every subscription of `billing`.
async fn subscriptions_of(billing: &Billing) -> Vec<Subscription> {
    use futures::TryStreamExt;
    billing
        .subscriptions()
        .list_all(SubscriptionListQuery::new().limit(100))
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_killed_twenty_times_under_faults_resumes_with_no_duplicate_and_no_gap() {
    let s = sides().await;
    let dir = std::env::temp_dir().join(format!("unibill-migrate-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ledger = dir.join("ledger.sqlite");

    // 180 creates, 80 subscription creates and 80 source cancels to make; each run is killed after 1 to 6 of
    // them went out (with 8 in flight at once, most not answered yet) or, every other run, after 1 to 6 of them
    // were answered. Five kills count any kind, five prices and later, five subscriptions and later, five
    // source cancels (a kind already done is passed by), so the kills fall in every step.
    let mut killed = Vec::new();
    for k in 0..2 * KILLS {
        if killed.len() == KILLS {
            break;
        }
        let at = 1 + (mix(k as u64 + 1) % 6) as usize;
        let event = if k % 2 == 0 { "sending" } else { "created" };
        let from = killed.len() / 5;
        if let Some(resource) = apply_until(&s, &ledger, event, from, at).await {
            killed.push(resource);
        }
    }
    eprintln!("killed while sending: {killed:?}");
    assert_eq!(killed.len(), KILLS, "runs ended before their kill point");
    for kind in KINDS {
        assert!(
            killed.iter().any(|k| k == kind),
            "no kill while sending a {kind}: {killed:?}"
        );
    }

    // Resume to the end (a run whose creates failed under the faults says so: run it again, bounded).
    let mut complete = false;
    for _ in 0..5 {
        let out = command(&s, &ledger, "apply").output().await.unwrap();
        if out.status.success() {
            complete = true;
            break;
        }
    }
    assert!(complete, "apply did not complete in 5 resumed runs");

    let out = command(&s, &ledger, "verify").output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with("{\"report\""))
        .unwrap_or_default();
    assert!(
        out.status.success(),
        "verify failed: {report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(report).unwrap();
    assert_eq!(report["report"]["ok"], true);
    assert_eq!(
        report["report"]["compared"],
        (CUSTOMERS + PRICES + SUBSCRIPTIONS) as u64
    );

    // Counted on the emulator itself: each object once, none missing.
    assert_eq!(s.flowglad.customer_count(), CUSTOMERS);
    assert_eq!(
        s.flowglad.price_count(),
        PRICES,
        "a duplicate price would show here (archived or not)"
    );
    assert_eq!(s.flowglad.active_price_count(), PRICES);
    let mut ids: Vec<String> = s
        .flowglad
        .customers()
        .iter()
        .map(|c| c["externalId"].as_str().unwrap_or_default().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), CUSTOMERS);

    // Each source subscription once on the destination (by its derived key), set to cancel on the source where
    // its copy's trial (Flowglad's later start) ends.
    let sources = subscriptions_of(&s.source_billing).await;
    assert_eq!(sources.len(), SUBSCRIPTIONS);
    let copies = s.flowglad.subscriptions();
    assert_eq!(
        copies.len(),
        SUBSCRIPTIONS,
        "a duplicate subscription would show here"
    );
    for src in &sources {
        assert_eq!(
            src.status,
            SubscriptionStatus::CancelScheduled,
            "{}",
            src.id
        );
        let key = unibill::migrate::subscription_key(src.id.as_str());
        let mine: Vec<_> = copies
            .iter()
            .filter(|c| c["metadata"]["unibill_key"] == key.as_str())
            .collect();
        assert_eq!(mine.len(), 1, "copies of {}", src.id);
        assert_eq!(
            mine[0]["trialEnd"].as_i64(),
            src.cancel_at.map(|t| t.as_millisecond()),
            "{}",
            src.id
        );
    }
    drop(s.source);
}
