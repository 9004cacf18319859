//! The geo table as detection's `Locate`, and where the box and a replay find the tables.

use core::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::detect::policy::{Locate, Place};

use super::GeoDb;

impl Locate for GeoDb {
    fn locate(&self, ip: IpAddr) -> Place<'_> {
        let g = self.lookup_remembered(ip);
        Place {
            country: g.country,
            asn: g.asn,
            org: g.org,
        }
    }
}

/// Where a data table named `file` (e.g. `geo.ttdb`) is looked for, in order: the directory in
/// `$TELLTALE_DATA`, the installed `/usr/share/telltale`, and `data/` in the current directory
/// (a checkout of the repository). The first that exists wins; if none does, the installed
/// path is returned so that the warning names it.
pub fn find_table(file: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("TELLTALE_DATA") {
        dirs.push(PathBuf::from(dir));
    }
    dirs.push(PathBuf::from("/usr/share/telltale"));
    dirs.push(PathBuf::from("data"));
    dirs.iter()
        .map(|d| d.join(file))
        .find(|p| p.is_file())
        .unwrap_or_else(|| Path::new("/usr/share/telltale").join(file))
}
