//! System call patching: after a system call trapped at a site that the
//! platform could rewrite into a direct jump (systrap, see
//! `platform::systrap::patch`), the kernel decides with mm whether the
//! page may be written. Only a page of a private mapping qualifies, and it
//! is made this address space's own first (copy-on-write broken, as
//! `ptrace(POKETEXT)` does); a shared mapping, or a page the kernel cannot
//! read, is refused and the platform stops offering the site.

use mm::PAGE_SIZE;
use platform::systrap::patch::{is_patchable, SITE_LEN};

use crate::task::Task;
use crate::usermem::UserMemory;

impl Task {
    /// Offers the site of the system call that just trapped to the
    /// platform, if it asks for it (see the module documentation).
    pub fn offer_syscall_site(&mut self) {
        if !self.context.patchable_syscall() {
            return;
        }
        let (rip, nr) = (self.cpu.regs.rip, self.cpu.regs.orig_rax);
        let offset = self.private_site(rip, nr);
        // A platform error leaves the code as it was: the call works anyway.
        let _ = self.mem.space.patch_syscall(rip, nr, offset);
    }

    /// The memory-file offset of the 7 bytes before `rip` if they are
    /// `mov $nr, %eax; syscall` within one page of a private mapping, which
    /// is then this address space's own.
    fn private_site(&mut self, rip: u64, nr: u64) -> Option<u64> {
        let site = rip.checked_sub(SITE_LEN)?;
        if site / PAGE_SIZE != (rip - 1) / PAGE_SIZE {
            return None;
        }
        let mut code = [0u8; SITE_LEN as usize];
        self.mem.read_bytes(site, &mut code).ok()?;
        if !is_patchable(&code, nr) {
            return None;
        }
        let page = self.mem.mm().own_private_page(site).ok()?;
        self.mem.sync().ok()?;
        Some(page + site % PAGE_SIZE)
    }
}
