//! The one place the daemon opens its frame source, from `[capture]`.
//!
//! Backend `file` replays a capture ([`FileSource`]). The live backends (`tpacket`, the
//! AF_PACKET TPACKET_V3 rings, and `pnet`, the portable fallback) are built separately; until they
//! are merged their arm returns a one-line error saying so, and merging them is a change to
//! [`open_source`] only.

use std::io;

use crate::capture::file::CaptureError;
use crate::capture::file_source::FileSource;
use crate::capture::source::{FrameSource, SourceError};
use crate::config::{CaptureBackend, CaptureConfig};

/// Opens the source `capture` describes; both ports for a live backend.
pub fn open_source(capture: &CaptureConfig) -> Result<Box<dyn FrameSource + Send>, SourceError> {
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
        CaptureBackend::Tpacket | CaptureBackend::Pnet => Err(not_built(capture)),
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

/// The live backends are not in this build yet.
fn not_built(capture: &CaptureConfig) -> SourceError {
    SourceError::Io {
        interface: capture.lan.clone(),
        what: match capture.backend {
            CaptureBackend::Pnet => "opening the pnet capture",
            _ => "opening the tpacket capture",
        },
        source: io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "the {} backend is not built into this telltaled yet (backend = \"file\" replays a capture)",
                capture.backend.name()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::capture::file_source::AtEnd;
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
    fn live_backends_say_they_are_not_built_yet() {
        let e = open_source(&capture(CaptureBackend::Tpacket, None))
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "eth1: opening the tpacket capture: the tpacket backend is not built into this telltaled yet (backend = \"file\" replays a capture)"
        );
        let e = open_source(&capture(CaptureBackend::Pnet, None))
            .err()
            .unwrap();
        assert!(e
            .to_string()
            .starts_with("eth1: opening the pnet capture: the pnet backend"));
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
        let e = open_source(&config).err().unwrap();
        assert!(
            e.to_string()
                .starts_with("/nonexistent/x.pcap: opening the capture: "),
            "{e}"
        );
    }
}
