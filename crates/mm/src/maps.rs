//! The text of `/proc/[pid]/maps`, byte for byte as Linux writes it.

use alloc::string::String;
use core::fmt::Write;

use crate::addr::ProtFlags;
use crate::backing::Backing;
use crate::manager::MemoryManager;
use crate::vma::Vma;

/// Column where the name starts: Linux pads the prefix to
/// `25 + 6 * sizeof(void *)` characters.
const NAME_COLUMN: usize = 73;

impl MemoryManager {
    /// The contents of `/proc/self/maps`: one line per area,
    /// `start-end perms offset major:minor inode` then, padded to column 73,
    /// the file path, `[heap]`, `[stack]`, a special name, or nothing.
    pub fn maps_text(&self) -> String {
        let mut out = String::new();
        for v in self.vmas() {
            self.write_line(&mut out, v);
        }
        out
    }

    fn write_line(&self, out: &mut String, v: &Vma) {
        let line_start = out.len();
        let perm = |p: ProtFlags, c: char| if v.prot.contains(p) { c } else { '-' };
        let (offset, major, minor, ino, name): (u64, u32, u32, u64, Option<&str>) = match &v.backing
        {
            _ if v.name.is_some() => (0, 0, 0, 0, v.name.as_deref()),
            Backing::File { file, offset } => {
                let id = file.identity();
                (
                    *offset,
                    id.dev_major,
                    id.dev_minor,
                    id.ino,
                    Some(file.path()),
                )
            }
            Backing::SharedAnonymous { object, offset } => {
                (*offset, 0, 1, object.ino(), Some("/dev/zero (deleted)"))
            }
            Backing::Anonymous => (0, 0, 0, 0, None),
        };
        let name = name.or_else(|| {
            if !matches!(v.backing, Backing::Anonymous) {
                None
            } else if v.start <= self.current_brk() && v.end >= self.start_brk() {
                Some("[heap]")
            } else if v.start <= self.start_stack() && v.end >= self.start_stack() {
                Some("[stack]")
            } else {
                None
            }
        });
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {} ",
            v.start,
            v.end,
            perm(ProtFlags::PROT_READ, 'r'),
            perm(ProtFlags::PROT_WRITE, 'w'),
            perm(ProtFlags::PROT_EXEC, 'x'),
            if v.is_private() { 'p' } else { 's' },
            offset,
            major,
            minor,
            ino,
        );
        if let Some(name) = name {
            let width = out.len() - line_start;
            for _ in width..NAME_COLUMN {
                out.push(' ');
            }
            out.push_str(name);
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use crate::addr::PAGE_SIZE;
    use crate::backing::{FileBacking, FileIdentity, FilePageError};
    use crate::frame::{Frame, MemoryFileAllocator};
    use crate::manager::{Layout, Limits, MemoryManager, MmapFile, MmapRequest};
    use crate::ProtFlags;
    use alloc::sync::Arc;

    #[derive(Debug)]
    struct Head;

    impl FileBacking for Head {
        fn identity(&self) -> FileIdentity {
            FileIdentity {
                dev_major: 0xfe,
                dev_minor: 0,
                ino: 247282,
            }
        }
        fn path(&self) -> &str {
            "/usr/bin/head"
        }
        fn get_page(&self, _index: u64) -> Result<Frame, FilePageError> {
            Err(FilePageError::BeyondEof)
        }
        fn is_resident(&self, _index: u64) -> bool {
            false
        }
    }

    #[test]
    fn lines_match_linux() {
        let frames = Arc::new(MemoryFileAllocator::new(1 << 20));
        let mut m = MemoryManager::new(frames, Layout::default(), Limits::default());
        let file = MmapFile {
            backing: Arc::new(Head),
            max_prot: ProtFlags::PROT_READ | ProtFlags::PROT_EXEC,
        };
        let req = MmapRequest {
            addr: 0x5575_67e7_e000,
            len: 6 * PAGE_SIZE,
            prot: 5,
            flags: 0x12,
            offset: 0x2000,
            file: Some(file),
            name: None,
        };
        m.mmap(req).unwrap();
        m.set_start_brk(0x55ce_d0ea_c000);
        m.brk(0x55ce_d0ee_e000);
        let anon = MmapRequest {
            addr: 0x7fb3_f848_8000,
            len: 0xc4000,
            prot: 3,
            flags: 0x32,
            ..Default::default()
        };
        m.mmap(anon).unwrap();
        let shared = MmapRequest {
            addr: 0x7f51_5a75_f000,
            len: PAGE_SIZE,
            prot: 3,
            flags: 0x31,
            ..Default::default()
        };
        m.mmap(shared).unwrap();
        let vdso = MmapRequest {
            addr: 0x7fff_95fe_0000,
            len: 2 * PAGE_SIZE,
            prot: 5,
            flags: 0x12,
            file: Some(MmapFile {
                backing: Arc::new(Head),
                max_prot: ProtFlags::PROT_READ | ProtFlags::PROT_EXEC,
            }),
            name: Some(Arc::from("[vdso]")),
            ..Default::default()
        };
        m.mmap(vdso).unwrap();
        let ino = match m.find_vma(0x7f51_5a75_f000).map(|v| v.backing().clone()) {
            Some(crate::Backing::SharedAnonymous { object, .. }) => object.ino(),
            _ => 0,
        };
        let expected = alloc::format!(
            "557567e7e000-557567e84000 r-xp 00002000 fe:00 247282                     /usr/bin/head\n\
             55ced0eac000-55ced0eee000 rw-p 00000000 00:00 0                          [heap]\n\
             7f515a75f000-7f515a760000 rw-s 00000000 00:01 {ino:<4}                       /dev/zero (deleted)\n\
             7fb3f8488000-7fb3f854c000 rw-p 00000000 00:00 0 \n\
             7fff95fe0000-7fff95fe2000 r-xp 00000000 00:00 0                          [vdso]\n"
        );
        assert_eq!(m.maps_text(), expected);
    }
}
