//! Where systrap keeps its things inside the stub region.
//!
//! Pages 8..12 of the stub code area hold the systrap stub code (signal
//! handler, thread and leader start-up), page 12 the application threads'
//! seccomp program (read-only data, so no thread can change a filter that a
//! later thread installs). The data area holds one [`SLOT_SIZE`] slot per
//! application thread, backed by a per-address-space memfd that the Sentry
//! maps too:
//!
//! ```text
//! slot + 0x0000  control words, saved registers    (OFF_* below)
//! slot + 0x1000  XSAVE area of the signal frame    (FP_MAX bytes)
//! slot + 0x5000  signal stack (sigaltstack)        (STACK_LEN bytes)
//! slot + 0x10000 end; also the initial stack top of the thread
//! ```
//!
//! The handler finds its slot by rounding its stack pointer down to
//! [`SLOT_SIZE`], so it needs no thread-local storage of the application.

use crate::memfile::PAGE_SIZE;
use crate::stub::layout::{STUB_CODE_LEN, STUB_CODE_START, STUB_DATA_START, STUB_REGION_END};

/// First page of the systrap stub code.
pub const CODE_START: u64 = STUB_CODE_START + 8 * PAGE_SIZE;
/// Room for the systrap stub code.
pub const CODE_LEN: u64 = 4 * PAGE_SIZE;
/// The read-only page holding the application threads' `sock_fprog` (at
/// offset 0) and its program (at [`FILTER_PROG_OFFSET`]).
pub const FILTER_PAGE: u64 = CODE_START + CODE_LEN;
/// Offset of the BPF program inside [`FILTER_PAGE`].
pub const FILTER_PROG_OFFSET: u64 = 64;

/// Size of one thread slot (a power of two, so the handler can round down).
pub const SLOT_SIZE: u64 = 0x1_0000;
/// Start of the slots.
pub const SLOTS_START: u64 = STUB_DATA_START;
/// Most application threads per address space.
pub const MAX_THREADS: u64 = 256;
/// Length of the slots in the context memfd.
pub const CTX_LEN: u64 = MAX_THREADS * SLOT_SIZE;

/// Where the trap table of patched system call sites lies in every stub:
/// below [`crate::stub::layout::APP_START`], so the application can never
/// map over it, and in `0x6xxxx`, so that the third byte of a patched
/// site's `jmp [TRAP_TABLE + 8k]` is `0x06`, an invalid opcode (see
/// [`super::patch`]).
pub const TRAP_TABLE: u64 = 0x6_0000;
/// Number of trap table entries (patched sites, platform-wide).
pub const TRAP_ENTRIES: u64 = 1024;
/// The entry pointers: `TRAP_TABLE + 8k` holds the address of entry stub `k`.
pub const TRAP_PTRS: u64 = TRAP_TABLE;
/// Per address space site information: `TRAP_INFO + 16k` holds the return
/// address (0: unknown here) and `+ 8` the system call number of entry `k`.
pub const TRAP_INFO: u64 = TRAP_TABLE + 8 * TRAP_ENTRIES;
/// Length of the trap table (pointers and site information).
pub const TRAP_TABLE_LEN: u64 = 24 * TRAP_ENTRIES;
/// The entry stubs (`mov ecx, 2k; jmp trampoline`, [`ENTRY_LEN`] bytes
/// each), in the last pages of the stub code area.
pub const ENTRY_CODE: u64 = FILTER_PAGE + PAGE_SIZE;
/// Length of one entry stub.
pub const ENTRY_LEN: u64 = 10;
/// Length of the context memfd: the slots, then the trap table.
pub const CTX_FILE_LEN: u64 = CTX_LEN + TRAP_TABLE_LEN;

/// Futex word: who owns the slot now ([`STATE_EVENT`], [`STATE_RESUME`], ...).
pub const OFF_STATE: u64 = 0x00;
/// Set by the Sentry while it sleeps in `FUTEX_WAIT` on the state word.
pub const OFF_SENTRY_SLEEPING: u64 = 0x04;
/// Set by the stub while it sleeps in `FUTEX_WAIT` on the state word.
pub const OFF_STUB_SLEEPING: u64 = 0x08;
/// `CLONE_CHILD_CLEARTID` word: non-zero while the stub thread lives.
pub const OFF_CTID: u64 = 0x0c;
/// How many `pause` rounds the stub spins before it sleeps.
pub const OFF_SPIN: u64 = 0x10;
/// The CPU the stub thread ran on when it stopped (`rdtscp`'s `TSC_AUX`).
pub const OFF_CPU: u64 = 0x14;
/// Signal number of the event.
pub const OFF_SIGNO: u64 = 0x18;
/// `si_code` of the event.
pub const OFF_CODE: u64 = 0x1c;
/// `si_addr` of the event.
pub const OFF_ADDR: u64 = 0x20;
/// `fs_base` of the application thread.
pub const OFF_FS_BASE: u64 = 0x28;
/// Length of the saved XSAVE area.
pub const OFF_FP_LEN: u64 = 0x30;
/// Set by the Sentry when an interrupt signal may be queued from an
/// earlier run; the handler then drops it before returning.
pub const OFF_DRAIN: u64 = 0x34;
/// `gs_base` of the application thread.
pub const OFF_GS_BASE: u64 = 0x38;
/// The signal frame's `gregs` (23 words, `REG_R8` .. `REG_CR2`).
pub const OFF_GREGS: u64 = 0x40;
/// Number of `gregs` words.
pub const NGREG: usize = 23;
/// Number of `gregs` the handler writes back (`REG_R8` .. `REG_EFL`).
pub const NGREG_RESTORE: u64 = 18;
/// TSC when the handler started (timeline for benchmarks).
pub const OFF_T_ENTRY: u64 = 0x100;
/// TSC when the handler saw `STATE_RESUME` (timeline for benchmarks).
pub const OFF_T_RESUMED: u64 = 0x108;
/// An asynchronous signal that hit the thread inside the syscall
/// trampoline (see [`super::patch`]), kept for later: its number (0: none).
pub const OFF_PENDING_SIGNO: u64 = 0x110;
/// `si_code` of the pending signal.
pub const OFF_PENDING_CODE: u64 = 0x114;
/// `si_addr` of the pending signal.
pub const OFF_PENDING_ADDR: u64 = 0x118;
/// Set by the Sentry when it wrote a new XSAVE image into the slot; the
/// handler then copies it into the signal frame, the trampoline loads it
/// (`xrstor`), and either clears the flag. Otherwise the thread's FP state
/// is still in place and neither touches it.
pub const OFF_FP_DIRTY: u64 = 0x120;
/// The XSAVE area.
pub const OFF_FP: u64 = 0x1000;
/// Largest XSAVE area a slot holds.
pub const FP_MAX: u64 = 0x4000;
/// The signal stack.
pub const OFF_STACK: u64 = 0x5000;
/// Size of the signal stack.
pub const STACK_LEN: u64 = SLOT_SIZE - OFF_STACK;

/// Stub → Sentry: an event is in the slot.
pub const STATE_EVENT: u32 = 1;
/// Sentry → stub: load the slot's state and return to the application.
pub const STATE_RESUME: u32 = 2;
/// Sentry → stub: end the thread.
pub const STATE_EXIT: u32 = 3;

/// Address of slot `i` in the stub.
pub const fn slot_addr(i: u64) -> u64 {
    SLOTS_START + i * SLOT_SIZE
}

const _: () = assert!(SLOTS_START.is_multiple_of(SLOT_SIZE));
const _: () = assert!(FILTER_PAGE + PAGE_SIZE <= STUB_CODE_START + STUB_CODE_LEN);
const _: () = assert!(SLOTS_START + CTX_LEN <= STUB_REGION_END);
const _: () = assert!(OFF_GREGS + NGREG as u64 * 8 <= OFF_FP && OFF_FP + FP_MAX <= OFF_STACK);
const _: () = assert!(OFF_T_RESUMED < OFF_PENDING_SIGNO && OFF_FP_DIRTY + 4 <= OFF_FP);
const _: () = assert!(TRAP_TABLE + TRAP_TABLE_LEN <= crate::stub::layout::APP_START);
const _: () = assert!((TRAP_PTRS + 8 * TRAP_ENTRIES - 1) >> 16 == 6);
const _: () = assert!(TRAP_TABLE_LEN.is_multiple_of(PAGE_SIZE) && TRAP_ENTRIES.is_power_of_two());
const _: () = assert!(ENTRY_CODE + ENTRY_LEN * TRAP_ENTRIES <= STUB_CODE_START + STUB_CODE_LEN);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_round_down_to_their_base() {
        let s = slot_addr(5);
        assert_eq!((s + OFF_STACK + 100) & !(SLOT_SIZE - 1), s);
        assert_eq!((s + SLOT_SIZE - 8) & !(SLOT_SIZE - 1), s);
        assert!(slot_addr(MAX_THREADS) <= STUB_REGION_END);
    }
}
