//! The Linux x86-64 system-call ABI as plain data.
//!
//! Everything a user-space kernel needs to speak to an unmodified Linux program:
//! every system-call number with its name ([`syscall`]), every errno value with
//! its name and `strerror` text ([`errno`]), the flag sets as `bitflags`, and the
//! `#[repr(C)]` structs that cross the system-call boundary with `zerocopy`
//! derives so they can be copied to and from guest memory without `unsafe`.
//!
//! One module per Linux header; names are Linux's own. The crate is `no_std`
//! and depends on no other crate of this project, so any sandbox can use it.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(any(test, feature = "std"))]
extern crate std;

pub mod capability;
pub mod errno;
pub mod eventfd;
pub mod eventpoll;
pub mod fcntl;
pub mod fs;
pub mod futex;
pub mod inotify;
pub mod ioctl;
pub mod memfd;
pub mod mman;
pub mod mount;
pub mod openat2;
pub mod poll;
pub mod prctl;
pub mod ptrace;
pub mod random;
pub mod resource;
pub mod sched;
pub mod signal;
pub mod socket;
pub mod stat;
pub mod syscall;
pub mod sysinfo;
pub mod termios;
pub mod time;
pub mod timex;
pub mod ucontext;
pub mod uio;
pub mod utsname;
pub mod wait;

pub use errno::Errno;
pub use syscall::Sysno;
