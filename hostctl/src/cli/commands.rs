//! What each command does and prints.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use telltale_proto::crc32::crc32;
use telltale_proto::message::RULES_CHUNK;
use telltale_proto::{PortState, PortStatus, Request, Response, RulesChunk, Status};

use super::args::{Cli, RulesAction};
use super::connect::{connect, AnyClient};
use super::range;
use crate::pull::pull;
use crate::report::fmt::{bytes, time};
use crate::report::{self, Format};
use crate::store::{self, Store};

/// Now, ms since the epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn open_store(cli: &Cli) -> Result<Store> {
    let path = cli.db.clone().unwrap_or_else(store::default_path);
    Ok(Store::open(&path)?)
}

fn status_of(client: &mut AnyClient) -> Result<Status> {
    match client.request(&Request::Status)? {
        Response::Status(s) => Ok(*s),
        other => bail!("the box answered {other:?} to Status"),
    }
}

fn port_line(p: &PortStatus) -> String {
    let state = match p.state {
        PortState::Up => "up",
        PortState::Down => "down (no link: check the cable)",
        PortState::Missing => "missing (no such interface)",
    };
    format!(
        "{} {state}, {} frames, {} dropped",
        p.name, p.frames, p.drops
    )
}

/// What the LED state means, in words.
fn indicator_meaning(s: &Status) -> &'static str {
    match s.indicator.as_str() {
        "starting" => "waiting for both ports",
        "watching" => "all quiet",
        "notice" => "something new or unusual: see `telltale report`",
        "suspicious upload now" => "a suspicious upload is in progress",
        "alert latched" => "a suspicious upload happened: see `telltale pull`, then `telltale ack`",
        "fault" => "capture or journal trouble: see the box's log",
        _ => "",
    }
}

/// `telltale status`.
pub fn status(cli: &Cli) -> Result<()> {
    let mut client = connect(cli)?;
    let s = status_of(&mut client)?;
    let info = client.info().clone();
    let uptime = Duration::from_secs(s.uptime_s);
    println!(
        "box      {} ({}) on {}",
        info.box_id,
        s.firmware,
        client.port()
    );
    println!("LEDs     {}: {}", s.indicator, indicator_meaning(&s));
    println!(
        "uptime   {}d {}h {}m",
        uptime.as_secs() / 86_400,
        uptime.as_secs() / 3600 % 24,
        uptime.as_secs() / 60 % 60
    );
    if s.clock_set {
        println!("clock    {}", time(s.clock_ms));
    } else {
        println!(
            "clock    {} (not set since boot: run `telltale time sync`)",
            time(s.clock_ms)
        );
    }
    println!("lan      {}", port_line(&s.lan));
    println!("wan      {}", port_line(&s.wan));
    println!(
        "traffic  {} frames, {} skipped, {} devices, {} flows now, {} alerts (last #{})",
        s.frames, s.skipped, s.devices, s.flows, s.alerts, s.last_alert_seq
    );
    let j = s.journal;
    println!(
        "journal  summaries #{}..#{}, pulled up to #{}, {} of {}{}",
        j.first_seq,
        j.last_seq,
        j.acked_seq,
        bytes(j.bytes),
        bytes(j.cap_bytes),
        if j.lost > 0 {
            format!(", {} lost before they were pulled (journal full)", j.lost)
        } else {
            String::new()
        }
    );
    println!("rules    crc {:08x}", s.rules_crc);
    Ok(())
}

/// `telltale pull`.
pub fn pull_cmd(cli: &Cli) -> Result<()> {
    let mut client = connect(cli)?;
    let mut store = open_store(cli)?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "pulling {bar:40} {pos}/{len} summaries ({per_sec})",
            )
            .expect("a valid template"),
        );
        bar
    });
    let report = pull(&mut client, &mut store, now_ms(), &mut |done, total| {
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(done);
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = report?;
    if report.summaries == 0 && report.alerts.is_empty() {
        println!(
            "nothing new from {} (up to summary #{})",
            report.box_id, report.last_seq
        );
    } else {
        println!(
            "{} new summaries (up to #{}) and {} new alerts from {}",
            report.summaries,
            report.last_seq,
            report.alerts.len(),
            report.box_id
        );
    }
    if report.missed > 0 {
        println!(
            "warning: {} summaries were dropped on the box before they could be pulled (its journal was full)",
            report.missed
        );
    }
    for a in &report.alerts {
        print_alert(a);
    }
    if report.retries > 0 {
        eprintln!("({} requests repeated on a noisy link)", report.retries);
    }
    Ok(())
}

fn print_alert(a: &telltale_proto::AlertRecord) {
    let device = a
        .device
        .hostname
        .clone()
        .unwrap_or_else(|| store::mac_text(&a.device.mac));
    let dest = a
        .destination
        .name
        .clone()
        .unwrap_or_else(|| a.destination.ip.to_string());
    println!(
        "  {}  {}  {} -> {}: {} up; {}",
        time(a.ts),
        a.severity.name(),
        device,
        dest,
        bytes(a.bytes_up),
        a.reasons.join("; ")
    );
}

/// `telltale watch`.
pub fn watch(cli: &Cli, interval: f64) -> Result<()> {
    let mut client = connect(cli)?;
    let mut store = open_store(cli)?;
    let box_id = client.info().box_id.clone();
    let mut after = status_of(&mut client)?.last_alert_seq;
    println!("watching {box_id} for alerts (Ctrl-C to stop)");
    loop {
        match client.request(&Request::Alerts { after, max: 64 })? {
            Response::AlertBatch { alerts, last, .. } => {
                store.insert_alerts(&box_id, &alerts)?;
                for a in &alerts {
                    print_alert(a);
                }
                after = after.max(last);
                std::io::stdout().flush()?;
            }
            other => bail!("the box answered {other:?} to Alerts"),
        }
        std::thread::sleep(Duration::from_secs_f64(interval.max(0.1)));
    }
}

/// `telltale report`.
pub fn report_cmd(
    cli: &Cli,
    since: &str,
    until: &str,
    format: Format,
    output: Option<&Path>,
) -> Result<()> {
    let now = now_ms();
    let from = range::parse("--since", since, now)?;
    let to = range::parse("--until", until, now)?;
    if to <= from {
        bail!("--until {until:?} is not after --since {since:?}");
    }
    let store = open_store(cli)?;
    let summaries = store.summaries(from, to)?;
    let alerts = store.alerts(from, to)?;
    let r = report::build(from, to, &summaries, &alerts);
    let text = report::render(&r, format);
    let output = output
        .map(Path::to_path_buf)
        .or_else(|| (format == Format::Html).then(|| "telltale-report.html".into()));
    match output {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// `telltale ack`.
pub fn ack(cli: &Cli) -> Result<()> {
    let mut client = connect(cli)?;
    let upto = status_of(&mut client)?.last_alert_seq;
    match client.request(&Request::AckAlerts { upto })? {
        Response::AlertsAcked { upto, latched } => {
            if latched {
                println!("acknowledged alerts up to #{upto}; a newer alert keeps the red LED on");
            } else {
                println!("acknowledged alerts up to #{upto}; the red LED's latch is cleared");
            }
            Ok(())
        }
        other => bail!("the box answered {other:?} to AckAlerts"),
    }
}

/// `telltale rules push|get|check`.
pub fn rules(cli: &Cli, action: &RulesAction) -> Result<()> {
    let mut client = connect(cli)?;
    match action {
        RulesAction::Push { file } | RulesAction::Check { file } => {
            let apply = matches!(action, RulesAction::Push { .. });
            let text =
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            send_rules(&mut client, &text, apply, file)
        }
        RulesAction::Get { output } => {
            let text = get_rules(&mut client)?;
            match output {
                Some(path) => {
                    std::fs::write(path, &text)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote {} ({} bytes)", path.display(), text.len());
                }
                None => std::io::stdout().write_all(&text)?,
            }
            Ok(())
        }
    }
}

fn send_rules(client: &mut AnyClient, text: &[u8], apply: bool, file: &Path) -> Result<()> {
    let total = u32::try_from(text.len()).context("rules file too large")?;
    let crc = crc32(text);
    let mut offset = 0usize;
    loop {
        let end = (offset + RULES_CHUNK).min(text.len());
        let answer = client.request(&Request::PutRules(RulesChunk {
            offset: offset as u32,
            total,
            crc,
            data: text[offset..end].to_vec(),
            apply,
        }))?;
        match answer {
            Response::RulesReceived { received } => offset = received as usize,
            Response::RulesApplied { bytes, .. } => {
                println!("{}: in force on the box ({bytes} bytes)", file.display());
                return Ok(());
            }
            Response::RulesValid { bytes, .. } => {
                println!(
                    "{}: valid ({bytes} bytes); nothing changed on the box",
                    file.display()
                );
                return Ok(());
            }
            Response::RulesRejected { reason } => {
                bail!(
                    "{}: rejected, the box keeps its rules: {reason}",
                    file.display()
                )
            }
            other => bail!("the box answered {other:?} to PutRules"),
        }
        if offset >= text.len() && !text.is_empty() {
            bail!("the box took every byte but did not answer for the whole file");
        }
    }
}

fn get_rules(client: &mut AnyClient) -> Result<Vec<u8>> {
    let mut text = Vec::new();
    loop {
        match client.request(&Request::GetRules {
            offset: text.len() as u32,
        })? {
            Response::Rules(chunk) => {
                if chunk.offset as usize != text.len() {
                    bail!(
                        "the box sent rules from offset {} instead of {}",
                        chunk.offset,
                        text.len()
                    );
                }
                text.extend_from_slice(&chunk.data);
                if text.len() >= chunk.total as usize || chunk.data.is_empty() {
                    if crc32(&text) != chunk.crc {
                        bail!("the rules changed on the box while they were read; try again");
                    }
                    return Ok(text);
                }
            }
            other => bail!("the box answered {other:?} to GetRules"),
        }
    }
}

/// `telltale time sync`.
pub fn time_sync(cli: &Cli) -> Result<()> {
    let mut client = connect(cli)?;
    let now = now_ms();
    match client.request(&Request::SetTime { unix_ms: now })? {
        Response::TimeSet { previous_ms } => {
            let drift = now as i64 - previous_ms as i64;
            println!(
                "box clock set to {} (it was {}, {} s {})",
                time(now),
                time(previous_ms),
                drift.unsigned_abs() / 1000,
                if drift >= 0 { "behind" } else { "ahead" }
            );
            Ok(())
        }
        other => bail!("the box answered {other:?} to SetTime"),
    }
}
