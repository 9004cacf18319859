//! Builds the daemon's engine from the config: its size, the rules, and the geo/ASN and
//! MAC-vendor tables from `[data] dir` (a missing table is a warning: everything else works,
//! destinations just get no country or AS, devices no vendor).

use crate::config::Config;
use crate::detect::policy::{Locate, NoGeo};
use crate::engine::{Engine, EngineConfig};
use crate::geo::GeoDb;
use crate::naming::oui::OuiDb;
use crate::rules::Rules;

/// The engine for `config` with `rules`; each warning is passed to `warn` as one line.
pub fn build_engine(config: &Config, rules: Rules, warn: &mut dyn FnMut(String)) -> Engine {
    let engine_config = EngineConfig {
        flow_capacity: config.flows,
        thresholds: rules.detect_thresholds(config.utc_offset),
        summary_window_secs: config.summary_window_secs,
        ..EngineConfig::default()
    };
    let geo: Box<dyn Locate + Send> = match GeoDb::open(config.table("geo.ttdb")) {
        Ok(db) => Box::new(db),
        Err(e) => {
            warn(GeoDb::missing_warning(&e));
            Box::new(NoGeo)
        }
    };
    let mut engine = Engine::with_policy(engine_config, Box::new(rules), geo);
    match OuiDb::open(config.table("oui.ttdb")) {
        Ok(db) => engine.set_oui(db),
        Err(e) => warn(OuiDb::missing_warning(&e)),
    }
    engine
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    #[test]
    fn missing_tables_are_warnings_and_present_ones_load() {
        let mut config = Config::defaults(Path::new("t.toml"));
        config.flows = 64;
        config.data_dir = Some(PathBuf::from("/nonexistent"));
        let mut warnings = Vec::new();
        let engine = build_engine(&config, Rules::default(), &mut |w| warnings.push(w));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].starts_with("warning: geo table unavailable"));
        assert!(warnings[1].starts_with("warning: OUI table unavailable"));
        assert!(engine.naming().oui.is_none());

        config.data_dir = Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../data"));
        warnings.clear();
        let engine = build_engine(&config, Rules::default(), &mut |w| warnings.push(w));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(engine.naming().oui.is_some());
    }
}
