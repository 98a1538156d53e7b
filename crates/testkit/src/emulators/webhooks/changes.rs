//! [`ChangeTracker`]: what changed in an emulator's store since the last look, as a list of [`Change`]s, so
//! each emulator announces its changes without a hook in every route.

use std::collections::HashMap;

use serde_json::Value;

/// One object as an emulator tracks it: its kind, id, and the fields whose change is an event (a status, an
/// update time, a plan).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tracked {
    /// `customer`, `subscription`, `invoice`, …
    pub object: &'static str,
    /// The object's id.
    pub id: String,
    /// The watched fields.
    pub fields: Value,
}

impl Tracked {
    pub(crate) fn new(object: &'static str, id: impl Into<String>, fields: Value) -> Self {
        Tracked {
            object,
            id: id.into(),
            fields,
        }
    }
}

/// An object that appeared or whose watched fields changed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change {
    /// The object now.
    pub after: Tracked,
    /// Its watched fields at the last look; `None` for a new object.
    pub before: Option<Value>,
}

impl Change {
    /// A watched field's text before the change (`None` for a new object or a missing field).
    pub(crate) fn before_str(&self, field: &str) -> Option<&str> {
        self.before.as_ref()?.get(field)?.as_str()
    }

    /// A watched field's text now.
    pub(crate) fn after_str(&self, field: &str) -> Option<&str> {
        self.after.fields.get(field)?.as_str()
    }

    /// Whether a watched field differs from the last look (always for a new object).
    pub(crate) fn changed(&self, field: &str) -> bool {
        match &self.before {
            None => true,
            Some(before) => before.get(field) != self.after.fields.get(field),
        }
    }
}

/// The watched fields of every object at the last look.
#[derive(Debug, Default)]
pub(crate) struct ChangeTracker {
    seen: HashMap<(&'static str, String), Value>,
}

impl ChangeTracker {
    /// Starts from `now`: what exists already is not a change.
    pub(crate) fn starting_at(now: Vec<Tracked>) -> Self {
        let mut tracker = ChangeTracker::default();
        let _ = tracker.diff(now);
        tracker
    }

    /// The changes since the last look, in `now`'s order (the stores keep creation order), and remembers `now`.
    pub(crate) fn diff(&mut self, now: Vec<Tracked>) -> Vec<Change> {
        let mut changes = Vec::new();
        for t in now {
            let key = (t.object, t.id.clone());
            match self.seen.get(&key) {
                Some(before) if *before == t.fields => {}
                before => {
                    let before = before.cloned();
                    self.seen.insert(key, t.fields.clone());
                    changes.push(Change { after: t, before });
                }
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_new_and_changed_objects_are_changes() {
        let t =
            |id: &str, status: &str| Tracked::new("subscription", id, json!({"status": status}));
        let mut tracker = ChangeTracker::starting_at(vec![t("a", "active")]);
        assert!(tracker.diff(vec![t("a", "active")]).is_empty());
        let changes = tracker.diff(vec![t("a", "canceled"), t("b", "active")]);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].before_str("status"), Some("active"));
        assert_eq!(changes[0].after_str("status"), Some("canceled"));
        assert!(changes[1].before.is_none() && changes[1].changed("status"));
        assert!(
            tracker
                .diff(vec![t("a", "canceled"), t("b", "active")])
                .is_empty()
        );
    }
}
