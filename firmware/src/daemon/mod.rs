//! `telltaled run`: the appliance. Loads the rules and tables, opens the frame source and the
//! LEDs, then runs three threads until SIGTERM/SIGINT (or the end of a capture file):
//!
//! - the engine thread ([`pipeline`]): frames in, JSON lines out, LED inputs, watchdog;
//! - the LED thread ([`leds`]): the board's indicator driver on embassy-time;
//! - the main thread: signals; on SIGHUP it loads the rules file and hands the new rules to the
//!   engine thread, or logs why the file was rejected (`FILE:LINE: ...`) and keeps the old ones.
//!
//! Files: `source` (the one place the frame source is opened), `tables` (the engine from the
//! config), `pipeline`, `tap` (alerts of a batch), `led_feed` (engine -> LED messages), `leds`
//! and `led_lines` (the LED thread and its JSON lines), `output` (the shared JSON output),
//! `signals`, `notify` (systemd's notify protocol), `error`. Operating it: `docs/daemon.md`.

mod control;
mod error;
mod journals;
mod led_feed;
mod led_lines;
mod leds;
mod link;
mod notify;
mod output;
mod pipeline;
mod signals;
mod source;
mod status;
mod tables;
mod tap;

pub use control::box_id;
pub use error::DaemonError;
pub use journals::Journals;
pub use notify::Notifier;
pub use output::{OutputError, SharedOut};
pub use pipeline::{Ended, Totals, POLL_TIMEOUT};
pub use signals::Signals;
pub use source::{open_source, source_name};
pub use tables::build_engine;

use std::sync::atomic::AtomicBool;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use telltale_proto::crc32::crc32;

use crate::config::Config;
use crate::replay::json::{Emit, JsonSink};
use crate::rules::Rules;

use control::DaemonControl;
use led_feed::LedFeed;
use leds::LedThread;
use link::LinkThreads;
use pipeline::Pipeline;

/// How often the main thread looks for SIGHUP and the engine thread's end.
const SUPERVISE_EVERY: Duration = Duration::from_millis(50);

/// One log line on standard error (the journal, under systemd).
fn log(line: &str) {
    eprintln!("telltaled: {line}");
}

/// Runs the daemon with `config` until it is stopped. Returns what the engine did, or why the
/// daemon could not start or had to stop.
pub fn run(config: &Config) -> Result<Totals, DaemonError> {
    let notifier = Notifier::from_env().map_err(DaemonError::Notify)?;
    notifier.status("loading the rules and tables");
    let rules = Rules::load(&config.rules)?;
    let engine = build_engine(config, rules, &mut |w| log(&w));
    let out = SharedOut::open(config.output.events.as_ref())?;
    let signals = Signals::install().map_err(DaemonError::Signals)?;
    let journals = Journals::open(&config.journal, &mut |l| log(l))?;
    let rules_crc = std::fs::read(&config.rules).map_or(0, |t| crc32(&t));
    let status = status::shared(&config.capture.lan, &config.capture.wan, rules_crc);
    let name = source_name(&config.capture);
    let source = open_source(&config.capture, &mut |l| log(l))?;
    let led_thread = LedThread::spawn(
        &config.leds,
        out.clone(),
        config.output.emit.leds,
        name.clone(),
        status.clone(),
    )?;
    let emit = config.output.emit;
    let mut sink = JsonSink::new(
        out,
        Emit {
            events: emit.events,
            flows: emit.flows,
            alerts: emit.alerts,
        },
    );
    sink.set_file(&name);
    let (rules_tx, rules_rx) = mpsc::channel();
    let clock_set = Arc::new(AtomicBool::new(false));
    let link = LinkThreads::spawn(&config.link, &journals, || DaemonControl {
        rules_path: config.rules.clone(),
        rules_tx: rules_tx.clone(),
        leds: led_thread.sender(),
        status: status.clone(),
        journals: journals.clone(),
        clock_set: clock_set.clone(),
    })?;
    let pipeline = Pipeline {
        engine,
        source,
        sink,
        leds: LedFeed::new(led_thread.sender()),
        new_rules: rules_rx,
        signals: signals.clone(),
        notifier: notifier.clone(),
        utc_offset: config.utc_offset,
        source_name: name.clone(),
        journals: journals.clone(),
        status,
    };
    // Ready: the source is open and the LEDs run; the engine loop starts now.
    let ready = format!("capturing from {name}");
    log(&ready);
    notifier.ready(&ready);
    let engine_thread = std::thread::Builder::new()
        .name("telltale-engine".into())
        .spawn(move || pipeline.run())
        .map_err(DaemonError::Thread)?;

    while !engine_thread.is_finished() {
        if signals.take_reload() {
            reload(config, &rules_tx, &notifier);
        }
        std::thread::sleep(SUPERVISE_EVERY);
    }
    let result = engine_thread.join();
    notifier.stopping("stopping");
    link.stop();
    journals.sync(&mut |l| log(l));
    let leds = led_thread.stop();
    let totals = match result {
        Ok(Ok(totals)) => totals,
        Ok(Err(e)) => return Err(e.into()),
        Err(_) => return Err(DaemonError::Panicked("engine")),
    };
    leds?;
    log(&format!(
        "{}: {} frames, {} alerts; flows flushed",
        match totals.ended {
            Ended::Stopped => "stopped",
            Ended::Finished => "end of the capture",
        },
        totals.frames,
        totals.alerts
    ));
    Ok(totals)
}

/// SIGHUP: loads the rules file whole; a good one goes to the engine thread, a bad one is
/// logged with its place and the engine keeps the rules it has.
fn reload(config: &Config, to_engine: &mpsc::Sender<Rules>, notifier: &Notifier) {
    match Rules::load(&config.rules) {
        Ok(rules) => {
            let summary = rules.summary(&config.rules);
            let line = format!(
                "rules reloaded from {}: watchlists {}, watched domains {}",
                config.rules.display(),
                summary.lists.len(),
                summary.domains
            );
            if to_engine.send(rules).is_ok() {
                log(&line);
                notifier.status(&line);
            }
        }
        Err(e) => {
            let line = format!("reload rejected, the previous rules stay: {e}");
            log(&line);
            notifier.status(&line);
        }
    }
}
