//! `<linux/futex.h>`: `futex(2)` operations and flags, the `FUTEX_WAKE_OP`
//! encoding, the PI/robust futex word bits, robust lists and `futex_waitv`.

#![allow(non_camel_case_types)]

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Sleep if `*uaddr == val`.
pub const FUTEX_WAIT: u32 = 0;
/// Wake up to `val` waiters.
pub const FUTEX_WAKE: u32 = 1;
/// Create a futex fd (removed in Linux 2.6.26; returns `ENOSYS`).
pub const FUTEX_FD: u32 = 2;
/// Wake `val` waiters and move the rest to `uaddr2`.
pub const FUTEX_REQUEUE: u32 = 3;
/// `FUTEX_REQUEUE` if `*uaddr == val3`.
pub const FUTEX_CMP_REQUEUE: u32 = 4;
/// Modify `*uaddr2`, wake on `uaddr`, and conditionally on `uaddr2`.
pub const FUTEX_WAKE_OP: u32 = 5;
/// Acquire a priority-inheritance futex.
pub const FUTEX_LOCK_PI: u32 = 6;
/// Release a priority-inheritance futex.
pub const FUTEX_UNLOCK_PI: u32 = 7;
/// Try to acquire a PI futex without blocking.
pub const FUTEX_TRYLOCK_PI: u32 = 8;
/// `FUTEX_WAIT` with a wake bitset in `val3` and an absolute timeout.
pub const FUTEX_WAIT_BITSET: u32 = 9;
/// `FUTEX_WAKE` of waiters whose bitset intersects `val3`.
pub const FUTEX_WAKE_BITSET: u32 = 10;
/// Wait on a non-PI futex, to be requeued to a PI futex.
pub const FUTEX_WAIT_REQUEUE_PI: u32 = 11;
/// Requeue from a non-PI futex to a PI futex.
pub const FUTEX_CMP_REQUEUE_PI: u32 = 12;
/// `FUTEX_LOCK_PI` honouring `FUTEX_CLOCK_REALTIME`.
pub const FUTEX_LOCK_PI2: u32 = 13;

bitflags! {
    /// Modifier bits of a `futex(2)` `op` beside the command.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct FutexFlags: u32 {
        /// The futex is process-private (no shared-memory key lookup).
        const FUTEX_PRIVATE_FLAG = 128;
        /// The timeout is measured against `CLOCK_REALTIME`.
        const FUTEX_CLOCK_REALTIME = 256;
    }
}

/// The command bits of a `futex(2)` `op`.
pub const FUTEX_CMD_MASK: u32 =
    !(FutexFlags::FUTEX_PRIVATE_FLAG.bits() | FutexFlags::FUTEX_CLOCK_REALTIME.bits());

/// Splits a `futex(2)` `op` into its command (`FUTEX_WAIT`...) and modifier
/// flags. Unknown high bits stay in the command, so an unknown `op` yields
/// an unknown command (`ENOSYS`), as in Linux.
pub const fn split_futex_op(op: u32) -> (u32, FutexFlags) {
    (op & FUTEX_CMD_MASK, FutexFlags::from_bits_truncate(op))
}

/// PI/robust futex word: there are waiters in the kernel.
pub const FUTEX_WAITERS: u32 = 0x8000_0000;
/// PI/robust futex word: the owner died without unlocking.
pub const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
/// PI/robust futex word: the owner's tid.
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// Bitset that matches every waiter (`FUTEX_WAIT`/`FUTEX_WAKE` use it).
pub const FUTEX_BITSET_MATCH_ANY: u32 = 0xffff_ffff;
/// Most robust-list entries the kernel walks at thread exit.
pub const ROBUST_LIST_LIMIT: u32 = 2048;

/// `FUTEX_WAKE_OP` operation: `*uaddr2 = oparg`.
pub const FUTEX_OP_SET: u32 = 0;
/// `FUTEX_WAKE_OP` operation: `*uaddr2 += oparg`.
pub const FUTEX_OP_ADD: u32 = 1;
/// `FUTEX_WAKE_OP` operation: `*uaddr2 |= oparg`.
pub const FUTEX_OP_OR: u32 = 2;
/// `FUTEX_WAKE_OP` operation: `*uaddr2 &= !oparg`.
pub const FUTEX_OP_ANDN: u32 = 3;
/// `FUTEX_WAKE_OP` operation: `*uaddr2 ^= oparg`.
pub const FUTEX_OP_XOR: u32 = 4;
/// Or-ed into the operation: use `1 << oparg` as the operand.
pub const FUTEX_OP_OPARG_SHIFT: u32 = 8;
/// `FUTEX_WAKE_OP` comparison: `old == cmparg`.
pub const FUTEX_OP_CMP_EQ: u32 = 0;
/// `FUTEX_WAKE_OP` comparison: `old != cmparg`.
pub const FUTEX_OP_CMP_NE: u32 = 1;
/// `FUTEX_WAKE_OP` comparison: `old < cmparg`.
pub const FUTEX_OP_CMP_LT: u32 = 2;
/// `FUTEX_WAKE_OP` comparison: `old <= cmparg`.
pub const FUTEX_OP_CMP_LE: u32 = 3;
/// `FUTEX_WAKE_OP` comparison: `old > cmparg`.
pub const FUTEX_OP_CMP_GT: u32 = 4;
/// `FUTEX_WAKE_OP` comparison: `old >= cmparg`.
pub const FUTEX_OP_CMP_GE: u32 = 5;

/// Encodes a `FUTEX_WAKE_OP` `val3` (the C `FUTEX_OP` macro).
#[allow(non_snake_case)]
pub const fn FUTEX_OP(op: u32, oparg: u32, cmp: u32, cmparg: u32) -> u32 {
    ((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff)
}

/// A decoded `FUTEX_WAKE_OP` `val3`, evaluated as Linux does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FutexWakeOp {
    /// `FUTEX_OP_*` operation, possibly with `FUTEX_OP_OPARG_SHIFT`.
    pub op: u32,
    /// `FUTEX_OP_CMP_*` comparison.
    pub cmp: u32,
    /// Operand, sign-extended from 12 bits.
    pub oparg: i32,
    /// Comparison operand, sign-extended from 12 bits.
    pub cmparg: i32,
}

impl FutexWakeOp {
    /// Splits `val3` into its four fields.
    pub const fn decode(val3: u32) -> Self {
        Self {
            op: (val3 >> 28) & 0xf,
            cmp: (val3 >> 24) & 0xf,
            oparg: ((val3 << 8) as i32) >> 20,
            cmparg: ((val3 << 20) as i32) >> 20,
        }
    }

    /// The new value of `*uaddr2` given its old value; `None` for an unknown
    /// operation (Linux returns `ENOSYS`). With `FUTEX_OP_OPARG_SHIFT` the
    /// shift count is taken modulo 32, as Linux does for out-of-range counts.
    pub const fn apply(&self, old: u32) -> Option<u32> {
        let mut oparg = self.oparg as u32;
        if self.op & FUTEX_OP_OPARG_SHIFT != 0 {
            oparg = 1u32 << (oparg & 31);
        }
        Some(match self.op & !FUTEX_OP_OPARG_SHIFT {
            FUTEX_OP_SET => oparg,
            FUTEX_OP_ADD => old.wrapping_add(oparg),
            FUTEX_OP_OR => old | oparg,
            FUTEX_OP_ANDN => old & !oparg,
            FUTEX_OP_XOR => old ^ oparg,
            _ => return None,
        })
    }

    /// Whether waiters on `uaddr2` are woken, given the old value of
    /// `*uaddr2` (compared as a signed int); `None` for an unknown comparison.
    pub const fn compare(&self, old: u32) -> Option<bool> {
        let old = old as i32;
        let arg = self.cmparg;
        Some(match self.cmp {
            FUTEX_OP_CMP_EQ => old == arg,
            FUTEX_OP_CMP_NE => old != arg,
            FUTEX_OP_CMP_LT => old < arg,
            FUTEX_OP_CMP_LE => old <= arg,
            FUTEX_OP_CMP_GT => old > arg,
            FUTEX_OP_CMP_GE => old >= arg,
            _ => return None,
        })
    }
}

/// `futex_waitv` / futex2 size: 8 bits.
pub const FUTEX2_SIZE_U8: u32 = 0x00;
/// futex2 size: 16 bits.
pub const FUTEX2_SIZE_U16: u32 = 0x01;
/// futex2 size: 32 bits (the only size `futex_waitv` accepts).
pub const FUTEX2_SIZE_U32: u32 = 0x02;
/// futex2 size: 64 bits.
pub const FUTEX2_SIZE_U64: u32 = 0x03;
/// Mask of the futex2 size field.
pub const FUTEX2_SIZE_MASK: u32 = 0x03;
/// futex2: the futex word is followed by a NUMA node id.
pub const FUTEX2_NUMA: u32 = 0x04;
/// futex2: process-private.
pub const FUTEX2_PRIVATE: u32 = FutexFlags::FUTEX_PRIVATE_FLAG.bits();
/// Most entries `futex_waitv(2)` accepts.
pub const FUTEX_WAITV_MAX: u32 = 128;

/// One futex of a `futex_waitv(2)` vector (24 bytes).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct futex_waitv {
    /// Expected value.
    pub val: u64,
    /// User address of the futex word.
    pub uaddr: u64,
    /// `FUTEX2_*` flags.
    pub flags: u32,
    /// Reserved, must be zero.
    pub __reserved: u32,
}

/// A robust-list link: the address of the next entry (`struct robust_list`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct robust_list {
    /// User address of the next entry; the list is circular through the head.
    pub next: u64,
}

/// The per-thread robust-list head registered with `set_robust_list(2)`;
/// the kernel walks it at thread exit and marks held futexes
/// `FUTEX_OWNER_DIED` (24 bytes).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct robust_list_head {
    /// The first entry (the head itself when empty).
    pub list: robust_list,
    /// Offset from an entry to its futex word.
    pub futex_offset: i64,
    /// An entry being locked or unlocked right now, or 0.
    pub list_op_pending: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn consts_match_libc() {
        let pairs = [
            (FUTEX_WAIT, libc::FUTEX_WAIT),
            (FUTEX_WAKE, libc::FUTEX_WAKE),
            (FUTEX_FD, libc::FUTEX_FD),
            (FUTEX_REQUEUE, libc::FUTEX_REQUEUE),
            (FUTEX_CMP_REQUEUE, libc::FUTEX_CMP_REQUEUE),
            (FUTEX_WAKE_OP, libc::FUTEX_WAKE_OP),
            (FUTEX_LOCK_PI, libc::FUTEX_LOCK_PI),
            (FUTEX_UNLOCK_PI, libc::FUTEX_UNLOCK_PI),
            (FUTEX_TRYLOCK_PI, libc::FUTEX_TRYLOCK_PI),
            (FUTEX_WAIT_BITSET, libc::FUTEX_WAIT_BITSET),
            (FUTEX_WAKE_BITSET, libc::FUTEX_WAKE_BITSET),
            (FUTEX_WAIT_REQUEUE_PI, libc::FUTEX_WAIT_REQUEUE_PI),
            (FUTEX_CMP_REQUEUE_PI, libc::FUTEX_CMP_REQUEUE_PI),
            (FUTEX_LOCK_PI2, libc::FUTEX_LOCK_PI2),
            (
                FutexFlags::FUTEX_PRIVATE_FLAG.bits(),
                libc::FUTEX_PRIVATE_FLAG,
            ),
            (
                FutexFlags::FUTEX_CLOCK_REALTIME.bits(),
                libc::FUTEX_CLOCK_REALTIME,
            ),
            (FUTEX_BITSET_MATCH_ANY, libc::FUTEX_BITSET_MATCH_ANY),
            (FUTEX_OP_SET, libc::FUTEX_OP_SET),
            (FUTEX_OP_ADD, libc::FUTEX_OP_ADD),
            (FUTEX_OP_OR, libc::FUTEX_OP_OR),
            (FUTEX_OP_ANDN, libc::FUTEX_OP_ANDN),
            (FUTEX_OP_XOR, libc::FUTEX_OP_XOR),
            (FUTEX_OP_OPARG_SHIFT, libc::FUTEX_OP_OPARG_SHIFT),
            (FUTEX_OP_CMP_EQ, libc::FUTEX_OP_CMP_EQ),
            (FUTEX_OP_CMP_NE, libc::FUTEX_OP_CMP_NE),
            (FUTEX_OP_CMP_LT, libc::FUTEX_OP_CMP_LT),
            (FUTEX_OP_CMP_LE, libc::FUTEX_OP_CMP_LE),
            (FUTEX_OP_CMP_GT, libc::FUTEX_OP_CMP_GT),
            (FUTEX_OP_CMP_GE, libc::FUTEX_OP_CMP_GE),
            (FUTEX2_SIZE_U8, libc::FUTEX2_SIZE_U8),
            (FUTEX2_SIZE_U16, libc::FUTEX2_SIZE_U16),
            (FUTEX2_SIZE_U32, libc::FUTEX2_SIZE_U32),
            (FUTEX2_SIZE_U64, libc::FUTEX2_SIZE_U64),
            (FUTEX2_SIZE_MASK, libc::FUTEX2_SIZE_MASK),
            (FUTEX2_NUMA, libc::FUTEX2_NUMA),
            (FUTEX2_PRIVATE, libc::FUTEX2_PRIVATE),
            (FUTEX_WAITV_MAX, libc::FUTEX_WAITV_MAX),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours, theirs as u32);
        }
        assert_eq!(FUTEX_WAITERS, libc::FUTEX_WAITERS);
        assert_eq!(FUTEX_OWNER_DIED, libc::FUTEX_OWNER_DIED);
        assert_eq!(FUTEX_TID_MASK, libc::FUTEX_TID_MASK);
        // Linux 6.1's mask; the libc crate's also strips newer, unmerged bits.
        assert_eq!(FUTEX_CMD_MASK, !0x180);
    }

    #[test]
    fn split_op() {
        assert_eq!(
            split_futex_op(0x80),
            (FUTEX_WAIT, FutexFlags::FUTEX_PRIVATE_FLAG)
        );
        assert_eq!(
            split_futex_op(0x189),
            (FUTEX_WAIT_BITSET, FutexFlags::all())
        );
        assert_eq!(split_futex_op(0x1001).0, 0x1001);
    }

    #[test]
    fn wake_op_encoding_matches_libc_and_evaluates() {
        for (op, oparg, cmp, cmparg) in [(1, 1, 4, 0), (8 | 2, 5, 0, 0xfff), (3, 0x800, 5, 7)] {
            let v = FUTEX_OP(op, oparg, cmp, cmparg);
            assert_eq!(
                v,
                libc::FUTEX_OP(op as i32, oparg as i32, cmp as i32, cmparg as i32) as u32
            );
            let d = FutexWakeOp::decode(v);
            assert_eq!((d.op, d.cmp), (op, cmp));
        }
        // glibc's pthread_cond uses FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0)-style ops.
        let d = FutexWakeOp::decode(FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0));
        assert_eq!(d.apply(41), Some(42));
        assert_eq!(d.compare(1), Some(true));
        assert_eq!(d.compare(0), Some(false));
        let d = FutexWakeOp::decode(FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 4, 0, 0xfff));
        assert_eq!(d.apply(1), Some(0x11));
        assert_eq!(d.cmparg, -1);
        assert_eq!(d.compare(u32::MAX), Some(true));
        let d = FutexWakeOp::decode(FUTEX_OP(FUTEX_OP_ANDN, 0x800, 0, 0));
        assert_eq!(d.oparg, -2048);
        assert_eq!(d.apply(u32::MAX), Some(0x7ff));
        assert_eq!(FutexWakeOp::decode(FUTEX_OP(7, 0, 0, 0)).apply(0), None);
        assert_eq!(FutexWakeOp::decode(FUTEX_OP(0, 0, 9, 0)).compare(0), None);
        let d = FutexWakeOp::decode(FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 40, 0, 0));
        assert_eq!(d.apply(0), Some(1 << 8));
    }

    #[test]
    fn layouts() {
        type W = libc::futex_waitv;
        assert_eq!(size_of::<futex_waitv>(), size_of::<W>());
        assert_eq!(align_of::<futex_waitv>(), align_of::<W>());
        assert_eq!(offset_of!(futex_waitv, val), offset_of!(W, val));
        assert_eq!(offset_of!(futex_waitv, uaddr), offset_of!(W, uaddr));
        assert_eq!(offset_of!(futex_waitv, flags), offset_of!(W, flags));
        assert_eq!(offset_of!(futex_waitv, __reserved), 20);
        // struct robust_list_head (include/uapi/linux/futex.h); not in libc.
        assert_eq!(size_of::<robust_list>(), 8);
        assert_eq!(size_of::<robust_list_head>(), 24);
        assert_eq!(offset_of!(robust_list_head, futex_offset), 8);
        assert_eq!(offset_of!(robust_list_head, list_op_pending), 16);
    }
}
