//! Reading a response body chunk by chunk up to a cap, never buffering more.

use bytes::{Bytes, BytesMut};

/// A body read up to a cap.
#[derive(Debug)]
pub(crate) struct CappedBody {
    pub bytes: Bytes,
    /// The body went on past the cap (the rest was not read).
    pub truncated: bool,
}

/// Reads `response`'s body until it ends or `cap` bytes are held; then stops reading (the connection is dropped,
/// not drained). A transport error mid-body is returned with what was read so far.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
) -> (CappedBody, Option<reqwest::Error>) {
    let mut buf = BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = cap - buf.len();
                if chunk.len() > room {
                    buf.extend_from_slice(&chunk[..room]);
                    return (
                        CappedBody {
                            bytes: buf.freeze(),
                            truncated: true,
                        },
                        None,
                    );
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => {
                return (
                    CappedBody {
                        bytes: buf.freeze(),
                        truncated: false,
                    },
                    None,
                );
            }
            Err(e) => {
                return (
                    CappedBody {
                        bytes: buf.freeze(),
                        truncated: false,
                    },
                    Some(e),
                );
            }
        }
    }
}
