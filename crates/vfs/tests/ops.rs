//! The syscall-shaped `Vfs` operations on a tmpfs root: create, link,
//! unlink, rename, attributes, permissions and `getdents64`.

mod common;

use common::{list_dir, parse_dirents, Fixture};
use vfs::{AtFlags, Credentials, Errno, OpenFlags, RenameFlags, TimeUpdate, Timespec};

fn nlink(f: &Fixture, p: &str) -> u32 {
    f.lookup(p)
        .and_then(|l| l.inode().stat())
        .map(|a| a.nlink)
        .unwrap_or(0)
}

#[test]
fn create_and_remove_rules() {
    let f = Fixture::new();
    let ctx = f.ctx();
    let r = &f.root;
    f.mkdir("d");
    assert_eq!(f.vfs.mkdirat(&ctx, r, b"d", 0o755), Err(Errno::EEXIST));
    assert_eq!(f.vfs.mkdirat(&ctx, r, b".", 0o755), Err(Errno::EEXIST));
    assert_eq!(f.vfs.mkdirat(&ctx, r, b"e/", 0o755), Ok(()));
    assert_eq!(nlink(&f, ""), 0);
    assert_eq!(nlink(&f, "/"), 4);
    f.write("d/file", b"x");
    f.symlink("file", "d/sl");
    assert_eq!(
        f.vfs.symlinkat(&ctx, b"", r, b"d/empty"),
        Err(Errno::ENOENT)
    );
    assert_eq!(f.vfs.mkdirat(&ctx, r, b"d/sl", 0o755), Err(Errno::EEXIST));
    assert_eq!(
        f.vfs.unlinkat(&ctx, r, b"d", AtFlags::empty()),
        Err(Errno::EISDIR)
    );
    assert_eq!(
        f.vfs.unlinkat(&ctx, r, b"d", AtFlags::AT_REMOVEDIR),
        Err(Errno::ENOTEMPTY)
    );
    assert_eq!(
        f.vfs.unlinkat(&ctx, r, b"d/file", AtFlags::AT_REMOVEDIR),
        Err(Errno::ENOTDIR)
    );
    assert_eq!(
        f.vfs.unlinkat(&ctx, r, b"d/file/", AtFlags::empty()),
        Err(Errno::ENOTDIR)
    );
    assert_eq!(
        f.vfs.unlinkat(&ctx, r, b"d/.", AtFlags::AT_REMOVEDIR),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        f.vfs.unlinkat(&ctx, r, b"d/..", AtFlags::AT_REMOVEDIR),
        Err(Errno::ENOTEMPTY)
    );
    assert_eq!(
        f.vfs.unlinkat(&ctx, r, b"d/nope", AtFlags::empty()),
        Err(Errno::ENOENT)
    );
    // Unlinking a symlink removes the link, not the target.
    assert_eq!(f.vfs.unlinkat(&ctx, r, b"d/sl", AtFlags::empty()), Ok(()));
    assert!(f.lookup("d/file").is_ok());
    assert_eq!(f.vfs.unlinkat(&ctx, r, b"d/file", AtFlags::empty()), Ok(()));
    assert_eq!(f.lookup("d/file").err(), Some(Errno::ENOENT));
    assert_eq!(f.vfs.unlinkat(&ctx, r, b"d", AtFlags::AT_REMOVEDIR), Ok(()));
    assert_eq!(nlink(&f, "/"), 3);
    assert_eq!(
        f.vfs.mknodat(
            &ctx,
            r,
            b"dev",
            vfs::uapi::S_IFCHR | 0o600,
            vfs::uapi::makedev(1, 3)
        ),
        Ok(())
    );
    let st = f
        .vfs
        .fstatat(&ctx, r, b"dev", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(st.rdev, 0x103);
    assert_eq!(
        f.vfs.mknodat(&ctx, r, b"x", vfs::uapi::S_IFDIR, 0),
        Err(Errno::EPERM)
    );
    let user = Credentials::user(1000, 1000, vec![]);
    let uctx = vfs::Context::new(&user, r);
    assert_eq!(
        f.vfs.mknodat(&uctx, r, b"y", vfs::uapi::S_IFBLK, 0),
        Err(Errno::EPERM)
    );
}

#[test]
fn hard_links() {
    let f = Fixture::new();
    let ctx = f.ctx();
    let r = &f.root;
    f.write("a", b"shared");
    f.mkdir("dir");
    f.symlink("a", "sl");
    assert_eq!(
        f.vfs.linkat(&ctx, r, b"a", r, b"b", AtFlags::empty()),
        Ok(())
    );
    assert_eq!(nlink(&f, "a"), 2);
    assert_eq!(
        f.vfs.linkat(&ctx, r, b"a", r, b"b", AtFlags::empty()),
        Err(Errno::EEXIST)
    );
    assert_eq!(
        f.vfs.linkat(&ctx, r, b"dir", r, b"d2", AtFlags::empty()),
        Err(Errno::EPERM)
    );
    // Without AT_SYMLINK_FOLLOW the link itself is linked.
    assert_eq!(
        f.vfs.linkat(&ctx, r, b"sl", r, b"sl2", AtFlags::empty()),
        Ok(())
    );
    assert!(f
        .vfs
        .resolve(&ctx, r, b"sl2", AtFlags::AT_SYMLINK_NOFOLLOW)
        .is_ok_and(|p| p.dentry.is_symlink()));
    assert_eq!(
        f.vfs
            .linkat(&ctx, r, b"sl", r, b"c", AtFlags::AT_SYMLINK_FOLLOW),
        Ok(())
    );
    assert_eq!(nlink(&f, "a"), 3);
    let a = f.lookup("a").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        f.vfs.linkat(&ctx, &a, b"", r, b"e", AtFlags::AT_EMPTY_PATH),
        Ok(())
    );
    assert_eq!(nlink(&f, "a"), 4);
    assert_eq!(f.vfs.unlinkat(&ctx, r, b"a", AtFlags::empty()), Ok(()));
    assert_eq!(f.read_all("b"), Ok(b"shared".to_vec()));
    assert_eq!(nlink(&f, "b"), 3);
}

#[test]
fn open_file_survives_unlink() {
    let f = Fixture::new();
    f.write("tmp", b"still here");
    let fd = f
        .open("tmp", OpenFlags::O_RDWR)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        f.vfs.unlinkat(&f.ctx(), &f.root, b"tmp", AtFlags::empty()),
        Ok(())
    );
    let mut buf = [0u8; 32];
    assert_eq!(fd.read(&mut buf), Ok(10));
    assert_eq!(fd.stat().map(|a| a.nlink), Ok(0));
}

#[test]
fn rename_rules() {
    let f = Fixture::new();
    let ctx = f.ctx();
    let r = &f.root;
    let mv = |a: &str, b: &str, fl: RenameFlags| {
        f.vfs.renameat2(&ctx, r, a.as_bytes(), r, b.as_bytes(), fl)
    };
    let none = RenameFlags::empty();
    f.mkdir("d1");
    f.mkdir("d1/sub");
    f.mkdir("d2");
    f.write("d1/f", b"1");
    f.write("g", b"2");
    assert_eq!(mv("d1", "d1/sub/x", none), Err(Errno::EINVAL));
    assert_eq!(mv("d1", "g", none), Err(Errno::ENOTDIR));
    assert_eq!(mv("g", "d2", none), Err(Errno::EISDIR));
    assert_eq!(mv("d2", "d1", none), Err(Errno::ENOTEMPTY));
    assert_eq!(
        mv("g", "d1/f", RenameFlags::RENAME_NOREPLACE),
        Err(Errno::EEXIST)
    );
    assert_eq!(mv("nope", "x", none), Err(Errno::ENOENT));
    assert_eq!(mv(".", "x", none), Err(Errno::EBUSY));
    assert_eq!(mv("g", "x/", none), Err(Errno::ENOTDIR));
    assert_eq!(
        mv("g", "y", RenameFlags::RENAME_EXCHANGE),
        Err(Errno::ENOENT)
    );
    assert_eq!(
        mv(
            "g",
            "d1/f",
            RenameFlags::RENAME_EXCHANGE | RenameFlags::RENAME_NOREPLACE
        ),
        Err(Errno::EINVAL)
    );
    // Replace a file; the old target is gone.
    assert_eq!(mv("g", "d1/f", none), Ok(()));
    assert_eq!(f.read_all("d1/f"), Ok(b"2".to_vec()));
    assert_eq!(f.lookup("g").err(), Some(Errno::ENOENT));
    // Moving a directory updates both parents' link counts.
    assert_eq!(nlink(&f, "d1"), 3);
    assert_eq!(mv("d1/sub", "d2/sub", none), Ok(()));
    assert_eq!((nlink(&f, "d1"), nlink(&f, "d2")), (2, 3));
    assert!(f
        .lookup("d2/sub/..")
        .is_ok_and(|p| p.same(&f.lookup("d2").unwrap_or_else(|e| panic!("{e}")))));
    // Replace an empty directory.
    f.mkdir("empty");
    assert_eq!(mv("d2/sub", "empty", none), Ok(()));
    assert_eq!(nlink(&f, "d2"), 2);
    // Exchange a file and a directory.
    assert_eq!(mv("d1/f", "empty", RenameFlags::RENAME_EXCHANGE), Ok(()));
    assert!(f.lookup("d1/f").is_ok_and(|p| p.dentry.is_dir()));
    assert_eq!(f.read_all("empty"), Ok(b"2".to_vec()));
    assert_eq!(nlink(&f, "d1"), 3);
    // Renaming a name onto another link of the same inode does nothing.
    assert_eq!(
        f.vfs
            .linkat(&ctx, r, b"empty", r, b"same", AtFlags::empty()),
        Ok(())
    );
    assert_eq!(mv("empty", "same", none), Ok(()));
    assert!(f.lookup("empty").is_ok());
}

#[test]
fn sticky_directory_and_permissions() {
    let f = Fixture::new();
    let ctx = f.ctx();
    let r = &f.root;
    f.mkdir("tmp");
    assert_eq!(
        f.vfs.fchmodat(&ctx, r, b"tmp", 0o1777, AtFlags::empty()),
        Ok(())
    );
    let alice = Credentials::user(1000, 1000, vec![]);
    let bob = Credentials::user(1001, 1001, vec![]);
    let actx = vfs::Context::new(&alice, r);
    let bctx = vfs::Context::new(&bob, r);
    let fd = f.vfs.openat(
        &actx,
        r,
        b"tmp/a",
        OpenFlags::O_CREAT | OpenFlags::O_WRONLY,
        0o644,
    );
    assert!(fd.is_ok());
    assert_eq!(
        f.vfs
            .fstatat(&ctx, r, b"tmp/a", AtFlags::empty())
            .map(|a| (a.uid, a.gid)),
        Ok((1000, 1000))
    );
    assert_eq!(
        f.vfs.unlinkat(&bctx, r, b"tmp/a", AtFlags::empty()),
        Err(Errno::EPERM)
    );
    assert_eq!(
        f.vfs
            .renameat2(&bctx, r, b"tmp/a", r, b"tmp/b", RenameFlags::empty()),
        Err(Errno::EPERM)
    );
    assert_eq!(
        f.vfs
            .openat(&bctx, r, b"tmp/a", OpenFlags::O_WRONLY, 0)
            .err(),
        Some(Errno::EACCES)
    );
    assert!(f
        .vfs
        .openat(&bctx, r, b"tmp/a", OpenFlags::empty(), 0)
        .is_ok());
    assert_eq!(f.vfs.mkdirat(&bctx, r, b"nope", 0o755), Err(Errno::EACCES));
    assert_eq!(
        f.vfs.fchmodat(&bctx, r, b"tmp/a", 0o777, AtFlags::empty()),
        Err(Errno::EPERM)
    );
    assert_eq!(
        f.vfs
            .fchownat(&actx, r, b"tmp/a", Some(0), None, AtFlags::empty()),
        Err(Errno::EPERM)
    );
    assert_eq!(
        f.vfs
            .fchownat(&actx, r, b"tmp/a", None, Some(5), AtFlags::empty()),
        Err(Errno::EPERM)
    );
    assert_eq!(
        f.vfs
            .faccessat(&bctx, r, b"tmp/a", vfs::W_OK, AtFlags::empty()),
        Err(Errno::EACCES)
    );
    assert_eq!(
        f.vfs
            .faccessat(&bctx, r, b"tmp/a", vfs::R_OK, AtFlags::empty()),
        Ok(())
    );
    assert_eq!(f.vfs.unlinkat(&actx, r, b"tmp/a", AtFlags::empty()), Ok(()));
}

#[test]
fn chmod_chown_utimens_truncate() {
    let f = Fixture::new();
    let ctx = f.ctx();
    let r = &f.root;
    f.write("f", b"hello world");
    assert_eq!(
        f.vfs.fchmodat(&ctx, r, b"f", 0o6755, AtFlags::empty()),
        Ok(())
    );
    assert_eq!(
        f.vfs
            .fchownat(&ctx, r, b"f", Some(7), Some(8), AtFlags::empty()),
        Ok(())
    );
    let st = f
        .vfs
        .fstatat(&ctx, r, b"f", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((st.uid, st.gid), (7, 8));
    // chown drops set-user-ID, and set-group-ID when group-executable.
    assert_eq!(st.mode & 0o7777, 0o755);
    let t = Timespec { sec: 42, nsec: 7 };
    assert_eq!(
        f.vfs.utimensat(
            &ctx,
            r,
            b"f",
            TimeUpdate::Set(t),
            TimeUpdate::Omit,
            AtFlags::empty()
        ),
        Ok(())
    );
    let st2 = f
        .vfs
        .fstatat(&ctx, r, b"f", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(st2.atime, t);
    assert_eq!(st2.mtime, st.mtime);
    assert!(st2.ctime > st.ctime);
    assert_eq!(f.vfs.truncate(&ctx, r, b"f", 5), Ok(()));
    assert_eq!(f.read_all("f"), Ok(b"hello".to_vec()));
    assert_eq!(f.vfs.truncate(&ctx, r, b"/", 5), Err(Errno::EISDIR));
    let other = Credentials::user(9, 9, vec![]);
    let octx = vfs::Context::new(&other, r);
    assert_eq!(
        f.vfs.utimensat(
            &octx,
            r,
            b"f",
            TimeUpdate::Now,
            TimeUpdate::Now,
            AtFlags::empty()
        ),
        Err(Errno::EACCES)
    );
    assert_eq!(
        f.vfs.utimensat(
            &octx,
            r,
            b"f",
            TimeUpdate::Set(t),
            TimeUpdate::Omit,
            AtFlags::empty()
        ),
        Err(Errno::EPERM)
    );
    f.symlink("f", "l");
    assert_eq!(f.vfs.readlinkat(&ctx, r, b"l"), Ok(b"f".to_vec()));
    assert_eq!(f.vfs.readlinkat(&ctx, r, b"f"), Err(Errno::EINVAL));
    assert_eq!(
        f.vfs
            .fchmodat(&ctx, r, b"l", 0o600, AtFlags::AT_SYMLINK_NOFOLLOW),
        Err(Errno::EOPNOTSUPP)
    );
}

#[test]
fn setgid_directory_inheritance() {
    let f = Fixture::new();
    let ctx = f.ctx();
    let r = &f.root;
    f.mkdir("g");
    assert_eq!(
        f.vfs
            .fchownat(&ctx, r, b"g", None, Some(50), AtFlags::empty()),
        Ok(())
    );
    assert_eq!(
        f.vfs.fchmodat(&ctx, r, b"g", 0o2777, AtFlags::empty()),
        Ok(())
    );
    let u = Credentials::user(1000, 1000, vec![]);
    let uctx = vfs::Context::new(&u, r);
    assert_eq!(f.vfs.mkdirat(&uctx, r, b"g/sub", 0o755), Ok(()));
    let st = f
        .vfs
        .fstatat(&ctx, r, b"g/sub", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((st.uid, st.gid, st.mode & 0o2000), (1000, 50, 0o2000));
}

#[test]
fn getdents64_lists_and_resumes() {
    let f = Fixture::new();
    f.mkdir("d");
    for i in 0..50 {
        f.write(&format!("d/file-with-a-long-name-{i:03}"), b"");
    }
    f.mkdir("d/sub");
    let fd = f
        .open("d", OpenFlags::O_DIRECTORY)
        .unwrap_or_else(|e| panic!("{e}"));
    // A small buffer forces many calls; every name appears exactly once.
    let mut names = Vec::new();
    loop {
        let buf = fd.getdents64(100).unwrap_or_else(|e| panic!("{e}"));
        if buf.is_empty() {
            break;
        }
        names.extend(parse_dirents(&buf));
    }
    assert_eq!(names.len(), 53);
    assert_eq!(names[0].0, ".");
    assert_eq!(names[1].0, "..");
    assert!(names.iter().any(|(n, t, _)| n == "sub" && *t == 4));
    assert!(names
        .iter()
        .any(|(n, t, _)| n == "file-with-a-long-name-049" && *t == 8));
    // Seeking back to a d_off resumes after that entry.
    let third_off = names[2].2;
    assert_eq!(
        fd.seek(third_off as i64, vfs::file::SEEK_SET),
        Ok(third_off)
    );
    let again = parse_dirents(&fd.getdents64(4096).unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(again[0].0, names[3].0);
    assert_eq!(fd.seek(0, vfs::file::SEEK_SET), Ok(0));
    assert_eq!(list_dir(&fd).len(), 53);
    assert_eq!(fd.seek(0, vfs::file::SEEK_SET), Ok(0));
    assert_eq!(fd.getdents64(10).err(), Some(Errno::EINVAL));
    let file = f
        .open("d/sub", OpenFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.read(&mut [0u8; 4]), Err(Errno::EISDIR));
    // A removed directory reads as gone.
    assert_eq!(
        f.vfs
            .unlinkat(&f.ctx(), &f.root, b"d/sub", AtFlags::AT_REMOVEDIR),
        Ok(())
    );
    assert_eq!(file.getdents64(4096).err(), Some(Errno::ENOENT));
}

#[test]
fn sparse_files_and_append() {
    let f = Fixture::new();
    let fd = f
        .open("s", OpenFlags::O_CREAT | OpenFlags::O_RDWR)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fd.pwrite(b"end", 1 << 30), Ok(3));
    let st = fd.stat().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(st.size, (1 << 30) + 3);
    assert_eq!(st.blocks, 8);
    let mut buf = [9u8; 4];
    assert_eq!(fd.pread(&mut buf, 4096), Ok(4));
    assert_eq!(buf, [0; 4]);
    let ap = f
        .open("s", OpenFlags::O_WRONLY | OpenFlags::O_APPEND)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ap.write(b"!"), Ok(1));
    assert_eq!(ap.offset(), (1 << 30) + 4);
    assert_eq!(fd.truncate(2), Ok(()));
    assert_eq!(fd.stat().map(|a| (a.size, a.blocks)), Ok((2, 0)));
    // Per-call append (RWF_APPEND): at the end; the offset moves only for
    // a write at the file position. RWF_NOAPPEND writes in place.
    assert_eq!(fd.write_v2(b"xy", Some(0), true), Ok(2));
    assert_eq!(fd.offset(), 0);
    assert_eq!(fd.write_v2(b"z", None, true), Ok(1));
    assert_eq!(fd.offset(), 5);
    assert_eq!(ap.write_v2(b"A", Some(0), false), Ok(1));
    let mut all = [0u8; 5];
    assert_eq!(fd.pread(&mut all, 0), Ok(5));
    assert_eq!(&all[..], &[b'A', 0, b'x', b'y', b'z']);
}

/// A stand-in device table: 1:3 reads as empty, anything else is ENXIO.
struct Devices;

struct NullFile;
impl vfs::FileImpl for NullFile {
    fn read_at(&self, _off: u64, _buf: &mut [u8]) -> Result<usize, Errno> {
        Ok(0)
    }
    fn write_at(&self, _off: u64, buf: &[u8]) -> Result<usize, Errno> {
        Ok(buf.len())
    }
}

impl vfs::SpecialOpener for Devices {
    fn open_special(
        &self,
        _at: &vfs::PathRef,
        attr: &vfs::InodeAttr,
        _flags: OpenFlags,
    ) -> Result<Box<dyn vfs::FileImpl>, Errno> {
        if attr.rdev == vfs::uapi::makedev(1, 3) {
            Ok(Box::new(NullFile))
        } else {
            Err(Errno::ENXIO)
        }
    }
}

#[test]
fn device_nodes_open_through_the_special_opener() {
    let f = Fixture::new();
    let ctx = f.ctx();
    let r = &f.root;
    let chr = vfs::uapi::S_IFCHR | 0o666;
    assert_eq!(
        f.vfs
            .mknodat(&ctx, r, b"null", chr, vfs::uapi::makedev(1, 3)),
        Ok(())
    );
    assert_eq!(
        f.vfs
            .mknodat(&ctx, r, b"other", chr, vfs::uapi::makedev(9, 9)),
        Ok(())
    );
    // Without an opener the filesystem decides (tmpfs: ENXIO).
    assert_eq!(f.open("null", OpenFlags::O_RDWR).err(), Some(Errno::ENXIO));
    f.vfs.set_special_opener(std::sync::Arc::new(Devices));
    let null = f
        .open("null", OpenFlags::O_RDWR)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(null.write(b"discard"), Ok(7));
    assert_eq!(null.read(&mut [0u8; 4]), Ok(0));
    assert_eq!(
        f.open("other", OpenFlags::empty()).err(),
        Some(Errno::ENXIO)
    );
    // nodev mounts refuse device nodes.
    f.mkdir("nodev");
    let mp = f.lookup("nodev").unwrap_or_else(|e| panic!("{e}"));
    f.vfs
        .mount(&mp, common::tmpfs(5), vfs::MountFlags::MS_NODEV)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        f.vfs
            .mknodat(&ctx, r, b"nodev/null", chr, vfs::uapi::makedev(1, 3)),
        Ok(())
    );
    assert_eq!(
        f.open("nodev/null", OpenFlags::empty()).err(),
        Some(Errno::EACCES)
    );
}
