//! Live capture on the box: one AF_PACKET `TPACKET_V3` memory-mapped receive ring per bridge
//! port, read in place (frames borrow the ring; nothing is copied), merged into one
//! `FrameSource` by capture time.
//!
//! One concern per file:
//! - `config`: the ring's geometry (`TpacketConfig`) and its validation against the page size;
//! - `sys`: socket option calls and the mapping of `errno` to `SourceError`;
//! - `socket`: the packet socket and its options (TPACKET_V3, `PACKET_IGNORE_OUTGOING`,
//!   promiscuous mode, bind, `PACKET_STATISTICS`);
//! - `iface`: interface index and link state by name (`PortHealth`);
//! - `ring`: the mapping and the hand-over of blocks between the kernel and us;
//! - `block`: the walk over one block's frames (layouts of `linux/if_packet.h`);
//! - `port`: one port's ring, its read position and counters;
//! - `source`: the two ports as a `FrameSource` (`TpacketSource`).
//!
//! See `docs/capture.md` for how to size the ring on each Pi and what the counters mean.

pub mod block;
pub mod config;
pub(crate) mod iface;
pub mod port;
pub(crate) mod ring;
pub mod socket;
pub mod source;
pub(crate) mod sys;

pub use config::{page_size, RingConfigError, TpacketConfig};
pub use port::PortStats;
pub use socket::KernelCounters;
pub use source::TpacketSource;
