//! `<asm-generic/poll.h>` and `<linux/posix_types.h>`: `poll(2)`/`ppoll(2)`
//! descriptors and events, and the `select(2)`/`pselect6(2)` descriptor sets.

#![allow(non_camel_case_types)]

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// One descriptor to watch in `poll(2)`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct pollfd {
    /// The file descriptor; negative entries are ignored (`revents` = 0).
    pub fd: i32,
    /// Requested events ([`PollEvents`] bits).
    pub events: i16,
    /// Returned events, written by the kernel.
    pub revents: i16,
}

bitflags! {
    /// Poll event bits (`POLL*`), as in `pollfd::events`/`revents`.
    ///
    /// The low 16 bits are shared with `EPOLL*`; `eventpoll` widens them to
    /// 32 bits.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct PollEvents: u16 {
        /// Data to read.
        const POLLIN = 0x1;
        /// Urgent (out-of-band) data to read.
        const POLLPRI = 0x2;
        /// Writing will not block.
        const POLLOUT = 0x4;
        /// Error condition (always reported).
        const POLLERR = 0x8;
        /// Hang-up (always reported).
        const POLLHUP = 0x10;
        /// The fd is not open (always reported).
        const POLLNVAL = 0x20;
        /// Normal data to read.
        const POLLRDNORM = 0x40;
        /// Priority band data to read.
        const POLLRDBAND = 0x80;
        /// Normal data may be written.
        const POLLWRNORM = 0x100;
        /// Priority data may be written.
        const POLLWRBAND = 0x200;
        /// Unused message event.
        const POLLMSG = 0x400;
        /// Obsolete "remove from /dev/poll".
        const POLLREMOVE = 0x1000;
        /// The peer closed its writing half.
        const POLLRDHUP = 0x2000;
    }
}

impl PollEvents {
    /// Events reported whether or not they were requested.
    pub const ALWAYS: PollEvents = PollEvents::POLLERR
        .union(PollEvents::POLLHUP)
        .union(PollEvents::POLLNVAL);
}

/// Descriptors a glibc `fd_set` (and [`fd_set`]) holds. The kernel itself
/// has no such limit: `select` reads `nfds` bits per set, `nfds` clamped to
/// the size of the fd table.
pub const FD_SETSIZE: usize = 1024;

/// A `select(2)` descriptor bitmap (`__kernel_fd_set`): bit `fd % 64` of
/// word `fd / 64`.
///
/// The kernel copies only the first [`fd_set::words_for`]`(nfds)` words of
/// each set from and to the guest, so handlers must do the same.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct fd_set {
    /// The bitmap words.
    pub fds_bits: [u64; FD_SETSIZE / 64],
}

impl Default for fd_set {
    fn default() -> Self {
        fd_set {
            fds_bits: [0; FD_SETSIZE / 64],
        }
    }
}

impl fd_set {
    /// How many 64-bit words hold `nfds` descriptors (what the kernel copies).
    pub const fn words_for(nfds: usize) -> usize {
        nfds.div_ceil(64)
    }

    /// Whether `fd` is in the set; out-of-range descriptors never are.
    pub fn is_set(&self, fd: usize) -> bool {
        self.fds_bits
            .get(fd / 64)
            .is_some_and(|w| w & (1 << (fd % 64)) != 0)
    }

    /// Adds `fd`; returns `false` (and changes nothing) if it is out of range.
    pub fn set(&mut self, fd: usize) -> bool {
        match self.fds_bits.get_mut(fd / 64) {
            Some(w) => {
                *w |= 1 << (fd % 64);
                true
            }
            None => false,
        }
    }

    /// Removes `fd` (out-of-range descriptors are never in the set).
    pub fn clear(&mut self, fd: usize) {
        if let Some(w) = self.fds_bits.get_mut(fd / 64) {
            *w &= !(1 << (fd % 64));
        }
    }
}

/// The sixth argument of `pselect6(2)`: a guest pointer to the signal mask
/// and its size (must be 8), packed because the call has only six registers.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct sigset_argpack {
    /// Guest address of the `sigset_t`, or 0 for "leave the mask alone".
    pub p: u64,
    /// Size of the `sigset_t`.
    pub size: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn pollfd_layout_matches_libc() {
        assert_eq!(size_of::<pollfd>(), size_of::<libc::pollfd>());
        assert_eq!(align_of::<pollfd>(), align_of::<libc::pollfd>());
        assert_eq!(offset_of!(pollfd, fd), offset_of!(libc::pollfd, fd));
        assert_eq!(offset_of!(pollfd, events), offset_of!(libc::pollfd, events));
        assert_eq!(
            offset_of!(pollfd, revents),
            offset_of!(libc::pollfd, revents)
        );
    }

    #[test]
    fn fd_set_matches_libc() {
        assert_eq!(size_of::<fd_set>(), size_of::<libc::fd_set>());
        assert_eq!(align_of::<fd_set>(), align_of::<libc::fd_set>());
        assert_eq!(FD_SETSIZE, libc::FD_SETSIZE);
        let mut s = fd_set::default();
        assert!(s.set(0) && s.set(65) && s.set(1023));
        assert!(!s.set(1024));
        assert!(s.is_set(0) && s.is_set(65) && s.is_set(1023) && !s.is_set(64));
        assert!(!s.is_set(usize::MAX));
        assert_eq!(s.fds_bits[1], 2);
        s.clear(65);
        s.clear(5000);
        assert!(!s.is_set(65));
        assert_eq!(fd_set::words_for(0), 0);
        assert_eq!(fd_set::words_for(1), 1);
        assert_eq!(fd_set::words_for(64), 1);
        assert_eq!(fd_set::words_for(65), 2);
        assert_eq!(size_of::<sigset_argpack>(), 16);
    }

    #[test]
    fn events_match_libc() {
        macro_rules! check {
            ($($name:ident)*) => {$(
                assert_eq!(PollEvents::$name.bits() as i16, libc::$name, stringify!($name));
            )*};
        }
        check!(POLLIN POLLPRI POLLOUT POLLERR POLLHUP POLLNVAL POLLRDNORM POLLRDBAND POLLWRNORM
            POLLWRBAND POLLRDHUP);
        // libc lacks POLLMSG and POLLREMOVE; values from asm-generic/poll.h.
        assert_eq!(PollEvents::POLLMSG.bits(), 0x400);
    }
}
