//! The two bridge ports as one live source, whatever captures them: choosing the backend by
//! name (`LiveBackend`, from the daemon's config), opening both ports (`open_live`), and the
//! poll(2) wait on the two sockets both backends share.

use core::fmt;
use core::str::FromStr;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::Duration;

use super::pnet_source::PnetSource;
use super::source::{FrameSource, SourceError};
use super::tpacket::{TpacketConfig, TpacketSource};

/// Which capture backend reads the bridge ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LiveBackend {
    /// AF_PACKET TPACKET_V3 memory-mapped rings: frames read in place, kernel timestamps,
    /// stripped VLAN tags kept, drop counters. The default on Linux.
    #[default]
    Tpacket,
    /// pnet_datalink: one `recvfrom` copy per frame, user-space timestamps, stripped VLAN tags
    /// lost. For systems where the ring cannot be set up.
    Pnet,
}

impl LiveBackend {
    /// The name used in the config file.
    pub fn name(self) -> &'static str {
        match self {
            LiveBackend::Tpacket => "tpacket",
            LiveBackend::Pnet => "pnet",
        }
    }
}

impl fmt::Display for LiveBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A backend name that is neither `tpacket` nor `pnet`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown capture backend {0:?} (expected \"tpacket\" or \"pnet\")")]
pub struct UnknownBackend(pub String);

impl FromStr for LiveBackend {
    type Err = UnknownBackend;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "tpacket" => Ok(LiveBackend::Tpacket),
            "pnet" => Ok(LiveBackend::Pnet),
            other => Err(UnknownBackend(other.to_owned())),
        }
    }
}

/// Opens both bridge ports with `backend`, in the calling thread's network namespace: `lan` is
/// the access point side, `wan` the router side. `ring` sizes the TPACKET_V3 rings (the pnet
/// backend ignores it).
pub fn open_live(
    backend: LiveBackend,
    lan: &str,
    wan: &str,
    ring: &TpacketConfig,
) -> Result<Box<dyn FrameSource + Send>, SourceError> {
    Ok(match backend {
        LiveBackend::Tpacket => Box::new(TpacketSource::open(lan, wan, ring)?),
        LiveBackend::Pnet => Box::new(PnetSource::open(lan, wan)?),
    })
}

/// What poll(2) said about one socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Readiness {
    /// Nothing (or no socket).
    Idle,
    /// Frames are waiting.
    Readable,
    /// The socket has an error pending (POLLERR, POLLHUP or POLLNVAL).
    Error,
}

/// Waits up to `timeout` until one of the (up to two) sockets is readable or has an error.
/// An interrupted wait (EINTR) returns both `Idle`, so the caller can look at its signals.
pub(crate) fn wait_readable(
    fds: [Option<BorrowedFd<'_>>; 2],
    timeout: Duration,
) -> io::Result<[Readiness; 2]> {
    let mut polls = [libc::pollfd {
        fd: -1,
        events: libc::POLLIN,
        revents: 0,
    }; 2];
    for (p, fd) in polls.iter_mut().zip(fds) {
        // A negative descriptor is skipped by poll(2).
        p.fd = fd.map_or(-1, |fd| fd.as_raw_fd());
    }
    let millis = timeout.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as libc::c_int;
    // SAFETY: `polls` is a live array of two `pollfd`s; the descriptors are borrowed, so open.
    let rc = unsafe { libc::poll(polls.as_mut_ptr(), 2, millis) };
    if rc < 0 {
        let err = io::Error::last_os_error();
        if err.kind() == io::ErrorKind::Interrupted {
            return Ok([Readiness::Idle; 2]);
        }
        return Err(err);
    }
    Ok(polls.map(|p| {
        if p.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
            Readiness::Error
        } else if p.revents & libc::POLLIN != 0 {
            Readiness::Readable
        } else {
            Readiness::Idle
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_names_round_trip() {
        for backend in [LiveBackend::Tpacket, LiveBackend::Pnet] {
            assert_eq!(backend.name().parse::<LiveBackend>().unwrap(), backend);
        }
        let err = "pcap".parse::<LiveBackend>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown capture backend \"pcap\" (expected \"tpacket\" or \"pnet\")"
        );
    }

    #[test]
    fn poll_without_sockets_waits_the_timeout() {
        let start = std::time::Instant::now();
        let ready = wait_readable([None, None], Duration::from_millis(30)).unwrap();
        assert_eq!(ready, [Readiness::Idle; 2]);
        assert!(start.elapsed() >= Duration::from_millis(25));
    }

    #[test]
    fn poll_sees_a_readable_socket() {
        use std::os::fd::AsFd;
        let a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        b.send_to(b"x", a.local_addr().unwrap()).unwrap();
        let ready = wait_readable([None, Some(a.as_fd())], Duration::from_secs(2)).unwrap();
        assert_eq!(ready, [Readiness::Idle, Readiness::Readable]);
    }
}
