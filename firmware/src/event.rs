//! What the engine reports: facts named by a frame (`Event`), flows that ended (`FlowRecord`)
//! and closed summary windows (`WindowSummaries`), delivered to a caller-supplied `Sink`.
//!
//! Events borrow from the frame or from the engine's scratch buffers, so producing one costs no
//! allocation; a sink that wants to keep one copies what it needs.

use core::net::{Ipv4Addr, Ipv6Addr};

use crate::capture::Timestamp;
use crate::detect::thresholds::{Rule, Severity};
use crate::flow::key::{Addr, Endpoint};
use crate::flow::table::EndReason;
use crate::naming::NameSource;
use crate::summary::view::WindowSummaries;

/// Where and when a fact was completed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Meta {
    /// 1-based index of the frame (in its file) that completed the fact.
    pub frame: u64,
    /// That frame's capture time.
    pub ts: Timestamp,
}

/// Transport that carried a ClientHello.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SniTransport {
    /// TLS over TCP.
    Tls,
    /// QUIC Initial packets.
    Quic,
}

impl SniTransport {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SniTransport::Tls => "tls",
            SniTransport::Quic => "quic",
        }
    }
}

/// A DNS (or mDNS) response.
#[derive(Debug, Clone, Copy)]
pub struct DnsEvent<'a> {
    /// The asker (destination of the response).
    pub client: Addr,
    /// The answerer (source of the response).
    pub server: Addr,
    /// The question name, without trailing dot.
    pub query: &'a str,
    /// IPv4 addresses in the response.
    pub a: &'a [Ipv4Addr],
    /// IPv6 addresses in the response.
    pub aaaa: &'a [Ipv6Addr],
    /// CNAME targets in the response.
    pub cname: &'a [&'a str],
    /// Multicast DNS (UDP 5353).
    pub mdns: bool,
}

/// An alert, with everything needed to say why.
#[derive(Debug, Clone, Copy)]
pub struct AlertEvent<'a> {
    /// The device's MAC.
    pub device: [u8; 6],
    /// Its DHCP hostname, if known.
    pub hostname: Option<&'a [u8]>,
    /// The destination: its name, or its organisation or address when it has none.
    pub destination: &'a str,
    /// How the destination was named (sni, http, dns, asn, ip).
    pub named_by: &'a str,
    /// The destination's address (the last flow's).
    pub ip: Option<Addr>,
    /// The signal.
    pub rule: Rule,
    /// Red or amber.
    pub severity: Severity,
    /// Why, in words.
    pub reasons: &'a [&'a str],
    /// Bytes up in the alert's window (or so far).
    pub bytes_up: u64,
    /// Bytes down in the same window.
    pub bytes_down: u64,
    /// The window, seconds (0 when the rule has none).
    pub window_secs: u64,
    /// Country of the destination.
    pub country: Option<[u8; 2]>,
    /// Its AS number.
    pub asn: Option<u32>,
    /// Its AS's organisation.
    pub org: Option<&'a str>,
}

/// A fact named by one frame (or completed by it).
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A DNS response.
    Dns(DnsEvent<'a>),
    /// A server name from a TLS or QUIC ClientHello.
    Sni {
        /// TLS or QUIC.
        transport: SniTransport,
        /// The client.
        src: Endpoint,
        /// The server.
        dst: Endpoint,
        /// The server name as sent (not validated; escape when printing).
        name: &'a [u8],
    },
    /// The Host of an HTTP/1.x request (SSDP included).
    Http {
        /// The client.
        src: Endpoint,
        /// The server.
        dst: Endpoint,
        /// The Host header value as sent.
        host: &'a [u8],
    },
    /// A DHCP client message.
    Dhcp {
        /// The client hardware address (chaddr).
        mac: [u8; 6],
        /// Option 12.
        hostname: Option<&'a [u8]>,
        /// Option 60.
        vendor_class: Option<&'a [u8]>,
        /// Option 61.
        client_id: Option<&'a [u8]>,
        /// Option 50.
        requested_ip: Option<Ipv4Addr>,
    },
    /// An alert: a finding of detection, with its reasons.
    Alert(AlertEvent<'a>),
    /// Names announced in an mDNS response.
    Mdns {
        /// The announcer.
        src: Addr,
        /// Owner names, PTR and SRV targets in the answers.
        names: &'a [&'a str],
    },
}

/// A flow that ended, with its accounting.
#[derive(Debug, Clone, Copy)]
pub struct FlowRecord<'a> {
    /// IP protocol number.
    pub proto: u8,
    /// Side A: the sender of the first frame seen.
    pub a: Endpoint,
    /// Side B.
    pub b: Endpoint,
    /// Hardware address of side A's frames, if the link had one.
    pub mac_a: Option<[u8; 6]>,
    /// Hardware address of side B's frames, if seen.
    pub mac_b: Option<[u8; 6]>,
    /// Frames from A to B.
    pub frames_ab: u64,
    /// Bytes from A to B (whole frames as on the wire).
    pub bytes_ab: u64,
    /// Frames from B to A.
    pub frames_ba: u64,
    /// Bytes from B to A.
    pub bytes_ba: u64,
    /// Transport payload bytes from A to B (TCP data, UDP data, as the headers declare).
    pub payload_ab: u64,
    /// Transport payload bytes from B to A.
    pub payload_ba: u64,
    /// Frame number and time of the first frame.
    pub first: Meta,
    /// Time of the last frame.
    pub last_ts: Timestamp,
    /// The destination's name (SNI, else HTTP Host, else the DNS name asked for), if any.
    pub name: Option<&'a [u8]>,
    /// How the name was learnt.
    pub name_from: NameSource,
    /// Country of the remote end (the end that is not the device).
    pub country: Option<[u8; 2]>,
    /// AS number of the remote end.
    pub asn: Option<u32>,
    /// The AS's organisation (names the destination when nothing else does).
    pub org: Option<&'a str>,
    /// The device end: its MAC, and whether it is side A.
    pub device: Option<([u8; 6], bool)>,
    /// Why the flow ended.
    pub end: EndReason,
}

/// Receives what the engine finds.
pub trait Sink {
    /// A fact named by frame `meta.frame`.
    fn event(&mut self, meta: Meta, event: &Event<'_>);
    /// A flow ended (idle, evicted, or end of input).
    fn flow_end(&mut self, flow: &FlowRecord<'_>);
    /// A summary window closed (`EngineConfig::summary_window_secs`): what each device
    /// exchanged with each destination in it. Called once per window that was open, with no
    /// summaries when nothing was attributed to a device. The default ignores it.
    fn window(&mut self, summaries: &WindowSummaries<'_>) {
        let _ = summaries;
    }
}

/// A sink that drops everything (benchmarks, `--emit none`).
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl Sink for NullSink {
    fn event(&mut self, _meta: Meta, _event: &Event<'_>) {}
    fn flow_end(&mut self, _flow: &FlowRecord<'_>) {}
}
