//! `<linux/eventfd.h>`: `eventfd2(2)` flags.

use bitflags::bitflags;

bitflags! {
    /// `eventfd2(2)` flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct EventfdFlags: u32 {
        /// Reads return 1 and decrement the counter by 1.
        const EFD_SEMAPHORE = 1;
        /// Non-blocking reads and writes (`O_NONBLOCK`).
        const EFD_NONBLOCK = 0o4000;
        /// Close on exec (`O_CLOEXEC`).
        const EFD_CLOEXEC = 0o2000000;
    }
}

/// The largest value the counter holds; a write that would pass it blocks.
pub const EFD_MAX_COUNTER: u64 = u64::MAX - 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_match_libc() {
        assert_eq!(
            EventfdFlags::EFD_SEMAPHORE.bits() as i32,
            libc::EFD_SEMAPHORE
        );
        assert_eq!(EventfdFlags::EFD_NONBLOCK.bits() as i32, libc::EFD_NONBLOCK);
        assert_eq!(EventfdFlags::EFD_CLOEXEC.bits() as i32, libc::EFD_CLOEXEC);
    }
}
