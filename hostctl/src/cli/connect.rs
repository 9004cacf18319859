//! Reaching the box the way the command line asks: `--tcp`, `--port`, or the one box found by
//! its USB identity.

use std::time::Duration;

use anyhow::{bail, Context, Result};

use super::args::Cli;
use crate::link::find::find_boxes;
use crate::link::{Client, Patience, SerialTransport, TcpTransport, Transport};

/// A client over whichever transport was chosen.
pub type AnyClient = Client<Box<dyn Transport>>;

impl Transport for Box<dyn Transport> {
    fn reopen(&mut self) -> std::io::Result<()> {
        (**self).reopen()
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}

/// Opens the link and says Hello.
pub fn connect(cli: &Cli) -> Result<AnyClient> {
    let transport: Box<dyn Transport> = if let Some(addr) = &cli.tcp {
        Box::new(TcpTransport::connect(addr).with_context(|| format!("connecting to {addr}"))?)
    } else {
        let path = match &cli.port {
            Some(p) => p.clone(),
            None => {
                let found = find_boxes();
                match found.as_slice() {
                    [] => bail!(
                        "no telltale box found on USB: plug the box's USB-C port into this computer \
                         (a data cable, not a charge-only one), or name the port with --port"
                    ),
                    [one] => one.path.clone(),
                    many => bail!(
                        "{} telltale boxes found ({}): choose one with --port",
                        many.len(),
                        many.iter()
                            .map(|f| f.path.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            }
        };
        match SerialTransport::open(&path) {
            Ok(t) => Box::new(t),
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => bail!(
                "{e}: your user may not open the box's serial port (on Linux: add yourself to \
                 the dialout group, or install the udev rule of docs/usb-gadget.md)"
            ),
            Err(e) => bail!("{e}: no such serial port (is the box plugged in? `--port` names it)"),
        }
    };
    let patience = Patience {
        answer: Duration::from_secs_f64(cli.timeout.max(0.05)),
        ..Patience::default()
    };
    Ok(Client::connect(transport, patience)?)
}
