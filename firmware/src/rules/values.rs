//! The scalar values of the rules file: sizes, durations, times of day, severities, categories,
//! domain names, CIDRs, ASNs, ISO countries and MAC addresses.
//!
//! Each parser takes the text as written and returns the value or a reason (`Err(String)`) that
//! the caller prefixes with the file, line and key. Nothing here knows about TOML.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

pub use crate::detect::thresholds::Severity;

/// Parses `red` or `amber`.
pub fn severity(text: &str) -> Result<Severity, String> {
    match text {
        "red" => Ok(Severity::Red),
        "amber" => Ok(Severity::Amber),
        _ => Err(format!(
            "{text:?} is not a severity (use \"red\" or \"amber\")"
        )),
    }
}

/// What kind of destination a watchlist names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Device or OS telemetry, usage statistics, crash and log upload.
    Telemetry,
    /// Advertising.
    Ads,
    /// Cross-site or cross-app tracking.
    Tracking,
    /// App analytics SDKs.
    Analytics,
    /// A vendor's own services in general (cloud, push, accounts).
    Vendor,
    /// Known malicious destinations.
    Malware,
    /// Anything else the user wants to watch.
    Custom,
}

/// Every category name, in the order the documentation lists them.
pub const CATEGORY_NAMES: &str = "telemetry, ads, tracking, analytics, vendor, malware, custom";

impl Category {
    /// The name used in the rules file and in alerts.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Telemetry => "telemetry",
            Category::Ads => "ads",
            Category::Tracking => "tracking",
            Category::Analytics => "analytics",
            Category::Vendor => "vendor",
            Category::Malware => "malware",
            Category::Custom => "custom",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses a category name.
pub fn category(text: &str) -> Result<Category, String> {
    Ok(match text {
        "telemetry" => Category::Telemetry,
        "ads" => Category::Ads,
        "tracking" => Category::Tracking,
        "analytics" => Category::Analytics,
        "vendor" => Category::Vendor,
        "malware" => Category::Malware,
        "custom" => Category::Custom,
        _ => {
            return Err(format!(
                "{text:?} is not a category (use one of: {CATEGORY_NAMES})"
            ))
        }
    })
}

/// Splits `"15m"` into `(15, "m")`: leading ASCII digits with an optional fraction, then the unit.
fn number_and_unit(text: &str) -> Option<(u128, u32, &str)> {
    let int_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    if int_end == 0 || int_end > 18 {
        return None;
    }
    let whole: u128 = text[..int_end].parse().ok()?;
    let rest = &text[int_end..];
    let Some(after_point) = rest.strip_prefix('.') else {
        return Some((whole, 0, rest));
    };
    let frac_end = after_point
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(after_point.len());
    if frac_end == 0 || frac_end > 6 {
        return None;
    }
    let fraction: u128 = after_point[..frac_end].parse().ok()?;
    let digits = frac_end as u32;
    Some((
        whole * 10u128.pow(digits) + fraction,
        digits,
        &after_point[frac_end..],
    ))
}

/// Parses a byte count written as `500kB`, `1MB`, `1.5MB`, `100MB`, `2GB`, `64KiB` or `4096B`.
/// Decimal units are powers of 1000, binary ones (`KiB`, `MiB`, `GiB`) powers of 1024.
pub fn size(text: &str) -> Result<u64, String> {
    let not_a_size = || format!("{text:?} is not a size (use e.g. 5MB or 5000000)");
    let (mantissa, decimals, unit) = number_and_unit(text).ok_or_else(not_a_size)?;
    let multiplier: u128 = match unit {
        "" | "B" => 1,
        "kB" | "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return Err(not_a_size()),
    };
    let bytes = mantissa * multiplier / 10u128.pow(decimals);
    u64::try_from(bytes).map_err(|_| not_a_size())
}

/// Parses a duration written as `30s`, `15m`, `4h`, `7d` or `2w` (or `1.5h`).
pub fn duration(text: &str) -> Result<Duration, String> {
    let not_a_duration = || format!("{text:?} is not a duration (use e.g. 15m, 4h or 7d)");
    let (mantissa, decimals, unit) = number_and_unit(text).ok_or_else(not_a_duration)?;
    let seconds: u128 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(not_a_duration()),
    };
    let millis = mantissa * seconds * 1000 / 10u128.pow(decimals);
    let millis = u64::try_from(millis).map_err(|_| not_a_duration())?;
    Ok(Duration::from_millis(millis))
}

/// Parses a local time of day `HH:MM` (24-hour clock) into minutes after midnight.
pub fn time_of_day(text: &str) -> Result<u16, String> {
    let bad = || format!("{text:?} is not a time of day (use HH:MM, e.g. 00:30 or 23:00)");
    let (hours, minutes) = text.split_once(':').ok_or_else(bad)?;
    if hours.len() != 2 || minutes.len() != 2 {
        return Err(bad());
    }
    let hours: u16 = hours.parse().map_err(|_| bad())?;
    let minutes: u16 = minutes.parse().map_err(|_| bad())?;
    if hours > 23 || minutes > 59 {
        return Err(bad());
    }
    Ok(hours * 60 + minutes)
}

/// Parses a UTC offset `+01:00`, `-05:30` or `UTC` into seconds east of UTC.
pub fn utc_offset(text: &str) -> Result<i32, String> {
    let bad = || {
        format!("{text:?} is not a timezone (use \"local\", \"UTC\" or an offset like \"+01:00\")")
    };
    if text == "UTC" || text == "Z" {
        return Ok(0);
    }
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let minutes = time_of_day(rest).map_err(|_| bad())?;
    if minutes > 14 * 60 {
        return Err(bad());
    }
    Ok(sign * i32::from(minutes) * 60)
}

/// Checks and normalises a domain name: ASCII, lower case, no trailing dot, a leading `*.` or
/// `.` dropped (every entry matches its subdomains anyway), labels of 1 to 63 characters from
/// `a-z 0-9 - _`, at most 253 characters in all.
pub fn domain(text: &str) -> Result<String, String> {
    let name = text
        .strip_prefix("*.")
        .or_else(|| text.strip_prefix('.'))
        .unwrap_or(text);
    let name = name.strip_suffix('.').unwrap_or(name);
    let why = if name.is_empty() {
        "is empty"
    } else if !name.is_ascii() {
        "is not ASCII (write internationalised names in punycode, xn--...)"
    } else if name.len() > 253 {
        "is longer than 253 characters"
    } else if name.split('.').any(str::is_empty) {
        "has an empty label"
    } else if name.split('.').any(|label| label.len() > 63) {
        "has a label longer than 63 characters"
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        "has a character other than a-z, 0-9, '-', '_' and '.'"
    } else {
        return Ok(name.to_ascii_lowercase());
    };
    Err(format!("{text:?} is not a domain name: it {why}"))
}

/// An address block: an IPv4 or IPv6 network and its prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    /// The network address (host bits are zero).
    pub network: IpAddr,
    /// The prefix length: 0..=32 for IPv4, 0..=128 for IPv6.
    pub prefix: u8,
}

/// Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a /32 or /128). Host bits must be 0.
pub fn cidr(text: &str) -> Result<Cidr, String> {
    let bad =
        || format!("{text:?} is not a CIDR (use e.g. 203.0.113.0/24, 2001:db8::/32 or 192.0.2.1)");
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (text, None),
    };
    let network: IpAddr = address.parse().map_err(|_| bad())?;
    let max = if network.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
            p.parse::<u8>().map_err(|_| bad())?
        }
        Some(_) => return Err(bad()),
    };
    if prefix > max {
        return Err(format!(
            "{text:?} is not a CIDR: the prefix length is more than {max}"
        ));
    }
    let masked = mask(network, prefix);
    if masked != network {
        return Err(format!(
            "{text:?} has host bits set (did you mean {masked}/{prefix}?)"
        ));
    }
    Ok(Cidr { network, prefix })
}

/// The address with everything after the first `prefix` bits cleared.
pub fn mask(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(a) => IpAddr::V4(mask_v4(u32::from(a), prefix).into()),
        IpAddr::V6(a) => IpAddr::V6(mask_v6(u128::from(a), prefix).into()),
    }
}

/// `address` with all but its first `prefix` bits cleared (prefix 0..=32).
pub fn mask_v4(address: u32, prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        address & (u32::MAX << (32 - u32::from(prefix.min(32))))
    }
}

/// `address` with all but its first `prefix` bits cleared (prefix 0..=128).
pub fn mask_v6(address: u128, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        address & (u128::MAX << (128 - u32::from(prefix.min(128))))
    }
}

/// Parses an AS number written as `AS13335` / `as13335` (integers are handled by the caller).
pub fn asn_text(text: &str) -> Result<u32, String> {
    let bad = || format!("{text:?} is not an AS number (use e.g. 13335 or \"AS13335\")");
    let digits = text
        .strip_prefix("AS")
        .or_else(|| text.strip_prefix("as"))
        .ok_or_else(bad)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    asn_number(digits.parse::<i128>().map_err(|_| bad())?)
}

/// Checks an AS number: 1..=4294967295 (AS 0 is reserved, RFC 7607).
pub fn asn_number(value: i128) -> Result<u32, String> {
    match u32::try_from(value) {
        Ok(0) | Err(_) => Err(format!("{value} is not an AS number (1 to 4294967295)")),
        Ok(asn) => Ok(asn),
    }
}

/// ISO 3166-1 alpha-2 codes officially assigned, plus `XK` (Kosovo, user-assigned but used by
/// every geolocation database). Sorted, so a binary search finds a code.
const ISO_COUNTRIES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "XK", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Parses a two-letter ISO 3166-1 country code, either case, into upper-case bytes.
pub fn country(text: &str) -> Result<[u8; 2], String> {
    let upper = text.to_ascii_uppercase();
    match upper.as_bytes() {
        [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            if ISO_COUNTRIES.binary_search(&upper.as_str()).is_ok() {
                Ok([*a, *b])
            } else {
                Err(format!(
                    "{text:?} is not an assigned ISO 3166-1 country code"
                ))
            }
        }
        _ => Err(format!(
            "{text:?} is not a country (use two ISO 3166-1 letters, e.g. \"CN\")"
        )),
    }
}

/// Parses a MAC address `aa:bb:cc:dd:ee:ff` (or with `-` between the bytes).
pub fn mac(text: &str) -> Result<[u8; 6], String> {
    let bad = || format!("{text:?} is not a MAC address (use e.g. \"aa:bb:cc:dd:ee:ff\")");
    let separator = if text.contains('-') { '-' } else { ':' };
    let mut out = [0u8; 6];
    let mut parts = text.split(separator);
    for byte in &mut out {
        let part = parts.next().ok_or_else(bad)?;
        if part.len() != 2 {
            return Err(bad());
        }
        *byte = u8::from_str_radix(part, 16).map_err(|_| bad())?;
    }
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_every_unit() {
        assert_eq!(size("500kB"), Ok(500_000));
        assert_eq!(size("1MB"), Ok(1_000_000));
        assert_eq!(size("1.5MB"), Ok(1_500_000));
        assert_eq!(size("100MB"), Ok(100_000_000));
        assert_eq!(size("2GB"), Ok(2_000_000_000));
        assert_eq!(size("64KiB"), Ok(65_536));
        assert_eq!(size("1MiB"), Ok(1_048_576));
        assert_eq!(size("4096B"), Ok(4096));
        assert_eq!(size("4096"), Ok(4096));
        for bad in [
            "5 MB",
            "MB",
            "5mb",
            "5Mb",
            "-1MB",
            "1.MB",
            "",
            "1e6",
            "99999999999999999999GB",
        ] {
            assert_eq!(
                size(bad),
                Err(format!("{bad:?} is not a size (use e.g. 5MB or 5000000)"))
            );
        }
    }

    #[test]
    fn durations() {
        assert_eq!(duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(duration("4h"), Ok(Duration::from_secs(14_400)));
        assert_eq!(duration("1.5h"), Ok(Duration::from_secs(5_400)));
        assert_eq!(duration("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(duration("2w"), Ok(Duration::from_secs(1_209_600)));
        assert!(duration("15 min").is_err());
        assert!(duration("15").is_err());
        assert!(duration("h").is_err());
    }

    #[test]
    fn times_and_offsets() {
        assert_eq!(time_of_day("00:30"), Ok(30));
        assert_eq!(time_of_day("23:59"), Ok(1439));
        assert!(time_of_day("24:00").is_err());
        assert!(time_of_day("7:00").is_err());
        assert!(time_of_day("07:60").is_err());
        assert_eq!(utc_offset("+01:00"), Ok(3600));
        assert_eq!(utc_offset("-05:30"), Ok(-19_800));
        assert_eq!(utc_offset("UTC"), Ok(0));
        assert!(utc_offset("01:00").is_err());
        assert!(utc_offset("+15:00").is_err());
    }

    #[test]
    fn domains_are_normalised_or_rejected() {
        assert_eq!(domain("Tracking.MIUI.com."), Ok("tracking.miui.com".into()));
        assert_eq!(domain("*.xiaomi.com"), Ok("xiaomi.com".into()));
        assert_eq!(domain(".xiaomi.com"), Ok("xiaomi.com".into()));
        assert_eq!(
            domain("_dmarc.example.org"),
            Ok("_dmarc.example.org".into())
        );
        assert_eq!(
            domain("a..b"),
            Err("\"a..b\" is not a domain name: it has an empty label".into())
        );
        assert!(domain("exa mple.com").is_err());
        assert!(domain("bücher.de").is_err());
        assert!(domain(&"a".repeat(64)).is_err());
        assert!(domain("").is_err());
    }

    #[test]
    fn cidrs_v4_v6_and_host_bits() {
        let c = cidr("10.0.0.0/8").unwrap();
        assert_eq!((c.network, c.prefix), ("10.0.0.0".parse().unwrap(), 8));
        assert_eq!(cidr("192.0.2.1").unwrap().prefix, 32);
        assert_eq!(cidr("2001:db8::/32").unwrap().prefix, 32);
        assert_eq!(cidr("::/0").unwrap().prefix, 0);
        assert_eq!(
            cidr("10.0.0.1/8"),
            Err("\"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)".into())
        );
        assert!(cidr("10.0.0.0/33").is_err());
        assert!(cidr("2001:db8::/129").is_err());
        assert!(cidr("10.0.0/8").is_err());
        assert!(cidr("10.0.0.0/").is_err());
        assert!(cidr("10.0.0.0/+8").is_err());
    }

    #[test]
    fn asns_countries_macs() {
        assert_eq!(asn_text("AS13335"), Ok(13335));
        assert!(asn_text("13335x").is_err());
        assert!(asn_number(0).is_err());
        assert!(asn_number(1 << 32).is_err());
        assert_eq!(country("cn"), Ok(*b"CN"));
        assert!(country("XX").is_err());
        assert!(country("CHN").is_err());
        assert_eq!(
            mac("AA:bb:cc:00:11:22"),
            Ok([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22])
        );
        assert_eq!(
            mac("aa-bb-cc-00-11-22"),
            Ok([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22])
        );
        assert!(mac("aa:bb:cc:00:11").is_err());
        assert!(mac("aa:bb:cc:00:11:22:33").is_err());
        assert!(mac("aabb.cc00.1122").is_err());
    }

    #[test]
    fn iso_table_is_sorted_and_complete() {
        assert!(ISO_COUNTRIES.windows(2).all(|w| w[0] < w[1]));
        // 249 assigned codes plus XK.
        assert_eq!(ISO_COUNTRIES.len(), 250);
    }
}
