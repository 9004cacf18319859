//! The file source: batches, the end of the file (stop, hold, loop), ports from MAC addresses,
//! pacing, and a file cut short.

use std::path::PathBuf;

use super::*;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/phone-sample.pcapng")
}

const PHONE: [u8; 6] = [0x64, 0x09, 0x80, 0x4c, 0x2e, 0x71];
const ROUTER: [u8; 6] = [0xd0, 0x37, 0x45, 0x8a, 0x10, 0x01];

fn options(at_end: AtEnd) -> FileSourceOptions {
    FileSourceOptions {
        pace: false,
        at_end,
        ports_by_mac: Vec::new(),
    }
}

/// `(ts, port, sender MAC)` of every frame of one batch.
type Seen = Vec<(Timestamp, Option<Port>, Option<[u8; 6]>)>;

fn batch(source: &mut FileSource, timeout: Duration) -> (Result<usize, SourceError>, Seen) {
    let mut seen = Vec::new();
    let result = source.next_batch(timeout, &mut |f| {
        let mac = f.data.get(6..12).map(|m| <[u8; 6]>::try_from(m).unwrap());
        seen.push((f.ts, f.port, mac));
    });
    (result, seen)
}

/// Every frame of the sample, straight from the file reader.
fn reference() -> Vec<Timestamp> {
    let file = CaptureFile::open(sample()).unwrap();
    file.frames().map(|f| f.unwrap().ts).collect()
}

#[test]
fn hands_out_every_frame_in_batches_then_finishes() {
    let mut source = FileSource::open(sample(), options(AtEnd::Stop)).unwrap();
    assert_eq!(source.path(), sample());
    let mut all = Vec::new();
    loop {
        match batch(&mut source, Duration::from_millis(10)) {
            (Ok(n), seen) => {
                assert_eq!(n, seen.len());
                assert!(n > 0 && n <= MAX_BATCH, "{n}");
                all.extend(seen.into_iter().map(|(ts, port, _)| {
                    assert_eq!(port, None, "no mapping, no port");
                    ts
                }));
            }
            (Err(SourceError::Finished), seen) => {
                assert!(seen.is_empty());
                break;
            }
            (Err(e), _) => panic!("{e}"),
        }
    }
    assert_eq!(all, reference());
    assert_eq!(source.stats().frames, 3960);
    assert_eq!(source.health(Port::Lan), PortHealth::Up);
    assert!(matches!(
        batch(&mut source, Duration::ZERO).0,
        Err(SourceError::Finished)
    ));
}

#[test]
fn senders_get_the_port_their_mac_is_mapped_to() {
    let mut source = FileSource::open(
        sample(),
        FileSourceOptions {
            ports_by_mac: vec![(PHONE, Port::Lan), (ROUTER, Port::Wan)],
            ..options(AtEnd::Stop)
        },
    )
    .unwrap();
    let (mut lan, mut wan) = (0, 0);
    while let (Ok(_), seen) = batch(&mut source, Duration::ZERO) {
        for (_, port, mac) in seen {
            match mac {
                Some(PHONE) => assert_eq!(port, Some(Port::Lan)),
                Some(ROUTER) => assert_eq!(port, Some(Port::Wan)),
                _ => assert_eq!(port, None),
            }
            lan += usize::from(port == Some(Port::Lan));
            wan += usize::from(port == Some(Port::Wan));
        }
    }
    assert!(lan > 3000, "the upload comes from the phone: {lan}");
    assert!(wan > 500, "{wan}");
}

#[test]
fn a_loop_reads_the_file_again_one_second_after_its_last_frame() {
    let frames = reference();
    let first = frames[0].0;
    let max = frames.iter().map(|t| t.0).max().unwrap();
    let mut source = FileSource::open(sample(), options(AtEnd::Loop)).unwrap();
    let mut all = Vec::new();
    while all.len() < 2 * frames.len() + 10 {
        let (result, seen) = batch(&mut source, Duration::ZERO);
        result.unwrap();
        all.extend(seen.into_iter().map(|(ts, _, _)| ts.0));
    }
    let shift = max - first + 1_000_000_000;
    for (i, ts) in all.iter().enumerate() {
        let pass = (i / frames.len()) as u64;
        assert_eq!(*ts, frames[i % frames.len()].0 + pass * shift, "frame {i}");
    }
    // The second pass starts exactly one second after the latest frame of the first.
    assert_eq!(all[frames.len()], max + 1_000_000_000);
}

#[test]
fn holding_at_the_end_waits_out_the_timeout_with_no_frames() {
    let mut source = FileSource::open(sample(), options(AtEnd::Hold)).unwrap();
    while let (Ok(n), _) = batch(&mut source, Duration::ZERO) {
        if n == 0 {
            break;
        }
    }
    let start = Instant::now();
    for _ in 0..3 {
        let (result, seen) = batch(&mut source, Duration::from_millis(20));
        assert_eq!(result.unwrap(), 0);
        assert!(seen.is_empty());
    }
    assert!(start.elapsed() >= Duration::from_millis(60));
}

/// A little-endian microsecond pcap of Ethernet frames at the given offsets (ms), each frame a
/// 60-byte broadcast from `PHONE`.
fn pcap_at(name: &str, offsets_ms: &[u64]) -> PathBuf {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes()); // magic, microseconds
    bytes.extend_from_slice(&2u16.to_le_bytes()); // version 2.4
    bytes.extend_from_slice(&4u16.to_le_bytes());
    bytes.extend_from_slice(&[0; 8]); // thiszone, sigfigs
    bytes.extend_from_slice(&65_535u32.to_le_bytes()); // snaplen
    bytes.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
    for ms in offsets_ms {
        let mut frame = vec![0xff; 6];
        frame.extend_from_slice(&PHONE);
        frame.extend_from_slice(&[0x88, 0xb5]); // local experimental EtherType
        frame.resize(60, 0);
        bytes.extend_from_slice(&(1_700_000_000 + (ms / 1000) as u32).to_le_bytes());
        bytes.extend_from_slice(&(((ms % 1000) * 1000) as u32).to_le_bytes());
        bytes.extend_from_slice(&60u32.to_le_bytes());
        bytes.extend_from_slice(&60u32.to_le_bytes());
        bytes.extend_from_slice(&frame);
    }
    let path = std::env::temp_dir().join(format!("telltale-filesrc-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_paced_source_hands_frames_out_when_they_are_due() {
    let path = pcap_at("paced.pcap", &[0, 300, 600]);
    let mut source = FileSource::open(
        &path,
        FileSourceOptions {
            pace: true,
            ..options(AtEnd::Stop)
        },
    )
    .unwrap();
    let start = Instant::now();
    let mut arrivals = Vec::new();
    loop {
        match batch(&mut source, Duration::from_millis(50)) {
            (Ok(n), seen) => {
                assert!(n <= 1, "frames 300 ms apart never share a 50 ms batch");
                if n == 1 {
                    arrivals.push((start.elapsed(), seen[0].0));
                }
            }
            (Err(SourceError::Finished), _) => break,
            (Err(e), _) => panic!("{e}"),
        }
    }
    assert_eq!(arrivals.len(), 3);
    for (i, (at, ts)) in arrivals.iter().enumerate() {
        let offset = Duration::from_millis(300 * i as u64);
        assert!(*at >= offset, "frame {i} early: {at:?}");
        assert!(
            *at < offset + Duration::from_millis(150),
            "frame {i} late: {at:?}"
        );
        assert_eq!(ts.0, 1_700_000_000_000_000_000 + offset.as_nanos() as u64);
    }
    std::fs::remove_file(path).ok();
}

#[test]
fn a_file_cut_short_is_an_error_naming_it_then_the_end() {
    let whole = pcap_at("whole.pcap", &[0, 10, 20]);
    let bytes = std::fs::read(&whole).unwrap();
    let cut = whole.with_file_name(format!("telltale-filesrc-{}-cut.pcap", std::process::id()));
    std::fs::write(&cut, &bytes[..bytes.len() - 20]).unwrap();
    let mut source = FileSource::open(&cut, options(AtEnd::Loop)).unwrap();
    let (result, seen) = batch(&mut source, Duration::ZERO);
    assert_eq!(
        result.unwrap(),
        2,
        "the frames before the cut are handed out"
    );
    assert_eq!(seen.len(), 2);
    let e = batch(&mut source, Duration::ZERO).0.unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with(&format!("{}: reading the capture: ", cut.display())),
        "{text}"
    );
    assert!(matches!(
        batch(&mut source, Duration::ZERO).0,
        Err(SourceError::Finished)
    ));
    std::fs::remove_file(whole).ok();
    std::fs::remove_file(cut).ok();
}
