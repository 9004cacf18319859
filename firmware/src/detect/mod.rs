//! Detection: turns per device, per destination byte counts into findings with reasons
//! (DESIGN.md, "Detection"). Windows run on the engine's virtual clock; quiet hours on capture
//! time. Each finding passes the hold-back (a repeat of the same rule, device and destination
//! is held back for 4 h by default). Everything is allocated at start.

pub mod holdback;
pub mod places;
pub mod policy;
pub mod stats;
pub mod thresholds;
pub mod window;

use core::net::IpAddr;

use crate::flow::key::Addr;
use crate::naming::devices::DeviceId;

use holdback::HoldBack;
use places::{NewPlace, Places};
use policy::{Destination, Locate, Policy};
use stats::{DestKey, StatsRef, StatsTable, LONG_BUCKETS, SHORT_BUCKETS};
use thresholds::{Rule, Severity, Thresholds};

/// Upload thresholds are checked each time a destination's total upload crosses a multiple of
/// this many bytes (and on the first byte), not on every frame.
pub const CHECK_EVERY: u64 = 16 * 1024;
/// After a red upload alert, uploads to that destination keep "upload in progress" lit this long.
pub const UPLOAD_ACTIVE_NS: u64 = 10_000_000_000;
/// Findings one event can produce at most.
pub const MAX_FINDINGS: usize = 6;

/// How DNS went around the LAN's resolver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bypass {
    /// DNS over TLS (port 853).
    DnsOverTls,
    /// A known DNS-over-HTTPS resolver.
    DnsOverHttps,
    /// Plain DNS to a server other than the LAN's.
    PlainDns,
}

/// Why a first contact is notable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstWhy {
    /// The destination is watched.
    Watched,
    /// A country or organisation new for the device.
    New(NewPlace),
}

/// The numbers behind a finding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Detail {
    /// An upload over a threshold in a window.
    Upload {
        /// Bytes up in the window.
        bytes_up: u64,
        /// Bytes down in the window.
        bytes_down: u64,
        /// The window, ns.
        window_ns: u64,
        /// The threshold crossed.
        threshold: u64,
    },
    /// The first upload of at least `threshold` bytes.
    FirstContact {
        /// Bytes up so far.
        bytes_up: u64,
        /// The threshold.
        threshold: u64,
        /// Why it matters.
        why: FirstWhy,
    },
    /// Regular contacts.
    Beacon {
        /// Flows started.
        contacts: u32,
        /// Mean interval, ns.
        interval_ns: u64,
        /// Standard deviation over mean.
        jitter: f64,
    },
    /// DNS around the LAN's resolver.
    DnsBypass(Bypass),
    /// A device never seen before.
    NewDevice,
}

/// One alert-worthy observation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finding {
    /// The signal.
    pub rule: Rule,
    /// Its severity.
    pub severity: Severity,
    /// The numbers.
    pub detail: Detail,
    /// The destination's statistics key (`DestKey::None` for device-only findings).
    pub dest: DestKey,
}

/// Findings of one call.
pub type Findings = heapless::Vec<Finding, MAX_FINDINGS>;

/// Counters of detection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetectCounters {
    /// Red findings emitted.
    pub red: u64,
    /// Amber findings emitted.
    pub amber: u64,
}

/// The device a call is about.
#[derive(Debug, Clone, Copy)]
pub struct DeviceCtx {
    /// Its table index.
    pub id: DeviceId,
    /// Its MAC.
    pub mac: [u8; 6],
    /// Virtual time it was first seen.
    pub first_seen: u64,
}

/// The detector.
pub struct Detector {
    thresholds: Thresholds,
    policy: Box<dyn Policy + Send>,
    geo: Box<dyn Locate + Send>,
    stats: StatsTable,
    holdback: HoldBack,
    places: Places,
    upload_active_until: u64,
    counters: DetectCounters,
}

impl core::fmt::Debug for Detector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Detector")
            .field("thresholds", &self.thresholds)
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

/// Sizes of the detector's tables.
#[derive(Debug, Clone, Copy)]
pub struct DetectConfig {
    /// (device, destination) pairs with statistics.
    pub destinations: usize,
    /// Alerts remembered for the hold-back.
    pub holdback: usize,
    /// Devices (must match the device table).
    pub devices: usize,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            destinations: 8192,
            holdback: 4096,
            devices: 1024,
        }
    }
}

impl Detector {
    /// A detector with `thresholds`, consulting `policy` and `geo`.
    pub fn new(
        config: DetectConfig,
        thresholds: Thresholds,
        policy: Box<dyn Policy + Send>,
        geo: Box<dyn Locate + Send>,
    ) -> Self {
        Detector {
            thresholds,
            policy,
            geo,
            stats: StatsTable::new(config.destinations),
            holdback: HoldBack::new(config.holdback, thresholds.hold_back_ns),
            places: Places::new(config.devices),
            upload_active_until: 0,
            counters: DetectCounters::default(),
        }
    }

    /// Bytes allocated, fixed at construction.
    pub fn memory_bytes(&self) -> usize {
        self.stats.memory_bytes() + self.holdback.memory_bytes() + self.places.memory_bytes()
    }

    /// Replaces the rules and thresholds (a reloaded rules file). Statistics, places and
    /// remembered alerts are kept; the new hold-back period applies from now on. When a window's
    /// length changes, the sliding windows start empty (their buckets had the old width).
    pub fn set_rules(&mut self, policy: Box<dyn Policy + Send>, thresholds: Thresholds) {
        let old = &self.thresholds;
        if old.abnormal.window_ns != thresholds.abnormal.window_ns
            || old.large.window_ns != thresholds.large.window_ns
        {
            self.stats.clear_windows();
        }
        self.policy = policy;
        self.holdback.set_period(thresholds.hold_back_ns);
        self.thresholds = thresholds;
    }

    /// Widths of the short (abnormal upload) and long (large upload) windows' buckets.
    #[inline]
    fn bucket_widths(&self) -> (u64, u64) {
        let t = &self.thresholds;
        (
            (t.abnormal.window_ns / SHORT_BUCKETS as u64).max(1),
            (t.large.window_ns / LONG_BUCKETS as u64).max(1),
        )
    }

    /// The thresholds in force.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// The rules consulted.
    pub fn policy(&self) -> &dyn Policy {
        &*self.policy
    }

    /// Country and AS of an address.
    pub fn locate(&self, ip: IpAddr) -> policy::Place<'_> {
        self.geo.locate(ip)
    }

    /// Counters.
    pub fn counters(&self) -> DetectCounters {
        self.counters
    }

    /// Repeats held back so far.
    pub fn held_back(&self) -> u64 {
        self.holdback.held()
    }

    /// True while a red upload is going on (for the LEDs' "suspicious upload now").
    pub fn upload_in_progress(&self, now: u64) -> bool {
        now < self.upload_active_until
    }

    fn destination<'a>(&'a self, name: Option<&'a [u8]>, ip: Addr) -> Destination<'a> {
        Destination {
            name,
            ip: ip.ip(),
            place: self.geo.locate(ip.ip()),
        }
    }

    /// The statistics key of a destination: its name, else its AS, else its address.
    pub fn key_for(&self, name: Option<crate::naming::names::NameId>, ip: Addr) -> DestKey {
        match name {
            Some(id) => DestKey::Name(id),
            None => match self.geo.locate(ip.ip()).asn {
                Some(asn) => DestKey::Asn(asn),
                None => DestKey::Ip(ip),
            },
        }
    }

    fn emit(&mut self, device: DeviceId, finding: Finding, now: u64, out: &mut Findings) {
        if !self.holdback.allow(finding.rule, device, finding.dest, now) {
            return;
        }
        match finding.severity {
            Severity::Red => self.counters.red += 1,
            Severity::Amber => self.counters.amber += 1,
        }
        let _ = out.push(finding);
    }

    /// A device was seen for the first time at virtual time `now` (time since start).
    pub fn new_device(&mut self, device: DeviceCtx, now: u64, out: &mut Findings) {
        self.places.forget(device.id);
        let t = &self.thresholds;
        if !t.new_device_enabled || now < t.new_device_after_ns {
            return;
        }
        let finding = Finding {
            rule: Rule::NewDevice,
            severity: Severity::Amber,
            detail: Detail::NewDevice,
            dest: DestKey::None,
        };
        self.emit(device.id, finding, now, out);
    }

    /// A flow from `device` to a remote (`ip`, `dport`) started: checks for DNS bypass.
    pub fn flow_started(
        &mut self,
        device: DeviceCtx,
        name: Option<&[u8]>,
        ip: Addr,
        dport: u16,
        now: u64,
        out: &mut Findings,
    ) {
        if !self.thresholds.dns_bypass_enabled {
            return;
        }
        let dest = self.destination(name, ip);
        if self.policy.allowed(&dest, device.mac) {
            return;
        }
        let bypass = match dport {
            853 => Some(Bypass::DnsOverTls),
            53 => {
                let lan = self
                    .policy
                    .lan_resolver(dest.ip)
                    .unwrap_or_else(|| crate::naming::is_local_net(ip));
                (!lan).then_some(Bypass::PlainDns)
            }
            443 if self.policy.doh_resolver(&dest) => Some(Bypass::DnsOverHttps),
            _ => None,
        };
        if let Some(b) = bypass {
            let finding = Finding {
                rule: Rule::DnsBypass,
                severity: Severity::Amber,
                detail: Detail::DnsBypass(b),
                dest: DestKey::Ip(ip),
            };
            self.emit(device.id, finding, now, out);
        }
    }

    /// Binds a flow of `device` to its destination's statistics and counts the contact (for
    /// beacon detection).
    pub fn bind(
        &mut self,
        device: DeviceCtx,
        key: DestKey,
        ip: Addr,
        now: u64,
        out: &mut Findings,
    ) -> StatsRef {
        let r = self.stats.entry(device.id, key, ip, now);
        let t = self.thresholds;
        let Some(e) = self.stats.get_mut(r, now) else {
            return r;
        };
        e.contact(now);
        if !t.beacon_enabled
            || e.contacts < t.beacon_min_contacts
            || e.last_contact - e.first_contact < t.beacon_span_ns
        {
            return r;
        }
        let Some(jitter) = e.interval_jitter().filter(|j| *j <= t.beacon_max_jitter) else {
            return r;
        };
        let finding = Finding {
            rule: Rule::PeriodicBeacon,
            severity: Severity::Amber,
            detail: Detail::Beacon {
                contacts: e.contacts,
                interval_ns: e.interval_mean as u64,
                jitter,
            },
            dest: key,
        };
        self.emit(device.id, finding, now, out);
        r
    }

    /// Accounts `up` and `down` bytes of a flow bound to `r` at virtual time `now`, capture time
    /// `unix_ns`; checks the thresholds when due.
    #[allow(clippy::too_many_arguments)]
    pub fn bytes(
        &mut self,
        r: StatsRef,
        device: DeviceCtx,
        name: Option<&[u8]>,
        up: u64,
        down: u64,
        now: u64,
        unix_ns: u64,
        out: &mut Findings,
    ) {
        let (short_w, long_w) = self.bucket_widths();
        let Some(e) = self.stats.get_mut(r, now) else {
            return;
        };
        if up == 0 {
            // A frame to the device: only the download sum moves, no signal can fire.
            e.down_short.add(now, short_w, down);
            e.total_down += down;
            return;
        }
        let first_up = e.total_up == 0;
        e.up_short.add(now, short_w, up);
        e.down_short.add(now, short_w, down);
        e.up_long.add(now, long_w, up);
        e.total_up += up;
        e.total_down += down;
        if let Some(p) = self.thresholds.quiet.period(unix_ns) {
            if e.quiet_period != Some(p) {
                e.quiet_period = Some(p);
                e.quiet_up = 0;
            }
            e.quiet_up += up;
        }
        e.last_up = now;
        if e.red_fired {
            self.upload_active_until = now + UPLOAD_ACTIVE_NS;
        }
        let step = e.total_up / CHECK_EVERY;
        if !first_up && step <= e.checked_step {
            return;
        }
        e.checked_step = step;
        let ip = e.ip;
        if first_up {
            let place = self.geo.locate(ip.ip());
            let new = self.places.record(device.id, place.country, place.asn);
            if let Some(e) = self.stats.get_mut(r, now) {
                e.new_place = new;
            }
        }
        let Some(e) = self.stats.get_mut(r, now) else {
            return;
        };
        let snapshot = *e;
        self.check(r, snapshot, device, name, now, out);
    }

    /// Checks every upload signal for one destination.
    fn check(
        &mut self,
        r: StatsRef,
        mut e: stats::DestStats,
        device: DeviceCtx,
        name: Option<&[u8]>,
        now: u64,
        out: &mut Findings,
    ) {
        let t = self.thresholds;
        let short_w = (t.abnormal.window_ns / SHORT_BUCKETS as u64).max(1);
        let long_w = (t.large.window_ns / LONG_BUCKETS as u64).max(1);
        let dest = self.destination(name, e.ip);
        if self.policy.allowed(&dest, device.mac) {
            return;
        }
        let watched = self.policy.watched(&dest).is_some();
        let up = e.up_short.sum(now, short_w);
        let down = e.down_short.sum(now, short_w);
        let up_long = e.up_long.sum(now, long_w);
        let key = e.key;
        let mut found: Findings = heapless::Vec::new();
        let upload = |th: &thresholds::UploadThreshold, rule, bytes_up, window_ns| Finding {
            rule,
            severity: th.severity,
            detail: Detail::Upload {
                bytes_up,
                bytes_down: down,
                window_ns,
                threshold: th.bytes,
            },
            dest: key,
        };
        if t.watched.enabled && watched && up >= t.watched.bytes {
            let _ = found.push(upload(
                &t.watched,
                Rule::WatchedUpload,
                up,
                t.watched.window_ns,
            ));
        }
        let ratio = up as f64 / down.max(1) as f64;
        if t.abnormal.enabled && up >= t.abnormal.bytes && ratio > t.abnormal_ratio {
            let _ = found.push(upload(
                &t.abnormal,
                Rule::AbnormalUpload,
                up,
                t.abnormal.window_ns,
            ));
        }
        if t.large.enabled && up_long >= t.large.bytes {
            let _ = found.push(upload(
                &t.large,
                Rule::LargeUpload,
                up_long,
                t.large.window_ns,
            ));
        }
        if t.quiet.enabled && e.quiet_period.is_some() && e.quiet_up >= t.quiet.bytes {
            let quiet = thresholds::UploadThreshold {
                enabled: true,
                bytes: t.quiet.bytes,
                window_ns: 0,
                severity: t.quiet.severity,
            };
            let _ = found.push(upload(&quiet, Rule::QuietHoursUpload, e.quiet_up, 0));
        }
        if t.first_contact.enabled && !e.first_contact_done && e.total_up >= t.first_contact.bytes {
            e.first_contact_done = true;
            let learnt = now.saturating_sub(device.first_seen) >= t.learning_ns;
            let why = if watched {
                Some(FirstWhy::Watched)
            } else if learnt {
                e.new_place.map(FirstWhy::New)
            } else {
                None
            };
            if let Some(why) = why {
                let _ = found.push(Finding {
                    rule: Rule::FirstContact,
                    severity: t.first_contact.severity,
                    detail: Detail::FirstContact {
                        bytes_up: e.total_up,
                        threshold: t.first_contact.bytes,
                        why,
                    },
                    dest: key,
                });
            }
        }
        let red = found.iter().any(|f| f.severity == Severity::Red);
        if let Some(live) = self.stats.get_mut(r, now) {
            live.first_contact_done = e.first_contact_done;
            live.red_fired |= red;
        }
        if red {
            self.upload_active_until = now + UPLOAD_ACTIVE_NS;
        }
        for f in found {
            self.emit(device.id, f, now, out);
        }
    }
}

#[cfg(test)]
mod tests;
