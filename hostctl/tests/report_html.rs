//! The HTML report in a real browser: the `telltale` binary writes a household's day as one
//! page, headless Chromium (kept off the network) loads it, and the test reads both the DOM the
//! browser built and the pixels it painted. The bars must be in the DOM, one per device per
//! hour with an upload and one per top destination, and on the screen, in the chart palette,
//! inside the charts; no label may run off a chart's edge.
//!
//! The page and its screenshot stay in `target/test-artifacts/` for a person to look at.
//! Needs the Debian package `chromium`; `TELLTALE_SKIP_BROWSER_TESTS=1` skips these tests.

mod binary;
mod browser;
mod household;

use std::collections::BTreeMap;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use binary::{scratch, stderr, telltale_db};
use browser::dom::{self, Chart};
use browser::pixels::{self, Placement};
use chrono::DateTime;
use household::{SINCE, UNTIL};
use telltale_hostctl::report::fmt::bytes;
use telltale_hostctl::report::svg::PALETTE;
use telltale_proto::SummaryRecord;

/// The screenshot's window.
const WINDOW: (u32, u32) = (1000, 2400);

/// Bars the destinations chart shows at most.
const TOP: usize = 15;

/// Colours of the destinations chart by verdict.
fn verdict_colour(verdict: &str) -> &'static str {
    match verdict {
        "suspicious" => "#d62728",
        "notice" => "#f0a500",
        _ => "#4e79a7",
    }
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target folder")
        .join("test-artifacts");
    std::fs::create_dir_all(&dir).expect("create target/test-artifacts");
    dir
}

fn utc(ms: u64) -> String {
    DateTime::from_timestamp_millis(ms as i64)
        .expect("a time in range")
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The upload chart's bars as the day's records make them: per hour, per device in report
/// order, the tooltip and the colour.
fn expected_upload_bars(day: &[SummaryRecord]) -> Vec<(String, String)> {
    let devices = household::devices_in_order(day);
    let mut per_hour: BTreeMap<(u64, usize), u64> = BTreeMap::new();
    for r in day {
        let hour = (r.window_start - household::day_start()) / household::HOUR;
        let d = devices.iter().position(|d| d.mac == r.device.mac).unwrap();
        *per_hour.entry((hour, d)).or_default() += r.bytes_up;
    }
    per_hour
        .into_iter()
        .filter(|(_, up)| *up > 0)
        .map(|((hour, d), up)| {
            let start = household::day_start() + hour * household::HOUR;
            (
                format!("{} {}: {} up", devices[d].label(), utc(start), bytes(up)),
                PALETTE[d % PALETTE.len()].to_string(),
            )
        })
        .collect()
}

/// The destinations chart's bars: the pairs that received the most, tooltip and colour.
fn expected_destination_bars(day: &[SummaryRecord]) -> Vec<(String, String, String)> {
    let mut rows: Vec<(String, String, u64, &str)> = Vec::new();
    for d in household::devices_in_order(day) {
        for (name, t) in household::destinations_in_order(day, &d) {
            rows.push((name, d.label(), t.up, t.verdict.unwrap().name()));
        }
    }
    rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    rows.into_iter()
        .filter(|r| r.2 > 0)
        .take(TOP)
        .map(|(name, device, up, verdict)| {
            (
                format!("{name} from {device}: {} up ({verdict})", bytes(up)),
                verdict_colour(verdict).to_string(),
                format!("{name} ({device})"),
            )
        })
        .collect()
}

/// Nothing on the page may reach out: no URL, no external resource, no script.
fn assert_self_contained(html: &str, what: &str) {
    let lower = html.to_ascii_lowercase();
    for bad in [
        "http:", "https:", "src=", "href=", "url(", "@import", "<script", "<link", "<iframe",
        "<object", "<embed",
    ] {
        assert!(!lower.contains(bad), "{what} contains {bad:?}");
    }
}

fn check_dom(charts: &[Chart], day: &[SummaryRecord]) {
    let ids: Vec<&str> = charts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["upload-over-time", "top-destinations"]);

    let upload = &charts[0];
    let want = expected_upload_bars(day);
    assert!(want.len() > 50, "a day of traffic gives many bars");
    assert_eq!(
        upload.bars.len(),
        want.len(),
        "one bar per device per hour with an upload"
    );
    let got: Vec<(String, String)> = upload
        .bars
        .iter()
        .map(|b| (b.title.clone(), b.fill.clone()))
        .collect();
    let mut sorted_got = got.clone();
    sorted_got.sort();
    let mut sorted_want = want.clone();
    sorted_want.sort();
    assert_eq!(
        sorted_got, sorted_want,
        "tooltips and colours of the upload bars"
    );
    // Stacked: in each hour each device's bar sits on the one before it.
    for pair in upload.bars.windows(2) {
        if (pair[0].x - pair[1].x).abs() < 0.01 {
            let gap = pair[1].y + pair[1].h - pair[0].y;
            assert!(
                gap.abs() <= 0.6,
                "bars {:?} and {:?} do not stack",
                pair[0].title,
                pair[1].title
            );
        }
    }

    let dests = &charts[1];
    let want = expected_destination_bars(day);
    let got: Vec<(String, String)> = dests
        .bars
        .iter()
        .map(|b| (b.title.clone(), b.fill.clone()))
        .collect();
    let want_bars: Vec<(String, String)> = want
        .iter()
        .map(|(t, c, _)| (t.clone(), c.clone()))
        .collect();
    assert_eq!(
        got, want_bars,
        "the top destinations, in order, coloured by verdict"
    );
    let labels: Vec<_> = dests
        .texts
        .iter()
        .filter(|t| t.has_class("label"))
        .collect();
    assert_eq!(labels.len(), want.len());
    for (label, (_, _, full)) in labels.iter().zip(&want) {
        assert_eq!(
            label.title().as_deref(),
            Some(full.as_str()),
            "the full label as tooltip"
        );
        let shown = label.shown_text();
        for piece in shown.split('\u{2026}') {
            assert!(
                full.contains(piece),
                "{shown:?} is not a shortening of {full:?}"
            );
        }
    }
}

/// The bars on the screen: each bar's inside, where anti-aliasing does not reach, must be its
/// colour; returns the colours found this way. At least ten bars must be large enough to have
/// such an inside.
fn check_bars_painted(img: &pixels::Image, place: Placement, chart: &Chart) -> Vec<String> {
    let mut seen = Vec::new();
    let mut checked = 0;
    for bar in &chart.bars {
        let inside = place.inside(bar.x, bar.y, bar.w, bar.h, 1.5);
        if inside.area() < 4 {
            continue; // too thin to have an inside
        }
        checked += 1;
        let colour = pixels::hex(&bar.fill);
        let matching = img.count_near(inside, colour, 3);
        assert!(
            matching * 100 >= inside.area() * 95,
            "{}: {matching} of {} pixels inside the bar are {}",
            bar.title,
            inside.area(),
            bar.fill
        );
        if !seen.contains(&bar.fill) {
            seen.push(bar.fill.clone());
        }
    }
    // Small uploads make bars too thin to have an inside at this scale; enough must be left.
    assert!(
        checked >= 10,
        "only {checked} of {} bars in {} are large enough to check",
        chart.bars.len(),
        chart.id
    );
    seen
}

fn check_pixels(png: &Path, charts: &[Chart]) {
    let img = pixels::load(png);
    assert_eq!(
        (img.width, img.height),
        (WINDOW.0 as usize, WINDOW.1 as usize)
    );
    let frames = img.chart_frames();
    assert_eq!(
        frames.len(),
        2,
        "two chart frames on the screen: {frames:?}"
    );
    for (frame, chart) in frames.iter().zip(charts) {
        let place = Placement::new(*frame, chart.view_w);
        let height = (frame.y1 - frame.y0) as f64;
        assert!(
            (height - chart.view_h * place.scale).abs() <= 2.0,
            "{} is drawn {height} px high, its view box says {}",
            chart.id,
            chart.view_h * place.scale
        );
        let colours = check_bars_painted(&img, place, chart);
        // Every bar colour of the chart is somewhere on it, bar or not.
        for bar in &chart.bars {
            assert!(
                img.count_near(*frame, pixels::hex(&bar.fill), 3) > 0,
                "{} not painted in {}",
                bar.fill,
                chart.id
            );
        }
        if chart.id == "upload-over-time" {
            assert!(
                colours.len() >= 4,
                "device colours seen inside bars: {colours:?}"
            );
            assert!(colours.iter().all(|c| PALETTE.contains(&c.as_str())));
        }
        // Nothing runs off the chart's left edge (a long label would be cut there).
        let edge = pixels::PixelRect {
            x1: frame.x0 + 3,
            ..*frame
        };
        assert_eq!(
            img.count_ink(edge),
            0,
            "ink at the left edge of {}",
            chart.id
        );
    }
}

#[test]
fn the_html_report_draws_its_charts_in_a_browser() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let work = scratch("report-html");
    let db = work.join("telltale.db");
    let day = household::write_database(&db);
    let out_dir = artifacts();
    let page = out_dir.join("report.html");
    let png = out_dir.join("report.png");
    let _ = std::fs::remove_file(&page);
    let run = telltale_db(
        &db,
        &[
            "report",
            "--since",
            SINCE,
            "--until",
            UNTIL,
            "--format",
            "html",
            "--output",
            page.to_str().unwrap(),
        ],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let html = std::fs::read_to_string(&page).expect("the page was written");
    assert_self_contained(&html, "the page");

    let dumped = chromium.dump_dom(&work, &page);
    assert_self_contained(&dumped, "the DOM");
    assert_eq!(dom::elements(&dumped, "h3").len(), household::DEVICES.len());
    let charts = dom::charts(&dumped);
    check_dom(&charts, &day);

    chromium.screenshot(&work, &page, &png, WINDOW.0, WINDOW.1);
    check_pixels(&png, &charts);
    eprintln!("screenshot: {}", png.display());
}

/// The offline flags are what keeps the browser off the network: with them a page that asks
/// for resources on this machine gets nothing through, without them it does (so the check can
/// fail).
#[test]
fn the_offline_flags_stop_every_request() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let server = {
        let (hits, stop) = (hits.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut s, _)) => {
                        hits.fetch_add(1, Ordering::SeqCst);
                        let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
                        let _ = s.read(&mut [0u8; 512]);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        })
    };
    let work = scratch("report-html-offline");
    let page = work.join("reaching-out.html");
    std::fs::write(
        &page,
        format!(
            "<!DOCTYPE html><html><head><link rel=\"stylesheet\" href=\"http://localhost:{port}/a.css\"></head>\
             <body><img src=\"http://127.0.0.1:{port}/b.png\"><img src=\"http://localhost:{port}/c.png\"></body></html>"
        ),
    )
    .unwrap();

    chromium.run(&work, true, &["--dump-dom"], &page);
    let offline = hits.load(Ordering::SeqCst);
    chromium.run(&work, false, &["--dump-dom"], &page);
    let online = hits.load(Ordering::SeqCst) - offline;
    stop.store(true, Ordering::SeqCst);
    server.join().unwrap();
    assert_eq!(offline, 0, "requests got through the offline flags");
    assert!(
        online > 0,
        "without the flags the page's requests arrive (the probe works)"
    );
}
