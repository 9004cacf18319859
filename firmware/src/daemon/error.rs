//! Why the daemon could not start or had to stop, one line each, and the exit status that goes
//! with it: 2 for a rules file (or config) that is wrong, 1 for everything else.

use std::io;

use telltale_board::{ButtonError, LedError};

use crate::capture::source::SourceError;
use crate::rules::RulesError;

use super::output::OutputError;

/// A failure of `telltaled run`.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The rules file is wrong (at start; a reload keeps the old rules instead).
    #[error("{0}")]
    Rules(#[from] RulesError),
    /// The output cannot be opened.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The capture cannot be opened, or failed.
    #[error("capture: {0}")]
    Source(#[from] SourceError),
    /// The LEDs cannot be opened or driven.
    #[error("LEDs: {0}")]
    Leds(#[from] LedError),
    /// The acknowledge button cannot be watched.
    #[error("button: {0}")]
    Button(#[from] ButtonError),
    /// Installing the signal handlers failed.
    #[error("installing the signal handlers: {0}")]
    Signals(io::Error),
    /// `$NOTIFY_SOCKET` names no usable socket.
    #[error("systemd's NOTIFY_SOCKET: {0}")]
    Notify(io::Error),
    /// A thread could not be started.
    #[error("starting a thread: {0}")]
    Thread(io::Error),
    /// The journals cannot be opened.
    #[error("journal: {0}")]
    Journal(#[from] crate::summary::journal::JournalError),
    /// The link's TCP address cannot be bound.
    #[error("link: tcp {0}: {1}")]
    Link(std::net::SocketAddr, io::Error),
    /// A thread panicked.
    #[error("the {0} thread panicked")]
    Panicked(&'static str),
}

impl DaemonError {
    /// The process's exit status for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            DaemonError::Rules(_) => 2,
            _ => 1,
        }
    }
}
