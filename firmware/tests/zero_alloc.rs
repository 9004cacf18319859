//! Steady state allocates nothing: after a warm-up pass over the benchmark capture, replaying it
//! again through the whole engine (dissectors, flows, reassembly, QUIC decryption, events)
//! makes no heap allocation at all. A counting global allocator proves it.

use std::path::Path;

use telltale_firmware::capture::file::CaptureFile;
use telltale_firmware::engine::{Engine, EngineConfig};
use telltale_firmware::event::{Event, FlowRecord, Meta, Sink};

mod common;

use common::allocations;

#[global_allocator]
static GLOBAL: common::Counting = common::Counting;

/// Counts what the engine reports without keeping (or allocating) anything.
#[derive(Default)]
struct CountingSink {
    events: u64,
    flows: u64,
    name_bytes: u64,
}

impl Sink for CountingSink {
    fn event(&mut self, _meta: Meta, event: &Event<'_>) {
        self.events += 1;
        if let Event::Sni { name, .. } = event {
            self.name_bytes += name.len() as u64;
        }
    }
    fn flow_end(&mut self, flow: &FlowRecord<'_>) {
        self.flows += 1;
        self.name_bytes += flow.name.map_or(0, |n| n.len() as u64);
    }
}

#[test]
fn replaying_the_bench_capture_allocates_nothing_after_warm_up() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench/mixed-pass.pcap");
    let file = CaptureFile::open(&path).expect("bench capture beside the repository");
    let mut engine = Engine::new(EngineConfig::default());
    let mut sink = CountingSink::default();

    let pass = |engine: &mut Engine, sink: &mut CountingSink| {
        let mut frames = file.frames();
        let mut n = 0u64;
        while let Some(Ok(frame)) = frames.next() {
            engine.poll(&frame, frames.frame_number(), sink);
            n += 1;
        }
        n
    };

    let before_warm = allocations();
    let warm_frames = pass(&mut engine, &mut sink);
    let warm_allocs = allocations() - before_warm;
    let warm_events = sink.events;

    let before = allocations();
    let mut frames = 0;
    for _ in 0..3 {
        frames += pass(&mut engine, &mut sink);
    }
    let allocs = allocations() - before;
    println!(
        "warm-up: {warm_frames} frames, {warm_allocs} allocations; steady state: {frames} frames, \
         {allocs} allocations, {} events, {} flows ended",
        sink.events - warm_events,
        sink.flows
    );
    assert!(
        warm_frames > 10_000,
        "the bench capture has about 10,000 frames"
    );
    assert!(
        sink.events - warm_events > 100,
        "the replay must name things to mean anything"
    );
    assert!(sink.flows > 0 && sink.name_bytes > 0);
    assert_eq!(
        allocs, 0,
        "heap allocations in steady state over {frames} frames"
    );
}
