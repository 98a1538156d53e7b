//! `server --busy-poll`: the same fixed answers from one thread that never sleeps.
//!
//! On loopback a client's `write` runs the server's TCP receive path and, when the server thread is asleep,
//! wakes it — an inter-processor interrupt that the client's CPU time pays for (in a VM, a costly exit). The
//! slower the client, the more often the server has gone to sleep, so this cost grows with the client's own and
//! magnifies every difference between variants. A remote provider would not charge it to the client. This
//! server polls its sockets without ever blocking, so no client write has to wake it: what remains of the
//! client's CPU time is its own work. Same answers and `/stats` as the hyper server.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

use crate::server::CREATE_ANSWER;

/// The server's counts, as `/stats` reports them.
#[derive(Default)]
struct Counters {
    /// Every accepted connection (the `/stats` ones included).
    accepted: u64,
    /// Connections that carried at least one create.
    connections: u64,
    /// Creates answered.
    requests: u64,
}

/// One client connection: what it sent that is not answered yet, and what is not written yet.
struct Connection {
    stream: TcpStream,
    input: Vec<u8>,
    output: Vec<u8>,
    written: usize,
    carried_create: bool,
    close_when_written: bool,
}

/// Serves until killed; prints `listening <port>` first.
pub fn run(port: u16) -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    listener.set_nonblocking(true)?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening {}", listener.local_addr()?.port())?;
        out.flush()?;
    }
    let created = format!(
        "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{CREATE_ANSWER}",
        CREATE_ANSWER.len()
    )
    .into_bytes();
    let mut counters = Counters::default();
    let mut connections: Vec<Connection> = Vec::new();
    let mut scratch = vec![0u8; 64 * 1024];
    loop {
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(true)?;
                    stream.set_nodelay(true)?;
                    counters.accepted += 1;
                    connections.push(Connection {
                        stream,
                        input: Vec::new(),
                        output: Vec::new(),
                        written: 0,
                        carried_create: false,
                        close_when_written: false,
                    });
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        connections.retain_mut(|c| c.serve(&mut scratch, &created, &mut counters));
    }
}

impl Connection {
    /// Reads what has arrived, answers every complete request, writes what it can; `false` once the
    /// connection is done (closed by the peer, broken, or a `/stats` answer sent).
    fn serve(&mut self, scratch: &mut [u8], created: &[u8], counters: &mut Counters) -> bool {
        loop {
            match self.stream.read(scratch) {
                Ok(0) => return false,
                Ok(n) => self.input.extend_from_slice(&scratch[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        while let Some(len) = complete_request(&self.input) {
            if self.input.starts_with(b"GET /stats ") {
                let body = format!(
                    "{{\"accepted\":{},\"connections\":{},\"requests\":{}}}",
                    counters.accepted, counters.connections, counters.requests
                );
                self.output.extend_from_slice(
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                );
                self.close_when_written = true;
            } else {
                if !self.carried_create {
                    self.carried_create = true;
                    counters.connections += 1;
                }
                counters.requests += 1;
                self.output.extend_from_slice(created);
            }
            self.input.drain(..len);
        }
        while self.written < self.output.len() {
            match self.stream.write(&self.output[self.written..]) {
                Ok(n) => self.written += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        self.output.clear();
        self.written = 0;
        !self.close_when_written
    }
}

/// The length of the first complete request in `input` (head and `content-length` body), if it has arrived.
fn complete_request(input: &[u8]) -> Option<usize> {
    let head_end = input.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&input[..head_end]).ok()?;
    let body = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let total = head_end + body;
    (input.len() >= total).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_complete_only_with_their_whole_body() {
        let request = b"POST /v1/customers HTTP/1.1\r\nContent-Length: 4\r\nhost: x\r\n\r\nbody";
        assert_eq!(complete_request(request), Some(request.len()));
        assert_eq!(complete_request(&request[..request.len() - 1]), None);
        assert_eq!(complete_request(b"GET /stats HTTP/1.1\r\n"), None);
        let two = b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
        assert_eq!(complete_request(two), Some(19));
    }
}
