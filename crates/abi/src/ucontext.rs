//! `<asm/sigcontext.h>`, `<asm/ucontext.h>`, `<asm/sigframe.h>`: the x86-64
//! signal frame the kernel builds on the user stack.
//!
//! A handler with `SA_SIGINFO` finds, from its stack pointer upwards: the
//! return address (`pretcode`, the `sa_restorer` trampoline), a [`ucontext`]
//! whose [`sigcontext`] holds the interrupted registers, the [`siginfo_t`],
//! and, 64-byte aligned above them, the FPU/XSAVE state ([`_fpstate`] plus
//! the XSAVE header and extended components). `rt_sigreturn` reads it back.
//! These are the kernel's types; glibc's `ucontext_t` has a 128-byte mask
//! and extra private fields, so only its prefix matches.

#![allow(non_camel_case_types)]

use crate::signal::{siginfo_t, sigset_t, stack_t};
use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `sw_reserved.magic1`: the frame carries XSAVE state beyond the legacy area.
pub const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
/// The 32-bit word written right after the XSAVE area to mark its end.
pub const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
/// Size of the [`FP_XSTATE_MAGIC2`] trailer.
pub const FP_XSTATE_MAGIC2_SIZE: u64 = 4;
/// `_fpstate_32.magic` for FXSR data (32-bit frames only).
pub const X86_FXSR_MAGIC: u16 = 0x0000;

/// `uc_flags`: the frame's FPU state is in XSAVE format.
pub const UC_FP_XSTATE: u64 = 0x1;
/// `uc_flags`: `uc_mcontext.ss` holds the saved SS.
pub const UC_SIGCONTEXT_SS: u64 = 0x2;
/// `uc_flags`: `rt_sigreturn` must restore SS exactly.
pub const UC_STRICT_RESTORE_SS: u64 = 0x4;

/// Size of the FXSAVE legacy region ([`_fpstate`]).
pub const FXSAVE_SIZE: u64 = 512;
/// Size of the XSAVE header that follows the legacy region.
pub const XSAVE_HDR_SIZE: u64 = 64;
/// Offset of the XSAVE header from the start of the XSAVE area.
pub const XSAVE_HDR_OFFSET: u64 = FXSAVE_SIZE;
/// Offset of the AVX (YMM upper halves) component in the standard XSAVE format.
pub const XSAVE_YMM_OFFSET: u64 = FXSAVE_SIZE + XSAVE_HDR_SIZE;
/// Size of the AVX component.
pub const XSAVE_YMM_SIZE: u64 = 256;
/// Alignment XSAVE/FXSAVE areas need; the signal frame's FPU state is aligned so.
pub const FPSTATE_ALIGN: u64 = 64;
/// Bytes below `rsp` a leaf function may use; the kernel skips them first.
pub const RED_ZONE_SIZE: u64 = 128;
/// The x87 control word after `FNINIT`/`execve` (all exceptions masked).
pub const FCW_DEFAULT: u16 = 0x037f;
/// The MXCSR value after reset/`execve` (all SSE exceptions masked).
pub const MXCSR_DEFAULT: u32 = 0x1f80;

bitflags! {
    /// State-component bitmap of XCR0, `xfeatures` and `XSTATE_BV` (`XFEATURE_MASK_*`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct XFeatures: u64 {
        /// x87 state.
        const XFEATURE_MASK_FP = 1 << 0;
        /// SSE state (XMM registers, MXCSR).
        const XFEATURE_MASK_SSE = 1 << 1;
        /// AVX state (upper halves of YMM).
        const XFEATURE_MASK_YMM = 1 << 2;
        /// MPX bound registers.
        const XFEATURE_MASK_BNDREGS = 1 << 3;
        /// MPX configuration and status.
        const XFEATURE_MASK_BNDCSR = 1 << 4;
        /// AVX-512 opmask registers.
        const XFEATURE_MASK_OPMASK = 1 << 5;
        /// AVX-512 upper halves of ZMM0-15.
        #[allow(non_upper_case_globals)]
        const XFEATURE_MASK_ZMM_Hi256 = 1 << 6;
        /// AVX-512 ZMM16-31.
        #[allow(non_upper_case_globals)]
        const XFEATURE_MASK_Hi16_ZMM = 1 << 7;
        /// Processor trace (supervisor).
        const XFEATURE_MASK_PT = 1 << 8;
        /// Protection-key rights register.
        const XFEATURE_MASK_PKRU = 1 << 9;
        /// PASID state (supervisor).
        const XFEATURE_MASK_PASID = 1 << 10;
        /// CET user state.
        const XFEATURE_MASK_CET_USER = 1 << 11;
        /// CET supervisor state.
        const XFEATURE_MASK_CET_KERNEL = 1 << 12;
        /// Architectural LBR state (supervisor).
        const XFEATURE_MASK_LBR = 1 << 15;
        /// AMX tile configuration.
        const XFEATURE_MASK_XTILE_CFG = 1 << 17;
        /// AMX tile data.
        const XFEATURE_MASK_XTILE_DATA = 1 << 18;
    }
}

/// Software-reserved bytes at the end of [`_fpstate`] describing the XSAVE
/// state that follows it (valid when `magic1 == FP_XSTATE_MAGIC1`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct _fpx_sw_bytes {
    /// [`FP_XSTATE_MAGIC1`] if XSAVE state is present.
    pub magic1: u32,
    /// Total size of the FPU frame: XSAVE area plus [`FP_XSTATE_MAGIC2_SIZE`].
    pub extended_size: u32,
    /// The [`XFeatures`] saved in the frame.
    pub xfeatures: u64,
    /// Size of the XSAVE area (without the magic2 trailer).
    pub xstate_size: u32,
    /// Reserved, zero.
    pub padding: [u32; 7],
}

/// The 512-byte FXSAVE legacy region (`struct _fpstate_64`), which also
/// opens every XSAVE area. `uc_mcontext.fpstate` points at it.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct _fpstate {
    /// x87 control word.
    pub cwd: u16,
    /// x87 status word.
    pub swd: u16,
    /// Abridged x87 tag word (one bit per register, unlike FSAVE's).
    pub twd: u16,
    /// Last x87 opcode.
    pub fop: u16,
    /// Last x87 instruction pointer.
    pub rip: u64,
    /// Last x87 data pointer.
    pub rdp: u64,
    /// SSE control and status.
    pub mxcsr: u32,
    /// Writable MXCSR bits.
    pub mxcsr_mask: u32,
    /// ST0-ST7 / MM0-MM7, 16 bytes each.
    pub st_space: [u32; 32],
    /// XMM0-XMM15, 16 bytes each.
    pub xmm_space: [u32; 64],
    /// Reserved by the hardware.
    pub reserved2: [u32; 12],
    /// Software-available bytes; the kernel stores [`_fpx_sw_bytes`] here.
    pub sw_reserved: _fpx_sw_bytes,
}

impl Default for _fpstate {
    /// The state of a fresh thread: control word and MXCSR at their reset values.
    fn default() -> Self {
        Self {
            cwd: FCW_DEFAULT,
            swd: 0,
            twd: 0,
            fop: 0,
            rip: 0,
            rdp: 0,
            mxcsr: MXCSR_DEFAULT,
            mxcsr_mask: 0,
            st_space: [0; 32],
            xmm_space: [0; 64],
            reserved2: [0; 12],
            sw_reserved: _fpx_sw_bytes::default(),
        }
    }
}

/// The XSAVE header (`struct _header`) at offset 512 of an XSAVE area.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct _header {
    /// `XSTATE_BV`: which components hold non-initial state.
    pub xfeatures: u64,
    /// `XCOMP_BV` and reserved; must be zero in the standard format.
    pub reserved1: [u64; 2],
    /// Reserved, zero.
    pub reserved2: [u64; 5],
}

/// The AVX component: upper 128 bits of YMM0-YMM15.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct _ymmh_state {
    /// 16 registers x 16 bytes.
    pub ymmh_space: [u32; 64],
}

/// Legacy region, header and AVX state in standard XSAVE layout (`struct _xstate`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct _xstate {
    /// FXSAVE legacy region.
    pub fpstate: _fpstate,
    /// XSAVE header.
    pub xstate_hdr: _header,
    /// AVX component.
    pub ymmh: _ymmh_state,
}

/// The saved registers in a signal frame (`struct sigcontext`, which is also
/// glibc's `mcontext_t` with `gregs[REG_*]` naming the same slots).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[allow(missing_docs)]
pub struct sigcontext {
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub rdx: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rsp: u64,
    pub rip: u64,
    /// RFLAGS.
    pub eflags: u64,
    pub cs: u16,
    pub gs: u16,
    pub fs: u16,
    /// Saved SS if `UC_SIGCONTEXT_SS` is set (`__pad0` for older user space).
    pub ss: u16,
    /// Hardware error code of the fault.
    pub err: u64,
    /// Exception vector number of the fault.
    pub trapno: u64,
    /// The first word of the blocked mask (legacy).
    pub oldmask: u64,
    /// Faulting address of a page fault.
    pub cr2: u64,
    /// User address of the [`_fpstate`], 0 if there is no FPU context.
    pub fpstate: u64,
    /// Reserved, zero.
    pub reserved1: [u64; 8],
}

/// The kernel's `struct ucontext` (asm-generic), 304 bytes on x86-64.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct ucontext {
    /// `UC_*` flags.
    pub uc_flags: u64,
    /// Linked context (unused by the kernel, zero).
    pub uc_link: u64,
    /// The alternate signal stack settings at delivery time.
    pub uc_stack: stack_t,
    /// Saved registers.
    pub uc_mcontext: sigcontext,
    /// Blocked mask to restore on `rt_sigreturn` (kernel-sized, 8 bytes).
    pub uc_sigmask: sigset_t,
}

/// The x86-64 `struct rt_sigframe`: what `rsp` points at when a handler
/// starts. The FPU state follows it, 64-byte aligned, at `uc_mcontext.fpstate`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct rt_sigframe {
    /// Return address of the handler: the `sa_restorer` trampoline.
    pub pretcode: u64,
    /// The interrupted context.
    pub uc: ucontext,
    /// What the signal carries; the handler's second argument points here.
    pub info: siginfo_t,
}

/// Where the FPU state of a signal frame goes: `size` bytes (XSAVE area plus
/// [`FP_XSTATE_MAGIC2_SIZE`]) below `sp`, rounded down to [`FPSTATE_ALIGN`].
/// `sp` is the user stack pointer minus the red zone (or the top of the
/// alternate stack). `None` if that would wrap below address 0.
pub const fn fpstate_base(sp: u64, size: u64) -> Option<u64> {
    match sp.checked_sub(size) {
        Some(v) => Some(v & !(FPSTATE_ALIGN - 1)),
        None => None,
    }
}

/// The stack pointer a handler starts with, given the address right below
/// the FPU state: room for an [`rt_sigframe`], then the kernel's
/// `align_sigframe` (16-byte aligned minus 8, as after a `call`). `None`
/// if that would wrap below address 0.
pub const fn rt_sigframe_sp(fpstate: u64) -> Option<u64> {
    match fpstate.checked_sub(core::mem::size_of::<rt_sigframe>() as u64) {
        Some(v) => (v & !15).checked_sub(8),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn sigcontext_matches_libc_mcontext() {
        type M = libc::mcontext_t;
        assert_eq!(size_of::<sigcontext>(), size_of::<M>());
        assert_eq!(size_of::<sigcontext>(), 256);
        assert_eq!(align_of::<sigcontext>(), align_of::<M>());
        let greg = |r: libc::c_int| r as usize * 8;
        assert_eq!(offset_of!(sigcontext, r8), greg(libc::REG_R8));
        assert_eq!(offset_of!(sigcontext, r9), greg(libc::REG_R9));
        assert_eq!(offset_of!(sigcontext, r10), greg(libc::REG_R10));
        assert_eq!(offset_of!(sigcontext, r11), greg(libc::REG_R11));
        assert_eq!(offset_of!(sigcontext, r12), greg(libc::REG_R12));
        assert_eq!(offset_of!(sigcontext, r13), greg(libc::REG_R13));
        assert_eq!(offset_of!(sigcontext, r14), greg(libc::REG_R14));
        assert_eq!(offset_of!(sigcontext, r15), greg(libc::REG_R15));
        assert_eq!(offset_of!(sigcontext, rdi), greg(libc::REG_RDI));
        assert_eq!(offset_of!(sigcontext, rsi), greg(libc::REG_RSI));
        assert_eq!(offset_of!(sigcontext, rbp), greg(libc::REG_RBP));
        assert_eq!(offset_of!(sigcontext, rbx), greg(libc::REG_RBX));
        assert_eq!(offset_of!(sigcontext, rdx), greg(libc::REG_RDX));
        assert_eq!(offset_of!(sigcontext, rax), greg(libc::REG_RAX));
        assert_eq!(offset_of!(sigcontext, rcx), greg(libc::REG_RCX));
        assert_eq!(offset_of!(sigcontext, rsp), greg(libc::REG_RSP));
        assert_eq!(offset_of!(sigcontext, rip), greg(libc::REG_RIP));
        assert_eq!(offset_of!(sigcontext, eflags), greg(libc::REG_EFL));
        assert_eq!(offset_of!(sigcontext, cs), greg(libc::REG_CSGSFS));
        assert_eq!(offset_of!(sigcontext, gs), greg(libc::REG_CSGSFS) + 2);
        assert_eq!(offset_of!(sigcontext, fs), greg(libc::REG_CSGSFS) + 4);
        assert_eq!(offset_of!(sigcontext, ss), greg(libc::REG_CSGSFS) + 6);
        assert_eq!(offset_of!(sigcontext, err), greg(libc::REG_ERR));
        assert_eq!(offset_of!(sigcontext, trapno), greg(libc::REG_TRAPNO));
        assert_eq!(offset_of!(sigcontext, oldmask), greg(libc::REG_OLDMASK));
        assert_eq!(offset_of!(sigcontext, cr2), greg(libc::REG_CR2));
        assert_eq!(offset_of!(sigcontext, fpstate), offset_of!(M, fpregs));
        assert_eq!(offset_of!(sigcontext, reserved1), 192);
    }

    #[test]
    fn ucontext_prefix_matches_libc() {
        // glibc's ucontext_t continues with a 128-byte mask and private
        // fields; the kernel's stops after an 8-byte mask (304 bytes).
        type U = libc::ucontext_t;
        assert_eq!(size_of::<ucontext>(), 304);
        assert_eq!(align_of::<ucontext>(), align_of::<U>());
        assert_eq!(offset_of!(ucontext, uc_flags), offset_of!(U, uc_flags));
        assert_eq!(offset_of!(ucontext, uc_link), offset_of!(U, uc_link));
        assert_eq!(offset_of!(ucontext, uc_stack), offset_of!(U, uc_stack));
        assert_eq!(
            offset_of!(ucontext, uc_mcontext),
            offset_of!(U, uc_mcontext)
        );
        assert_eq!(offset_of!(ucontext, uc_sigmask), offset_of!(U, uc_sigmask));
    }

    #[test]
    fn fpstate_matches_libc() {
        type F = libc::_libc_fpstate;
        assert_eq!(size_of::<_fpstate>(), FXSAVE_SIZE as usize);
        assert_eq!(size_of::<_fpstate>(), size_of::<F>());
        assert_eq!(align_of::<_fpstate>(), align_of::<F>());
        assert_eq!(offset_of!(_fpstate, cwd), offset_of!(F, cwd));
        assert_eq!(offset_of!(_fpstate, swd), offset_of!(F, swd));
        assert_eq!(offset_of!(_fpstate, twd), offset_of!(F, ftw));
        assert_eq!(offset_of!(_fpstate, fop), offset_of!(F, fop));
        assert_eq!(offset_of!(_fpstate, rip), offset_of!(F, rip));
        assert_eq!(offset_of!(_fpstate, rdp), offset_of!(F, rdp));
        assert_eq!(offset_of!(_fpstate, mxcsr), offset_of!(F, mxcsr));
        assert_eq!(offset_of!(_fpstate, mxcsr_mask), offset_of!(F, mxcr_mask));
        assert_eq!(offset_of!(_fpstate, st_space), offset_of!(F, _st));
        assert_eq!(offset_of!(_fpstate, xmm_space), offset_of!(F, _xmm));
        type P = libc::user_fpregs_struct;
        assert_eq!(size_of::<_fpstate>(), size_of::<P>());
        assert_eq!(offset_of!(_fpstate, st_space), offset_of!(P, st_space));
        assert_eq!(offset_of!(_fpstate, xmm_space), offset_of!(P, xmm_space));
        // Kernel header: reserved2[12] then the 48-byte sw_reserved union.
        assert_eq!(offset_of!(_fpstate, reserved2), 416);
        assert_eq!(offset_of!(_fpstate, sw_reserved), 464);
    }

    #[test]
    fn xsave_layout_is_architectural() {
        assert_eq!(size_of::<_fpx_sw_bytes>(), 48);
        assert_eq!(offset_of!(_fpx_sw_bytes, extended_size), 4);
        assert_eq!(offset_of!(_fpx_sw_bytes, xfeatures), 8);
        assert_eq!(offset_of!(_fpx_sw_bytes, xstate_size), 16);
        assert_eq!(size_of::<_header>(), XSAVE_HDR_SIZE as usize);
        assert_eq!(size_of::<_ymmh_state>(), XSAVE_YMM_SIZE as usize);
        assert_eq!(offset_of!(_xstate, xstate_hdr), XSAVE_HDR_OFFSET as usize);
        assert_eq!(offset_of!(_xstate, ymmh), XSAVE_YMM_OFFSET as usize);
        assert_eq!(size_of::<_xstate>(), 832);
        // "XSFP" and "EXFP" in little-endian ASCII.
        assert_eq!(&FP_XSTATE_MAGIC1.to_le_bytes(), b"SXPF");
        assert_eq!(&FP_XSTATE_MAGIC2.to_le_bytes(), b"EXPF");
    }

    #[test]
    fn rt_sigframe_layout() {
        // arch/x86/include/asm/sigframe.h: pretcode, ucontext, siginfo.
        assert_eq!(offset_of!(rt_sigframe, pretcode), 0);
        assert_eq!(offset_of!(rt_sigframe, uc), 8);
        assert_eq!(offset_of!(rt_sigframe, info), 8 + 304);
        assert_eq!(size_of::<rt_sigframe>(), 8 + 304 + 128);
    }

    #[test]
    fn frame_placement() {
        let sp = 0x7fff_ffff_e123 - RED_ZONE_SIZE;
        let fp = fpstate_base(sp, 832 + FP_XSTATE_MAGIC2_SIZE);
        assert_eq!(fp, Some((sp - 836) & !63));
        let fp = fp.unwrap_or_default();
        assert_eq!(fp % 64, 0);
        let frame = rt_sigframe_sp(fp).unwrap_or_default();
        // After the handler's `push rbp`, rsp is 16-byte aligned again (SysV ABI).
        assert_eq!((frame + 8) % 16, 0);
        assert!(frame + size_of::<rt_sigframe>() as u64 <= fp);
        assert_eq!(fpstate_base(100, 200), None);
        assert_eq!(rt_sigframe_sp(100), None);
        assert_eq!(rt_sigframe_sp(440), None);
        assert_eq!(rt_sigframe_sp(448 + 16), Some(8));
    }

    #[test]
    fn uc_flags_and_xfeatures() {
        assert_eq!(
            [UC_FP_XSTATE, UC_SIGCONTEXT_SS, UC_STRICT_RESTORE_SS],
            [1, 2, 4]
        );
        assert_eq!(
            (XFeatures::XFEATURE_MASK_FP
                | XFeatures::XFEATURE_MASK_SSE
                | XFeatures::XFEATURE_MASK_YMM)
                .bits(),
            7
        );
        assert_eq!(XFeatures::XFEATURE_MASK_PKRU.bits(), 0x200);
        let f = _fpstate::default();
        assert_eq!((f.cwd, f.mxcsr), (0x37f, 0x1f80));
    }
}
