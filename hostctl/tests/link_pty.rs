//! The link over pseudo-terminal pairs, with the real box side (`telltale_firmware::link`, the
//! same serial server the daemon runs) and the real host side (the client and pull behind
//! `telltale pull`), through a "cable" that can corrupt bytes, be pulled out mid-frame, and
//! outlive a restart of the box's server. Every record must arrive exactly once, in order.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{Bench, Faults};
use telltale_hostctl::link::{Client, Patience, SerialTransport};
use telltale_hostctl::pull::pull;
use telltale_hostctl::store::Store;

const RECORDS: u64 = 30_000;

fn patience() -> Patience {
    Patience {
        answer: Duration::from_millis(400),
        tries: 40,
        reopen_pause: Duration::from_millis(50),
    }
}

/// Pulls until the store holds everything (a pull may stop on a long outage; the user runs it
/// again), and checks every record once, in order, equal to what the box holds.
fn pull_all_and_check(bench: &Bench, mut during: impl FnMut(u64)) -> (u64, u64) {
    let mut store = Store::open(&bench.db_path()).unwrap();
    let transport = SerialTransport::open(&bench.host_port()).unwrap();
    let mut client = Client::connect(transport, patience()).unwrap();
    let box_id = client.info().box_id.clone();
    let mut pulls = 0;
    loop {
        pulls += 1;
        let r = pull(&mut client, &mut store, 1, &mut |done, _| during(done));
        match r {
            Ok(report) if report.last_seq == RECORDS => break,
            Ok(_) => {}
            Err(e) => eprintln!("pull {pulls} stopped: {e}"),
        }
        assert!(pulls < 20, "pull did not finish");
    }
    let stored = store.all_summaries(&box_id).unwrap();
    assert_eq!(stored.len() as u64, RECORDS, "every record, once");
    for (i, r) in stored.iter().enumerate() {
        assert_eq!(r, &common::summary(i as u64 + 1), "record {}", i + 1);
    }
    assert_eq!(
        bench.acked(),
        RECORDS,
        "the box was told everything is stored"
    );
    (pulls, client.stats().retries)
}

#[test]
fn a_clean_pull_of_thirty_thousand_records() {
    let bench = Bench::start(RECORDS, Faults::default());
    let (pulls, retries) = pull_all_and_check(&bench, |_| {});
    assert_eq!(pulls, 1);
    assert_eq!(retries, 0);
    let alerts = bench.alerts();
    let store = Store::open(&bench.db_path()).unwrap();
    assert_eq!(store.last_alert_seq("box-under-test").unwrap(), alerts);
}

#[test]
fn random_byte_corruption_loses_and_duplicates_nothing() {
    let bench = Bench::start(
        RECORDS,
        Faults {
            corrupt_one_in: 50_000,
        },
    );
    let (_, retries) = pull_all_and_check(&bench, |_| {});
    let corrupted = bench.faults_done().corrupted;
    eprintln!("corrupted {corrupted} bytes, {retries} requests repeated");
    assert!(corrupted > 3, "the cable corrupted only {corrupted} bytes");
    assert!(retries > 0);
}

#[test]
fn a_cable_pulled_mid_batch_resumes() {
    let bench = Bench::start(RECORDS, Faults::default());
    let cuts = bench.cuts();
    let mut next_cut = 2_000;
    let (_, retries) = pull_all_and_check(&bench, |done| {
        if done >= next_cut {
            // The cable goes dead for 600 ms in both directions, cutting whatever frame is on
            // the wire (the cut starts as soon as the next bytes flow: mid-batch).
            cuts.fetch_add(1, Ordering::SeqCst);
            next_cut += 7_000;
        }
    });
    let done = bench.faults_done();
    eprintln!(
        "{} cuts dropped {} bytes; {retries} repeats",
        done.cuts, done.dropped
    );
    assert!(done.cuts >= 3);
    assert!(done.dropped > 0);
    assert!(retries > 0);
}

#[test]
fn the_box_restarted_mid_pull_resumes() {
    let bench = Bench::start(RECORDS, Faults::default());
    let mut next = 5_000;
    let mut restarts = 0;
    pull_all_and_check(&bench, |done| {
        if done >= next {
            bench.restart_server();
            restarts += 1;
            next += 9_000;
        }
    });
    assert!(restarts >= 2);
    assert!(bench.server_starts() >= 3);
}
