//! One host session: turns each request into its response. Knows the protocol's rules (Hello
//! first, version check, rules chunks in order and whole, batch sizes) and nothing about the
//! transport.

use telltale_proto::crc32::crc32;
use telltale_proto::frame::MAX_PAYLOAD;
use telltale_proto::message::{MAX_RULES_BYTES, RULES_CHUNK};
use telltale_proto::{ErrorCode, Request, Response, RulesChunk, PROTOCOL_VERSION};

use super::backend::LinkBackend;

/// Records per batch at most, whatever the host asks.
pub const MAX_BATCH: usize = 1024;

/// The bytes of records one batch may carry: well inside a frame, leaving room for the envelope.
pub const BATCH_BYTES: usize = MAX_PAYLOAD / 2;

/// A rules file being received.
#[derive(Debug)]
struct Upload {
    apply: bool,
    total: u32,
    crc: u32,
    data: Vec<u8>,
}

/// The state of one session (reset when the host says `Hello` again).
#[derive(Debug, Default)]
pub struct Session {
    greeted: bool,
    /// The version of a refused Hello, to say why later requests are refused.
    refused_version: Option<u16>,
    client: String,
    upload: Option<Upload>,
    /// The last rules file completed (CRC, length, apply) and the answer given, so a repeated
    /// last chunk (its answer was lost) gets the same answer instead of a refusal.
    completed: Option<(u32, u32, bool, Response)>,
}

impl Session {
    /// A session that has not seen `Hello` yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The host's name from its `Hello`.
    pub fn client(&self) -> &str {
        &self.client
    }

    /// Answers one request.
    pub fn handle(&mut self, request: Request, backend: &mut dyn LinkBackend) -> Response {
        if let Request::Hello { version, client } = request {
            return self.hello(version, client, backend);
        }
        if !self.greeted {
            return match self.refused_version {
                Some(v) => error(
                    ErrorCode::Version,
                    &format!(
                        "the box speaks protocol version {PROTOCOL_VERSION}, the host spoke {v}"
                    ),
                ),
                None => error(ErrorCode::NoHello, "say Hello first"),
            };
        }
        match request {
            Request::Hello { .. } => unreachable!("handled above"),
            Request::Status => Response::Status(Box::new(backend.status())),
            Request::Pull { after_seq, max } => {
                let page = backend.summaries_after(after_seq, clamp_max(max), BATCH_BYTES);
                let last_seq = page.records.last().map_or(after_seq, |r| r.seq);
                Response::Batch {
                    records: page.records,
                    last_seq,
                    more: page.more,
                }
            }
            Request::Ack { upto_seq } => match backend.ack_summaries(upto_seq) {
                Ok(upto_seq) => Response::Acked { upto_seq },
                Err(e) => error(ErrorCode::Internal, &e),
            },
            Request::Alerts { after, max } => {
                let page = backend.alerts_after(after, clamp_max(max), BATCH_BYTES);
                let last = page.records.last().map_or(after, |r| r.seq);
                Response::AlertBatch {
                    alerts: page.records,
                    last,
                    more: page.more,
                }
            }
            Request::AckAlerts { upto } => match backend.ack_alerts(upto) {
                Ok(latched) => Response::AlertsAcked { upto, latched },
                Err(e) => error(ErrorCode::Internal, &e),
            },
            Request::SetTime { unix_ms } => match backend.set_time(unix_ms) {
                Ok(previous_ms) => Response::TimeSet { previous_ms },
                Err(e) => error(ErrorCode::Internal, &e),
            },
            Request::PutRules(chunk) => self.put_rules(chunk, backend),
            Request::GetRules { offset } => {
                let text = backend.rules();
                let start = (offset as usize).min(text.len());
                let end = (start + RULES_CHUNK).min(text.len());
                Response::Rules(RulesChunk {
                    offset: start as u32,
                    total: text.len() as u32,
                    crc: crc32(&text),
                    data: text[start..end].to_vec(),
                    apply: false,
                })
            }
        }
    }

    fn hello(&mut self, version: u16, client: String, backend: &mut dyn LinkBackend) -> Response {
        self.upload = None;
        self.completed = None;
        self.greeted = version == PROTOCOL_VERSION;
        self.refused_version = (!self.greeted).then_some(version);
        self.client = client;
        // The box answers Hello with its own version either way, so the host can say which
        // version the box speaks; with a mismatch, every later request is refused.
        Response::Hello {
            version: PROTOCOL_VERSION,
            firmware: concat!("telltaled ", env!("CARGO_PKG_VERSION")).to_string(),
            box_id: backend.box_id(),
        }
    }

    fn put_rules(&mut self, chunk: RulesChunk, backend: &mut dyn LinkBackend) -> Response {
        let key = (chunk.crc, chunk.total, chunk.apply);
        let is_last = chunk.offset as usize + chunk.data.len() == chunk.total as usize;
        if let Some((crc, total, apply, answer)) = &self.completed {
            if is_last && self.upload.is_none() && key == (*crc, *total, *apply) {
                return answer.clone();
            }
        }
        let answer = self.receive_rules(chunk, backend);
        if matches!(
            answer,
            Response::RulesApplied { .. }
                | Response::RulesValid { .. }
                | Response::RulesRejected { .. }
        ) {
            self.completed = Some((key.0, key.1, key.2, answer.clone()));
        }
        answer
    }

    fn receive_rules(&mut self, chunk: RulesChunk, backend: &mut dyn LinkBackend) -> Response {
        if chunk.total > MAX_RULES_BYTES {
            self.upload = None;
            return Response::RulesRejected {
                reason: format!(
                    "rules file of {} bytes is larger than the {MAX_RULES_BYTES}-byte limit",
                    chunk.total
                ),
            };
        }
        if chunk.offset == 0 {
            self.upload = Some(Upload {
                apply: chunk.apply,
                total: chunk.total,
                crc: chunk.crc,
                data: Vec::with_capacity(chunk.total as usize),
            });
        }
        let Some(upload) = self.upload.as_mut() else {
            return error(
                ErrorCode::BadRequest,
                &format!(
                    "rules chunk at offset {} without the chunk at 0",
                    chunk.offset
                ),
            );
        };
        if chunk.total != upload.total || chunk.crc != upload.crc || chunk.apply != upload.apply {
            self.upload = None;
            return error(
                ErrorCode::BadRequest,
                "rules chunk of another file; start again",
            );
        }
        if chunk.offset as usize != upload.data.len() {
            // A repeated chunk (the host retried after a lost answer) is acknowledged again.
            if chunk.offset as usize + chunk.data.len() == upload.data.len()
                && upload.data.ends_with(&chunk.data)
            {
                return Response::RulesReceived {
                    received: upload.data.len() as u32,
                };
            }
            let expected = upload.data.len();
            return error(
                ErrorCode::BadRequest,
                &format!(
                    "rules chunk at offset {} but {expected} bytes received",
                    chunk.offset
                ),
            );
        }
        if upload.data.len() + chunk.data.len() > upload.total as usize {
            self.upload = None;
            return Response::RulesRejected {
                reason: "rules chunks run past the announced length".into(),
            };
        }
        upload.data.extend_from_slice(&chunk.data);
        if upload.data.len() < upload.total as usize {
            return Response::RulesReceived {
                received: upload.data.len() as u32,
            };
        }
        let Some(upload) = self.upload.take() else {
            unreachable!("upload checked above")
        };
        let crc = crc32(&upload.data);
        if crc != upload.crc {
            return Response::RulesRejected {
                reason: format!(
                    "rules file arrived with CRC {crc:08x}, expected {:08x}; nothing changed",
                    upload.crc
                ),
            };
        }
        let bytes = upload.total;
        if !upload.apply {
            return match backend.check_rules(&upload.data) {
                Ok(()) => Response::RulesValid { bytes, crc },
                Err(reason) => Response::RulesRejected { reason },
            };
        }
        match backend.apply_rules(&upload.data) {
            Ok(()) => Response::RulesApplied { bytes, crc },
            Err(reason) => Response::RulesRejected { reason },
        }
    }
}

fn clamp_max(max: u32) -> usize {
    (max as usize).clamp(1, MAX_BATCH)
}

fn error(code: ErrorCode, message: &str) -> Response {
    Response::Error {
        code,
        message: message.to_string(),
    }
}
