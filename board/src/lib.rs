//! telltale-board: the hardware side of the box.
//!
//! It will own the `Leds` trait with its GPIO, LED-class and simulated backends, the blink
//! patterns, the acknowledge button, board profiles (pin maps) and the board files (bridge, USB
//! gadget, systemd unit). Nothing here yet: the first code lands with the LED issue.
//! It depends only on `telltale-proto`, whose protocol version it re-exports so that every board
//! profile reports the version its daemon speaks.

pub use telltale_proto::PROTOCOL_VERSION;
