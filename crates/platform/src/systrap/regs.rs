//! Translating between the signal frame's register layout (`gregs`, XSAVE
//! area) and the platform's [`CpuState`](crate::CpuState).

use super::layout::{NGREG, NGREG_RESTORE};
use crate::Regs;

const REG_R8: usize = 0;
const REG_RIP: usize = 16;
const REG_EFL: usize = 17;
const REG_CSGSFS: usize = 18;
/// `gregs` index of the page-fault error code.
pub const REG_ERR: usize = 19;

/// Register order of `gregs[REG_R8..=REG_RSP]`.
fn gp(r: &mut Regs) -> [&mut u64; 16] {
    [
        &mut r.r8, &mut r.r9, &mut r.r10, &mut r.r11, &mut r.r12, &mut r.r13, &mut r.r14,
        &mut r.r15, &mut r.rdi, &mut r.rsi, &mut r.rbp, &mut r.rbx, &mut r.rdx, &mut r.rax,
        &mut r.rcx, &mut r.rsp,
    ]
}

/// Builds registers from a frame's `gregs` and the segment bases.
pub fn from_gregs(g: &[u64; NGREG], fs_base: u64, gs_base: u64) -> Regs {
    let mut r = Regs::default();
    for (i, slot) in gp(&mut r).into_iter().enumerate() {
        *slot = g[REG_R8 + i];
    }
    r.rip = g[REG_RIP];
    r.eflags = g[REG_EFL];
    let s = g[REG_CSGSFS];
    r.cs = s & 0xffff;
    r.gs = (s >> 16) & 0xffff;
    r.fs = (s >> 32) & 0xffff;
    r.ss = s >> 48;
    r.fs_base = fs_base;
    r.gs_base = gs_base;
    r.orig_rax = u64::MAX;
    r
}

/// The `gregs` the handler writes back (`REG_R8` ..= `REG_EFL`); segment
/// selectors are kept as the host set them.
pub fn to_gregs(regs: &Regs) -> [u64; NGREG_RESTORE as usize] {
    let mut r = *regs;
    let mut g = [0u64; NGREG_RESTORE as usize];
    for (i, v) in gp(&mut r).into_iter().enumerate() {
        g[REG_R8 + i] = *v;
    }
    g[REG_RIP] = regs.rip;
    g[REG_EFL] = regs.eflags;
    g
}

/// Whether `a` is a canonical user address (a valid `fs_base`/`gs_base`).
pub fn canonical(a: u64) -> bool {
    a < 0x0000_8000_0000_0000
}

const SW_BYTES: std::ops::Range<usize> = 464..512;
const MXCSR: std::ops::Range<usize> = 24..28;
const MXCSR_MASK: std::ops::Range<usize> = 28..32;
const XSTATE_BV: std::ops::Range<usize> = 512..520;
const XHEADER_REST: std::ops::Range<usize> = 520..576;
/// `fx_sw_bytes.xfeatures`: the features the kernel put in the frame.
const SW_XFEATURES: std::ops::Range<usize> = 472..480;

fn u32_at(b: &[u8], r: std::ops::Range<usize>) -> u32 {
    b.get(r)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .unwrap_or(0)
}

fn u64_at(b: &[u8], r: std::ops::Range<usize>) -> u64 {
    b.get(r)
        .and_then(|s| s.try_into().ok())
        .map(u64::from_le_bytes)
        .unwrap_or(0)
}

/// Merges a caller's XSAVE image `new` into the frame's area `frame` so
/// that the host's `rt_sigreturn` accepts it: the kernel's software bytes
/// stay, `mxcsr` loses reserved bits, the XSAVE header keeps only features
/// the frame carries and standard format. A `new` shorter than the legacy
/// area leaves `frame` as it is.
pub fn merge_fp(frame: &mut [u8], new: &[u8]) {
    if new.len() < 512 || frame.len() < 512 {
        return;
    }
    let mut sw = [0u8; SW_BYTES.end - SW_BYTES.start];
    sw.copy_from_slice(&frame[SW_BYTES]);
    let mut old_mask = [0u8; 4];
    old_mask.copy_from_slice(&frame[MXCSR_MASK]);
    let mask = match u32::from_le_bytes(old_mask) {
        0 => 0xffbf,
        m => m,
    };
    let n = new.len().min(frame.len());
    frame[..n].copy_from_slice(&new[..n]);
    frame[SW_BYTES].copy_from_slice(&sw);
    frame[MXCSR_MASK].copy_from_slice(&old_mask);
    let mxcsr = u32_at(frame, MXCSR) & mask;
    frame[MXCSR].copy_from_slice(&mxcsr.to_le_bytes());
    if frame.len() >= XHEADER_REST.end {
        let bv = u64_at(frame, XSTATE_BV) & u64_at(frame, SW_XFEATURES);
        frame[XSTATE_BV].copy_from_slice(&bv.to_le_bytes());
        frame[XHEADER_REST].fill(0);
    }
}

/// An XSAVE image of a fresh thread's FP state (`FNINIT` control word,
/// default `mxcsr`, every extended component in its initial state), for
/// [`merge_fp`].
pub fn initial_fp() -> Vec<u8> {
    let mut b = vec![0u8; XHEADER_REST.end];
    b[0..2].copy_from_slice(&0x37fu16.to_le_bytes());
    b[MXCSR].copy_from_slice(&0x1f80u32.to_le_bytes());
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gregs_round_trip() {
        let mut g = [0u64; NGREG];
        for (i, v) in g.iter_mut().enumerate() {
            *v = 100 + i as u64;
        }
        g[REG_CSGSFS] = 0x002b_0000_0000_0033;
        let r = from_gregs(&g, 7, 8);
        assert_eq!(
            (r.r8, r.rdi, r.rax, r.rsp, r.rip, r.eflags),
            (100, 108, 113, 115, 116, 117)
        );
        assert_eq!((r.cs, r.ss, r.fs_base, r.gs_base), (0x33, 0x2b, 7, 8));
        assert_eq!(&to_gregs(&r)[..], &g[..NGREG_RESTORE as usize]);
    }

    #[test]
    fn merge_keeps_kernel_fields_and_clears_reserved_bits() {
        let mut frame = vec![0u8; 1024];
        frame[SW_BYTES].fill(0xab);
        frame[MXCSR_MASK].copy_from_slice(&0xffffu32.to_le_bytes());
        frame[SW_XFEATURES].copy_from_slice(&7u64.to_le_bytes());
        let mut new = vec![0x11u8; 1024];
        new[MXCSR].copy_from_slice(&0xdead_1f80u32.to_le_bytes());
        merge_fp(&mut frame, &new);
        assert_eq!(u32_at(&frame, MXCSR), 0x1f80);
        assert_eq!(u64_at(&frame, SW_XFEATURES), 7);
        assert_eq!(frame[470], 0xab);
        assert_eq!(u64_at(&frame, XSTATE_BV), 1);
        assert!(frame[XHEADER_REST].iter().all(|&b| b == 0));
        assert_eq!(frame[600], 0x11);
        // Too short: untouched.
        let before = frame.clone();
        merge_fp(&mut frame, &[0u8; 100]);
        assert_eq!(frame, before);
    }

    #[test]
    fn canonical_addresses() {
        assert!(canonical(0x7fff_ffff_f000));
        assert!(!canonical(0x8000_0000_0000));
        assert!(!canonical(u64::MAX));
    }
}
