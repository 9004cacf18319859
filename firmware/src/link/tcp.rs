//! The link over TCP, for a box reached over the network (off by default: the box's promise is
//! that nothing leaves it except over the USB cable). One host at a time.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::backend::LinkBackend;
use super::serve::{serve_stream, ServeStats};

/// Listens on `addr` and serves one connection at a time until `stop` is raised.
pub fn run_tcp(
    listener: TcpListener,
    backend: &mut dyn LinkBackend,
    stop: &AtomicBool,
    log: &mut dyn FnMut(&str),
) -> io::Result<ServeStats> {
    listener.set_nonblocking(true)?;
    let mut stats = ServeStats::default();
    while !stop.load(Ordering::Relaxed) {
        let (mut stream, peer): (_, SocketAddr) = match listener.accept() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            Err(e) => return Err(e),
        };
        stream.set_nonblocking(false)?;
        stream.set_read_timeout(Some(Duration::from_millis(100)))?;
        stream.set_nodelay(true)?;
        log(&format!("link: host {peer} connected"));
        match serve_stream(&mut stream, backend, stop, &mut stats) {
            Ok(_) => log(&format!("link: host {peer} left")),
            Err(e) => log(&format!("link: host {peer}: {e}")),
        }
    }
    Ok(stats)
}
