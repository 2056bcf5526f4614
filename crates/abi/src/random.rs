//! `<linux/random.h>`: `getrandom(2)` flags.

use bitflags::bitflags;

bitflags! {
    /// `getrandom(2)` flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct GetrandomFlags: u32 {
        /// Fail with `EAGAIN` instead of blocking.
        const GRND_NONBLOCK = 1;
        /// Historical: draw from the (now identical) blocking pool.
        const GRND_RANDOM = 2;
        /// Never block, even before the pool is initialised.
        const GRND_INSECURE = 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_match_libc() {
        assert_eq!(GetrandomFlags::GRND_NONBLOCK.bits(), libc::GRND_NONBLOCK);
        assert_eq!(GetrandomFlags::GRND_RANDOM.bits(), libc::GRND_RANDOM);
        assert_eq!(GetrandomFlags::GRND_INSECURE.bits(), libc::GRND_INSECURE);
    }
}
