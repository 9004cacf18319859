//! Steady state allocates nothing: after a warm-up pass over the benchmark capture, replaying it
//! again through the whole engine (dissectors, flows, reassembly, QUIC decryption, events)
//! makes no heap allocation at all. A counting global allocator proves it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use telltale_firmware::capture::file::CaptureFile;
use telltale_firmware::engine::{Engine, EngineConfig};
use telltale_firmware::event::{Event, FlowRecord, Meta, Sink};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; we only count.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

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

    let before_warm = ALLOCATIONS.load(Ordering::Relaxed);
    let warm_frames = pass(&mut engine, &mut sink);
    let warm_allocs = ALLOCATIONS.load(Ordering::Relaxed) - before_warm;
    let warm_events = sink.events;

    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let mut frames = 0;
    for _ in 0..3 {
        frames += pass(&mut engine, &mut sink);
    }
    let allocs = ALLOCATIONS.load(Ordering::Relaxed) - before;
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
