//! The overlay as the VFS root: tmpfs upper over a pre-populated tmpfs
//! lower, driven through the syscall-shaped `Vfs` API.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use fs_overlay::OverlayFs;
use fs_tmpfs::{TmpFs, TmpFsOptions};
use vfs::{
    AtFlags, Clock, Context, Credentials, Errno, Filesystem, MountFlags, OpenFlags, PathRef,
    RenameFlags, Timespec, Vfs,
};

struct TickClock(AtomicI64);

impl Clock for TickClock {
    fn now(&self) -> Timespec {
        Timespec {
            sec: self.0.fetch_add(1, Ordering::Relaxed),
            nsec: 0,
        }
    }
}

fn tmpfs(dev: u64) -> Arc<TmpFs> {
    let clock = Arc::new(TickClock(AtomicI64::new(100)));
    TmpFs::new(
        TmpFsOptions {
            dev,
            root_mode: 0o755,
            ..TmpFsOptions::default()
        },
        clock,
    )
    .unwrap_or_else(|e| panic!("tmpfs: {e}"))
}

struct Fx {
    vfs: Vfs,
    root: PathRef,
    cred: Credentials,
    lower_vfs: Vfs,
    upper: Arc<TmpFs>,
}

/// Lower layer: /etc/passwd, /etc/hosts, /bin/sh -> busybox, /bin/busybox,
/// /usr/share/doc/{a,b}, /data/big (sparse), /emptydir.
fn fixture() -> Fx {
    let clock: Arc<dyn Clock> = Arc::new(TickClock(AtomicI64::new(1)));
    let lower = tmpfs(10);
    let lower_vfs = Vfs::new(lower.clone(), MountFlags::empty(), clock.clone());
    let cred = Credentials::root();
    {
        let lroot = lower_vfs.root();
        let ctx = Context::new(&cred, &lroot);
        for d in [
            "etc",
            "bin",
            "usr",
            "usr/share",
            "usr/share/doc",
            "data",
            "emptydir",
        ] {
            lower_vfs
                .mkdirat(&ctx, &lroot, d.as_bytes(), 0o755)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        for (p, data) in [
            ("etc/passwd", &b"root:x:0:0\n"[..]),
            ("etc/hosts", b"127.0.0.1 localhost\n"),
            ("bin/busybox", b"\x7fELF"),
            ("usr/share/doc/a", b"A"),
            ("usr/share/doc/b", b"B"),
        ] {
            let f = lower_vfs
                .openat(
                    &ctx,
                    &lroot,
                    p.as_bytes(),
                    OpenFlags::O_CREAT | OpenFlags::O_WRONLY,
                    0o644,
                )
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(f.write(data), Ok(data.len()));
        }
        let big = lower_vfs
            .openat(
                &ctx,
                &lroot,
                b"data/big",
                OpenFlags::O_CREAT | OpenFlags::O_WRONLY,
                0o600,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(big.pwrite(b"tail", 10 << 20), Ok(4));
        lower_vfs
            .symlinkat(&ctx, b"busybox", &lroot, b"bin/sh")
            .unwrap_or_else(|e| panic!("{e}"));
        let share = lower_vfs
            .resolve(&ctx, &lroot, b"usr/share", AtFlags::empty())
            .unwrap_or_else(|e| panic!("{e}"));
        lower_vfs
            .setxattr(&ctx, &share, b"user.tag", b"lower", 0)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let upper = tmpfs(11);
    let lowers: Vec<Arc<dyn Filesystem>> = vec![lower];
    let ovl = OverlayFs::new(99, upper.clone(), &lowers).unwrap_or_else(|e| panic!("{e}"));
    let vfs = Vfs::new(ovl, MountFlags::empty(), clock);
    let root = vfs.root();
    Fx {
        vfs,
        root,
        cred,
        lower_vfs,
        upper,
    }
}

impl Fx {
    fn ctx(&self) -> Context<'_> {
        Context::new(&self.cred, &self.root)
    }

    fn read(&self, p: &str) -> Result<Vec<u8>, Errno> {
        let f = self
            .vfs
            .openat(&self.ctx(), &self.root, p.as_bytes(), OpenFlags::empty(), 0)?;
        let mut out = vec![0u8; 64];
        let n = f.read(&mut out)?;
        out.truncate(n);
        Ok(out)
    }

    fn write(&self, p: &str, flags: OpenFlags, data: &[u8]) -> Result<(), Errno> {
        let f = self.vfs.openat(
            &self.ctx(),
            &self.root,
            p.as_bytes(),
            flags | OpenFlags::O_WRONLY,
            0o644,
        )?;
        f.write(data).map(|_| ())
    }

    fn ls(&self, p: &str) -> Vec<String> {
        let f = self
            .vfs
            .openat(
                &self.ctx(),
                &self.root,
                p.as_bytes(),
                OpenFlags::O_DIRECTORY,
                0,
            )
            .unwrap_or_else(|e| panic!("{p}: {e}"));
        let buf = f.getdents64(1 << 16).unwrap_or_else(|e| panic!("{e}"));
        let mut names = Vec::new();
        let mut i = 0;
        while i < buf.len() {
            let reclen = u16::from_ne_bytes([buf[i + 16], buf[i + 17]]) as usize;
            let name: Vec<u8> = buf[i + 19..i + reclen]
                .iter()
                .copied()
                .take_while(|&b| b != 0)
                .collect();
            let name = String::from_utf8_lossy(&name).into_owned();
            if name != "." && name != ".." {
                names.push(name);
            }
            i += reclen;
        }
        names.sort();
        names
    }

    /// What the lower layer holds at `p` (must never change).
    fn lower_read(&self, p: &str) -> Result<Vec<u8>, Errno> {
        let lroot = self.lower_vfs.root();
        let ctx = Context::new(&self.cred, &lroot);
        let f = self
            .lower_vfs
            .openat(&ctx, &lroot, p.as_bytes(), OpenFlags::empty(), 0)?;
        let mut out = vec![0u8; 64];
        let n = f.read(&mut out)?;
        out.truncate(n);
        Ok(out)
    }

    fn stat(&self, p: &str) -> Result<vfs::InodeAttr, Errno> {
        self.vfs.fstatat(
            &self.ctx(),
            &self.root,
            p.as_bytes(),
            AtFlags::AT_SYMLINK_NOFOLLOW,
        )
    }
}

#[test]
fn lookup_reads_through_to_lower() {
    let f = fixture();
    assert_eq!(f.read("etc/passwd"), Ok(b"root:x:0:0\n".to_vec()));
    assert_eq!(f.read("bin/sh"), Ok(b"\x7fELF".to_vec()));
    assert_eq!(f.ls("/"), ["bin", "data", "emptydir", "etc", "usr"]);
    let st = f.stat("etc/passwd").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(st.dev, 99);
    assert_eq!(f.read("nope").err(), Some(Errno::ENOENT));
    assert_eq!(
        f.vfs.statfs(&f.root).map(|s| s.fs_type),
        Ok(fs_overlay::OVERLAYFS_SUPER_MAGIC)
    );
}

#[test]
fn write_copies_up_and_keeps_lower_intact() {
    let f = fixture();
    let before = f.stat("etc/hosts").unwrap_or_else(|e| panic!("{e}"));
    f.write("etc/hosts", OpenFlags::O_APPEND, b"10.0.0.1 box\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        f.read("etc/hosts"),
        Ok(b"127.0.0.1 localhost\n10.0.0.1 box\n".to_vec())
    );
    assert_eq!(
        f.lower_read("etc/hosts"),
        Ok(b"127.0.0.1 localhost\n".to_vec())
    );
    let after = f.stat("etc/hosts").unwrap_or_else(|e| panic!("{e}"));
    // Stable identity and copied metadata.
    assert_eq!(
        (after.ino, after.dev, after.mode, after.uid),
        (before.ino, before.dev, before.mode, before.uid)
    );
    // The file and its parent now exist in the upper layer.
    assert!(vfs::Inode::lookup(&*f.upper.root(), b"etc")
        .and_then(|d| d.lookup(b"hosts"))
        .is_ok());
    // Opening read-only does not copy up.
    assert_eq!(f.read("etc/passwd").map(|v| v.len()), Ok(11));
    assert_eq!(
        vfs::Inode::lookup(&*f.upper.root(), b"etc")
            .and_then(|d| d.lookup(b"passwd"))
            .err(),
        Some(Errno::ENOENT)
    );
}

#[test]
fn copy_up_on_truncate_chmod_keeps_sparse_data() {
    let f = fixture();
    let ctx = f.ctx();
    assert_eq!(
        f.vfs
            .fchmodat(&ctx, &f.root, b"data/big", 0o640, AtFlags::empty()),
        Ok(())
    );
    let st = f.stat("data/big").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((st.mode & 0o777, st.size), (0o640, (10 << 20) + 4));
    // Holes stayed holes: only the last page is allocated.
    assert_eq!(st.blocks, 8);
    let fd = f
        .vfs
        .openat(&ctx, &f.root, b"data/big", OpenFlags::empty(), 0)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut buf = [0u8; 4];
    assert_eq!(fd.pread(&mut buf, 10 << 20), Ok(4));
    assert_eq!(&buf, b"tail");
    assert_eq!(f.vfs.truncate(&ctx, &f.root, b"usr/share/doc/a", 0), Ok(()));
    assert_eq!(f.read("usr/share/doc/a"), Ok(Vec::new()));
    assert_eq!(f.lower_read("usr/share/doc/a"), Ok(b"A".to_vec()));
}

#[test]
fn unlink_and_rmdir_leave_whiteouts() {
    let f = fixture();
    let ctx = f.ctx();
    let r = &f.root;
    assert_eq!(
        f.vfs
            .unlinkat(&ctx, r, b"usr/share/doc/a", AtFlags::empty()),
        Ok(())
    );
    assert_eq!(f.read("usr/share/doc/a").err(), Some(Errno::ENOENT));
    assert_eq!(f.ls("usr/share/doc"), ["b"]);
    assert_eq!(f.lower_read("usr/share/doc/a"), Ok(b"A".to_vec()));
    assert_eq!(
        f.vfs
            .unlinkat(&ctx, r, b"usr/share/doc", AtFlags::AT_REMOVEDIR),
        Err(Errno::ENOTEMPTY)
    );
    assert_eq!(
        f.vfs
            .unlinkat(&ctx, r, b"usr/share/doc/b", AtFlags::empty()),
        Ok(())
    );
    // Empty in the merged view, though the upper holds whiteouts.
    assert_eq!(
        f.vfs
            .unlinkat(&ctx, r, b"usr/share/doc", AtFlags::AT_REMOVEDIR),
        Ok(())
    );
    assert_eq!(f.ls("usr/share"), Vec::<String>::new());
    // Recreating the name gives an empty (opaque) directory.
    assert_eq!(f.vfs.mkdirat(&ctx, r, b"usr/share/doc", 0o755), Ok(()));
    assert_eq!(f.ls("usr/share/doc"), Vec::<String>::new());
    assert_eq!(f.read("usr/share/doc/b").err(), Some(Errno::ENOENT));
    // Recreating a whited-out file works and shows the new content.
    assert_eq!(
        f.vfs.unlinkat(&ctx, r, b"etc/passwd", AtFlags::empty()),
        Ok(())
    );
    f.write("etc/passwd", OpenFlags::O_CREAT | OpenFlags::O_EXCL, b"new")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.read("etc/passwd"), Ok(b"new".to_vec()));
    assert_eq!(f.ls("etc"), ["hosts", "passwd"]);
}

#[test]
fn rename_of_lower_files_and_directories() {
    let f = fixture();
    let ctx = f.ctx();
    let r = &f.root;
    let none = RenameFlags::empty();
    let ino = f.stat("etc/hosts").map(|a| a.ino).unwrap_or_default();
    assert_eq!(
        f.vfs
            .renameat2(&ctx, r, b"etc/hosts", r, b"hosts.moved", none),
        Ok(())
    );
    assert_eq!(f.read("hosts.moved"), Ok(b"127.0.0.1 localhost\n".to_vec()));
    assert_eq!(f.stat("hosts.moved").map(|a| a.ino), Ok(ino));
    assert_eq!(f.read("etc/hosts").err(), Some(Errno::ENOENT));
    assert_eq!(f.ls("etc"), ["passwd"]);
    // Over an existing lower file.
    assert_eq!(
        f.vfs
            .renameat2(&ctx, r, b"hosts.moved", r, b"etc/passwd", none),
        Ok(())
    );
    assert_eq!(f.read("etc/passwd"), Ok(b"127.0.0.1 localhost\n".to_vec()));
    // A directory with lower contents can't be renamed in place.
    assert_eq!(
        f.vfs.renameat2(&ctx, r, b"usr", r, b"usr2", none),
        Err(Errno::EXDEV)
    );
    // A directory made in the overlay can, even over a lower empty one.
    assert_eq!(f.vfs.mkdirat(&ctx, r, b"fresh", 0o755), Ok(()));
    f.write("fresh/x", OpenFlags::O_CREAT, b"x")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        f.vfs.renameat2(&ctx, r, b"fresh", r, b"emptydir", none),
        Ok(())
    );
    assert_eq!(f.ls("emptydir"), ["x"]);
    assert_eq!(f.ls("/"), ["bin", "data", "emptydir", "etc", "usr"]);
    // Exchange two lower files.
    assert_eq!(
        f.vfs.renameat2(
            &ctx,
            r,
            b"bin/busybox",
            r,
            b"etc/passwd",
            RenameFlags::RENAME_EXCHANGE
        ),
        Ok(())
    );
    assert_eq!(f.read("etc/passwd"), Ok(b"\x7fELF".to_vec()));
    assert_eq!(f.read("bin/busybox"), Ok(b"127.0.0.1 localhost\n".to_vec()));
    assert_eq!(f.lower_read("bin/busybox"), Ok(b"\x7fELF".to_vec()));
}

#[test]
fn hard_link_to_lower_file_copies_up() {
    let f = fixture();
    let ctx = f.ctx();
    let r = &f.root;
    assert_eq!(
        f.vfs
            .linkat(&ctx, r, b"etc/passwd", r, b"passwd2", AtFlags::empty()),
        Ok(())
    );
    assert_eq!(f.stat("passwd2").map(|a| a.nlink), Ok(2));
    f.write("passwd2", OpenFlags::O_APPEND, b"more\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.read("etc/passwd"), Ok(b"root:x:0:0\nmore\n".to_vec()));
}

#[test]
fn xattrs_copy_up_and_private_ones_stay_hidden() {
    let f = fixture();
    let ctx = f.ctx();
    let root = f.root.clone();
    let etc = f
        .vfs
        .resolve(&ctx, &root, b"usr/share", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        f.vfs.getxattr(&ctx, &etc, b"user.tag"),
        Ok(b"lower".to_vec())
    );
    // Copies usr/share up; its xattrs come along.
    assert_eq!(
        f.vfs
            .unlinkat(&ctx, &root, b"usr/share/doc/a", AtFlags::empty()),
        Ok(())
    );
    assert!(vfs::Inode::lookup(&*f.upper.root(), b"usr")
        .and_then(|d| d.lookup(b"share"))
        .is_ok());
    assert_eq!(
        f.vfs.getxattr(&ctx, &etc, b"user.tag"),
        Ok(b"lower".to_vec())
    );
    assert_eq!(f.vfs.setxattr(&ctx, &etc, b"user.x", b"1", 0), Ok(()));
    assert_eq!(f.vfs.getxattr(&ctx, &etc, b"user.x"), Ok(b"1".to_vec()));
    let names = f
        .vfs
        .listxattr(&ctx, &etc)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(names.iter().all(|n| !n.starts_with(b"trusted.overlay.")));
    assert_eq!(
        f.vfs
            .setxattr(&ctx, &etc, b"trusted.overlay.opaque", b"y", 0),
        Err(Errno::EPERM)
    );
}

#[test]
fn symlinks_and_creation_through_overlay() {
    let f = fixture();
    let ctx = f.ctx();
    let r = &f.root;
    assert_eq!(
        f.vfs.readlinkat(&ctx, r, b"bin/sh"),
        Ok(b"busybox".to_vec())
    );
    assert_eq!(f.vfs.symlinkat(&ctx, b"/etc/passwd", r, b"bin/pw"), Ok(()));
    assert_eq!(f.read("bin/pw"), Ok(b"root:x:0:0\n".to_vec()));
    assert_eq!(f.ls("bin"), ["busybox", "pw", "sh"]);
    assert_eq!(f.vfs.mkdirat(&ctx, r, b"etc", 0o755), Err(Errno::EEXIST));
    assert_eq!(
        f.vfs
            .openat(
                &ctx,
                r,
                b"etc/passwd",
                OpenFlags::O_CREAT | OpenFlags::O_EXCL,
                0o644
            )
            .err(),
        Some(Errno::EEXIST)
    );
    // A whiteout-free upper directory merges with its lower twin.
    f.write("etc/new", OpenFlags::O_CREAT, b"n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.ls("etc"), ["hosts", "new", "passwd"]);
}
