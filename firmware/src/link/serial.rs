//! The link on a serial device: `/dev/ttyGS0` (the USB CDC-ACM gadget) on the box, a pty in
//! tests. The device is opened raw (no echo, no line discipline, 8N1); when the host goes away
//! or the device disappears (cable pulled, gadget re-enumerated) it is reopened.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serialport::TTYPort;

use super::backend::LinkBackend;
use super::serve::{serve_stream, Ended, ServeStats};

/// How long a read waits before the stop flag is checked again.
const READ_TIMEOUT: Duration = Duration::from_millis(100);

/// How long to wait before reopening a device that failed or is missing.
const REOPEN_AFTER: Duration = Duration::from_millis(250);

/// Opens `path` raw at 115200 8N1 (the gadget ignores the rate; a real UART does not).
pub fn open_raw(path: &Path) -> io::Result<TTYPort> {
    let name = path.to_string_lossy();
    serialport::new(name.as_ref(), 115_200)
        .timeout(READ_TIMEOUT)
        .open_native()
        .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))
}

/// Serves the link on the serial device `path` until `stop` is raised: opens it, serves, and
/// reopens after a failure or a hang-up. `log` receives one line per event worth logging.
pub fn run_serial(
    path: &Path,
    backend: &mut dyn LinkBackend,
    stop: &AtomicBool,
    log: &mut dyn FnMut(&str),
) -> ServeStats {
    let mut stats = ServeStats::default();
    let mut last_error = String::new();
    while !stop.load(Ordering::Relaxed) {
        let mut port = match open_raw(path) {
            Ok(p) => p,
            Err(e) => {
                // Log a failure once, not every quarter second.
                let line = format!("link: cannot open {e}; retrying");
                if line != last_error {
                    log(&line);
                    last_error = line;
                }
                std::thread::sleep(REOPEN_AFTER);
                continue;
            }
        };
        last_error.clear();
        log(&format!("link: serving on {}", path.display()));
        match serve_stream(&mut port, backend, stop, &mut stats) {
            Ok(Ended::Stopped) => break,
            Ok(Ended::Disconnected) => log(&format!("link: {} hung up", path.display())),
            Err(e) => log(&format!("link: {}: {e}", path.display())),
        }
        std::thread::sleep(REOPEN_AFTER);
    }
    stats
}
