//! fs-host over a temporary host tree, through the syscall-shaped `Vfs`
//! API: reads, symlinks resolved in the sandbox (never on the host), EROFS
//! on every write path, and an overlay that copies up without touching
//! the host tree.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use fs_host::HostFs;
use fs_overlay::OverlayFs;
use fs_tmpfs::{TmpFs, TmpFsOptions};
use vfs::{
    AtFlags, Clock, Context, Credentials, Errno, Filesystem, MountFlags, OpenFlags, RenameFlags,
    SetAttr, Timespec, Vfs,
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

fn clock() -> Arc<dyn Clock> {
    Arc::new(TickClock(AtomicI64::new(1)))
}

/// A host tree: data.txt, dir/inner.txt, abs -> /data.txt,
/// rel -> dir/inner.txt, loop -> loop, fifo.
struct Tree(PathBuf);

impl Tree {
    fn new(tag: &str) -> Tree {
        let d = std::env::temp_dir().join(format!("fs-host-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let ok = |r: std::io::Result<()>| r.unwrap_or_else(|e| panic!("{e}"));
        ok(std::fs::create_dir_all(d.join("dir")));
        ok(std::fs::write(d.join("data.txt"), b"hello host\n"));
        ok(std::fs::write(d.join("dir/inner.txt"), b"inner"));
        ok(std::os::unix::fs::symlink("/data.txt", d.join("abs")));
        ok(std::os::unix::fs::symlink("dir/inner.txt", d.join("rel")));
        ok(std::os::unix::fs::symlink("loop", d.join("loop")));
        rustix::fs::mkfifoat(rustix::fs::CWD, d.join("fifo"), rustix::fs::Mode::RUSR)
            .unwrap_or_else(|e| panic!("{e}"));
        Tree(d)
    }

    fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![self.0.clone()];
        while let Some(p) = stack.pop() {
            let rd = std::fs::read_dir(&p).unwrap_or_else(|e| panic!("{e}"));
            for e in rd {
                let e = e.unwrap_or_else(|e| panic!("{e}"));
                let ft = e.file_type().unwrap_or_else(|e| panic!("{e}"));
                let name = e.path().display().to_string();
                if ft.is_dir() {
                    stack.push(e.path());
                    out.push((name, b"<dir>".to_vec()));
                } else if ft.is_file() {
                    out.push((name, std::fs::read(e.path()).unwrap_or_default()));
                } else {
                    out.push((name, b"<other>".to_vec()));
                }
            }
        }
        out.sort();
        out
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn read_all(vfs: &Vfs, ctx: &Context<'_>, path: &str) -> Result<Vec<u8>, Errno> {
    let f = vfs.openat(ctx, ctx.root, path.as_bytes(), OpenFlags::empty(), 0)?;
    let mut out = Vec::new();
    let mut buf = [0u8; 4];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn reads_stats_and_lists() {
    let t = Tree::new("read");
    let fs = HostFs::open(&t.0, 77).unwrap_or_else(|e| panic!("{e}"));
    let vfs = Vfs::new(fs.clone(), MountFlags::empty(), clock());
    let root = vfs.root();
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &root);

    assert_eq!(
        read_all(&vfs, &ctx, "data.txt"),
        Ok(b"hello host\n".to_vec())
    );
    assert_eq!(read_all(&vfs, &ctx, "dir/inner.txt"), Ok(b"inner".to_vec()));
    let st = vfs
        .fstatat(&ctx, &root, b"data.txt", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let host = std::fs::metadata(t.0.join("data.txt")).unwrap_or_else(|e| panic!("{e}"));
    use std::os::unix::fs::MetadataExt;
    assert_eq!(st.ino, host.ino());
    assert_eq!(st.size, 11);
    assert_eq!(st.dev, 77);
    assert_eq!(st.mode, host.mode());
    // Stable numbers: the same file looked up again.
    let again = vfs
        .fstatat(&ctx, &root, b"dir/../data.txt", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.ino, st.ino);

    let d = vfs
        .openat(&ctx, &root, b"", OpenFlags::O_DIRECTORY, 0)
        .or_else(|_| vfs.openat(&ctx, &root, b".", OpenFlags::O_DIRECTORY, 0))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut names = Vec::new();
    loop {
        let b = d.getdents64(64).unwrap_or_else(|e| panic!("{e}"));
        if b.is_empty() {
            break;
        }
        let mut i = 0;
        while i + 19 <= b.len() {
            let reclen = u16::from_ne_bytes([b[i + 16], b[i + 17]]) as usize;
            let name: Vec<u8> = b[i + 19..i + reclen]
                .iter()
                .copied()
                .take_while(|c| *c != 0)
                .collect();
            names.push(String::from_utf8_lossy(&name).into_owned());
            i += reclen;
        }
    }
    names.sort();
    assert_eq!(
        names,
        [".", "..", "abs", "data.txt", "dir", "fifo", "loop", "rel"]
    );
    let sf = vfs.statfs(&root).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sf.flags & 1, 1);
}

#[test]
fn symlinks_are_returned_and_walked_in_the_sandbox() {
    let t = Tree::new("link");
    let fs = HostFs::open(&t.0, 1).unwrap_or_else(|e| panic!("{e}"));
    let vfs = Vfs::new(fs, MountFlags::empty(), clock());
    let root = vfs.root();
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &root);
    assert_eq!(
        vfs.readlinkat(&ctx, &root, b"abs"),
        Ok(b"/data.txt".to_vec())
    );
    let l = vfs
        .fstatat(&ctx, &root, b"abs", AtFlags::AT_SYMLINK_NOFOLLOW)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(l.is_symlink());
    // "/data.txt" means the tree's own file, not the host's /data.txt.
    assert_eq!(read_all(&vfs, &ctx, "abs"), Ok(b"hello host\n".to_vec()));
    assert_eq!(read_all(&vfs, &ctx, "rel"), Ok(b"inner".to_vec()));
    assert_eq!(read_all(&vfs, &ctx, "loop"), Err(Errno::ELOOP));
    assert_eq!(
        vfs.openat(&ctx, &root, b"abs", OpenFlags::O_NOFOLLOW, 0)
            .err(),
        Some(Errno::ELOOP)
    );
    // FIFOs are reported but never opened on the host (no special opener).
    let ff = vfs
        .fstatat(&ctx, &root, b"fifo", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ff.file_type(), Some(vfs::FileType::Fifo));
    assert_eq!(read_all(&vfs, &ctx, "fifo"), Err(Errno::ENXIO));
}

#[test]
fn every_write_path_is_erofs() {
    let t = Tree::new("erofs");
    let before = t.snapshot();
    let fs = HostFs::open(&t.0, 1).unwrap_or_else(|e| panic!("{e}"));
    let vfs = Vfs::new(fs.clone(), MountFlags::empty(), clock());
    let root = vfs.root();
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &root);
    let ro = Some(Errno::EROFS);
    for flags in [
        OpenFlags::O_WRONLY,
        OpenFlags::O_RDWR,
        OpenFlags::O_TRUNC,
        OpenFlags::O_WRONLY | OpenFlags::O_APPEND,
    ] {
        assert_eq!(vfs.openat(&ctx, &root, b"data.txt", flags, 0).err(), ro);
    }
    let creat = OpenFlags::O_CREAT | OpenFlags::O_WRONLY;
    assert_eq!(vfs.openat(&ctx, &root, b"new", creat, 0o644).err(), ro);
    assert_eq!(vfs.mkdirat(&ctx, &root, b"nd", 0o755).err(), ro);
    assert_eq!(vfs.symlinkat(&ctx, b"x", &root, b"nl").err(), ro);
    assert_eq!(
        vfs.unlinkat(&ctx, &root, b"data.txt", AtFlags::empty())
            .err(),
        ro
    );
    assert_eq!(
        vfs.unlinkat(&ctx, &root, b"dir", AtFlags::AT_REMOVEDIR)
            .err(),
        ro
    );
    assert_eq!(
        vfs.renameat2(&ctx, &root, b"data.txt", &root, b"z", RenameFlags::empty())
            .err(),
        ro
    );
    assert_eq!(vfs.truncate(&ctx, &root, b"data.txt", 0).err(), ro);
    // Straight at the inodes too, whatever the VFS checks first.
    let r = fs.root();
    let f = r.lookup(b"data.txt").unwrap_or_else(|e| panic!("{e}"));
    let chmod = SetAttr {
        mode: Some(0o600),
        ..SetAttr::default()
    };
    assert_eq!(f.setattr(&chmod).err(), ro);
    assert_eq!(f.setxattr(b"user.x", b"1", 0).err(), ro);
    assert_eq!(r.link(b"hl", &f).err(), ro);
    // A read-only open's file refuses writes as well.
    let rf = f.open(OpenFlags::empty()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rf.write_at(0, b"x").err(), ro);
    assert_eq!(t.snapshot(), before);
}

#[test]
fn overlay_copies_up_and_leaves_host_unchanged() {
    let t = Tree::new("ovl");
    let before = t.snapshot();
    let lower: Arc<dyn Filesystem> = HostFs::open(&t.0, 2).unwrap_or_else(|e| panic!("{e}"));
    let upper = TmpFs::new(
        TmpFsOptions {
            dev: 3,
            root_mode: 0o755,
            ..TmpFsOptions::default()
        },
        clock(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ovl = OverlayFs::new(4, upper, &[lower]).unwrap_or_else(|e| panic!("{e}"));
    let vfs = Vfs::new(ovl, MountFlags::empty(), clock());
    let root = vfs.root();
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &root);
    let ino_before = vfs
        .fstatat(&ctx, &root, b"data.txt", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"))
        .ino;

    let f = vfs
        .openat(&ctx, &root, b"data.txt", OpenFlags::O_RDWR, 0)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.pwrite(b"HELLO", 0), Ok(5));
    assert_eq!(
        read_all(&vfs, &ctx, "data.txt"),
        Ok(b"HELLO host\n".to_vec())
    );
    let ino_after = vfs
        .fstatat(&ctx, &root, b"data.txt", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"))
        .ino;
    assert_eq!(ino_before, ino_after);

    vfs.mkdirat(&ctx, &root, b"dir/new", 0o755)
        .unwrap_or_else(|e| panic!("{e}"));
    vfs.unlinkat(&ctx, &root, b"rel", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read_all(&vfs, &ctx, "rel"), Err(Errno::ENOENT));
    vfs.renameat2(
        &ctx,
        &root,
        b"dir/inner.txt",
        &root,
        b"moved.txt",
        RenameFlags::empty(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read_all(&vfs, &ctx, "moved.txt"), Ok(b"inner".to_vec()));
    assert_eq!(read_all(&vfs, &ctx, "dir/inner.txt"), Err(Errno::ENOENT));

    assert_eq!(t.snapshot(), before);
    assert_eq!(
        std::fs::read(t.0.join("data.txt")).unwrap_or_default(),
        b"hello host\n"
    );
}

#[test]
fn serves_the_host_root_as_runsc_do_does() {
    let fs = HostFs::open(std::path::Path::new("/"), 9).unwrap_or_else(|e| panic!("{e}"));
    let vfs = Vfs::new(fs, MountFlags::MS_RDONLY, clock());
    let root = vfs.root();
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &root);
    let want = std::fs::read("/etc/passwd").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read_all(&vfs, &ctx, "/etc/passwd"), Ok(want));
    // /bin is a symlink to usr/bin on Debian; the VFS follows it in the
    // sandbox, so /bin/sh resolves either way.
    let sh = vfs
        .fstatat(&ctx, &root, b"/bin/sh", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!sh.is_symlink());
    assert_eq!(
        vfs.openat(&ctx, &root, b"/etc/passwd", OpenFlags::O_WRONLY, 0)
            .err(),
        Some(Errno::EROFS)
    );
}
