//! The local database: every summary and alert pulled from every box, in SQLite, by default at
//! `<data dir>/telltale/telltale.db` (`~/.local/share/telltale/telltale.db` on Linux). A record is
//! keyed by (box, sequence number), so storing a batch twice stores it once.

mod convert;
mod schema;

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Row};
use telltale_proto::{AlertRecord, DestinationInfo, DeviceInfo, SummaryRecord};

pub use convert::mac_text;
use convert::*;

/// A database error, with the file it concerns.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct StoreError {
    /// The database file.
    pub path: String,
    /// What SQLite said.
    #[source]
    pub source: rusqlite::Error,
}

/// What storing a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stored {
    /// New records.
    pub inserted: u64,
    /// Records already there (should stay 0: pulls ask only for what is missing).
    pub duplicates: u64,
}

/// The database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: String,
}

/// The default database file.
pub fn default_path() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("telltale")
        .join("telltale.db")
}

impl Store {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let name = path.display().to_string();
        let err = |source| StoreError {
            path: name.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| err(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
            }
        }
        let conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.execute_batch(schema::SCHEMA).map_err(err)?;
        Ok(Store { conn, path: name })
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError {
            path: self.path.clone(),
            source,
        }
    }

    /// The highest summary sequence number stored from `box_id` (0 when none).
    pub fn last_summary_seq(&self, box_id: &str) -> Result<u64, StoreError> {
        self.max("summaries", box_id)
    }

    /// The highest alert sequence number stored from `box_id` (0 when none).
    pub fn last_alert_seq(&self, box_id: &str) -> Result<u64, StoreError> {
        self.max("alerts", box_id)
    }

    fn max(&self, table: &str, box_id: &str) -> Result<u64, StoreError> {
        let sql = format!("SELECT MAX(seq) FROM {table} WHERE box_id = ?1");
        let v: Option<i64> = self
            .conn
            .query_row(&sql, [box_id], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(v.map_or(0, |v| v as u64))
    }

    /// Records that `box_id` (running `firmware`) was pulled at `now_ms`.
    pub fn note_box(&self, box_id: &str, firmware: &str, now_ms: u64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO boxes (box_id, firmware, last_pull) VALUES (?1, ?2, ?3)
                 ON CONFLICT (box_id) DO UPDATE SET firmware = ?2, last_pull = ?3",
                params![box_id, firmware, now_ms as i64],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Stores summaries from `box_id` in one transaction.
    pub fn insert_summaries(
        &mut self,
        box_id: &str,
        records: &[SummaryRecord],
    ) -> Result<Stored, StoreError> {
        self.insert_all(
            "INSERT OR IGNORE INTO summaries VALUES
             (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
              ?20, ?21)",
            records,
            |stmt, r| {
                stmt.execute(params![
                    box_id,
                    r.seq as i64,
                    r.window_start as i64,
                    r.window_end as i64,
                    mac_text(&r.device.mac),
                    ips_text(&r.device.ips),
                    r.device.hostname,
                    r.device.vendor,
                    r.destination.name,
                    r.destination.ip.to_string(),
                    r.destination.asn,
                    r.destination.org,
                    country_text(r.destination.country),
                    proto_text(r.proto),
                    r.bytes_up as i64,
                    r.bytes_down as i64,
                    r.pkts_up as i64,
                    r.pkts_down as i64,
                    r.flows,
                    r.verdict.name(),
                    serde_json::to_string(&r.rules).unwrap_or_default(),
                ])
            },
        )
    }

    /// Stores alerts from `box_id` in one transaction.
    pub fn insert_alerts(
        &mut self,
        box_id: &str,
        alerts: &[AlertRecord],
    ) -> Result<Stored, StoreError> {
        self.insert_all(
            "INSERT OR IGNORE INTO alerts VALUES
             (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            alerts,
            |stmt, a| {
                stmt.execute(params![
                    box_id,
                    a.seq as i64,
                    a.ts as i64,
                    mac_text(&a.device.mac),
                    ips_text(&a.device.ips),
                    a.device.hostname,
                    a.device.vendor,
                    a.destination.name,
                    a.destination.ip.to_string(),
                    a.destination.asn,
                    a.destination.org,
                    country_text(a.destination.country),
                    a.rule,
                    a.severity.name(),
                    serde_json::to_string(&a.reasons).unwrap_or_default(),
                    a.bytes_up as i64,
                    a.bytes_down as i64,
                ])
            },
        )
    }

    /// Runs `insert` (an `INSERT OR IGNORE`) for every item in one transaction; counts what was
    /// new and what was there already.
    fn insert_all<T>(
        &mut self,
        sql: &str,
        items: &[T],
        insert: impl Fn(&mut rusqlite::CachedStatement<'_>, &T) -> rusqlite::Result<usize>,
    ) -> Result<Stored, StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let mut stored = Stored::default();
        {
            let mut stmt = tx.prepare_cached(sql).map_err(err)?;
            for item in items {
                if insert(&mut stmt, item).map_err(err)? == 1 {
                    stored.inserted += 1;
                } else {
                    stored.duplicates += 1;
                }
            }
        }
        tx.commit().map_err(err)?;
        Ok(stored)
    }

    /// Summaries whose window starts in `[from_ms, to_ms)`, from every box, oldest first.
    pub fn summaries(&self, from_ms: u64, to_ms: u64) -> Result<Vec<SummaryRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT * FROM summaries WHERE window_start >= ?1 AND window_start < ?2
                 ORDER BY window_start, box_id, seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(
                params![sql_time(from_ms), sql_time(to_ms)],
                summary_from_row,
            )
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Alerts fired in `[from_ms, to_ms)`, from every box, oldest first.
    pub fn alerts(&self, from_ms: u64, to_ms: u64) -> Result<Vec<AlertRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT * FROM alerts WHERE ts >= ?1 AND ts < ?2 ORDER BY ts, box_id, seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![sql_time(from_ms), sql_time(to_ms)], alert_from_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Every summary of `box_id` in sequence order (tests and exports).
    pub fn all_summaries(&self, box_id: &str) -> Result<Vec<SummaryRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT * FROM summaries WHERE box_id = ?1 ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([box_id], summary_from_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// When `box_id` was last pulled (ms since the epoch), if ever.
    pub fn last_pull(&self, box_id: &str) -> Result<Option<u64>, StoreError> {
        self.conn
            .query_row(
                "SELECT last_pull FROM boxes WHERE box_id = ?1",
                [box_id],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|v| v.map(|v| v as u64))
            .map_err(|e| self.err(e))
    }
}

/// A time bound as SQLite compares it: times are stored bit for bit, and every real time is below
/// 2^63 ms, so larger bounds ("until the end of time") are clamped rather than wrapped.
fn sql_time(ms: u64) -> i64 {
    ms.min(i64::MAX as u64) as i64
}

fn json_list(text: String) -> Vec<String> {
    serde_json::from_str(&text).unwrap_or_default()
}

/// The device columns, shared by summaries and alerts.
fn device_from_row(r: &Row<'_>) -> rusqlite::Result<DeviceInfo> {
    Ok(DeviceInfo {
        mac: parse_mac(&r.get::<_, String>("mac")?).unwrap_or_default(),
        ips: parse_ips(&r.get::<_, String>("device_ips")?),
        hostname: r.get("hostname")?,
        vendor: r.get("vendor")?,
    })
}

/// The destination columns, shared by summaries and alerts.
fn destination_from_row(r: &Row<'_>) -> rusqlite::Result<DestinationInfo> {
    Ok(DestinationInfo {
        name: r.get("dest_name")?,
        ip: r
            .get::<_, String>("dest_ip")?
            .parse()
            .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0])),
        asn: r.get("asn")?,
        org: r.get("org")?,
        country: parse_country(r.get("country")?),
    })
}

fn summary_from_row(r: &Row<'_>) -> rusqlite::Result<SummaryRecord> {
    Ok(SummaryRecord {
        seq: r.get::<_, i64>("seq")? as u64,
        window_start: r.get::<_, i64>("window_start")? as u64,
        window_end: r.get::<_, i64>("window_end")? as u64,
        device: device_from_row(r)?,
        destination: destination_from_row(r)?,
        proto: parse_proto(&r.get::<_, String>("proto")?),
        bytes_up: r.get::<_, i64>("bytes_up")? as u64,
        bytes_down: r.get::<_, i64>("bytes_down")? as u64,
        pkts_up: r.get::<_, i64>("pkts_up")? as u64,
        pkts_down: r.get::<_, i64>("pkts_down")? as u64,
        flows: r.get("flows")?,
        verdict: parse_verdict(&r.get::<_, String>("verdict")?),
        rules: json_list(r.get("rules")?),
    })
}

fn alert_from_row(r: &Row<'_>) -> rusqlite::Result<AlertRecord> {
    Ok(AlertRecord {
        seq: r.get::<_, i64>("seq")? as u64,
        ts: r.get::<_, i64>("ts")? as u64,
        device: device_from_row(r)?,
        destination: destination_from_row(r)?,
        rule: r.get("rule")?,
        severity: parse_verdict(&r.get::<_, String>("severity")?),
        reasons: json_list(r.get("reasons")?),
        bytes_up: r.get::<_, i64>("bytes_up")? as u64,
        bytes_down: r.get::<_, i64>("bytes_down")? as u64,
    })
}
