//! [`Fault`]: a scripted misbehaviour for the next request.

use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;

use crate::reply::Reply;

/// What the server does to one request instead of (or around) its handler.
///
/// Faults are queued on a [`TestServer`](crate::TestServer) and used one per request, in order; once the queue
/// is empty the server's fault source ([`TestServer::set_fault_source`](crate::TestServer::set_fault_source)),
/// if one is set, may choose one; otherwise the handler answers normally.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this instead of running the handler.
    Reply(Reply),
    /// Wait this long, then run the handler.
    Delay(Duration),
    /// Close the connection without running the handler and without answering (nothing applied).
    CloseBeforeHandling,
    /// Run the handler (the write is applied), then close the connection without answering.
    CloseAfterHandling,
    /// Run the handler (the write is applied), then answer its status and headers with only the first `keep`
    /// bytes of its body, `Content-Length` adjusted: a complete answer that is not the JSON it should be.
    CutBodyAfterHandling {
        /// How many bytes of the handler's body are sent.
        keep: usize,
    },
    /// Run the handler (the write is applied), then answer its status and headers (`Content-Length` the whole
    /// body's), send the first `keep` bytes of the body and break the connection: an answer cut off mid-body.
    BreakBodyAfterHandling {
        /// How many bytes of the handler's body are sent before the connection breaks.
        keep: usize,
    },
    /// Answer `status` with a body that repeats `chunk` for ever.
    EndlessBody {
        /// The status.
        status: StatusCode,
        /// The repeated piece.
        chunk: Bytes,
    },
    /// Answer `status` with a body of `len` bytes of `x`, streamed.
    OversizedBody {
        /// The status.
        status: StatusCode,
        /// The body length.
        len: usize,
    },
    /// Never answer (the connection stays open until the client gives up).
    Stall,
    /// Send the status line, headers and a first body chunk, then stall.
    StallBody {
        /// The status.
        status: StatusCode,
    },
}

impl Fault {
    /// [`Fault::Reply`] with an empty body and `status`.
    pub fn status(status: u16) -> Self {
        Fault::Reply(Reply::status(status))
    }

    /// [`Fault::EndlessBody`] of `x`s.
    pub fn endless(status: u16) -> Self {
        Fault::EndlessBody {
            status: StatusCode::from_u16(status).expect("a valid HTTP status"),
            chunk: Bytes::from(vec![b'x'; 16 * 1024]),
        }
    }

    /// [`Fault::OversizedBody`].
    pub fn oversized(status: u16, len: usize) -> Self {
        Fault::OversizedBody {
            status: StatusCode::from_u16(status).expect("a valid HTTP status"),
            len,
        }
    }
}

impl From<Reply> for Fault {
    fn from(reply: Reply) -> Self {
        Fault::Reply(reply)
    }
}
