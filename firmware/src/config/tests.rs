//! Config parsing: the defaults, every key, the shipped file and the summary.

use std::path::{Path, PathBuf};

use telltale_board::{BoardProfile, LedLine};

use super::*;

pub(super) fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("/etc/telltale/telltale.toml"))
}

#[test]
fn an_empty_file_is_the_defaults() {
    let config = parse("").unwrap();
    assert_eq!(
        config,
        Config::defaults(Path::new("/etc/telltale/telltale.toml"))
    );
    assert_eq!(config.capture.lan, "eth1");
    assert_eq!(config.capture.wan, "eth0");
    assert_eq!(config.capture.backend, CaptureBackend::Tpacket);
    assert_eq!(config.capture.file, None);
    assert_eq!(config.flows, 65_536);
    assert_eq!(config.rules, Path::new("/etc/telltale/rules.toml"));
    assert_eq!(config.data_dir, None);
    assert_eq!(config.leds.backend, LedsBackend::Gpio);
    assert_eq!(config.leds.profile.name, "pi4");
    assert_eq!(config.leds.profile.green, LedLine::Gpio(17));
    assert_eq!(config.leds.sysfs_root, Path::new("/sys/class/leds"));
    assert!(!config.leds.button);
    assert_eq!(config.journal, Path::new("/var/lib/telltale/journal"));
    assert_eq!(config.link.device, Path::new("/dev/ttyGS0"));
    assert_eq!(config.output.events, None);
    assert_eq!(config.output.emit, EmitSet::ALL);
    assert_eq!(config.utc_offset, 0);
}

#[test]
fn every_key_is_read_and_relative_paths_follow_the_file() {
    let text = r#"
[capture]
lan = "enp1s0"
wan = "end0"
backend = "file"
file = "captures/phone.pcapng"
pace = true
at_end = "loop"
ports_by_mac = { "d0:37:45:8a:10:01" = "wan", "64-09-80-4C-2E-71" = "lan" }

[engine]
flows = 4_096

[rules]
path = "rules.toml"

[data]
dir = "/opt/telltale/data"

[leds]
backend = "sim"
profile = "pi5"
sysfs_root = "/tmp/leds"
green = 5
amber = 6
red = 13

[button]
enabled = true
pin = 26

[journal]
path = "state/journal"

[link]
device = "/dev/ttyACM9"

[output]
events = "out/events.jsonl"
emit = ["alerts", "leds"]

[time]
utc_offset = "+01:00"
"#;
    let config = parse(text).unwrap();
    assert_eq!(config.capture.lan, "enp1s0");
    assert_eq!(config.capture.wan, "end0");
    assert_eq!(config.capture.backend, CaptureBackend::File);
    assert_eq!(
        config.capture.file,
        Some(FileReplay {
            path: PathBuf::from("/etc/telltale/captures/phone.pcapng"),
            pace: true,
            at_end: AtEnd::Loop,
            ports_by_mac: vec![
                ([0xd0, 0x37, 0x45, 0x8a, 0x10, 0x01], Port::Wan),
                ([0x64, 0x09, 0x80, 0x4c, 0x2e, 0x71], Port::Lan),
            ],
        })
    );
    assert_eq!(config.flows, 4096);
    assert_eq!(config.rules, Path::new("/etc/telltale/rules.toml"));
    assert_eq!(config.data_dir, Some(PathBuf::from("/opt/telltale/data")));
    assert_eq!(
        config.table("geo.ttdb"),
        Path::new("/opt/telltale/data/geo.ttdb")
    );
    assert_eq!(config.leds.backend, LedsBackend::Sim);
    assert_eq!(config.leds.profile.name, "pi5");
    assert_eq!(
        (
            config.leds.profile.green,
            config.leds.profile.amber,
            config.leds.profile.red,
            config.leds.profile.button
        ),
        (
            LedLine::Gpio(5),
            LedLine::Gpio(6),
            LedLine::Gpio(13),
            Some(26)
        )
    );
    assert_eq!(config.leds.sysfs_root, Path::new("/tmp/leds"));
    assert!(config.leds.button);
    assert_eq!(config.journal, Path::new("/etc/telltale/state/journal"));
    assert_eq!(config.link.device, Path::new("/dev/ttyACM9"));
    assert_eq!(
        config.output.events,
        Some(OutputTarget::File(PathBuf::from(
            "/etc/telltale/out/events.jsonl"
        )))
    );
    assert_eq!(
        config.output.emit,
        EmitSet {
            alerts: true,
            leds: true,
            ..EmitSet::NONE
        }
    );
    assert_eq!(config.utc_offset, 3600);
}

#[test]
fn a_file_replay_stops_at_its_end_unless_told() {
    let config = parse("[capture]\nbackend = \"file\"\nfile = \"/x.pcap\"\n").unwrap();
    let file = config.capture.file.unwrap();
    assert_eq!(file.at_end, AtEnd::Stop);
    assert!(!file.pace);
    assert!(file.ports_by_mac.is_empty());
}

#[test]
fn sysfs_profiles_and_the_other_backends() {
    let config = parse("[leds]\nbackend = \"sysfs\"\nprofile = \"sysfs-onboard\"\n").unwrap();
    assert_eq!(config.leds.profile.green, LedLine::Class("ACT"));
    for (name, backend) in LedsBackend::ALL {
        let text = format!(
            "[leds]\nbackend = \"{name}\"\nprofile = \"{}\"\n[output]\nevents = \"-\"\n",
            if name == "sysfs" {
                "sysfs-overlay"
            } else {
                "cm4"
            }
        );
        assert_eq!(parse(&text).unwrap().leds.backend, backend, "{name}");
        assert_eq!(backend.name(), name);
    }
}

#[test]
fn stdout_nothing_and_offsets() {
    let config =
        parse("[output]\nevents = \"-\"\nemit = []\n[time]\nutc_offset = \"UTC\"\n").unwrap();
    assert_eq!(config.output.events, Some(OutputTarget::Stdout));
    assert_eq!(config.output.emit, EmitSet::NONE);
    assert_eq!(config.utc_offset, 0);
    let config = parse("[time]\nutc_offset = \"-05:30\"\n").unwrap();
    assert_eq!(config.utc_offset, -19_800);
}

#[test]
fn the_shipped_config_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../board/files/telltale.toml");
    let config = Config::load(&path).unwrap();
    let mut expected = Config::defaults(&path);
    // What the shipped file changes from the defaults: the data folder named, the button on.
    expected.data_dir = Some(PathBuf::from("/usr/share/telltale"));
    expected.leds.button = true;
    assert_eq!(config, expected);
}

#[test]
fn the_summary_says_what_was_chosen() {
    let config = parse(
        "[capture]\nbackend = \"file\"\nfile = \"/tmp/x.pcap\"\npace = true\nat_end = \"hold\"\n\
         [leds]\nbackend = \"terminal\"\n[button]\nenabled = true\n\
         [output]\nevents = \"-\"\nemit = [\"alerts\"]\n[time]\nutc_offset = \"-05:30\"\n",
    )
    .unwrap();
    let summary = config.summary();
    for line in [
        "/etc/telltale/telltale.toml: ok\n",
        "  capture: file /tmp/x.pcap (paced, at the end: hold)\n",
        "  data: $TELLTALE_DATA or /usr/share/telltale\n",
        "  leds: terminal on profile pi4 (green GPIO 17, amber GPIO 27, red GPIO 22)\n",
        "  button: GPIO 23\n",
        "  journal: /var/lib/telltale/journal\n",
        "  link: /dev/ttyGS0\n",
        "  output: standard output (alerts)\n",
        "  time: -05:30\n",
    ] {
        assert!(summary.contains(line), "{line:?} not in\n{summary}");
    }
    let summary = parse("").unwrap().summary();
    assert!(
        summary.contains("  capture: tpacket on lan eth1 and wan eth0\n"),
        "{summary}"
    );
    assert!(summary.contains("  time: UTC\n"), "{summary}");
    assert!(summary.contains("  button: disabled\n"), "{summary}");
}

#[test]
fn profiles_are_copied_not_changed() {
    let config = parse("[leds]\nred = 5\n").unwrap();
    assert_eq!(config.leds.profile.red, LedLine::Gpio(5));
    assert_eq!(
        BoardProfile::by_name("pi4").unwrap().red,
        LedLine::Gpio(22),
        "the shared profile keeps its pin"
    );
}

#[test]
fn an_unreadable_file_names_it() {
    let e = Config::load("/nonexistent/telltale.toml").unwrap_err();
    assert_eq!(e.line, None);
    assert!(
        e.to_string()
            .starts_with("/nonexistent/telltale.toml: cannot read the config file: "),
        "{e}"
    );
}
