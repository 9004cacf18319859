//! The window table on hand-made samples: aggregation by key, the addresses a device used,
//! overflow into "other destinations", what is dropped, and clearing between windows.

use crate::detect::thresholds::{Rule, Severity};
use crate::flow::key::{Addr, PROTO_TCP, PROTO_UDP};
use crate::naming::devices::DeviceId;
use crate::naming::names::{NameId, NameTable};

use super::fired::Fired;
use super::window::{Row, Sample, Totals, WindowCounters, WindowKey, WindowTable};

const PHONE: [u8; 6] = [0x64, 0x09, 0x80, 0x4c, 0x2e, 0x71];
const LAPTOP: [u8; 6] = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];

fn key(device: u16, mac: [u8; 6], remote: [u8; 4], name: Option<NameId>, proto: u8) -> WindowKey {
    WindowKey {
        device: DeviceId(device),
        mac,
        remote: Addr::v4(remote),
        name,
        proto,
    }
}

fn sample(key: WindowKey, local: [u8; 4], up: (u64, u64), down: (u64, u64)) -> Sample {
    Sample {
        key,
        local: Addr::v4(local),
        totals: Totals {
            pkts_up: up.0,
            bytes_up: up.1,
            pkts_down: down.0,
            bytes_down: down.1,
            flows: u32::from(up.0 + down.0 > 0),
            fired: Fired::default(),
        },
    }
}

/// The rows as (remote, name, proto, totals), in order.
fn rows(t: &WindowTable) -> Vec<(Option<Addr>, Option<NameId>, u8, Totals)> {
    t.rows()
        .map(|r: Row<'_>| (r.remote, r.name, r.proto, *r.totals))
        .collect()
}

#[test]
fn samples_with_one_key_add_up_and_other_keys_stay_apart() {
    let mut names = NameTable::new(4096);
    let news = names.intern(b"www.example-news.test");
    let cdn = names.intern(b"cdn.example.net");
    let mut t = WindowTable::new(16, 8, 7);
    let server = [198, 51, 100, 50];
    let k = key(0, PHONE, server, news, PROTO_TCP);
    t.add(&sample(k, [192, 168, 50, 118], (3, 300), (5, 4000)));
    t.add(&sample(k, [192, 168, 50, 118], (2, 200), (1, 60)));
    // Same address under another name, over another transport, to another address.
    t.add(&sample(
        key(0, PHONE, server, cdn, PROTO_TCP),
        [192, 168, 50, 118],
        (1, 80),
        (0, 0),
    ));
    t.add(&sample(
        key(0, PHONE, server, news, PROTO_UDP),
        [192, 168, 50, 118],
        (1, 90),
        (1, 1200),
    ));
    t.add(&sample(
        key(0, PHONE, [203, 0, 113, 31], None, PROTO_TCP),
        [192, 168, 50, 119],
        (4, 4000),
        (1, 66),
    ));
    // A DHCP client's 0.0.0.0 is not an address of the device.
    t.add(&sample(
        key(0, PHONE, [255, 255, 255, 255], None, PROTO_UDP),
        [0, 0, 0, 0],
        (1, 342),
        (0, 0),
    ));
    let r = rows(&t);
    assert_eq!(r.len(), 5);
    assert_eq!(t.row_count(), 5);
    assert_eq!(r[0].0, Some(Addr::v4(server)));
    assert_eq!(
        r[0].3,
        Totals {
            bytes_up: 500,
            bytes_down: 4060,
            pkts_up: 5,
            pkts_down: 6,
            flows: 2,
            fired: Fired::default()
        }
    );
    assert_eq!((r[1].1, r[1].3.bytes_up), (cdn, 80));
    assert_eq!((r[2].2, r[2].3.bytes_down), (PROTO_UDP, 1200));
    assert_eq!((r[3].1, r[3].3.flows), (None, 1));
    // Every row of the device lists both addresses it used, once each.
    for row in t.rows() {
        assert_eq!(
            row.ips,
            [Addr::v4([192, 168, 50, 118]), Addr::v4([192, 168, 50, 119])]
        );
    }
    assert_eq!(t.window_counters(), WindowCounters::default());
}

#[test]
fn a_sample_without_frames_carries_its_alerts_but_no_flow() {
    let mut t = WindowTable::new(4, 2, 1);
    let k = key(1, PHONE, [203, 0, 113, 31], None, PROTO_TCP);
    t.add(&sample(k, [192, 168, 50, 118], (10, 10_000), (2, 120)));
    let mut alert = sample(k, [192, 168, 50, 118], (0, 0), (0, 0));
    alert.totals.fired.note(Rule::WatchedUpload, Severity::Red);
    t.add(&alert);
    let r = rows(&t);
    assert_eq!(r[0].3.flows, 1);
    assert!(r[0].3.fired.contains(Rule::WatchedUpload));
    assert_eq!(r[0].3.fired.verdict(), telltale_proto::Verdict::Suspicious);
}

#[test]
fn a_full_table_merges_new_keys_into_other_destinations_per_device_and_transport() {
    let mut t = WindowTable::new(2, 4, 3);
    let local = [192, 168, 50, 118];
    for i in 0..5u8 {
        t.add(&sample(
            key(0, PHONE, [198, 51, 100, i], None, PROTO_TCP),
            local,
            (1, 100 + u64::from(i)),
            (1, 1000),
        ));
    }
    // A key that has its entry still adds to it when the table is full.
    t.add(&sample(
        key(0, PHONE, [198, 51, 100, 0], None, PROTO_TCP),
        local,
        (1, 1),
        (0, 0),
    ));
    t.add(&sample(
        key(0, PHONE, [198, 51, 100, 9], None, PROTO_UDP),
        local,
        (2, 200),
        (0, 0),
    ));
    t.add(&sample(
        key(2, LAPTOP, [198, 51, 100, 9], None, PROTO_UDP),
        [192, 168, 50, 7],
        (1, 50),
        (0, 0),
    ));
    let r = rows(&t);
    assert_eq!(r.len(), 5, "{r:?}");
    assert_eq!((r[0].3.bytes_up, r[0].3.flows), (101, 2));
    assert_eq!(r[1].3.bytes_up, 101);
    // The phone's other TCP destinations: three flows to three addresses.
    assert_eq!((r[2].0, r[2].2), (None, PROTO_TCP));
    assert_eq!(
        (r[2].3.bytes_up, r[2].3.bytes_down, r[2].3.flows),
        (102 + 103 + 104, 3000, 3)
    );
    assert_eq!((r[3].0, r[3].2, r[3].3.bytes_up), (None, PROTO_UDP, 200));
    assert_eq!((r[4].0, r[4].3.bytes_up), (None, 50));
    let laptop: Vec<Row<'_>> = t.rows().filter(|r| r.mac == LAPTOP).collect();
    assert_eq!(laptop[0].ips, [Addr::v4([192, 168, 50, 7])]);
    // The phone's total upload is exact despite the overflow.
    let phone_up: u64 = t
        .rows()
        .filter(|r| r.mac == PHONE)
        .map(|r| r.totals.bytes_up)
        .sum();
    assert_eq!(phone_up, 100 + 101 + 102 + 103 + 104 + 1 + 200);
    assert_eq!(t.window_counters().merged, 5);
    assert_eq!(t.window_counters().dropped, 0);
    // A third transport for the phone's "other destinations" has no room: dropped, counted.
    t.add(&sample(
        key(0, PHONE, [198, 51, 100, 77], None, 1),
        local,
        (1, 84),
        (1, 84),
    ));
    assert_eq!(
        (
            t.window_counters().dropped,
            t.window_counters().dropped_bytes
        ),
        (1, 168)
    );
}

#[test]
fn a_device_index_reused_for_another_mac_keeps_keys_apart() {
    let mut t = WindowTable::new(8, 2, 9);
    let remote = [203, 0, 113, 30];
    t.add(&sample(
        key(0, PHONE, remote, None, PROTO_TCP),
        [192, 168, 50, 118],
        (1, 100),
        (0, 0),
    ));
    // The device table forgot the phone and gave its index to the laptop within the window.
    t.add(&sample(
        key(0, LAPTOP, remote, None, PROTO_TCP),
        [192, 168, 50, 7],
        (1, 70),
        (0, 0),
    ));
    let r: Vec<Row<'_>> = t.rows().collect();
    assert_eq!(r.len(), 2);
    assert_eq!((r[0].mac, r[0].totals.bytes_up), (PHONE, 100));
    assert_eq!((r[1].mac, r[1].totals.bytes_up), (LAPTOP, 70));
    // The slot's addresses belong to the phone, which claimed it first in this window.
    assert_eq!(r[0].ips, [Addr::v4([192, 168, 50, 118])]);
    assert!(r[1].ips.is_empty());
    // An index beyond the device table cannot be placed in a full table: dropped.
    let mut full = WindowTable::new(0, 2, 9);
    full.add(&sample(
        key(5, PHONE, remote, None, PROTO_TCP),
        [192, 168, 50, 118],
        (1, 100),
        (0, 0),
    ));
    assert_eq!(full.window_counters().dropped, 1);
    assert_eq!(full.row_count(), 0);
}

#[test]
fn clearing_starts_a_fresh_window_and_keeps_lifetime_counters() {
    let mut t = WindowTable::new(1, 2, 5);
    let local = [192, 168, 50, 118];
    let a = key(0, PHONE, [198, 51, 100, 1], None, PROTO_TCP);
    let b = key(0, PHONE, [198, 51, 100, 2], None, PROTO_TCP);
    t.add(&sample(a, local, (1, 10), (0, 0)));
    t.add(&sample(b, local, (1, 20), (0, 0)));
    t.note_unattributed(500);
    assert_eq!(t.window_counters().merged, 1);
    let memory = t.memory_bytes();
    t.clear();
    assert!(t.is_empty() && t.row_count() == 0);
    assert_eq!(t.window_counters(), WindowCounters::default());
    assert_eq!(t.total_counters().merged, 1);
    assert_eq!(t.total_counters().unattributed_bytes, 500);
    // The next window gives the first key seen its entry, whichever it is.
    t.add(&sample(b, local, (1, 20), (0, 0)));
    t.add(&sample(a, local, (1, 10), (0, 0)));
    let r = rows(&t);
    assert_eq!(r[0].0, Some(Addr::v4([198, 51, 100, 2])));
    assert_eq!((r[1].0, r[1].3.bytes_up), (None, 10));
    assert_eq!(t.total_counters().merged, 2);
    assert_eq!(t.memory_bytes(), memory, "nothing grows");
}

#[test]
fn many_keys_are_all_found_again() {
    let n = 3000u16;
    let mut t = WindowTable::new(usize::from(n), 4, 0x5eed);
    for round in 0..2 {
        for i in 0..n {
            let [hi, lo] = i.to_be_bytes();
            t.add(&sample(
                key(1, PHONE, [198, 51, hi, lo], None, PROTO_TCP),
                [192, 168, 50, 118],
                (1, u64::from(i) + 1),
                (0, 0),
            ));
        }
        assert_eq!(t.len(), usize::from(n), "round {round}");
    }
    for (i, r) in t.rows().enumerate() {
        assert_eq!(r.totals.bytes_up, 2 * (i as u64 + 1));
        assert_eq!(r.totals.flows, 2);
    }
    assert_eq!(t.window_counters(), WindowCounters::default());
}

#[test]
fn clearing_a_few_keys_empties_their_probe_runs() {
    // 64 keys, an index of 128 slots: up to 15 keys are cleared run by run, not by a fill.
    let mut t = WindowTable::new(64, 4, 0x5eed);
    for round in 0..300u16 {
        let keys = 1 + round % 15;
        for i in 0..keys {
            let [hi, lo] = (round * 16 + i).to_be_bytes();
            let k = key(1, PHONE, [198, 51, hi, lo], None, PROTO_TCP);
            t.add(&sample(k, [192, 168, 50, 118], (1, 1), (0, 0)));
            t.add(&sample(k, [192, 168, 50, 118], (1, 1), (0, 0)));
        }
        assert_eq!(t.len(), usize::from(keys), "round {round}");
        assert!(t.rows().all(|r| r.totals.bytes_up == 2), "round {round}");
        t.clear();
        assert_eq!(t.index_used(), 0, "round {round}");
    }
    // And a full table still clears whole.
    for i in 0..64u8 {
        let k = key(1, PHONE, [198, 51, 7, i], None, PROTO_TCP);
        t.add(&sample(k, [192, 168, 50, 118], (1, 1), (0, 0)));
    }
    t.clear();
    assert_eq!(t.index_used(), 0);
}
