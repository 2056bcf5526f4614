//! `<linux/sysinfo.h>`: what `sysinfo(2)` returns.

#![allow(non_camel_case_types)]

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Fixed-point shift of `sysinfo.loads` (1.0 == `1 << SI_LOAD_SHIFT`).
pub const SI_LOAD_SHIFT: u32 = 16;

/// `struct sysinfo` (112 bytes on x86-64). Memory sizes are in units of
/// `mem_unit` bytes.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct sysinfo {
    /// Seconds since boot.
    pub uptime: i64,
    /// 1, 5 and 15 minute load averages, scaled by `1 << SI_LOAD_SHIFT`.
    pub loads: [u64; 3],
    /// Total usable main memory.
    pub totalram: u64,
    /// Available memory.
    pub freeram: u64,
    /// Shared memory.
    pub sharedram: u64,
    /// Memory used by buffers.
    pub bufferram: u64,
    /// Total swap.
    pub totalswap: u64,
    /// Free swap.
    pub freeswap: u64,
    /// Number of current processes (threads, in fact).
    pub procs: u16,
    /// Explicit padding (the kernel's `pad`).
    pub pad: u16,
    /// Explicit padding before the next 8-aligned field.
    pub _pad1: u32,
    /// Total high memory (0 on x86-64).
    pub totalhigh: u64,
    /// Free high memory (0 on x86-64).
    pub freehigh: u64,
    /// Unit of the memory sizes in bytes.
    pub mem_unit: u32,
    /// The kernel's `_f` (empty on 64-bit) plus trailing padding.
    pub _f: [u8; 4],
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn layout_matches_libc() {
        type L = libc::sysinfo;
        assert_eq!(size_of::<sysinfo>(), size_of::<L>());
        assert_eq!(size_of::<sysinfo>(), 112);
        assert_eq!(align_of::<sysinfo>(), align_of::<L>());
        assert_eq!(offset_of!(sysinfo, uptime), offset_of!(L, uptime));
        assert_eq!(offset_of!(sysinfo, loads), offset_of!(L, loads));
        assert_eq!(offset_of!(sysinfo, totalram), offset_of!(L, totalram));
        assert_eq!(offset_of!(sysinfo, freeram), offset_of!(L, freeram));
        assert_eq!(offset_of!(sysinfo, sharedram), offset_of!(L, sharedram));
        assert_eq!(offset_of!(sysinfo, bufferram), offset_of!(L, bufferram));
        assert_eq!(offset_of!(sysinfo, totalswap), offset_of!(L, totalswap));
        assert_eq!(offset_of!(sysinfo, freeswap), offset_of!(L, freeswap));
        assert_eq!(offset_of!(sysinfo, procs), offset_of!(L, procs));
        assert_eq!(offset_of!(sysinfo, pad), offset_of!(L, pad));
        assert_eq!(offset_of!(sysinfo, totalhigh), offset_of!(L, totalhigh));
        assert_eq!(offset_of!(sysinfo, freehigh), offset_of!(L, freehigh));
        assert_eq!(offset_of!(sysinfo, mem_unit), offset_of!(L, mem_unit));
        assert_eq!(offset_of!(sysinfo, _f), offset_of!(L, _f));
    }
}
