//! `telltale-tables`: compiles the upstream data into the tables the box loads at start.
//!
//! - `telltale-tables geo --country-v4 F --country-v6 F --asn-v4 F --asn-v6 F -o geo.ttdb`
//!   from the `@ip-location-db` CSVs;
//! - `telltale-tables oui oui.csv mam.csv oui36.csv -o oui.ttdb` from the IEEE registry CSVs;
//! - `telltale-tables info FILE...` prints what a compiled table holds;
//! - `telltale-tables lookup [--geo F] [--oui F] ADDR...` prints what the tables say about IP
//!   addresses and MACs (`aa:bb:cc:dd:ee:ff`), one tab-separated line each.
//!
//! `scripts/tables/build.sh` fetches the pinned inputs and runs this. Every output is re-opened
//! with the runtime loader before the tool reports success.

use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

use telltale_firmware::geo::compile::{Family, GeoCompiler};
use telltale_firmware::geo::GeoDb;
use telltale_firmware::naming::oui::{is_locally_administered, is_multicast, OuiCompiler, OuiDb};

#[derive(Debug, Parser)]
#[command(about = "Compile geo/ASN and OUI tables for telltaled")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compile `start,end,country` and `start,end,asn,org` CSVs into a geo table.
    Geo {
        /// IPv4 country CSV.
        #[arg(long)]
        country_v4: PathBuf,
        /// IPv6 country CSV.
        #[arg(long)]
        country_v6: PathBuf,
        /// IPv4 ASN CSV.
        #[arg(long)]
        asn_v4: PathBuf,
        /// IPv6 ASN CSV.
        #[arg(long)]
        asn_v6: PathBuf,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Compile IEEE registry CSVs (MA-L, MA-M, MA-S, in any order) into an OUI table.
    Oui {
        /// Registry CSVs.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Look up IP addresses and MACs in compiled tables.
    Lookup {
        /// Geo table.
        #[arg(long, default_value = "data/geo.ttdb")]
        geo: PathBuf,
        /// OUI table.
        #[arg(long, default_value = "data/oui.ttdb")]
        oui: PathBuf,
        /// IP addresses or MACs.
        #[arg(required = true)]
        addrs: Vec<String>,
    },
    /// Print what compiled tables hold.
    Info {
        /// Table files (`.ttdb`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn mib(bytes: usize) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn print_geo(path: &Path, db: &GeoDb, file_len: u64) {
    let s = db.sizes();
    println!(
        "{}: geo table, file {} ({} bytes), in memory {}",
        path.display(),
        mib(file_len as usize),
        file_len,
        mib(s.memory_bytes)
    );
    println!(
        "  {} countries, {} ASNs, {} organisations; ranges: IPv4 country {}, IPv6 country {}, \
         IPv4 ASN {}, IPv6 ASN {}",
        s.countries, s.asns, s.orgs, s.ranges[0], s.ranges[1], s.ranges[2], s.ranges[3]
    );
}

fn print_oui(path: &Path, db: &OuiDb, file_len: u64) {
    let s = db.sizes();
    println!(
        "{}: OUI table, file {} ({} bytes), in memory {}",
        path.display(),
        mib(file_len as usize),
        file_len,
        mib(s.memory_bytes)
    );
    println!(
        "  {} vendors; MA-L {}, MA-M {}, MA-S {}",
        s.vendors, s.entries[0], s.entries[1], s.entries[2]
    );
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Parses `aa:bb:cc:dd:ee:ff` (or with `-`).
fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = text.split([':', '-']);
    for byte in &mut mac {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

fn lookup(geo: &Path, oui: &Path, addrs: &[String]) -> Result<()> {
    let geo = GeoDb::open(geo)?;
    let oui = OuiDb::open(oui)?;
    for addr in addrs {
        if let Ok(ip) = addr.parse::<IpAddr>() {
            let info = geo.lookup(ip);
            println!(
                "{addr}\t{}\t{}\t{}",
                info.country_str().unwrap_or("-"),
                info.asn.map_or("-".to_string(), |a| format!("AS{a}")),
                info.org.unwrap_or("-")
            );
        } else if let Some(mac) = parse_mac(addr) {
            let note = if is_locally_administered(mac) {
                "locally administered"
            } else if is_multicast(mac) {
                "multicast"
            } else {
                oui.vendor(mac).unwrap_or("-")
            };
            println!("{addr}\t{note}");
        } else {
            bail!("{addr}: neither an IP address nor a MAC");
        }
    }
    Ok(())
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Geo {
            country_v4,
            country_v6,
            asn_v4,
            asn_v6,
            output,
        } => {
            let mut compiler = GeoCompiler::new();
            for (path, family) in [(&country_v4, Family::V4), (&country_v6, Family::V6)] {
                let name = path.display().to_string();
                compiler.add_country_csv(&name, &read(path)?, family)?;
            }
            for (path, family) in [(&asn_v4, Family::V4), (&asn_v6, Family::V6)] {
                let name = path.display().to_string();
                compiler.add_asn_csv(&name, &read(path)?, family)?;
            }
            let (bytes, stats) = compiler.finish()?;
            write(&output, &bytes)?;
            println!(
                "read {} rows; {} start inside another (they win there); {} IPv6 pieces hold no /64 \
                 start; {} ASNs with two names",
                stats.rows, stats.nested, stats.dropped, stats.org_conflicts
            );
            let db = GeoDb::open(&output)?;
            print_geo(&output, &db, bytes.len() as u64);
        }
        Command::Oui { inputs, output } => {
            let mut compiler = OuiCompiler::new();
            for path in &inputs {
                compiler.add_csv(&path.display().to_string(), &read(path)?)?;
            }
            println!(
                "read {} rows; {} duplicate prefixes (first kept)",
                compiler.rows, compiler.duplicates
            );
            let bytes = compiler.finish()?;
            write(&output, &bytes)?;
            let db = OuiDb::open(&output)?;
            print_oui(&output, &db, bytes.len() as u64);
        }
        Command::Lookup { geo, oui, addrs } => lookup(&geo, &oui, &addrs)?,
        Command::Info { files } => {
            for path in &files {
                let len = fs::metadata(path)
                    .with_context(|| format!("reading {}", path.display()))?
                    .len();
                let head = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                match head.get(..8) {
                    Some(m) if m == telltale_firmware::geo::GEO_MAGIC => {
                        print_geo(path, &GeoDb::open(path)?, len);
                    }
                    Some(m) if m == telltale_firmware::naming::oui::OUI_MAGIC => {
                        print_oui(path, &OuiDb::open(path)?, len);
                    }
                    _ => bail!("{}: not a telltale table", path.display()),
                }
            }
        }
    }
    Ok(())
}
