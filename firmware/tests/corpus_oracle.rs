//! Ring 2 of DESIGN.md's tests: every capture of the shared corpus goes through the engine, and
//! the facts we find are compared, as sets, with what tshark found (`corpus/oracle/`):
//! TLS SNI per flow, QUIC SNI, DNS responses (query, A, AAAA, CNAME), HTTP Host, DHCP (MAC,
//! hostname, vendor class) and per-flow frames, bytes and payload bytes each way.
//!
//! Recall and precision must be 100% per file, except for the differences listed in
//! `tests/data/oracle-differences.tsv`, each with its reason. The list is exact: a listed
//! difference that no longer happens fails the test too, so the table stays true.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use telltale_firmware::capture::file::CaptureFile;
use telltale_firmware::engine::{Engine, EngineConfig};
use telltale_firmware::event::{Event, FlowRecord, Meta, Sink, SniTransport};
use telltale_firmware::replay::json::{mac_text, proto_name};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

/// Facts found by the engine in one file.
#[derive(Default)]
struct Facts {
    set: BTreeSet<String>,
    /// Flow counts merged by 5-tuple (a flow split by idle expiry is one tshark stream).
    flows: BTreeMap<(String, String, u16, String, u16), [u64; 6]>,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn sorted_join<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    let mut v: Vec<String> = items.into_iter().map(|x| x.to_string()).collect();
    v.sort();
    v.dedup();
    v.join(",")
}

impl Sink for Facts {
    fn event(&mut self, _meta: Meta, event: &Event<'_>) {
        let fact = match event {
            Event::Sni {
                transport: SniTransport::Tls,
                src,
                dst,
                name,
            } => format!(
                "sni tls {} {} {} {} {}",
                src.addr,
                src.port,
                dst.addr,
                dst.port,
                text(name)
            ),
            Event::Sni {
                transport: SniTransport::Quic,
                src,
                dst,
                name,
            } => format!("sni quic {} {} {}", src.addr, dst.addr, text(name)),
            Event::Dns(d) => format!(
                "dns {} a=[{}] aaaa=[{}] cname=[{}]",
                d.query,
                sorted_join(d.a.iter()),
                sorted_join(d.aaaa.iter()),
                sorted_join(d.cname.iter())
            ),
            Event::Http { host, .. } => format!("http {}", text(host)),
            Event::Dhcp {
                mac,
                hostname,
                vendor_class,
                ..
            } => format!(
                "dhcp {} {} {}",
                mac_text(*mac),
                hostname.map(text).unwrap_or_default(),
                vendor_class.map(text).unwrap_or_default()
            ),
            Event::Mdns { .. } | Event::Alert(_) => return,
        };
        self.set.insert(fact);
    }

    fn flow_end(&mut self, f: &FlowRecord<'_>) {
        let (a, b) = (f.a.addr.to_string(), f.b.addr.to_string());
        let fwd = (
            proto_name(f.proto).to_string(),
            a.clone(),
            f.a.port,
            b.clone(),
            f.b.port,
        );
        let rev = (proto_name(f.proto).to_string(), b, f.b.port, a, f.a.port);
        let ab = [f.frames_ab, f.bytes_ab, f.payload_ab];
        let ba = [f.frames_ba, f.bytes_ba, f.payload_ba];
        let (c, first, second) = match self.flows.get_mut(&rev) {
            Some(c) => (c, ba, ab),
            None => (self.flows.entry(fwd).or_default(), ab, ba),
        };
        for i in 0..3 {
            c[i] += first[i];
            c[3 + i] += second[i];
        }
    }
}

impl Facts {
    fn all(&self) -> BTreeSet<String> {
        let mut all = self.set.clone();
        for ((p, a, ap, b, bp), c) in &self.flows {
            all.insert(format!(
                "flow {p} {a} {ap} {b} {bp} {} {} {} {} {} {}",
                c[0], c[1], c[2], c[3], c[4], c[5]
            ));
        }
        all
    }
}

fn tsv_rows(path: &Path) -> Vec<Vec<String>> {
    let Ok(body) = fs::read_to_string(path) else {
        return Vec::new();
    };
    body.lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn col(row: &[String], i: usize) -> &str {
    row.get(i).map(String::as_str).unwrap_or("")
}

/// First value of a possibly comma-separated tshark field (tunnels list several).
fn first(v: &str) -> &str {
    v.split(',').next().unwrap_or("")
}

/// The facts tshark found in `name`.
fn oracle(name: &str) -> BTreeSet<String> {
    let dir = corpus().join("oracle");
    let mut set = BTreeSet::new();
    for r in tsv_rows(&dir.join(format!("{name}.sni.tsv"))) {
        let sni = col(&r, 7);
        if sni.is_empty() {
            continue;
        }
        let src = if col(&r, 1).is_empty() {
            col(&r, 2)
        } else {
            col(&r, 1)
        };
        let dst = if col(&r, 4).is_empty() {
            col(&r, 5)
        } else {
            col(&r, 4)
        };
        if col(&r, 3).is_empty() {
            set.insert(format!("sni quic {} {} {sni}", first(src), first(dst)));
        } else {
            set.insert(format!(
                "sni tls {} {} {} {} {sni}",
                first(src),
                first(col(&r, 3)),
                first(dst),
                first(col(&r, 6))
            ));
        }
    }
    for r in tsv_rows(&dir.join(format!("{name}.dns.tsv"))) {
        let split = |v: &str| sorted_join(v.split(',').filter(|s| !s.is_empty()));
        set.insert(format!(
            "dns {} a=[{}] aaaa=[{}] cname=[{}]",
            col(&r, 1),
            split(col(&r, 2)),
            split(col(&r, 3)),
            split(col(&r, 4))
        ));
    }
    for r in tsv_rows(&dir.join(format!("{name}.http_host.tsv"))) {
        if !col(&r, 1).is_empty() {
            set.insert(format!("http {}", col(&r, 1)));
        }
    }
    for r in tsv_rows(&dir.join(format!("{name}.dhcp.tsv"))) {
        set.insert(format!("dhcp {} {} {}", col(&r, 1), col(&r, 2), col(&r, 3)));
    }
    for r in tsv_rows(&dir.join(format!("{name}.flows.tsv")))
        .iter()
        .skip(1)
    {
        set.insert(format!(
            "flow {} {} {} {} {} {} {} {} {} {} {}",
            col(r, 0),
            col(r, 3),
            col(r, 4),
            col(r, 5),
            col(r, 6),
            col(r, 7),
            col(r, 8),
            col(r, 9),
            col(r, 10),
            col(r, 11),
            col(r, 12)
        ));
    }
    set
}

/// The known differences: (file, missing|extra, fact) -> reason.
fn known_differences() -> BTreeMap<(String, String, String), String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/oracle-differences.tsv");
    let body = fs::read_to_string(&path).expect("read oracle-differences.tsv");
    let mut map = BTreeMap::new();
    for (i, line) in body.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            f.len(),
            4,
            "oracle-differences.tsv line {}: want 4 tab-separated fields",
            i + 1
        );
        assert!(
            f[1] == "missing" || f[1] == "extra",
            "oracle-differences.tsv line {}: second field must be missing or extra",
            i + 1
        );
        assert!(
            !f[3].trim().is_empty(),
            "oracle-differences.tsv line {}: a reason is required",
            i + 1
        );
        map.insert(
            (f[0].to_string(), f[1].to_string(), f[2].to_string()),
            f[3].to_string(),
        );
    }
    map
}

/// Runs one file; returns its facts and how it ended.
fn run(path: &Path) -> (Facts, Option<String>) {
    let mut facts = Facts::default();
    let file = match CaptureFile::open(path) {
        Ok(f) => f,
        Err(e) => return (facts, Some(e.to_string())),
    };
    let mut engine = Engine::new(EngineConfig {
        flow_capacity: 4096,
        ..EngineConfig::default()
    });
    let mut frames = file.frames();
    let mut stopped = None;
    while let Some(next) = frames.next() {
        match next {
            Ok(frame) => engine.poll(&frame, frames.frame_number(), &mut facts),
            Err(e) => {
                stopped = Some(e.to_string());
                break;
            }
        }
    }
    engine.finish(&mut facts);
    (facts, stopped)
}

#[test]
fn every_corpus_file_matches_the_tshark_oracle() {
    let known = known_differences();
    let mut names: Vec<String> = fs::read_dir(corpus().join("pcaps"))
        .expect("shared corpus beside the repository (../shared/corpus/pcaps)")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), 60, "the corpus has 60 captures");

    let mut unexplained = Vec::new();
    let mut used = BTreeSet::new();
    let (mut total_oracle, mut total_ours, mut total_common) = (0usize, 0usize, 0usize);
    for name in &names {
        let (facts, stopped) = run(&corpus().join("pcaps").join(name));
        if let Some(e) = &stopped {
            // A stop must name the file and say what is wrong in one line.
            assert!(
                e.contains(name.as_str()) && !e.contains('\n'),
                "{name}: unclear error: {e}"
            );
        }
        let ours = facts.all();
        let theirs = oracle(name);
        let common = ours.intersection(&theirs).count();
        total_oracle += theirs.len();
        total_ours += ours.len();
        total_common += common;
        for (dir, set) in [
            ("missing", theirs.difference(&ours)),
            ("extra", ours.difference(&theirs)),
        ] {
            for fact in set {
                let key = (name.clone(), dir.to_string(), fact.clone());
                if known.contains_key(&key) {
                    used.insert(key);
                } else {
                    unexplained.push(format!("{name}\t{dir}\t{fact}"));
                }
            }
        }
        println!(
            "{name}: oracle {} ours {} common {}{}",
            theirs.len(),
            ours.len(),
            common,
            stopped
                .map(|e| format!(" (stopped: {e})"))
                .unwrap_or_default()
        );
    }
    println!(
        "total: oracle {total_oracle} ours {total_ours} common {total_common}; recall {:.4} precision {:.4}",
        total_common as f64 / total_oracle.max(1) as f64,
        total_common as f64 / total_ours.max(1) as f64
    );
    let stale: Vec<_> = known
        .keys()
        .filter(|k| !used.contains(*k))
        .map(|(f, d, x)| format!("{f}\t{d}\t{x}"))
        .collect();
    assert!(
        unexplained.is_empty() && stale.is_empty(),
        "unexplained differences ({}):\n{}\n\nlisted differences that no longer happen ({}):\n{}",
        unexplained.len(),
        unexplained.join("\n"),
        stale.len(),
        stale.join("\n")
    );
}
