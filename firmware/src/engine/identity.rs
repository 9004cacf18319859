//! Which end of a flow is the device, and what the other end is called.
//!
//! On the first frame of each direction the sender's MAC and address are noted (see
//! `Naming::observe`). The device end is then, in order: the sender when the frame came in on
//! the `lan` port (live capture), the receiver when it came in on `wan`; otherwise (a replay)
//! the end whose MAC is a known device that is not a gateway, or whose address a device was seen
//! sending from. The other end is the destination; unless it is on a local network, it is named
//! from the DNS answer cache, until a ClientHello or request names it better.

use crate::capture::Port;
use crate::flow::key::{Endpoint, KeyDir};
use crate::naming::devices::DeviceId;
use crate::naming::{is_local_net, NameSource, Naming};

use super::{alerts, FlowState, FrameCtx};
use crate::detect::{Detector, Findings};
use crate::event::Sink;

fn reverse(dir: KeyDir) -> KeyDir {
    match dir {
        KeyDir::LoToHi => KeyDir::HiToLo,
        KeyDir::HiToLo => KeyDir::LoToHi,
    }
}

/// Handles the first frame a flow carries in direction `dir` (from `src` to `dst`).
#[allow(clippy::too_many_arguments)]
pub(super) fn first_frame(
    st: &mut FlowState,
    dir: KeyDir,
    src: Endpoint,
    dst: Endpoint,
    ctx: FrameCtx,
    naming: &mut Naming,
    detector: &mut Detector,
    sink: &mut dyn Sink,
) {
    let seen = ctx
        .macs
        .0
        .and_then(|mac| naming.observe(mac, src.addr, ctx.meta.ts, ctx.now));
    if let Some(o) = seen.filter(|o| o.new) {
        let dev = alerts::device_ctx(naming, o.id);
        let mut found = Findings::new();
        detector.new_device(dev, ctx.now, &mut found);
        alerts::device_findings(&found, dev, ctx.meta, naming, sink);
    }
    if st.device.is_some() {
        return;
    }
    let is_device = |naming: &Naming, id: DeviceId| !naming.devices.get(id).gateway;
    let sender = match ctx.port {
        Some(Port::Lan) => seen.map(|o| o.id),
        Some(Port::Wan) => None,
        None => seen
            .map(|o| o.id)
            .filter(|id| is_device(naming, *id))
            .or_else(|| {
                ctx.macs
                    .0
                    .is_none()
                    .then(|| naming.devices.by_addr(src.addr))
                    .flatten()
            }),
    };
    let receiver = || match ctx.port {
        Some(Port::Lan) => None,
        Some(Port::Wan) => ctx.macs.1.and_then(|m| naming.devices.find(m)),
        None => ctx
            .macs
            .1
            .and_then(|m| naming.devices.find(m))
            .filter(|id| is_device(naming, *id))
            .or_else(|| naming.devices.by_addr(dst.addr)),
    };
    let (device, up, remote) = match sender {
        Some(id) => (id, dir, dst),
        None => match receiver() {
            Some(id) => (id, reverse(dir), src),
            None => return,
        },
    };
    st.device = Some((device, up));
    st.remote_local = is_local_net(remote.addr);
    if st.name_from < NameSource::Dns && !st.remote_local {
        if let Some(name) = naming.dns_name(remote.addr, ctx.now) {
            st.name = name;
            st.name_from = NameSource::Dns;
        }
    }
}
