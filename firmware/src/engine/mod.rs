//! The pipeline: one frame in, facts and flow records out.
//!
//! `Engine::poll(frame, number, sink)` dissects a borrowed frame down to its transport flow,
//! accounts it, and runs the application dissectors that can name something (DNS, DHCP, SSDP,
//! HTTP, TLS, QUIC). Everything it needs is allocated in `Engine::new`; `poll` allocates nothing.
//! Time comes from the frame's timestamp only. With `summary_window_secs` set, it also adds
//! flows up per window, device and destination (`windows`, `crate::summary`).

mod alerts;
mod clock;
mod counters;
mod datagram;
mod identity;
mod ip;
mod readers;
mod stream;
mod windows;

pub use clock::Clock;
pub use counters::{Counters, Skip};
pub use readers::ReaderCounters;

use crate::capture::{Frame, Timestamp};
use crate::detect::policy::{Locate, NoGeo, NoPolicy, Policy};
use crate::detect::stats::StatsRef;
use crate::detect::thresholds::Thresholds;
use crate::detect::{DetectConfig, Detector};
use crate::event::{FlowRecord, Meta, Sink};
use crate::flow::defrag::Defragmenter;
use crate::flow::key::{Endpoint, FlowKey, KeyDir, PROTO_TCP, PROTO_UDP};
use crate::flow::reasm::BufPool;
use crate::flow::table::{EndReason, FlowClass, FlowTable};
use crate::naming::devices::DeviceId;
use crate::naming::names::{NameId, NameTable};
use crate::naming::{NameSource, Naming, NamingConfig};
use crate::wire::link::{self, Network};
use crate::wire::{be16, tcp, udp};

use readers::{ReaderRef, Readers};

/// Sizes and timeouts, chosen at start.
#[derive(Debug, Clone, Copy)]
pub struct EngineConfig {
    /// Concurrent flows.
    pub flow_capacity: usize,
    /// Idle timeout of TCP flows, seconds.
    pub tcp_idle_secs: u64,
    /// Idle timeout of UDP and other flows, seconds.
    pub udp_idle_secs: u64,
    /// How long a TCP connection seen to close (FIN both ways, or RST) stays in the table
    /// after its last frame, for late acknowledgements and retransmissions, seconds.
    pub tcp_closed_linger_secs: u64,
    /// Flows reading a handshake at once (TCP stream readers, QUIC Initial readers): a TCP
    /// connection holds one from its first payload, a UDP flow from its first long-header
    /// datagram, until its ClientHello, request heads or Initials are read (see `readers`).
    pub reader_slots: usize,
    /// Reassembly buffers (streams whose handshake is incomplete at once).
    pub reasm_slots: usize,
    /// Size of each reassembly buffer: the largest ClientHello, request head or DNS message
    /// we reassemble.
    pub reasm_slot_size: usize,
    /// IP datagrams being reassembled at once.
    pub defrag_slots: usize,
    /// Seed of the flow hash.
    pub hash_seed: u64,
    /// Sizes of the name, DNS-answer and device tables.
    pub naming: NamingConfig,
    /// Sizes of the detector's tables.
    pub detect: DetectConfig,
    /// Detection thresholds.
    pub thresholds: Thresholds,
    /// Length of the summary windows, seconds (0: no summaries, the default; the daemon uses
    /// 300). See `crate::summary`.
    pub summary_window_secs: u64,
    /// (device, destination, transport) keys one window holds; beyond, a device's further
    /// destinations are merged into its "other destinations" summary (counted).
    pub summary_capacity: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            flow_capacity: 65_536,
            tcp_idle_secs: 300,
            udp_idle_secs: 120,
            tcp_closed_linger_secs: 5,
            reader_slots: 16_384,
            reasm_slots: 256,
            reasm_slot_size: 16 * 1024,
            defrag_slots: 32,
            hash_seed: 0x7e11_7a1e_5eed_0001,
            naming: NamingConfig::default(),
            detect: DetectConfig::default(),
            thresholds: Thresholds::default(),
            summary_window_secs: 0,
            summary_capacity: 16_384,
        }
    }
}

/// Per-flow state kept in the flow table.
#[derive(Debug, Default)]
pub(crate) struct FlowState {
    /// True when side A (first sender) is the key's `lo` endpoint.
    a_is_lo: bool,
    first: Meta,
    last_ts: Timestamp,
    /// Frames and bytes by `KeyDir` of the sender (0 = lo->hi, 1 = hi->lo).
    frames: [u64; 2],
    bytes: [u64; 2],
    /// Transport payload bytes (TCP segment data, UDP data) by sender, as the headers declare.
    payload: [u64; 2],
    macs: [Option<[u8; 6]>; 2],
    /// The flow's TCP stream readers or QUIC reader, in the `Readers` pool while it reads.
    reader: ReaderRef,
    /// The destination's name and how it was learnt.
    name: NameId,
    name_from: NameSource,
    /// The device end of the flow and the direction its frames go (the upload direction).
    device: Option<(DeviceId, KeyDir)>,
    /// The other end (the destination) is on a local network: the flow is not an upload.
    remote_local: bool,
    /// Detection: the flow's destination statistics, the name source they were bound under,
    /// and whether the flow's start was checked.
    stats: Option<StatsRef>,
    stats_from: NameSource,
    detect_started: bool,
    /// TCP: the sequence number each direction's bytes start at (by `KeyDir`), from its SYN;
    /// bit `1 << KeyDir` of `syn_seen` says which directions' SYNs were seen.
    stream_start: [u32; 2],
    syn_seen: u8,
    /// TCP close flags seen: `CLOSE_FIN_LO`, `CLOSE_FIN_HI`, `CLOSE_RST`.
    tcp_close: u8,
    /// What the flow already reported to the summary windows.
    summary: crate::summary::cursor::FlowCursor,
    /// The summary window (`windows::Summaries::epoch`) the flow was last listed active in.
    window_epoch: u32,
}

/// A FIN from the key's `lo` end.
const CLOSE_FIN_LO: u8 = 1;
/// A FIN from the key's `hi` end.
const CLOSE_FIN_HI: u8 = 2;
/// Both FINs.
const CLOSE_BOTH_FINS: u8 = CLOSE_FIN_LO | CLOSE_FIN_HI;
/// A RST either way.
const CLOSE_RST: u8 = 4;

impl FlowState {
    /// Binds `name` learnt from `from` to the flow: a better source replaces a weaker one (SNI
    /// over Host over DNS); between equals the first wins (the first request names the
    /// connection).
    pub(crate) fn bind_name(&mut self, names: &mut NameTable, name: &[u8], from: NameSource) {
        if from > self.name_from {
            if let Some(id) = names.intern(name) {
                self.name = id;
                self.name_from = from;
            }
        }
    }
}

/// Scratch space the application dissectors write into, allocated once.
#[derive(Debug)]
pub(crate) struct Scratch {
    pub(crate) dns: Box<crate::wire::dns::DnsSummary>,
    pub(crate) tls: Box<[u8]>,
    pub(crate) quic: Box<crate::wire::quic::QuicScratch>,
}

/// Where an application dissector's results go: its scratch space, the skip counters and the
/// sink, with the frame the facts belong to.
pub(crate) struct Out<'a> {
    pub(crate) scratch: &'a mut Scratch,
    pub(crate) counters: &'a mut Counters,
    pub(crate) naming: &'a mut Naming,
    pub(crate) meta: Meta,
    /// Virtual time (see `Clock`).
    pub(crate) now: u64,
    pub(crate) sink: &'a mut dyn Sink,
}

/// The pipeline and all its state.
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
    clock: Clock,
    defrag: Defragmenter,
    core: Core,
    last_expiry: u64,
}

/// Everything below the IP layer's reassembly, kept apart from the defragmenter so that a
/// reassembled datagram (borrowed from it) can be dissected while flows are updated.
#[derive(Debug)]
struct Core {
    flows: FlowTable<FlowState>,
    naming: Naming,
    detector: Detector,
    /// Handshake readers and their reassembly buffers.
    readers: Readers,
    scratch: Scratch,
    counters: Counters,
    summaries: windows::Summaries,
}

/// What the link layer and the capture said about the frame being polled.
#[derive(Debug, Clone, Copy)]
struct FrameCtx {
    /// Source and destination hardware addresses, if the link has them.
    macs: (Option<[u8; 6]>, Option<[u8; 6]>),
    /// The bridge port the frame came in on (live capture only).
    port: Option<crate::capture::Port>,
    meta: Meta,
    /// Virtual time (see `Clock`).
    now: u64,
}

impl Engine {
    /// Allocates every table and buffer for `config`, with no rules beyond the default
    /// thresholds and no geo/ASN data.
    pub fn new(config: EngineConfig) -> Self {
        Self::with_policy(config, Box::new(NoPolicy), Box::new(NoGeo))
    }

    /// Like `new`, with the rules (`policy`) and the geo/ASN data (`geo`) detection consults.
    pub fn with_policy(
        config: EngineConfig,
        policy: Box<dyn Policy + Send>,
        geo: Box<dyn Locate + Send>,
    ) -> Self {
        let detect = DetectConfig {
            devices: config.naming.devices,
            ..config.detect
        };
        Engine {
            config,
            clock: Clock::default(),
            defrag: Defragmenter::new(config.defrag_slots, 65_535),
            core: Core {
                flows: FlowTable::new(config.flow_capacity, config.hash_seed),
                naming: Naming::new(config.naming),
                detector: Detector::new(detect, config.thresholds, policy, geo),
                readers: Readers::new(
                    config.reader_slots,
                    BufPool::new(config.reasm_slots, config.reasm_slot_size),
                ),
                scratch: Scratch {
                    dns: Box::default(),
                    tls: vec![0u8; config.reasm_slot_size].into_boxed_slice(),
                    quic: Box::default(),
                },
                counters: Counters::default(),
                summaries: windows::Summaries::new(&config),
            },
            last_expiry: 0,
        }
    }

    /// Frame and skip counters.
    pub fn counters(&self) -> &Counters {
        &self.core.counters
    }

    /// Flow table counters.
    pub fn flow_counters(&self) -> crate::flow::table::TableCounters {
        self.core.flows.counters()
    }

    /// Flows alive now.
    pub fn live_flows(&self) -> usize {
        self.core.flows.len()
    }

    /// Heap bytes the engine allocated at start (flow table, reassembly pool, defragmenter,
    /// scratch): what it holds whatever the traffic, since nothing grows afterwards.
    pub fn memory_bytes(&self) -> usize {
        let scratch = size_of::<crate::wire::dns::DnsSummary>()
            + self.core.scratch.tls.len()
            + size_of::<crate::wire::quic::QuicScratch>();
        self.core.flows.memory_bytes()
            + self.core.naming.memory_bytes()
            + self.core.detector.memory_bytes()
            + self.core.readers.memory_bytes()
            + self.defrag.memory_bytes()
            + self.core.summaries.memory_bytes()
            + scratch
    }

    /// The detector (thresholds, counters, upload-in-progress state).
    pub fn detector(&self) -> &Detector {
        &self.core.detector
    }

    /// Virtual time now (ns since the first frame).
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// Swaps the rules (`policy`) and detection thresholds, e.g. after a reload; flows, names,
    /// devices and statistics are kept.
    pub fn set_rules(&mut self, policy: Box<dyn Policy + Send>, thresholds: Thresholds) {
        self.config.thresholds = thresholds;
        self.core.detector.set_rules(policy, thresholds);
    }

    /// Gives the engine the IEEE MAC-vendor table.
    pub fn set_oui(&mut self, oui: crate::naming::oui::OuiDb) {
        self.core.naming.oui = Some(oui);
    }

    /// Names, DNS answers and devices learnt so far.
    pub fn naming(&self) -> &Naming {
        &self.core.naming
    }

    /// The reassembly pool (for its counters).
    pub fn reassembly_pool(&self) -> &BufPool {
        &self.core.readers.pool
    }

    /// Counters of the handshake readers' pool.
    pub fn reader_counters(&self) -> ReaderCounters {
        self.core.readers.counters()
    }

    /// The IP defragmenter (for its counters).
    pub fn defragmenter(&self) -> &Defragmenter {
        &self.defrag
    }

    /// The engine's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Processes one frame; `number` is its 1-based index in its file.
    pub fn poll(&mut self, frame: &Frame<'_>, number: u64, sink: &mut dyn Sink) {
        let now = self.clock.advance(frame.ts);
        self.core.window_tick(now, frame.ts, sink);
        let core = &mut self.core;
        core.counters.frames += 1;
        core.counters.bytes += u64::from(frame.wire_len);
        let meta = Meta {
            frame: number,
            ts: frame.ts,
        };
        if now >= self.last_expiry + 1_000_000_000 {
            // Sweep at most once per virtual second: expiry is O(expired), but not free.
            self.last_expiry = now;
            core.expire_idle(now, &self.config, sink);
        }

        let l2 = match link::decode_frame(frame) {
            Ok(l2) => l2,
            Err(_) => return core.counters.skip(Skip::LinkMalformed),
        };
        // A tag the capture stripped is counted in `wire_len` but is not missing from the frame.
        let stripped = if frame.stripped_vlan.is_some() { 4 } else { 0 };
        let len = ip::FrameLen {
            wire: frame.wire_len,
            cut: (frame.wire_len as usize).saturating_sub(frame.data.len() + stripped),
        };
        let transport = match l2.network {
            Network::Ipv4(bytes) => ip::ipv4_transport(bytes, &mut self.defrag, frame.ts, len),
            Network::Ipv6(bytes) => ip::ipv6_transport(bytes, &mut self.defrag, frame.ts, len),
            _ => Err(Skip::NotIp),
        };
        let t = match transport {
            Ok(t) => t,
            Err(why) => return core.counters.skip(why),
        };
        let ctx = FrameCtx {
            macs: (l2.src, l2.dst),
            port: frame.port,
            meta,
            now,
        };
        match t.proto {
            PROTO_TCP => core.tcp(&t, ctx, sink),
            PROTO_UDP => core.udp(&t, ctx, sink),
            _ => core.counters.skip(Skip::OtherTransport),
        }
    }

    /// Lets `elapsed_ns` of real time pass with no frame (live capture on a quiet network): idle
    /// flows expire and due summary windows close as if frames had kept arriving. Does nothing
    /// before the first frame.
    pub fn idle(&mut self, elapsed_ns: u64, sink: &mut dyn Sink) {
        let Some(ts) = self.clock.idle(elapsed_ns) else {
            return;
        };
        let now = self.clock.now();
        self.core.window_tick(now, ts, sink);
        if now >= self.last_expiry + 1_000_000_000 {
            self.last_expiry = now;
            self.core.expire_idle(now, &self.config, sink);
        }
    }

    /// Ends every flow (end of input) and reports it, then closes the summary window.
    pub fn finish(&mut self, sink: &mut dyn Sink) {
        let Core {
            flows,
            readers,
            naming,
            detector,
            summaries,
            ..
        } = &mut self.core;
        let mut on_end = |key: &FlowKey, st: &mut FlowState, why: EndReason| {
            readers.finish(&mut st.reader);
            summaries.flow_ended(key, st, naming);
            report_flow(key, st, why, naming, detector, sink);
        };
        flows.flush(&mut on_end);
        self.flush_window(sink);
    }

    /// Closes the open summary window now, before its end (the daemon does on shutdown): its
    /// summaries, with what every live flow carried so far, go to `sink.window`. Flows go on;
    /// the next frame opens the next window.
    pub fn flush_window(&mut self, sink: &mut dyn Sink) {
        self.core.close_window_early(sink);
    }

    /// What the summary windows could not summarise by destination, over every window so far.
    pub fn window_counters(&self) -> crate::summary::window::WindowCounters {
        self.core.summaries.table().total_counters()
    }
}

impl Core {
    fn expire_idle(&mut self, now: u64, config: &EngineConfig, sink: &mut dyn Sink) {
        let timeouts = [
            config.tcp_idle_secs * 1_000_000_000,
            config.udp_idle_secs * 1_000_000_000,
            config.tcp_closed_linger_secs * 1_000_000_000,
        ];
        let (readers, naming, detector) = (&mut self.readers, &self.naming, &self.detector);
        let summaries = &mut self.summaries;
        let mut on_end = |key: &FlowKey, st: &mut FlowState, why: EndReason| {
            readers.finish(&mut st.reader);
            summaries.flow_ended(key, st, naming);
            report_flow(key, st, why, naming, detector, sink);
        };
        self.flows.expire(now, timeouts, &mut on_end);
    }
}

/// Turns a flow's state into a `FlowRecord` for the sink.
fn report_flow(
    key: &FlowKey,
    st: &FlowState,
    why: EndReason,
    naming: &Naming,
    detector: &Detector,
    sink: &mut dyn Sink,
) {
    let (a, b, ab, ba) = if st.a_is_lo {
        (key.lo, key.hi, 0, 1)
    } else {
        (key.hi, key.lo, 1, 0)
    };
    // The remote end: the one that is not the device (side B when the device is unknown).
    let remote = match st.device {
        Some((_, up)) if (up == KeyDir::LoToHi) == st.a_is_lo => b,
        Some(_) => a,
        None => b,
    };
    let place = detector.locate(remote.addr.ip());
    sink.flow_end(&FlowRecord {
        proto: key.proto,
        a,
        b,
        mac_a: st.macs[ab],
        mac_b: st.macs[ba],
        frames_ab: st.frames[ab],
        bytes_ab: st.bytes[ab],
        frames_ba: st.frames[ba],
        bytes_ba: st.bytes[ba],
        payload_ab: st.payload[ab],
        payload_ba: st.payload[ba],
        first: st.first,
        last_ts: st.last_ts,
        name: naming.names.get(st.name),
        name_from: st.name_from,
        country: place.country,
        asn: place.asn,
        org: place.org,
        device: st.device.map(|(id, dir)| {
            let a_dir = if st.a_is_lo {
                KeyDir::LoToHi
            } else {
                KeyDir::HiToLo
            };
            (naming.devices.get(id).mac, dir == a_dir)
        }),
        end: why,
    });
}

impl Core {
    /// Finds or creates the flow of a transport packet and accounts the frame(s) to it.
    fn account(
        &mut self,
        t: &ip::Transport<'_>,
        sport: u16,
        dport: u16,
        payload: u64,
        ctx: FrameCtx,
        sink: &mut dyn Sink,
    ) -> (crate::flow::table::FlowId, KeyDir, Endpoint, Endpoint) {
        let src = Endpoint {
            addr: t.src,
            port: sport,
        };
        let dst = Endpoint {
            addr: t.dst,
            port: dport,
        };
        let (key, dir) = FlowKey::new(t.proto, src, dst);
        let class = if t.proto == PROTO_TCP {
            FlowClass::Stream
        } else {
            FlowClass::Datagram
        };
        let (readers, naming, detector) = (&mut self.readers, &self.naming, &self.detector);
        let summaries = &mut self.summaries;
        let mut on_end = |k: &FlowKey, st: &mut FlowState, why: EndReason| {
            readers.finish(&mut st.reader);
            summaries.flow_ended(k, st, naming);
            report_flow(k, st, why, naming, detector, sink);
        };
        let (id, created) = self.flows.get_or_insert(&key, class, ctx.now, &mut on_end);
        let st = self.flows.value_mut(id);
        self.summaries.mark_active(id, st);
        let d = dir as usize;
        if created {
            st.a_is_lo = dir == KeyDir::LoToHi;
            st.first = ctx.meta;
        }
        if st.frames[d] == 0 {
            // First frame this way: learn the sender, and find the flow's device end.
            identity::first_frame(
                st,
                dir,
                src,
                dst,
                ctx,
                &mut self.naming,
                &mut self.detector,
                sink,
            );
        }
        st.last_ts = ctx.meta.ts;
        st.frames[d] += t.frames;
        st.bytes[d] += t.wire_bytes;
        st.payload[d] += payload;
        if st.macs[d].is_none() {
            st.macs[d] = ctx.macs.0;
        }
        if st.macs[1 - d].is_none() {
            st.macs[1 - d] = ctx.macs.1;
        }
        self.counters.flow_frames += t.frames;
        alerts::on_frame(
            st,
            dir,
            src,
            dst,
            t.wire_bytes,
            ctx.meta,
            ctx.now,
            &mut self.naming,
            &mut self.detector,
            sink,
        );
        (id, dir, src, dst)
    }

    fn tcp(&mut self, t: &ip::Transport<'_>, ctx: FrameCtx, sink: &mut dyn Sink) {
        let seg = match tcp::TcpPacket::new_checked(t.bytes) {
            Ok(seg) => seg,
            Err(_) if t.bytes.len() >= tcp::field::MIN_HEADER_LEN => {
                // A bogus data offset: the ports are still there, so the frame is accounted to
                // its flow (as tshark does), but nothing past the header is read.
                self.counters.skip(Skip::TcpMalformed);
                let ports = (be16(t.bytes, 0), be16(t.bytes, 2));
                self.account(t, ports.0, ports.1, 0, ctx, sink);
                return;
            }
            Err(_) => return self.counters.skip(Skip::TcpMalformed),
        };
        let payload = (t.bytes.len() + t.missing).saturating_sub(seg.header_len()) as u64;
        let (id, dir, src, dst) =
            self.account(t, seg.src_port(), seg.dst_port(), payload, ctx, sink);
        let st = self.flows.value_mut(id);
        // FIN both ways, or a RST: the connection is over; it lingers briefly in the closed
        // class for its last acknowledgements, then ends (and is reported) soon after.
        st.tcp_close |= match (seg.rst(), seg.fin(), dir) {
            (true, _, _) => CLOSE_RST,
            (false, true, KeyDir::LoToHi) => CLOSE_FIN_LO,
            (false, true, KeyDir::HiToLo) => CLOSE_FIN_HI,
            _ => 0,
        };
        if st.tcp_close & CLOSE_RST != 0 || st.tcp_close & CLOSE_BOTH_FINS == CLOSE_BOTH_FINS {
            self.flows.set_class(id, FlowClass::Closed);
        }
        let st = self.flows.value_mut(id);
        stream::on_segment(
            st,
            dir,
            stream::Segment {
                src,
                dst,
                seq: seg.seq(),
                syn: seg.syn(),
                payload: seg.payload(),
            },
            &mut self.readers,
            &mut Out {
                scratch: &mut self.scratch,
                counters: &mut self.counters,
                naming: &mut self.naming,
                meta: ctx.meta,
                now: ctx.now,
                sink,
            },
        );
    }

    fn udp(&mut self, t: &ip::Transport<'_>, ctx: FrameCtx, sink: &mut dyn Sink) {
        let Ok(dgram) = udp::UdpPacket::new_checked(t.bytes) else {
            return self.counters.skip(Skip::UdpMalformed);
        };
        let payload = u64::from(dgram.length()).saturating_sub(8);
        let (id, dir, src, dst) =
            self.account(t, dgram.src_port(), dgram.dst_port(), payload, ctx, sink);
        let st = self.flows.value_mut(id);
        datagram::on_datagram(
            st,
            dir,
            src,
            dst,
            dgram.payload(),
            &mut self.readers,
            &mut Out {
                scratch: &mut self.scratch,
                counters: &mut self.counters,
                naming: &mut self.naming,
                meta: ctx.meta,
                now: ctx.now,
                sink,
            },
        );
    }
}

#[cfg(test)]
mod readers_tests;
#[cfg(test)]
mod vlan_tests;
