//! The usage operations, without I/O: events encoded once, batches planned by count and bytes, the bulk
//! request, and the lookup of one event.

use unibill_core::{BatchLimits, Error, IdempotencyKey, Result, UsageEvent, UsageStatus};
use unibill_http::bytes::Bytes;
use unibill_http::http::HeaderValue;
use unibill_http::{Request, Response};

use super::wire::{WireEvent, WireLookup};
use crate::decode::with_raw;

pub(crate) const INGEST: &str = "usage.ingest";
const STATUS: &str = "usage.status";

/// The most events one bulk request takes (notes §1.2: `min=1,max=1000`).
pub const MAX_BATCH_EVENTS: u32 = 1000;
/// The bytes one bulk request may carry: the ingestion routes' 32 MiB cap less 64 KiB of margin (review
/// finding 22).
pub const MAX_BATCH_BYTES: u64 = (32 << 20) - (64 << 10);
/// `{"events":[` and `]}` around the events.
const ENVELOPE_BYTES: u64 = 13;

/// One event as the JSON the bulk body carries (encoded once: every re-send repeats the same bytes).
pub fn encode_event(event: &UsageEvent) -> Result<Vec<u8>> {
    // Room for an everyday event: growing from empty would reallocate and copy four times.
    let mut bytes = Vec::with_capacity(256);
    encode_event_into(event, &mut bytes)?;
    Ok(bytes)
}

/// [`encode_event`] appended to `out` (a batch's events share one buffer); on an error `out` is as it was.
pub fn encode_event_into(event: &UsageEvent, out: &mut Vec<u8>) -> Result<()> {
    let start = out.len();
    serde_json::to_writer(&mut *out, &WireEvent::from(event)).map_err(|e| {
        out.truncate(start);
        Error::decode(format!("cannot encode event {}: {e}", event.key()))
    })
}

/// Splits encoded events (in order) into batches of at most `max_events` and `max_bytes` of body each; an
/// event larger than `max_bytes` on its own is a batch of one (the server's 400 then rejects it alone).
pub fn plan_batches(
    sizes: &[usize],
    max_events: usize,
    max_bytes: u64,
) -> Vec<std::ops::Range<usize>> {
    BatchLimits::new(max_events, Some(max_bytes))
        .with_framing(ENVELOPE_BYTES, 1)
        .plan(sizes)
}

/// `POST /events/bulk` with `{"events":[…]}` of the encoded events.
pub fn bulk_request(events: &[&[u8]]) -> Request {
    let len: usize = events.iter().map(|e| e.len() + 1).sum::<usize>() + ENVELOPE_BYTES as usize;
    let mut body = Vec::with_capacity(len);
    body.extend_from_slice(b"{\"events\":[");
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(e);
    }
    body.extend_from_slice(b"]}");
    Request::post(INGEST, "/events/bulk")
        .path(["events", "bulk"])
        .body(
            Bytes::from(body),
            HeaderValue::from_static("application/json"),
        )
}

/// `GET /events/lookup?id=<key>` (the query form: keys are safe there whatever they hold).
pub fn lookup_request(key: &IdempotencyKey) -> Request {
    Request::get(STATUS, "/events/lookup")
        .path(["events", "lookup"])
        .query("id", key.as_str())
}

/// A lookup answer: `processed` → `Counted`, `processing` → `Pending`, `failed` → `Failed` (with the debug
/// tracker's JSON when there is one); another status is `Pending` named by it.
pub fn decode_status(response: Response) -> Result<UsageStatus> {
    let (w, _) = with_raw::<WireLookup>(&response)?;
    Ok(match w.status.as_deref() {
        Some("processed") => UsageStatus::Counted,
        Some("failed") => UsageStatus::Failed(
            w.debug_tracker
                .map_or_else(|| "failed".to_owned(), |d| d.to_string()),
        ),
        _ => UsageStatus::Pending,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_split_by_count_and_bytes() {
        assert_eq!(plan_batches(&[10; 5], 2, 1000), vec![0..2, 2..4, 4..5]);
        // 13 + 10 + 1 + 10 = 34 fits 34; a third does not.
        assert_eq!(plan_batches(&[10; 3], 10, 34), vec![0..2, 2..3]);
        assert_eq!(plan_batches(&[100, 1], 10, 50), vec![0..1, 1..2]);
        assert!(plan_batches(&[], 10, 50).is_empty());
    }

    #[test]
    fn the_bulk_body_is_the_events_joined() {
        let r = bulk_request(&[b"{\"a\":1}", b"{\"b\":2}"]);
        assert_eq!(
            r.body_bytes().unwrap().as_ref(),
            b"{\"events\":[{\"a\":1},{\"b\":2}]}"
        );
    }
}
