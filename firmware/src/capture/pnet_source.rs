//! The portable fallback: the two bridge ports read through `pnet_datalink`, for systems where
//! the TPACKET_V3 ring cannot be set up.
//!
//! What it costs, compared with the ring: every frame is copied out of the kernel by one
//! `recvfrom` (after a zero-timeout poll), so two system calls per frame, and the kernel drops
//! frames when the socket buffer fills under load; timestamps are taken in user space when the
//! frame is read; the VLAN tag the kernel strips on receive is lost (`recvfrom` does not carry
//! it), so tagged frames arrive untagged with `stripped_vlan: None`; within a batch, frames are
//! handed port by port, not merged by time.
//!
//! Like the ring, the socket is opened by us with `PACKET_IGNORE_OUTGOING` set, so a frame the
//! bridge forwards is seen once, on the port it came in on; pnet_datalink then binds it.

use std::os::fd::{BorrowedFd, RawFd};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pnet_datalink::{Channel, DataLinkReceiver, DataLinkSender};

use super::bridge::{wait_readable, Readiness};
use super::source::{FrameSource, PortHealth, SourceError, SourceStats};
use super::tpacket::iface::Interfaces;
use super::tpacket::socket::{socket_counters, KernelCounters, PacketSocket};
use super::tpacket::sys::{source_error, take_socket_error};
use super::{Frame, LinkType, Port, Timestamp};

/// Largest frame read whole (64 KiB: a GRO/GSO super-frame if offloads were left on).
const READ_BUFFER: usize = 65_536;

/// Most frames read from one port per batch.
const BATCH_LIMIT: usize = 4096;

/// One port read through pnet_datalink.
struct PnetPort {
    interface: String,
    port: Port,
    ifindex: u32,
    rx: Box<dyn DataLinkReceiver>,
    /// Kept because the receiver and sender share the socket; never used.
    _tx: Box<dyn DataLinkSender>,
    /// The socket both own (closed when they are dropped).
    fd: RawFd,
    frames: u64,
    kernel: KernelCounters,
}

impl core::fmt::Debug for PnetPort {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PnetPort")
            .field("interface", &self.interface)
            .field("port", &self.port)
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl PnetPort {
    fn open(interfaces: &Interfaces, interface: &str, port: Port) -> Result<Self, SourceError> {
        let ifindex = interfaces.index(interface)?;
        let iface = pnet_datalink::interfaces()
            .into_iter()
            .find(|i| i.name == interface)
            .ok_or_else(|| SourceError::NoSuchInterface {
                interface: interface.to_owned(),
            })?;
        let socket = PacketSocket::new(interface)?;
        socket.ignore_outgoing()?;
        let fd = socket.into_raw_fd();
        let config = pnet_datalink::Config {
            read_buffer_size: READ_BUFFER,
            read_timeout: Some(Duration::ZERO),
            promiscuous: true,
            socket_fd: Some(fd),
            ..pnet_datalink::Config::default()
        };
        // pnet_datalink binds the socket to the interface and owns it from here on (it closes
        // it itself if this fails).
        let (tx, rx) = match pnet_datalink::channel(&iface, config) {
            Ok(Channel::Ethernet(tx, rx)) => (tx, rx),
            Ok(_) => {
                return Err(SourceError::Io {
                    interface: interface.to_owned(),
                    what: "pnet_datalink::channel",
                    source: std::io::Error::other("not an Ethernet channel"),
                })
            }
            Err(e) => return Err(source_error(interface, "pnet_datalink::channel", e)),
        };
        Ok(PnetPort {
            interface: interface.to_owned(),
            port,
            ifindex,
            rx,
            _tx: tx,
            fd,
            frames: 0,
            kernel: KernelCounters::default(),
        })
    }

    fn fd(&self) -> BorrowedFd<'_> {
        // SAFETY: `fd` is the socket `rx` and `_tx` own; it stays open while they live, which is
        // as long as `self`, and the borrow is tied to `&self`.
        unsafe { BorrowedFd::borrow_raw(self.fd) }
    }

    /// Reads every frame waiting now (up to `BATCH_LIMIT`).
    fn drain(&mut self, each: &mut dyn FnMut(&Frame<'_>)) -> Result<usize, SourceError> {
        let mut handed = 0;
        while handed < BATCH_LIMIT {
            match self.rx.next() {
                Ok(data) => {
                    let ts = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos() as u64);
                    each(&Frame {
                        data,
                        wire_len: data.len() as u32,
                        ts: Timestamp(ts),
                        link: LinkType::Ethernet,
                        port: Some(self.port),
                        stripped_vlan: None,
                    });
                    handed += 1;
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => break,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    // pnet reports a pending socket error as an "unexpected poll event": clear
                    // it; a port that went down or away is not an error of the source.
                    let pending = take_socket_error(self.fd())
                        .map_err(|e| source_error(&self.interface, "getsockopt(SO_ERROR)", e))?;
                    match pending {
                        Some(p) if p.raw_os_error() == Some(libc::ENETDOWN) => break,
                        Some(p) => return Err(source_error(&self.interface, "recvfrom", p)),
                        None => return Err(source_error(&self.interface, "recvfrom", e)),
                    }
                }
            }
        }
        self.frames += handed as u64;
        Ok(handed)
    }

    fn read_counters(&mut self) {
        // A failed read leaves the counters as they were; the next read catches up.
        if let Ok(read) = socket_counters(self.fd(), &self.interface) {
            self.kernel.add(read);
        }
    }
}

/// The two bridge ports read through pnet_datalink.
#[derive(Debug)]
pub struct PnetSource {
    ports: [PnetPort; 2],
    interfaces: Interfaces,
}

impl PnetSource {
    /// Opens `lan` and `wan` in the calling thread's network namespace.
    pub fn open(lan: &str, wan: &str) -> Result<Self, SourceError> {
        let interfaces = Interfaces::open().map_err(|e| source_error(lan, "socket(AF_UNIX)", e))?;
        let lan_port = PnetPort::open(&interfaces, lan, Port::Lan)?;
        let wan_port = PnetPort::open(&interfaces, wan, Port::Wan)?;
        Ok(PnetSource {
            ports: [lan_port, wan_port],
            interfaces,
        })
    }

    /// The kernel's counters of one port, accumulated (read `stats` first to bring them in).
    pub fn kernel_counters(&self, port: Port) -> KernelCounters {
        self.ports[port as usize].kernel
    }
}

impl FrameSource for PnetSource {
    fn next_batch(
        &mut self,
        timeout: Duration,
        each: &mut dyn FnMut(&Frame<'_>),
    ) -> Result<usize, SourceError> {
        let fds = [Some(self.ports[0].fd()), Some(self.ports[1].fd())];
        let ready = wait_readable(fds, timeout)
            .map_err(|e| source_error(&self.ports[0].interface, "poll", e))?;
        let mut handed = 0;
        for (port, readiness) in self.ports.iter_mut().zip(ready) {
            if readiness != Readiness::Idle {
                handed += port.drain(each)?;
            }
        }
        Ok(handed)
    }

    fn stats(&mut self) -> SourceStats {
        let mut total = SourceStats::default();
        for port in &mut self.ports {
            port.read_counters();
            total.add(SourceStats {
                frames: port.frames,
                kernel_drops: port.kernel.drops,
                freezes: 0,
            });
        }
        total
    }

    fn health(&self, port: Port) -> PortHealth {
        let p = &self.ports[port as usize];
        // A socket whose interface was replaced (same name, new index) reads nothing any more.
        match self.interfaces.index(&p.interface) {
            Ok(index) if index == p.ifindex => self.interfaces.health(&p.interface),
            _ => PortHealth::Missing,
        }
    }
}
