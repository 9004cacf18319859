//! The host's side of the protocol: one request, one answer, with retries that make a flaky
//! cable invisible. Every request is safe to repeat (pulls are idempotent, acks monotonic, rules
//! chunks re-acknowledged), so a lost or corrupt answer is simply asked for again; request
//! numbers tell a late answer from the current one. After a hang-up the pipe is reopened, and when
//! the box restarted (it answers "say Hello first") the session is opened again.

use std::io::{self, ErrorKind};
use std::time::{Duration, Instant};

use telltale_proto::frame::{self, FrameDecoder};
use telltale_proto::message::hello_version;
use telltale_proto::{ErrorCode, Request, Response, PROTOCOL_VERSION};

use super::transport::Transport;

/// Why a request failed for good.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The box speaks another protocol version.
    #[error(
        "the box on {port} speaks protocol version {theirs}; this telltale speaks version {ours}: \
         update the older of the two"
    )]
    Version {
        /// The port.
        port: String,
        /// The box's version.
        theirs: u16,
        /// Ours.
        ours: u16,
    },
    /// Nothing sensible came back in time, retries included.
    #[error("no answer from the box on {port} after {tries} tries ({why})")]
    NoAnswer {
        /// The port.
        port: String,
        /// Attempts made.
        tries: u32,
        /// The last thing that went wrong.
        why: String,
    },
    /// The box refused the request.
    #[error("the box refused: {0}")]
    Refused(String),
}

/// Timing of retries.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    /// How long to wait for one answer before asking again.
    pub answer: Duration,
    /// How many times to ask.
    pub tries: u32,
    /// Pause before reopening a pipe that failed.
    pub reopen_pause: Duration,
}

impl Default for Patience {
    fn default() -> Self {
        Patience {
            answer: Duration::from_secs(2),
            tries: 8,
            reopen_pause: Duration::from_millis(500),
        }
    }
}

/// What the box said in its `Hello`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxInfo {
    /// `telltaled 0.1.0`.
    pub firmware: String,
    /// The box's identity.
    pub box_id: String,
}

/// Counters of the link's trouble, for `--verbose` and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// Requests sent again.
    pub retries: u64,
    /// Answers dropped because they answered an earlier request.
    pub stale: u64,
    /// Frames rejected (corrupt).
    pub corrupt: u64,
    /// Times the pipe was reopened.
    pub reopened: u64,
    /// Times the session was opened again (the box restarted).
    pub rehello: u64,
}

/// A session with one box.
pub struct Client<T: Transport> {
    transport: T,
    decoder: FrameDecoder,
    next_id: u32,
    patience: Patience,
    info: Option<BoxInfo>,
    client_name: String,
    stats: ClientStats,
}

impl<T: Transport> std::fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("port", &self.transport.describe())
            .field("info", &self.info)
            .finish()
    }
}

/// What one wait for an answer produced.
enum Wait {
    Answer(Response),
    Timeout(String),
    Broken(io::Error),
}

impl<T: Transport> Client<T> {
    /// Opens a session: says `Hello` and checks the box's protocol version.
    pub fn connect(transport: T, patience: Patience) -> Result<Self, ClientError> {
        let mut client = Client {
            transport,
            decoder: FrameDecoder::new(),
            next_id: 1,
            patience,
            info: None,
            client_name: concat!("telltale ", env!("CARGO_PKG_VERSION")).to_string(),
            stats: ClientStats::default(),
        };
        client.hello()?;
        Ok(client)
    }

    /// Who the box is.
    pub fn info(&self) -> &BoxInfo {
        self.info
            .as_ref()
            .expect("connected clients have said hello")
    }

    /// The link's trouble so far.
    pub fn stats(&self) -> ClientStats {
        self.stats
    }

    /// What the pipe is.
    pub fn port(&self) -> String {
        self.transport.describe()
    }

    fn hello(&mut self) -> Result<(), ClientError> {
        let request = Request::Hello {
            version: PROTOCOL_VERSION,
            client: self.client_name.clone(),
        };
        match self.exchange(&request)? {
            Response::Hello {
                version,
                firmware,
                box_id,
            } => {
                if version != PROTOCOL_VERSION {
                    return Err(self.version_error(version));
                }
                self.info = Some(BoxInfo { firmware, box_id });
                Ok(())
            }
            other => Err(ClientError::Refused(format!(
                "unexpected answer to Hello: {other:?}"
            ))),
        }
    }

    fn version_error(&self, theirs: u16) -> ClientError {
        ClientError::Version {
            port: self.transport.describe(),
            theirs,
            ours: PROTOCOL_VERSION,
        }
    }

    /// Sends `request` and returns the box's answer, repeating it as needed. An `Error` answer
    /// is returned as [`ClientError::Refused`]; a box that restarted is greeted again.
    pub fn request(&mut self, request: &Request) -> Result<Response, ClientError> {
        for _ in 0..3 {
            match self.exchange(request)? {
                Response::Error {
                    code: ErrorCode::NoHello,
                    ..
                } => {
                    self.stats.rehello += 1;
                    self.hello()?;
                }
                Response::Error {
                    code: ErrorCode::Version,
                    message,
                } => return Err(ClientError::Refused(message)),
                Response::Error { message, .. } => return Err(ClientError::Refused(message)),
                answer => return Ok(answer),
            }
        }
        Err(ClientError::Refused(
            "the box keeps forgetting the session (restarting?)".into(),
        ))
    }

    /// One request, retried until an answer with its number arrives.
    fn exchange(&mut self, request: &Request) -> Result<Response, ClientError> {
        let mut why = String::from("nothing sent");
        for attempt in 0..self.patience.tries {
            if attempt > 0 {
                self.stats.retries += 1;
            }
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(1).max(1);
            let bytes =
                frame::encode(id, request).map_err(|e| ClientError::Refused(e.to_string()))?;
            if let Err(e) = self.send(&bytes) {
                why = e.to_string();
                self.reopen();
                continue;
            }
            match self.wait_for(id)? {
                Wait::Answer(answer) => return Ok(answer),
                Wait::Timeout(w) => why = w,
                Wait::Broken(e) => {
                    why = e.to_string();
                    self.reopen();
                }
            }
        }
        Err(ClientError::NoAnswer {
            port: self.transport.describe(),
            tries: self.patience.tries,
            why,
        })
    }

    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.transport.write_all(bytes)?;
        self.transport.flush()
    }

    fn reopen(&mut self) {
        std::thread::sleep(self.patience.reopen_pause);
        self.decoder.reset();
        self.stats.reopened += 1;
        // A failure here shows up as the next send's error.
        let _ = self.transport.reopen();
    }

    fn wait_for(&mut self, id: u32) -> Result<Wait, ClientError> {
        let deadline = Instant::now() + self.patience.answer;
        let mut buf = [0u8; 8192];
        let mut why = String::from("timed out");
        while Instant::now() < deadline {
            let n = match self.transport.read(&mut buf) {
                Ok(0) => {
                    return Ok(Wait::Broken(io::Error::new(
                        ErrorKind::UnexpectedEof,
                        "hung up",
                    )))
                }
                Ok(n) => n,
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted
                    ) =>
                {
                    continue
                }
                Err(e) => return Ok(Wait::Broken(e)),
            };
            let mut found = None;
            let mut version = None;
            let stats = &mut self.stats;
            self.decoder.feed(&buf[..n], |result| {
                let payload = match result {
                    Ok(p) => p,
                    Err(e) => {
                        stats.corrupt += 1;
                        why = e.to_string();
                        return;
                    }
                };
                match frame::decode_message::<Response>(payload) {
                    Ok((got, answer)) if got == id => found = Some(answer),
                    Ok(_) => stats.stale += 1,
                    Err(e) => match hello_version(payload) {
                        Some((got, v)) if got == id && v != PROTOCOL_VERSION => version = Some(v),
                        _ => {
                            stats.corrupt += 1;
                            why = e.to_string();
                        }
                    },
                }
            });
            if let Some(v) = version {
                return Err(self.version_error(v));
            }
            if let Some(answer) = found {
                return Ok(Wait::Answer(answer));
            }
        }
        Ok(Wait::Timeout(why))
    }
}
