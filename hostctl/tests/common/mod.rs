//! The test bench for the link: an in-memory box behind the real link server, two pty pairs
//! joined by a faulty cable.

#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serialport::{SerialPort, TTYPort};
use std::path::Path;

use telltale_firmware::link::journal_backend::{BoxControl, JournalBackend};
use telltale_firmware::link::serial::run_serial;
use telltale_firmware::summary::journal::{open_pair, AlertJournal, SummaryJournal};
use telltale_proto::*;

/// A deterministic record for sequence number `seq`.
pub fn summary(seq: u64) -> SummaryRecord {
    SummaryRecord {
        seq,
        window_start: 1_795_000_000_000 + seq * 1000,
        window_end: 1_795_000_060_000 + seq * 1000,
        device: DeviceInfo {
            mac: [0x64, 0x09, 0x80, 0x4c, (seq >> 8) as u8, seq as u8],
            ips: vec![IpAddr::V4(Ipv4Addr::new(
                192,
                168,
                50,
                (seq % 200) as u8 + 2,
            ))],
            hostname: Some(format!("phone-{}", seq % 7)),
            vendor: Some("Xiaomi Communications Co Ltd".into()),
        },
        destination: DestinationInfo {
            name: Some(format!("host{}.example.net", seq % 101)),
            ip: IpAddr::V4(Ipv4Addr::new(203, 0, 113, (seq % 250) as u8)),
            asn: Some(64_500 + (seq % 10) as u32),
            org: Some("Example AS".into()),
            country: Some(*b"NL"),
        },
        proto: if seq % 2 == 0 {
            Transport::Tcp
        } else {
            Transport::Udp
        },
        bytes_up: seq * 1_000,
        bytes_down: seq * 3,
        pkts_up: seq % 1000,
        pkts_down: seq % 333,
        flows: (seq % 5) as u32 + 1,
        verdict: if seq % 97 == 0 {
            Verdict::Suspicious
        } else {
            Verdict::Ok
        },
        rules: if seq % 97 == 0 {
            vec!["large_upload".into()]
        } else {
            vec![]
        },
    }
}

/// The daemon's side of the box for the link, as a test double of the running daemon: status,
/// clock and rules in memory. Summaries and alerts live in real journals on disk.
#[derive(Debug, Default)]
pub struct TestControl {
    alerts: u64,
    rules: Vec<u8>,
    clock_ms: u64,
}

/// State that outlives a server restart (the daemon keeps it on disk).
#[derive(Debug, Clone)]
pub struct Persisted(pub Arc<Mutex<TestControl>>);

impl BoxControl for Persisted {
    fn box_id(&self) -> String {
        "box-under-test".into()
    }
    fn status(&mut self) -> Status {
        let b = self.0.lock().unwrap();
        let port = |name: &str| PortStatus {
            name: name.into(),
            state: PortState::Up,
            frames: 0,
            drops: 0,
        };
        Status {
            firmware: "telltaled test".into(),
            uptime_s: 1,
            clock_ms: b.clock_ms,
            clock_set: b.clock_ms > 0,
            indicator: "watching".into(),
            alert_latched: false,
            lan: port("lan0"),
            wan: port("wan0"),
            frames: 0,
            skipped: 0,
            devices: 0,
            flows: 0,
            alerts: b.alerts,
            last_alert_seq: b.alerts,
            journal: JournalRange::default(),
            rules_crc: 0,
        }
    }
    fn ack_alerts(&mut self, _upto: u64) -> bool {
        false
    }
    fn set_time(&mut self, unix_ms: u64) -> Result<u64, String> {
        let mut b = self.0.lock().unwrap();
        Ok(std::mem::replace(&mut b.clock_ms, unix_ms))
    }
    fn check_rules(&mut self, text: &[u8]) -> Result<(), String> {
        if text.starts_with(b"bad") {
            return Err("rules.toml:1: not a rules file".into());
        }
        Ok(())
    }
    fn apply_rules(&mut self, text: &[u8]) -> Result<(), String> {
        self.check_rules(text)?;
        self.0.lock().unwrap().rules = text.to_vec();
        Ok(())
    }
    fn rules(&mut self) -> Vec<u8> {
        self.0.lock().unwrap().rules.clone()
    }
}

/// The alert journal's record for alert `i` (about summary `i * 97`).
pub fn alert(i: u64) -> AlertRecord {
    let s = summary(i * 97);
    AlertRecord {
        seq: i,
        ts: s.window_end,
        device: s.device,
        destination: s.destination,
        rule: "large_upload".into(),
        severity: Verdict::Suspicious,
        reasons: vec![format!("{} bytes up", s.bytes_up)],
        bytes_up: s.bytes_up,
        bytes_down: s.bytes_down,
    }
}

/// Fills fresh journals in `dir` with `records` summaries and one alert per 97 of them;
/// returns the number of alerts.
fn fill_journals(dir: &Path, records: u64) -> u64 {
    let (mut summaries, mut alerts) = open_journals(dir);
    for seq in 1..=records {
        assert_eq!(summaries.append(summary(seq)).unwrap(), seq);
    }
    summaries.sync().unwrap();
    let n = records / 97;
    for i in 1..=n {
        assert_eq!(alerts.append(alert(i)).unwrap(), i);
    }
    alerts.sync().unwrap();
    n
}

fn open_journals(dir: &Path) -> (SummaryJournal, AlertJournal) {
    open_pair(dir, 256 * 1024 * 1024, 16 * 1024 * 1024).expect("journals open")
}

/// What the cable does to the bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Flip a random bit in about one byte in this many (0: never).
    pub corrupt_one_in: u64,
}

/// What the cable did.
#[derive(Debug, Clone, Copy, Default)]
pub struct FaultsDone {
    pub corrupted: u64,
    pub cuts: u64,
    pub dropped: u64,
}

struct Cable {
    faults: Faults,
    /// Cuts requested and not started yet.
    cut_requests: Arc<AtomicU64>,
    dead_until: Mutex<Option<Instant>>,
    done: Mutex<FaultsDone>,
    rng: Mutex<u64>,
}

impl Cable {
    fn rand(&self) -> u64 {
        let mut s = self.rng.lock().unwrap();
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }

    /// Passes `bytes` through the cable's faults; returns what comes out the other end.
    fn carry(&self, bytes: &mut Vec<u8>) {
        let now = Instant::now();
        {
            let mut dead = self.dead_until.lock().unwrap();
            if self.cut_requests.load(Ordering::SeqCst) > 0 && dead.is_none() {
                self.cut_requests.fetch_sub(1, Ordering::SeqCst);
                // Let part of this chunk through: the cut lands mid-frame.
                let keep = (self.rand() as usize) % bytes.len().max(1);
                let mut d = self.done.lock().unwrap();
                d.cuts += 1;
                d.dropped += (bytes.len() - keep) as u64;
                bytes.truncate(keep);
                *dead = Some(now + Duration::from_millis(600));
                return;
            }
            if let Some(until) = *dead {
                if now < until {
                    self.done.lock().unwrap().dropped += bytes.len() as u64;
                    bytes.clear();
                    return;
                }
                *dead = None;
            }
        }
        if self.faults.corrupt_one_in > 0 {
            for b in bytes.iter_mut() {
                if self.rand() % self.faults.corrupt_one_in == 0 {
                    *b ^= 1 << (self.rand() % 8);
                    self.done.lock().unwrap().corrupted += 1;
                }
            }
        }
    }
}

/// Copies one direction of the cable until `stop`.
fn pump(mut from: TTYPort, mut to: TTYPort, cable: Arc<Cable>, stop: Arc<AtomicBool>) {
    let mut buf = vec![0u8; 4096];
    while !stop.load(Ordering::Relaxed) {
        match from.read(&mut buf) {
            Ok(0) => std::thread::sleep(Duration::from_millis(5)),
            Ok(n) => {
                let mut chunk = buf[..n].to_vec();
                cable.carry(&mut chunk);
                if !chunk.is_empty() {
                    let _ = to.write_all(&chunk);
                }
            }
            Err(e) if e.kind() == ErrorKind::TimedOut => {}
            // EIO while no one holds the other side open: wait for it.
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

/// Two pty pairs joined by a cable: the box opens `box_port`, the host `host_port`.
pub struct PtyCable {
    pub box_port: PathBuf,
    pub host_port: PathBuf,
    cable: Arc<Cable>,
    stop: Arc<AtomicBool>,
    pumps: Vec<JoinHandle<()>>,
    // The pty slaves stay open so the masters never see a hang-up between box restarts.
    _slaves: (TTYPort, TTYPort),
}

impl PtyCable {
    /// Makes the ptys and starts carrying bytes with `faults`.
    pub fn new(faults: Faults) -> PtyCable {
        let (mut master_a, slave_a) = TTYPort::pair().expect("pty pair");
        let (mut master_b, slave_b) = TTYPort::pair().expect("pty pair");
        master_a.set_timeout(Duration::from_millis(20)).unwrap();
        master_b.set_timeout(Duration::from_millis(20)).unwrap();
        let box_port = PathBuf::from(slave_a.name().unwrap());
        let host_port = PathBuf::from(slave_b.name().unwrap());
        let cable = Arc::new(Cable {
            faults,
            cut_requests: Arc::new(AtomicU64::new(0)),
            dead_until: Mutex::new(None),
            done: Mutex::new(FaultsDone::default()),
            rng: Mutex::new(0x9E37_79B9_7F4A_7C15),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let pumps = vec![
            {
                let (f, t) = (
                    master_a.try_clone_native().unwrap(),
                    master_b.try_clone_native().unwrap(),
                );
                let (c, s) = (cable.clone(), stop.clone());
                std::thread::spawn(move || pump(f, t, c, s))
            },
            {
                let (c, s) = (cable.clone(), stop.clone());
                std::thread::spawn(move || pump(master_b, master_a, c, s))
            },
        ];
        PtyCable {
            box_port,
            host_port,
            cable,
            stop,
            pumps,
            _slaves: (slave_a, slave_b),
        }
    }
}

impl Drop for PtyCable {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for p in self.pumps.drain(..) {
            let _ = p.join();
        }
    }
}

/// The bench: box server on pty A, host on pty B, the cable between the two masters.
pub struct Bench {
    control: Persisted,
    alerts: u64,
    server_stop: Mutex<Arc<AtomicBool>>,
    server: Mutex<Option<JoinHandle<()>>>,
    starts: AtomicU64,
    dir: PathBuf,
    // Dropped last: the server stops before the cable.
    wire: PtyCable,
}

impl Bench {
    /// Starts the server and the cable.
    pub fn start(records: u64, faults: Faults) -> Bench {
        let wire = PtyCable::new(faults);
        let dir = std::env::temp_dir().join(format!(
            "telltale-link-{}-{}",
            std::process::id(),
            wire.box_port.file_name().unwrap().to_string_lossy()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let alerts = fill_journals(&dir, records);
        let control = Persisted(Arc::new(Mutex::new(TestControl {
            alerts,
            rules: b"# rules\n".to_vec(),
            clock_ms: 0,
        })));
        let bench = Bench {
            control,
            alerts,
            server_stop: Mutex::new(Arc::new(AtomicBool::new(false))),
            server: Mutex::new(None),
            starts: AtomicU64::new(0),
            dir,
            wire,
        };
        bench.start_server();
        bench
    }

    fn start_server(&self) {
        let stop = Arc::new(AtomicBool::new(false));
        *self.server_stop.lock().unwrap() = stop.clone();
        let control = self.control.clone();
        let dir = self.dir.clone();
        let path = self.wire.box_port.clone();
        self.starts.fetch_add(1, Ordering::SeqCst);
        let handle = std::thread::spawn(move || {
            // A restart reopens the journals from disk, as the daemon does.
            let (summaries, alerts) = open_journals(&dir);
            let mut backend = JournalBackend::new(
                Arc::new(Mutex::new(summaries)),
                Arc::new(Mutex::new(alerts)),
                Box::new(control),
            );
            run_serial(&path, &mut backend, &stop, &mut |line| {
                eprintln!("box: {line}")
            });
        });
        *self.server.lock().unwrap() = Some(handle);
    }

    /// Stops the box's server (as a daemon restart would) and starts a new one.
    pub fn restart_server(&self) {
        self.server_stop
            .lock()
            .unwrap()
            .store(true, Ordering::SeqCst);
        if let Some(h) = self.server.lock().unwrap().take() {
            h.join().unwrap();
        }
        std::thread::sleep(Duration::from_millis(200));
        self.start_server();
    }

    pub fn server_starts(&self) -> u64 {
        self.starts.load(Ordering::SeqCst)
    }
    pub fn host_port(&self) -> PathBuf {
        self.wire.host_port.clone()
    }
    pub fn db_path(&self) -> PathBuf {
        self.dir.join("telltale.db")
    }
    /// What the box's summary journal records as acknowledged (read from disk).
    pub fn acked(&self) -> u64 {
        open_journals(&self.dir).0.range().acked_seq
    }
    /// Alerts in the box's journal.
    pub fn alerts(&self) -> u64 {
        self.alerts
    }
    /// Raise by one to cut the cable at the next bytes.
    pub fn cuts(&self) -> Arc<AtomicU64> {
        self.wire.cable.cut_requests.clone()
    }
    pub fn faults_done(&self) -> FaultsDone {
        *self.wire.cable.done.lock().unwrap()
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        self.server_stop
            .lock()
            .unwrap()
            .store(true, Ordering::SeqCst);
        if let Some(h) = self.server.lock().unwrap().take() {
            let _ = h.join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
