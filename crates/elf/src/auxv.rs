//! The auxiliary vector: `AT_*` keys from `<linux/auxvec.h>` and the values
//! the kernel passes a new program, in the order `create_elf_tables` writes them.

use alloc::vec::Vec;

use crate::plan::{LoadPlan, PAGE_SIZE};

/// End of the vector.
pub const AT_NULL: u64 = 0;
/// Entry to ignore.
pub const AT_IGNORE: u64 = 1;
/// File descriptor of the program (binfmt_misc "O" flag).
pub const AT_EXECFD: u64 = 2;
/// Address of the program headers of the executable.
pub const AT_PHDR: u64 = 3;
/// Size of one program header.
pub const AT_PHENT: u64 = 4;
/// Number of program headers.
pub const AT_PHNUM: u64 = 5;
/// System page size.
pub const AT_PAGESZ: u64 = 6;
/// Load address of the interpreter (0 without one).
pub const AT_BASE: u64 = 7;
/// Flags (`AT_FLAGS_PRESERVE_ARGV0`).
pub const AT_FLAGS: u64 = 8;
/// Entry point of the executable.
pub const AT_ENTRY: u64 = 9;
/// The program is not ELF.
pub const AT_NOTELF: u64 = 10;
/// Real user id.
pub const AT_UID: u64 = 11;
/// Effective user id.
pub const AT_EUID: u64 = 12;
/// Real group id.
pub const AT_GID: u64 = 13;
/// Effective group id.
pub const AT_EGID: u64 = 14;
/// Address of the platform string ("x86_64").
pub const AT_PLATFORM: u64 = 15;
/// CPUID leaf 1 EDX feature bits.
pub const AT_HWCAP: u64 = 16;
/// Frequency of `times()` (USER_HZ).
pub const AT_CLKTCK: u64 = 17;
/// Secure mode (setuid-like exec): the loader ignores LD_* variables.
pub const AT_SECURE: u64 = 23;
/// Address of the base platform string (unused on x86-64).
pub const AT_BASE_PLATFORM: u64 = 24;
/// Address of 16 random bytes (stack protector and pointer guard seeds).
pub const AT_RANDOM: u64 = 25;
/// More feature bits (`HWCAP2_RING3MWAIT`, `HWCAP2_FSGSBASE`).
pub const AT_HWCAP2: u64 = 26;
/// Size of the `struct rseq` features the kernel supports.
pub const AT_RSEQ_FEATURE_SIZE: u64 = 27;
/// Alignment the kernel requires of `struct rseq`.
pub const AT_RSEQ_ALIGN: u64 = 28;
/// Address of the file name passed to `execve`.
pub const AT_EXECFN: u64 = 31;
/// Address of the vDSO's ELF header.
pub const AT_SYSINFO_EHDR: u64 = 33;
/// Minimal stack size for a signal handler (signal frame size).
pub const AT_MINSIGSTKSZ: u64 = 51;

/// `AT_FLAGS` bit: binfmt_misc preserved the original `argv[0]`.
pub const AT_FLAGS_PRESERVE_ARGV0: u64 = 1;
/// `AT_HWCAP2` bit: FSGSBASE instructions are enabled for user space.
pub const HWCAP2_FSGSBASE: u64 = 1 << 1;
/// USER_HZ, the unit of `times()` and AT_CLKTCK on Linux.
pub const USER_HZ: u64 = 100;

/// `AT_RSEQ_FEATURE_SIZE` and `AT_RSEQ_ALIGN`, present when rseq works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RseqAuxv {
    /// `offsetof(struct rseq, end)`: 20 on Linux 6.3, 28 on 6.18.
    pub feature_size: u64,
    /// `__alignof__(struct rseq)`, 32.
    pub align: u64,
}

/// The values of the auxiliary vector except the three addresses that point
/// into the new stack (AT_RANDOM, AT_EXECFN, AT_PLATFORM), which the stack
/// builder fills in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuxvValues {
    /// AT_SYSINFO_EHDR, left out when there is no vDSO.
    pub sysinfo_ehdr: Option<u64>,
    /// AT_MINSIGSTKSZ: the size of a signal frame with the XSAVE area.
    pub minsigstksz: u64,
    /// AT_HWCAP.
    pub hwcap: u64,
    /// AT_PAGESZ.
    pub pagesz: u64,
    /// AT_CLKTCK.
    pub clktck: u64,
    /// AT_PHDR: the executable's program headers in memory.
    pub phdr: u64,
    /// AT_PHENT.
    pub phent: u64,
    /// AT_PHNUM.
    pub phnum: u64,
    /// AT_BASE: the interpreter's load address, 0 without one.
    pub base: u64,
    /// AT_FLAGS.
    pub flags: u64,
    /// AT_ENTRY: the executable's (not the interpreter's) entry point.
    pub entry: u64,
    /// AT_UID.
    pub uid: u64,
    /// AT_EUID.
    pub euid: u64,
    /// AT_GID.
    pub gid: u64,
    /// AT_EGID.
    pub egid: u64,
    /// AT_SECURE.
    pub secure: bool,
    /// AT_HWCAP2.
    pub hwcap2: u64,
    /// AT_EXECFD, only for binfmt_misc-style launches.
    pub execfd: Option<u64>,
    /// AT_RSEQ_FEATURE_SIZE and AT_RSEQ_ALIGN, only when `rseq` is served.
    pub rseq: Option<RseqAuxv>,
}

impl AuxvValues {
    /// The image-derived values for `exe`, loaded with `interp` if it has
    /// one; ids 0, no vDSO, no hwcaps, AT_MINSIGSTKSZ 0 until the caller
    /// sets what its CPU and signal code provide.
    pub fn new(exe: &LoadPlan, interp: Option<&LoadPlan>) -> AuxvValues {
        AuxvValues {
            sysinfo_ehdr: None,
            minsigstksz: 0,
            hwcap: 0,
            pagesz: PAGE_SIZE,
            clktck: USER_HZ,
            phdr: exe.phdr,
            phent: exe.phent,
            phnum: exe.phnum,
            base: interp.map_or(0, |i| i.load_bias),
            flags: 0,
            entry: exe.entry,
            uid: 0,
            euid: 0,
            gid: 0,
            egid: 0,
            secure: false,
            hwcap2: 0,
            execfd: None,
            rseq: None,
        }
    }

    /// The full vector in Linux's order, ending with AT_NULL, given the
    /// stack addresses of the random bytes, the file name and the platform
    /// string (`None` leaves AT_PLATFORM out).
    pub fn entries(&self, random: u64, execfn: u64, platform: Option<u64>) -> Vec<(u64, u64)> {
        let mut v = Vec::with_capacity(24);
        if let Some(vdso) = self.sysinfo_ehdr {
            v.push((AT_SYSINFO_EHDR, vdso));
        }
        v.push((AT_MINSIGSTKSZ, self.minsigstksz));
        v.push((AT_HWCAP, self.hwcap));
        v.push((AT_PAGESZ, self.pagesz));
        v.push((AT_CLKTCK, self.clktck));
        v.push((AT_PHDR, self.phdr));
        v.push((AT_PHENT, self.phent));
        v.push((AT_PHNUM, self.phnum));
        v.push((AT_BASE, self.base));
        v.push((AT_FLAGS, self.flags));
        v.push((AT_ENTRY, self.entry));
        v.push((AT_UID, self.uid));
        v.push((AT_EUID, self.euid));
        v.push((AT_GID, self.gid));
        v.push((AT_EGID, self.egid));
        v.push((AT_SECURE, u64::from(self.secure)));
        v.push((AT_RANDOM, random));
        v.push((AT_HWCAP2, self.hwcap2));
        v.push((AT_EXECFN, execfn));
        if let Some(platform) = platform {
            v.push((AT_PLATFORM, platform));
        }
        if let Some(fd) = self.execfd {
            v.push((AT_EXECFD, fd));
        }
        if let Some(rseq) = self.rseq {
            v.push((AT_RSEQ_FEATURE_SIZE, rseq.feature_size));
            v.push((AT_RSEQ_ALIGN, rseq.align));
        }
        v.push((AT_NULL, 0));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::{ElfFile, Role};
    use crate::header::{ET_DYN, PF_R, PF_X};
    use crate::plan::LoadBase;
    use crate::testelf::{ImageBuilder, Seg};

    fn plan(base: LoadBase) -> LoadPlan {
        let img = ImageBuilder::new(ET_DYN)
            .load(Seg::new(0, 0, 0x2000, 0x2000, PF_R | PF_X))
            .build();
        ElfFile::read(&img[..], Role::Executable)
            .unwrap()
            .plan(base)
            .unwrap()
    }

    #[test]
    fn values_come_from_the_plans() {
        let exe = plan(LoadBase::Default);
        let ld = plan(LoadBase::At(0x7fff_f7fc_0000));
        let a = AuxvValues::new(&exe, Some(&ld));
        assert_eq!(a.base, 0x7fff_f7fc_0000);
        assert_eq!(a.entry, exe.entry);
        assert_eq!(a.phdr, exe.load_bias + 64);
        assert_eq!(a.phnum, 1);
        assert_eq!(AuxvValues::new(&exe, None).base, 0);
    }

    #[test]
    fn entries_follow_linux_order_and_optional_keys() {
        let mut a = AuxvValues::new(&plan(LoadBase::Default), None);
        let keys = |v: &[(u64, u64)]| v.iter().map(|e| e.0).collect::<Vec<_>>();
        let v = a.entries(1, 2, Some(3));
        assert_eq!(
            keys(&v),
            [
                AT_MINSIGSTKSZ,
                AT_HWCAP,
                AT_PAGESZ,
                AT_CLKTCK,
                AT_PHDR,
                AT_PHENT,
                AT_PHNUM,
                AT_BASE,
                AT_FLAGS,
                AT_ENTRY,
                AT_UID,
                AT_EUID,
                AT_GID,
                AT_EGID,
                AT_SECURE,
                AT_RANDOM,
                AT_HWCAP2,
                AT_EXECFN,
                AT_PLATFORM,
                AT_NULL
            ]
        );
        a.sysinfo_ehdr = Some(0x7fff_f7fc_1000);
        a.rseq = Some(RseqAuxv {
            feature_size: 20,
            align: 32,
        });
        let v = a.entries(1, 2, None);
        assert_eq!(v[0], (AT_SYSINFO_EHDR, 0x7fff_f7fc_1000));
        assert!(!keys(&v).contains(&AT_PLATFORM));
        assert_eq!(
            &v[v.len() - 3..],
            &[
                (AT_RSEQ_FEATURE_SIZE, 20),
                (AT_RSEQ_ALIGN, 32),
                (AT_NULL, 0)
            ]
        );
    }
}
