//! One bridge port's ring: its socket, its mapping, the block being read and the port's
//! counters. Frames are read in place: `emit` hands the callback a `Frame` that borrows the
//! ring, and the block goes back to the kernel right after its last frame was handed.

use std::os::fd::{AsFd, BorrowedFd};

use super::block::Block;
use super::ring::Ring;
use super::socket::{KernelCounters, PacketSocket};
use crate::capture::source::SourceError;
use crate::capture::{Frame, Port, Timestamp};

/// Counters of one port since the source was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PortStats {
    /// Frames handed to the callback.
    pub frames: u64,
    /// The kernel's counters, accumulated over every read (each read resets them).
    pub kernel: KernelCounters,
    /// Blocks abandoned because a frame header pointed outside the block (never expected).
    pub bad_blocks: u64,
    /// Times the port's interface disappeared and the ring was opened again on its successor.
    pub reopened: u64,
}

/// Where the walk is in the block we hold.
#[derive(Debug, Clone, Copy)]
struct Held {
    index: usize,
    remaining: u32,
    offset: usize,
}

/// An open ring on one interface.
#[derive(Debug)]
pub(crate) struct RingPort {
    socket: PacketSocket,
    ring: Ring,
    ifindex: u32,
    next_block: usize,
    held: Option<Held>,
    /// Blocks that may still be taken in this batch.
    budget: usize,
    pub(crate) stats: PortStats,
}

impl RingPort {
    /// Opens the ring on `interface` (index `ifindex`): socket, TPACKET_V3, ignore outgoing,
    /// the ring, its mapping, promiscuous mode, and last the bind that starts the frames.
    pub(crate) fn open(
        interface: &str,
        ifindex: u32,
        req: &libc::tpacket_req3,
    ) -> Result<RingPort, SourceError> {
        let socket = PacketSocket::new(interface)?;
        socket.tpacket_v3()?;
        socket.ignore_outgoing()?;
        socket.rx_ring(req)?;
        let ring = Ring::map(
            socket.as_fd(),
            req.tp_block_size as usize,
            req.tp_block_nr as usize,
        )
        .map_err(|e| super::sys::source_error(interface, "mmap(ring)", e))?;
        socket.promiscuous(ifindex)?;
        socket.bind(ifindex)?;
        Ok(RingPort {
            socket,
            ring,
            ifindex,
            next_block: 0,
            held: None,
            budget: 0,
            stats: PortStats::default(),
        })
    }

    /// The socket, for poll(2).
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }

    /// The interface index the ring is bound to.
    pub(crate) fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// Starts a batch: at most one ring's worth of blocks is taken, so that a flood cannot
    /// keep the caller from its other work.
    pub(crate) fn start_batch(&mut self) {
        self.budget = self.ring.blocks();
    }

    /// True if a frame is waiting (in the held block or a block the kernel handed over).
    pub(crate) fn has_frame(&mut self) -> bool {
        self.peek_ts().is_some()
    }

    /// The capture time of the next frame, taking the next block from the kernel when the held
    /// one is done; `None` when no frame is ready (or the batch's block budget is spent).
    pub(crate) fn peek_ts(&mut self) -> Option<Timestamp> {
        loop {
            match self.held {
                Some(held) if held.remaining > 0 => {
                    let ts = self
                        .ring
                        .user_block(held.index)
                        .and_then(Block::new)
                        .map(|block| block.ts_at(held.offset));
                    match ts {
                        Some(Ok(ts)) => return Some(ts),
                        _ => {
                            self.stats.bad_blocks += 1;
                            self.finish_block();
                        }
                    }
                }
                Some(_) => self.finish_block(),
                None => {
                    if self.budget == 0 {
                        return None;
                    }
                    let index = self.next_block;
                    let block = self.ring.user_block(index).and_then(Block::new)?;
                    self.held = Some(Held {
                        index,
                        remaining: block.num_packets(),
                        offset: block.first_offset(),
                    });
                    self.budget -= 1;
                    self.next_block = (index + 1) % self.ring.blocks();
                }
            }
        }
    }

    /// Hands the next frame (the one `peek_ts` saw) to `each` and moves past it; the block goes
    /// back to the kernel after its last frame. Returns false if there was no frame.
    pub(crate) fn emit(&mut self, port: Port, each: &mut dyn FnMut(&Frame<'_>)) -> bool {
        let Some(mut held) = self.held.filter(|h| h.remaining > 0) else {
            return false;
        };
        let read = self
            .ring
            .user_block(held.index)
            .and_then(Block::new)
            .map(|block| block.frame_at(held.offset, port));
        match read {
            Some(Ok((frame, next))) => {
                each(&frame);
                self.stats.frames += 1;
                held.offset = next;
                held.remaining -= 1;
                self.held = Some(held);
                if held.remaining == 0 {
                    self.finish_block();
                }
                true
            }
            _ => {
                self.stats.bad_blocks += 1;
                self.finish_block();
                false
            }
        }
    }

    /// Hands the held block back to the kernel.
    fn finish_block(&mut self) {
        if let Some(held) = self.held.take() {
            self.ring.release(held.index);
        }
    }

    /// Reads the kernel's counters (resetting them there) into `stats`.
    pub(crate) fn read_counters(&mut self) -> Result<(), SourceError> {
        let read = self.socket.ring_counters()?;
        self.stats.kernel.add(read);
        Ok(())
    }
}
