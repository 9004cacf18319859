//! The rules document: walks the top-level keys and tables of a rules file (and the lists it
//! imports) and gathers everything into a [`Builder`] that `Rules` is then built from.

use std::net::IpAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::de::DeTable;

use super::error::RulesError;
use super::format::{entries, join, Reader, Value};
use super::import::{self, ImportFormat};
use super::quiet::{self, QuietHours};
use super::thresholds::{self, Thresholds};
use super::values::{self, Category, Cidr};
use super::watchlist::WatchHit;
use super::ImportReport;

/// Everything read from a rules file, before the matchers are built.
#[derive(Debug)]
pub(crate) struct Builder {
    pub learning_period: Duration,
    pub hold_back: Duration,
    pub thresholds: Thresholds,
    pub quiet_hours: Option<QuietHours>,
    pub hits: Vec<WatchHit>,
    pub watch_domains: Vec<(Box<str>, u32)>,
    pub watch_cidrs: Vec<(Cidr, u32)>,
    pub watch_asns: Vec<(u32, u32)>,
    pub watch_countries: Vec<([u8; 2], u32)>,
    pub allow_domains: Vec<(Box<str>, ())>,
    pub allow_cidrs: Vec<(Cidr, ())>,
    pub allow_devices: Vec<([u8; 6], ())>,
    /// `None` until a `[dns]` table sets them; then the built-in list is not used.
    pub doh_names: Option<Vec<(Box<str>, ())>>,
    pub doh_addresses: Option<Vec<(Cidr, ())>>,
    pub lan_resolvers: Vec<(Cidr, ())>,
    pub lists: Vec<String>,
    pub imports: Vec<ImportReport>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            learning_period: Duration::from_secs(7 * 86_400),
            hold_back: Duration::from_secs(4 * 3600),
            thresholds: Thresholds::default(),
            quiet_hours: None,
            hits: Vec::new(),
            watch_domains: Vec::new(),
            watch_cidrs: Vec::new(),
            watch_asns: Vec::new(),
            watch_countries: Vec::new(),
            allow_domains: Vec::new(),
            allow_cidrs: Vec::new(),
            allow_devices: Vec::new(),
            doh_names: None,
            doh_addresses: None,
            lan_resolvers: Vec::new(),
            lists: Vec::new(),
            imports: Vec::new(),
        }
    }
}

const TOP_KEYS: &[&str] = &[
    "learning_period",
    "hold_back",
    "thresholds",
    "quiet_hours",
    "watchlists",
    "watch",
    "allow",
    "dns",
    "import",
];
const LIST_KEYS: &[&str] = &[
    "category",
    "source",
    "domains",
    "cidrs",
    "asns",
    "countries",
];
const WATCH_KEYS: &[&str] = &[
    "domain", "cidr", "asn", "country", "category", "source", "list",
];
const ALLOW_KEYS: &[&str] = &["domains", "cidrs", "devices"];
const DNS_KEYS: &[&str] = &["lan_resolvers", "doh_resolvers"];
const IMPORT_KEYS: &[&str] = &["path", "format", "category", "source", "list"];
const SOURCE_HINT: &str =
    " (say where the entries come from: a report, a paper or a list's address)";

/// Reads a parsed rules document; `base` is the folder imports are relative to.
pub(crate) fn read(
    reader: &Reader<'_>,
    root: &DeTable<'_>,
    base: &Path,
) -> Result<Builder, RulesError> {
    let mut b = Builder::default();
    for (key, value) in entries(root) {
        let name: &str = key.get_ref();
        match name {
            "learning_period" => b.learning_period = reader.duration(value, name)?,
            "hold_back" => b.hold_back = reader.duration(value, name)?,
            "thresholds" => {
                thresholds::read(reader, reader.table(value, name)?, &mut b.thresholds)?
            }
            "quiet_hours" => {
                b.quiet_hours = Some(quiet::read(
                    reader,
                    reader.table(value, name)?,
                    value.span(),
                )?)
            }
            "watchlists" => {
                for (list_key, list) in entries(reader.table(value, name)?) {
                    read_watchlist(reader, list_key.get_ref(), list, &mut b)?;
                }
            }
            "watch" => {
                for (i, entry) in reader.array(value, name)?.iter().enumerate() {
                    read_watch_entry(reader, &format!("watch[{i}]"), entry, &mut b)?;
                }
            }
            "allow" => read_allow(reader, value, &mut b)?,
            "dns" => read_dns(reader, value, &mut b)?,
            "import" => {
                for (i, spec) in reader.array(value, name)?.iter().enumerate() {
                    read_import(reader, &format!("import[{i}]"), spec, base, &mut b)?;
                }
            }
            _ => return Err(reader.unknown_key(key, "", TOP_KEYS)),
        }
    }
    Ok(b)
}

/// A list name must be a plain word, so alerts can quote it.
fn list_name(
    reader: &Reader<'_>,
    span: Range<usize>,
    path: &str,
    name: &str,
) -> Result<String, RulesError> {
    let plain = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        Ok(name.to_string())
    } else {
        Err(reader.error(
            span,
            path,
            format!("{name:?} is not a list name (use letters, digits, '-' and '_')"),
        ))
    }
}

impl Builder {
    fn add_hit(&mut self, list: String, category: Category, source: String) -> u32 {
        if !self.lists.contains(&list) {
            self.lists.push(list.clone());
        }
        self.hits.push(WatchHit {
            list,
            category,
            source,
        });
        (self.hits.len() - 1) as u32
    }
}

/// `[watchlists.NAME]`: a named list with one category and source.
fn read_watchlist(
    reader: &Reader<'_>,
    name: &str,
    value: &Value<'_>,
    b: &mut Builder,
) -> Result<(), RulesError> {
    let path = join("watchlists", name);
    let list = list_name(reader, value.span(), &path, name)?;
    let table = reader.table(value, &path)?;
    let mut category = None;
    let mut source = None;
    let mut domains = Vec::new();
    let mut cidrs = Vec::new();
    let mut asns = Vec::new();
    let mut countries = Vec::new();
    for (key, item) in entries(table) {
        let key_path = join(&path, key.get_ref());
        match key.get_ref().as_ref() {
            "category" => category = Some(reader.parsed(item, &key_path, values::category)?),
            "source" => source = Some(non_empty(reader, item, &key_path)?),
            "domains" => domains = reader.string_list(item, &key_path, values::domain)?,
            "cidrs" => cidrs = reader.string_list(item, &key_path, values::cidr)?,
            "asns" => {
                for (i, asn) in reader.array(item, &key_path)?.iter().enumerate() {
                    asns.push(read_asn(reader, asn, &format!("{key_path}[{i}]"))?);
                }
            }
            "countries" => countries = reader.string_list(item, &key_path, values::country)?,
            _ => return Err(reader.unknown_key(key, &path, LIST_KEYS)),
        }
    }
    let category = category.ok_or_else(|| reader.missing(value.span(), &path, "category", ""))?;
    let source =
        source.ok_or_else(|| reader.missing(value.span(), &path, "source", SOURCE_HINT))?;
    let hit = b.add_hit(list, category, source);
    b.watch_domains
        .extend(domains.into_iter().map(|d| (d.into_boxed_str(), hit)));
    b.watch_cidrs.extend(cidrs.into_iter().map(|c| (c, hit)));
    b.watch_asns.extend(asns.into_iter().map(|a| (a, hit)));
    b.watch_countries
        .extend(countries.into_iter().map(|c| (c, hit)));
    Ok(())
}

fn non_empty(reader: &Reader<'_>, value: &Value<'_>, path: &str) -> Result<String, RulesError> {
    let text = reader.string(value, path)?.trim();
    if text.is_empty() {
        return Err(reader.error(value.span(), path, "is empty"));
    }
    Ok(text.to_string())
}

/// An AS number: an integer, or a string like `"AS13335"`.
fn read_asn(reader: &Reader<'_>, value: &Value<'_>, path: &str) -> Result<u32, RulesError> {
    if value.get_ref().as_integer().is_some() {
        let n = reader.integer(value, path)?;
        values::asn_number(n).map_err(|why| reader.error(value.span(), path, why))
    } else {
        reader.parsed(value, path, values::asn_text)
    }
}

/// What one `[[watch]]` entry watches.
enum Target {
    Domain(String),
    Cidr(Cidr),
    Asn(u32),
    Country([u8; 2]),
}

/// `[[watch]]`: one destination with its own category and source.
fn read_watch_entry(
    reader: &Reader<'_>,
    path: &str,
    value: &Value<'_>,
    b: &mut Builder,
) -> Result<(), RulesError> {
    let table = reader.table(value, path)?;
    let mut target = None;
    let mut category = None;
    let mut source = None;
    let mut list = String::from("watch");
    for (key, item) in entries(table) {
        let key_path = join(path, key.get_ref());
        let new_target = match key.get_ref().as_ref() {
            "domain" => Target::Domain(reader.parsed(item, &key_path, values::domain)?),
            "cidr" => Target::Cidr(reader.parsed(item, &key_path, values::cidr)?),
            "asn" => Target::Asn(read_asn(reader, item, &key_path)?),
            "country" => Target::Country(reader.parsed(item, &key_path, values::country)?),
            "category" => {
                category = Some(reader.parsed(item, &key_path, values::category)?);
                continue;
            }
            "source" => {
                source = Some(non_empty(reader, item, &key_path)?);
                continue;
            }
            "list" => {
                list = list_name(
                    reader,
                    item.span(),
                    &key_path,
                    reader.string(item, &key_path)?,
                )?;
                continue;
            }
            _ => return Err(reader.unknown_key(key, path, WATCH_KEYS)),
        };
        if target.replace(new_target).is_some() {
            return Err(reader.error(
                key.span(),
                path,
                "has more than one of domain, cidr, asn, country",
            ));
        }
    }
    let target = target
        .ok_or_else(|| reader.missing(value.span(), path, "domain, cidr, asn or country", ""))?;
    let category = category.ok_or_else(|| reader.missing(value.span(), path, "category", ""))?;
    let source = source.ok_or_else(|| reader.missing(value.span(), path, "source", SOURCE_HINT))?;
    let hit = b.add_hit(list, category, source);
    match target {
        Target::Domain(d) => b.watch_domains.push((d.into_boxed_str(), hit)),
        Target::Cidr(c) => b.watch_cidrs.push((c, hit)),
        Target::Asn(a) => b.watch_asns.push((a, hit)),
        Target::Country(c) => b.watch_countries.push((c, hit)),
    }
    Ok(())
}

/// `[allow]`: destinations and devices that never alert.
fn read_allow(reader: &Reader<'_>, value: &Value<'_>, b: &mut Builder) -> Result<(), RulesError> {
    for (key, item) in entries(reader.table(value, "allow")?) {
        let key_path = join("allow", key.get_ref());
        match key.get_ref().as_ref() {
            "domains" => {
                let domains = reader.string_list(item, &key_path, values::domain)?;
                b.allow_domains
                    .extend(domains.into_iter().map(|d| (d.into_boxed_str(), ())));
            }
            "cidrs" => b.allow_cidrs.extend(
                reader
                    .string_list(item, &key_path, values::cidr)?
                    .into_iter()
                    .map(|c| (c, ())),
            ),
            "devices" => b.allow_devices.extend(
                reader
                    .string_list(item, &key_path, values::mac)?
                    .into_iter()
                    .map(|m| (m, ())),
            ),
            _ => return Err(reader.unknown_key(key, "allow", ALLOW_KEYS)),
        }
    }
    Ok(())
}

/// A DoH resolver: a domain name or an address.
enum Resolver {
    Name(String),
    Address(Cidr),
}

/// `[dns]`: the LAN's resolvers and the known DoH resolvers.
fn read_dns(reader: &Reader<'_>, value: &Value<'_>, b: &mut Builder) -> Result<(), RulesError> {
    for (key, item) in entries(reader.table(value, "dns")?) {
        let key_path = join("dns", key.get_ref());
        match key.get_ref().as_ref() {
            "lan_resolvers" => {
                let cidrs = reader.string_list(item, &key_path, values::cidr)?;
                b.lan_resolvers.extend(cidrs.into_iter().map(|c| (c, ())));
            }
            "doh_resolvers" => {
                let resolvers =
                    reader.string_list(item, &key_path, |text| match text.parse::<IpAddr>() {
                        Ok(_) => values::cidr(text).map(Resolver::Address),
                        Err(_) => values::domain(text).map(Resolver::Name),
                    })?;
                // Writing the list replaces the built-in one, even when it is empty.
                let names = b.doh_names.get_or_insert_with(Vec::new);
                let addresses = b.doh_addresses.get_or_insert_with(Vec::new);
                for resolver in resolvers {
                    match resolver {
                        Resolver::Name(n) => names.push((n.into_boxed_str(), ())),
                        Resolver::Address(a) => addresses.push((a, ())),
                    }
                }
            }
            _ => return Err(reader.unknown_key(key, "dns", DNS_KEYS)),
        }
    }
    Ok(())
}

/// The largest list file an import reads (the biggest public blocklists are a few MiB). A path
/// to something endless (`/dev/zero`, a FIFO) fails at this size instead of filling memory.
pub const MAX_IMPORT_BYTES: u64 = 32 * 1024 * 1024;

/// Reads `path` as UTF-8 text, refusing more than `max` bytes.
fn read_bounded(path: &Path, max: u64) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {} MiB", max / (1024 * 1024)),
        ));
    }
    Ok(text)
}

/// One `import` entry: reads and parses the list file right away.
fn read_import(
    reader: &Reader<'_>,
    path: &str,
    value: &Value<'_>,
    base: &Path,
    b: &mut Builder,
) -> Result<(), RulesError> {
    let table = reader.table(value, path)?;
    let mut file = None;
    let mut format = None;
    let mut category = None;
    let mut source = None;
    let mut list = None;
    for (key, item) in entries(table) {
        let key_path = join(path, key.get_ref());
        match key.get_ref().as_ref() {
            "path" => file = Some((non_empty(reader, item, &key_path)?, item.span())),
            "format" => format = Some(reader.parsed(item, &key_path, ImportFormat::parse)?),
            "category" => category = Some(reader.parsed(item, &key_path, values::category)?),
            "source" => source = Some(non_empty(reader, item, &key_path)?),
            "list" => {
                list = Some(list_name(
                    reader,
                    item.span(),
                    &key_path,
                    reader.string(item, &key_path)?,
                )?)
            }
            _ => return Err(reader.unknown_key(key, path, IMPORT_KEYS)),
        }
    }
    let span = value.span();
    let (relative, path_span) =
        file.ok_or_else(|| reader.missing(span.clone(), path, "path", ""))?;
    let format = format.ok_or_else(|| {
        reader.missing(
            span.clone(),
            path,
            "format",
            " (\"hosts\", \"adblock\" or \"domains\")",
        )
    })?;
    let category = category.ok_or_else(|| reader.missing(span.clone(), path, "category", ""))?;
    let source = source.ok_or_else(|| reader.missing(span, path, "source", SOURCE_HINT))?;
    let resolved: PathBuf = base.join(&relative);
    let text = read_bounded(&resolved, MAX_IMPORT_BYTES).map_err(|e| {
        reader.error(
            path_span,
            &join(path, "path"),
            format!("cannot read {relative:?} ({}): {e}", resolved.display()),
        )
    })?;
    let parsed = import::parse_list(&text, format, &resolved)?;
    let list = match list {
        Some(list) => list,
        None => default_list_name(&relative),
    };
    let hit = b.add_hit(list.clone(), category, source);
    b.watch_domains.extend(
        parsed
            .domains
            .into_iter()
            .map(|d| (d.into_boxed_str(), hit)),
    );
    b.watch_cidrs.extend(parsed.addresses.iter().map(|&a| {
        (
            Cidr {
                network: a,
                prefix: if a.is_ipv4() { 32 } else { 128 },
            },
            hit,
        )
    }));
    b.imports.push(ImportReport {
        path: resolved,
        format,
        list,
        counts: parsed.counts,
    });
    Ok(())
}

/// The list name of an import without `list`: the file name without its extension.
fn default_list_name(relative: &str) -> String {
    let stem = Path::new(relative)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("import");
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "import".to_string()
    } else {
        cleaned
    }
}
