//! The shipped rules against the real names of the shared corpus: every destination name tshark
//! found (DNS queries, TLS/QUIC SNI, HTTP Host) goes through the matchers of `rules/default.toml`,
//! and the names that match are exactly the ones listed here, for the reason given.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use telltale_firmware::rules::Rules;

fn corpus_oracle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/oracle")
}

/// Every name in the oracle's DNS, SNI and HTTP Host tables.
fn corpus_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let dir = fs::read_dir(corpus_oracle())
        .expect("shared corpus beside the repository (../shared/corpus/oracle)");
    for entry in dir {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let column = if file.ends_with(".dns.tsv") || file.ends_with(".http_host.tsv") {
            Some(1)
        } else if file.ends_with(".sni.tsv") {
            None // the last column
        } else {
            continue;
        };
        for line in fs::read_to_string(&path).unwrap().lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            let field = match column {
                Some(i) => fields.get(i).copied(),
                None => fields.last().copied(),
            };
            for name in field.unwrap_or("").split(',') {
                let name = name.trim();
                if !name.is_empty() {
                    names.insert(name.to_string());
                }
            }
        }
    }
    names
}

#[test]
fn shipped_rules_on_the_corpus_names() {
    let rules =
        Rules::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/default.toml")).unwrap();
    let names = corpus_names();
    assert!(names.len() > 300, "{} names", names.len());
    let watched: Vec<(&str, &str)> = names
        .iter()
        .filter_map(|n| {
            rules
                .watch_domain(n)
                .map(|hit| (n.as_str(), hit.list.as_str()))
        })
        .collect();
    let doh: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| rules.is_doh_resolver_name(n))
        .collect();
    println!(
        "{} corpus names; watched: {watched:?}; DoH resolver names: {doh:?}",
        names.len()
    );
    // The corpus's phones talk to Apple and Google services, but none of the vendor telemetry
    // endpoints of the pack appear in it: no false positives on ordinary services
    // (gateway.icloud.com, xp.apple.com, ... are not watched).
    assert_eq!(watched, []);
    // One capture resolves Google's DoH resolver by name: the DNS-bypass signal would see it.
    assert_eq!(doh, ["dns.google"]);
    for ordinary in ["gateway.icloud.com", "xp.apple.com", "www.icloud.com"] {
        assert!(names.contains(ordinary), "{ordinary} is in the corpus");
        assert!(rules.watch_domain(ordinary).is_none());
    }
}
