//! [`RequestLog`]: the shared, ordered log of [`RecordedRequest`]s a server or an emulator keeps.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use http::HeaderMap;

use crate::recorded::RecordedRequest;

/// Requests in arrival order; clones share one log. A request is pushed on arrival and completed with its
/// answer by index, so the log's length counts every request, answered or not.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestLog(Arc<Mutex<Vec<RecordedRequest>>>);

impl RequestLog {
    fn lock(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        // Writes are single pushes or field updates, so a poisoned log is still whole.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends `request` and returns its 0-based index.
    pub(crate) fn push(&self, request: RecordedRequest) -> usize {
        let mut log = self.lock();
        log.push(request);
        log.len() - 1
    }

    /// Records the answer of the request at `index` (nothing if the log was cleared since).
    pub(crate) fn answered(&self, index: usize, status: u16, headers: &HeaderMap) {
        if let Some(entry) = self.lock().get_mut(index) {
            entry.status = Some(status);
            entry.answer_headers = headers.clone();
        }
    }

    /// How many requests arrived.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Every request, oldest first.
    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.lock().clone()
    }

    /// The newest request.
    pub(crate) fn last(&self) -> Option<RecordedRequest> {
        self.lock().last().cloned()
    }

    /// Forgets every request.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}
