//! How many body bytes an event takes in a bulk request: an estimate from its texts, for filling batches
//! within [`UsageCapabilities::max_batch_bytes`](unibill_core::UsageCapabilities::max_batch_bytes). Each adapter
//! still splits by the exact encoded bytes (Flexprice's bulk does), so the estimate only needs to be close.

use unibill_core::UsageEvent;

/// Field names, quotes, separators and the timestamp of one event in a JSON body (Flexprice's
/// `{"event_id":…,"event_name":…,"external_customer_id":…,"timestamp":"…","properties":{"quantity":"…"}}`
/// is 110 bytes around its texts).
const FRAME: usize = 128;
/// A decimal quantity's text at most (28 digits, a sign and a point).
const QUANTITY: usize = 32;
/// Quotes, colon and comma around one property.
const PROPERTY_FRAME: usize = 6;

/// The estimated bytes of `event` in a bulk body.
pub(crate) fn estimated_bytes(event: &UsageEvent) -> usize {
    let texts = event.key().as_str().len()
        + event.customer_external_id().len()
        + event.meter_key().len()
        + event.subscription_id().map_or(0, |s| s.as_str().len() + 20);
    let properties: usize = event
        .properties()
        .iter()
        .map(|(k, v)| k.len() + v.len() + PROPERTY_FRAME)
        .sum();
    FRAME + QUANTITY + texts + properties
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use unibill_core::IdempotencyKey;

    use super::*;

    #[test]
    fn grows_with_the_texts() {
        let plain = UsageEvent::builder("ada", "api_calls", dec!(1))
            .key(IdempotencyKey::new("k").unwrap())
            .build()
            .unwrap();
        let with = UsageEvent::builder("ada", "api_calls", dec!(1))
            .key(IdempotencyKey::new("k").unwrap())
            .property("region", "eu-west")
            .build()
            .unwrap();
        assert_eq!(estimated_bytes(&plain), FRAME + QUANTITY + 1 + 3 + 9);
        assert_eq!(
            estimated_bytes(&with),
            estimated_bytes(&plain) + 6 + 7 + PROPERTY_FRAME
        );
    }
}
