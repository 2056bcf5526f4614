//! Linux error numbers: `abi::Errno` is the only error at the VFS boundary,
//! so syscall handlers can hand results to the guest unchanged.

pub use abi::Errno;

/// The result of every fallible VFS operation.
pub type Result<T> = core::result::Result<T, Errno>;
