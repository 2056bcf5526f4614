//! `<sys/user.h>` and `<linux/ptrace.h>`: the register file of an x86-64 thread.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The general-purpose registers of an x86-64 thread, as `PTRACE_GETREGS`
/// returns them and as the Sentry keeps them for every application thread.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[allow(missing_docs)]
pub struct user_regs_struct {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub orig_rax: u64,
    pub rip: u64,
    pub cs: u64,
    pub eflags: u64,
    pub rsp: u64,
    pub ss: u64,
    pub fs_base: u64,
    pub gs_base: u64,
    pub ds: u64,
    pub es: u64,
    pub fs: u64,
    pub gs: u64,
}

impl user_regs_struct {
    /// The six system-call arguments in ABI order (rdi, rsi, rdx, r10, r8, r9).
    pub fn syscall_args(&self) -> [u64; 6] {
        [self.rdi, self.rsi, self.rdx, self.r10, self.r8, self.r9]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn layout_matches_libc() {
        assert_eq!(
            size_of::<user_regs_struct>(),
            size_of::<libc::user_regs_struct>()
        );
        assert_eq!(
            align_of::<user_regs_struct>(),
            align_of::<libc::user_regs_struct>()
        );
        assert_eq!(
            offset_of!(user_regs_struct, orig_rax),
            offset_of!(libc::user_regs_struct, orig_rax)
        );
        assert_eq!(
            offset_of!(user_regs_struct, rip),
            offset_of!(libc::user_regs_struct, rip)
        );
        assert_eq!(
            offset_of!(user_regs_struct, fs_base),
            offset_of!(libc::user_regs_struct, fs_base)
        );
        assert_eq!(
            offset_of!(user_regs_struct, gs),
            offset_of!(libc::user_regs_struct, gs)
        );
    }
}
