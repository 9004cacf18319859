//! The engine with its handshake readers' pool full: a flow that finds no reader is still
//! accounted but not read (counted), and a reader given back by a flow that ended serves the
//! next one.

use super::*;
use crate::capture::LinkType;
use crate::event::{Event, FlowRecord};

/// Hosts named by HTTP events, and (client port, frames from side A) of every flow that ends.
#[derive(Default)]
struct Seen {
    hosts: Vec<String>,
    ended: Vec<(u16, u64)>,
}

impl Sink for Seen {
    fn event(&mut self, _meta: Meta, event: &Event<'_>) {
        match event {
            Event::Http { host, .. } | Event::Sni { name: host, .. } => {
                self.hosts.push(String::from_utf8_lossy(host).into_owned());
            }
            _ => {}
        }
    }
    fn flow_end(&mut self, flow: &FlowRecord<'_>) {
        self.ended.push((flow.a.port, flow.frames_ab));
    }
}

const SYN: u8 = 0x02;
const RST_ACK: u8 = 0x14;
const PSH_ACK: u8 = 0x18;

const PHONE_MAC: [u8; 6] = [0x64, 0x09, 0x80, 0x4c, 0x2e, 0x71];
const ROUTER_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
const PHONE: [u8; 4] = [192, 168, 50, 10];
const SERVER: [u8; 4] = [198, 51, 100, 10];

/// A TCP segment from the phone 192.168.50.10 (`port`) to 198.51.100.10:80.
fn segment(port: u16, flags: u8, payload: &[u8]) -> Vec<u8> {
    tcp(
        (PHONE_MAC, ROUTER_MAC),
        (PHONE, SERVER),
        (port, 80),
        flags,
        payload,
    )
}

fn tcp(
    macs: ([u8; 6], [u8; 6]),
    ips: ([u8; 4], [u8; 4]),
    ports: (u16, u16),
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut f = macs.1.to_vec();
    f.extend_from_slice(&macs.0);
    f.extend_from_slice(&[0x08, 0x00]);
    let total = (40 + payload.len()) as u16;
    f.extend_from_slice(&[0x45, 0x00]);
    f.extend_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&[0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00]);
    f.extend_from_slice(&ips.0);
    f.extend_from_slice(&ips.1);
    f.extend_from_slice(&ports.0.to_be_bytes());
    f.extend_from_slice(&ports.1.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    if flags == SYN {
        f[38..42].copy_from_slice(&0u32.to_be_bytes()); // the stream starts at sequence 1
    }
    f.extend_from_slice(payload);
    f
}

fn request(host: &str) -> Vec<u8> {
    format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes()
}

fn poll(engine: &mut Engine, bytes: &[u8], secs: u64, n: &mut u64, sink: &mut Seen) {
    *n += 1;
    let frame = Frame {
        data: bytes,
        wire_len: bytes.len() as u32,
        ts: Timestamp(1_700_000_000_000_000_000 + secs * 1_000_000_000),
        link: LinkType::Ethernet,
        port: None,
        stripped_vlan: None,
    };
    engine.poll(&frame, *n, sink);
}

#[test]
fn a_flow_without_a_reader_is_accounted_but_not_read_until_one_is_given_back() {
    let mut engine = Engine::new(EngineConfig {
        flow_capacity: 64,
        reader_slots: 1,
        ..EngineConfig::default()
    });
    let (mut sink, mut n) = (Seen::default(), 0);
    // The first connection takes the only reader (an HTTP/1.x connection keeps reading).
    poll(
        &mut engine,
        &segment(40001, PSH_ACK, &request("one.example")),
        0,
        &mut n,
        &mut sink,
    );
    // The second, at the same time, finds none: accounted, not read, counted.
    poll(
        &mut engine,
        &segment(40002, PSH_ACK, &request("two.example")),
        0,
        &mut n,
        &mut sink,
    );
    assert_eq!(sink.hosts, ["one.example"]);
    assert_eq!(engine.counters().skipped(Skip::ReassemblyGaveUp), 1);
    assert_eq!(engine.reader_counters().refused, 1);
    assert_eq!(engine.reader_counters().in_use, 1);
    // A later segment of the refused flow does not ask again.
    poll(
        &mut engine,
        &segment(40002, PSH_ACK, &request("two.example")),
        1,
        &mut n,
        &mut sink,
    );
    assert_eq!(engine.reader_counters().refused, 1);
    // The first connection is reset: it lingers, ends, and gives its reader back.
    poll(
        &mut engine,
        &segment(40001, RST_ACK, b""),
        1,
        &mut n,
        &mut sink,
    );
    poll(
        &mut engine,
        &segment(40003, PSH_ACK, &request("three.example")),
        10,
        &mut n,
        &mut sink,
    );
    assert_eq!(sink.hosts, ["one.example", "three.example"]);
    assert!(sink.ended.contains(&(40001, 2)), "{:?}", sink.ended);
    engine.finish(&mut sink);
    // Every flow was accounted, the unread one too.
    sink.ended.sort_unstable();
    assert_eq!(sink.ended, [(40001, 2), (40002, 2), (40003, 1)]);
    assert_eq!(engine.reader_counters().peak, 1);
    assert_eq!(engine.reader_counters().in_use, 0);
}

/// A TLS record holding a ClientHello that names `a.example` and offers TLS 1.3 only.
fn client_hello_record() -> Vec<u8> {
    let name = b"a.example";
    let mut sni = vec![0x00, 0x00]; // extension server_name
    sni.extend_from_slice(&(name.len() as u16 + 5).to_be_bytes());
    sni.extend_from_slice(&(name.len() as u16 + 3).to_be_bytes());
    sni.push(0); // host_name
    sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
    sni.extend_from_slice(name);
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&[0x5a; 32]); // random
    body.extend_from_slice(&[0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00]); // session, suites, compression
    body.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    body.extend_from_slice(&sni);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&(body.len() as u16 + 4).to_be_bytes());
    record.push(0x01); // client_hello
    record.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    record.extend_from_slice(&body);
    record
}

#[test]
fn a_tls_connection_gives_its_reader_back_once_both_directions_are_read() {
    let mut engine = Engine::new(EngineConfig {
        flow_capacity: 64,
        reader_slots: 1,
        ..EngineConfig::default()
    });
    let (mut sink, mut n) = (Seen::default(), 0);
    let up = ((PHONE_MAC, ROUTER_MAC), (PHONE, SERVER), (40010, 443));
    let down = ((ROUTER_MAC, PHONE_MAC), (SERVER, PHONE), (443, 40010));
    let hello = client_hello_record();
    poll(
        &mut engine,
        &tcp(up.0, up.1, up.2, PSH_ACK, &hello),
        0,
        &mut n,
        &mut sink,
    );
    assert_eq!(sink.hosts, ["a.example"]);
    assert_eq!(
        engine.reader_counters().in_use,
        1,
        "the server has not answered yet"
    );
    // The server's first record is not a ClientHello: nothing more to read either way.
    let server_hello = [0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00];
    poll(
        &mut engine,
        &tcp(down.0, down.1, down.2, PSH_ACK, &server_hello),
        0,
        &mut n,
        &mut sink,
    );
    assert_eq!(engine.reader_counters().in_use, 0);
    assert_eq!(
        engine.live_flows(),
        1,
        "the connection goes on, without a reader"
    );
    // The reader serves the next connection at once.
    poll(
        &mut engine,
        &segment(40011, PSH_ACK, &request("b.example")),
        0,
        &mut n,
        &mut sink,
    );
    assert_eq!(sink.hosts, ["a.example", "b.example"]);
    assert_eq!(engine.reader_counters().refused, 0);
}

/// `tcp` with the sequence number set.
fn with_seq(mut frame: Vec<u8>, seq: u32) -> Vec<u8> {
    frame[38..42].copy_from_slice(&seq.to_be_bytes());
    frame
}

#[test]
fn syns_take_no_reader_and_a_reordered_hello_is_read_from_where_the_syn_said() {
    let mut engine = Engine::new(EngineConfig {
        flow_capacity: 64,
        reader_slots: 1,
        ..EngineConfig::default()
    });
    let (mut sink, mut n) = (Seen::default(), 0);
    // A scan: SYNs to many ports, never answered.
    for port in 1..=20u16 {
        let syn = tcp(
            (PHONE_MAC, ROUTER_MAC),
            (PHONE, SERVER),
            (41000, port),
            SYN,
            b"",
        );
        poll(&mut engine, &syn, 0, &mut n, &mut sink);
    }
    assert_eq!(engine.live_flows(), 20);
    assert_eq!(engine.reader_counters().in_use, 0);
    // A connection whose ClientHello comes in two segments, the second first.
    let ports = (40020, 443);
    let syn = tcp((PHONE_MAC, ROUTER_MAC), (PHONE, SERVER), ports, SYN, b"");
    poll(&mut engine, &syn, 1, &mut n, &mut sink);
    let hello = client_hello_record();
    let (head, tail) = hello.split_at(20);
    let second = tcp(
        (PHONE_MAC, ROUTER_MAC),
        (PHONE, SERVER),
        ports,
        PSH_ACK,
        tail,
    );
    poll(
        &mut engine,
        &with_seq(second, 1 + head.len() as u32),
        1,
        &mut n,
        &mut sink,
    );
    assert!(sink.hosts.is_empty(), "half a ClientHello names nothing");
    let first = tcp(
        (PHONE_MAC, ROUTER_MAC),
        (PHONE, SERVER),
        ports,
        PSH_ACK,
        head,
    );
    poll(&mut engine, &with_seq(first, 1), 1, &mut n, &mut sink);
    assert_eq!(sink.hosts, ["a.example"]);
    assert_eq!(engine.reader_counters().refused, 0);
}

#[test]
fn a_flow_entry_stays_small() {
    // 65,536 of these are most of the engine's memory (docs/benchmarks.md, the memory bench).
    assert!(
        size_of::<FlowState>() <= 176,
        "FlowState grew to {} bytes",
        size_of::<FlowState>()
    );
}
