//! The packet socket of one bridge port and its options: `AF_PACKET`/`SOCK_RAW` bound to the
//! port's interface index for every protocol (`ETH_P_ALL`), `PACKET_IGNORE_OUTGOING` so that a
//! frame the bridge forwards out of this port is not seen a second time, promiscuous
//! membership, `TPACKET_V3` with its receive ring, and the kernel's `PACKET_STATISTICS`.
//!
//! The socket is created with protocol 0, so it receives nothing until `bind` names the
//! protocol and the interface: the ring never holds frames of other interfaces.

use std::mem::size_of;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};

use super::sys::{get_option, set_option, source_error};
use crate::capture::source::SourceError;

/// The kernel's counters for one socket since they were last read (reading resets them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KernelCounters {
    /// Frames that reached the socket, dropped ones included (`tp_packets`).
    pub packets: u64,
    /// Frames dropped because the ring (or socket buffer) was full (`tp_drops`).
    pub drops: u64,
    /// Times the ring's queue froze because no block was free (`tp_freeze_q_cnt`, rings only).
    pub freezes: u64,
}

impl KernelCounters {
    /// Adds counters read later.
    pub fn add(&mut self, other: KernelCounters) {
        self.packets += other.packets;
        self.drops += other.drops;
        self.freezes += other.freezes;
    }
}

/// `htons(ETH_P_ALL)`: every protocol, as the kernel wants it in `sockaddr_ll` and `socket`.
fn eth_p_all() -> u16 {
    (libc::ETH_P_ALL as u16).to_be()
}

/// An `AF_PACKET` socket for one interface.
#[derive(Debug)]
pub(crate) struct PacketSocket {
    fd: OwnedFd,
    interface: String,
}

impl PacketSocket {
    /// Creates the socket (not yet bound: it receives nothing).
    pub(crate) fn new(interface: &str) -> Result<PacketSocket, SourceError> {
        // SAFETY: socket(2) with constant arguments; the returned descriptor is checked and then
        // owned by `OwnedFd`.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            let err = std::io::Error::last_os_error();
            return Err(source_error(interface, "socket(AF_PACKET)", err));
        }
        Ok(PacketSocket {
            // SAFETY: `fd` is a fresh descriptor that nothing else owns.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            interface: interface.to_owned(),
        })
    }

    fn set<T: super::sys::OptionValue>(
        &self,
        level: libc::c_int,
        name: libc::c_int,
        value: &T,
        what: &'static str,
    ) -> Result<(), SourceError> {
        set_option(self.fd.as_fd(), level, name, value)
            .map_err(|e| source_error(&self.interface, what, e))
    }

    /// Drops frames the host sends out of this interface (the bridge's forwarded copies).
    pub(crate) fn ignore_outgoing(&self) -> Result<(), SourceError> {
        let on: libc::c_int = 1;
        self.set(
            libc::SOL_PACKET,
            libc::PACKET_IGNORE_OUTGOING,
            &on,
            "setsockopt(PACKET_IGNORE_OUTGOING)",
        )
    }

    /// Puts the interface in promiscuous mode for as long as the socket is open (bridge ports
    /// already are; this keeps capture complete on a port that is not bridged).
    pub(crate) fn promiscuous(&self, ifindex: u32) -> Result<(), SourceError> {
        let mreq = libc::packet_mreq {
            mr_ifindex: ifindex as libc::c_int,
            mr_type: libc::PACKET_MR_PROMISC as libc::c_ushort,
            mr_alen: 0,
            mr_address: [0; 8],
        };
        self.set(
            libc::SOL_PACKET,
            libc::PACKET_ADD_MEMBERSHIP,
            &mreq,
            "setsockopt(PACKET_ADD_MEMBERSHIP)",
        )
    }

    /// Selects TPACKET_V3 (variable-size frames packed in blocks).
    pub(crate) fn tpacket_v3(&self) -> Result<(), SourceError> {
        let version = libc::tpacket_versions::TPACKET_V3 as libc::c_int;
        self.set(
            libc::SOL_PACKET,
            libc::PACKET_VERSION,
            &version,
            "setsockopt(PACKET_VERSION)",
        )
    }

    /// Asks the kernel for the receive ring described by `req`.
    pub(crate) fn rx_ring(&self, req: &libc::tpacket_req3) -> Result<(), SourceError> {
        self.set(
            libc::SOL_PACKET,
            libc::PACKET_RX_RING,
            req,
            "setsockopt(PACKET_RX_RING)",
        )
    }

    /// Binds to `ifindex` for every protocol: from here on the interface's frames arrive.
    pub(crate) fn bind(&self, ifindex: u32) -> Result<(), SourceError> {
        // SAFETY: `sockaddr_ll` is a plain C struct for which all-zero is a valid value.
        let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        addr.sll_family = libc::AF_PACKET as libc::c_ushort;
        addr.sll_protocol = eth_p_all();
        addr.sll_ifindex = ifindex as libc::c_int;
        // SAFETY: `addr` is a live `sockaddr_ll` of the length given; the kernel only reads it.
        let rc = unsafe {
            libc::bind(
                self.fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            let err = std::io::Error::last_os_error();
            return Err(source_error(&self.interface, "bind", err));
        }
        Ok(())
    }

    /// Reads (and so resets) the ring's counters (`tpacket_stats_v3`).
    pub(crate) fn ring_counters(&self) -> Result<KernelCounters, SourceError> {
        let st: libc::tpacket_stats_v3 =
            get_option(self.fd.as_fd(), libc::SOL_PACKET, libc::PACKET_STATISTICS)
                .map_err(|e| source_error(&self.interface, "getsockopt(PACKET_STATISTICS)", e))?;
        Ok(KernelCounters {
            packets: u64::from(st.tp_packets),
            drops: u64::from(st.tp_drops),
            freezes: u64::from(st.tp_freeze_q_cnt),
        })
    }

    /// Gives up ownership of the descriptor (to a library that will close it).
    pub(crate) fn into_raw_fd(self) -> RawFd {
        self.fd.into_raw_fd()
    }
}

impl AsFd for PacketSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Reads (and so resets) the counters of a packet socket without a ring (`tpacket_stats`).
pub(crate) fn socket_counters(
    fd: BorrowedFd<'_>,
    interface: &str,
) -> Result<KernelCounters, SourceError> {
    let st: libc::tpacket_stats = get_option(fd, libc::SOL_PACKET, libc::PACKET_STATISTICS)
        .map_err(|e| source_error(interface, "getsockopt(PACKET_STATISTICS)", e))?;
    Ok(KernelCounters {
        packets: u64::from(st.tp_packets),
        drops: u64::from(st.tp_drops),
        freezes: 0,
    })
}
