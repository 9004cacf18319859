//! The database layout. Sequence numbers and byte counts are u64 on the wire and stored in
//! SQLite's signed 64-bit integers bit for bit (`as i64` / `as u64`).

/// Creates the tables if they are missing.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS boxes (
    box_id      TEXT PRIMARY KEY,
    firmware    TEXT NOT NULL,
    last_pull   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS summaries (
    box_id       TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    window_end   INTEGER NOT NULL,
    mac          TEXT NOT NULL,
    device_ips   TEXT NOT NULL,
    hostname     TEXT,
    vendor       TEXT,
    dest_name    TEXT,
    dest_ip      TEXT NOT NULL,
    asn          INTEGER,
    org          TEXT,
    country      TEXT,
    proto        TEXT NOT NULL,
    bytes_up     INTEGER NOT NULL,
    bytes_down   INTEGER NOT NULL,
    pkts_up      INTEGER NOT NULL,
    pkts_down    INTEGER NOT NULL,
    flows        INTEGER NOT NULL,
    verdict      TEXT NOT NULL,
    rules        TEXT NOT NULL,
    PRIMARY KEY (box_id, seq)
);
CREATE INDEX IF NOT EXISTS summaries_time ON summaries (window_start);
CREATE TABLE IF NOT EXISTS alerts (
    box_id      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    ts          INTEGER NOT NULL,
    mac         TEXT NOT NULL,
    device_ips  TEXT NOT NULL,
    hostname    TEXT,
    vendor      TEXT,
    dest_name   TEXT,
    dest_ip     TEXT NOT NULL,
    asn         INTEGER,
    org         TEXT,
    country     TEXT,
    rule        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    reasons     TEXT NOT NULL,
    bytes_up    INTEGER NOT NULL,
    bytes_down  INTEGER NOT NULL,
    PRIMARY KEY (box_id, seq)
);
CREATE INDEX IF NOT EXISTS alerts_time ON alerts (ts);
";
