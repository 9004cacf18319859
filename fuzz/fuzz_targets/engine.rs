//! The whole pipeline: the input split into frames, each polled through one `Engine` with a
//! small `EngineConfig` (8 flows, 2 reassembly buffers of 4 KiB, 2 defrag slots, 1 s idle
//! timeouts, small naming and detection tables), the shipped rules with thresholds shrunk to
//! fuzz-sized uploads and quiet hours all day, and the geo table in `data/` when present; then
//! `finish`.
//!
//! Each frame is 5 header bytes and data: `length` (u16 BE), `time step` (i16 BE, units of
//! 10 ms; time may go backwards), `flags` (bits 0-1 link: Ethernet, raw IP, Linux SLL, SLL2;
//! bits 2-3 port: none, LAN, WAN, none; bit 4 a VLAN tag the capture stripped; bit 5 the
//! capture cut the frame, 200 more bytes were on the wire), then `length` bytes (fewer at the
//! end of the input).
//!
//! Checked by the sink: events come from the frame being polled, never from `finish`; every
//! flow ends with at least one frame from side A, a first frame within the polled range, and
//! payload bytes within its wire bytes (TCP) or the UDP Length limit (UDP, which counts what
//! the headers declare, as tshark does); flows' frames add up to the engine's `flow_frames`,
//! their bytes stay within what was polled; no flow is left after `finish`.
#![no_main]

use std::net::IpAddr;
use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use telltale_firmware::capture::{Frame, LinkType, Port, Timestamp, VlanTag};
use telltale_firmware::detect::policy::{Destination, Locate, NoGeo, Place, Policy, WatchMatch};
use telltale_firmware::detect::DetectConfig;
use telltale_firmware::engine::{Engine, EngineConfig};
use telltale_firmware::event::{Event, FlowRecord, Meta, Sink};
use telltale_firmware::geo::GeoDb;
use telltale_firmware::naming::NamingConfig;
use telltale_firmware::rules::Rules;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The shipped rules (with their default pack), made trigger-happy for small inputs.
fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        let dir = repo().join("rules");
        let text = std::fs::read_to_string(dir.join("default.toml")).expect("rules/default.toml");
        let mut text = text
            .replace("\"100MB\"", "\"4kB\"")
            .replace("\"1MB\"", "\"2kB\"")
            .replace("\"500kB\"", "\"1kB\"")
            .replace("\"100kB\"", "\"1kB\"")
            .replace("min_contacts = 6", "min_contacts = 3");
        text.push_str(
            "\n[quiet_hours]\nstart = \"00:00\"\nend = \"23:59\"\ndays = [\"all\"]\ntimezone = \"UTC\"\n\
             \n[watchlists.fuzz]\ncategory = \"custom\"\nsource = \"fuzz target\"\n\
             domains = [\"example.com\"]\ncidrs = [\"93.184.216.0/24\", \"2001:db8::/32\"]\n",
        );
        Rules::parse(&text, &dir.join("fuzz.toml"), &dir).expect("the fuzz rules load")
    })
}

fn geo() -> Option<&'static GeoDb> {
    static GEO: OnceLock<Option<GeoDb>> = OnceLock::new();
    GEO.get_or_init(|| GeoDb::open(repo().join("data/geo.ttdb")).ok())
        .as_ref()
}

/// The shared rules as the engine's policy (the engine wants an owned box).
struct SharedRules(&'static Rules);

impl Policy for SharedRules {
    fn watched(&self, dest: &Destination<'_>) -> Option<WatchMatch<'_>> {
        self.0.watched(dest)
    }
    fn allowed(&self, dest: &Destination<'_>, mac: [u8; 6]) -> bool {
        self.0.allowed(dest, mac)
    }
    fn doh_resolver(&self, dest: &Destination<'_>) -> bool {
        self.0.doh_resolver(dest)
    }
    fn lan_resolver(&self, ip: IpAddr) -> Option<bool> {
        self.0.lan_resolver(ip)
    }
}

struct SharedGeo(&'static GeoDb);

impl Locate for SharedGeo {
    fn locate(&self, ip: IpAddr) -> Place<'_> {
        self.0.locate(ip)
    }
}

fn link(flags: u8) -> LinkType {
    match flags & 3 {
        1 => LinkType::Raw,
        2 => LinkType::LinuxSll,
        3 => LinkType::LinuxSll2,
        _ => LinkType::Ethernet,
    }
}

fn port(flags: u8) -> Option<Port> {
    match (flags >> 2) & 3 {
        1 => Some(Port::Lan),
        2 => Some(Port::Wan),
        _ => None,
    }
}

/// Checks what the engine reports.
#[derive(Default)]
struct CheckingSink {
    /// Number of the frame being polled (0 during `finish`).
    polling: u64,
    /// Frames polled so far.
    polled: u64,
    flows: u64,
    flow_frames: u64,
    flow_bytes: u64,
}

impl Sink for CheckingSink {
    fn event(&mut self, meta: Meta, event: &Event<'_>) {
        assert!(self.polling != 0, "an event outside poll: {event:?}");
        assert_eq!(
            meta.frame, self.polling,
            "event of another frame: {event:?}"
        );
        if let Event::Alert(alert) = event {
            assert!(!alert.reasons.is_empty(), "an alert without a reason");
        }
        std::hint::black_box(event);
    }

    fn flow_end(&mut self, flow: &FlowRecord<'_>) {
        self.flows += 1;
        let frames = flow.frames_ab + flow.frames_ba;
        assert!(
            frames >= 1 && flow.frames_ab >= 1,
            "a flow without frames from side A"
        );
        assert!(flow.first.frame >= 1 && flow.first.frame <= self.polled);
        // TCP payload is bounded by what crossed the link. UDP payload is what the UDP Length
        // fields declare, as tshark (the oracle) counts it, even past the frame: at most
        // 65535 - 8 bytes a frame.
        let (bound_ab, bound_ba) = match flow.proto {
            6 => (flow.bytes_ab, flow.bytes_ba),
            _ => (flow.frames_ab * 65_527, flow.frames_ba * 65_527),
        };
        assert!(
            flow.payload_ab <= bound_ab && flow.payload_ba <= bound_ba,
            "payload bytes beyond the bound: {flow:?}"
        );
        self.flow_frames += frames;
        self.flow_bytes += flow.bytes_ab + flow.bytes_ba;
    }
}

fuzz_target!(|data: &[u8]| {
    let config = EngineConfig {
        flow_capacity: 8,
        tcp_idle_secs: 1,
        udp_idle_secs: 1,
        tcp_closed_linger_secs: 1,
        summary_window_secs: 1,
        summary_capacity: 16,
        reader_slots: 4,
        reasm_slots: 2,
        reasm_slot_size: 4096,
        defrag_slots: 2,
        hash_seed: 1,
        naming: NamingConfig {
            name_bytes: 4096,
            dns_entries: 16,
            dns_max_age_secs: 60,
            devices: 4,
        },
        detect: DetectConfig {
            destinations: 16,
            holdback: 8,
            devices: 4,
        },
        thresholds: rules().detect_thresholds(0),
    };
    let geo: Box<dyn Locate + Send> = match geo() {
        Some(db) => Box::new(SharedGeo(db)),
        None => Box::new(NoGeo),
    };
    let mut engine = Engine::with_policy(config, Box::new(SharedRules(rules())), geo);
    let mut sink = CheckingSink::default();
    let mut now: u64 = 1_700_000_000_000_000_000;
    let mut wire_total = 0u64;
    let mut rest = data;
    while let [len_hi, len_lo, step_hi, step_lo, flags, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*len_hi, *len_lo])).min(tail.len());
        let (bytes, after) = tail.split_at(len);
        rest = after;
        let step = i64::from(i16::from_be_bytes([*step_hi, *step_lo])) * 10_000_000;
        now = now.saturating_add_signed(step);
        let stripped_vlan = (flags & 0x10 != 0).then_some(VlanTag {
            tpid: 0x8100,
            tci: 0x0064,
        });
        let wire_len = bytes.len() as u32
            + if stripped_vlan.is_some() { 4 } else { 0 }
            + if flags & 0x20 != 0 { 200 } else { 0 };
        wire_total += u64::from(wire_len);
        let frame = Frame {
            data: bytes,
            wire_len,
            ts: Timestamp(now),
            link: link(*flags),
            port: port(*flags),
            stripped_vlan,
        };
        sink.polled += 1;
        sink.polling = sink.polled;
        engine.poll(&frame, sink.polled, &mut sink);
    }
    sink.polling = 0;
    engine.finish(&mut sink);
    let counters = engine.counters();
    assert_eq!(counters.frames, sink.polled);
    assert_eq!(counters.bytes, wire_total);
    assert_eq!(engine.live_flows(), 0, "flows left after finish");
    assert_eq!(
        sink.flow_frames, counters.flow_frames,
        "flows' frames do not add up"
    );
    assert!(
        sink.flow_bytes <= wire_total,
        "flows hold more bytes than were polled"
    );
    assert!(sink.flows <= counters.flow_frames);
    std::hint::black_box((engine.flow_counters(), engine.detector(), engine.naming()));
});
