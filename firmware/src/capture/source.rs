//! Live frame sources: the interface between the daemon's loop and whatever captures frames on
//! the bridge ports (the TPACKET_V3 rings, the pnet fallback, or a capture file replayed for a
//! demo).
//!
//! A source hands frames out in batches through a callback, so a frame can borrow the kernel's
//! ring memory: the bytes stay valid only for the call, and the source returns the ring's blocks to
//! the kernel after the batch. Nothing is copied on the way to the engine.

use core::fmt;
use std::time::Duration;

use super::{Frame, Port};

/// Counters a source keeps about itself and reads from the kernel, since it was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceStats {
    /// Frames handed to the callback.
    pub frames: u64,
    /// Frames the kernel dropped because the ring was full (`tp_drops`).
    pub kernel_drops: u64,
    /// Times the kernel froze the ring queue because no block was free (`tp_freeze_q_cnt`).
    pub freezes: u64,
}

impl SourceStats {
    /// Adds another port's counters (the box has two).
    pub fn add(&mut self, other: SourceStats) {
        self.frames += other.frames;
        self.kernel_drops += other.kernel_drops;
        self.freezes += other.freezes;
    }
}

/// The state of one capture port, for the fault LED and `telltale status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortHealth {
    /// Open and the link is up.
    Up,
    /// The interface exists but its link is down (cable out).
    Down,
    /// The interface does not exist (yet).
    Missing,
}

/// Why a live source failed. Every message names the interface and what went wrong, in one line.
#[derive(Debug)]
pub enum SourceError {
    /// The interface named in the config does not exist.
    NoSuchInterface {
        /// The interface name.
        interface: String,
    },
    /// Opening the socket needs CAP_NET_RAW.
    Permission {
        /// The interface name.
        interface: String,
    },
    /// Any other system call failure, with the call that failed.
    Io {
        /// The interface name.
        interface: String,
        /// What was being done (`"setsockopt(PACKET_RX_RING)"`, `"mmap"`, `"poll"`...).
        what: &'static str,
        /// The error.
        source: std::io::Error,
    },
    /// The end of a capture file (file sources only): the daemon stops cleanly.
    Finished,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::NoSuchInterface { interface } => {
                write!(f, "{interface}: no such network interface")
            }
            SourceError::Permission { interface } => write!(
                f,
                "{interface}: capture needs CAP_NET_RAW (run as root or give telltaled the capability)"
            ),
            SourceError::Io {
                interface,
                what,
                source,
            } => write!(f, "{interface}: {what}: {source}"),
            SourceError::Finished => f.write_str("end of capture"),
        }
    }
}

impl std::error::Error for SourceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SourceError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Something that captures frames on the bridge ports.
pub trait FrameSource {
    /// Waits at most `timeout` for frames, then hands every frame available now to `each`, in
    /// arrival order, and releases their buffers. Returns how many frames were handed (0 when
    /// the timeout passed with none). Each frame's `port` says which bridge port it came from.
    fn next_batch(
        &mut self,
        timeout: Duration,
        each: &mut dyn FnMut(&Frame<'_>),
    ) -> Result<usize, SourceError>;

    /// Counters since the source was opened (both ports together).
    fn stats(&mut self) -> SourceStats;

    /// The health of a port (`Up` for sources without ports, such as files).
    fn health(&self, port: Port) -> PortHealth;

    /// One port's counters as of the last [`stats`](Self::stats), for sources that keep the
    /// ports apart (`None` otherwise).
    fn port_stats(&self, _port: Port) -> Option<SourceStats> {
        None
    }
}
