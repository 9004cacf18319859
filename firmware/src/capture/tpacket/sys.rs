//! Thin, checked wrappers around the socket system calls the live sources share: `setsockopt`,
//! `getsockopt` for plain-old-data option values, and the mapping of `errno` values to
//! `SourceError` (EPERM/EACCES -> `Permission`, ENODEV/ENXIO -> `NoSuchInterface`, anything else
//! -> `Io` naming the call).

use std::io;
use std::mem::{size_of, MaybeUninit};
use std::os::fd::{AsRawFd, BorrowedFd};

use crate::capture::source::SourceError;

/// Turns a failed call on `interface` into the `SourceError` a user can act on.
pub(crate) fn source_error(interface: &str, what: &'static str, err: io::Error) -> SourceError {
    match err.raw_os_error() {
        Some(libc::EPERM | libc::EACCES) => SourceError::Permission {
            interface: interface.to_owned(),
        },
        Some(libc::ENODEV | libc::ENXIO) => SourceError::NoSuchInterface {
            interface: interface.to_owned(),
        },
        _ => SourceError::Io {
            interface: interface.to_owned(),
            what,
            source: err,
        },
    }
}

/// Values that may be passed to and read from the kernel as socket options: plain C structs or
/// integers, valid for any bit pattern, with no padding the kernel could leave uninitialised
/// that we would then read.
///
/// # Safety
/// Implement only for `#[repr(C)]` integer-only types whose every bit pattern is a valid value.
pub(crate) unsafe trait OptionValue: Copy {}

// SAFETY: a C int: every bit pattern is a value.
unsafe impl OptionValue for libc::c_int {}
// SAFETY: three C unsigned ints, `#[repr(C)]` in libc, no padding.
unsafe impl OptionValue for libc::tpacket_stats_v3 {}
// SAFETY: two C unsigned ints, `#[repr(C)]` in libc, no padding.
unsafe impl OptionValue for libc::tpacket_stats {}
// SAFETY: seven C unsigned ints, `#[repr(C)]` in libc, no padding.
unsafe impl OptionValue for libc::tpacket_req3 {}
// SAFETY: `#[repr(C)]` in libc: int, two unsigned shorts, 8 bytes; every pattern is a value.
unsafe impl OptionValue for libc::packet_mreq {}

/// `setsockopt(fd, level, name, &value, sizeof value)`.
pub(crate) fn set_option<T: OptionValue>(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
) -> io::Result<()> {
    // SAFETY: `value` points to a live `T` of `size_of::<T>()` bytes that the kernel only reads;
    // `fd` is an open descriptor for the duration of the call (it is borrowed).
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (value as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `getsockopt(fd, level, name)` into a `T`; fails unless the kernel filled all of it.
pub(crate) fn get_option<T: OptionValue>(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
) -> io::Result<T> {
    let mut value = MaybeUninit::<T>::zeroed();
    let mut len = size_of::<T>() as libc::socklen_t;
    // SAFETY: the kernel writes at most `len` bytes to `value`, which has room for a `T`; `len`
    // is a valid in/out length; `fd` is open for the call.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            value.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    if len as usize != size_of::<T>() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the kernel returned {len} bytes for a {}-byte option",
                size_of::<T>()
            ),
        ));
    }
    // SAFETY: zero-initialised, then fully written by the kernel; `OptionValue` types are valid
    // for every bit pattern.
    Ok(unsafe { value.assume_init() })
}

/// Reads and clears the socket's pending error (`SO_ERROR`): the kernel sets it, for example to
/// ENETDOWN when the bound interface goes down or away, and poll(2) reports POLLERR until it is
/// read.
pub(crate) fn take_socket_error(fd: BorrowedFd<'_>) -> io::Result<Option<io::Error>> {
    let code: libc::c_int = get_option(fd, libc::SOL_SOCKET, libc::SO_ERROR)?;
    Ok((code != 0).then(|| io::Error::from_raw_os_error(code)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_maps_to_the_variant_a_user_can_act_on() {
        let e = source_error("lan0", "socket", io::Error::from_raw_os_error(libc::EPERM));
        assert!(matches!(e, SourceError::Permission { ref interface } if interface == "lan0"));
        let e = source_error("wan0", "bind", io::Error::from_raw_os_error(libc::EACCES));
        assert!(matches!(e, SourceError::Permission { .. }));
        let e = source_error("eth9", "bind", io::Error::from_raw_os_error(libc::ENODEV));
        assert_eq!(e.to_string(), "eth9: no such network interface");
        let e = source_error("lan0", "mmap", io::Error::from_raw_os_error(libc::ENOMEM));
        let text = e.to_string();
        assert!(text.starts_with("lan0: mmap: "), "{text}");
    }
}
