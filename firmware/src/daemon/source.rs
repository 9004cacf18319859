//! The one place the daemon opens its frame source, from `[capture]`.
//!
//! Backend `file` replays a capture ([`FileSource`]); the live backends, `tpacket` (the
//! AF_PACKET TPACKET_V3 rings, default ring geometry) and `pnet` (the portable fallback), open
//! both bridge ports through [`open_live`] (`docs/capture.md`).

use std::io;

use crate::capture::bridge::{open_live, LiveBackend};
use crate::capture::file::CaptureError;
use crate::capture::file_source::FileSource;
use crate::capture::source::{FrameSource, SourceError};
use crate::capture::tpacket::{TpacketConfig, TpacketSource};
use crate::config::{CaptureBackend, CaptureConfig};

/// Opens the source `capture` describes; both ports for a live backend. With the rings, a port
/// whose interface does not exist yet is waited for (its ring opens when it appears); `log`
/// says so.
pub fn open_source(
    capture: &CaptureConfig,
    log: &mut dyn FnMut(&str),
) -> Result<Box<dyn FrameSource + Send>, SourceError> {
    match capture.backend {
        CaptureBackend::File => {
            let Some(file) = &capture.file else {
                // The config reader refuses backend "file" without a file.
                return Err(SourceError::Io {
                    interface: "file".to_string(),
                    what: "opening the capture",
                    source: io::Error::new(io::ErrorKind::InvalidInput, "no [capture] file"),
                });
            };
            let source = FileSource::open(&file.path, file.options()).map_err(open_error)?;
            Ok(Box::new(source))
        }
        CaptureBackend::Tpacket => {
            let (source, waiting) =
                TpacketSource::open_waiting(&capture.lan, &capture.wan, &TpacketConfig::default())?;
            for e in waiting {
                log(&format!(
                    "capture: {e}; waiting for it (fault LED until it appears)"
                ));
            }
            Ok(Box::new(source))
        }
        CaptureBackend::Pnet => open_live(
            LiveBackend::Pnet,
            &capture.lan,
            &capture.wan,
            &TpacketConfig::default(),
        ),
    }
}

/// A name for the source in the `file` field of the JSON lines: the capture file, or the backend
/// and the two ports (`tpacket:eth1,eth0`).
pub fn source_name(capture: &CaptureConfig) -> String {
    match (&capture.backend, &capture.file) {
        (CaptureBackend::File, Some(file)) => file.path.display().to_string(),
        (backend, _) => format!("{}:{},{}", backend.name(), capture.lan, capture.wan),
    }
}

/// A capture file that cannot be opened, as a source error naming it.
fn open_error(e: CaptureError) -> SourceError {
    match e {
        CaptureError::Io { path, source } => SourceError::Io {
            interface: path.display().to_string(),
            what: "opening the capture",
            source,
        },
        // The other errors already start with the file's name.
        other => SourceError::Io {
            interface: "file".to_string(),
            what: "opening the capture",
            source: io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::capture::file_source::AtEnd;
    use crate::capture::source::PortHealth;
    use crate::capture::Port;
    use crate::config::FileReplay;

    fn capture(backend: CaptureBackend, file: Option<FileReplay>) -> CaptureConfig {
        CaptureConfig {
            lan: "eth1".into(),
            wan: "eth0".into(),
            backend,
            file,
        }
    }

    #[test]
    fn a_missing_port_is_waited_for_with_the_rings_and_an_error_with_pnet() {
        let mut config = capture(CaptureBackend::Pnet, None);
        config.lan = "tt-missing0".into();
        config.wan = "tt-missing1".into();
        let e = open_source(&config, &mut |_| {}).err().unwrap();
        // Without CAP_NET_RAW the socket is refused before the name is looked up; either
        // way the line starts with the port.
        assert!(e.to_string().starts_with("tt-missing0: "), "{e}");

        config.backend = CaptureBackend::Tpacket;
        let mut lines = Vec::new();
        match open_source(&config, &mut |l| lines.push(l.to_string())) {
            Ok(source) => {
                assert_eq!(
                    lines,
                    [
                        "capture: tt-missing0: no such network interface; waiting for it (fault LED until it appears)",
                        "capture: tt-missing1: no such network interface; waiting for it (fault LED until it appears)",
                    ]
                );
                assert_eq!(source.health(Port::Lan), PortHealth::Missing);
                assert_eq!(source.health(Port::Wan), PortHealth::Missing);
            }
            // Not root: the interface lookup needs no privilege, but the rings do; a missing
            // port never gets that far, so only a permission error on a socket is possible.
            Err(e) => panic!("waiting for missing ports must not fail: {e}"),
        }
        assert_eq!(
            source_name(&capture(CaptureBackend::Tpacket, None)),
            "tpacket:eth1,eth0"
        );
    }

    #[test]
    fn a_missing_file_names_it() {
        let file = FileReplay {
            path: PathBuf::from("/nonexistent/x.pcap"),
            pace: false,
            at_end: AtEnd::Stop,
            ports_by_mac: Vec::new(),
        };
        let config = capture(CaptureBackend::File, Some(file));
        assert_eq!(source_name(&config), "/nonexistent/x.pcap");
        let e = open_source(&config, &mut |_| {}).err().unwrap();
        assert!(
            e.to_string()
                .starts_with("/nonexistent/x.pcap: opening the capture: "),
            "{e}"
        );
    }
}
