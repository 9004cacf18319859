//! Detection on simulated time: each signal of DESIGN.md's table fires at its threshold and not
//! below, says why, and is held back when repeated.

use core::net::IpAddr;

use super::places::NewPlace;
use super::policy::{Destination, Locate, Place, Policy, WatchMatch};
use super::stats::DestKey;
use super::thresholds::{QuietHours, Rule, Severity, Thresholds};
use super::*;
use crate::flow::key::Addr;
use crate::naming::devices::DeviceId;

const S: u64 = 1_000_000_000;
const MIN: u64 = 60 * S;
const HOUR: u64 = 60 * MIN;
/// 2026-11-24 00:00 UTC, a Tuesday.
const DAY0: u64 = 1_795_478_400 * S;

/// Watches `xiaomi.com` and anything in 203.0.113.0/24; allows `allowed.test`.
struct TestPolicy;

impl Policy for TestPolicy {
    fn watched(&self, dest: &Destination<'_>) -> Option<WatchMatch<'_>> {
        let by_name = dest.name.is_some_and(|n| n.ends_with(b"xiaomi.com"));
        let by_ip = matches!(dest.ip, IpAddr::V4(v4) if v4.octets()[..3] == [203, 0, 113]);
        (by_name || by_ip).then_some(WatchMatch {
            list: "xiaomi",
            category: "telemetry",
            matched: "xiaomi.com",
            source: "test",
        })
    }
    fn allowed(&self, dest: &Destination<'_>, _mac: [u8; 6]) -> bool {
        dest.name == Some(b"allowed.test")
    }
    fn doh_resolver(&self, dest: &Destination<'_>) -> bool {
        dest.name == Some(b"dns.google")
    }
    fn lan_resolver(&self, _ip: IpAddr) -> Option<bool> {
        None
    }
}

/// 198.51.100.0/24 is in NL, AS64500; everything else in US, AS64501.
struct TestGeo;

impl Locate for TestGeo {
    fn locate(&self, ip: IpAddr) -> Place<'_> {
        let nl = matches!(ip, IpAddr::V4(v4) if v4.octets()[..3] == [198, 51, 100]);
        Place {
            country: Some(if nl { *b"NL" } else { *b"US" }),
            asn: Some(if nl { 64500 } else { 64501 }),
            org: Some(if nl { "Example NL" } else { "Example US" }),
        }
    }
}

fn detector(t: Thresholds) -> Detector {
    Detector::new(
        DetectConfig::default(),
        t,
        Box::new(TestPolicy),
        Box::new(TestGeo),
    )
}

fn phone() -> DeviceCtx {
    DeviceCtx {
        id: DeviceId(0),
        mac: [0x64, 0x09, 0x80, 0x4c, 0x2e, 0x71],
        first_seen: 0,
    }
}

/// Uploads `total` bytes in 1,000-byte frames over `span` ns from `start`, with `down` bytes
/// down in all; returns every finding.
#[allow(clippy::too_many_arguments)]
fn upload(
    d: &mut Detector,
    dev: DeviceCtx,
    name: &[u8],
    ip: Addr,
    start: u64,
    span: u64,
    total: u64,
    down: u64,
) -> Vec<Finding> {
    let mut all = Vec::new();
    let mut found = Findings::new();
    let key = DestKey::Ip(ip);
    let r = d.bind(dev, key, ip, start, &mut found);
    all.extend(found.iter().copied());
    let frames = total / 1000;
    for i in 0..frames {
        let now = start + span * i / frames.max(1);
        let mut found = Findings::new();
        let d_bytes = if i == 0 { down } else { 0 };
        d.bytes(
            r,
            dev,
            Some(name),
            1000,
            d_bytes,
            now,
            DAY0 + now,
            &mut found,
        );
        all.extend(found.iter().copied());
    }
    all
}

fn rules(found: &[Finding]) -> Vec<Rule> {
    found.iter().map(|f| f.rule).collect()
}

#[test]
fn watched_destination_fires_at_500_kb_in_15_min_not_below() {
    let t = Thresholds {
        first_contact: thresholds::UploadThreshold {
            enabled: false,
            ..Thresholds::default().first_contact
        },
        ..Thresholds::default()
    };
    let ip = Addr::v4([203, 0, 113, 31]);
    let mut d = detector(t);
    let below = upload(
        &mut d,
        phone(),
        b"data.mistat.xiaomi.com",
        ip,
        0,
        10 * MIN,
        490_000,
        400_000,
    );
    assert!(below.is_empty(), "{below:?}");
    let mut d = detector(t);
    let found = upload(
        &mut d,
        phone(),
        b"data.mistat.xiaomi.com",
        ip,
        0,
        10 * MIN,
        520_000,
        400_000,
    );
    assert_eq!(rules(&found), vec![Rule::WatchedUpload]);
    let Detail::Upload {
        bytes_up,
        window_ns,
        threshold,
        ..
    } = found[0].detail
    else {
        panic!("{found:?}")
    };
    assert!((500_000..=520_000).contains(&bytes_up));
    assert_eq!((window_ns, threshold), (15 * MIN, 500_000));
    assert_eq!(found[0].severity, Severity::Red);
    // The same upload 20 minutes later is a repeat: held back.
    let r = d.bind(phone(), DestKey::Ip(ip), ip, 30 * MIN, &mut Findings::new());
    let mut again = Findings::new();
    for i in 0..600 {
        d.bytes(
            r,
            phone(),
            Some(b"data.mistat.xiaomi.com"),
            1000,
            0,
            30 * MIN + i * S,
            0,
            &mut again,
        );
    }
    assert!(again.iter().all(|f| f.rule != Rule::WatchedUpload));
    assert!(d.held_back() > 0);
    assert!(d.upload_in_progress(30 * MIN + 599 * S));
    assert!(!d.upload_in_progress(HOUR));
}

#[test]
fn spread_out_uploads_do_not_sum_beyond_the_window() {
    // 800 kB to a watched destination, but over 2 hours: never 500 kB within 15 minutes.
    let mut d = detector(Thresholds::default());
    let ip = Addr::v4([203, 0, 113, 30]);
    let found = upload(
        &mut d,
        phone(),
        b"tracking.miui.com.xiaomi.com",
        ip,
        0,
        2 * HOUR,
        800_000,
        0,
    );
    assert!(
        rules(&found).iter().all(|r| *r != Rule::WatchedUpload),
        "{found:?}"
    );
}

#[test]
fn abnormal_upload_needs_the_ratio() {
    let ip = Addr::v4([192, 0, 2, 10]);
    // 1.2 MB up, 1 MB down: ratio 1.2, not abnormal.
    let mut d = detector(Thresholds::default());
    let found = upload(
        &mut d,
        phone(),
        b"photos.example",
        ip,
        0,
        5 * MIN,
        1_200_000,
        1_000_000,
    );
    assert!(found.is_empty(), "{found:?}");
    // 1.2 MB up, 100 kB down: abnormal.
    let mut d = detector(Thresholds::default());
    let found = upload(
        &mut d,
        phone(),
        b"photos.example",
        ip,
        0,
        5 * MIN,
        1_200_000,
        100_000,
    );
    assert_eq!(rules(&found), vec![Rule::AbnormalUpload]);
}

#[test]
fn large_upload_over_hours() {
    let ip = Addr::v4([192, 0, 2, 11]);
    let t = Thresholds {
        abnormal_ratio: f64::INFINITY,
        ..Thresholds::default()
    };
    let mut d = detector(t);
    let found = upload(
        &mut d,
        phone(),
        b"backup.example",
        ip,
        0,
        3 * HOUR,
        101_000_000,
        0,
    );
    assert!(rules(&found).contains(&Rule::LargeUpload), "{found:?}");
}

#[test]
fn quiet_hours_upload() {
    let t = Thresholds {
        quiet: QuietHours {
            enabled: true,
            start_min: 0,
            end_min: 6 * 60,
            ..Thresholds::default().quiet
        },
        abnormal_ratio: f64::INFINITY,
        ..Thresholds::default()
    };
    let ip = Addr::v4([192, 0, 2, 12]);
    // At 02:00 (DAY0 + now), 1.5 MB up over 30 min.
    let mut d = detector(t);
    let found = upload(
        &mut d,
        phone(),
        b"sync.example",
        ip,
        2 * HOUR,
        30 * MIN,
        1_500_000,
        0,
    );
    assert!(rules(&found).contains(&Rule::QuietHoursUpload), "{found:?}");
    // The same at 14:00: nothing.
    let mut d = detector(t);
    let found = upload(
        &mut d,
        phone(),
        b"sync.example",
        ip,
        14 * HOUR,
        30 * MIN,
        1_500_000,
        0,
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn first_contact_with_a_new_country_after_learning() {
    let mut d = detector(Thresholds::default());
    let us = Addr::v4([192, 0, 2, 13]);
    let nl = Addr::v4([198, 51, 100, 7]);
    // During the learning week: US becomes known, nothing fires.
    let found = upload(
        &mut d,
        phone(),
        b"a.example",
        us,
        HOUR,
        MIN,
        200_000,
        200_000,
    );
    assert!(found.is_empty(), "{found:?}");
    // Eight days later, a first upload of 150 kB to the Netherlands: amber.
    let later = 8 * 24 * HOUR;
    let found = upload(
        &mut d,
        phone(),
        b"b.example",
        nl,
        later,
        MIN,
        150_000,
        150_000,
    );
    assert_eq!(rules(&found), vec![Rule::FirstContact]);
    assert_eq!(found[0].severity, Severity::Amber);
    assert!(matches!(
        found[0].detail,
        Detail::FirstContact { why: FirstWhy::New(NewPlace::Country(c)), .. } if c == *b"NL"
    ));
    // Another US destination is not new.
    let found = upload(
        &mut d,
        phone(),
        b"c.example",
        Addr::v4([192, 0, 2, 14]),
        later,
        MIN,
        150_000,
        150_000,
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn periodic_beacon_after_an_hour_of_regular_contacts() {
    let mut d = detector(Thresholds::default());
    let ip = Addr::v4([192, 0, 2, 15]);
    let mut all = Vec::new();
    for i in 0..14u64 {
        let mut f = Findings::new();
        // Every 5 minutes, +/- 2 s.
        let jitter = if i % 2 == 0 { 2 * S } else { 0 };
        d.bind(phone(), DestKey::Ip(ip), ip, i * 5 * MIN + jitter, &mut f);
        all.extend(f.iter().copied());
    }
    assert_eq!(rules(&all), vec![Rule::PeriodicBeacon]);
    let Detail::Beacon {
        contacts,
        interval_ns,
        jitter,
    } = all[0].detail
    else {
        panic!()
    };
    assert!(contacts >= 13 && (interval_ns as f64 - 300e9).abs() < 5e9 && jitter < 0.02);
    // Irregular contacts over the same hour do not.
    let mut d = detector(Thresholds::default());
    let mut all = Vec::new();
    for t in [0u64, 1, 2, 30, 31, 32, 33, 50, 61, 62] {
        let mut f = Findings::new();
        d.bind(phone(), DestKey::Ip(ip), ip, t * MIN, &mut f);
        all.extend(f.iter().copied());
    }
    assert!(all.is_empty(), "{all:?}");
}

#[test]
fn dns_bypass_kinds() {
    let mut d = detector(Thresholds::default());
    let mut f = Findings::new();
    d.flow_started(phone(), None, Addr::v4([192, 168, 1, 1]), 53, 0, &mut f);
    assert!(f.is_empty(), "the LAN's resolver is fine");
    d.flow_started(phone(), None, Addr::v4([8, 8, 8, 8]), 53, 0, &mut f);
    d.flow_started(phone(), None, Addr::v4([1, 1, 1, 1]), 853, 0, &mut f);
    d.flow_started(
        phone(),
        Some(b"dns.google"),
        Addr::v4([8, 8, 4, 4]),
        443,
        0,
        &mut f,
    );
    d.flow_started(
        phone(),
        Some(b"www.example"),
        Addr::v4([192, 0, 2, 1]),
        443,
        0,
        &mut f,
    );
    let kinds: Vec<Detail> = f.iter().map(|x| x.detail).collect();
    assert_eq!(
        kinds,
        vec![
            Detail::DnsBypass(Bypass::PlainDns),
            Detail::DnsBypass(Bypass::DnsOverTls),
            Detail::DnsBypass(Bypass::DnsOverHttps)
        ]
    );
}

#[test]
fn allowlisted_destination_never_alerts() {
    let mut d = detector(Thresholds::default());
    let ip = Addr::v4([203, 0, 113, 40]);
    let found = upload(
        &mut d,
        phone(),
        b"allowed.test",
        ip,
        0,
        5 * MIN,
        5_000_000,
        0,
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn new_device_only_after_the_household_is_learnt() {
    let mut d = detector(Thresholds::default());
    let mut f = Findings::new();
    d.new_device(phone(), 10 * MIN, &mut f);
    assert!(f.is_empty());
    d.new_device(
        DeviceCtx {
            id: DeviceId(1),
            ..phone()
        },
        2 * HOUR,
        &mut f,
    );
    assert_eq!(rules(&f), vec![Rule::NewDevice]);
}
