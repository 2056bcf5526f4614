//! The Sentry's own vDSO: the bytes of a small x86-64 ELF shared object
//! that the kernel maps into every new process image and announces with
//! `AT_SYSINFO_EHDR`, as Linux does with its `[vdso]`.
//!
//! glibc and musl look the vDSO up at start-up and, when it exports a
//! function under version `LINUX_2.6`, call it instead of making the
//! system call. Without a vDSO they fall back to the system call; with a
//! broken one, every dynamic program breaks, so the image is what Linux
//! ships in shape: one read+execute `PT_LOAD` starting at the ELF header,
//! `PT_DYNAMIC` with `DT_HASH` and `DT_GNU_HASH`, `DT_SYMTAB`/`DT_STRTAB`,
//! `DT_VERSYM`/`DT_VERDEF`, a `PT_NOTE` with the `Linux` version note, and
//! `PT_GNU_EH_FRAME` for unwinders. It exports `__vdso_clock_gettime`,
//! `__vdso_gettimeofday`, `__vdso_time`, `__vdso_clock_getres` and
//! `__vdso_getcpu`, plus the unprefixed weak aliases Linux exports.
//!
//! **Every function issues the real `syscall` instruction**, which our
//! platforms trap like any other application system call: the Sentry
//! serves it, `--strace` shows it, and the answer is the same as the
//! system call's. This buys correctness and a uniform trace, not speed
//! (Linux's vDSO reads the clock without entering the kernel; ours costs a
//! trap round trip). A data page the Sentry keeps current, as gVisor's
//! vDSO parameter page, would be the next step; until then no `[vvar]`
//! is mapped, since there is nothing to put in it.
//!
//! The image is assembled at build time from `src/vdso.S` and
//! `src/vdso.lds` with the system `gcc` and `objcopy` (see `build.rs`):
//! the linker already writes correct hash tables and version definitions,
//! which is more robust than a hand-written ELF writer.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

include!(concat!(env!("OUT_DIR"), "/version.rs"));

/// The page size the image is laid out for.
pub const PAGE_SIZE: u64 = 4096;

/// The vDSO image, byte for byte as it appears at `AT_SYSINFO_EHDR`; its
/// single `PT_LOAD` starts at offset 0 with virtual address 0, so the
/// image is mapped as is, at any page-aligned address.
pub static IMAGE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/vdso.so"));

/// How many pages the mapping of [`IMAGE`] takes.
pub fn pages() -> u64 {
    (IMAGE.len() as u64).div_ceil(PAGE_SIZE)
}
