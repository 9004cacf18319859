//! The ring's memory: the `mmap` of a packet socket's TPACKET_V3 receive ring, and the hand-over
//! of its blocks between the kernel and us through each block's status word.
//!
//! A block belongs to the kernel while its status is `TP_STATUS_KERNEL` (0): the kernel writes
//! frames into it. When the block is full or its retire timeout passes, the kernel sets
//! `TP_STATUS_USER` and moves to the next block; from then on it does not touch the block until
//! we store `TP_STATUS_KERNEL` again. The status word is read with acquire and written with
//! release ordering so that the frame bytes the kernel wrote before the hand-over are visible
//! to us, and our reads are done before the kernel reuses the block.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

use super::block::field;

/// A mapped receive ring of `blocks` blocks of `block_size` bytes.
#[derive(Debug)]
pub(crate) struct Ring {
    base: NonNull<u8>,
    block_size: usize,
    blocks: usize,
}

// SAFETY: the mapping is plain shared memory owned by this value; nothing in it is tied to the
// thread that created it, and every access goes through `&self`/`&mut self` as for owned data.
unsafe impl Send for Ring {}

impl Ring {
    /// Maps the ring set up on `fd` with `PACKET_RX_RING`.
    pub(crate) fn map(fd: BorrowedFd<'_>, block_size: usize, blocks: usize) -> io::Result<Ring> {
        let len = block_size
            .checked_mul(blocks)
            .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: a fresh shared mapping of the socket's ring (the kernel checks `len` against
        // the ring it allocated); no existing memory is affected.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_POPULATE,
                fd.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let base = NonNull::new(ptr.cast::<u8>())
            .ok_or_else(|| io::Error::other("mmap returned a null ring"))?;
        Ok(Ring {
            base,
            block_size,
            blocks,
        })
    }

    /// Number of blocks.
    pub(crate) fn blocks(&self) -> usize {
        self.blocks
    }

    fn status(&self, index: usize) -> &AtomicU32 {
        assert!(index < self.blocks, "block {index} out of {}", self.blocks);
        // SAFETY: the block lies inside the mapping (index < blocks), its start is page-aligned
        // and the status word sits at offset 8, so the pointer is valid and 4-byte aligned for
        // the mapping's lifetime (tied to `&self`). The kernel accesses it concurrently, which is
        // why it is only ever touched atomically.
        unsafe {
            AtomicU32::from_ptr(
                self.base
                    .as_ptr()
                    .add(index * self.block_size + field::BLOCK_STATUS)
                    .cast::<u32>(),
            )
        }
    }

    /// The bytes of block `index` if the kernel has handed it to us, else `None`.
    ///
    /// The block stays ours until `release(index)`, which takes `&mut self`: the borrow checker
    /// thus keeps every slice of the block (and every frame borrowed from it) from outliving
    /// the hand-back.
    pub(crate) fn user_block(&self, index: usize) -> Option<&[u8]> {
        if self.status(index).load(Ordering::Acquire) & libc::TP_STATUS_USER == 0 {
            return None;
        }
        // SAFETY: in bounds of the mapping (`status` checked the index). The kernel has handed
        // the block over (acquire load above, so its writes are visible) and does not write it
        // again until we release it, which needs `&mut self` and so cannot happen while this
        // `&self` borrow lives: the bytes are not mutated during the borrow.
        Some(unsafe {
            std::slice::from_raw_parts(
                self.base.as_ptr().add(index * self.block_size),
                self.block_size,
            )
        })
    }

    /// Hands block `index` back to the kernel.
    pub(crate) fn release(&mut self, index: usize) {
        self.status(index)
            .store(libc::TP_STATUS_KERNEL, Ordering::Release);
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `map`; nothing borrows it any more (`Drop`
        // has `&mut self`).
        unsafe {
            libc::munmap(self.base.as_ptr().cast(), self.block_size * self.blocks);
        }
    }
}
