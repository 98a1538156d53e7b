//! Reading a response body chunk by chunk up to a cap, never buffering more.

use bytes::{Bytes, BytesMut};

/// A body read up to a cap.
#[derive(Debug)]
pub(crate) struct CappedBody {
    pub bytes: Bytes,
    /// The body went on past the cap (the rest was not read).
    pub truncated: bool,
}

/// The chunks read so far: a body that arrives in one chunk (the usual case for an API answer) is kept as
/// that chunk, not copied; only a second chunk starts a buffer.
#[derive(Default)]
struct Chunks {
    first: Bytes,
    joined: Option<BytesMut>,
}

impl Chunks {
    fn len(&self) -> usize {
        self.joined.as_ref().map_or(self.first.len(), BytesMut::len)
    }

    fn push(&mut self, chunk: Bytes) {
        match &mut self.joined {
            Some(buf) => buf.extend_from_slice(&chunk),
            None if self.first.is_empty() => self.first = chunk,
            None => {
                let mut buf = BytesMut::with_capacity(self.first.len() + chunk.len());
                buf.extend_from_slice(&self.first);
                buf.extend_from_slice(&chunk);
                self.joined = Some(buf);
            }
        }
    }

    fn finish(self, truncated: bool) -> CappedBody {
        CappedBody {
            bytes: self.joined.map_or(self.first, BytesMut::freeze),
            truncated,
        }
    }
}

/// Reads `response`'s body until it ends or `cap` bytes are held; then stops reading (the connection is dropped,
/// not drained). A transport error mid-body is returned with what was read so far.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
) -> (CappedBody, Option<reqwest::Error>) {
    let mut chunks = Chunks::default();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = cap - chunks.len();
                if chunk.len() > room {
                    chunks.push(chunk.slice(..room));
                    return (chunks.finish(true), None);
                }
                chunks.push(chunk);
            }
            Ok(None) => return (chunks.finish(false), None),
            Err(e) => return (chunks.finish(false), Some(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_chunk_is_kept_as_is_and_more_are_joined() {
        let one = Bytes::from_static(b"{\"id\":1}");
        let mut chunks = Chunks::default();
        chunks.push(one.clone());
        let body = chunks.finish(false);
        assert_eq!(body.bytes, one);
        assert_eq!(body.bytes.as_ptr(), one.as_ptr(), "not copied");

        // An empty chunk first is replaced, not joined; the first real chunk is kept; the next one starts a buffer.
        let mut chunks = Chunks::default();
        chunks.push(Bytes::new());
        let ab = Bytes::from_static(b"ab");
        chunks.push(ab.clone());
        assert!(chunks.joined.is_none());
        assert_eq!((chunks.first.as_ptr(), chunks.len()), (ab.as_ptr(), 2));
        for part in ["", "cd", "e"] {
            chunks.push(Bytes::from_static(part.as_bytes()));
        }
        assert!(chunks.joined.is_some());
        assert_eq!(chunks.len(), 5);
        assert_eq!(&chunks.finish(true).bytes[..], b"abcde");
    }
}
