//! `<linux/timex.h>`: `adjtimex(2)`/`clock_adjtime(2)` clock tuning.
//!
//! Most programs only read it (`ntp_gettime`, `adjtimex` with `modes` 0);
//! a sandbox answers those and refuses changes without `CAP_SYS_TIME`.

#![allow(non_camel_case_types)]

use crate::time::timeval;
use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The kernel clock's discipline state (`struct __kernel_timex`, the same
/// on x86-64). The padding is explicit so every byte is initialised.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct timex {
    /// Which fields to set ([`AdjtimexModes`] bits); 0 only reads.
    pub modes: u32,
    /// Padding.
    pub __pad0: u32,
    /// Time offset (µs, or ns with `STA_NANO`).
    pub offset: i64,
    /// Frequency offset (scaled ppm, 16-bit fraction).
    pub freq: i64,
    /// Maximum error (µs).
    pub maxerror: i64,
    /// Estimated error (µs).
    pub esterror: i64,
    /// Clock status ([`TimexStatus`] bits).
    pub status: i32,
    /// Padding.
    pub __pad1: u32,
    /// PLL time constant.
    pub constant: i64,
    /// Clock precision (µs, read only).
    pub precision: i64,
    /// Maximum frequency error (scaled ppm, read only).
    pub tolerance: i64,
    /// Current time (read only, except with `ADJ_SETOFFSET`).
    pub time: timeval,
    /// Microseconds between clock ticks.
    pub tick: i64,
    /// PPS frequency (read only).
    pub ppsfreq: i64,
    /// PPS jitter (read only).
    pub jitter: i64,
    /// PPS interval duration, seconds log2 (read only).
    pub shift: i32,
    /// Padding.
    pub __pad2: u32,
    /// PPS stability (read only).
    pub stabil: i64,
    /// PPS jitter-limit-exceeded count (read only).
    pub jitcnt: i64,
    /// PPS calibration intervals (read only).
    pub calcnt: i64,
    /// PPS calibration errors (read only).
    pub errcnt: i64,
    /// PPS stability-limit-exceeded count (read only).
    pub stbcnt: i64,
    /// TAI offset (seconds).
    pub tai: i32,
    /// Reserved; zero.
    pub __reserved: [i32; 11],
}

bitflags! {
    /// `timex::modes` bits (`ADJ_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct AdjtimexModes: u32 {
        /// Set the time offset.
        const ADJ_OFFSET = 0x0001;
        /// Set the frequency offset.
        const ADJ_FREQUENCY = 0x0002;
        /// Set the maximum error.
        const ADJ_MAXERROR = 0x0004;
        /// Set the estimated error.
        const ADJ_ESTERROR = 0x0008;
        /// Set the status bits.
        const ADJ_STATUS = 0x0010;
        /// Set the PLL time constant.
        const ADJ_TIMECONST = 0x0020;
        /// Set the TAI offset.
        const ADJ_TAI = 0x0080;
        /// Add `time` to the clock.
        const ADJ_SETOFFSET = 0x0100;
        /// Select microsecond resolution.
        const ADJ_MICRO = 0x1000;
        /// Select nanosecond resolution.
        const ADJ_NANO = 0x2000;
        /// Set the tick value.
        const ADJ_TICK = 0x4000;
        /// Old-style `adjtime`: slew by `offset` once (includes `ADJ_OFFSET`).
        const ADJ_OFFSET_SINGLESHOT = 0x8001;
        /// Old-style `adjtime`: read the remaining offset.
        const ADJ_OFFSET_SS_READ = 0xa001;
    }
}

bitflags! {
    /// `timex::status` bits (`STA_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct TimexStatus: i32 {
        /// Phase-locked loop updates enabled.
        const STA_PLL = 0x0001;
        /// PPS frequency discipline enabled.
        const STA_PPSFREQ = 0x0002;
        /// PPS time discipline enabled.
        const STA_PPSTIME = 0x0004;
        /// Frequency-locked loop mode.
        const STA_FLL = 0x0008;
        /// Insert a leap second.
        const STA_INS = 0x0010;
        /// Delete a leap second.
        const STA_DEL = 0x0020;
        /// The clock is unsynchronised.
        const STA_UNSYNC = 0x0040;
        /// Hold the frequency.
        const STA_FREQHOLD = 0x0080;
        /// PPS signal present (read only).
        const STA_PPSSIGNAL = 0x0100;
        /// PPS jitter exceeded (read only).
        const STA_PPSJITTER = 0x0200;
        /// PPS wander exceeded (read only).
        const STA_PPSWANDER = 0x0400;
        /// PPS calibration error (read only).
        const STA_PPSERROR = 0x0800;
        /// Clock hardware fault (read only).
        const STA_CLOCKERR = 0x1000;
        /// Nanosecond resolution (read only).
        const STA_NANO = 0x2000;
        /// FLL (1) or PLL (0) mode (read only).
        const STA_MODE = 0x4000;
        /// Clock source B (read only).
        const STA_CLK = 0x8000;
    }
}

impl TimexStatus {
    /// The read-only bits, which `ADJ_STATUS` cannot change.
    pub const STA_RONLY: TimexStatus = TimexStatus::from_bits_retain(0xff00);
}

/// Clock state: synchronised, no leap second pending.
pub const TIME_OK: i32 = 0;
/// Clock state: a leap second will be inserted.
pub const TIME_INS: i32 = 1;
/// Clock state: a leap second will be deleted.
pub const TIME_DEL: i32 = 2;
/// Clock state: a leap second is in progress.
pub const TIME_OOP: i32 = 3;
/// Clock state: a leap second has occurred.
pub const TIME_WAIT: i32 = 4;
/// Clock state: not synchronised (what an unsynchronised sandbox clock reports).
pub const TIME_ERROR: i32 = 5;

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn layout_matches_libc() {
        macro_rules! check {
            ($($f:ident),*) => {
                $(assert_eq!(offset_of!(timex, $f), offset_of!(libc::timex, $f), stringify!($f));)*
            };
        }
        assert_eq!(size_of::<timex>(), size_of::<libc::timex>());
        assert_eq!(size_of::<timex>(), 208);
        assert_eq!(align_of::<timex>(), align_of::<libc::timex>());
        check!(
            modes, offset, freq, maxerror, esterror, status, constant, precision, tolerance, time,
            tick, ppsfreq, jitter, shift, stabil, jitcnt, calcnt, errcnt, stbcnt, tai
        );
    }

    #[test]
    fn constants_match_libc() {
        macro_rules! check {
            ($ty:ident: $($name:ident)*) => {$(
                assert_eq!($ty::$name.bits() as i64, libc::$name as i64, stringify!($name));
            )*};
        }
        check!(AdjtimexModes: ADJ_OFFSET ADJ_FREQUENCY ADJ_MAXERROR ADJ_ESTERROR ADJ_STATUS
            ADJ_TIMECONST ADJ_TAI ADJ_SETOFFSET ADJ_MICRO ADJ_NANO ADJ_TICK ADJ_OFFSET_SINGLESHOT
            ADJ_OFFSET_SS_READ);
        check!(TimexStatus: STA_PLL STA_PPSFREQ STA_PPSTIME STA_FLL STA_INS STA_DEL STA_UNSYNC
            STA_FREQHOLD STA_PPSSIGNAL STA_PPSJITTER STA_PPSWANDER STA_PPSERROR STA_CLOCKERR
            STA_NANO STA_MODE STA_CLK STA_RONLY);
        assert_eq!(
            [TIME_OK, TIME_INS, TIME_DEL, TIME_OOP, TIME_WAIT, TIME_ERROR],
            [
                libc::TIME_OK,
                libc::TIME_INS,
                libc::TIME_DEL,
                libc::TIME_OOP,
                libc::TIME_WAIT,
                libc::TIME_ERROR
            ]
        );
    }
}
