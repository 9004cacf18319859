//! Writes seed corpora for the fuzz targets: `telltale-fuzz-seed CORPUS_DIR REPO CAPTURE...`
//! fills `CORPUS_DIR/<target>/` with one file per distinct input (named by a hash of its bytes),
//! at most `MAX_PER_TARGET` each. The packet targets get inputs cut from the real captures with
//! the firmware's own dissectors; `rules` gets the shipped rules, packs and test fixtures of the
//! repository at `REPO`; `geo` gets small tables made with the firmware's own compilers. Seeds
//! are made at fuzz time and never committed.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use telltale_firmware::capture::file::CaptureFile;
use telltale_firmware::capture::{Frame, LinkType};
use telltale_firmware::geo::compile::{Family, GeoCompiler};
use telltale_firmware::naming::oui::OuiCompiler;
use telltale_firmware::wire::ipv4::Ipv4Packet;
use telltale_firmware::wire::ipv6::Ipv6Packet;
use telltale_firmware::wire::link::{self, Network};
use telltale_firmware::wire::quic::{InitialKeys, LongHeader, LongPacketKind, QuicScratch};
use telltale_firmware::wire::tcp::TcpPacket;
use telltale_firmware::wire::udp::UdpPacket;

/// Most seeds written per target.
const MAX_PER_TARGET: usize = 3000;
/// Frames per `engine` seed.
const ENGINE_FRAMES_PER_SEED: usize = 24;
/// Largest whole-capture seed for `capture_file` (the head of bigger files).
const CAPTURE_SEED_LEN: usize = 32 * 1024;

/// The `link_decode` target's table order.
fn link_selector(link: LinkType) -> u8 {
    match link {
        LinkType::Ethernet => 0,
        LinkType::Null => 1,
        LinkType::Loop => 2,
        LinkType::Raw => 3,
        LinkType::Ipv4 => 4,
        LinkType::Ipv6 => 5,
        LinkType::LinuxSll => 6,
        LinkType::LinuxSll2 => 7,
    }
}

/// The `engine` target's flags byte (bits 0-1: link; port, stripped tag and cut left 0), or
/// `None` for a link it does not feed.
fn engine_selector(link: LinkType) -> Option<u8> {
    match link {
        LinkType::Ethernet => Some(0),
        LinkType::Raw | LinkType::Ipv4 | LinkType::Ipv6 => Some(1),
        LinkType::LinuxSll => Some(2),
        LinkType::LinuxSll2 => Some(3),
        LinkType::Null | LinkType::Loop => None,
    }
}

#[derive(Default)]
struct Corpus {
    root: PathBuf,
    written: HashMap<&'static str, usize>,
}

impl Corpus {
    fn add(&mut self, target: &'static str, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let dir = self.root.join(target);
        // Count what earlier runs (and the fuzzer) left, so that re-seeding does not grow it.
        let count = self
            .written
            .entry(target)
            .or_insert_with(|| std::fs::read_dir(&dir).map_or(0, |entries| entries.count()));
        if *count >= MAX_PER_TARGET {
            return;
        }
        let mut hasher = DefaultHasher::new();
        bytes.hash(&mut hasher);
        let path = dir.join(format!("seed-{:016x}", hasher.finish()));
        if path.exists() {
            return;
        }
        std::fs::create_dir_all(&dir).expect("create corpus directory");
        std::fs::write(&path, bytes).expect("write seed");
        *count += 1;
    }
}

/// Transport-layer view of one frame: protocol number and the transport bytes.
struct Transport<'a> {
    protocol: u8,
    bytes: &'a [u8],
}

fn seed_frame(corpus: &mut Corpus, frame: &Frame<'_>, defrag: &mut Vec<u8>) {
    let mut link_seed = vec![link_selector(frame.link)];
    link_seed.extend_from_slice(frame.data);
    corpus.add("link_decode", &link_seed);
    if frame.link == LinkType::Ethernet {
        corpus.add("ethernet", frame.data);
    }
    let Ok(l2) = link::decode(frame.link, frame.data) else {
        return;
    };
    let transport = match l2.network {
        Network::Ipv4(bytes) => {
            corpus.add("ipv4", bytes);
            let Ok(ip) = Ipv4Packet::new_checked(bytes) else {
                return;
            };
            let fragment = ip.fragment();
            if fragment.is_fragment() {
                push_defrag(
                    defrag,
                    fragment.offset,
                    fragment.more_fragments,
                    ip.payload(),
                );
                return;
            }
            Transport {
                protocol: ip.protocol(),
                bytes: ip.payload(),
            }
        }
        Network::Ipv6(bytes) => {
            corpus.add("ipv6", bytes);
            let Ok(ip) = Ipv6Packet::new_checked(bytes) else {
                return;
            };
            let Ok(upper) = ip.upper_layer() else {
                return;
            };
            if let Some(fragment) = upper.fragment {
                push_defrag(
                    defrag,
                    fragment.offset,
                    fragment.more_fragments,
                    upper.payload,
                );
                return;
            }
            Transport {
                protocol: upper.protocol,
                bytes: upper.payload,
            }
        }
        _ => return,
    };
    match transport.protocol {
        6 => {
            corpus.add("tcp", transport.bytes);
            if let Ok(tcp) = TcpPacket::new_checked(transport.bytes) {
                seed_tcp_payload(corpus, tcp.src_port(), tcp.dst_port(), tcp.payload());
            }
        }
        17 => {
            corpus.add("udp", transport.bytes);
            if let Ok(udp) = UdpPacket::new_checked(transport.bytes) {
                seed_udp_payload(corpus, udp.src_port(), udp.dst_port(), udp.payload());
            }
        }
        _ => {}
    }
}

/// Appends one fragment in the `defrag` target's format (1 ms apart).
fn push_defrag(defrag: &mut Vec<u8>, offset: usize, more: bool, payload: &[u8]) {
    let payload = &payload[..payload.len().min(255)];
    let offset = u16::try_from(offset).unwrap_or(u16::MAX);
    defrag.push(u8::from(more));
    defrag.extend_from_slice(&offset.to_be_bytes());
    defrag.push(1);
    defrag.push(payload.len() as u8);
    defrag.extend_from_slice(payload);
}

fn seed_tcp_payload(corpus: &mut Corpus, src: u16, dst: u16, payload: &[u8]) {
    let ports = [src, dst];
    if ports.contains(&53) && payload.len() > 2 {
        corpus.add("dns", &payload[2..]);
    }
    if payload.first() == Some(&0x16) {
        corpus.add("tls_stream", payload);
        if payload.get(5) == Some(&1) {
            corpus.add("tls_client_hello", &payload[5..]);
        }
    }
    if ports.iter().any(|p| matches!(p, 80 | 8080 | 3128 | 8000)) {
        corpus.add("http", payload);
    }
}

fn seed_udp_payload(corpus: &mut Corpus, src: u16, dst: u16, payload: &[u8]) {
    let ports = [src, dst];
    if ports.contains(&53) || ports.contains(&5353) || ports.contains(&5355) {
        corpus.add("dns", payload);
    }
    if ports.contains(&67) || ports.contains(&68) {
        corpus.add("dhcp", payload);
    }
    if ports.contains(&1900) {
        corpus.add("http", payload);
    }
    if payload.first().is_some_and(|b| b & 0x80 != 0)
        && (ports.contains(&443) || ports.contains(&80))
    {
        corpus.add("quic_initial", payload);
        seed_quic_plaintext(corpus, payload);
    }
}

/// Decrypts a client Initial with the keys of its DCID and seeds the frame targets with its
/// plaintext.
fn seed_quic_plaintext(corpus: &mut Corpus, datagram: &[u8]) {
    let Ok(header) = LongHeader::new_checked(datagram) else {
        return;
    };
    let (Some(version), LongPacketKind::Initial { .. }) = (header.quic_version(), header.kind)
    else {
        return;
    };
    let Ok(keys) = InitialKeys::derive(version, header.dcid) else {
        return;
    };
    let mut scratch = QuicScratch::new();
    let packet = &datagram[..header.packet_len];
    if let Ok(telltale_firmware::wire::quic::Opened::Plain { payload, .. }) =
        keys.open(packet, header.pn_offset, &mut scratch)
    {
        let plaintext = scratch.get(payload);
        corpus.add("quic_frames", plaintext);
        // quic_protected: version selector (v1 = 0, v2 = 1, draft = 2), SCID length 0.
        let selector = match version {
            telltale_firmware::wire::quic::QuicVersion::V1 => 0,
            telltale_firmware::wire::quic::QuicVersion::V2 => 1,
            telltale_firmware::wire::quic::QuicVersion::Draft(_) => 2,
        };
        let mut seed = vec![selector, 0];
        seed.extend_from_slice(plaintext);
        corpus.add("quic_protected", &seed);
    }
}

fn seed_capture(corpus: &mut Corpus, path: &Path) {
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    corpus.add("capture_file", &bytes[..bytes.len().min(CAPTURE_SEED_LEN)]);
    let Ok(file) = CaptureFile::open(path) else {
        return;
    };
    let mut defrag = Vec::new();
    let mut engine = Vec::new();
    let mut engine_frames = 0usize;
    let mut last_ts = None;
    for frame in file.frames() {
        let Ok(frame) = frame else { break };
        seed_frame(corpus, &frame, &mut defrag);
        let Some(selector) = engine_selector(frame.link) else {
            continue;
        };
        let step = last_ts.map_or(0, |last: u64| {
            (frame.ts.0.saturating_sub(last) / 10_000_000).min(i16::MAX as u64)
        });
        last_ts = Some(frame.ts.0);
        let len = frame.data.len().min(usize::from(u16::MAX));
        engine.extend_from_slice(&(len as u16).to_be_bytes());
        engine.extend_from_slice(&(step as i16).to_be_bytes());
        engine.push(selector);
        engine.extend_from_slice(&frame.data[..len]);
        engine_frames += 1;
        if engine_frames == ENGINE_FRAMES_PER_SEED {
            corpus.add("engine", &engine);
            engine.clear();
            engine_frames = 0;
        }
    }
    corpus.add("engine", &engine);
    corpus.add("defrag", &defrag);
}

/// Extracts the string literals of a Rust source file that look like rules files (they hold a
/// `=` or a `[` and a line break): the bad rules files of `firmware/tests/rules_errors.rs`.
fn rules_literals(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = source.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut text = String::new();
        loop {
            match chars.next() {
                None | Some('"') => break,
                Some('\\') => match chars.next() {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some('\n') => {
                        // A line continuation: skip the next line's leading blanks.
                        let rest: String = chars.clone().collect();
                        let skip = rest.len() - rest.trim_start().len();
                        for _ in 0..rest[..skip].chars().count() {
                            chars.next();
                        }
                    }
                    Some(other) => text.push(other),
                    None => break,
                },
                Some(other) => text.push(other),
            }
        }
        if text.contains('\n') && (text.contains('=') || text.contains('[')) {
            out.push(text);
        }
    }
    out
}

/// Seeds for `rules`: mode 0 (a rules file, NUL, the list it may import as `list.txt`) and
/// modes 1-3 (a list imported as hosts, adblock or domains).
fn seed_rules(corpus: &mut Corpus, repo: &Path) {
    let mut add = |mode: u8, text: &[u8], list: Option<&[u8]>| {
        let mut seed = vec![mode];
        seed.extend_from_slice(text);
        if let Some(list) = list {
            seed.push(0);
            seed.extend_from_slice(list);
        }
        corpus.add("rules", &seed);
    };
    let rules = repo.join("rules");
    let packs: Vec<Vec<u8>> = std::fs::read_dir(rules.join("packs"))
        .map(|dir| {
            let mut paths: Vec<PathBuf> = dir.flatten().map(|e| e.path()).collect();
            paths.sort();
            paths
                .iter()
                .filter(|p| p.extension().is_some_and(|e| e == "txt"))
                .filter_map(|p| std::fs::read(p).ok())
                .collect()
        })
        .unwrap_or_default();
    if let Ok(default) = std::fs::read_to_string(rules.join("default.toml")) {
        // The shipped file with every import pointed at list.txt, with each pack as that list.
        let mut text = String::new();
        for line in default.lines() {
            if line.starts_with("path = ") {
                text.push_str("path = \"list.txt\"");
            } else {
                text.push_str(line);
            }
            text.push('\n');
        }
        for pack in &packs {
            add(0, text.as_bytes(), Some(pack));
        }
        add(0, default.as_bytes(), None);
    }
    for pack in &packs {
        add(3, pack, None);
    }
    let fixtures = repo.join("firmware/tests/data/rules");
    for (file, mode) in [
        ("hosts.txt", 1),
        ("bad-hosts.txt", 1),
        ("adblock.txt", 2),
        ("bad-adblock.txt", 2),
        ("domains.txt", 3),
    ] {
        if let Ok(list) = std::fs::read(fixtures.join(file)) {
            add(mode, &list, None);
            // The same list imported by a rules file of the fuzzer's own.
            let format = ["hosts", "adblock", "domains"][usize::from(mode) - 1];
            let text = format!(
                "[[import]]\npath = \"list.txt\"\nformat = \"{format}\"\ncategory = \"ads\"\nsource = \"s\"\nlist = \"l\"\n"
            );
            add(0, text.as_bytes(), Some(&list));
        }
    }
    for test in ["rules_errors.rs", "rules_corpus.rs"] {
        if let Ok(source) = std::fs::read_to_string(repo.join("firmware/tests").join(test)) {
            for text in rules_literals(&source) {
                add(0, text.as_bytes(), None);
            }
        }
    }
    if let Ok(doc) = std::fs::read_to_string(repo.join("docs/rules.md")) {
        // The documentation's TOML examples.
        for block in doc.split("```toml").skip(1) {
            if let Some(example) = block.split("```").next() {
                add(0, example.as_bytes(), None);
            }
        }
    }
}

/// Seeds for `geo`: small tables made by the firmware's compilers, whole (mode 0), as counts and
/// payload (modes 1 and 2), and the CSV they were made from (mode 3).
fn seed_geo(corpus: &mut Corpus) {
    let csv = [
        "1.0.0.0,1.0.0.255,AU\n1.0.1.0,1.0.3.255,CN\n8.8.8.0,8.8.8.255,US\n1.0.0.0,1.255.255.255,JP\n",
        "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,NL\n2c0f:f000::,2c0f:ffff:ffff:ffff:ffff:ffff:ffff:ffff,ZA\n",
        "1.0.0.0,1.0.0.255,13335,Cloudflare\n8.8.8.0,8.8.8.255,15169,Google LLC\n9.9.9.0,9.9.9.255,19281,\n",
        "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n",
    ];
    corpus.add("geo", format!("\x03{}", csv.join("\0")).as_bytes());
    let mut geo = GeoCompiler::new();
    let families = [Family::V4, Family::V6];
    for (i, family) in families.iter().enumerate() {
        geo.add_country_csv("seed", csv[i], *family)
            .expect("seed country CSV");
        geo.add_asn_csv("seed", csv[2 + i], *family)
            .expect("seed ASN CSV");
    }
    let (table, _) = geo.finish().expect("seed geo table");
    let mut oui = OuiCompiler::new();
    oui.add_csv(
        "seed",
        "Registry,Assignment,Organization Name,Organization Address\n\
         MA-L,00000C,Cisco Systems Inc,\"170 West Tasman Dr.\nSan Jose CA 95134 US\"\n\
         MA-L,70B3D5,IEEE Registration Authority,\n\
         MA-M,70B3D5F,Example Medium,somewhere\n\
         MA-S,70B3D5F2F,Example Small,elsewhere\n",
    )
    .expect("seed OUI CSV");
    let oui_table = oui.finish().expect("seed OUI table");
    for (mode, slots, bytes) in [(1u8, 7usize, &table), (2, 4, &oui_table)] {
        let mut whole = vec![0u8];
        whole.extend_from_slice(bytes);
        corpus.add("geo", &whole);
        // Counts as u16 LE, then the payload (the header is 20 + 4 * slots bytes).
        let mut seed = vec![mode];
        for i in 0..slots {
            let at = 20 + 4 * i;
            let count = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
            seed.extend_from_slice(&(count as u16).to_le_bytes());
        }
        seed.extend_from_slice(&bytes[20 + 4 * slots..]);
        corpus.add("geo", &seed);
    }
}

fn main() {
    let mut args = std::env::args_os().skip(1);
    let (Some(root), Some(repo)) = (args.next(), args.next()) else {
        eprintln!("usage: telltale-fuzz-seed CORPUS_DIR REPO CAPTURE...");
        std::process::exit(2);
    };
    let mut corpus = Corpus {
        root: PathBuf::from(root),
        ..Corpus::default()
    };
    seed_rules(&mut corpus, Path::new(&repo));
    seed_geo(&mut corpus);
    for capture in args {
        seed_capture(&mut corpus, Path::new(&capture));
    }
    let mut written: Vec<_> = corpus.written.into_iter().collect();
    written.sort();
    for (target, count) in written {
        println!("corpus {target}: {count} inputs");
    }
}
