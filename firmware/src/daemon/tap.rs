//! A sink between the engine and the JSON output that notes the alerts of a batch for the LEDs:
//! the first red and the first amber alert (with the frame that raised them) and how many.

use crate::detect::thresholds::Severity;
use crate::event::{Event, FlowRecord, Meta, Sink};

/// Alerts seen in one batch.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatchAlerts {
    /// The first red alert's frame.
    pub red: Option<Meta>,
    /// The first amber alert's frame.
    pub amber: Option<Meta>,
    /// Alerts of either severity.
    pub count: u64,
}

/// Passes everything on to `inner` and notes the alerts.
pub struct AlertTap<'a> {
    inner: &'a mut dyn Sink,
    /// What was seen since the tap was made.
    pub alerts: BatchAlerts,
}

impl<'a> AlertTap<'a> {
    /// A tap in front of `inner`.
    pub fn new(inner: &'a mut dyn Sink) -> Self {
        AlertTap {
            inner,
            alerts: BatchAlerts::default(),
        }
    }
}

impl core::fmt::Debug for AlertTap<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AlertTap")
            .field("alerts", &self.alerts)
            .finish_non_exhaustive()
    }
}

impl Sink for AlertTap<'_> {
    fn event(&mut self, meta: Meta, event: &Event<'_>) {
        if let Event::Alert(a) = event {
            self.alerts.count += 1;
            let first = match a.severity {
                Severity::Red => &mut self.alerts.red,
                Severity::Amber => &mut self.alerts.amber,
            };
            first.get_or_insert(meta);
        }
        self.inner.event(meta, event);
    }

    fn flow_end(&mut self, flow: &FlowRecord<'_>) {
        self.inner.flow_end(flow);
    }
}
