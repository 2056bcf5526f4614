//! Threads renaming between two directories in opposite directions while
//! others create, look up and unlink must neither deadlock nor corrupt the
//! link counts (the test finishing is the deadlock check).

use std::sync::Arc;
use std::thread;

use fs_tmpfs::{TmpFs, TmpFsOptions};
use vfs::uapi::{S_IFDIR, S_IFREG};
use vfs::{Clock, Errno, Filesystem, Inode, NewInode, RenameFlags, Timespec};

struct Zero;
impl Clock for Zero {
    fn now(&self) -> Timespec {
        Timespec::default()
    }
}

const ROUNDS: usize = 2000;

#[test]
fn opposite_renames_and_churn() {
    let fs = TmpFs::new(TmpFsOptions::default(), Arc::new(Zero)).unwrap_or_else(|e| panic!("{e}"));
    let root = fs.root();
    let dir = NewInode {
        mode: S_IFDIR | 0o755,
        uid: 0,
        gid: 0,
        rdev: 0,
    };
    let reg = NewInode {
        mode: S_IFREG | 0o644,
        uid: 0,
        gid: 0,
        rdev: 0,
    };
    let a = root.mkdir(b"a", &dir).unwrap_or_else(|e| panic!("{e}"));
    let b = root.mkdir(b"b", &dir).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..8u8 {
        a.mkdir(&[b'd', i], &dir).unwrap_or_else(|e| panic!("{e}"));
        b.create(&[b'f', i], &reg).unwrap_or_else(|e| panic!("{e}"));
    }
    let mut handles = Vec::new();
    for t in 0..4u8 {
        let (a, b) = (a.clone(), b.clone());
        handles.push(thread::spawn(move || {
            for r in 0..ROUNDS {
                let i = ((r + usize::from(t)) % 8) as u8;
                let (src, dst, name) = if t % 2 == 0 {
                    (&a, &b, [b'd', i])
                } else {
                    (&b, &a, [b'd', i])
                };
                match src.rename(&name, dst, &name, RenameFlags::empty()) {
                    Ok(()) | Err(Errno::ENOENT) => {}
                    Err(e) => panic!("rename: {e}"),
                }
                let tmp = [b't', t, (r % 4) as u8];
                match dst.create(&tmp, &reg) {
                    Ok(_) | Err(Errno::EEXIST) => {}
                    Err(e) => panic!("create: {e}"),
                }
                let _ = dst.lookup(&tmp);
                match dst.unlink(&tmp) {
                    Ok(()) | Err(Errno::ENOENT) => {}
                    Err(e) => panic!("unlink: {e}"),
                }
            }
        }));
    }
    for h in handles {
        assert!(h.join().is_ok());
    }
    // Every "d*" directory is in exactly one of a and b, and the link
    // counts say so.
    let count_dirs = |d: &Arc<dyn Inode>| {
        let mut n = 0u32;
        d.readdir(0, &mut |e: &vfs::DirEntry| {
            n += u32::from(e.file_type == vfs::FileType::Directory);
            true
        })
        .unwrap_or_else(|e| panic!("{e}"));
        n
    };
    let (na, nb) = (count_dirs(&a), count_dirs(&b));
    assert_eq!(na + nb, 8);
    assert_eq!(a.stat().map(|s| s.nlink), Ok(2 + na));
    assert_eq!(b.stat().map(|s| s.nlink), Ok(2 + nb));
    assert_eq!(root.stat().map(|s| s.nlink), Ok(4));
}
