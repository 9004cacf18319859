//! A sink between the engine and the JSON output that notes the alerts of a batch for the LEDs
//! (the first red and the first amber alert, with the frame that raised them, and how many) and
//! appends each alert to the alert journal and each closed window's summaries to the summary
//! journal.

use crate::detect::thresholds::Severity;
use crate::event::{Event, FlowRecord, Meta, Sink};
use crate::summary::to_record::to_records;
use crate::summary::view::WindowSummaries;

use super::journals::{alert_record, Journals};

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
    journals: Option<&'a Journals>,
    /// What was seen since the tap was made.
    pub alerts: BatchAlerts,
}

impl<'a> AlertTap<'a> {
    /// A tap in front of `inner`.
    pub fn new(inner: &'a mut dyn Sink) -> Self {
        AlertTap {
            inner,
            journals: None,
            alerts: BatchAlerts::default(),
        }
    }

    /// A tap that also appends every alert to `journals`.
    pub fn with_journals(inner: &'a mut dyn Sink, journals: &'a Journals) -> Self {
        AlertTap {
            journals: Some(journals),
            ..Self::new(inner)
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
            if let Some(j) = self.journals {
                j.append_alert(alert_record(a, meta.ts.0 / 1_000_000), &mut |l| {
                    eprintln!("telltaled: {l}");
                });
            }
        }
        self.inner.event(meta, event);
    }

    fn flow_end(&mut self, flow: &FlowRecord<'_>) {
        self.inner.flow_end(flow);
    }

    fn window(&mut self, summaries: &WindowSummaries<'_>) {
        if let Some(j) = self.journals {
            for record in to_records(summaries) {
                j.append_summary(record, &mut |l| eprintln!("telltaled: {l}"));
            }
        }
        self.inner.window(summaries);
    }
}
