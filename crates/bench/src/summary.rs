//! The driver: one server process, every variant in its own client process, interleaved; medians and ratios.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde::Serialize;

use crate::Variant;
use crate::client::RunResult;

/// What to run.
pub struct Plan {
    /// Creates per client run.
    pub requests: usize,
    /// The concurrencies.
    pub concurrencies: Vec<usize>,
    /// Runs of each (variant, concurrency).
    pub runs: usize,
    /// The variants; the first is the baseline of the ratios.
    pub variants: Vec<Variant>,
    /// The JSON summary's path.
    pub out: PathBuf,
    /// Free text on the machine's other load.
    pub note: String,
    /// Server on the last CPU, clients on the others.
    pub pin: bool,
    /// The server polls its sockets without sleeping (`server --busy-poll`).
    pub busy_poll_server: bool,
}

/// One client run with the connections the server saw it open.
#[derive(Debug, Serialize)]
struct Measured {
    #[serde(flatten)]
    run: RunResult,
    /// Connections the server accepted during this run (the driver's own `/stats` connections excluded).
    connections: u64,
    /// Of those, the ones that carried at least one create.
    connections_used: u64,
    /// Order of this run in the whole session (interleaving).
    order: usize,
}

/// Medians of one (variant, concurrency).
#[derive(Debug, Serialize)]
struct Row {
    variant: Variant,
    concurrency: usize,
    runs: usize,
    rps: f64,
    p50_us: f64,
    p99_us: f64,
    cpu_us_per_req: f64,
    peak_rss_kib: f64,
    /// The most connections any run opened (accepted by the server).
    max_connections: u64,
    /// The most connections any run sent creates on.
    max_connections_used: u64,
    rps_ratio: f64,
    cpu_ratio: f64,
    p50_ratio: f64,
    p99_ratio: f64,
    rss_ratio: f64,
}

#[derive(Debug, Serialize)]
struct Summary {
    requests_per_run: usize,
    runs: usize,
    machine: Machine,
    /// `server: CPU n-1, clients: CPUs 0..n-1` when pinned, else `none`.
    pinning: String,
    /// `busy-poll` (never sleeps) or `hyper` (sleeps when idle).
    server: String,
    note: String,
    medians: Vec<Row>,
    all_runs: Vec<Measured>,
}

#[derive(Debug, Serialize)]
struct Machine {
    nproc: usize,
    cpu_model: String,
    mem_total: String,
    /// `uname -r` (`/proc/sys/kernel/osrelease`).
    kernel: String,
}

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the plan, prints the table, writes the JSON.
pub fn drive(plan: Plan) -> Result<(), Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let placement = Placement::new(plan.pin)?;
    let mut child = placement
        .server(&exe)
        .args(["server", "--port", "0"])
        .args(plan.busy_poll_server.then_some("--busy-poll"))
        .stdout(Stdio::piped())
        .spawn()?;
    let mut first = String::new();
    BufReader::new(child.stdout.take().ok_or("no server stdout")?).read_line(&mut first)?;
    let server = Server {
        port: first
            .trim()
            .strip_prefix("listening ")
            .ok_or_else(|| format!("unexpected server line `{first}`"))?
            .parse()?,
        child,
    };
    // By name, as a provider is reached: a host written as an IP address is not looked up, and the lookup
    // is where the executor's client drops connects no request needs (`SpareConnectGuardResolver`). Every
    // variant gets the same URL.
    let url = format!("http://localhost:{}", server.port);

    let host = machine();
    eprintln!(
        "host: {} ({} CPUs, {}), Linux {}; {}",
        host.cpu_model,
        host.nproc,
        host.mem_total,
        host.kernel,
        placement.describe()
    );
    let mut all = Vec::new();
    for run in 1..=plan.runs {
        for &concurrency in &plan.concurrencies {
            for &variant in &plan.variants {
                let before = connections(server.port)?;
                let output = placement
                    .client(&exe)
                    .args([
                        "client",
                        "--variant",
                        variant.as_str(),
                        "--url",
                        &url,
                        "--requests",
                        &plan.requests.to_string(),
                        "--concurrency",
                        &concurrency.to_string(),
                    ])
                    .stderr(Stdio::inherit())
                    .output()?;
                if !output.status.success() {
                    return Err(format!("{} c={concurrency} failed", variant.as_str()).into());
                }
                let result: RunResult = serde_json::from_slice(&output.stdout)?;
                let after = connections(server.port)?;
                // `accepted` counts each stats connection too: the one that asked `after` is not the client's.
                let opened = after.0.saturating_sub(before.0 + 1);
                let used = after.1 - before.1;
                eprintln!(
                    "run {run} c={concurrency:>3} {:<8} {:>9.0} req/s  p50 {:>7.1} µs  p99 {:>7.1} µs  cpu {:>6.1} µs/req  rss {:>6} KiB  conns {opened} (used {used})",
                    variant.as_str(),
                    result.rps,
                    result.p50_us,
                    result.p99_us,
                    result.cpu_us_per_req,
                    result.peak_rss_kib
                );
                all.push(Measured {
                    run: result,
                    connections: opened,
                    connections_used: used,
                    order: all.len() + 1,
                });
            }
        }
    }
    drop(server);

    let medians = medians(&plan, &all);
    let summary = Summary {
        requests_per_run: plan.requests,
        runs: plan.runs,
        machine: host,
        pinning: placement.describe(),
        server: if plan.busy_poll_server {
            "busy-poll"
        } else {
            "hyper"
        }
        .to_owned(),
        note: plan.note.clone(),
        medians,
        all_runs: all,
    };
    if let Some(dir) = plan.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&plan.out, serde_json::to_string_pretty(&summary)? + "\n")?;
    println!("{}", table(&summary.medians));
    eprintln!("wrote {}", plan.out.display());
    Ok(())
}

/// Where the processes run: anywhere, or the server alone on the last CPU and the clients on the rest.
struct Placement {
    /// `(server CPU list, client CPU list)` for `taskset -c` when pinned.
    cpus: Option<(String, String)>,
}

impl Placement {
    fn new(pin: bool) -> Result<Self, Box<dyn std::error::Error>> {
        if !pin {
            return Ok(Placement { cpus: None });
        }
        let n = std::thread::available_parallelism()?.get();
        if n < 2 {
            return Err("--pin needs at least 2 CPUs".into());
        }
        let clients = if n == 2 {
            "0".to_owned()
        } else {
            format!("0-{}", n - 2)
        };
        Ok(Placement {
            cpus: Some(((n - 1).to_string(), clients)),
        })
    }

    /// The command that starts the server.
    fn server(&self, exe: &std::path::Path) -> Command {
        pinned(exe, self.cpus.as_ref().map(|(server, _)| server.as_str()))
    }

    /// The command that starts a client.
    fn client(&self, exe: &std::path::Path) -> Command {
        pinned(exe, self.cpus.as_ref().map(|(_, clients)| clients.as_str()))
    }

    fn describe(&self) -> String {
        match &self.cpus {
            Some((server, clients)) => format!("server: CPU {server}, clients: CPUs {clients}"),
            None => "none".to_owned(),
        }
    }
}

/// `exe`, under `taskset -c cpus` when given CPUs.
fn pinned(exe: &std::path::Path, cpus: Option<&str>) -> Command {
    match cpus {
        Some(cpus) => {
            let mut command = Command::new("taskset");
            command.args(["-c", cpus]).arg(exe);
            command
        }
        None => Command::new(exe),
    }
}

/// The server's counts: (accepted connections, this stats connection included; connections that carried
/// creates).
fn connections(port: u16) -> Result<(u64, u64), Box<dyn std::error::Error>> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.write_all(b"GET /stats HTTP/1.1\r\nhost: bench\r\nconnection: close\r\n\r\n")?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let body = answer.split("\r\n\r\n").nth(1).ok_or("no stats body")?;
    let stats: serde_json::Value = serde_json::from_str(body)?;
    let count = |key: &str| {
        stats[key]
            .as_u64()
            .ok_or_else(|| format!("no {key} in stats"))
    };
    Ok((count("accepted")?, count("connections")?))
}

fn median(mut xs: Vec<f64>) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.sort_by(f64::total_cmp);
    let mid = xs.len() / 2;
    if xs.len() % 2 == 1 {
        xs[mid]
    } else {
        (xs[mid - 1] + xs[mid]) / 2.0
    }
}

fn medians(plan: &Plan, all: &[Measured]) -> Vec<Row> {
    let mut rows = Vec::new();
    for &concurrency in &plan.concurrencies {
        let of = |v: Variant| -> Vec<&Measured> {
            all.iter()
                .filter(|m| m.run.variant == v && m.run.concurrency == concurrency)
                .collect()
        };
        let med = |runs: &[&Measured], f: fn(&RunResult) -> f64| {
            median(runs.iter().map(|m| f(&m.run)).collect())
        };
        let base = plan.variants.first().map(|&v| of(v)).unwrap_or_default();
        let ratio = |x: f64, f: fn(&RunResult) -> f64| {
            let b = med(&base, f);
            if b > 0.0 { x / b } else { 0.0 }
        };
        for &variant in &plan.variants {
            let runs = of(variant);
            let rps = med(&runs, |r| r.rps);
            let cpu = med(&runs, |r| r.cpu_us_per_req);
            let p50 = med(&runs, |r| r.p50_us);
            let p99 = med(&runs, |r| r.p99_us);
            let rss = med(&runs, |r| r.peak_rss_kib as f64);
            rows.push(Row {
                variant,
                concurrency,
                runs: runs.len(),
                rps,
                p50_us: p50,
                p99_us: p99,
                cpu_us_per_req: cpu,
                peak_rss_kib: rss,
                max_connections: runs.iter().map(|m| m.connections).max().unwrap_or(0),
                max_connections_used: runs.iter().map(|m| m.connections_used).max().unwrap_or(0),
                rps_ratio: ratio(rps, |r| r.rps),
                cpu_ratio: ratio(cpu, |r| r.cpu_us_per_req),
                p50_ratio: ratio(p50, |r| r.p50_us),
                p99_ratio: ratio(p99, |r| r.p99_us),
                rss_ratio: ratio(rss, |r| r.peak_rss_kib as f64),
            });
        }
    }
    rows
}

fn table(rows: &[Row]) -> String {
    let mut t = String::from(
        "| conc. | variant | req/s | ×base | p50 µs | p99 µs | CPU µs/req | ×base | peak RSS KiB | conns opened (used) |\n\
         | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for r in rows {
        t.push_str(&format!(
            "| {} | {} | {:.0} | {:.3} | {:.1} | {:.1} | {:.1} | {:.3} | {:.0} | {} ({}) |\n",
            r.concurrency,
            r.variant.as_str(),
            r.rps,
            r.rps_ratio,
            r.p50_us,
            r.p99_us,
            r.cpu_us_per_req,
            r.cpu_ratio,
            r.peak_rss_kib,
            r.max_connections,
            r.max_connections_used
        ));
    }
    t
}

fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let field = |text: &str, key: &str| {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    Machine {
        nproc: std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model: field(&cpuinfo, "model name"),
        mem_total: field(&meminfo, "MemTotal"),
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|k| k.trim().to_owned())
            .unwrap_or_default(),
    }
}
