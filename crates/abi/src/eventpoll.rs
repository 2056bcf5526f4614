//! `<linux/eventpoll.h>`: `epoll(7)`.
//!
//! On x86-64 `struct epoll_event` is packed (12 bytes, `data` at offset 4) so
//! that 32- and 64-bit programs share one layout; copying it with a natural
//! 16-byte layout would corrupt every event after the first.

#![allow(non_camel_case_types)]

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// One event: registered with `epoll_ctl`, returned by `epoll_wait`.
#[repr(C, packed)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct epoll_event {
    /// [`EpollEvents`] bits.
    pub events: u32,
    /// Opaque user data, returned unchanged.
    pub data: u64,
}

/// Register a descriptor.
pub const EPOLL_CTL_ADD: i32 = 1;
/// Deregister a descriptor.
pub const EPOLL_CTL_DEL: i32 = 2;
/// Change the events of a registered descriptor.
pub const EPOLL_CTL_MOD: i32 = 3;

bitflags! {
    /// epoll event and behaviour bits (`EPOLL*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct EpollEvents: u32 {
        /// Data to read.
        const EPOLLIN = 0x1;
        /// Urgent data to read.
        const EPOLLPRI = 0x2;
        /// Writing will not block.
        const EPOLLOUT = 0x4;
        /// Error condition (always reported).
        const EPOLLERR = 0x8;
        /// Hang-up (always reported).
        const EPOLLHUP = 0x10;
        /// Invalid request.
        const EPOLLNVAL = 0x20;
        /// Normal data to read.
        const EPOLLRDNORM = 0x40;
        /// Priority band data to read.
        const EPOLLRDBAND = 0x80;
        /// Normal data may be written.
        const EPOLLWRNORM = 0x100;
        /// Priority data may be written.
        const EPOLLWRBAND = 0x200;
        /// Unused message event.
        const EPOLLMSG = 0x400;
        /// The peer closed its writing half.
        const EPOLLRDHUP = 0x2000;
        /// Internal to io_uring: the wake-up came from an io_uring.
        const EPOLL_URING_WAKE = 1 << 27;
        /// Wake only one of several epoll instances waiting on the same fd.
        const EPOLLEXCLUSIVE = 1 << 28;
        /// Hold a wakeup source while the event is pending.
        const EPOLLWAKEUP = 1 << 29;
        /// Disarm after one event.
        const EPOLLONESHOT = 1 << 30;
        /// Edge-triggered.
        const EPOLLET = 1 << 31;
    }
}

bitflags! {
    /// `epoll_create1(2)` flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct EpollCreateFlags: u32 {
        /// Close on exec (`O_CLOEXEC`).
        const EPOLL_CLOEXEC = 0o2000000;
    }
}

/// Busy-poll parameters (`EPIOCSPARAMS`/`EPIOCGPARAMS` ioctls).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct epoll_params {
    /// Busy-poll time in microseconds.
    pub busy_poll_usecs: u32,
    /// Packets per busy-poll round.
    pub busy_poll_budget: u16,
    /// Prefer busy polling to interrupts.
    pub prefer_busy_poll: u8,
    /// Padding; must be zero.
    pub __pad: u8,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn epoll_event_is_packed_like_libc() {
        assert_eq!(size_of::<epoll_event>(), 12);
        assert_eq!(size_of::<epoll_event>(), size_of::<libc::epoll_event>());
        assert_eq!(align_of::<epoll_event>(), align_of::<libc::epoll_event>());
        assert_eq!(
            offset_of!(epoll_event, events),
            offset_of!(libc::epoll_event, events)
        );
        assert_eq!(
            offset_of!(epoll_event, data),
            offset_of!(libc::epoll_event, u64)
        );
    }

    #[test]
    fn epoll_params_layout() {
        // libc has no epoll_params; kernel layout is u32, u16, u8, u8.
        assert_eq!(size_of::<epoll_params>(), 8);
        assert_eq!(offset_of!(epoll_params, busy_poll_budget), 4);
        assert_eq!(offset_of!(epoll_params, prefer_busy_poll), 6);
        assert_eq!(offset_of!(epoll_params, __pad), 7);
    }

    #[test]
    fn constants_match_libc() {
        macro_rules! check {
            ($($name:ident)*) => {$(
                assert_eq!(EpollEvents::$name.bits() as i32, libc::$name as i32, stringify!($name));
            )*};
        }
        check!(EPOLLIN EPOLLPRI EPOLLOUT EPOLLERR EPOLLHUP EPOLLRDNORM EPOLLRDBAND
            EPOLLWRNORM EPOLLWRBAND EPOLLMSG EPOLLRDHUP EPOLLEXCLUSIVE EPOLLWAKEUP EPOLLONESHOT EPOLLET);
        // libc lacks EPOLLNVAL and EPOLL_URING_WAKE; values from linux/eventpoll.h.
        assert_eq!(EPOLL_CTL_ADD, libc::EPOLL_CTL_ADD);
        assert_eq!(EPOLL_CTL_DEL, libc::EPOLL_CTL_DEL);
        assert_eq!(EPOLL_CTL_MOD, libc::EPOLL_CTL_MOD);
        assert_eq!(
            EpollCreateFlags::EPOLL_CLOEXEC.bits() as i32,
            libc::EPOLL_CLOEXEC
        );
    }

    #[test]
    fn event_bytes_round_trip() {
        let ev = epoll_event {
            events: EpollEvents::EPOLLIN.bits(),
            data: 0x0102_0304_0506_0708,
        };
        let bytes = ev.as_bytes();
        assert_eq!(bytes.len(), 12);
        assert_eq!(&bytes[4..], &0x0102_0304_0506_0708u64.to_ne_bytes());
        assert_eq!(epoll_event::read_from_bytes(bytes), Ok(ev));
    }
}
