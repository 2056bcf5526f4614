//! Signal frames: what the kernel writes on the application's stack to run
//! a handler (`rt_sigframe`: return address, `ucontext` with the saved
//! registers and mask, `siginfo`, and the XSAVE area), and how
//! `rt_sigreturn` reads it back, treating every byte as hostile.

use abi::signal::{
    sigaction, siginfo_t, sigset_t, stack_t, SaFlags, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK,
};
use abi::ucontext::{
    fpstate_base, rt_sigframe, rt_sigframe_sp, sigcontext, ucontext, FP_XSTATE_MAGIC1,
    FP_XSTATE_MAGIC2, UC_FP_XSTATE, UC_SIGCONTEXT_SS, UC_STRICT_RESTORE_SS,
};
use abi::Errno;

use crate::exec::init_fpstate;
use crate::task::Task;
use crate::usermem::UserPtr;

/// The x86-64 red zone below `rsp` that a handler must not clobber.
const RED_ZONE: u64 = 128;
/// Offset of `sw_reserved` (the `_fpx_sw_bytes`) in the legacy FXSAVE area.
const SW_RESERVED: usize = 464;
/// Offset of MXCSR in the legacy area.
const MXCSR: usize = 24;
/// Offset of the XSAVE header.
const XSAVE_HDR: usize = 512;
/// The flags user space may change through `rt_sigreturn` (Linux's
/// `FIX_EFLAGS`: AC, OF, DF, TF, SF, ZF, AF, PF, CF, RF).
const FIX_EFLAGS: u64 =
    0x4_0000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x1_0000;
/// x87, SSE and AVX: the state components always allowed back in.
const BASE_XFEATURES: u64 = 0x7;

fn on_stack(ss: &stack_t, sp: u64) -> bool {
    ss.ss_flags & SS_DISABLE == 0 && sp > ss.ss_sp && sp - ss.ss_sp <= ss.ss_size
}

fn xstate_bv(bytes: &[u8]) -> u64 {
    bytes
        .get(XSAVE_HDR..XSAVE_HDR + 8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// Pushes a frame for `info` and points the registers at the handler of
/// `act`. `EFAULT` when the stack cannot take the frame.
pub fn setup_frame(t: &mut Task, info: &siginfo_t, act: &sigaction) -> Result<(), Errno> {
    let flags = SaFlags::from_bits_retain(act.sa_flags);
    if !flags.contains(SaFlags::SA_RESTORER) {
        // x86-64 has no kernel-provided trampoline: Linux refuses too.
        return Err(Errno::EFAULT);
    }
    let regs = t.cpu.regs;
    let alt = t.signals.altstack;
    let was_on_alt = on_stack(&alt, regs.rsp);
    let mut sp = regs.rsp;
    if flags.contains(SaFlags::SA_ONSTACK) && alt.ss_flags & SS_DISABLE == 0 && !was_on_alt {
        sp = alt.ss_sp.checked_add(alt.ss_size).ok_or(Errno::EFAULT)?;
    } else {
        sp = sp.checked_sub(RED_ZONE).ok_or(Errno::EFAULT)?;
    }

    // The XSAVE area with its software-reserved trailer.
    let mut fp = t.cpu.fpstate.bytes.clone();
    if fp.is_empty() {
        fp = init_fpstate().bytes;
    }
    let fp_len = fp.len() as u64;
    let fp_addr = fpstate_base(sp, fp_len + 4).ok_or(Errno::EFAULT)?;
    let xfeatures = xstate_bv(&fp) | BASE_XFEATURES;
    if let Some(sw) = fp.get_mut(SW_RESERVED..SW_RESERVED + 20) {
        sw[0..4].copy_from_slice(&FP_XSTATE_MAGIC1.to_le_bytes());
        sw[4..8].copy_from_slice(&((fp_len + 4) as u32).to_le_bytes());
        sw[8..16].copy_from_slice(&xfeatures.to_le_bytes());
        sw[16..20].copy_from_slice(&(fp_len as u32).to_le_bytes());
    }
    fp.extend_from_slice(&FP_XSTATE_MAGIC2.to_le_bytes());
    let frame_addr = rt_sigframe_sp(fp_addr).ok_or(Errno::EFAULT)?;

    let cur_mask = t.signals.mask;
    let old_mask = t.signals.saved_mask.take().unwrap_or(cur_mask);
    let mut uc_stack = alt;
    if was_on_alt {
        uc_stack.ss_flags |= SS_ONSTACK;
    }
    let mc = sigcontext {
        r8: regs.r8,
        r9: regs.r9,
        r10: regs.r10,
        r11: regs.r11,
        r12: regs.r12,
        r13: regs.r13,
        r14: regs.r14,
        r15: regs.r15,
        rdi: regs.rdi,
        rsi: regs.rsi,
        rbp: regs.rbp,
        rbx: regs.rbx,
        rdx: regs.rdx,
        rax: regs.rax,
        rcx: regs.rcx,
        rsp: regs.rsp,
        rip: regs.rip,
        eflags: regs.eflags,
        cs: 0x33,
        gs: 0,
        fs: 0,
        ss: 0x2b,
        err: 0,
        trapno: 0,
        oldmask: old_mask.sig,
        cr2: info.si_addr(),
        fpstate: fp_addr,
        reserved1: [0; 8],
    };
    let frame = rt_sigframe {
        pretcode: act.sa_restorer,
        uc: ucontext {
            uc_flags: UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS,
            uc_link: 0,
            uc_stack,
            uc_mcontext: mc,
            uc_sigmask: old_mask,
        },
        info: *info,
    };
    t.mem().write_bytes(fp_addr, &fp)?;
    UserPtr::<rt_sigframe>::new(frame_addr).write(t.mem(), &frame)?;

    let info_off = core::mem::offset_of!(rt_sigframe, info) as u64;
    let uc_off = core::mem::offset_of!(rt_sigframe, uc) as u64;
    let r = &mut t.cpu.regs;
    r.rsp = frame_addr;
    r.rip = act.sa_handler;
    r.rdi = info.si_signo as u64;
    r.rsi = frame_addr + info_off;
    r.rdx = frame_addr + uc_off;
    r.rax = 0;
    r.eflags &= !(0x400 | 0x100);
    r.cs = 0x33;
    r.ss = 0x2b;
    t.cpu.fpstate = platform::FpState::default();

    let mut mask = cur_mask.union(act.sa_mask);
    if !flags.contains(SaFlags::SA_NODEFER) {
        mask.add(info.si_signo);
    }
    t.signals.mask = mask.without_unblockable();
    if alt.ss_flags & SS_AUTODISARM != 0 && flags.contains(SaFlags::SA_ONSTACK) {
        t.signals.altstack = stack_t {
            ss_flags: SS_DISABLE,
            ..stack_t::default()
        };
    }
    Ok(())
}

/// `rt_sigreturn`: restores the state saved by [`setup_frame`] from the frame
/// at `rsp - 8`. Values the application could have tampered with are
/// sanitised: only user-changeable flags, fixed segments, a valid XSAVE
/// header and MXCSR.
pub fn restore_frame(t: &mut Task) -> Result<(), Errno> {
    let frame_addr = t.cpu.regs.rsp.checked_sub(8).ok_or(Errno::EFAULT)?;
    let frame = UserPtr::<rt_sigframe>::new(frame_addr).read(t.mem())?;
    let mc = frame.uc.uc_mcontext;

    let mut fp = None;
    if mc.fpstate != 0 {
        let mut bytes = vec![0u8; platform::xsave_size()];
        t.mem().read_bytes(mc.fpstate, &mut bytes)?;
        let allowed = xstate_bv(&t.cpu.fpstate.bytes) | BASE_XFEATURES;
        let bv = xstate_bv(&bytes) & allowed;
        if let Some(h) = bytes.get_mut(XSAVE_HDR..XSAVE_HDR + 64) {
            h.fill(0);
            h[..8].copy_from_slice(&bv.to_le_bytes());
        }
        if let Some(m) = bytes.get_mut(MXCSR..MXCSR + 4) {
            let v = u32::from_le_bytes([m[0], m[1], m[2], m[3]]) & 0xffff;
            m.copy_from_slice(&v.to_le_bytes());
        }
        if let Some(sw) = bytes.get_mut(SW_RESERVED..SW_RESERVED + 48) {
            sw.fill(0);
        }
        fp = Some(bytes);
    }

    let r = &mut t.cpu.regs;
    r.r8 = mc.r8;
    r.r9 = mc.r9;
    r.r10 = mc.r10;
    r.r11 = mc.r11;
    r.r12 = mc.r12;
    r.r13 = mc.r13;
    r.r14 = mc.r14;
    r.r15 = mc.r15;
    r.rdi = mc.rdi;
    r.rsi = mc.rsi;
    r.rbp = mc.rbp;
    r.rbx = mc.rbx;
    r.rdx = mc.rdx;
    r.rax = mc.rax;
    r.rcx = mc.rcx;
    r.rsp = mc.rsp;
    r.rip = mc.rip;
    r.eflags = (r.eflags & !FIX_EFLAGS) | (mc.eflags & FIX_EFLAGS);
    r.cs = 0x33;
    r.ss = 0x2b;
    r.orig_rax = u64::MAX;
    match fp {
        Some(bytes) => t.cpu.fpstate.bytes = bytes,
        None => t.cpu.fpstate = platform::FpState::default(),
    }
    t.signals.mask = sigset_t::from_bits(frame.uc.uc_sigmask.sig).without_unblockable();
    let ss = frame.uc.uc_stack;
    let mode = ss.ss_flags & !SS_AUTODISARM & !SS_ONSTACK;
    if !on_stack(&t.signals.altstack, t.cpu.regs.rsp) {
        t.signals.altstack = if mode == SS_DISABLE || ss.ss_size < abi::signal::MINSIGSTKSZ {
            stack_t {
                ss_flags: SS_DISABLE,
                ..stack_t::default()
            }
        } else {
            stack_t {
                ss_sp: ss.ss_sp,
                ss_flags: ss.ss_flags & SS_AUTODISARM,
                _pad: 0,
                ss_size: ss.ss_size,
            }
        };
    }
    Ok(())
}
