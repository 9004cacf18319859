//! The engine's side of detection: feeds each frame of a device's flow to the detector, and
//! turns the detector's findings into alert events with their reasons in words.

use core::fmt::Write as _;

use crate::detect::places::NewPlace;
use crate::detect::policy::{Destination, Place};
use crate::detect::stats::DestKey;
use crate::detect::{Bypass, Detail, Detector, DeviceCtx, Finding, Findings, FirstWhy};
use crate::event::{AlertEvent, Event, Meta, Sink};
use crate::flow::key::{Addr, Endpoint, KeyDir};
use crate::naming::devices::DeviceId;
use crate::naming::{NameSource, Naming};

use super::FlowState;

/// Longest reason kept (longer ones are cut).
const REASON_LEN: usize = 240;
/// Reasons per alert.
const REASONS: usize = 5;

type Reason = heapless::String<REASON_LEN>;

/// The device context of `id`.
pub(super) fn device_ctx(naming: &Naming, id: DeviceId) -> DeviceCtx {
    let d = naming.devices.get(id);
    DeviceCtx {
        id,
        mac: d.mac,
        first_seen: d.first_seen_v,
    }
}

/// Accounts one frame (or reassembled datagram) of `wire_bytes` going `dir` to detection.
#[allow(clippy::too_many_arguments)]
pub(super) fn on_frame(
    st: &mut FlowState,
    dir: KeyDir,
    src: Endpoint,
    dst: Endpoint,
    wire_bytes: u64,
    meta: Meta,
    now: u64,
    naming: &mut Naming,
    detector: &mut Detector,
    sink: &mut dyn Sink,
) {
    let Some((device, up_dir)) = st.device else {
        return;
    };
    if st.remote_local {
        return; // not an upload: LAN traffic
    }
    let remote = if dir == up_dir { dst } else { src };
    let dev = device_ctx(naming, device);
    let mut found = Findings::new();
    let name_id = (st.name_from != NameSource::None).then_some(st.name);
    if !st.detect_started {
        st.detect_started = true;
        let name = name_id.and_then(|id| naming.names.get(id));
        detector.flow_started(dev, name, remote.addr, remote.port, now, &mut found);
    }
    if st.stats.is_none() || st.stats_from != st.name_from {
        let key = detector.key_for(
            name_id.filter(|id| naming.names.get(*id).is_some()),
            remote.addr,
        );
        st.stats = Some(detector.bind(dev, key, remote.addr, now, &mut found));
        st.stats_from = st.name_from;
    }
    let (up, down) = if dir == up_dir {
        (wire_bytes, 0)
    } else {
        (0, wire_bytes)
    };
    if let Some(r) = st.stats {
        let name = name_id.and_then(|id| naming.names.get(id));
        detector.bytes(r, dev, name, up, down, now, meta.ts.0, &mut found);
    }
    for f in &found {
        st.summary.note(f.rule, f.severity);
        alert(f, dev, st, remote.addr, meta, naming, detector, sink);
    }
}

/// Reports findings about a device alone (a new device).
pub(super) fn device_findings(
    found: &Findings,
    dev: DeviceCtx,
    meta: Meta,
    naming: &Naming,
    sink: &mut dyn Sink,
) {
    for f in found {
        let mut reasons: heapless::Vec<Reason, REASONS> = heapless::Vec::new();
        let mut r = Reason::new();
        let _ = write!(
            r,
            "a device never seen before: {}",
            crate::replay::json::mac_text(dev.mac)
        );
        let _ = reasons.push(r);
        let target = Target {
            destination: "",
            named_by: "none",
            ip: None,
            place: Place::default(),
        };
        emit(f, dev, naming, &target, &reasons, (0, 0, 0), meta, sink);
    }
}

fn human(bytes: u64) -> heapless::String<16> {
    let mut s = heapless::String::new();
    let _ = if bytes >= 1_000_000 {
        write!(s, "{:.2} MB", bytes as f64 / 1e6)
    } else if bytes >= 1000 {
        write!(s, "{:.1} kB", bytes as f64 / 1e3)
    } else {
        write!(s, "{bytes} B")
    };
    s
}

fn duration(ns: u64) -> heapless::String<16> {
    let mut s = heapless::String::new();
    let secs = ns / 1_000_000_000;
    let _ = if secs >= 3600 && secs % 3600 == 0 {
        write!(s, "{} h", secs / 3600)
    } else if secs >= 60 {
        write!(s, "{} min", secs / 60)
    } else {
        write!(s, "{secs} s")
    };
    s
}

#[allow(clippy::too_many_arguments)]
fn alert(
    f: &Finding,
    dev: DeviceCtx,
    st: &FlowState,
    ip: Addr,
    meta: Meta,
    naming: &Naming,
    detector: &Detector,
    sink: &mut dyn Sink,
) {
    let place = detector.locate(ip.ip());
    let mut ip_text: heapless::String<48> = heapless::String::new();
    let _ = write!(ip_text, "{ip}");
    let (destination, named_by): (&str, &str) = match f.dest {
        DestKey::Name(id) => (
            naming
                .names
                .get(id)
                .and_then(|n| core::str::from_utf8(n).ok())
                .unwrap_or(&ip_text),
            st.stats_from.as_str(),
        ),
        DestKey::Asn(_) => (place.org.unwrap_or(&ip_text), "asn"),
        _ => (&ip_text, "ip"),
    };
    let dest = Destination {
        name: Some(destination.as_bytes()),
        ip: ip.ip(),
        place,
    };
    let watch = detector.policy().watched(&dest);
    let mut reasons: heapless::Vec<Reason, REASONS> = heapless::Vec::new();
    let mut r = Reason::new();
    let window = match f.detail {
        Detail::Upload {
            bytes_up,
            bytes_down,
            window_ns,
            threshold,
        } => {
            if window_ns > 0 {
                let _ = write!(
                    r,
                    "{} up in {} to {destination} (threshold {})",
                    human(bytes_up),
                    duration(window_ns),
                    human(threshold)
                );
            } else {
                let _ = write!(
                    r,
                    "{} up during the quiet hours to {destination} (threshold {})",
                    human(bytes_up),
                    human(threshold)
                );
            }
            let _ = reasons.push(core::mem::take(&mut r));
            let ratio = bytes_up as f64 / bytes_down.max(1) as f64;
            let _ = write!(
                r,
                "{} down in the same window: up/down ratio {:.1}",
                human(bytes_down),
                ratio
            );
            if f.rule == crate::detect::thresholds::Rule::AbnormalUpload {
                let _ = write!(r, " (limit {:.1})", detector.thresholds().abnormal_ratio);
            }
            let _ = reasons.push(core::mem::take(&mut r));
            (bytes_up, bytes_down, window_ns / 1_000_000_000)
        }
        Detail::FirstContact {
            bytes_up,
            threshold,
            why,
        } => {
            let _ = write!(
                r,
                "first upload to {destination}: {} (threshold {})",
                human(bytes_up),
                human(threshold)
            );
            let _ = reasons.push(core::mem::take(&mut r));
            match why {
                FirstWhy::Watched => {}
                FirstWhy::New(NewPlace::Country(c)) => {
                    let _ = write!(
                        r,
                        "country {} is new for this device after its learning period",
                        core::str::from_utf8(&c).unwrap_or("??")
                    );
                }
                FirstWhy::New(NewPlace::Asn(a)) => {
                    let _ = write!(
                        r,
                        "organisation AS{a} {} is new for this device after its learning period",
                        place.org.unwrap_or("")
                    );
                }
            }
            if !r.is_empty() {
                let _ = reasons.push(core::mem::take(&mut r));
            }
            (bytes_up, 0, 0)
        }
        Detail::Beacon {
            contacts,
            interval_ns,
            jitter,
        } => {
            let _ = write!(
                r,
                "{contacts} connections to {destination}, one every {} (jitter {:.0}%)",
                duration(interval_ns),
                jitter * 100.0
            );
            let _ = reasons.push(core::mem::take(&mut r));
            (0, 0, 0)
        }
        Detail::DnsBypass(b) => {
            let how = match b {
                Bypass::DnsOverTls => "DNS over TLS (port 853)",
                Bypass::DnsOverHttps => "a known DNS-over-HTTPS resolver",
                Bypass::PlainDns => "plain DNS to a server other than the LAN's",
            };
            let _ = write!(r, "{how}: {destination}");
            let _ = reasons.push(core::mem::take(&mut r));
            (0, 0, 0)
        }
        Detail::NewDevice => (0, 0, 0),
    };
    if let Some(w) = watch {
        let _ = write!(
            r,
            "on watchlist {} ({}): {} matches {} [source: {}]",
            w.list, w.category, destination, w.matched, w.source
        );
        let _ = reasons.push(core::mem::take(&mut r));
    }
    if place.country.is_some() || place.asn.is_some() {
        let _ = write!(r, "destination in ");
        if let Some(c) = place.country {
            let _ = write!(r, "{} ", core::str::from_utf8(&c).unwrap_or("??"));
        }
        if let Some(a) = place.asn {
            let _ = write!(r, "AS{a} {}", place.org.unwrap_or(""));
        }
        let _ = reasons.push(core::mem::take(&mut r));
    }
    let target = Target {
        destination,
        named_by,
        ip: Some(ip),
        place,
    };
    emit(f, dev, naming, &target, &reasons, window, meta, sink);
}

/// What an alert is about.
struct Target<'a> {
    destination: &'a str,
    named_by: &'a str,
    ip: Option<Addr>,
    place: Place<'a>,
}

#[allow(clippy::too_many_arguments)]
fn emit(
    f: &Finding,
    dev: DeviceCtx,
    naming: &Naming,
    target: &Target<'_>,
    reasons: &[Reason],
    (bytes_up, bytes_down, window_secs): (u64, u64, u64),
    meta: Meta,
    sink: &mut dyn Sink,
) {
    let mut texts: heapless::Vec<&str, REASONS> = heapless::Vec::new();
    for r in reasons {
        let _ = texts.push(r.as_str());
    }
    let hostname = naming.names.get(naming.devices.get(dev.id).hostname);
    sink.event(
        meta,
        &Event::Alert(AlertEvent {
            device: dev.mac,
            hostname,
            destination: target.destination,
            named_by: target.named_by,
            ip: target.ip,
            rule: f.rule,
            severity: f.severity,
            reasons: &texts,
            bytes_up,
            bytes_down,
            window_secs,
            country: target.place.country,
            asn: target.place.asn,
            org: target.place.org,
        }),
    );
}
