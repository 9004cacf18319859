//! Detection on real captures with the default thresholds: the recorded phone's 4 MiB upload to
//! a telemetry host raises exactly the expected alert, with the right device, destination, bytes
//! and reasons; ordinary browsing and IoT captures of the shared corpus raise no red alert.

use std::path::{Path, PathBuf};

use telltale_firmware::capture::file::CaptureFile;
use telltale_firmware::engine::{Engine, EngineConfig};
use telltale_firmware::event::{Event, FlowRecord, Meta, Sink};

#[derive(Debug, Clone)]
struct Alert {
    frame: u64,
    device: [u8; 6],
    destination: String,
    named_by: String,
    rule: &'static str,
    severity: &'static str,
    reasons: Vec<String>,
    bytes_up: u64,
    bytes_down: u64,
}

#[derive(Default)]
struct Alerts(Vec<Alert>);

impl Sink for Alerts {
    fn event(&mut self, meta: Meta, event: &Event<'_>) {
        if let Event::Alert(a) = event {
            self.0.push(Alert {
                frame: meta.frame,
                device: a.device,
                destination: a.destination.to_string(),
                named_by: a.named_by.to_string(),
                rule: a.rule.as_str(),
                severity: a.severity.as_str(),
                reasons: a.reasons.iter().map(|r| r.to_string()).collect(),
                bytes_up: a.bytes_up,
                bytes_down: a.bytes_down,
            });
        }
    }
    fn flow_end(&mut self, _flow: &FlowRecord<'_>) {}
}

fn replay(path: &Path) -> Vec<Alert> {
    let file = CaptureFile::open(path).expect("capture opens");
    let mut engine = Engine::new(EngineConfig::default());
    let mut sink = Alerts::default();
    let mut frames = file.frames();
    while let Some(Ok(frame)) = frames.next() {
        engine.poll(&frame, frames.frame_number(), &mut sink);
    }
    engine.finish(&mut sink);
    sink.0
}

#[test]
fn the_recorded_upload_raises_one_red_alert_with_its_reasons() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/phone-sample.pcapng");
    let alerts = replay(&sample);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    assert_eq!(a.rule, "abnormal_upload");
    assert_eq!(a.severity, "red");
    assert_eq!(a.device, [0x64, 0x09, 0x80, 0x4c, 0x2e, 0x71]);
    assert_eq!(a.destination, "data.mistat.xiaomi.com");
    assert_eq!(a.named_by, "sni");
    // It fires as the upload crosses 1 MB, well before the 4 MiB upload ends.
    assert!((1_000_000..1_100_000).contains(&a.bytes_up), "{a:?}");
    assert!(a.bytes_down < a.bytes_up / 10);
    assert!(a.reasons[0].contains("up in 15 min to data.mistat.xiaomi.com (threshold 1.00 MB)"));
    assert!(a.reasons[1].contains("up/down ratio") && a.reasons[1].contains("(limit 1.5)"));
    assert!(a.frame > 171, "after the ClientHello named the flow");
}

#[test]
fn ordinary_captures_raise_no_red_alert() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/pcaps");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("shared corpus")
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let mut amber = 0;
    for path in names {
        for a in replay(&path) {
            assert_ne!(a.severity, "red", "{}: {a:?}", path.display());
            amber += 1;
        }
    }
    // Amber notices do happen (DNS bypass, devices appearing after the first hour).
    assert!(amber > 0);
}
