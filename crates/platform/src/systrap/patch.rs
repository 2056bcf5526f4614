//! System call patching: the application's `mov $nr, %eax; syscall`
//! becomes a jump into the stub's trampoline, which hands the call to the
//! Sentry through the thread's slot without a signal (gVisor's "usertrap").
//!
//! A patched site is `jmp [TRAP_TABLE + 8k]` (`ff 24 25` + a 32-bit
//! absolute address, 7 bytes like the sequence it replaces). The pointer
//! there leads to entry stub `k` (`mov ecx, 2k; jmp trampoline`); the
//! trampoline reads entry `k`'s return address and number from the address
//! space's trap table, saves the registers, flags and XSAVE state into the
//! slot that `gs_base` points to (the Sentry gives every thread whose own
//! `gs_base` is 0 its slot address there), publishes the event and waits
//! exactly as the signal handler does, and returns with `iretq` to the
//! state the Sentry answered. The red zone is never touched: the trampoline
//! switches to the slot's stack before its first push.
//!
//! Safety of the wall: the trampoline and entry stubs contain no `syscall`
//! of their own; they reuse the handler's futex sites, which the
//! application filter already pins to `FUTEX_WAIT`/`FUTEX_WAKE`. Jumping
//! anywhere into them with hostile registers yields at most what the
//! handler code yields today, or a `SIGILL` that the Sentry reports.
//!
//! What the Sentry turns back into system calls (see
//! [`super::context`]): the trampoline's `ud2` when the entry is unknown in
//! this address space (a fork child inherits patched code, not the table:
//! entry numbers are platform-wide, so the Sentry fills the entry in from
//! the [`Registry`]) or when the thread's `gs_base` is not its slot; and
//! `SIGILL` at a patched site + 5. The patch is written in three steps
//! (gVisor's order): byte 5 becomes `0x06` (an invalid opcode, and the
//! third address byte of the jump, since the table lies at `0x6xxxx`),
//! then bytes 1..=4 and 6, then byte 0. A thread that already ran the old
//! `mov` faults on byte 5 and is served as the `syscall` it was about to
//! make, with its own `rax`, which is exactly right for code that jumps to
//! site + 5 too.
//!
//! Who may patch: only the kernel knows whether the page is private to the
//! address space (copy-on-write broken, not a file's page cache, not shared
//! with another address space); it passes the memory-file offset of the
//! site only then (see [`crate::AddressSpace::patch_syscall`]).

use std::collections::HashMap;
use std::sync::Mutex;

use super::layout::{TRAP_ENTRIES, TRAP_PTRS};

/// Length of a patchable sequence (`mov $imm32, %eax` + `syscall`).
pub const SITE_LEN: u64 = 7;
/// Offset of the `syscall` inside the sequence.
pub const SYSCALL_OFFSET: u64 = 5;

/// The platform-wide entry numbers: `(return address, number)` per entry.
/// Entries are never reused, so patched code stays valid in every address
/// space that inherits it.
#[derive(Debug, Default)]
pub struct Registry {
    by_site: HashMap<(u64, u64), u64>,
    sites: Vec<(u64, u64)>,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn with_registry<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    // Every update leaves the registry consistent: a poisoned lock is fine.
    let mut g = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
    f(g.get_or_insert_with(Registry::default))
}

/// The entry for the site returning to `ret` with call `nr`: the existing
/// one, or a new one; `None` when the table is full.
pub fn entry_for(ret: u64, nr: u64) -> Option<u64> {
    with_registry(|r| {
        if let Some(&k) = r.by_site.get(&(ret, nr)) {
            return Some(k);
        }
        let k = r.sites.len() as u64;
        if k >= TRAP_ENTRIES {
            return None;
        }
        r.sites.push((ret, nr));
        r.by_site.insert((ret, nr), k);
        Some(k)
    })
}

/// Entry `k`'s `(return address, number)`, if it was handed out.
pub fn entry(k: u64) -> Option<(u64, u64)> {
    with_registry(|r| r.sites.get(k as usize).copied())
}

/// Whether `code` (the 7 bytes before a `syscall`'s return address) is
/// `mov $nr, %eax; syscall`.
pub fn is_patchable(code: &[u8; SITE_LEN as usize], nr: u64) -> bool {
    let Ok(nr32) = u32::try_from(nr) else {
        return false;
    };
    code[0] == 0xb8 && code[1..5] == nr32.to_le_bytes() && code[5..] == [0x0f, 0x05]
}

/// The bytes of a site patched to entry `k`: `jmp [TRAP_PTRS + 8k]`.
pub fn patched(k: u64) -> [u8; SITE_LEN as usize] {
    let a = ((TRAP_PTRS + 8 * (k % TRAP_ENTRIES)) as u32).to_le_bytes();
    [0xff, 0x24, 0x25, a[0], a[1], a[2], a[3]]
}

/// The order in which the patch's bytes are stored: `(offset, byte)`
/// groups; each store must be visible before the next group starts.
pub fn write_steps(k: u64) -> [Vec<(usize, u8)>; 3] {
    let p = patched(k);
    [
        vec![(SYSCALL_OFFSET as usize, p[SYSCALL_OFFSET as usize])],
        vec![(1, p[1]), (2, p[2]), (3, p[3]), (4, p[4]), (6, p[6])],
        vec![(0, p[0])],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patch_has_the_invalid_opcode_where_the_syscall_was() {
        for k in [0, 1, TRAP_ENTRIES / 2, TRAP_ENTRIES - 1] {
            let p = patched(k);
            assert_eq!(p[SYSCALL_OFFSET as usize], 0x06, "entry {k}");
            assert_eq!(p[6], 0);
            assert_eq!(&p[..3], &[0xff, 0x24, 0x25]);
            let steps = write_steps(k);
            let mut seen = [false; SITE_LEN as usize];
            for (i, _) in steps.iter().flatten() {
                assert!(!seen[*i]);
                seen[*i] = true;
            }
            assert!(seen.iter().all(|s| *s));
            assert_eq!(steps[0][0].0, SYSCALL_OFFSET as usize);
            assert_eq!(steps[2][0].0, 0);
        }
    }

    #[test]
    fn only_mov_eax_syscall_with_the_same_number_is_patchable() {
        let code = [0xb8, 39, 0, 0, 0, 0x0f, 0x05];
        assert!(is_patchable(&code, 39));
        assert!(!is_patchable(&code, 40));
        assert!(!is_patchable(&code, 39 | 1 << 32));
        let mut other = code;
        other[0] = 0xb9; // mov ecx
        assert!(!is_patchable(&other, 39));
        let mut int80 = code;
        int80[5..].copy_from_slice(&[0xcd, 0x80]);
        assert!(!is_patchable(&int80, 39));
    }

    #[test]
    fn entries_are_shared_per_site() {
        let a = entry_for(0x7777_0007, 1).unwrap();
        let b = entry_for(0x7777_0007, 1).unwrap();
        let c = entry_for(0x7777_0007, 2).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(entry(a), Some((0x7777_0007, 1)));
        assert_eq!(entry(c), Some((0x7777_0007, 2)));
        assert_eq!(entry(TRAP_ENTRIES + 5), None);
    }
}
