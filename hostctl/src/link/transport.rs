//! The byte pipes a host reaches a box through: the USB serial port, or TCP. Both can be reopened
//! when the cable is pulled or the box restarts.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serialport::TTYPort;

/// How long one read waits for bytes.
pub const READ_SLICE: Duration = Duration::from_millis(50);

/// A reopenable byte pipe to the box.
pub trait Transport: Read + Write + Send {
    /// Closes and opens the pipe again.
    fn reopen(&mut self) -> io::Result<()>;
    /// What it is (`/dev/ttyACM0`, `tcp 192.168.1.2:7878`), for messages.
    fn describe(&self) -> String;
}

/// The box's USB serial port, opened raw.
#[derive(Debug)]
pub struct SerialTransport {
    path: PathBuf,
    port: Option<TTYPort>,
}

impl SerialTransport {
    /// Opens `path` raw at 115200 8N1.
    pub fn open(path: &Path) -> io::Result<Self> {
        let mut t = SerialTransport {
            path: path.to_path_buf(),
            port: None,
        };
        t.reopen()?;
        Ok(t)
    }

    fn port(&mut self) -> io::Result<&mut TTYPort> {
        self.port
            .as_mut()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotConnected, "port closed"))
    }
}

impl Read for SerialTransport {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.port()?.read(buf)
    }
}

impl Write for SerialTransport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.port()?.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.port()?.flush()
    }
}

impl Transport for SerialTransport {
    fn reopen(&mut self) -> io::Result<()> {
        self.port = None;
        let name = self.path.to_string_lossy().into_owned();
        let port = serialport::new(name, 115_200)
            .timeout(READ_SLICE)
            .open_native()
            .map_err(|e| {
                let kind = match e.kind() {
                    serialport::ErrorKind::NoDevice => io::ErrorKind::NotFound,
                    serialport::ErrorKind::Io(kind) => kind,
                    _ => io::ErrorKind::Other,
                };
                io::Error::new(kind, format!("{}: {e}", self.path.display()))
            })?;
        self.port = Some(port);
        Ok(())
    }
    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

/// The link over TCP (`telltale --tcp host:port`).
#[derive(Debug)]
pub struct TcpTransport {
    addr: String,
    stream: Option<TcpStream>,
}

impl TcpTransport {
    /// Connects to `addr`.
    pub fn connect(addr: &str) -> io::Result<Self> {
        let mut t = TcpTransport {
            addr: addr.to_string(),
            stream: None,
        };
        t.reopen()?;
        Ok(t)
    }

    fn stream(&mut self) -> io::Result<&mut TcpStream> {
        self.stream
            .as_mut()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotConnected, "not connected"))
    }
}

impl Read for TcpTransport {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream()?.read(buf)
    }
}

impl Write for TcpTransport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream()?.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.stream()?.flush()
    }
}

impl Transport for TcpTransport {
    fn reopen(&mut self) -> io::Result<()> {
        self.stream = None;
        let mut last = io::Error::new(
            io::ErrorKind::NotFound,
            format!("{}: no address", self.addr),
        );
        for addr in self.addr.to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, Duration::from_secs(3)) {
                Ok(s) => {
                    s.set_read_timeout(Some(READ_SLICE))?;
                    s.set_nodelay(true)?;
                    self.stream = Some(s);
                    return Ok(());
                }
                Err(e) => last = io::Error::new(e.kind(), format!("{}: {e}", self.addr)),
            }
        }
        Err(last)
    }
    fn describe(&self) -> String {
        format!("tcp {}", self.addr)
    }
}
