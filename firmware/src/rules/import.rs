//! Importers for third-party lists: hosts files, AdBlock-style filter lists and plain domain
//! lists. Each import reports what it took and what it skipped; a malformed line rejects the
//! whole rules file with the list's own file and line.

use std::fmt;
use std::net::IpAddr;
use std::path::Path;

use super::error::RulesError;
use super::values;

/// The syntax of an imported list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// `0.0.0.0 name [name...]` lines, `#` comments.
    Hosts,
    /// AdBlock Plus / uBlock filters: `||domain^` rules are taken, the rest is counted and skipped.
    Adblock,
    /// One domain per line, `#` comments.
    Domains,
}

impl ImportFormat {
    /// Parses the `format` key of an import.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "hosts" => Ok(ImportFormat::Hosts),
            "adblock" => Ok(ImportFormat::Adblock),
            "domains" => Ok(ImportFormat::Domains),
            _ => Err(format!(
                "{text:?} is not an import format (use \"hosts\", \"adblock\" or \"domains\")"
            )),
        }
    }

    /// The name used in the rules file.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportFormat::Hosts => "hosts",
            ImportFormat::Adblock => "adblock",
            ImportFormat::Domains => "domains",
        }
    }
}

impl fmt::Display for ImportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one import brought in and what it left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Domain entries taken.
    pub domains: usize,
    /// IP address entries taken (an address where a name was expected, e.g. `||192.0.2.1^`).
    pub addresses: usize,
    /// Hosts entries for localhost and friends, ignored.
    pub localhost: usize,
    /// AdBlock exception rules (`@@...`), skipped.
    pub exceptions: usize,
    /// AdBlock cosmetic rules (`##`, `#@#`, `#?#`, ...), skipped.
    pub cosmetic: usize,
    /// AdBlock rules that are not plain domain rules (URL patterns, wildcards, `badfilter`), skipped.
    pub unsupported: usize,
}

/// The entries of one parsed list.
#[derive(Debug, Clone, Default)]
pub struct ParsedList {
    /// Normalised domain names (lower case, no trailing dot).
    pub domains: Vec<String>,
    /// Addresses found where names were expected.
    pub addresses: Vec<IpAddr>,
    /// What was taken and skipped.
    pub counts: ImportCounts,
}

impl ParsedList {
    fn take(&mut self, name: &str, file: &Path, line: usize) -> Result<(), RulesError> {
        if let Ok(address) = name.parse::<IpAddr>() {
            self.addresses.push(address);
            self.counts.addresses += 1;
            return Ok(());
        }
        let domain = values::domain(name).map_err(|why| RulesError::at_line(file, line, why))?;
        self.domains.push(domain);
        self.counts.domains += 1;
        Ok(())
    }
}

/// Names a hosts file maps to loopback for the machine itself; never watched.
pub const LOCALHOST_NAMES: &[&str] = &[
    "localhost",
    "localhost.localdomain",
    "local",
    "broadcasthost",
    "ip6-localhost",
    "ip6-loopback",
    "ip6-localnet",
    "ip6-mcastprefix",
    "ip6-allnodes",
    "ip6-allrouters",
    "ip6-allhosts",
    "0.0.0.0",
];

/// Parses `text`, the contents of `file`, in `format`.
pub fn parse_list(text: &str, format: ImportFormat, file: &Path) -> Result<ParsedList, RulesError> {
    let mut list = ParsedList::default();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        match format {
            ImportFormat::Hosts => hosts_line(raw, file, line, &mut list)?,
            ImportFormat::Adblock => adblock_line(raw, file, line, &mut list)?,
            ImportFormat::Domains => {
                let entry = raw.split('#').next().unwrap_or("").trim();
                if !entry.is_empty() {
                    list.take(entry, file, line)?;
                }
            }
        }
    }
    Ok(list)
}

fn hosts_line(
    raw: &str,
    file: &Path,
    line: usize,
    list: &mut ParsedList,
) -> Result<(), RulesError> {
    let content = raw.split('#').next().unwrap_or("");
    let mut words = content.split_whitespace();
    let Some(address) = words.next() else {
        return Ok(());
    };
    if address.parse::<IpAddr>().is_err() {
        return Err(RulesError::at_line(
            file,
            line,
            format!("{address:?} is not an IP address (a hosts line is: ADDRESS NAME...)"),
        ));
    }
    let mut names = words.peekable();
    if names.peek().is_none() {
        return Err(RulesError::at_line(
            file,
            line,
            format!("no name after {address}"),
        ));
    }
    for name in names {
        if LOCALHOST_NAMES.iter().any(|l| l.eq_ignore_ascii_case(name)) {
            list.counts.localhost += 1;
        } else {
            list.take(name, file, line)?;
        }
    }
    Ok(())
}

/// The markers of element-hiding (cosmetic) and scriptlet rules.
const COSMETIC_MARKERS: &[&str] = &["##", "#@#", "#?#", "#@?#", "#$#", "#@$#", "#%#", "#@%#"];

fn adblock_line(
    raw: &str,
    file: &Path,
    line: usize,
    list: &mut ParsedList,
) -> Result<(), RulesError> {
    let rule = raw.trim();
    if rule.is_empty() || rule.starts_with('!') || (rule.starts_with('[') && rule.ends_with(']')) {
        return Ok(()); // comment or "[Adblock Plus 2.0]" header
    }
    if COSMETIC_MARKERS.iter().any(|m| rule.contains(m)) {
        list.counts.cosmetic += 1;
        return Ok(());
    }
    if rule.starts_with('#') {
        return Ok(()); // a hosts-style comment some lists carry
    }
    if rule.starts_with("@@") {
        list.counts.exceptions += 1;
        return Ok(());
    }
    let Some(body) = rule.strip_prefix("||") else {
        list.counts.unsupported += 1;
        return Ok(());
    };
    let (pattern, options) = match body.split_once('$') {
        Some((pattern, options)) => (pattern, Some(options)),
        None => (body, None),
    };
    if options.is_some_and(|o| o.split(',').any(|option| option.trim() == "badfilter")) {
        list.counts.unsupported += 1;
        return Ok(());
    }
    // The domain runs to the separator '^' (optionally followed by the end anchor '|').
    let domain = match pattern
        .strip_suffix("^|")
        .or_else(|| pattern.strip_suffix('^'))
    {
        Some(domain) => domain,
        None if options.is_some() && !pattern.contains(['/', '*', '^', '|', ':', '?', '=']) => {
            pattern
        }
        None => {
            list.counts.unsupported += 1;
            return Ok(());
        }
    };
    if domain.contains(['/', '*', '^', '|', ':', '?', '=']) {
        list.counts.unsupported += 1;
        return Ok(());
    }
    list.take(domain, file, line).map_err(|e| RulesError {
        message: format!("in rule {rule:?}: {}", e.message),
        ..e
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "lists/x.txt";

    fn parse(text: &str, format: ImportFormat) -> Result<ParsedList, String> {
        parse_list(text, format, Path::new(FILE)).map_err(|e| e.to_string())
    }

    #[test]
    fn hosts_file() {
        let text = "\
# a comment line
127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
0.0.0.0 0.0.0.0
0.0.0.0 tracking.miui.com   # inline comment
127.0.0.1\tdata.mistat.xiaomi.com sdkconfig.ad.xiaomi.com

0.0.0.0 API.AD.Xiaomi.com.
";
        let list = parse(text, ImportFormat::Hosts).unwrap();
        assert_eq!(
            list.domains,
            [
                "tracking.miui.com",
                "data.mistat.xiaomi.com",
                "sdkconfig.ad.xiaomi.com",
                "api.ad.xiaomi.com"
            ]
        );
        assert_eq!(
            list.counts,
            ImportCounts {
                domains: 4,
                localhost: 5,
                ..ImportCounts::default()
            }
        );
    }

    #[test]
    fn hosts_file_errors_name_the_list_line() {
        assert_eq!(
            parse("0.0.0.0 a.com\nblock b.com\n", ImportFormat::Hosts).unwrap_err(),
            "lists/x.txt:2: \"block\" is not an IP address (a hosts line is: ADDRESS NAME...)"
        );
        assert_eq!(
            parse("\n\n0.0.0.0\n", ImportFormat::Hosts).unwrap_err(),
            "lists/x.txt:3: no name after 0.0.0.0"
        );
        assert_eq!(
            parse("0.0.0.0 bad_name!.com\n", ImportFormat::Hosts).unwrap_err(),
            "lists/x.txt:1: \"bad_name!.com\" is not a domain name: it has a character other than a-z, 0-9, '-', '_' and '.'"
        );
    }

    #[test]
    fn adblock_list() {
        let text = "\
[Adblock Plus 2.0]
! Title: test
||tracking.miui.com^
||api.ad.xiaomi.com^$third-party
||sdkconfig.ad.xiaomi.com^|
||ads.example.org$important
@@||allowed.example.com^
example.com##.banner
example.com#@#.ad
##.sponsored
/banner/*/ads.
||example.net/ads/*
||*.wild.example^
||bad.example.com^$badfilter
||192.0.2.7^
";
        let list = parse(text, ImportFormat::Adblock).unwrap();
        assert_eq!(
            list.domains,
            [
                "tracking.miui.com",
                "api.ad.xiaomi.com",
                "sdkconfig.ad.xiaomi.com",
                "ads.example.org"
            ]
        );
        assert_eq!(list.addresses, ["192.0.2.7".parse::<IpAddr>().unwrap()]);
        assert_eq!(
            list.counts,
            ImportCounts {
                domains: 4,
                addresses: 1,
                exceptions: 1,
                cosmetic: 3,
                unsupported: 4,
                localhost: 0
            }
        );
    }

    #[test]
    fn adblock_malformed_domain_names_the_rule() {
        assert_eq!(
            parse("! ok\n||exa mple.com^\n", ImportFormat::Adblock).unwrap_err(),
            "lists/x.txt:2: in rule \"||exa mple.com^\": \"exa mple.com\" is not a domain name: it has a character other than a-z, 0-9, '-', '_' and '.'"
        );
    }

    #[test]
    fn plain_domain_list() {
        let text = "# Xiaomi\ntracking.miui.com\n  *.mistat.xiaomi.com  # suffix\n\n2001:db8::1\n";
        let list = parse(text, ImportFormat::Domains).unwrap();
        assert_eq!(list.domains, ["tracking.miui.com", "mistat.xiaomi.com"]);
        assert_eq!(list.counts.addresses, 1);
        assert_eq!(
            parse("ok.com\nnot a domain\n", ImportFormat::Domains).unwrap_err(),
            "lists/x.txt:2: \"not a domain\" is not a domain name: it has a character other than a-z, 0-9, '-', '_' and '.'"
        );
    }

    #[test]
    fn formats() {
        assert_eq!(ImportFormat::parse("adblock"), Ok(ImportFormat::Adblock));
        assert_eq!(
            ImportFormat::parse("ublock"),
            Err(
                "\"ublock\" is not an import format (use \"hosts\", \"adblock\" or \"domains\")"
                    .into()
            )
        );
    }
}
