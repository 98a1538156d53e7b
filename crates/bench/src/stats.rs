//! This process's CPU time and peak RSS from `/proc` (what `getrusage(RUSAGE_SELF)` reports, without `unsafe`).

use std::time::Duration;

/// User + system CPU time of this process so far (all threads), at the kernel's tick resolution
/// (`/proc/self/stat` fields 14 and 15).
pub fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last `)`.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14 → index 11, stime field 15 → index 12.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    Duration::from_nanos(ticks * 1_000_000_000 / clock_ticks_per_second())
}

/// `sysconf(_SC_CLK_TCK)`: 100 on every Linux this runs on (the kernel's `USER_HZ`).
fn clock_ticks_per_second() -> u64 {
    100
}

/// Peak resident set size in KiB (`VmHWM`, the same number as `ru_maxrss`).
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
