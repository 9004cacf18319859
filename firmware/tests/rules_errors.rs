//! Bad rules files, each with the exact error `telltaled check` prints; imports of small fixture
//! lists; and the shipped `rules/default.toml` with its default pack.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use telltale_firmware::rules::{self, Category, ImportCounts, ImportFormat, Rules, Thresholds};

/// The folder with the fixture lists that imports in these tests point at.
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules")
}

/// Parses `text` as the file `rules.toml` in the fixture folder and returns the error text.
fn error_of(text: &str) -> String {
    match Rules::parse(text, Path::new("rules.toml"), &fixtures()) {
        Ok(_) => panic!("accepted a bad rules file:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// (rules text, exact error). Line numbers count from the first line of the text.
const BAD: &[(&str, &str)] = &[
    // Values.
    (
        "\n[thresholds.abnormal_upload]\nbytes = \"5 MB\"\n",
        "rules.toml:3: thresholds.abnormal_upload.bytes: \"5 MB\" is not a size (use e.g. 5MB or 5000000)",
    ),
    (
        "[thresholds.large_upload]\nwindow = \"4 hours\"\n",
        "rules.toml:2: thresholds.large_upload.window: \"4 hours\" is not a duration (use e.g. 15m, 4h or 7d)",
    ),
    (
        "[thresholds.large_upload]\nwindow = 14400\n",
        "rules.toml:2: thresholds.large_upload.window: expected a duration (e.g. \"15m\", \"4h\" or \"7d\"), found an integer",
    ),
    (
        "[thresholds.abnormal_upload]\nratio = 0\n",
        "rules.toml:2: thresholds.abnormal_upload.ratio: must be a number greater than 0",
    ),
    (
        "[thresholds.new_device]\nenabled = \"yes\"\n",
        "rules.toml:2: thresholds.new_device.enabled: expected true or false, found a string",
    ),
    (
        "[thresholds.dns_bypass]\nseverity = \"orange\"\n",
        "rules.toml:2: thresholds.dns_bypass.severity: \"orange\" is not a severity (use \"red\" or \"amber\")",
    ),
    ("hold_back = \"0s\"\n", "rules.toml:1: hold_back: must be at least 1s"),
    ("learning_period = 7\n", "rules.toml:1: learning_period: expected a duration (e.g. \"15m\", \"4h\" or \"7d\"), found an integer"),
    // Unknown keys and tables.
    ("holdback = \"4h\"\n", "rules.toml:1: holdback: unknown key (expected one of: learning_period, hold_back, thresholds, quiet_hours, watchlists, watch, allow, dns, import)"),
    (
        "[thresholds.abnormal_upload]\nbytes = \"1MB\"\nbyte = 5\n",
        "rules.toml:3: thresholds.abnormal_upload.byte: unknown key (expected one of: enabled, severity, bytes, window, ratio)",
    ),
    (
        "[thresholds.beacon]\nenabled = false\n",
        "rules.toml:1: thresholds.beacon: unknown signal (expected one of: watched_upload, abnormal_upload, large_upload, quiet_hours_upload, first_contact, periodic_beacon, dns_bypass, new_device)",
    ),
    ("[allow]\nmacs = []\n", "rules.toml:2: allow.macs: unknown key (expected one of: domains, cidrs, devices)"),
    ("[dns]\nresolvers = []\n", "rules.toml:2: dns.resolvers: unknown key (expected one of: lan_resolvers, doh_resolvers)"),
    // Quiet hours.
    (
        "[quiet_hours]\nstart = \"0:30\"\nend = \"06:30\"\n",
        "rules.toml:2: quiet_hours.start: \"0:30\" is not a time of day (use HH:MM, e.g. 00:30 or 23:00)",
    ),
    ("[quiet_hours]\nstart = \"00:30\"\n", "rules.toml:1: quiet_hours: missing key end (a time of day like \"00:30\")"),
    ("[quiet_hours]\nstart = \"01:00\"\nend = \"01:00\"\n", "rules.toml:2: quiet_hours: start and end are the same time"),
    (
        "[quiet_hours]\nstart = \"01:00\"\nend = \"05:00\"\ndays = [\"monday\"]\n",
        "rules.toml:4: quiet_hours.days[0]: \"monday\" is not a day (use mon, tue, wed, thu, fri, sat, sun, all, weekdays or weekends)",
    ),
    (
        "[quiet_hours]\nstart = \"01:00\"\nend = \"05:00\"\ntimezone = \"CET\"\n",
        "rules.toml:4: quiet_hours.timezone: \"CET\" is not a timezone (use \"local\", \"UTC\" or an offset like \"+01:00\")",
    ),
    // Watchlists.
    (
        "[watchlists.x]\ncategory = \"ads\"\nsource = \"s\"\ncidrs = [\"10.0.0.0/8\", \"300.1.2.0/24\"]\n",
        "rules.toml:4: watchlists.x.cidrs[1]: \"300.1.2.0/24\" is not a CIDR (use e.g. 203.0.113.0/24, 2001:db8::/32 or 192.0.2.1)",
    ),
    (
        "[watchlists.x]\ncategory = \"ads\"\nsource = \"s\"\ncidrs = [\"2001:db8::1/32\"]\n",
        "rules.toml:4: watchlists.x.cidrs[0]: \"2001:db8::1/32\" has host bits set (did you mean 2001:db8::/32?)",
    ),
    (
        "[watchlists.x]\ncategory = \"ads\"\nsource = \"s\"\ncountries = [\"CHN\"]\n",
        "rules.toml:4: watchlists.x.countries[0]: \"CHN\" is not a country (use two ISO 3166-1 letters, e.g. \"CN\")",
    ),
    (
        "[watchlists.x]\ncategory = \"ads\"\nsource = \"s\"\ncountries = [\"XX\"]\n",
        "rules.toml:4: watchlists.x.countries[0]: \"XX\" is not an assigned ISO 3166-1 country code",
    ),
    (
        "[watchlists.x]\ncategory = \"ads\"\nsource = \"s\"\nasns = [0]\n",
        "rules.toml:4: watchlists.x.asns[0]: 0 is not an AS number (1 to 4294967295)",
    ),
    (
        "[watchlists.x]\ncategory = \"ads\"\nsource = \"s\"\ndomains = [\"bad domain.com\"]\n",
        "rules.toml:4: watchlists.x.domains[0]: \"bad domain.com\" is not a domain name: it has a character other than a-z, 0-9, '-', '_' and '.'",
    ),
    (
        "[watchlists.x]\ncategory = \"spyware\"\nsource = \"s\"\n",
        "rules.toml:2: watchlists.x.category: \"spyware\" is not a category (use one of: telemetry, ads, tracking, analytics, vendor, malware, custom)",
    ),
    (
        "[watchlists.x]\ncategory = \"ads\"\ndomains = [\"a.example\"]\n",
        "rules.toml:1: watchlists.x: missing key source (say where the entries come from: a report, a paper or a list's address)",
    ),
    ("[watchlists.x]\ncategory = \"ads\"\nsource = \"s\"\nurls = []\n", "rules.toml:4: watchlists.x.urls: unknown key (expected one of: category, source, domains, cidrs, asns, countries)"),
    ("[watchlists.\"my list\"]\ncategory = \"ads\"\nsource = \"s\"\n", "rules.toml:1: watchlists.my list: \"my list\" is not a list name (use letters, digits, '-' and '_')"),
    // [[watch]] entries.
    (
        "[[watch]]\ndomain = \"a.example\"\ncidr = \"192.0.2.0/24\"\ncategory = \"ads\"\nsource = \"s\"\n",
        "rules.toml:3: watch[0]: has more than one of domain, cidr, asn, country",
    ),
    (
        "[[watch]]\ndomain = \"a.example\"\nsource = \"s\"\n\n[[watch]]\ncategory = \"ads\"\nsource = \"s\"\n",
        "rules.toml:1: watch[0]: missing key category",
    ),
    (
        "[[watch]]\ncountry = \"de\"\ncategory = \"ads\"\nsource = \"s\"\n[[watch]]\ncategory = \"ads\"\nsource = \"s\"\n",
        "rules.toml:5: watch[1]: missing key domain, cidr, asn or country",
    ),
    ("[[watch]]\nasn = \"AS\"\ncategory = \"ads\"\nsource = \"s\"\n", "rules.toml:2: watch[0].asn: \"AS\" is not an AS number (use e.g. 13335 or \"AS13335\")"),
    // Allow and DNS.
    ("[allow]\ndevices = [\"aa:bb:cc:dd:ee\"]\n", "rules.toml:2: allow.devices[0]: \"aa:bb:cc:dd:ee\" is not a MAC address (use e.g. \"aa:bb:cc:dd:ee:ff\")"),
    ("[dns]\nlan_resolvers = \"192.168.1.1\"\n", "rules.toml:2: dns.lan_resolvers: expected an array, found a string"),
    ("[dns]\ndoh_resolvers = [\"dns.google\", \"1.1.1.1/33\"]\n", "rules.toml:2: dns.doh_resolvers[1]: \"1.1.1.1/33\" is not a domain name: it has a character other than a-z, 0-9, '-', '_' and '.'"),
    // Imports.
    (
        "import = [{ path = \"hosts.txt\", format = \"ublock\", category = \"ads\", source = \"s\" }]\n",
        "rules.toml:1: import[0].format: \"ublock\" is not an import format (use \"hosts\", \"adblock\" or \"domains\")",
    ),
    (
        "[[import]]\npath = \"hosts.txt\"\ncategory = \"ads\"\nsource = \"s\"\n",
        "rules.toml:1: import[0]: missing key format (\"hosts\", \"adblock\" or \"domains\")",
    ),
    (
        "[[import]]\npath = \"hosts.txt\"\nformat = \"hosts\"\ncategory = \"ads\"\nsource = \"s\"\nurl = \"x\"\n",
        "rules.toml:6: import[0].url: unknown key (expected one of: path, format, category, source, list)",
    ),
    // TOML syntax.
    ("[thresholds\nbytes = 1\n", "rules.toml:1:12: invalid TOML: unclosed table, expected `]`"),
    ("hold_back = \"4h\"\nhold_back = \"5h\"\n", "rules.toml:2:1: invalid TOML: duplicate key"),
    ("x = [1, 2\n", "rules.toml:1:10: invalid TOML: unclosed array, expected `]`"),
];

#[test]
fn every_bad_file_is_rejected_with_its_exact_message() {
    let mut wrong = Vec::new();
    for (text, expected) in BAD {
        let got = error_of(text);
        if got != *expected {
            wrong.push(format!(
                "input:\n{text}\nexpected: {expected}\n     got: {got}\n"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} messages differ:\n{}",
        wrong.len(),
        BAD.len(),
        wrong.join("\n")
    );
}

#[test]
fn missing_import_file_names_the_rules_line_and_the_resolved_path() {
    let text = "learning_period = \"7d\"\n\n[[import]]\npath = \"nope.txt\"\nformat = \"domains\"\ncategory = \"ads\"\nsource = \"s\"\n";
    let resolved = fixtures().join("nope.txt");
    assert_eq!(
        error_of(text),
        format!(
            "rules.toml:4: import[0].path: cannot read \"nope.txt\" ({}): No such file or directory (os error 2)",
            resolved.display()
        )
    );
}

#[test]
fn an_endless_import_is_refused_at_its_size_limit() {
    // A rules file pushed over the host link may name any path: reading stops at 32 MiB.
    let text = "[[import]]\npath = \"/dev/zero\"\nformat = \"domains\"\ncategory = \"ads\"\nsource = \"s\"\n";
    assert_eq!(
        error_of(text),
        "rules.toml:2: import[0].path: cannot read \"/dev/zero\" (/dev/zero): larger than 32 MiB"
    );
}

#[test]
fn malformed_imported_lines_name_the_list_and_its_line() {
    let hosts = "import = [{ path = \"bad-hosts.txt\", format = \"hosts\", category = \"ads\", source = \"s\" }]\n";
    assert_eq!(
        error_of(hosts),
        format!(
            "{}:3: \"block\" is not an IP address (a hosts line is: ADDRESS NAME...)",
            fixtures().join("bad-hosts.txt").display()
        )
    );
    let adblock = "import = [{ path = \"bad-adblock.txt\", format = \"adblock\", category = \"ads\", source = \"s\" }]\n";
    assert_eq!(
        error_of(adblock),
        format!(
            "{}:3: in rule \"||bad domain.example^\": \"bad domain.example\" is not a domain name: it has a character other than a-z, 0-9, '-', '_' and '.'",
            fixtures().join("bad-adblock.txt").display()
        )
    );
}

#[test]
fn unreadable_rules_file() {
    let e = Rules::load("/nonexistent/telltale/rules.toml").unwrap_err();
    assert_eq!(
        e.to_string(),
        "/nonexistent/telltale/rules.toml: cannot read the rules file: No such file or directory (os error 2)"
    );
    assert_eq!(e.line, None);
}

#[test]
fn imports_of_each_format_with_counts() {
    let text = r#"
[[import]]
path = "hosts.txt"
format = "hosts"
category = "telemetry"
source = "fixture hosts"

[[import]]
path = "adblock.txt"
format = "adblock"
list = "huawei"
category = "telemetry"
source = "fixture adblock"

[[import]]
path = "domains.txt"
format = "domains"
category = "ads"
source = "fixture domains"
"#;
    let rules = Rules::parse(text, Path::new("rules.toml"), &fixtures()).unwrap();
    let imports = rules.imports();
    assert_eq!(imports.len(), 3);
    assert_eq!(
        (imports[0].format, imports[0].list.as_str()),
        (ImportFormat::Hosts, "hosts")
    );
    assert_eq!(
        imports[0].counts,
        ImportCounts {
            domains: 4,
            localhost: 5,
            ..ImportCounts::default()
        }
    );
    assert_eq!(
        imports[1].counts,
        ImportCounts {
            domains: 2,
            addresses: 1,
            exceptions: 1,
            cosmetic: 1,
            unsupported: 1,
            localhost: 0
        }
    );
    assert_eq!(
        imports[2].counts,
        ImportCounts {
            domains: 3,
            ..ImportCounts::default()
        }
    );
    assert_eq!(imports[2].path, fixtures().join("domains.txt"));

    let hit = rules.watch_domain("sdkconfig.ad.xiaomi.com").unwrap();
    assert_eq!(
        (hit.list.as_str(), hit.source.as_str()),
        ("hosts", "fixture hosts")
    );
    assert_eq!(
        rules.watch_domain("logservice.hicloud.com").unwrap().list,
        "huawei"
    );
    assert!(
        rules.watch_domain("ok.hicloud.com").is_none(),
        "exception rules are not watch entries"
    );
    assert_eq!(
        rules
            .watch_ip("198.51.100.9".parse().unwrap())
            .unwrap()
            .list,
        "huawei"
    );
    assert_eq!(
        rules.watch_domain("samsungads.com").unwrap().category,
        Category::Ads
    );
    assert!(rules.watch_domain("localhost").is_none());
}

fn shipped_rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/default.toml")
}

#[test]
fn shipped_default_rules_load_with_the_xiaomi_pack() {
    let rules = Rules::load(shipped_rules()).unwrap();
    // The same thresholds as the built-in defaults.
    assert_eq!(rules.thresholds, Thresholds::default());
    assert_eq!(rules.learning_period, Rules::default().learning_period);
    assert_eq!(rules.hold_back, Rules::default().hold_back);
    assert!(rules.quiet_hours.is_none());
    for name in [
        "tracking.miui.com",
        "tracking.intl.miui.com",
        "data.mistat.xiaomi.com",
        "data.mistat.intl.xiaomi.com",
        "sdkconfig.ad.xiaomi.com",
        "api.ad.xiaomi.com",
    ] {
        let hit = rules
            .watch_domain(name)
            .unwrap_or_else(|| panic!("{name} is not watched"));
        assert!(hit.list.starts_with("xiaomi"), "{name}: {hit:?}");
        assert!(
            hit.source.contains("xiaomi-dns-blocklist"),
            "{name}: {hit:?}"
        );
    }
    assert_eq!(
        rules
            .watch_domain("tracking.intl.miui.com")
            .unwrap()
            .category,
        Category::Telemetry
    );
    assert_eq!(
        rules
            .watch_domain("sdkconfig.ad.intl.xiaomi.com")
            .unwrap()
            .category,
        Category::Ads
    );
    assert_eq!(
        rules
            .watch_domain("metrics2.data.hicloud.com")
            .unwrap()
            .list,
        "huawei_telemetry"
    );
    assert!(rules.watch_domain("www.mi.com").is_none());
    assert!(
        rules.watch_domain("xiaomi.com").is_none(),
        "the pack watches endpoints, not the vendor's whole domain"
    );
    // The shipped DoH list is the built-in one.
    let builtin = Rules::default().summary(Path::new("-"));
    let summary = rules::check(shipped_rules()).unwrap();
    assert_eq!(
        (summary.doh_names, summary.doh_addresses),
        (builtin.doh_names, builtin.doh_addresses)
    );
    assert!(rules.is_doh_resolver_ip("1.1.1.1".parse::<IpAddr>().unwrap()));
    assert_eq!(summary.imports.len(), 7);
    assert!(summary
        .imports
        .iter()
        .all(|i| i.counts.domains > 0 && i.format == ImportFormat::Domains));
    assert_eq!(summary.lists.len(), 7);
    assert_eq!(
        summary.domains + summary.duplicates,
        summary
            .imports
            .iter()
            .map(|i| i.counts.domains)
            .sum::<usize>()
    );
    let printed = summary.to_string();
    println!("{printed}");
    assert!(
        printed.contains("watchlists: 7 (xiaomi_telemetry, xiaomi_ads, "),
        "{printed}"
    );
}

#[test]
fn every_toml_example_in_the_documentation_loads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("docs/rules.md")).unwrap();
    let examples: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or(""))
        .collect();
    assert!(examples.len() >= 2);
    for example in examples {
        // Imports in the examples are relative to the shipped rules folder.
        if let Err(e) = Rules::parse(example, Path::new("docs/rules.md"), &root.join("rules")) {
            panic!("{e}\n{example}");
        }
    }
}
