//! The engine's side of the per-window summaries (`crate::summary`): when a frame crosses the
//! open window's end, every live flow hands over what it carried since it was last reported,
//! the window's summaries go to the sink, and the table is emptied for the next window. A flow
//! that ends (idle, evicted, end of input) hands over its remainder at once. Per frame this is
//! one comparison; the flow table is swept once per window. With summaries off
//! (`summary_window_secs` 0) nothing is allocated and nothing is done.
//!
//! Direction follows the flow's device end (`FlowState::device`), as `FlowRecord` does: up is
//! what the device sent. A flow whose device end is not known yet keeps its traffic until it
//! is (it is then reported in the window where that happens); one that ends without a device is
//! only counted (`WindowCounters::unattributed`).

use crate::capture::Timestamp;
use crate::event::Sink;
use crate::flow::key::{FlowKey, KeyDir};
use crate::flow::table::FlowId;
use crate::naming::{NameSource, Naming};
use crate::summary::schedule::{Span, WindowSchedule};
use crate::summary::view::WindowSummaries;
use crate::summary::window::{Sample, Totals, WindowKey, WindowTable};

use super::{Core, EngineConfig, FlowState};

/// The open window and its table.
#[derive(Debug)]
pub(crate) struct Summaries {
    schedule: WindowSchedule,
    table: WindowTable,
    /// Number of the open window (from 1; a new flow's `window_epoch` is 0).
    epoch: u32,
    /// Flows that carried a frame in the open window, each listed once (an id may be stale:
    /// its flow ended and the slot was reused or freed). At a close only these are visited.
    active: Vec<FlowId>,
    /// More flows were active than `active` holds: the close visits every live flow.
    overflow: bool,
}

impl Summaries {
    /// Allocates the table when summaries are on.
    pub(crate) fn new(config: &EngineConfig) -> Self {
        let schedule = WindowSchedule::new(config.summary_window_secs);
        let table = if schedule.enabled() {
            WindowTable::new(
                config.summary_capacity,
                config.naming.devices,
                config.hash_seed,
            )
        } else {
            WindowTable::new(0, 0, 0)
        };
        let active = if schedule.enabled() {
            Vec::with_capacity(config.flow_capacity)
        } else {
            Vec::new()
        };
        Summaries {
            schedule,
            table,
            epoch: 1,
            active,
            overflow: false,
        }
    }

    /// Notes that flow `id` carries a frame in the open window.
    #[inline]
    pub(crate) fn mark_active(&mut self, id: FlowId, st: &mut FlowState) {
        if st.window_epoch == self.epoch || !self.schedule.enabled() {
            return;
        }
        st.window_epoch = self.epoch;
        if self.active.len() < self.active.capacity() {
            self.active.push(id);
        } else {
            self.overflow = true;
        }
    }

    /// Bytes allocated for the active list.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.table.memory_bytes() + self.active.capacity() * size_of::<FlowId>()
    }

    /// The table (for its counters and memory).
    pub(crate) fn table(&self) -> &WindowTable {
        &self.table
    }

    /// Hands over what `st` carried since it was last reported; `ended` when the flow is
    /// leaving the table.
    fn harvest(&mut self, key: &FlowKey, st: &mut FlowState, naming: &Naming, ended: bool) {
        if !self.schedule.enabled() {
            return;
        }
        let Some((device, up)) = st.device else {
            if ended {
                self.table.note_unattributed(st.bytes[0] + st.bytes[1]);
            }
            return;
        };
        let p = st.summary.take(st.frames, st.bytes);
        if p.is_empty() {
            return;
        }
        let (local, remote) = match up {
            KeyDir::LoToHi => (key.lo, key.hi),
            KeyDir::HiToLo => (key.hi, key.lo),
        };
        let (u, d) = (up as usize, 1 - up as usize);
        self.table.add(&Sample {
            key: WindowKey {
                device,
                mac: naming.devices.get(device).mac,
                remote: remote.addr,
                name: (st.name_from != NameSource::None).then_some(st.name),
                proto: key.proto,
            },
            local: local.addr,
            totals: Totals {
                bytes_up: p.bytes[u],
                bytes_down: p.bytes[d],
                pkts_up: p.frames[u],
                pkts_down: p.frames[d],
                flows: u32::from(p.active()),
                fired: p.fired,
            },
        });
    }

    /// A flow is leaving the table: its remainder goes to the open window.
    pub(crate) fn flow_ended(&mut self, key: &FlowKey, st: &mut FlowState, naming: &Naming) {
        self.harvest(key, st, naming, true);
    }
}

impl Core {
    /// Before a frame at virtual time `now` (capture time `ts`) is accounted: closes the open
    /// window if the frame falls past its end.
    pub(super) fn window_tick(&mut self, now: u64, ts: Timestamp, sink: &mut dyn Sink) {
        if let Some(span) = self.summaries.schedule.on_frame(now, ts) {
            self.close_window(span, sink);
        }
    }

    /// Closes the open window early (shutdown, end of input), if one is open.
    pub(super) fn close_window_early(&mut self, sink: &mut dyn Sink) {
        if let Some(span) = self.summaries.schedule.close_early() {
            self.close_window(span, sink);
        }
    }

    fn close_window(&mut self, span: Span, sink: &mut dyn Sink) {
        let Core {
            flows,
            naming,
            detector,
            summaries,
            ..
        } = self;
        // Only flows that carried a frame in the window have anything to hand over (frames,
        // alerts, a device end found): visit those, not the whole table.
        if summaries.overflow {
            flows.for_each_live(&mut |key, st| summaries.harvest(key, st, naming, false));
        } else {
            for i in 0..summaries.active.len() {
                if let Some((key, st)) = flows.live_mut(summaries.active[i]) {
                    summaries.harvest(key, st, naming, false);
                }
            }
        }
        summaries.active.clear();
        summaries.overflow = false;
        summaries.epoch = summaries.epoch.wrapping_add(1).max(1);
        sink.window(&WindowSummaries::new(
            span,
            &summaries.table,
            naming,
            detector,
        ));
        summaries.table.clear();
    }
}
