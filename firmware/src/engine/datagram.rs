//! UDP: the datagram protocols that name things (DNS and mDNS, DHCP, SSDP) and QUIC Initials,
//! whose CRYPTO frames are reassembled per flow until the ClientHello is complete.

use core::net::{Ipv4Addr, Ipv6Addr};

use crate::event::{DnsEvent, Event, SniTransport};
use crate::flow::key::{Endpoint, KeyDir};
use crate::flow::reasm::{Assembler, BufPool, Insert};
use crate::wire::{dhcp, dns, http, quic, tls};

use super::readers::Readers;
use super::{FlowState, Out, Skip};
use crate::naming::NameSource;

const DNS_PORT: u16 = 53;
const MDNS_PORT: u16 = 5353;
const DHCP_SERVER_PORT: u16 = 67;
const DHCP_CLIENT_PORT: u16 = 68;
const SSDP_PORT: u16 = 1900;
/// Datagrams of a flow that may fail to decrypt as a client Initial before we stop trying.
const QUIC_ATTEMPTS: u8 = 8;

/// Longest QUIC connection ID (RFC 9000 17.2).
const MAX_CID_LEN: usize = 20;

/// QUIC state of a UDP flow.
///
/// A client protects all its Initials with keys from the first Destination Connection ID it
/// chose (RFC 9001 5.2), even after switching to the server's ID. Keys are a few hundred bytes,
/// too many to keep for every flow, so the flow keeps that first ID (and version) and the keys
/// are derived again for each Initial datagram: a few per connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct QuicFlow {
    done: bool,
    failures: u8,
    /// Direction of the client, once one of its Initials decrypted.
    client: Option<KeyDir>,
    version: Option<quic::QuicVersion>,
    first_dcid: heapless::Vec<u8, MAX_CID_LEN>,
    crypto: Assembler,
}

impl QuicFlow {
    /// Gives a held reassembly buffer back.
    pub(crate) fn release(&mut self, pool: &mut BufPool) {
        self.crypto.release(pool);
    }
}

/// Handles one UDP datagram of a flow.
pub(crate) fn on_datagram(
    st: &mut FlowState,
    dir: KeyDir,
    src: Endpoint,
    dst: Endpoint,
    payload: &[u8],
    readers: &mut Readers,
    out: &mut Out<'_>,
) {
    let either = |p: u16| src.port == p || dst.port == p;
    if either(DNS_PORT) || either(MDNS_PORT) {
        let mdns = either(MDNS_PORT);
        emit_dns(src, dst, payload, mdns, out);
    } else if either(DHCP_SERVER_PORT) || either(DHCP_CLIENT_PORT) {
        emit_dhcp(payload, out);
    } else if dst.port == SSDP_PORT {
        if let Ok(http::HeadStatus::Complete(req)) = http::parse_request_head(payload) {
            if let Some(host) = req.host {
                out.sink.event(out.meta, &Event::Http { src, dst, host });
            }
        }
    } else if payload.first().is_some_and(|b| b & 0x80 != 0) {
        // A long header: a QUIC Initial if it comes from the client side (or the side is not
        // known yet).
        let Some((q, pool)) = readers.quic(&mut st.reader, out.counters) else {
            return;
        };
        if !q.done && q.client.is_none_or(|c| c == dir) {
            quic_initial(st, q, dir, src, dst, payload, pool, out);
        }
        if q.done {
            // Its CRYPTO buffer goes back with the reader.
            readers.finish(&mut st.reader);
        }
    }
}

/// Parses a DNS message and reports it if it is a response (and its mDNS announcements).
pub(crate) fn emit_dns(src: Endpoint, dst: Endpoint, msg: &[u8], mdns: bool, out: &mut Out<'_>) {
    let summary = &mut *out.scratch.dns;
    summary.clear();
    if summary.fill_with(msg, mdns).is_err() {
        // What was read before the damage is still reported, as tshark does.
        out.counters.skip(Skip::DnsMalformed);
    }
    if !summary.is_response {
        return;
    }
    if !mdns {
        out.naming.on_dns_response(summary, out.now);
    }
    let mut cnames: heapless::Vec<&str, { dns::MAX_CNAMES }> = heapless::Vec::new();
    for c in &summary.cnames {
        let _ = cnames.push(c.as_str());
    }
    let a: heapless::Vec<Ipv4Addr, { dns::MAX_ADDRS }> = summary.a.iter().map(|x| x.addr).collect();
    let aaaa: heapless::Vec<Ipv6Addr, { dns::MAX_ADDRS }> =
        summary.aaaa.iter().map(|x| x.addr).collect();
    out.sink.event(
        out.meta,
        &Event::Dns(DnsEvent {
            client: dst.addr,
            server: src.addr,
            query: summary.question.as_str(),
            a: &a,
            aaaa: &aaaa,
            cname: &cnames,
            mdns,
        }),
    );
    if mdns && !summary.announced.is_empty() {
        out.naming
            .on_mdns(None, src.addr, summary.announced.iter().map(|n| n.as_str()));
        let mut names: heapless::Vec<&str, { dns::MAX_ANNOUNCED }> = heapless::Vec::new();
        for n in &summary.announced {
            let _ = names.push(n.as_str());
        }
        out.sink.event(
            out.meta,
            &Event::Mdns {
                src: src.addr,
                names: &names,
            },
        );
    }
}

fn emit_dhcp(payload: &[u8], out: &mut Out<'_>) {
    let Ok(packet) = dhcp::Packet::new_checked(payload) else {
        return out.counters.skip(Skip::DhcpMalformed);
    };
    let msg = packet.info();
    if msg.error.is_some() {
        out.counters.skip(Skip::DhcpMalformed);
    }
    let Some(mac) = msg.client_mac else { return };
    if packet.op() == 1 {
        // A client's own request: its identity (replies echo options the server chose).
        out.naming
            .on_dhcp(mac, msg.hostname, msg.vendor_class, out.meta.ts, out.now);
    }
    out.sink.event(
        out.meta,
        &Event::Dhcp {
            mac,
            hostname: msg.hostname,
            vendor_class: msg.vendor_class,
            client_id: msg.client_id,
            requested_ip: msg.requested_ip,
        },
    );
}

/// Feeds a datagram's client Initial CRYPTO frames to the flow's assembler, and reports the
/// SNI once the ClientHello is complete; sets `q.done` when there is nothing more to read (the
/// caller then gives the reader, and its buffer, back).
#[allow(clippy::too_many_arguments)] // the flow, its reader, the datagram and where results go
fn quic_initial(
    st: &mut FlowState,
    q: &mut QuicFlow,
    dir: KeyDir,
    src: Endpoint,
    dst: Endpoint,
    payload: &[u8],
    pool: &mut BufPool,
    out: &mut Out<'_>,
) {
    let mut keys = match q.version {
        Some(v) => quic::InitialKeys::derive(v, &q.first_dcid).ok(),
        None => None,
    };
    let mut gave_up = false;
    let mut on_crypto = |chunk: quic::CryptoChunk<'_>| {
        if q.version.is_none() {
            // The first Initial that decrypted: its DCID keyed the client's Initials.
            q.version = Some(chunk.version);
            q.first_dcid.clear();
            let _ = q
                .first_dcid
                .extend_from_slice(&chunk.dcid[..chunk.dcid.len().min(MAX_CID_LEN)]);
        }
        if q.crypto.insert(pool, chunk.offset, chunk.data) == Insert::GaveUp {
            gave_up = true;
        }
    };
    let outcome =
        quic::for_each_client_initial(payload, &mut out.scratch.quic, &mut keys, &mut on_crypto);
    match outcome {
        Ok(summary) if summary.decrypted > 0 => q.client = Some(dir),
        Ok(_) | Err(_) => {
            q.failures = q.failures.saturating_add(1);
            if q.failures >= QUIC_ATTEMPTS {
                q.done = true;
            }
            if outcome.is_err() {
                out.counters.skip(Skip::QuicUndecryptable);
            }
            return;
        }
    }
    if gave_up {
        out.counters.skip(Skip::ReassemblyGaveUp);
        q.done = true;
        return;
    }
    // The CRYPTO stream is bare handshake messages: type (1), length (3), body.
    let hs = q.crypto.contiguous(pool);
    if hs.len() < 4 {
        return;
    }
    let len = 4 + (usize::from(hs[1]) << 16 | usize::from(hs[2]) << 8 | usize::from(hs[3]));
    if hs.len() < len {
        return;
    }
    match tls::client_hello_sni(&hs[..len]) {
        Ok(hello) => {
            if let Some(name) = hello.sni {
                st.bind_name(&mut out.naming.names, name, NameSource::Sni);
                out.sink.event(
                    out.meta,
                    &Event::Sni {
                        transport: SniTransport::Quic,
                        src,
                        dst,
                        name,
                    },
                );
            }
        }
        Err(_) => out.counters.skip(Skip::TlsMalformed),
    }
    q.done = true;
}
