//! The stub's seccomp filter: system calls are allowed only from the stub's
//! code area.
//!
//! Under `PTRACE_SYSEMU` the tracer sees every system call before seccomp
//! would, so for the ptrace platform this filter is a second wall: should a
//! stub thread ever run application code untraced, any system call it makes
//! outside the code area gets `SIGSYS` (whose default action ends the stub),
//! and 32-bit `int 0x80` calls end the stub at once. It also catches the
//! vsyscall page, whose emulation in the host kernel consults seccomp but not
//! ptrace. The filter is hand-built BPF because it tests the instruction
//! pointer, which `seccompiler` does not express.

use super::layout::{STUB_CODE_LEN, STUB_CODE_START};

/// `AUDIT_ARCH_X86_64`.
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
const SECCOMP_RET_TRAP: u32 = 0x0003_0000;
const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;

const BPF_LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_JGE_K: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const BPF_RET_K: u16 = 0x06; // BPF_RET | BPF_K

/// Offsets into `struct seccomp_data`.
const OFF_ARCH: u32 = 4;
const OFF_IP_LO: u32 = 8;
const OFF_IP_HI: u32 = 12;

fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

/// Builds the filter program: allow from `[STUB_CODE_START, +STUB_CODE_LEN)`,
/// `SIGSYS` from anywhere else, kill for any non-x86-64 calling convention.
pub fn stub_filter() -> Vec<libc::sock_filter> {
    let lo = STUB_CODE_START as u32;
    let hi = (STUB_CODE_START >> 32) as u32;
    let lo_end = (STUB_CODE_START + STUB_CODE_LEN) as u32;
    vec![
        /* 0 */ stmt(BPF_LD_W_ABS, OFF_ARCH),
        /* 1 */ jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, 0, 7), // -> 9 kill
        /* 2 */ stmt(BPF_LD_W_ABS, OFF_IP_HI),
        /* 3 */ jump(BPF_JEQ_K, hi, 0, 4), // -> 8 trap
        /* 4 */ stmt(BPF_LD_W_ABS, OFF_IP_LO),
        /* 5 */ jump(BPF_JGE_K, lo, 0, 2), // -> 8 trap
        /* 6 */ jump(BPF_JGE_K, lo_end, 1, 0), // -> 8 trap, else 7
        /* 7 */ stmt(BPF_RET_K, SECCOMP_RET_ALLOW),
        /* 8 */ stmt(BPF_RET_K, SECCOMP_RET_TRAP),
        /* 9 */ stmt(BPF_RET_K, SECCOMP_RET_KILL_PROCESS),
    ]
}

/// Runs the filter in a tiny interpreter (tests only need the subset above).
#[cfg(test)]
fn eval(prog: &[libc::sock_filter], arch: u32, ip: u64) -> u32 {
    let mut pc = 0usize;
    let mut acc = 0u32;
    loop {
        let i = prog[pc];
        match i.code {
            BPF_LD_W_ABS => {
                acc = match i.k {
                    OFF_ARCH => arch,
                    OFF_IP_LO => ip as u32,
                    OFF_IP_HI => (ip >> 32) as u32,
                    _ => panic!("unexpected load"),
                };
                pc += 1;
            }
            BPF_JEQ_K | BPF_JGE_K => {
                let taken = if i.code == BPF_JEQ_K {
                    acc == i.k
                } else {
                    acc >= i.k
                };
                pc += 1 + usize::from(if taken { i.jt } else { i.jf });
            }
            BPF_RET_K => return i.k,
            _ => panic!("unexpected opcode"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stub::layout::STUB_REGION_END;

    #[test]
    fn allows_only_the_code_area() {
        let p = stub_filter();
        let a = AUDIT_ARCH_X86_64;
        assert_eq!(eval(&p, a, STUB_CODE_START + 2), SECCOMP_RET_ALLOW);
        assert_eq!(
            eval(&p, a, STUB_CODE_START + STUB_CODE_LEN - 1),
            SECCOMP_RET_ALLOW
        );
        assert_eq!(
            eval(&p, a, STUB_CODE_START + STUB_CODE_LEN),
            SECCOMP_RET_TRAP
        );
        assert_eq!(eval(&p, a, STUB_CODE_START - 1), SECCOMP_RET_TRAP);
        assert_eq!(eval(&p, a, STUB_REGION_END - 8), SECCOMP_RET_TRAP);
        assert_eq!(eval(&p, a, 0x40_0000), SECCOMP_RET_TRAP);
        assert_eq!(eval(&p, a, 0xffff_ffff_ff60_0000), SECCOMP_RET_TRAP);
        assert_eq!(
            eval(&p, a, (1 << 32) | (STUB_CODE_START & 0xffff_ffff)),
            SECCOMP_RET_TRAP
        );
        assert_eq!(
            eval(&p, 0x4000_0003, STUB_CODE_START + 2),
            SECCOMP_RET_KILL_PROCESS
        );
    }
}
