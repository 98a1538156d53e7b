//! The seeded fault mix of the soak and fault tests: a share of the requests (per mille) gets one of seven
//! faults, chosen by a hash of the seed and the request's index, so a run with the same seed injects the same
//! faults every time.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::{Fault, Reply, TestServer};

/// The fault kinds the mix draws from (names as in the summaries).
pub const KINDS: [&str; 7] = [
    "status_500",
    "status_502",
    "status_503",
    "status_429_retry_after",
    "dropped_before_handling",
    "answer_lost_after_write",
    "delay_2ms",
];

/// The fault of a kind (one of [`KINDS`]).
pub fn fault(kind: &str) -> Fault {
    match kind {
        "status_500" => Fault::status(500),
        "status_502" => Fault::status(502),
        "status_503" => Fault::status(503),
        "status_429_retry_after" => Fault::Reply(Reply::status(429).header("retry-after", "1")),
        "dropped_before_handling" => Fault::CloseBeforeHandling,
        "answer_lost_after_write" => Fault::CloseAfterHandling,
        _ => Fault::Delay(Duration::from_millis(2)),
    }
}

/// splitmix64: a well-mixed hash of the seed and the request index.
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Installs the seeded mix on `server`, faulting `per_mille` of the requests; the returned map counts the
/// faults injected per kind.
pub fn install_mix(
    server: &TestServer,
    seed: u64,
    per_mille: u64,
) -> Arc<Mutex<BTreeMap<String, u64>>> {
    let counts: Arc<Mutex<BTreeMap<String, u64>>> = Arc::new(Mutex::new(
        KINDS.iter().map(|k| ((*k).to_owned(), 0)).collect(),
    ));
    let counter = Arc::clone(&counts);
    server.set_fault_source(move |_req, index| {
        let h = mix(seed ^ (index as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
        if h % 1000 >= per_mille {
            return None;
        }
        let kind = KINDS[((h >> 32) % KINDS.len() as u64) as usize];
        *counter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(kind.to_owned())
            .or_default() += 1;
        Some(fault(kind))
    });
    counts
}
