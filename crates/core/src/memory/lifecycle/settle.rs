//! The memory lifecycle catching up with its clock: trial ends, period ends and scheduled cancels, each at the
//! instant it was due, in order.

use jiff::Timestamp;

use super::rating::add_interval;
use super::state::{Phase, State};
use crate::model::subscription::{Period, SubscriptionStatus};
use crate::model::webhook::WebhookKind;

/// Moves every subscription to where it is at `now`.
pub(super) fn settle(s: &mut State, now: Timestamp) {
    s.now = now;
    let due: Vec<u64> = s
        .subs
        .iter()
        .filter(|(_, r)| r.phase != Phase::Ended && next_due(r).is_some_and(|t| t <= now))
        .map(|(seq, _)| *seq)
        .collect();
    for seq in due {
        while step(s, seq, now) {}
    }
}

/// When the subscription next changes by itself: its start, its trial's or period's end, or its scheduled
/// cancel.
fn next_due(r: &super::state::SubRecord) -> Option<Timestamp> {
    let boundary = match r.phase {
        Phase::Scheduled { start, .. } => Some(start),
        _ => r.sub.current_period.map(|p| p.end()),
    };
    match (boundary, r.sub.cancel_at) {
        (Some(b), Some(c)) => Some(b.min(c)),
        (b, c) => b.or(c),
    }
}

/// Applies the next change if it is due by `now`; whether one was applied.
fn step(s: &mut State, seq: u64, now: Timestamp) -> bool {
    let Some(rec) = s.subs.get(&seq) else {
        return false;
    };
    if rec.phase == Phase::Ended {
        return false;
    }
    let Some(period) = rec.sub.current_period else {
        return false;
    };
    let boundary = period.end();
    let interval = rec
        .price
        .kind
        .interval()
        .unwrap_or(crate::Interval::monthly());
    if let Some(cancel_at) = rec.sub.cancel_at
        && cancel_at <= boundary
        && cancel_at <= now
    {
        end(s, seq, cancel_at, true);
        return true;
    }
    if let Phase::Scheduled { start, trial } = rec.phase {
        if start > now {
            return false;
        }
        // Its start: the trial, or the first paid period (its invoice opened), begins.
        let paid = !trial;
        if let Some(rec) = s.subs.get_mut(&seq) {
            rec.phase = if trial {
                Phase::Trial
            } else {
                Phase::Paid {
                    anchor: start,
                    index: 0,
                }
            };
            refresh_status(rec);
        }
        if paid {
            s.open_invoice(seq, start);
        }
        announce(s, seq, WebhookKind::SubscriptionUpdated, start);
        return true;
    }
    if boundary > now {
        return false;
    }
    // The period (or trial) is over: bill it and start the next.
    let (anchor, index) = match rec.phase {
        Phase::Trial => (boundary, 0),
        Phase::Paid { anchor, index } => (anchor, index + 1),
        Phase::Scheduled { .. } | Phase::Ended => return false,
    };
    let was_trial = rec.phase == Phase::Trial;
    if let Some(live) = rec.live_invoice {
        s.finalize_invoice(live, boundary);
    }
    let start = add_interval(anchor, interval, index);
    let next_end = add_interval(anchor, interval, index + 1);
    let Ok(next) = Period::new(start, next_end) else {
        return false;
    };
    if let Some(rec) = s.subs.get_mut(&seq) {
        rec.phase = Phase::Paid { anchor, index };
        rec.sub.current_period = Some(next);
        rec.live_invoice = None;
        refresh_status(rec);
    }
    s.open_invoice(seq, boundary);
    if was_trial {
        announce(s, seq, WebhookKind::SubscriptionUpdated, boundary);
    }
    true
}

/// Cancels subscription `seq` at `at`: its running period's invoice is finalized (`bill`) or voided.
pub(super) fn end(s: &mut State, seq: u64, at: Timestamp, bill: bool) {
    let live = s.subs.get(&seq).and_then(|r| r.live_invoice);
    if let Some(live) = live {
        if bill {
            s.finalize_invoice(live, at);
        } else {
            s.void_invoice(live, at);
        }
    }
    if let Some(rec) = s.subs.get_mut(&seq) {
        rec.phase = Phase::Ended;
        rec.live_invoice = None;
        rec.sub.canceled_at = Some(at);
        rec.sub.cancel_at = Some(at);
        refresh_status(rec);
    }
    announce(s, seq, WebhookKind::SubscriptionCanceled, at);
}

/// The status the record's phase and schedule give.
pub(super) fn refresh_status(rec: &mut super::state::SubRecord) {
    rec.sub.status = match rec.phase {
        Phase::Ended => SubscriptionStatus::Canceled,
        _ if rec.sub.cancel_at.is_some() => SubscriptionStatus::CancelScheduled,
        Phase::Trial | Phase::Scheduled { trial: true, .. } => SubscriptionStatus::Trialing,
        Phase::Paid { .. } | Phase::Scheduled { trial: false, .. } => SubscriptionStatus::Active,
    };
}

/// Appends a delivery about subscription `seq` as it is now.
pub(super) fn announce(s: &mut State, seq: u64, kind: WebhookKind, at: Timestamp) {
    let Some(sub) = s.subs.get(&seq).map(|r| r.sub.clone()) else {
        return;
    };
    s.emit(
        at,
        kind,
        "subscription",
        sub.id.as_str(),
        sub.customer_external_id.as_deref(),
        &sub,
    );
}
