//! Shared by the targets: one loopback server whose answer is the fuzz input, on a runtime kept for the process.

use std::sync::{Arc, Mutex, OnceLock};

use unibill_testkit::{Reply, TestServer};

/// The runtime, the server, and the bytes it answers (status from the first input byte).
pub struct Harness {
    pub rt: tokio::runtime::Runtime,
    pub server: TestServer,
    answer: Arc<Mutex<(u16, Vec<u8>)>>,
}

impl Harness {
    pub fn get() -> &'static Harness {
        static H: OnceLock<Harness> = OnceLock::new();
        H.get_or_init(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let answer = Arc::new(Mutex::new((200, Vec::new())));
            let shared = Arc::clone(&answer);
            let server = rt.block_on(TestServer::from_fn(move |_| {
                let (status, body) = shared.lock().unwrap().clone();
                Reply::status(status)
                    .header("content-type", "application/json")
                    .body(body)
            }));
            Harness { rt, server, answer }
        })
    }

    /// Serves `data[1..]` with a status chosen by `data[0]` (mostly 200).
    pub fn serve(&self, data: &[u8]) -> usize {
        let (head, body) = data.split_first().map_or((0, &[][..]), |(h, b)| (*h, b));
        let status = match head % 8 {
            0..=4 => 200,
            5 => 201,
            6 => 404,
            _ => 422,
        };
        *self.answer.lock().unwrap() = (status, body.to_vec());
        head as usize
    }
}
