//! The signals the daemon answers: SIGHUP asks for the rules to be reloaded, SIGTERM and SIGINT
//! ask it to stop cleanly (finish the batch, flush the flows and the output, exit 0). A second
//! SIGTERM or SIGINT while stopping ends the process at once with status 1.
//!
//! The handlers only set atomic flags (through `signal-hook`, which keeps them async-signal-safe);
//! the daemon's loops look at the flags between batches, at least every
//! [`super::pipeline::POLL_TIMEOUT`].

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::flag;

/// The flags the signal handlers set.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    reload: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Signals {
    /// Flags that no signal sets (tests, or before [`Signals::install`]).
    pub fn new() -> Signals {
        Signals::default()
    }

    /// Installs the handlers for SIGHUP, SIGTERM and SIGINT.
    pub fn install() -> io::Result<Signals> {
        let signals = Signals::new();
        for signal in [SIGTERM, SIGINT] {
            // Registered first: it sees the flag before this signal sets it, so only a second
            // signal while stopping ends the process.
            flag::register_conditional_shutdown(signal, 1, Arc::clone(&signals.stop))?;
            flag::register(signal, Arc::clone(&signals.stop))?;
        }
        flag::register(SIGHUP, Arc::clone(&signals.reload))?;
        Ok(signals)
    }

    /// True once, for each SIGHUP (several before the call count as one).
    pub fn take_reload(&self) -> bool {
        self.reload.swap(false, Ordering::SeqCst)
    }

    /// True once a stop was asked for.
    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Asks for a stop from inside the daemon (the capture ended).
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}
