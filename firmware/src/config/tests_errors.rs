//! Every bad config input, with the exact line a user sees: `FILE:LINE: KEY: WHY`.

use super::tests::parse;

const F: &str = "/etc/telltale/telltale.toml";

fn error(text: &str) -> String {
    match parse(text) {
        Ok(config) => panic!("accepted: {config:?}"),
        Err(e) => e.to_string(),
    }
}

fn check(cases: &[(&str, &str)]) {
    for (text, expected) in cases {
        assert_eq!(error(text), format!("{F}:{expected}"), "for {text:?}");
    }
}

#[test]
fn unknown_tables_and_keys() {
    check(&[
        ("[network]\n", "1: network: unknown key (expected one of: capture, engine, rules, data, leds, button, journal, link, output, time)"),
        ("flows = 10\n", "1: flows: unknown key (expected one of: capture, engine, rules, data, leds, button, journal, link, output, time)"),
        ("capture = 3\n", "1: capture: expected a table, found an integer"),
        ("[capture]\nlan = \"eth1\"\nspeed = 1\n", "3: capture.speed: unknown key (expected one of: lan, wan, backend, file, pace, at_end, ports_by_mac)"),
        ("[engine]\nthreads = 2\n", "2: engine.threads: unknown key (expected one of: flows)"),
        ("[rules]\nfile = \"r.toml\"\n", "2: rules.file: unknown key (expected one of: path)"),
        ("[leds]\ncolour = \"red\"\n", "2: leds.colour: unknown key (expected one of: backend, profile, sysfs_root, green, amber, red)"),
        ("[button]\ngpio = 23\n", "2: button.gpio: unknown key (expected one of: enabled, pin)"),
        ("[journal]\nsize = 3\n", "2: journal.size: unknown key (expected one of: path, window)"),
        ("[link]\nbaud = 115200\n", "2: link.baud: unknown key (expected one of: device, enabled, tcp)"),
        ("[time]\nzone = \"UTC\"\n", "2: time.zone: unknown key (expected one of: utc_offset)"),
    ]);
}

#[test]
fn capture_values() {
    check(&[
        ("[capture]\nbackend = \"afpacket\"\n", "2: capture.backend: unknown backend \"afpacket\" (expected one of: tpacket, pnet, file)"),
        ("[capture]\nbackend = 1\n", "2: capture.backend: expected a string, found an integer"),
        ("[capture]\nlan = \"an-interface-name-too-long\"\n", "2: capture.lan: \"an-interface-name-too-long\" is not a network interface name (1 to 15 characters, no '/' or spaces)"),
        ("[capture]\nwan = \"\"\n", "2: capture.wan: \"\" is not a network interface name (1 to 15 characters, no '/' or spaces)"),
        ("[capture]\nwan = \"eth/0\"\n", "2: capture.wan: \"eth/0\" is not a network interface name (1 to 15 characters, no '/' or spaces)"),
        ("[capture]\nbackend = \"file\"\nfile = \"\"\n", "3: capture.file: is empty (expected a path)"),
        ("[capture]\npace = \"yes\"\n", "2: capture.pace: expected true or false, found a string"),
        ("[capture]\nat_end = \"rewind\"\n", "2: capture.at_end: unknown end \"rewind\" (expected one of: stop, hold, loop)"),
        ("[capture]\nports_by_mac = [\"wan\"]\n", "2: capture.ports_by_mac: expected a table, found an array"),
        ("[capture]\nports_by_mac = { \"d0:37:45\" = \"wan\" }\n", "2: capture.ports_by_mac.\"d0:37:45\": \"d0:37:45\" is not a MAC address (use e.g. \"aa:bb:cc:dd:ee:ff\")"),
        ("[capture]\nports_by_mac = { \"d0:37:45:8a:10:01\" = \"router\" }\n", "2: capture.ports_by_mac.\"d0:37:45:8a:10:01\": unknown port \"router\" (expected lan or wan)"),
        ("[capture.ports_by_mac]\n\"d0:37:45:8a:10:01\" = \"wan\"\n\"D0-37-45-8A-10-01\" = \"lan\"\n", "3: capture.ports_by_mac.\"D0-37-45-8A-10-01\": is listed twice"),
    ]);
}

#[test]
fn capture_combinations() {
    check(&[
        (
            "[capture]\nlan = \"eth0\"\n",
            "2: capture.lan: lan and wan are the same port (eth0)",
        ),
        (
            "[capture]\nwan = \"eth2\"\nlan = \"eth2\"\n",
            "3: capture.lan: lan and wan are the same port (eth2)",
        ),
        (
            "[capture]\nbackend = \"file\"\n",
            "2: capture: missing key file (the capture to run on, with backend = \"file\")",
        ),
        (
            "[capture]\nfile = \"x.pcap\"\n",
            "2: capture.file: only read with backend = \"file\" (backend is \"tpacket\")",
        ),
        (
            "[capture]\nbackend = \"pnet\"\npace = true\n",
            "3: capture.pace: only used with backend = \"file\"",
        ),
        (
            "[capture]\nat_end = \"hold\"\n",
            "2: capture.at_end: only used with backend = \"file\"",
        ),
        (
            "[capture]\nports_by_mac = {}\n",
            "2: capture.ports_by_mac: only used with backend = \"file\"",
        ),
    ]);
}

#[test]
fn engine_rules_data_journal_link() {
    check(&[
        (
            "[engine]\nflows = 0\n",
            "2: engine.flows: 0 is not a count (1 or more)",
        ),
        (
            "[engine]\nflows = -3\n",
            "2: engine.flows: -3 is not a count (1 or more)",
        ),
        (
            "[engine]\nflows = 20_000_000\n",
            "2: engine.flows: 20000000 is more than the 16777216 flows the box can hold",
        ),
        (
            "[engine]\nflows = \"lots\"\n",
            "2: engine.flows: expected an integer, found a string",
        ),
        (
            "[rules]\npath = 7\n",
            "2: rules.path: expected a string, found an integer",
        ),
        (
            "[data]\ndir = \"\"\n",
            "2: data.dir: is empty (expected a path)",
        ),
        (
            "[journal]\npath = \"\"\n",
            "2: journal.path: is empty (expected a path)",
        ),
        (
            "[link]\ndevice = false\n",
            "2: link.device: expected a string, found a boolean",
        ),
    ]);
}

#[test]
fn leds_and_button() {
    check(&[
        ("[leds]\nbackend = \"blinkenlights\"\n", "2: leds.backend: unknown LED backend \"blinkenlights\" (expected one of: gpio, sysfs, sim, terminal, none)"),
        ("[leds]\nprofile = \"pi3\"\n", "2: leds.profile: unknown board profile \"pi3\": known profiles are pi4, pi5, cm4, sysfs-onboard, sysfs-overlay"),
        ("[leds]\nprofile = \"sysfs-onboard\"\n", "2: leds.profile: backend gpio needs a GPIO profile (pi4, pi5, cm4); profile sysfs-onboard drives LEDs through the LED class"),
        ("[leds]\nbackend = \"sysfs\"\n", "2: leds.backend: backend sysfs needs an LED-class profile (sysfs-onboard, sysfs-overlay); profile pi4 drives GPIO lines"),
        ("[leds]\nred = 28\n", "2: leds.red: 28 is not a header GPIO (BCM 0 to 27)"),
        ("[leds]\ngreen = -1\n", "2: leds.green: -1 is not a header GPIO (BCM 0 to 27)"),
        ("[leds]\namber = \"27\"\n", "2: leds.amber: expected an integer, found a string"),
        ("[leds]\nbackend = \"sysfs\"\nprofile = \"sysfs-overlay\"\ngreen = 5\n", "4: leds.green: profile sysfs-overlay drives its LEDs through the LED class, not GPIO numbers"),
        ("[leds]\nred = 17\n", "2: leds.red: GPIO 17 drives both the green LED and the red LED"),
        ("[leds]\nbackend = \"none\"\n[button]\nenabled = true\npin = 27\n", "5: button.pin: GPIO 27 drives both the amber LED and the button"),
        ("[leds]\nbackend = \"none\"\nprofile = \"sysfs-onboard\"\n[button]\nenabled = true\n", "5: button.enabled: profile sysfs-onboard has no button (set button.pin to its GPIO)"),
        ("[button]\nenabled = 1\n", "2: button.enabled: expected true or false, found an integer"),
        ("[leds]\nbackend = \"sim\"\n", "2: leds.backend: sim writes every LED switch to [output] events, which is not set"),
    ]);
}

#[test]
fn output_and_time() {
    check(&[
        ("[output]\nevents = false\n", "2: output.events: expected a string, found a boolean"),
        ("[output]\nemit = \"alerts\"\n", "2: output.emit: expected an array, found a string"),
        ("[output]\nemit = [\"alerts\", \"journal\"]\n", "2: output.emit[1]: unknown output \"journal\" (expected events, flows, alerts or leds)"),
        ("[output]\nemit = [\"leds\", \"leds\"]\n", "2: output.emit[1]: leds is listed twice"),
        ("[output]\nemit = [1]\n", "2: output.emit[0]: expected a string, found an integer"),
        ("[time]\nutc_offset = \"CET\"\n", "2: time.utc_offset: \"CET\" is not a UTC offset (use \"UTC\" or an offset like \"+01:00\")"),
        ("[time]\nutc_offset = \"+15:00\"\n", "2: time.utc_offset: \"+15:00\" is not a UTC offset (use \"UTC\" or an offset like \"+01:00\")"),
        ("[time]\nutc_offset = \"local\"\n", "2: time.utc_offset: \"local\" is not a UTC offset (use \"UTC\" or an offset like \"+01:00\")"),
    ]);
}

#[test]
fn toml_syntax_errors_have_a_column() {
    let e = error("[capture]\nlan = eth1\n");
    assert!(e.starts_with(&format!("{F}:2:7: invalid TOML: ")), "{e}");
    let e = error("[capture]\nlan = \"a\"\nlan = \"b\"\n");
    assert!(e.starts_with(&format!("{F}:3:1: invalid TOML: ")), "{e}");
}

#[test]
fn journal_window_and_link_values() {
    check(&[
        ("[journal]\nwindow = \"5s\"\n", "2: journal.window: \"5s\" is not between 10 s and 24 h (summaries are kept per window)"),
        ("[journal]\nwindow = \"2d\"\n", "2: journal.window: \"2d\" is not between 10 s and 24 h (summaries are kept per window)"),
        ("[link]\ntcp = \"7878\"\n", "2: link.tcp: \"7878\" is not an address and port (like \"0.0.0.0:7878\")"),
        ("[link]\nenabled = \"yes\"\n", "2: link.enabled: expected true or false, found a string"),
    ]);
}
