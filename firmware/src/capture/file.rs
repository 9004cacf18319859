//! Capture files: memory-maps a pcap or pcapng file and iterates its frames without copying.
//!
//! This module owns opening a capture file (`CaptureFile`), detecting its format by magic, the
//! frame iterator over it (`Frames`), and the errors a file can produce (`CaptureError`). The
//! record and block layouts live in `pcap` and `pcapng`; both read the mapped bytes in place and
//! hand out `Frame`s whose `data` borrows the mapping.
//!
//! Rules every reader follows:
//! - Every `Err` an iterator yields is its last item; `None` follows forever (`FusedIterator`).
//! - Frame numbers are 1-based and match tshark's `frame.number`: every pcap record, and in pcapng
//!   only packet blocks (EPB, SPB, obsolete PB) count.
//! - A captured length larger than the original length is kept: `data` holds all captured bytes
//!   and `wire_len` is raised to `data.len()` (a frame cannot be shorter on the wire than on disk).
//! - No allocation per frame; pcapng keeps a `Vec` of interfaces that grows only at an IDB.

use core::fmt;
use std::fs::File;
use std::iter::FusedIterator;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use thiserror::Error;

use super::pcap::{self, PcapHeader, PcapRecords};
use super::pcapng::{self, PcapngBlocks};
use super::Frame;

/// Byte order of a capture's header fields, chosen by its magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// Least significant byte first.
    Little,
    /// Most significant byte first (network order).
    Big,
}

impl ByteOrder {
    /// Reads a u16 at `at`, or `None` if `buf` is too short.
    #[inline]
    pub fn u16_at(self, buf: &[u8], at: usize) -> Option<u16> {
        let b: [u8; 2] = buf.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(match self {
            ByteOrder::Little => u16::from_le_bytes(b),
            ByteOrder::Big => u16::from_be_bytes(b),
        })
    }

    /// Reads a u32 at `at`, or `None` if `buf` is too short.
    #[inline]
    pub fn u32_at(self, buf: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = buf.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            ByteOrder::Little => u32::from_le_bytes(b),
            ByteOrder::Big => u32::from_be_bytes(b),
        })
    }

    /// Reads a u64 at `at`, or `None` if `buf` is too short.
    #[inline]
    pub fn u64_at(self, buf: &[u8], at: usize) -> Option<u64> {
        let b: [u8; 8] = buf.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(match self {
            ByteOrder::Little => u64::from_le_bytes(b),
            ByteOrder::Big => u64::from_be_bytes(b),
        })
    }
}

impl fmt::Display for ByteOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ByteOrder::Little => "little-endian",
            ByteOrder::Big => "big-endian",
        })
    }
}

/// The container format of a capture file, as detected from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic libpcap file with its parsed global header.
    Pcap(PcapHeader),
    /// pcapng; the byte order is that of the first section (later sections may differ).
    Pcapng {
        /// Byte order of the first Section Header Block.
        order: ByteOrder,
    },
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Pcap(h) => write!(f, "{h}"),
            Format::Pcapng { order } => write!(f, "pcapng ({order})"),
        }
    }
}

/// A pcap link-type number shown with its `LINKTYPE_*` name when known: `LINKTYPE_IEEE802_11 (105)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkTypeCode(pub u32);

impl LinkTypeCode {
    /// The registry name of the link type (tcpdump.org/linktypes.html), if it is a common one.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "LINKTYPE_NULL",
            1 => "LINKTYPE_ETHERNET",
            6 => "LINKTYPE_IEEE802_5",
            9 => "LINKTYPE_PPP",
            10 => "LINKTYPE_FDDI",
            12 | 14 => "DLT_RAW",
            50 => "LINKTYPE_PPP_HDLC",
            51 => "LINKTYPE_PPP_ETHER",
            101 => "LINKTYPE_RAW",
            104 => "LINKTYPE_C_HDLC",
            105 => "LINKTYPE_IEEE802_11",
            108 => "LINKTYPE_LOOP",
            113 => "LINKTYPE_LINUX_SLL",
            119 => "LINKTYPE_IEEE802_11_PRISM",
            127 => "LINKTYPE_IEEE802_11_RADIOTAP",
            147..=162 => "LINKTYPE_USER0-15",
            163 => "LINKTYPE_IEEE802_11_AVS",
            189 => "LINKTYPE_USB_LINUX",
            192 => "LINKTYPE_PPI",
            195 => "LINKTYPE_IEEE802_15_4_WITHFCS",
            201 => "LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR",
            220 => "LINKTYPE_USB_LINUX_MMAPPED",
            228 => "LINKTYPE_IPV4",
            229 => "LINKTYPE_IPV6",
            239 => "LINKTYPE_NFLOG",
            252 => "LINKTYPE_WIRESHARK_UPPER_PDU",
            253 => "LINKTYPE_NETLINK",
            276 => "LINKTYPE_LINUX_SLL2",
            _ => return None,
        })
    }
}

impl fmt::Display for LinkTypeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.0),
            None => write!(f, "{} (unknown)", self.0),
        }
    }
}

/// Formats `" in frame N"` when a frame number is known.
struct InFrame(Option<u64>);

impl fmt::Display for InFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(n) => write!(f, " in frame {n}"),
            None => Ok(()),
        }
    }
}

/// What is wrong inside a capture whose bytes are all there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Defect {
    /// The file header's magic is no pcap magic (only reachable through `PcapHeader::parse`).
    #[error("pcap magic {0:#010x} is not recognised")]
    PcapMagic(u32),
    /// The pcap global header carries a major version other than 2.
    #[error("pcap version {major}.{minor} is not supported (only 2.x)")]
    PcapVersion {
        /// Major version in the file.
        major: u16,
        /// Minor version in the file.
        minor: u16,
    },
    /// A Section Header Block carries a major version other than 1.
    #[error("pcapng section version {major}.{minor} is not supported (only 1.x)")]
    PcapngVersion {
        /// Major version in the block.
        major: u16,
        /// Minor version in the block.
        minor: u16,
    },
    /// A Section Header Block's byte-order magic is neither order of 0x1a2b3c4d.
    #[error("section byte-order magic {0:#010x} is not 0x1a2b3c4d in either byte order")]
    ByteOrderMagic(u32),
    /// A block's total length is below the minimum for its type.
    #[error("block type {block_type:#x} has total length {length}, below its minimum of {min}")]
    BlockTooShort {
        /// Block type code.
        block_type: u32,
        /// Total length claimed.
        length: u32,
        /// Minimum for this block type.
        min: u32,
    },
    /// A block's total length is not a multiple of 4.
    #[error("block total length {0} is not a multiple of 4")]
    BlockNotAligned(u32),
    /// The trailing copy of a block's total length differs from the leading one.
    #[error("block total length {leading} does not match its trailing copy {trailing}")]
    LengthMismatch {
        /// Length at the start of the block.
        leading: u32,
        /// Length at the end of the block.
        trailing: u32,
    },
    /// A packet block's captured length runs past the end of its block.
    #[error("captured length {captured} runs past the end of its block ({room} bytes of room)")]
    PacketPastBlock {
        /// Captured length claimed.
        captured: u32,
        /// Bytes available for packet data in the block.
        room: u32,
    },
    /// A packet names an interface the section has not described.
    #[error("packet names interface {id} but the section describes {count} interface(s)")]
    UnknownInterface {
        /// Interface ID in the packet block.
        id: u32,
        /// Interfaces described so far in this section.
        count: usize,
    },
    /// An Interface Description Block option runs past the end of its block.
    #[error("interface option {code} of length {len} runs past the end of its block")]
    OptionPastBlock {
        /// Option code.
        code: u16,
        /// Option length claimed.
        len: u16,
    },
    /// An Interface Description Block option has the wrong size for its code.
    #[error("interface option {code} has length {len}, expected {want}")]
    OptionSize {
        /// Option code.
        code: u16,
        /// Option length found.
        len: u16,
        /// Length the option must have.
        want: u16,
    },
}

/// Why a capture file could not be opened or read. Display is one line naming the file.
#[derive(Debug, Error)]
pub enum CaptureError {
    /// The file could not be opened, inspected or mapped.
    #[error("{}: cannot read capture file: {source}", .path.display())]
    Io {
        /// The capture file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file has no bytes at all.
    #[error("{}: empty file, not a capture", .path.display())]
    Empty {
        /// The capture file.
        path: PathBuf,
    },
    /// The file ends before its format's file header does.
    #[error("{}: {len} bytes is too short for a {what} (needs {need})", .path.display())]
    TooShort {
        /// The capture file.
        path: PathBuf,
        /// Which header was expected.
        what: &'static str,
        /// File length in bytes.
        len: u64,
        /// Bytes the header needs.
        need: u64,
    },
    /// The first four bytes are no pcap or pcapng magic.
    #[error("{}: not a pcap or pcapng capture (magic {magic:#010x})", .path.display())]
    NotACapture {
        /// The file.
        path: PathBuf,
        /// The first four bytes, read big-endian.
        magic: u32,
    },
    /// The link layer is one telltale does not dissect (pcap: at open; pcapng: at the first packet
    /// on that interface).
    #[error(
        "{}: unsupported link type {}{} (telltale reads Ethernet, loopback, raw IP and Linux cooked captures)",
        .path.display(), LinkTypeCode(*.code), InFrame(*.frame)
    )]
    UnsupportedLinkType {
        /// The capture file.
        path: PathBuf,
        /// The link-type number.
        code: u32,
        /// The frame that met it (pcapng), `None` when refused at open (pcap).
        frame: Option<u64>,
    },
    /// The file ends inside a record or block: frames before `frame` were complete.
    #[error(
        "{}: truncated at byte {offset} while reading frame {frame}: {what} needs {need} bytes, {have} remain",
        .path.display()
    )]
    Truncated {
        /// The capture file.
        path: PathBuf,
        /// Number of the frame being read (frames `1..frame` were yielded).
        frame: u64,
        /// Byte offset of the record or block that is cut.
        offset: u64,
        /// What was being read ("record header", "packet data", "block", ...).
        what: &'static str,
        /// Bytes it needs from `offset`.
        need: u64,
        /// Bytes the file holds from `offset`.
        have: u64,
    },
    /// A record or block is complete but makes no sense.
    #[error("{}: malformed capture at byte {offset} while reading frame {frame}: {defect}", .path.display())]
    Malformed {
        /// The capture file.
        path: PathBuf,
        /// Number of the frame being read (frames `1..frame` were yielded).
        frame: u64,
        /// Byte offset of the record or block at fault.
        offset: u64,
        /// What is wrong.
        defect: Defect,
    },
}

/// A reader's error before the file name and frame number are attached (see `Frames`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReadError {
    /// The bytes end inside a structure.
    Truncated {
        what: &'static str,
        offset: usize,
        need: usize,
        have: usize,
    },
    /// A structure is complete but invalid.
    Malformed { offset: usize, defect: Defect },
    /// A packet's interface has a link type we do not dissect.
    UnsupportedLinkType { code: u32 },
}

impl ReadError {
    /// Attaches the file and the number of the frame being read.
    fn into_capture_error(self, path: &Path, frame: u64) -> CaptureError {
        let path = path.to_path_buf();
        match self {
            ReadError::Truncated {
                what,
                offset,
                need,
                have,
            } => CaptureError::Truncated {
                path,
                frame,
                offset: offset as u64,
                what,
                need: need as u64,
                have: have as u64,
            },
            ReadError::Malformed { offset, defect } => CaptureError::Malformed {
                path,
                frame,
                offset: offset as u64,
                defect,
            },
            ReadError::UnsupportedLinkType { code } => CaptureError::UnsupportedLinkType {
                path,
                code,
                frame: Some(frame),
            },
        }
    }
}

/// Most distinct link types a `LinkSummary` lists; more sets `LinkSummary::more_link_types`.
pub const MAX_SUMMARY_LINK_TYPES: usize = 8;

/// The format and link types of a file, for reports: "pcapng (little-endian), 22 interfaces:
/// LINKTYPE_ETHERNET (1)".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSummary {
    /// Container format.
    pub format: Format,
    /// Interfaces described: 1 for pcap; for pcapng the IDBs of the first section that come
    /// before its first packet (IDBs placed later are not scanned, to avoid reading the file).
    pub interfaces: usize,
    /// Distinct link-type numbers of those interfaces, in order of appearance.
    pub link_codes: heapless::Vec<u32, MAX_SUMMARY_LINK_TYPES>,
    /// Set when there were more distinct link types than `MAX_SUMMARY_LINK_TYPES`.
    pub more_link_types: bool,
}

impl LinkSummary {
    /// Adds a link-type number if not already listed.
    pub(super) fn add_link_code(&mut self, code: u32) {
        if !self.link_codes.contains(&code) && self.link_codes.push(code).is_err() {
            self.more_link_types = true;
        }
    }
}

impl fmt::Display for LinkSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {} interface(s):", self.format, self.interfaces)?;
        for (i, code) in self.link_codes.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            write!(f, "{sep}{}", LinkTypeCode(*code))?;
        }
        if self.more_link_types {
            f.write_str(", ...")?;
        }
        Ok(())
    }
}

/// Detects the format of `bytes` (the start of a capture) and parses its file header.
fn detect(bytes: &[u8], path: &Path) -> Result<Format, CaptureError> {
    let too_short = |what, need: usize| CaptureError::TooShort {
        path: path.to_path_buf(),
        what,
        len: bytes.len() as u64,
        need: need as u64,
    };
    if bytes.is_empty() {
        return Err(CaptureError::Empty {
            path: path.to_path_buf(),
        });
    }
    let Some(magic) = ByteOrder::Big.u32_at(bytes, 0) else {
        return Err(too_short("capture file magic", 4));
    };
    if pcap::is_magic(magic) {
        return match PcapHeader::parse(bytes) {
            Ok(header) => Ok(Format::Pcap(header)),
            Err(ReadError::Truncated { need, .. }) => Err(too_short("pcap file header", need)),
            Err(ReadError::UnsupportedLinkType { code }) => {
                Err(CaptureError::UnsupportedLinkType {
                    path: path.to_path_buf(),
                    code,
                    frame: None,
                })
            }
            Err(other) => Err(other.into_capture_error(path, 1)),
        };
    }
    if magic == pcapng::SECTION_HEADER_BLOCK {
        return match pcapng::section_byte_order(bytes) {
            Ok(order) => Ok(Format::Pcapng { order }),
            Err(ReadError::Truncated { need, .. }) => {
                Err(too_short("pcapng section header block", need))
            }
            Err(other) => Err(other.into_capture_error(path, 1)),
        };
    }
    Err(CaptureError::NotACapture {
        path: path.to_path_buf(),
        magic,
    })
}

/// An open, memory-mapped pcap or pcapng file.
///
/// The file is read in place through the mapping: frames borrow it, nothing is copied, and reading
/// makes no system calls. Caveat of mapping: if another process truncates the file while it is
/// mapped, touching the lost pages raises SIGBUS and kills the process; do not cut a capture that
/// is being read.
#[derive(Debug)]
pub struct CaptureFile {
    path: PathBuf,
    map: Mmap,
    format: Format,
}

impl CaptureFile {
    /// Opens and maps `path`, and checks its magic and file header.
    ///
    /// Errors: `Io` (cannot open or map), `Empty`, `TooShort` (shorter than its file header),
    /// `NotACapture` (unknown magic), `UnsupportedLinkType` (pcap with a link layer we do not
    /// dissect), `Malformed` (unsupported version or bad pcapng byte-order magic).
    pub fn open(path: impl AsRef<Path>) -> Result<CaptureFile, CaptureError> {
        let path = path.as_ref();
        let io_error = |source| CaptureError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io_error)?;
        let len = file.metadata().map_err(io_error)?.len();
        if len == 0 {
            return Err(CaptureError::Empty {
                path: path.to_path_buf(),
            });
        }
        // SAFETY: `Mmap::map` is unsafe because the mapped bytes can change, or vanish, if another
        // process writes or truncates the file while it is mapped. We only ever read the mapping,
        // and every read goes through a bounds-checked slice of the mapping's length, so a
        // concurrent write can at worst produce garbage frames, which the readers already handle
        // as bad input. A file truncated under us makes the kernel raise SIGBUS on the next touch
        // of a page past the new end; capture files are inputs the user hands us and is expected
        // not to cut while we read them, the same trade-off tcpdump-style tools with mmap make.
        let map = unsafe { Mmap::map(&file) }.map_err(io_error)?;
        let format = detect(&map, path)?;
        Ok(CaptureFile {
            path: path.to_path_buf(),
            map,
            format,
        })
    }

    /// The path the file was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The detected container format (and, for pcap, its global header).
    pub fn format(&self) -> Format {
        self.format
    }

    /// File size in bytes (compare with `Frames::offset` for progress).
    pub fn len(&self) -> u64 {
        self.map.len() as u64
    }

    /// Always false for an opened file (empty files are refused); here for clippy's sake.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The whole mapped file.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// The format and link types of the file (see `LinkSummary` for what pcapng scans).
    pub fn link_summary(&self) -> LinkSummary {
        let mut summary = LinkSummary {
            format: self.format,
            interfaces: 0,
            link_codes: heapless::Vec::new(),
            more_link_types: false,
        };
        match self.format {
            Format::Pcap(header) => {
                summary.interfaces = 1;
                summary.add_link_code(header.link_code);
            }
            Format::Pcapng { .. } => pcapng::summarize_leading_interfaces(&self.map, &mut summary),
        }
        summary
    }

    /// Iterates the frames of the file, borrowing their bytes from the mapping.
    pub fn frames(&self) -> Frames<'_> {
        Frames::with_format(&self.map, &self.path, self.format)
    }
}

/// The reader behind `Frames`, one per format.
#[derive(Debug)]
enum Reader<'a> {
    Pcap(PcapRecords<'a>),
    Pcapng(PcapngBlocks<'a>),
}

/// Iterator over the frames of a capture: `Ok(Frame)` per frame, or one `Err` and then `None`.
///
/// `frame_number()` is the 1-based number of the frame last yielded (tshark's `frame.number`),
/// and `offset()` how many bytes of the file have been consumed, for progress bars.
#[derive(Debug)]
pub struct Frames<'a> {
    path: &'a Path,
    reader: Reader<'a>,
    frame_number: u64,
    done: bool,
}

impl<'a> Frames<'a> {
    /// Iterates a capture held in memory (a benchmark's buffer, say); `path` only names it in
    /// errors. Fails like `CaptureFile::open` on a bad or unsupported file header.
    pub fn from_bytes(bytes: &'a [u8], path: &'a Path) -> Result<Frames<'a>, CaptureError> {
        let format = detect(bytes, path)?;
        Ok(Frames::with_format(bytes, path, format))
    }

    fn with_format(bytes: &'a [u8], path: &'a Path, format: Format) -> Frames<'a> {
        let reader = match format {
            Format::Pcap(header) => Reader::Pcap(PcapRecords::new(bytes, header)),
            Format::Pcapng { order } => Reader::Pcapng(PcapngBlocks::new(bytes, order)),
        };
        Frames {
            path,
            reader,
            frame_number: 0,
            done: false,
        }
    }

    /// The 1-based number of the frame last yielded (0 before the first), as tshark numbers it.
    pub fn frame_number(&self) -> u64 {
        self.frame_number
    }

    /// Bytes of the file consumed so far: the offset of the next record or block.
    pub fn offset(&self) -> u64 {
        match &self.reader {
            Reader::Pcap(r) => r.offset() as u64,
            Reader::Pcapng(r) => r.offset() as u64,
        }
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<Frame<'a>, CaptureError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = match &mut self.reader {
            Reader::Pcap(r) => r.next_frame(),
            Reader::Pcapng(r) => r.next_frame(),
        };
        match next {
            Some(Ok(frame)) => {
                self.frame_number += 1;
                Some(Ok(frame))
            }
            Some(Err(e)) => {
                self.done = true;
                Some(Err(e.into_capture_error(self.path, self.frame_number + 1)))
            }
            None => {
                self.done = true;
                None
            }
        }
    }
}

impl FusedIterator for Frames<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("telltale-capture-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn empty_file_is_refused() {
        let path = temp_file("empty", b"");
        let err = CaptureFile::open(&path).unwrap_err();
        assert!(matches!(err, CaptureError::Empty { .. }), "{err}");
        assert!(err.to_string().contains("telltale-capture-"), "{err}");
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn missing_file_is_io_error_naming_it() {
        let err = CaptureFile::open("/nonexistent/telltale.pcap").unwrap_err();
        assert!(matches!(err, CaptureError::Io { .. }));
        assert!(
            err.to_string().starts_with("/nonexistent/telltale.pcap: "),
            "{err}"
        );
    }

    #[test]
    fn bad_magic_names_file_and_magic() {
        let path = temp_file("text", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        let err = CaptureFile::open(&path).unwrap_err();
        match &err {
            CaptureError::NotACapture { magic, .. } => assert_eq!(*magic, 0x4745_5420),
            other => panic!("unexpected {other}"),
        }
        let text = err.to_string();
        assert!(
            text.contains("not a pcap or pcapng capture (magic 0x47455420)"),
            "{text}"
        );
        assert!(!text.contains('\n'));
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn short_files_are_too_short_not_panics() {
        let err = Frames::from_bytes(&[0xd4, 0xc3], Path::new("x")).unwrap_err();
        assert!(
            matches!(err, CaptureError::TooShort { need: 4, .. }),
            "{err}"
        );
        // A pcap magic with half a global header.
        let err = Frames::from_bytes(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0], Path::new("x")).unwrap_err();
        assert!(
            matches!(
                err,
                CaptureError::TooShort {
                    need: 24,
                    len: 6,
                    ..
                }
            ),
            "{err}"
        );
        // A pcapng block type with no byte-order magic.
        let err = Frames::from_bytes(&[0x0a, 0x0d, 0x0d, 0x0a, 28, 0], Path::new("x")).unwrap_err();
        assert!(matches!(err, CaptureError::TooShort { .. }), "{err}");
    }

    #[test]
    fn link_type_code_names() {
        assert_eq!(LinkTypeCode(105).to_string(), "LINKTYPE_IEEE802_11 (105)");
        assert_eq!(LinkTypeCode(60000).to_string(), "60000 (unknown)");
    }
}
