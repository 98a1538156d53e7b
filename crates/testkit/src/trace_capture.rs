//! [`TraceCapture`]: every `tracing` line of the current thread, at TRACE, into memory, for tests that check what
//! the logs say (and that no secret is in them).

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::subscriber::DefaultGuard;
use tracing_subscriber::fmt::format::FmtSpan;

/// A TRACE subscriber for the current thread (every event, and every span's new/enter/exit/close, without ANSI
/// colours) writing into memory, installed until [`finish`](Self::finish) or drop.
///
/// It is thread-local (`tracing::subscriber::set_default`), so tests running in parallel never see each other's
/// lines; on a current-thread Tokio runtime (`#[tokio::test]`'s default) every task of the test logs here.
///
/// ```
/// use unibill_testkit::TraceCapture;
///
/// let capture = TraceCapture::start();
/// tracing::info!(target: "unibill.http", attempt = 1, "sent");
/// let log = capture.finish();
/// assert!(log.contains("unibill.http") && log.contains("attempt=1"), "{log}");
/// ```
#[must_use = "the capture stops when dropped"]
pub struct TraceCapture {
    buffer: Buffer,
    guard: DefaultGuard,
}

impl TraceCapture {
    /// Installs the subscriber for the current thread.
    pub fn start() -> TraceCapture {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(buffer.clone())
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        TraceCapture { buffer, guard }
    }

    /// Everything logged so far (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        self.buffer.text()
    }

    /// Uninstalls the subscriber and answers everything it logged.
    pub fn finish(self) -> String {
        let TraceCapture { buffer, guard } = self;
        drop(guard);
        buffer.text()
    }
}

impl std::fmt::Debug for TraceCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The lines may hold what a test planted; they are for the test's assertions, not its `Debug` output.
        f.debug_struct("TraceCapture").finish_non_exhaustive()
    }
}

/// The shared in-memory writer behind a capture.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
