//! [`BatchLimits`]: how a run of encoded items (usage events) is split into requests by count and by bytes,
//! for the adapters that send a bulk body and for the usage recorder that fills batches as events arrive.
//!
//! ```
//! use unibill_core::BatchLimits;
//!
//! // At most 2 items, at most 34 bytes of body: `{"events":[` `]}` (13) around items joined by `,` (1).
//! let limits = BatchLimits::new(2, Some(34)).with_framing(13, 1);
//! assert_eq!(limits.plan(&[10, 10, 10, 10, 10]), vec![0..2, 2..4, 4..5]);
//! assert_eq!(limits.plan(&[40, 1]), vec![0..1, 1..2]); // too large alone: a batch of one
//!
//! let mut fill = limits.fill();
//! assert!(fill.fits(10));
//! fill.add(10);
//! fill.add(10);
//! assert!(fill.is_full() && !fill.fits(1));
//! ```

use std::ops::Range;

use crate::capability::UsageCapabilities;

/// The most items and bytes one request carries, and the bytes its framing adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    max_items: usize,
    max_bytes: Option<u64>,
    envelope_bytes: u64,
    separator_bytes: u64,
}

impl BatchLimits {
    /// At most `max_items` (at least 1) and, where given, `max_bytes` of body per batch; no framing.
    pub const fn new(max_items: usize, max_bytes: Option<u64>) -> Self {
        BatchLimits {
            max_items: if max_items == 0 { 1 } else { max_items },
            max_bytes,
            envelope_bytes: 0,
            separator_bytes: 0,
        }
    }

    /// The limits of a provider's usage capabilities (`max_batch_events`, `max_batch_bytes`).
    pub fn for_usage(caps: &UsageCapabilities) -> Self {
        BatchLimits::new(caps.max_batch_events as usize, caps.max_batch_bytes)
    }

    /// The same limits, counting `envelope` bytes around every batch and `separator` bytes between two items.
    pub const fn with_framing(mut self, envelope: u64, separator: u64) -> Self {
        self.envelope_bytes = envelope;
        self.separator_bytes = separator;
        self
    }

    /// The same limits with at most `max_items` per batch (never above the current maximum, at least 1).
    pub fn capped_items(mut self, max_items: usize) -> Self {
        self.max_items = max_items.clamp(1, self.max_items);
        self
    }

    /// The same limits with at most `max_bytes` per batch (never above the current maximum).
    pub fn capped_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = Some(self.max_bytes.map_or(max_bytes, |m| m.min(max_bytes)));
        self
    }

    /// The most items per batch.
    pub fn max_items(&self) -> usize {
        self.max_items
    }

    /// The most bytes per batch, where limited.
    pub fn max_bytes(&self) -> Option<u64> {
        self.max_bytes
    }

    /// An empty batch to fill.
    pub fn fill(&self) -> BatchFill {
        BatchFill {
            limits: *self,
            items: 0,
            bytes: self.envelope_bytes,
        }
    }

    /// Splits items of `sizes` (in order) into consecutive batches within the limits; an item larger than
    /// `max_bytes` on its own is a batch of one (the provider then refuses it alone).
    pub fn plan(&self, sizes: &[usize]) -> Vec<Range<usize>> {
        let mut batches = Vec::new();
        let mut start = 0;
        let mut fill = self.fill();
        for (i, &size) in sizes.iter().enumerate() {
            if !fill.fits(size) {
                batches.push(start..i);
                start = i;
                fill.clear();
            }
            fill.add(size);
        }
        if start < sizes.len() {
            batches.push(start..sizes.len());
        }
        batches
    }
}

/// A batch being filled: how many items and bytes it holds (see [`BatchLimits::fill`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchFill {
    limits: BatchLimits,
    items: usize,
    bytes: u64,
}

impl BatchFill {
    /// Whether an item of `size` bytes may join: always into an empty batch, otherwise within both limits.
    pub fn fits(&self, size: usize) -> bool {
        if self.items == 0 {
            return true;
        }
        let within_bytes = self
            .limits
            .max_bytes
            .is_none_or(|max| self.bytes + self.limits.separator_bytes + size as u64 <= max);
        self.items < self.limits.max_items && within_bytes
    }

    /// Adds an item of `size` bytes (whether it [fits](Self::fits) is the caller's check).
    pub fn add(&mut self, size: usize) {
        if self.items > 0 {
            self.bytes += self.limits.separator_bytes;
        }
        self.items += 1;
        self.bytes += size as u64;
    }

    /// Whether no further item fits (the item count is reached).
    pub fn is_full(&self) -> bool {
        self.items >= self.limits.max_items
    }

    /// How many items it holds.
    pub fn items(&self) -> usize {
        self.items
    }

    /// Its body bytes so far, framing included.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Empties it.
    pub fn clear(&mut self) {
        self.items = 0;
        self.bytes = self.limits.envelope_bytes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_split_by_count_and_bytes() {
        let framed = |items, bytes| BatchLimits::new(items, Some(bytes)).with_framing(13, 1);
        assert_eq!(framed(2, 1000).plan(&[10; 5]), vec![0..2, 2..4, 4..5]);
        // 13 + 10 + 1 + 10 = 34 fits 34; a third does not.
        assert_eq!(framed(10, 34).plan(&[10; 3]), vec![0..2, 2..3]);
        assert_eq!(framed(10, 50).plan(&[100, 1]), vec![0..1, 1..2]);
        assert!(framed(10, 50).plan(&[]).is_empty());
        assert_eq!(BatchLimits::new(0, None).plan(&[1, 1]), vec![0..1, 1..2]);
        assert_eq!(
            BatchLimits::new(3, None).plan(&[usize::MAX / 4; 4]),
            vec![0..3, 3..4]
        );
    }

    #[test]
    fn caps_only_lower_the_limits() {
        let l = BatchLimits::new(1000, Some(100))
            .capped_items(5000)
            .capped_bytes(500);
        assert_eq!((l.max_items(), l.max_bytes()), (1000, Some(100)));
        let l = BatchLimits::new(1000, None)
            .capped_items(0)
            .capped_bytes(64);
        assert_eq!((l.max_items(), l.max_bytes()), (1, Some(64)));
    }
}
