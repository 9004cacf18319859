//! Reads every capture of the shared corpus with `capture::file` and checks it against
//! `MANIFEST.tsv` (packet counts, as tshark counts them) and a few timestamps and lengths taken
//! from tshark 4.0.17 (`tshark -r FILE -T fields -e frame.number -e frame.time_epoch -e
//! frame.interface_id -e frame.len -e frame.cap_len`).
//!
//! No corpus file is cut inside a record (capinfos and tshark read each one to its end), so the
//! truncation path is exercised by cutting real files in memory inside a record, where the reader
//! must yield the frames before it and then one `Truncated` error, as tshark does with a file
//! "cut short in the middle of a packet".
//!
//! The corpus lives beside the repository (`../../shared/corpus` from this crate); when it is
//! absent the tests say so on stderr and pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use telltale_firmware::capture::file::{CaptureError, CaptureFile, Format, Frames};
use telltale_firmware::capture::LinkType;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus");

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(CORPUS);
    assert!(
        dir.join("MANIFEST.tsv").is_file(),
        "corpus not found at {CORPUS}: the shared corpus must sit beside the repository"
    );
    Some(dir)
}

/// `name -> packets` from MANIFEST.tsv.
fn manifest_packets(dir: &Path) -> BTreeMap<String, u64> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let column = |name| header.iter().position(|h| *h == name).unwrap();
    let (name_col, packets_col) = (column("name"), column("packets"));
    lines
        .filter(|line| !line.is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (
                fields[name_col].to_string(),
                fields[packets_col].parse().unwrap(),
            )
        })
        .collect()
}

fn open(dir: &Path, name: &str) -> CaptureFile {
    CaptureFile::open(dir.join("pcaps").join(name)).unwrap_or_else(|e| panic!("{e}"))
}

/// Byte offsets where each frame's record or block starts, and the offset after the last.
fn frame_starts(file: &CaptureFile) -> Vec<u64> {
    let mut frames = file.frames();
    let mut starts = vec![frames.offset()];
    while let Some(frame) = frames.next() {
        frame.unwrap();
        starts.push(frames.offset());
    }
    starts
}

#[test]
fn every_file_reads_to_its_manifest_packet_count() {
    let Some(dir) = corpus() else { return };
    let manifest = manifest_packets(&dir);
    let mut seen = 0;
    for entry in std::fs::read_dir(dir.join("pcaps")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let file = open(&dir, &name);
        let mut frames = file.frames();
        let mut count = 0u64;
        let mut bytes = 0u64;
        for frame in frames.by_ref() {
            let frame = frame.unwrap_or_else(|e| panic!("{e}"));
            count += 1;
            bytes += frame.data.len() as u64;
            assert!(
                frame.wire_len as usize >= frame.data.len(),
                "{name} frame {count}"
            );
        }
        assert_eq!(frames.frame_number(), count, "{name}");
        assert_eq!(
            frames.offset(),
            file.len(),
            "{name}: stopped before the end"
        );
        let want = manifest
            .get(&name)
            .unwrap_or_else(|| panic!("{name} not in MANIFEST.tsv"));
        assert_eq!(count, *want, "{name}: frame count");
        assert!(bytes > 0, "{name}");
        eprintln!(
            "{name}: {count} frames, {} ({} bytes)",
            file.link_summary(),
            file.len()
        );
        seen += 1;
    }
    assert_eq!(seen, manifest.len(), "files in pcaps/ vs MANIFEST.tsv rows");
}

#[test]
fn pcapng_interfaces_with_mixed_resolutions_match_tshark() {
    let Some(dir) = corpus() else { return };
    // 22 IDBs, some with if_tsresol 9, some with the default 6.
    let file = open(&dir, "nDPI__sites.pcapng");
    assert!(matches!(file.format(), Format::Pcapng { .. }));
    let summary = file.link_summary();
    assert_eq!(summary.interfaces, 22);
    assert_eq!(summary.link_codes.as_slice(), &[1]);
    // (frame.number, frame.time_epoch in ns, frame.len); interfaces 0 (ns), 1 (us), 8, 21.
    let expected = [
        (1, 1_595_957_694_169_758_000, 74),
        (285, 1_642_584_017_659_993_138, 74),
        (315, 1_643_355_518_166_568_000, 1292),
        (656, 1_714_855_626_875_150_934, 1399),
        (699, 1_722_540_110_397_706_326, 821),
    ];
    check_frames(&file, &expected, LinkType::Ethernet);
}

#[test]
fn classic_pcap_variants_match_tshark() {
    let Some(dir) = corpus() else { return };
    // Big-endian microsecond pcap.
    let file = open(&dir, "nDPI__fuzz-2006-06-26-2594.pcap");
    assert!(file
        .link_summary()
        .to_string()
        .starts_with("pcap 2.4 (microsecond timestamps, big-endian)"));
    let expected = [
        (1, 1_120_469_540_839_312_000, 92),
        (691, 1_120_471_107_427_770_000, 86),
    ];
    check_frames(&file, &expected, LinkType::Ethernet);
    // DLT_NULL (BSD loopback).
    let file = open(&dir, "tcpdump__quic_handshake.pcap");
    let expected = [
        (1, 1_635_191_722_974_137_000, 1252),
        (18, 1_635_191_723_022_890_000, 83),
    ];
    check_frames(&file, &expected, LinkType::Null);
    // Snapped frames: frame 4 is 60 bytes on the wire, 46 captured.
    let file = open(&dir, "nDPI__badpackets.pcap");
    let frame = file.frames().nth(3).unwrap().unwrap();
    assert_eq!((frame.wire_len, frame.data.len()), (60, 46));
    assert_eq!(frame.ts.0, 1_495_451_051_753_069_000);
}

/// Checks (frame number, ns timestamp, wire length) of some frames and the link type of all.
fn check_frames(file: &CaptureFile, expected: &[(u64, u64, u32)], link: LinkType) {
    let mut frames = file.frames();
    let mut wanted = expected.iter().peekable();
    while let Some(frame) = frames.next() {
        let frame = frame.unwrap();
        assert_eq!(frame.link, link);
        if let Some(&&(number, ts, len)) = wanted.peek() {
            if frames.frame_number() == number {
                assert_eq!((frame.ts.0, frame.wire_len), (ts, len), "frame {number}");
                wanted.next();
            }
        }
    }
    assert!(
        wanted.peek().is_none(),
        "frames not reached: {:?}",
        wanted.collect::<Vec<_>>()
    );
}

#[test]
fn real_files_cut_inside_a_frame_stop_with_truncated() {
    let Some(dir) = corpus() else { return };
    for name in [
        "nDPI__android.pcap",
        "nDPI__sites.pcapng",
        "nDPI__dhcp-fuzz.pcapng",
    ] {
        let file = open(&dir, name);
        let starts = frame_starts(&file);
        let frame_count = starts.len() - 1;
        let middle = starts[(frame_count / 2).max(1)];
        // Cut 29 bytes in (inside the first record, or the first IDB), 20 bytes into the record or
        // block after the middle frame, and 1 byte before the end.
        let cuts = [starts[0] + 29, middle + 20, file.len() - 1];
        for cut in cuts {
            let bytes = &file.bytes()[..cut as usize];
            let complete = starts.iter().skip(1).filter(|&&end| end <= cut).count() as u64;
            let items: Vec<_> = Frames::from_bytes(bytes, Path::new(name))
                .unwrap()
                .collect();
            assert_eq!(items.len() as u64, complete + 1, "{name} cut at {cut}");
            match items.last().unwrap() {
                Err(e @ CaptureError::Truncated { frame, .. }) => {
                    assert_eq!(*frame, complete + 1, "{name} cut at {cut}");
                    assert!(e.to_string().starts_with(name), "{e}");
                }
                other => panic!("{name} cut at {cut}: expected Truncated, got {other:?}"),
            }
        }
        // Cut exactly between two frames: a clean, shorter file.
        let clean = Frames::from_bytes(&file.bytes()[..middle as usize], Path::new(name)).unwrap();
        assert_eq!(
            clean.map(Result::unwrap).count(),
            (frame_count / 2).max(1),
            "{name}"
        );
    }
}
