//! Interface look-ups by name, in the network namespace the source was opened in: the
//! interface index (`SIOCGIFINDEX`) and the link state (`SIOCGIFFLAGS`: `IFF_UP` and
//! `IFF_RUNNING`, the carrier) for `PortHealth`.
//!
//! The requests go through a datagram socket of our own (netdevice(7): these requests work on
//! any socket); a socket stays in the namespace it was created in, so the answers are about the
//! bridge's namespace even when asked from another thread.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::sys::source_error;
use crate::capture::source::{PortHealth, SourceError};

/// A socket for interface requests, and the network namespace it was opened in.
#[derive(Debug)]
pub(crate) struct Interfaces {
    fd: OwnedFd,
    netns: Option<(u64, u64)>,
}

/// The calling thread's network namespace (device and inode of `/proc/thread-self/ns/net`).
fn current_netns() -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata("/proc/thread-self/ns/net").ok()?;
    Some((meta.dev(), meta.ino()))
}

/// `struct ifreq` for `name`, or `None` if no interface can have that name (empty, too long,
/// or with a NUL byte).
fn ifreq(name: &str) -> Option<libc::ifreq> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return None;
    }
    // SAFETY: `ifreq` is a plain C struct (a name and a union of integers and addresses) for
    // which all-zero is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(bytes) {
        *dst = *src as libc::c_char;
    }
    Some(req)
}

impl Interfaces {
    /// Opens the request socket in the calling thread's network namespace.
    pub(crate) fn open() -> io::Result<Interfaces> {
        // SAFETY: socket(2) with constant arguments; the descriptor is checked and then owned.
        let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Interfaces {
            // SAFETY: a fresh descriptor nothing else owns.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            netns: current_netns(),
        })
    }

    /// True when the calling thread is in the namespace these requests answer for (or when that
    /// cannot be told, without /proc).
    pub(crate) fn is_current_netns(&self) -> bool {
        self.netns.is_none() || current_netns() == self.netns
    }

    fn request(&self, name: &str, request: libc::c_ulong) -> io::Result<libc::ifreq> {
        let mut req = ifreq(name).ok_or_else(|| io::Error::from_raw_os_error(libc::ENODEV))?;
        // SAFETY: `req` is a valid, NUL-terminated `ifreq` the kernel reads the name from and
        // writes one union member of; the descriptor is open.
        let rc = unsafe { libc::ioctl(self.fd.as_raw_fd(), request as _, &mut req) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(req)
    }

    /// The interface index of `name`; `NoSuchInterface` if there is none.
    pub(crate) fn index(&self, name: &str) -> Result<u32, SourceError> {
        let req = self
            .request(name, libc::SIOCGIFINDEX)
            .map_err(|e| source_error(name, "ioctl(SIOCGIFINDEX)", e))?;
        // SAFETY: SIOCGIFINDEX wrote the `ifru_ifindex` member of the union.
        let index = unsafe { req.ifr_ifru.ifru_ifindex };
        Ok(index as u32)
    }

    /// Up (administratively up and carrier present), Down, or Missing.
    pub(crate) fn health(&self, name: &str) -> PortHealth {
        match self.request(name, libc::SIOCGIFFLAGS) {
            Ok(req) => {
                // SAFETY: SIOCGIFFLAGS wrote the `ifru_flags` member of the union.
                let flags = libc::c_int::from(unsafe { req.ifr_ifru.ifru_flags });
                let up = libc::IFF_UP | libc::IFF_RUNNING;
                if flags & up == up {
                    PortHealth::Up
                } else {
                    PortHealth::Down
                }
            }
            Err(_) => PortHealth::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_up_and_unknown_names_are_missing() {
        let ifs = Interfaces::open().unwrap();
        assert_eq!(ifs.health("lo"), PortHealth::Up);
        assert_eq!(ifs.index("lo").unwrap(), 1);
        for name in ["telltale-nope", "", "a-name-far-too-long-for-linux", "a\0b"] {
            assert_eq!(ifs.health(name), PortHealth::Missing, "{name:?}");
            let err = ifs.index(name).unwrap_err();
            assert!(
                matches!(err, SourceError::NoSuchInterface { ref interface } if interface == name),
                "{err}"
            );
        }
    }
}
