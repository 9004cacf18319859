//! The ring's geometry (`TpacketConfig`) and its validation against the kernel's rules
//! (packet(7), Documentation/networking/packet_mmap.rst): a block is a whole number of pages,
//! holds its header and at least one frame of the hint size, and the frame count the kernel
//! derives from the geometry fits its 32-bit fields.

use std::io;
use std::time::Duration;

use thiserror::Error;

use super::block::BLOCK_HEADER_LEN;
use crate::capture::source::SourceError;

/// `TPACKET_ALIGNMENT`: frames in the ring start on 16-byte boundaries.
pub const FRAME_ALIGNMENT: usize = 16;

/// Geometry of one port's receive ring. The box opens one ring per bridge port, so the memory
/// locked for capture is `2 * block_size * block_count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TpacketConfig {
    /// Bytes per block: a multiple of the page size (4 KiB on a Pi 4, 16 KiB on a Pi 5 kernel).
    /// The kernel fills a block with frames back to back and hands it over when it is full or
    /// the retire timeout passes.
    pub block_size: usize,
    /// Blocks in the ring.
    pub block_count: usize,
    /// Expected frame slot size, a multiple of 16. TPACKET_V3 packs frames of any size into a
    /// block, so this only sets the `tp_frame_nr` the kernel checks the geometry against.
    pub frame_size: usize,
    /// How long the kernel keeps a partly filled block before handing it over anyway (the
    /// latency of a quiet link), in whole milliseconds. Zero lets the kernel choose from the link
    /// speed.
    pub retire_timeout: Duration,
}

impl Default for TpacketConfig {
    /// 16 blocks of 256 KiB (4 MiB per port), 2 KiB frame hint, 20 ms retire timeout: about
    /// 32 ms of a saturated gigabit link per port, a multiple of both 4 KiB and 16 KiB pages.
    fn default() -> Self {
        TpacketConfig {
            block_size: 256 * 1024,
            block_count: 16,
            frame_size: 2048,
            retire_timeout: Duration::from_millis(20),
        }
    }
}

/// A ring geometry the kernel would refuse, or that would not fit its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum RingConfigError {
    /// The block size is not a whole number of pages.
    #[error(
        "block size {block_size} bytes is not a multiple of the page size ({page_size} bytes)"
    )]
    BlockNotPageMultiple {
        /// Requested block size.
        block_size: usize,
        /// The system's page size.
        page_size: usize,
    },
    /// The block is bigger than the kernel accepts (`tp_block_size` is a positive C int).
    #[error("block size {block_size} bytes is too large (at most {max} bytes)")]
    BlockTooLarge {
        /// Requested block size.
        block_size: usize,
        /// Largest accepted.
        max: usize,
    },
    /// No blocks.
    #[error("block count must be at least 1")]
    NoBlocks,
    /// The frame hint is not aligned to 16 bytes or smaller than a frame header.
    #[error(
        "frame size {frame_size} bytes must be a multiple of 16 and at least {min} bytes \
         (the ring's frame header and address)"
    )]
    BadFrameSize {
        /// Requested frame size.
        frame_size: usize,
        /// Smallest accepted.
        min: usize,
    },
    /// A block cannot hold its header and one frame of the hint size.
    #[error(
        "block size {block_size} bytes cannot hold its {header}-byte header and one \
         {frame_size}-byte frame"
    )]
    FrameExceedsBlock {
        /// Requested block size.
        block_size: usize,
        /// Requested frame size.
        frame_size: usize,
        /// Block header length.
        header: usize,
    },
    /// The ring's total size or frame count does not fit the kernel's 32-bit fields.
    #[error("ring of {block_count} blocks of {block_size} bytes is too large")]
    RingTooLarge {
        /// Requested block size.
        block_size: usize,
        /// Requested block count.
        block_count: usize,
    },
    /// The retire timeout does not fit the kernel's 32-bit millisecond field.
    #[error("retire timeout {millis} ms is too long")]
    TimeoutTooLong {
        /// Requested timeout in milliseconds.
        millis: u128,
    },
}

impl TpacketConfig {
    /// Checks the geometry against `page_size` (see [`page_size`]) and returns the request the
    /// kernel is given.
    pub fn validate(&self, page_size: usize) -> Result<libc::tpacket_req3, RingConfigError> {
        let TpacketConfig {
            block_size,
            block_count,
            frame_size,
            retire_timeout,
        } = *self;
        if block_size == 0 || page_size == 0 || block_size % page_size != 0 {
            return Err(RingConfigError::BlockNotPageMultiple {
                block_size,
                page_size,
            });
        }
        let max = i32::MAX as usize / page_size * page_size;
        if block_size > max {
            return Err(RingConfigError::BlockTooLarge { block_size, max });
        }
        if block_count == 0 {
            return Err(RingConfigError::NoBlocks);
        }
        // The kernel's minimum: the frame header and the `sockaddr_ll` it writes after it.
        let min = libc::TPACKET3_HDRLEN.next_multiple_of(FRAME_ALIGNMENT);
        if frame_size < min || frame_size % FRAME_ALIGNMENT != 0 {
            return Err(RingConfigError::BadFrameSize { frame_size, min });
        }
        if BLOCK_HEADER_LEN + frame_size > block_size {
            return Err(RingConfigError::FrameExceedsBlock {
                block_size,
                frame_size,
                header: BLOCK_HEADER_LEN,
            });
        }
        let too_large = RingConfigError::RingTooLarge {
            block_size,
            block_count,
        };
        let frames = (block_size / frame_size)
            .checked_mul(block_count)
            .filter(|&n| n <= u32::MAX as usize)
            .ok_or(too_large)?;
        block_size
            .checked_mul(block_count)
            .filter(|&n| n <= isize::MAX as usize)
            .ok_or(too_large)?;
        let block_nr = u32::try_from(block_count).map_err(|_| too_large)?;
        let millis = retire_timeout.as_millis();
        let retire =
            u32::try_from(millis).map_err(|_| RingConfigError::TimeoutTooLong { millis })?;
        Ok(libc::tpacket_req3 {
            tp_block_size: block_size as u32,
            tp_block_nr: block_nr,
            tp_frame_size: frame_size as u32,
            tp_frame_nr: frames as u32,
            tp_retire_blk_tov: retire,
            tp_sizeof_priv: 0,
            tp_feature_req_word: 0,
        })
    }

    /// Total bytes of one port's ring.
    pub fn ring_bytes(&self) -> usize {
        self.block_size.saturating_mul(self.block_count)
    }
}

/// The system's page size (`sysconf(_SC_PAGESIZE)`): 4096 on most kernels, 16384 on the
/// Raspberry Pi 5's default kernel.
pub fn page_size() -> usize {
    // SAFETY: sysconf only reads a system constant; it has no memory-safety preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}

/// A configuration error as a `SourceError` naming the interface (`"ring configuration"`).
pub(crate) fn config_error(interface: &str, err: RingConfigError) -> SourceError {
    SourceError::Io {
        interface: interface.to_owned(),
        what: "ring configuration",
        source: io::Error::new(io::ErrorKind::InvalidInput, err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_fits_4k_and_16k_pages() {
        for page in [4096, 16384] {
            let req = TpacketConfig::default().validate(page).unwrap();
            assert_eq!(req.tp_block_size, 256 * 1024);
            assert_eq!(req.tp_block_nr, 16);
            assert_eq!(req.tp_frame_nr, 128 * 16);
            assert_eq!(req.tp_retire_blk_tov, 20);
        }
    }

    #[test]
    fn block_size_must_be_whole_pages() {
        let config = TpacketConfig {
            block_size: 8192,
            ..TpacketConfig::default()
        };
        assert!(config.validate(4096).is_ok());
        // A Pi 4 size on a Pi 5 kernel (16 KiB pages).
        let err = config.validate(16384).unwrap_err();
        assert_eq!(
            err.to_string(),
            "block size 8192 bytes is not a multiple of the page size (16384 bytes)"
        );
        let odd = TpacketConfig {
            block_size: 10_000,
            ..config
        };
        assert!(matches!(
            odd.validate(4096),
            Err(RingConfigError::BlockNotPageMultiple { .. })
        ));
        let zero = TpacketConfig {
            block_size: 0,
            ..config
        };
        assert!(zero.validate(4096).is_err());
    }

    #[test]
    fn other_limits() {
        let base = TpacketConfig::default();
        let no_blocks = TpacketConfig {
            block_count: 0,
            ..base
        };
        assert_eq!(
            no_blocks.validate(4096).unwrap_err(),
            RingConfigError::NoBlocks
        );
        for frame_size in [0, 48, 64, 2050] {
            let bad = TpacketConfig { frame_size, ..base };
            assert!(
                matches!(
                    bad.validate(4096),
                    Err(RingConfigError::BadFrameSize { .. })
                ),
                "{frame_size}"
            );
        }
        let big_frame = TpacketConfig {
            block_size: 4096,
            frame_size: 4096,
            ..base
        };
        assert!(matches!(
            big_frame.validate(4096),
            Err(RingConfigError::FrameExceedsBlock { .. })
        ));
        let huge = TpacketConfig {
            block_size: 1 << 31,
            ..base
        };
        assert!(matches!(
            huge.validate(4096),
            Err(RingConfigError::BlockTooLarge { .. })
        ));
        let slow = TpacketConfig {
            retire_timeout: Duration::from_secs(u64::MAX / 1000),
            ..base
        };
        assert!(matches!(
            slow.validate(4096),
            Err(RingConfigError::TimeoutTooLong { .. })
        ));
    }

    #[test]
    fn page_size_is_a_power_of_two() {
        assert!(page_size().is_power_of_two());
        assert!(page_size() >= 4096);
    }

    #[test]
    fn config_error_names_interface_and_problem() {
        let err = config_error("lan0", RingConfigError::NoBlocks);
        assert_eq!(
            err.to_string(),
            "lan0: ring configuration: block count must be at least 1"
        );
    }
}
