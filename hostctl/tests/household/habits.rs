//! Who in the household talks to whom, when, and how much: one [`Habit`] per device and
//! destination (two for the phone's telemetry: its day pattern and its night burst).

use telltale_proto::{Transport, Verdict};

use super::Device;

/// A destination as the box names and places it.
#[derive(Debug, Clone, Copy)]
pub struct Dest {
    /// SNI, Host or DNS name; `None`: only the address is known.
    pub name: Option<&'static str>,
    /// Its address.
    pub ip: &'static str,
    /// AS number.
    pub asn: u32,
    /// AS organisation.
    pub org: &'static str,
    /// Country.
    pub country: &'static [u8; 2],
    /// Transport.
    pub proto: Transport,
}

/// One device's traffic to one destination over the day.
#[derive(Debug, Clone, Copy)]
pub struct Habit {
    /// Index into [`DEVICES`].
    pub device: usize,
    /// Where to.
    pub dest: Dest,
    /// Hours of the day (UTC, `[from, to)` pairs) it happens.
    pub hours: &'static [(u64, u64)],
    /// In one window out of this many (1: every 15 minutes, 4: hourly, 8: every two hours).
    pub every: u64,
    /// Typical bytes up per window.
    pub up: u64,
    /// Typical bytes down per window.
    pub down: u64,
    /// Hours whose windows carry a verdict and the rule that gave it.
    pub flag: Option<(&'static [u64], Verdict, &'static str)>,
}

impl Habit {
    /// Whether it happens in quarter `quarter` (0..4) of `hour`.
    pub fn active(&self, hour: u64, quarter: u64) -> bool {
        self.hours.iter().any(|&(a, b)| (a..b).contains(&hour))
            && (hour * 4 + quarter) % self.every == 0
    }
}

/// The devices.
pub const DEVICES: [Device; 5] = [
    Device {
        mac: [0x64, 0x09, 0x80, 0x4c, 0x2e, 0x71],
        ip: [192, 168, 50, 23],
        hostname: Some("Redmi-Note-12"),
        vendor: Some("Xiaomi Communications Co Ltd"),
    },
    // A randomised (locally administered) MAC: iOS "private Wi-Fi address".
    Device {
        mac: [0x3a, 0x6e, 0x1c, 0x90, 0x5b, 0x02],
        ip: [192, 168, 50, 31],
        hostname: Some("Annas-iPhone"),
        vendor: None,
    },
    // mDNS names may hold quotes and commas: the CSV and HTML must quote and escape them.
    Device {
        mac: [0x8c, 0x79, 0xf5, 0x6a, 0x11, 0xd0],
        ip: [192, 168, 50, 40],
        hostname: Some("Living room \"Frame\" TV"),
        vendor: Some("Samsung Electronics Co.,Ltd"),
    },
    Device {
        mac: [0xa4, 0x11, 0x94, 0x27, 0xc3, 0x5e],
        ip: [192, 168, 50, 12],
        hostname: Some("thinkpad-x1"),
        vendor: Some("Lenovo"),
    },
    // A visitor's phone: randomised MAC, no DHCP name.
    Device {
        mac: [0xda, 0xa1, 0x19, 0x5c, 0x07, 0xe3],
        ip: [192, 168, 50, 77],
        hostname: None,
        vendor: None,
    },
];

/// An autonomous system: number and organisation.
type As = (u32, &'static str);

const ALIBABA_US: As = (45102, "Alibaba (US) Technology Co., Ltd.");
const ALIYUN_CN: As = (37963, "Hangzhou Alibaba Advertising Co.,Ltd.");
const GOOGLE: As = (15169, "Google LLC");
const META: As = (32934, "Facebook, Inc.");
const APPLE: As = (714, "Apple Inc.");
const AMAZON: As = (16509, "Amazon.com, Inc.");
const MICROSOFT: As = (8075, "Microsoft Corporation");
const NETFLIX: As = (2906, "Netflix Streaming Services Inc.");
const DROPBOX_AS: As = (19679, "Dropbox, Inc.");
const GITHUB: As = (36459, "GitHub, Inc.");
const FASTLY: As = (54113, "Fastly, Inc.");
const BYTEDANCE: As = (396986, "Bytedance Inc.");

/// A named destination over TCP.
const fn tcp(
    name: &'static str,
    ip: &'static str,
    (asn, org): As,
    country: &'static [u8; 2],
) -> Dest {
    Dest {
        name: Some(name),
        ip,
        asn,
        org,
        country,
        proto: Transport::Tcp,
    }
}

/// A named destination over UDP (QUIC, NTP).
const fn udp(name: &'static str, ip: &'static str, asn: As, country: &'static [u8; 2]) -> Dest {
    Dest {
        proto: Transport::Udp,
        ..tcp(name, ip, asn, country)
    }
}

const MIUI: Dest = tcp("tracker.miui.com", "203.0.113.10", ALIBABA_US, b"SG");
const MISTAT: Dest = tcp(
    "data.mistat.intl.xiaomi.com",
    "203.0.113.11",
    ALIBABA_US,
    b"SG",
);
const MI_API: Dest = tcp("api.io.mi.com", "203.0.113.12", ALIBABA_US, b"SG");
const MI_ADS: Dest = tcp(
    "sdkconfig.ad.intl.xiaomi.com",
    "203.0.113.13",
    ALIBABA_US,
    b"SG",
);
/// Known only by its address: the box saw no name for it.
const ALIYUN: Dest = Dest {
    name: None,
    ..tcp("", "203.0.113.77", ALIYUN_CN, b"CN")
};
const GOOGLE_WWW: Dest = tcp("www.google.com", "198.51.100.20", GOOGLE, b"US");
const GSTATIC: Dest = tcp(
    "connectivitycheck.gstatic.com",
    "198.51.100.21",
    GOOGLE,
    b"US",
);
const PLAY: Dest = tcp("play.googleapis.com", "198.51.100.22", GOOGLE, b"US");
const FIREBASE: Dest = tcp(
    "firebaselogging-pa.googleapis.com",
    "198.51.100.23",
    GOOGLE,
    b"US",
);
const ANDROID_NTP: Dest = udp("time.android.com", "198.51.100.24", GOOGLE, b"US");
const MEASUREMENT: Dest = tcp("app-measurement.com", "198.51.100.25", GOOGLE, b"US");
const FB_GRAPH: Dest = tcp("graph.facebook.com", "198.51.100.40", META, b"NL");
const INSTAGRAM: Dest = tcp("i.instagram.com", "198.51.100.41", META, b"NL");
const WHATSAPP: Dest = tcp("g.whatsapp.net", "198.51.100.42", META, b"NL");
const ICLOUD_CONTENT: Dest = tcp("p108-content.icloud.com", "198.51.100.60", APPLE, b"US");
const ICLOUD_GATEWAY: Dest = tcp("gateway.icloud.com", "198.51.100.61", APPLE, b"US");
const PRIVATE_RELAY: Dest = udp("mask.icloud.com", "198.51.100.62", APPLE, b"US");
const APPLE_NTP: Dest = udp("time.apple.com", "198.51.100.63", APPLE, b"US");
const SPOTLIGHT: Dest = tcp("api.smoot.apple.com", "198.51.100.64", APPLE, b"US");
const ACR: Dest = tcp("log-config.samsungacr.com", "203.0.113.140", AMAZON, b"IE");
const ACR0: Dest = tcp(
    "acr0.samsungcloudsolution.com",
    "203.0.113.141",
    AMAZON,
    b"IE",
);
const TV_ADS: Dest = tcp("ad.samsungadhub.com", "203.0.113.142", AMAZON, b"IE");
const TV_NTP: Dest = udp(
    "time.samsungcloudsolution.com",
    "203.0.113.143",
    AMAZON,
    b"IE",
);
const NETFLIX_OCA: Dest = tcp(
    "ipv4-c001-ams001-ix.1.oca.nflxvideo.net",
    "198.51.100.100",
    NETFLIX,
    b"NL",
);
const DROPBOX_UP: Dest = tcp("content.dropboxapi.com", "198.51.100.80", DROPBOX_AS, b"US");
const GITHUB_WWW: Dest = tcp("github.com", "198.51.100.81", GITHUB, b"US");
const OUTLOOK: Dest = tcp("outlook.office365.com", "198.51.100.83", MICROSOFT, b"NL");
const TEAMS: Dest = udp("teams.microsoft.com", "198.51.100.84", MICROSOFT, b"NL");
const DEBIAN: Dest = tcp("deb.debian.org", "198.51.100.86", FASTLY, b"US");
const TIKTOK: Dest = tcp(
    "api16-normal-c-useast1a.tiktokv.com",
    "198.51.100.120",
    BYTEDANCE,
    b"US",
);

/// `device` reaches `dest` in one window out of `every` during `hours`, `up` and `down` bytes a
/// window.
const fn habit(
    device: usize,
    dest: Dest,
    hours: &'static [(u64, u64)],
    every: u64,
    up: u64,
    down: u64,
) -> Habit {
    Habit {
        device,
        dest,
        hours,
        every,
        up,
        down,
        flag: None,
    }
}

/// `h` with a verdict and its rule in `hours`.
const fn flagged(h: Habit, hours: &'static [u64], verdict: Verdict, rule: &'static str) -> Habit {
    Habit {
        flag: Some((hours, verdict, rule)),
        ..h
    }
}

/// The phone's night burst to its vendor's telemetry (the quiet-hours alert).
pub const MIUI_NIGHT: usize = 1;
/// The phone's first upload to an unnamed address in a new country (the first-contact alert).
pub const ALIYUN_UNNAMED: usize = 12;
/// The TV's automated content recognition beacon (the periodic-beacon alerts).
pub const TV_ACR: usize = 21;
/// The laptop's cloud backup (the large-upload alert).
pub const DROPBOX: usize = 26;

const ALL_DAY: &[(u64, u64)] = &[(0, 24)];
const WAKING: &[(u64, u64)] = &[(7, 23)];

/// Every habit of the household.
pub const HABITS: [Habit; 34] = [
    // Redmi-Note-12: its vendor's telemetry day and night, apps in the evening.
    habit(0, MIUI, &[(0, 2), (3, 24)], 2, 48_000, 6_000),
    flagged(
        habit(0, MIUI, &[(2, 3)], 1, 780_000, 19_500),
        &[2],
        Verdict::Suspicious,
        "quiet_hours_upload",
    ),
    habit(0, MISTAT, ALL_DAY, 4, 120_000, 4_000),
    habit(0, MI_API, WAKING, 4, 9_000, 22_000),
    habit(0, MI_ADS, WAKING, 8, 3_500, 41_000),
    habit(
        0,
        GOOGLE_WWW,
        &[(7, 9), (12, 13), (18, 23)],
        1,
        14_000,
        310_000,
    ),
    habit(0, GSTATIC, ALL_DAY, 4, 900, 700),
    habit(0, PLAY, &[(7, 8), (19, 21)], 2, 26_000, 1_900_000),
    habit(0, FIREBASE, WAKING, 2, 61_000, 3_000),
    habit(0, FB_GRAPH, &[(8, 23)], 2, 38_000, 90_000),
    habit(
        0,
        INSTAGRAM,
        &[(8, 9), (12, 13), (20, 23)],
        1,
        95_000,
        2_400_000,
    ),
    habit(0, WHATSAPP, ALL_DAY, 4, 5_200, 5_000),
    flagged(
        habit(0, ALIYUN, &[(5, 6)], 1, 53_500, 1_200),
        &[5],
        Verdict::Notice,
        "first_contact",
    ),
    habit(0, ANDROID_NTP, ALL_DAY, 4, 90, 90),
    // Annas-iPhone: the nightly iCloud backup on the charger, Private Relay by day.
    habit(1, ICLOUD_CONTENT, &[(1, 3)], 1, 6_100_000, 150_000),
    habit(1, ICLOUD_GATEWAY, &[(7, 24)], 2, 12_000, 30_000),
    habit(1, SPOTLIGHT, &[(8, 22)], 4, 7_000, 12_000),
    habit(1, PRIVATE_RELAY, WAKING, 1, 140_000, 1_100_000),
    habit(1, INSTAGRAM, &[(19, 22)], 1, 70_000, 1_700_000),
    habit(1, MEASUREMENT, &[(8, 23)], 4, 18_000, 2_000),
    habit(1, APPLE_NTP, ALL_DAY, 4, 90, 90),
    // Living room "Frame" TV: content recognition around the clock, streaming in the evening.
    flagged(
        habit(2, ACR, ALL_DAY, 1, 24_000, 3_000),
        &[21],
        Verdict::Notice,
        "periodic_beacon",
    ),
    habit(2, ACR0, &[(18, 24)], 1, 61_000, 9_000),
    habit(2, TV_NTP, ALL_DAY, 4, 300, 300),
    habit(2, NETFLIX_OCA, &[(20, 23)], 1, 180_000, 95_000_000),
    habit(2, TV_ADS, &[(18, 24)], 2, 11_000, 48_000),
    // thinkpad-x1: office hours, one afternoon backup.
    flagged(
        habit(3, DROPBOX_UP, &[(14, 18)], 1, 8_830_000, 75_000),
        &[14, 15, 16, 17],
        Verdict::Suspicious,
        "large_upload",
    ),
    habit(3, GITHUB_WWW, &[(9, 12), (13, 18)], 2, 42_000, 380_000),
    habit(3, OUTLOOK, &[(8, 18)], 2, 35_000, 160_000),
    habit(3, TEAMS, &[(10, 11)], 1, 2_100_000, 2_600_000),
    habit(3, DEBIAN, &[(9, 10)], 4, 40_000, 85_000_000),
    // The visitor's phone, one evening.
    habit(4, TIKTOK, &[(17, 20)], 1, 210_000, 3_800_000),
    habit(4, INSTAGRAM, &[(18, 19)], 1, 60_000, 900_000),
    habit(4, GSTATIC, &[(17, 20)], 4, 900, 700),
];
