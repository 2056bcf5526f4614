//! Address-space calls: `mmap(2)`, `munmap(2)`, `mprotect(2)`, `brk(2)`,
//! `mremap(2)`, `madvise(2)`, `msync(2)`, `mincore(2)`. The semantics live
//! in mm; this layer resolves file descriptors, copies results out and
//! applies mm's platform operations.

use abi::mman::{MapFlags, ProtFlags};
use mm::{MmapFile, MmapRequest, PAGE_SIZE};

use super::{SysResult, SysRet, SyscallArgs};
use crate::file_pages::FilePages;
use crate::task::Task;

fn value(v: u64) -> SysResult {
    Ok(SysRet::Value(v))
}

/// `mmap(2)`. File mappings are served from the file's page cache
/// ([`FilePages::shared`]), shared by every mapping of the file; shared
/// writable mappings are written back by `msync` and the last `munmap`.
pub fn sys_mmap(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len, prot, flags, fd, off) =
        (a.u64(0), a.u64(1), a.u64(2), a.u64(3), a.fd(4), a.u64(5));
    let anon = flags & u64::from(MapFlags::MAP_ANONYMOUS.bits()) != 0;
    let file = if anon {
        None
    } else {
        let f = t.file(fd)?;
        let map_type = flags & 0x0f;
        let shared = map_type == 0x01 || map_type == 0x03;
        let write = prot & u64::from(ProtFlags::PROT_WRITE.bits()) != 0;
        f.check_mmap(shared && write)?;
        let mut max_prot = ProtFlags::PROT_READ | ProtFlags::PROT_EXEC;
        if f.access_mode().writable() {
            max_prot |= ProtFlags::PROT_WRITE;
        }
        let path = f
            .path()
            .map(|p| crate::path::d_path(p, &t.fs.root))
            .unwrap_or_default();
        let path = String::from_utf8_lossy(&path).into_owned();
        let k = t.kernel().clone();
        let writer = shared && f.access_mode().writable();
        let pages = FilePages::shared(
            f,
            path,
            k.frames().clone(),
            k.platform().memory_file().clone(),
            writer,
        )?;
        Some(MmapFile {
            backing: pages,
            max_prot,
        })
    };
    let req = MmapRequest {
        addr,
        len,
        prot,
        flags,
        offset: off,
        file,
        name: None,
    };
    let r = t.mem.with_mm(|m| m.mmap(req))?;
    value(r?)
}

/// `munmap(2)`.
pub fn sys_munmap(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len) = (a.u64(0), a.u64(1));
    t.mem.with_mm(|m| m.munmap(addr, len))??;
    SysRet::ZERO
}

/// `mprotect(2)`.
pub fn sys_mprotect(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len, prot) = (a.u64(0), a.u64(1), a.u64(2));
    t.mem.with_mm(|m| m.mprotect(addr, len, prot))??;
    SysRet::ZERO
}

/// `brk(2)`: returns the new break, or the old one when refused.
pub fn sys_brk(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let addr = a.u64(0);
    let r = t.mem.with_mm(|m| m.brk(addr))?;
    value(r)
}

/// `mremap(2)`.
pub fn sys_mremap(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (old, old_len, new_len, flags, new_addr) =
        (a.u64(0), a.u64(1), a.u64(2), a.u64(3), a.u64(4));
    let r = t
        .mem
        .with_mm(|m| m.mremap(old, old_len, new_len, flags, new_addr))?;
    value(r?)
}

/// `madvise(2)`.
pub fn sys_madvise(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len, advice) = (a.u64(0), a.u64(1), a.u64(2));
    t.mem.with_mm(|m| m.madvise(addr, len, advice))??;
    SysRet::ZERO
}

/// `msync(2)`: validates like Linux; `MS_SYNC` writes the shared file
/// pages of the range back to their files.
pub fn sys_msync(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len, flags) = (a.u64(0), a.u64(1), a.u64(2));
    let ranges = t.mem.with_mm(|m| m.msync(addr, len, flags))??;
    let frames = t.kernel().frames().clone();
    for r in ranges {
        if let Some(pages) = FilePages::find(&frames, r.file.identity()) {
            pages.write_back(r.offset, r.len)?;
        }
    }
    SysRet::ZERO
}

/// `mincore(2)`: one byte per page, bit 0 set when resident.
pub fn sys_mincore(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len) = (a.u64(0), a.u64(1));
    let v = t.mem.mm().mincore(addr, len)?;
    let pages = len.div_ceil(PAGE_SIZE);
    crate::usermem::UserSlice::new(a.u64(2), pages).write_prefix(t.mem(), &v)?;
    SysRet::ZERO
}

/// `mlock(2)`.
pub fn sys_mlock(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len) = (a.u64(0), a.u64(1));
    t.mem.with_mm(|m| m.mlock(addr, len, 0))??;
    SysRet::ZERO
}

/// `mlock2(2)`: `MLOCK_ONFAULT` or no flags.
pub fn sys_mlock2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len, flags) = (a.u64(0), a.u64(1), a.u64(2));
    t.mem.with_mm(|m| m.mlock(addr, len, flags))??;
    SysRet::ZERO
}

/// `munlock(2)`.
pub fn sys_munlock(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len) = (a.u64(0), a.u64(1));
    t.mem.with_mm(|m| m.munlock(addr, len))??;
    SysRet::ZERO
}

/// `mlockall(2)`.
pub fn sys_mlockall(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = a.u64(0);
    t.mem.with_mm(|m| m.mlockall(flags))??;
    SysRet::ZERO
}

/// `munlockall(2)`.
pub fn sys_munlockall(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    t.mem.with_mm(|m| m.munlockall())?;
    SysRet::ZERO
}
