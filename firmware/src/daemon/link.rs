//! The link thread(s): the host link served on the serial device (`[link] device`, reopened as
//! the USB gadget comes and goes) and, when configured, on TCP (`[link] tcp`), until the daemon
//! stops.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::config::LinkConfig;
use crate::link::journal_backend::JournalBackend;
use crate::link::serial::run_serial;
use crate::link::tcp::run_tcp;

use super::control::DaemonControl;
use super::error::DaemonError;
use super::journals::Journals;

/// The running link threads.
#[derive(Debug)]
pub struct LinkThreads {
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<()>>,
}

fn log(line: &str) {
    eprintln!("telltaled: {line}");
}

impl LinkThreads {
    /// Starts the link as configured; `control` makes the daemon's answers (one per thread).
    pub fn spawn(
        config: &LinkConfig,
        journals: &Journals,
        mut control: impl FnMut() -> DaemonControl,
    ) -> Result<LinkThreads, DaemonError> {
        let stop = Arc::new(AtomicBool::new(false));
        let mut handles = Vec::new();
        if !config.enabled {
            return Ok(LinkThreads { stop, handles });
        }
        let backend = |c: DaemonControl| {
            JournalBackend::new(
                journals.summaries.clone(),
                journals.alerts.clone(),
                Box::new(c),
            )
        };
        let mut serial = backend(control());
        let device = config.device.clone();
        let s = stop.clone();
        handles.push(
            std::thread::Builder::new()
                .name("telltale-link".into())
                .spawn(move || {
                    run_serial(&device, &mut serial, &s, &mut |l| log(l));
                })
                .map_err(DaemonError::Thread)?,
        );
        if let Some(addr) = config.tcp {
            let listener = TcpListener::bind(addr).map_err(|e| DaemonError::Link(addr, e))?;
            log(&format!("link: listening on tcp {addr}"));
            let mut tcp = backend(control());
            let s = stop.clone();
            handles.push(
                std::thread::Builder::new()
                    .name("telltale-link-tcp".into())
                    .spawn(move || {
                        if let Err(e) = run_tcp(listener, &mut tcp, &s, &mut |l| log(l)) {
                            log(&format!("link: tcp {addr}: {e}"));
                        }
                    })
                    .map_err(DaemonError::Thread)?,
            );
        }
        Ok(LinkThreads { stop, handles })
    }

    /// Stops the threads and waits for them.
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        for h in self.handles {
            let _ = h.join();
        }
    }
}
