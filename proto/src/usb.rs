//! The box's USB identity as a CDC-ACM gadget, so the host finds its serial port without being
//! told (`board/files/usb-gadget/telltale-usb-gadget` sets these in configfs, and the laptop's
//! udev rule `board/files/usb-gadget/70-telltale.rules` matches them).

/// USB vendor id: the Linux Foundation, whose id the kernel's gadget drivers use.
pub const VENDOR_ID: u16 = 0x1d6b;
/// USB product id: "Multifunction Composite Gadget".
pub const PRODUCT_ID: u16 = 0x0104;
/// The manufacturer string.
pub const MANUFACTURER: &str = "telltale";
/// The product string: this is what the host matches on.
pub const PRODUCT: &str = "telltale box";
