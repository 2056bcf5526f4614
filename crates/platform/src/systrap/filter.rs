//! The seccomp program of application threads.
//!
//! Application threads inherit the leader's filter (system calls allowed
//! from anywhere in the stub code area, [`crate::stub::filter`]) and stack
//! this one on top; the kernel applies the strictest answer. This one allows
//! exactly five (site, number, argument) triples, the handler's own system
//! calls, and traps everything else with `SIGSYS`:
//!
//! | site (address after `syscall`) | number | pinned argument |
//! |---|---|---|
//! | handler's wake | `futex` | `op == FUTEX_WAKE` |
//! | handler's wait | `futex` | `op == FUTEX_WAIT` |
//! | thread exit | `exit` | |
//! | restorer | `rt_sigreturn` | |
//! | handler's drain | `rt_sigtimedwait` | |
//!
//! So application code that jumps into the stub code with registers of its
//! own can at most wait on or wake a futex, end its own thread, take a
//! signal of its own off the queue, or load a register state (which it
//! could do anyway); it never reaches a host call
//! that touches files, memory maps, processes or the network. Calls made
//! with another calling convention (`int 0x80`, i386 audit arch) kill the
//! stub process.

use super::code::Sites;

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
const SECCOMP_RET_TRAP: u32 = 0x0003_0000;
const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;

const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JEQ_K: u16 = 0x15;
const BPF_RET_K: u16 = 0x06;

const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const OFF_IP_LO: u32 = 8;
const OFF_IP_HI: u32 = 12;
/// `args[1]`, low and high halves.
const OFF_ARG1_LO: u32 = 24;
const OFF_ARG1_HI: u32 = 28;

const FUTEX_WAIT: u32 = 0;
const FUTEX_WAKE: u32 = 1;

/// Symbolic instructions; jump targets are labels resolved by [`assemble`].
#[derive(Clone, Copy)]
enum Op {
    Ld(u32),
    /// Jump to `.1` if the accumulator equals `.0`, else fall through.
    JeqTo(u32, Label),
    /// Fall through if equal, else jump to `.1`.
    JneTo(u32, Label),
    Ret(u32),
    Here(Label),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Label {
    Trap,
    Kill,
    Site(usize),
}

fn assemble(ops: &[Op]) -> Vec<libc::sock_filter> {
    // First pass: instruction index of each label.
    let mut at = Vec::new();
    let mut n = 0usize;
    for op in ops {
        match op {
            Op::Here(l) => at.push((*l, n)),
            _ => n += 1,
        }
    }
    let target = |l: Label, pc: usize| -> u8 {
        let to = at
            .iter()
            .find(|(x, _)| *x == l)
            .map(|(_, i)| *i)
            .unwrap_or(pc + 1);
        // Programs here are a few dozen instructions: the distance fits.
        u8::try_from(to - pc - 1).unwrap_or(u8::MAX)
    };
    let mut out = Vec::new();
    for op in ops {
        let pc = out.len();
        let ins = match *op {
            Op::Ld(k) => libc::sock_filter {
                code: BPF_LD_W_ABS,
                jt: 0,
                jf: 0,
                k,
            },
            Op::JeqTo(k, l) => libc::sock_filter {
                code: BPF_JEQ_K,
                jt: target(l, pc),
                jf: 0,
                k,
            },
            Op::JneTo(k, l) => libc::sock_filter {
                code: BPF_JEQ_K,
                jt: 0,
                jf: target(l, pc),
                k,
            },
            Op::Ret(k) => libc::sock_filter {
                code: BPF_RET_K,
                jt: 0,
                jf: 0,
                k,
            },
            Op::Here(_) => continue,
        };
        out.push(ins);
    }
    out
}

/// Builds the application threads' filter for the stub code at `sites`.
pub fn app_filter(sites: &Sites) -> Vec<libc::sock_filter> {
    // (site, nr, pinned op)
    let rules: [(u64, u32, Option<u32>); 5] = [
        (sites.wake, libc::SYS_futex as u32, Some(FUTEX_WAKE)),
        (sites.wait, libc::SYS_futex as u32, Some(FUTEX_WAIT)),
        (sites.exit, libc::SYS_exit as u32, None),
        (sites.sigreturn, libc::SYS_rt_sigreturn as u32, None),
        (sites.drain, libc::SYS_rt_sigtimedwait as u32, None),
    ];
    let hi = (sites.wake >> 32) as u32;
    let mut ops = vec![
        Op::Ld(OFF_ARCH),
        Op::JneTo(AUDIT_ARCH_X86_64, Label::Kill),
        Op::Ld(OFF_IP_HI),
        Op::JneTo(hi, Label::Trap),
        Op::Ld(OFF_IP_LO),
    ];
    for (i, (site, _, _)) in rules.iter().enumerate() {
        ops.push(Op::JeqTo(*site as u32, Label::Site(i)));
    }
    ops.push(Op::Ret(SECCOMP_RET_TRAP));
    for (i, (_, nr, arg)) in rules.iter().enumerate() {
        ops.push(Op::Here(Label::Site(i)));
        ops.push(Op::Ld(OFF_NR));
        ops.push(Op::JneTo(*nr, Label::Trap));
        if let Some(v) = arg {
            ops.push(Op::Ld(OFF_ARG1_HI));
            ops.push(Op::JneTo(0, Label::Trap));
            ops.push(Op::Ld(OFF_ARG1_LO));
            ops.push(Op::JneTo(*v, Label::Trap));
        }
        ops.push(Op::Ret(SECCOMP_RET_ALLOW));
    }
    ops.push(Op::Here(Label::Trap));
    ops.push(Op::Ret(SECCOMP_RET_TRAP));
    ops.push(Op::Here(Label::Kill));
    ops.push(Op::Ret(SECCOMP_RET_KILL_PROCESS));
    assemble(&ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `seccomp_data` fields the filter reads.
    struct Data {
        nr: u32,
        arch: u32,
        ip: u64,
        arg1: u64,
    }

    fn eval(prog: &[libc::sock_filter], d: &Data) -> u32 {
        let mut pc = 0usize;
        let mut acc = 0u32;
        loop {
            let i = prog[pc];
            match i.code {
                BPF_LD_W_ABS => {
                    acc = match i.k {
                        OFF_NR => d.nr,
                        OFF_ARCH => d.arch,
                        OFF_IP_LO => d.ip as u32,
                        OFF_IP_HI => (d.ip >> 32) as u32,
                        OFF_ARG1_LO => d.arg1 as u32,
                        OFF_ARG1_HI => (d.arg1 >> 32) as u32,
                        k => panic!("unexpected load {k}"),
                    };
                    pc += 1;
                }
                BPF_JEQ_K => pc += 1 + usize::from(if acc == i.k { i.jt } else { i.jf }),
                BPF_RET_K => return i.k,
                c => panic!("unexpected opcode {c}"),
            }
        }
    }

    fn d(nr: i64, ip: u64, arg1: u64) -> Data {
        Data {
            nr: nr as u32,
            arch: AUDIT_ARCH_X86_64,
            ip,
            arg1,
        }
    }

    #[test]
    fn only_the_pinned_triples_pass() {
        let s = super::super::code::sites();
        let p = app_filter(&s);
        let allow = SECCOMP_RET_ALLOW;
        let trap = SECCOMP_RET_TRAP;
        assert_eq!(eval(&p, &d(libc::SYS_futex, s.wake, 1)), allow);
        assert_eq!(eval(&p, &d(libc::SYS_futex, s.wait, 0)), allow);
        assert_eq!(eval(&p, &d(libc::SYS_exit, s.exit, 0)), allow);
        assert_eq!(eval(&p, &d(libc::SYS_rt_sigreturn, s.sigreturn, 7)), allow);
        assert_eq!(eval(&p, &d(libc::SYS_rt_sigtimedwait, s.drain, 0)), allow);
        assert_eq!(eval(&p, &d(libc::SYS_rt_sigtimedwait, s.wait, 0)), trap);
        assert_eq!(eval(&p, &d(libc::SYS_kill, s.drain, 0)), trap);
        // Wrong op, number, site or high half.
        assert_eq!(eval(&p, &d(libc::SYS_futex, s.wake, 0)), trap);
        assert_eq!(eval(&p, &d(libc::SYS_futex, s.wait, 1 << 32)), trap);
        assert_eq!(eval(&p, &d(libc::SYS_futex, s.wake, 9)), trap);
        assert_eq!(eval(&p, &d(libc::SYS_execve, s.wake, 1)), trap);
        assert_eq!(eval(&p, &d(libc::SYS_mmap, s.sigreturn, 0)), trap);
        assert_eq!(eval(&p, &d(libc::SYS_exit_group, s.exit, 0)), trap);
        assert_eq!(
            eval(&p, &d(libc::SYS_rt_sigreturn, s.sigreturn + 1, 0)),
            trap
        );
        assert_eq!(
            eval(&p, &d(libc::SYS_rt_sigreturn, s.sigreturn | (1 << 40), 0)),
            trap
        );
        assert_eq!(eval(&p, &d(libc::SYS_getpid, 0x40_1000, 0)), trap);
        assert_eq!(
            eval(&p, &d(libc::SYS_getpid, 0xffff_ffff_ff60_0000, 0)),
            trap
        );
        let mut x = d(libc::SYS_rt_sigreturn, s.sigreturn, 0);
        x.arch = 0x4000_0003;
        assert_eq!(eval(&p, &x), SECCOMP_RET_KILL_PROCESS);
    }
}
