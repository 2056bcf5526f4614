//! `<linux/inotify.h>`: `inotify(7)` events and flags.

#![allow(non_camel_case_types)]

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The fixed part of an event read from an inotify fd; `len` bytes of
/// NUL-padded name follow.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct inotify_event {
    /// Watch descriptor.
    pub wd: i32,
    /// [`InotifyMask`] bits of the event.
    pub mask: u32,
    /// Pairs `IN_MOVED_FROM` with `IN_MOVED_TO`.
    pub cookie: u32,
    /// Length of the name that follows, padding included.
    pub len: u32,
}

bitflags! {
    /// inotify event and watch bits (`IN_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct InotifyMask: u32 {
        /// File was read.
        const IN_ACCESS = 0x1;
        /// File was written.
        const IN_MODIFY = 0x2;
        /// Metadata changed.
        const IN_ATTRIB = 0x4;
        /// Writable file closed.
        const IN_CLOSE_WRITE = 0x8;
        /// Unwritable file closed.
        const IN_CLOSE_NOWRITE = 0x10;
        /// File opened.
        const IN_OPEN = 0x20;
        /// Moved out of the watched directory.
        const IN_MOVED_FROM = 0x40;
        /// Moved into the watched directory.
        const IN_MOVED_TO = 0x80;
        /// Created in the watched directory.
        const IN_CREATE = 0x100;
        /// Deleted from the watched directory.
        const IN_DELETE = 0x200;
        /// The watched object was deleted.
        const IN_DELETE_SELF = 0x400;
        /// The watched object was moved.
        const IN_MOVE_SELF = 0x800;
        /// The filesystem was unmounted.
        const IN_UNMOUNT = 0x2000;
        /// The event queue overflowed.
        const IN_Q_OVERFLOW = 0x4000;
        /// The watch was removed.
        const IN_IGNORED = 0x8000;
        /// Watch only if the path is a directory.
        const IN_ONLYDIR = 0x0100_0000;
        /// Do not follow a trailing symbolic link.
        const IN_DONT_FOLLOW = 0x0200_0000;
        /// No events for children after they are unlinked.
        const IN_EXCL_UNLINK = 0x0400_0000;
        /// Fail with `EEXIST` if a watch exists.
        const IN_MASK_CREATE = 0x1000_0000;
        /// Add to an existing watch's mask instead of replacing it.
        const IN_MASK_ADD = 0x2000_0000;
        /// The subject of the event is a directory.
        const IN_ISDIR = 0x4000_0000;
        /// Remove the watch after one event.
        const IN_ONESHOT = 0x8000_0000;
    }
}

impl InotifyMask {
    /// Both close events.
    pub const IN_CLOSE: InotifyMask =
        InotifyMask::IN_CLOSE_WRITE.union(InotifyMask::IN_CLOSE_NOWRITE);
    /// Both move events.
    pub const IN_MOVE: InotifyMask = InotifyMask::IN_MOVED_FROM.union(InotifyMask::IN_MOVED_TO);
    /// Every event a watch can request.
    pub const IN_ALL_EVENTS: InotifyMask = InotifyMask::from_bits_retain(0xfff);
}

bitflags! {
    /// `inotify_init1(2)` flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct InotifyInitFlags: u32 {
        /// Non-blocking reads (`O_NONBLOCK`).
        const IN_NONBLOCK = 0o4000;
        /// Close on exec (`O_CLOEXEC`).
        const IN_CLOEXEC = 0o2000000;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn event_layout_matches_libc() {
        assert_eq!(size_of::<inotify_event>(), size_of::<libc::inotify_event>());
        assert_eq!(
            align_of::<inotify_event>(),
            align_of::<libc::inotify_event>()
        );
        assert_eq!(
            offset_of!(inotify_event, wd),
            offset_of!(libc::inotify_event, wd)
        );
        assert_eq!(
            offset_of!(inotify_event, mask),
            offset_of!(libc::inotify_event, mask)
        );
        assert_eq!(
            offset_of!(inotify_event, cookie),
            offset_of!(libc::inotify_event, cookie)
        );
        assert_eq!(
            offset_of!(inotify_event, len),
            offset_of!(libc::inotify_event, len)
        );
    }

    #[test]
    fn flags_match_libc() {
        macro_rules! check {
            ($ty:ident: $($name:ident)*) => {$(
                assert_eq!($ty::$name.bits(), libc::$name as u32, stringify!($name));
            )*};
        }
        check!(InotifyMask: IN_ACCESS IN_MODIFY IN_ATTRIB IN_CLOSE_WRITE IN_CLOSE_NOWRITE IN_OPEN
            IN_MOVED_FROM IN_MOVED_TO IN_CREATE IN_DELETE IN_DELETE_SELF IN_MOVE_SELF IN_UNMOUNT
            IN_Q_OVERFLOW IN_IGNORED IN_ONLYDIR IN_DONT_FOLLOW IN_EXCL_UNLINK IN_MASK_CREATE
            IN_MASK_ADD IN_ISDIR IN_ONESHOT IN_CLOSE IN_MOVE IN_ALL_EVENTS);
        check!(InotifyInitFlags: IN_NONBLOCK IN_CLOEXEC);
    }
}
