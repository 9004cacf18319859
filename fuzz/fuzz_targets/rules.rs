//! `rules`: the rules-file parser and the list importers (hosts, AdBlock, plain domains), on
//! untrusted text.
//!
//! Byte 0 picks the mode:
//! - `0` (mod 4): the rest is a rules file (TOML, lossily made UTF-8) up to the first NUL byte;
//!   what follows the NUL is written to `list.txt` beside it, for the file to import;
//! - `1`, `2`, `3`: the rest is a list imported as `hosts`, `adblock` or `domains` by a
//!   generated rules file.
//!
//! Checked: no panic; a rejected file's error is one line, names the rules file or the list, and
//! its line (and column) lie within that file's text; an accepted import of hosts or domains
//! watches every name and address it took, and its counts add up; the built rules answer
//! queries and summarise without panicking.
#![no_main]

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use telltale_firmware::rules::{ImportFormat, Rules, RulesError, LOCALHOST_NAMES};

/// A private folder for the rules file's imports (one per fuzzing process).
fn base() -> &'static Path {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("telltale-fuzz-rules-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the imports folder");
        dir
    })
}

const FORMATS: [ImportFormat; 3] = [
    ImportFormat::Hosts,
    ImportFormat::Adblock,
    ImportFormat::Domains,
];

/// Checks that `line` (and `column`) lie within `text`.
fn check_place(error: &RulesError, text: &str) {
    let line = error.line.expect("an error in the text has a line");
    let lines = text.bytes().filter(|&b| b == b'\n').count() + 1;
    assert!(
        line >= 1 && line <= lines,
        "line {line} of {lines}: {error}"
    );
    if let Some(column) = error.column {
        let chars = text
            .split('\n')
            .nth(line - 1)
            .map_or(0, |l| l.chars().count());
        assert!(
            column >= 1 && column <= chars + 1,
            "column {column} of {chars}: {error}"
        );
    }
}

/// The entries of a hosts or domains list the importer must have taken (IPs and names).
fn taken(list: &str, format: ImportFormat) -> Vec<&str> {
    let mut out = Vec::new();
    for raw in list.lines() {
        let content = raw.split('#').next().unwrap_or("");
        match format {
            ImportFormat::Domains => {
                let entry = content.trim();
                if !entry.is_empty() {
                    out.push(entry);
                }
            }
            ImportFormat::Hosts => {
                let names = content.split_whitespace().skip(1);
                out.extend(
                    names.filter(|n| !LOCALHOST_NAMES.iter().any(|l| l.eq_ignore_ascii_case(n))),
                );
            }
            ImportFormat::Adblock => {}
        }
    }
    out
}

fn exercise(rules: &Rules, words: &str) {
    for word in words
        .split(|c: char| c.is_whitespace() || c == '"' || c == ',')
        .take(64)
    {
        std::hint::black_box((
            rules.watch_domain(word),
            rules.is_allowed_domain(word),
            rules.is_doh_resolver_name(word),
        ));
        if let Ok(ip) = word.parse::<IpAddr>() {
            std::hint::black_box((
                rules.watch_ip(ip),
                rules.is_allowed_ip(ip),
                rules.is_doh_resolver_ip(ip),
                rules.is_lan_resolver(ip),
            ));
        }
        if let [a, b] = word.as_bytes() {
            std::hint::black_box(rules.watch_country([*a, *b]));
        }
        if let Ok(asn) = word.parse::<u32>() {
            std::hint::black_box(rules.watch_asn(asn));
        }
    }
    for offset in [-50_400, 0, 3600, 50_400] {
        std::hint::black_box(rules.detect_thresholds(offset));
        if let Some(quiet) = rules.quiet_hours {
            for t in [0i64, 1_700_000_000, -86_400, i64::MAX / 2] {
                std::hint::black_box(quiet.contains(t, offset));
            }
        }
    }
    let summary = rules.summary(Path::new("fuzz.toml"));
    std::hint::black_box((summary.to_string(), rules.has_lan_resolvers()));
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let rules_path = base().join("fuzz.toml");
    let list_path = base().join("list.txt");
    let (text, list, format) = match mode % 4 {
        0 => {
            let (text, list) = match rest.iter().position(|&b| b == 0) {
                Some(nul) => (&rest[..nul], &rest[nul + 1..]),
                None => (rest, &[][..]),
            };
            let text = String::from_utf8_lossy(text).into_owned();
            // Imports read files: keep them away from devices and pseudo-files that never end.
            if ["/dev", "/proc", "/sys", "\\u", "\\U"]
                .iter()
                .any(|p| text.contains(p))
            {
                return;
            }
            (text, list, None)
        }
        m => {
            let format = FORMATS[usize::from(m) - 1];
            let text = format!(
                "[[import]]\npath = \"list.txt\"\nformat = \"{}\"\ncategory = \"ads\"\nsource = \"fuzz\"\n",
                format.as_str()
            );
            (text, rest, Some(format))
        }
    };
    std::fs::write(&list_path, list).expect("write list.txt");
    match Rules::parse(&text, &rules_path, base()) {
        Err(error) => {
            let rendered = error.to_string();
            assert!(!rendered.contains('\n'), "multi-line error: {rendered:?}");
            if error.file == rules_path {
                if error.line.is_some() {
                    check_place(&error, &text);
                }
            } else if error.file == list_path {
                // Not valid UTF-8 is reported on the rules file's `path` line instead.
                let list = std::str::from_utf8(list).expect("a list error from a UTF-8 list");
                assert!(error.column.is_none());
                check_place(&error, list);
                let lines = list.lines().count().max(1);
                assert!(
                    error.line.unwrap() <= lines,
                    "line past the list's {lines}: {error}"
                );
            } else {
                // Another file the fuzzed rules imported: it must exist.
                assert!(
                    error.file.starts_with(base()) || error.file.is_absolute(),
                    "{error}"
                );
            }
        }
        Ok(rules) => {
            if let Some(format) = format {
                let list = std::str::from_utf8(list).expect("an import read as text");
                let imports = rules.imports();
                assert_eq!(imports.len(), 1);
                assert_eq!(imports[0].format, format);
                let counts = &imports[0].counts;
                if format != ImportFormat::Adblock {
                    let taken = taken(list, format);
                    assert_eq!(counts.domains + counts.addresses, taken.len(), "{counts:?}");
                    for entry in taken {
                        match entry.parse::<IpAddr>() {
                            Ok(ip) => assert!(rules.watch_ip(ip).is_some(), "{ip} not watched"),
                            Err(_) => assert!(
                                rules.watch_domain(entry).is_some(),
                                "{entry:?} imported but not watched"
                            ),
                        }
                    }
                }
                exercise(&rules, list);
            } else {
                exercise(&rules, &text);
                if let Ok(list) = std::str::from_utf8(list) {
                    exercise(&rules, list);
                }
            }
        }
    }
});
