//! A `no_std` library that uses `abi` with default features off. It exists so
//! that `cargo xtask test` proves the ABI crate stays usable without `std`.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// Returns the errno a path walk reports for too many symlinks, through `abi`.
pub fn eloop() -> i32 {
    abi::Errno::ELOOP.as_i32()
}
