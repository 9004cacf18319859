//! Config parsing: the defaults, every key, and every bad input with its exact error.

use std::path::{Path, PathBuf};

use telltale_board::{BoardProfile, LedBackend};

use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("/etc/telltale/telltale.toml"))
}

fn error(text: &str) -> String {
    match parse(text) {
        Ok(config) => panic!("accepted: {config:?}"),
        Err(e) => e.to_string(),
    }
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
    assert_eq!(config.flows, 65_536);
    assert_eq!(config.rules, Path::new("/etc/telltale/rules.toml"));
    assert_eq!(config.data_dir, Path::new("/usr/share/telltale"));
    assert_eq!(config.leds.backend, LedBackend::Gpio);
    assert_eq!(config.leds.profile.name, "pi4");
    assert_eq!(config.leds.sysfs_root, Path::new("/sys/class/leds"));
    assert!(!config.button);
    assert_eq!(config.output.events, None);
    assert_eq!(config.output.emit, EmitSet::ALL);
    assert_eq!(config.utc_offset, Timezone::Local);
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

[engine]
flows = 4_096

[rules]
path = "rules.toml"

[data]
dir = "/opt/telltale/data"

[leds]
backend = "sysfs"
profile = "sysfs-overlay"
sysfs_root = "/tmp/leds"

[button]
enabled = true

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
        Some(PathBuf::from("/etc/telltale/captures/phone.pcapng"))
    );
    assert!(config.capture.pace);
    assert_eq!(config.flows, 4096);
    assert_eq!(config.rules, Path::new("/etc/telltale/rules.toml"));
    assert_eq!(config.data_dir, Path::new("/opt/telltale/data"));
    assert_eq!(config.leds.backend, LedBackend::Sysfs);
    assert_eq!(
        config.leds.profile,
        BoardProfile::by_name("sysfs-overlay").unwrap()
    );
    assert_eq!(config.leds.sysfs_root, Path::new("/tmp/leds"));
    assert!(config.button);
    assert_eq!(
        config.output.events,
        Some(OutputTarget::File(PathBuf::from(
            "/etc/telltale/out/events.jsonl"
        )))
    );
    assert_eq!(
        config.output.emit,
        EmitSet {
            events: false,
            flows: false,
            alerts: true,
            leds: true
        }
    );
    assert_eq!(config.utc_offset, Timezone::Fixed(3600));
    assert_eq!(config.table("geo.ttdb"), Path::new("/opt/telltale/data/geo.ttdb"));
}

#[test]
fn stdout_and_utc() {
    let config = parse("[output]\nevents = \"-\"\nemit = []\n[time]\nutc_offset = \"UTC\"\n").unwrap();
    assert_eq!(config.output.events, Some(OutputTarget::Stdout));
    assert_eq!(
        config.output.emit,
        EmitSet {
            events: false,
            flows: false,
            alerts: false,
            leds: false
        }
    );
    assert_eq!(config.utc_offset, Timezone::Fixed(0));
    let config = parse("[time]\nutc_offset = \"-05:30\"\n").unwrap();
    assert_eq!(config.utc_offset, Timezone::Fixed(-19_800));
}

/// Every bad input, with the exact line a user sees.
#[test]
fn bad_inputs_name_file_line_and_key() {
    const F: &str = "/etc/telltale/telltale.toml";
    let cases: &[(&str, String)] = &[
        (
            "[capture]\nlan = \"eth1\"\nspeed = 1\n",
            format!("{F}:3: capture.speed: unknown key (expected one of: lan, wan, backend, file, pace)"),
        ),
        (
            "[network]\n",
            format!("{F}:1: network: unknown key (expected one of: capture, engine, rules, data, leds, button, output, time)"),
        ),
        (
            "flows = 10\n",
            format!("{F}:1: flows: unknown key (expected one of: capture, engine, rules, data, leds, button, output, time)"),
        ),
        ("capture = 3\n", format!("{F}:1: capture: expected a table, found an integer")),
        (
            "[capture]\nbackend = \"afpacket\"\n",
            format!("{F}:2: capture.backend: unknown backend \"afpacket\" (expected one of: tpacket, pnet, file)"),
        ),
        ("[capture]\nbackend = 1\n", format!("{F}:2: capture.backend: expected a string, found an integer")),
        (
            "[capture]\nlan = \"an-interface-name-too-long\"\n",
            format!("{F}:2: capture.lan: \"an-interface-name-too-long\" is not a network interface name (1 to 15 characters, no '/' or spaces)"),
        ),
        (
            "[capture]\nwan = \"\"\n",
            format!("{F}:2: capture.wan: \"\" is not a network interface name (1 to 15 characters, no '/' or spaces)"),
        ),
        (
            "[capture]\nwan = \"eth/0\"\n",
            format!("{F}:2: capture.wan: \"eth/0\" is not a network interface name (1 to 15 characters, no '/' or spaces)"),
        ),
        (
            "[capture]\nlan = \"eth0\"\n",
            format!("{F}:1: capture: lan and wan are the same port (eth0)"),
        ),
        (
            "[capture]\nbackend = \"file\"\n",
            format!("{F}:2: capture: missing key file (the capture to run on, with backend = \"file\")"),
        ),
        (
            "[capture]\nfile = \"x.pcap\"\n",
            format!("{F}:2: capture.file: only read with backend = \"file\" (backend is \"tpacket\")"),
        ),
        (
            "[capture]\nbackend = \"pnet\"\npace = true\n",
            format!("{F}:3: capture.pace: only used with backend = \"file\""),
        ),
        ("[capture]\nbackend = \"file\"\nfile = \"\"\n", format!("{F}:3: capture.file: is empty (expected a path)")),
        ("[capture]\npace = \"yes\"\n", format!("{F}:2: capture.pace: expected true or false, found a string")),
        ("[engine]\nflows = 0\n", format!("{F}:2: engine.flows: 0 is not a count (1 or more)")),
        ("[engine]\nflows = -3\n", format!("{F}:2: engine.flows: -3 is not a count (1 or more)")),
        (
            "[engine]\nflows = 20_000_000\n",
            format!("{F}:2: engine.flows: 20000000 is more than the 16777216 flows the box can hold"),
        ),
        ("[engine]\nflows = \"lots\"\n", format!("{F}:2: engine.flows: expected an integer, found a string")),
        ("[engine]\nthreads = 2\n", format!("{F}:2: engine.threads: unknown key (expected one of: flows)")),
        ("[rules]\npath = 7\n", format!("{F}:2: rules.path: expected a string, found an integer")),
        ("[rules]\nfile = \"r.toml\"\n", format!("{F}:2: rules.file: unknown key (expected one of: path)")),
        ("[data]\ndir = \"\"\n", format!("{F}:2: data.dir: is empty (expected a path)")),
        (
            "[leds]\nbackend = \"blinkenlights\"\n",
            format!("{F}:2: leds.backend: unknown LED backend \"blinkenlights\": choose gpio, sysfs, sim or none"),
        ),
        (
            "[leds]\nprofile = \"pi3\"\n",
            format!("{F}:2: leds.profile: unknown board profile \"pi3\": known profiles are pi4, pi5, cm4, sysfs-onboard, sysfs-overlay"),
        ),
        ("[leds]\ncolour = \"red\"\n", format!("{F}:2: leds.colour: unknown key (expected one of: backend, profile, sysfs_root)")),
        ("[button]\nenabled = 1\n", format!("{F}:2: button.enabled: expected true or false, found an integer")),
        ("[button]\npin = 23\n", format!("{F}:2: button.pin: unknown key (expected one of: enabled)")),
        ("[output]\nevents = false\n", format!("{F}:2: output.events: expected a string, found a boolean")),
        ("[output]\nemit = \"alerts\"\n", format!("{F}:2: output.emit: expected an array, found a string")),
        (
            "[output]\nemit = [\"alerts\", \"journal\"]\n",
            format!("{F}:2: output.emit[1]: unknown output \"journal\" (expected events, flows, alerts or leds)"),
        ),
        ("[output]\nemit = [\"leds\", \"leds\"]\n", format!("{F}:2: output.emit[1]: leds is listed twice")),
        ("[output]\nemit = [1]\n", format!("{F}:2: output.emit[0]: expected a string, found an integer")),
        (
            "[time]\nutc_offset = \"CET\"\n",
            format!("{F}:2: time.utc_offset: \"CET\" is not a timezone (use \"local\", \"UTC\" or an offset like \"+01:00\")"),
        ),
        (
            "[time]\nutc_offset = \"+15:00\"\n",
            format!("{F}:2: time.utc_offset: \"+15:00\" is not a timezone (use \"local\", \"UTC\" or an offset like \"+01:00\")"),
        ),
        ("[time]\nzone = \"local\"\n", format!("{F}:2: time.zone: unknown key (expected one of: utc_offset)")),
    ];
    for (text, expected) in cases {
        assert_eq!(&error(text), expected, "for {text:?}");
    }
}

#[test]
fn toml_syntax_errors_have_a_column() {
    let e = error("[capture]\nlan = eth1\n");
    assert!(
        e.starts_with("/etc/telltale/telltale.toml:2:7: invalid TOML: "),
        "{e}"
    );
    let e = error("[capture]\nlan = \"a\"\nlan = \"b\"\n");
    assert!(
        e.starts_with("/etc/telltale/telltale.toml:3:1: invalid TOML: "),
        "{e}"
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

#[test]
fn the_shipped_config_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../board/files/telltale.toml");
    let config = Config::load(&path).unwrap();
    assert_eq!(
        config,
        Config {
            file: path.clone(),
            ..Config::defaults(&path)
        }
        .with_shipped_choices()
    );
}

impl Config {
    /// The defaults with what the shipped file changes: the button on.
    fn with_shipped_choices(mut self) -> Config {
        self.button = true;
        self
    }
}

#[test]
fn the_summary_says_what_was_chosen() {
    let config = parse("[capture]\nbackend = \"file\"\nfile = \"/tmp/x.pcap\"\npace = true\n[output]\nevents = \"-\"\nemit = [\"alerts\"]\n[time]\nutc_offset = \"-05:30\"\n").unwrap();
    let summary = config.summary();
    assert!(summary.contains("capture: file /tmp/x.pcap (paced)"), "{summary}");
    assert!(summary.contains("output: standard output (alerts)"), "{summary}");
    assert!(summary.contains("time: -05:30"), "{summary}");
}
