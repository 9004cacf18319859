//! `TpacketSource`: the two bridge ports' rings as one `FrameSource`.
//!
//! A batch waits in poll(2) on both sockets (unless a block is already waiting), then merges the
//! two rings' frames by capture time, so that a request seen on `lan` and its answer seen on
//! `wan` reach the engine in the order they crossed the box. Each port takes at most one ring's
//! worth of blocks per batch.
//!
//! An interface that goes away (a USB adapter pulled out) leaves its socket bound to nothing:
//! the port is then `Missing`, and every second the source looks for an interface of that
//! name and opens a new ring on it. Whether the bound interface is still there is checked on
//! a socket error and once a second.

use std::time::{Duration, Instant};

use super::config::{config_error, page_size, TpacketConfig};
use super::iface::Interfaces;
use super::port::{PortStats, RingPort};
use super::sys::{source_error, take_socket_error};
use crate::capture::bridge::{wait_readable, Readiness};
use crate::capture::source::{FrameSource, PortHealth, SourceError, SourceStats};
use crate::capture::{Frame, Port};

/// How often a vanished port's interface is looked for again.
const REOPEN_INTERVAL: Duration = Duration::from_secs(1);

/// One port (`lan` is slot 0, `wan` slot 1): its interface name, its ring while it has one, and its counters.
#[derive(Debug)]
struct Slot {
    interface: String,
    ring: Option<RingPort>,
    /// Counters of rings this port had before its interface vanished.
    past: PortStats,
    last_check: Instant,
}

impl Slot {
    fn stats(&self) -> PortStats {
        let mut total = self.past;
        if let Some(ring) = &self.ring {
            total.frames += ring.stats.frames;
            total.kernel.add(ring.stats.kernel);
            total.bad_blocks += ring.stats.bad_blocks;
        }
        total
    }

    /// Closes the ring (its interface is gone), keeping its counters.
    fn detach(&mut self) {
        if let Some(mut ring) = self.ring.take() {
            let _ = ring.read_counters();
            self.past.frames += ring.stats.frames;
            self.past.kernel.add(ring.stats.kernel);
            self.past.bad_blocks += ring.stats.bad_blocks;
        }
        self.last_check = Instant::now();
    }
}

/// The TPACKET_V3 rings of the two bridge ports.
#[derive(Debug)]
pub struct TpacketSource {
    slots: [Slot; 2],
    interfaces: Interfaces,
    req: libc::tpacket_req3,
}

impl TpacketSource {
    /// Opens a ring on `lan` (access point side) and one on `wan` (router side), in the calling
    /// thread's network namespace.
    ///
    /// Errors: `Io { what: "ring configuration" }` for a geometry the kernel would refuse (a
    /// block size that is not a multiple of the page size...), `NoSuchInterface`, `Permission`
    /// (no CAP_NET_RAW), `Io` naming the call that failed.
    pub fn open(lan: &str, wan: &str, config: &TpacketConfig) -> Result<Self, SourceError> {
        let req = config
            .validate(page_size())
            .map_err(|e| config_error(lan, e))?;
        let interfaces = Interfaces::open().map_err(|e| source_error(lan, "socket(AF_UNIX)", e))?;
        let open = |interface: &str| -> Result<Slot, SourceError> {
            let ifindex = interfaces.index(interface)?;
            Ok(Slot {
                interface: interface.to_owned(),
                ring: Some(RingPort::open(interface, ifindex, &req)?),
                past: PortStats::default(),
                last_check: Instant::now(),
            })
        };
        let lan_slot = open(lan)?;
        let wan_slot = open(wan)?;
        Ok(TpacketSource {
            slots: [lan_slot, wan_slot],
            interfaces,
            req,
        })
    }

    /// Like [`open`](Self::open), but a port whose interface does not exist yet (a USB adapter
    /// not plugged in, a bridge not set up) is opened as `Missing` and gets its ring when the
    /// interface appears. Returns the source and the ports it is waiting for (as errors, for
    /// the log). Every other failure is an error as with `open`.
    pub fn open_waiting(
        lan: &str,
        wan: &str,
        config: &TpacketConfig,
    ) -> Result<(Self, Vec<SourceError>), SourceError> {
        let req = config
            .validate(page_size())
            .map_err(|e| config_error(lan, e))?;
        let interfaces = Interfaces::open().map_err(|e| source_error(lan, "socket(AF_UNIX)", e))?;
        let mut waiting = Vec::new();
        let mut open = |interface: &str| -> Result<Slot, SourceError> {
            let ring = match interfaces.index(interface) {
                Ok(ifindex) => Some(RingPort::open(interface, ifindex, &req)?),
                Err(e @ SourceError::NoSuchInterface { .. }) => {
                    waiting.push(e);
                    None
                }
                Err(e) => return Err(e),
            };
            Ok(Slot {
                interface: interface.to_owned(),
                ring,
                past: PortStats::default(),
                last_check: Instant::now(),
            })
        };
        let lan_slot = open(lan)?;
        let wan_slot = open(wan)?;
        let source = TpacketSource {
            slots: [lan_slot, wan_slot],
            interfaces,
            req,
        };
        Ok((source, waiting))
    }

    fn slot(&self, port: Port) -> &Slot {
        match port {
            Port::Lan => &self.slots[0],
            Port::Wan => &self.slots[1],
        }
    }

    /// Counters of one port (read `stats` first to bring the kernel's counters in).
    pub fn port_stats(&self, port: Port) -> PortStats {
        self.slot(port).stats()
    }

    /// The interface name of a port.
    pub fn interface(&self, port: Port) -> &str {
        &self.slot(port).interface
    }

    /// Once a second per port: closes a ring whose interface is gone or was replaced (the
    /// kernel does not always report it: an interface removed while down sends no error), and
    /// opens a ring again on a port whose interface came back.
    ///
    /// A new socket belongs to the network namespace of the thread that creates it, so rings
    /// are reopened only from a thread in the namespace the source was opened in (the daemon has
    /// one namespace; a test that opened the source inside another must poll from there too).
    fn check_ports(&mut self) {
        let same_netns = self.interfaces.is_current_netns();
        for slot in &mut self.slots {
            if slot.last_check.elapsed() < REOPEN_INTERVAL {
                continue;
            }
            slot.last_check = Instant::now();
            let current = self.interfaces.index(&slot.interface).ok();
            match (&slot.ring, current) {
                (Some(ring), current) if current != Some(ring.ifindex()) => slot.detach(),
                (None, Some(ifindex)) if same_netns => {
                    if let Ok(ring) = RingPort::open(&slot.interface, ifindex, &self.req) {
                        slot.ring = Some(ring);
                        slot.past.reopened += 1;
                    }
                }
                _ => {}
            }
        }
    }

    /// A socket reported an error: clear it, and let the ring go if its interface is gone (the
    /// kernel unbinds a packet socket from an unregistered device for good). A port that only
    /// went down keeps its ring: the kernel resumes it when the link comes back.
    fn on_socket_error(&mut self, which: usize) -> Result<(), SourceError> {
        let slot = &mut self.slots[which];
        let Some(ring) = &slot.ring else {
            return Ok(());
        };
        let pending = take_socket_error(ring.fd())
            .map_err(|e| source_error(&slot.interface, "getsockopt(SO_ERROR)", e))?;
        let bound = ring.ifindex();
        let current = self.interfaces.index(&slot.interface).ok();
        if current != Some(bound) {
            slot.detach();
            return Ok(());
        }
        match pending {
            Some(e) if e.raw_os_error() != Some(libc::ENETDOWN) => {
                Err(source_error(&slot.interface, "poll", e))
            }
            _ => Ok(()),
        }
    }

    /// Hands out frames from both rings in capture-time order (`lan` first on a tie).
    fn merge(&mut self, each: &mut dyn FnMut(&Frame<'_>)) -> usize {
        let [lan, wan] = &mut self.slots;
        for slot in [&mut *lan, &mut *wan] {
            if let Some(ring) = &mut slot.ring {
                ring.start_batch();
            }
        }
        let mut handed = 0;
        loop {
            let lan_ts = lan.ring.as_mut().and_then(RingPort::peek_ts);
            let wan_ts = wan.ring.as_mut().and_then(RingPort::peek_ts);
            let (slot, port) = match (lan_ts, wan_ts) {
                (None, None) => return handed,
                (Some(l), Some(w)) if w < l => (&mut *wan, Port::Wan),
                (Some(_), _) => (&mut *lan, Port::Lan),
                (None, Some(_)) => (&mut *wan, Port::Wan),
            };
            if let Some(ring) = &mut slot.ring {
                if ring.emit(port, each) {
                    handed += 1;
                }
            }
        }
    }

    fn anything_waiting(&mut self) -> bool {
        let mut waiting = false;
        for slot in &mut self.slots {
            if let Some(ring) = &mut slot.ring {
                ring.start_batch();
                waiting |= ring.has_frame();
            }
        }
        waiting
    }
}

impl FrameSource for TpacketSource {
    fn next_batch(
        &mut self,
        timeout: Duration,
        each: &mut dyn FnMut(&Frame<'_>),
    ) -> Result<usize, SourceError> {
        self.check_ports();
        if !self.anything_waiting() {
            let fds = [
                self.slots[0].ring.as_ref().map(RingPort::fd),
                self.slots[1].ring.as_ref().map(RingPort::fd),
            ];
            let ready = wait_readable(fds, timeout)
                .map_err(|e| source_error(&self.slots[0].interface, "poll", e))?;
            for (which, readiness) in ready.into_iter().enumerate() {
                if readiness == Readiness::Error {
                    self.on_socket_error(which)?;
                }
            }
        }
        Ok(self.merge(each))
    }

    fn stats(&mut self) -> SourceStats {
        let mut total = SourceStats::default();
        for slot in &mut self.slots {
            if let Some(ring) = &mut slot.ring {
                // A failed read leaves the counters as they were; the next read catches up.
                let _ = ring.read_counters();
            }
            let s = slot.stats();
            total.add(SourceStats {
                frames: s.frames,
                kernel_drops: s.kernel.drops,
                freezes: s.kernel.freezes,
            });
        }
        total
    }

    fn health(&self, port: Port) -> PortHealth {
        let slot = self.slot(port);
        match &slot.ring {
            None => PortHealth::Missing,
            Some(_) => self.interfaces.health(&slot.interface),
        }
    }

    fn port_stats(&self, port: Port) -> Option<SourceStats> {
        let s = self.slot(port).stats();
        Some(SourceStats {
            frames: s.frames,
            kernel_drops: s.kernel.drops,
            freezes: s.kernel.freezes,
        })
    }
}
