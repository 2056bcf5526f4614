//! Typed decoding of the six raw system-call argument registers.

use crate::usermem::{UserPtr, UserSlice};

/// One system call as the application issued it: its number and the raw
/// values of `rdi, rsi, rdx, r10, r8, r9`. Handlers decode what they need
/// with the typed accessors, which truncate exactly as Linux's C prototypes
/// do (an `int` argument uses the low 32 bits of its register).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyscallArgs {
    /// The system-call number from `orig_rax`.
    pub nr: u64,
    /// The raw argument registers in ABI order.
    pub raw: [u64; 6],
}

impl SyscallArgs {
    /// Builds the arguments of system call `nr`.
    pub fn new(nr: u64, raw: [u64; 6]) -> Self {
        SyscallArgs { nr, raw }
    }

    /// Argument `i` as the full 64-bit register (`unsigned long`, `size_t`).
    /// An index beyond 5 reads as 0.
    pub fn u64(&self, i: usize) -> u64 {
        self.raw.get(i).copied().unwrap_or(0)
    }

    /// Argument `i` as a signed 64-bit value (`long`, `off_t`, `loff_t`).
    pub fn i64(&self, i: usize) -> i64 {
        self.u64(i) as i64
    }

    /// Argument `i` as an `unsigned int` (low 32 bits).
    pub fn u32(&self, i: usize) -> u32 {
        self.u64(i) as u32
    }

    /// Argument `i` as an `int` (low 32 bits, sign included).
    pub fn i32(&self, i: usize) -> i32 {
        self.u64(i) as u32 as i32
    }

    /// Argument `i` as a file descriptor (`int`); `AT_FDCWD` stays negative.
    pub fn fd(&self, i: usize) -> i32 {
        self.i32(i)
    }

    /// Argument `i` as a typed application pointer.
    pub fn ptr<T>(&self, i: usize) -> UserPtr<T> {
        UserPtr::new(self.u64(i))
    }

    /// Argument `i` as a buffer address whose length is argument `len_i`.
    pub fn slice(&self, i: usize, len_i: usize) -> UserSlice {
        UserSlice::new(self.u64(i), self.u64(len_i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_arguments_use_the_low_half() {
        let a = SyscallArgs::new(0, [0xffff_ffff_ffff_ff9c, 0x1_0000_0005, u64::MAX, 7, 0, 0]);
        assert_eq!(a.fd(0), -100);
        assert_eq!(a.u32(1), 5);
        assert_eq!(a.i32(2), -1);
        assert_eq!(a.i64(2), -1);
        assert_eq!(a.u64(9), 0);
        assert_eq!(a.slice(3, 1).len, 0x1_0000_0005);
        assert_eq!(a.ptr::<u32>(3).addr(), 7);
    }
}
