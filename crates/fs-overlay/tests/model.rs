//! Model check: random operations on an overlay (empty tmpfs upper over a
//! populated tmpfs lower) must give the same results and the same visible
//! tree as the same operations on one plain tmpfs holding the lower's
//! content, and must never change the lower layer.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use fs_overlay::OverlayFs;
use fs_tmpfs::{TmpFs, TmpFsOptions};
use proptest::prelude::*;
use vfs::{
    AtFlags, Clock, Context, Credentials, Errno, FileType, Filesystem, MountFlags, OpenFlags,
    PathRef, RenameFlags, Timespec, Vfs,
};

struct Tick(AtomicI64);
impl Clock for Tick {
    fn now(&self) -> Timespec {
        Timespec {
            sec: self.0.fetch_add(1, Ordering::Relaxed),
            nsec: 0,
        }
    }
}

fn clock() -> Arc<dyn Clock> {
    Arc::new(Tick(AtomicI64::new(1)))
}

fn tmpfs() -> Arc<TmpFs> {
    TmpFs::new(
        TmpFsOptions {
            root_mode: 0o755,
            ..TmpFsOptions::default()
        },
        clock(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

struct World {
    vfs: Vfs,
    root: PathRef,
    cred: Credentials,
}

impl World {
    fn new(fs: Arc<dyn Filesystem>) -> World {
        let vfs = Vfs::new(fs, MountFlags::empty(), clock());
        let root = vfs.root();
        World {
            vfs,
            root,
            cred: Credentials::root(),
        }
    }

    fn ctx(&self) -> Context<'_> {
        Context::new(&self.cred, &self.root)
    }

    fn populate(&self) {
        let (ctx, r) = (self.ctx(), &self.root);
        for d in ["d", "d/e", "d/e/x", "g"] {
            self.vfs
                .mkdirat(&ctx, r, d.as_bytes(), 0o755)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        for (p, data) in [("d/f", "lower-f"), ("d/e/f", "deep"), ("x", "top")] {
            let fd = self
                .vfs
                .openat(
                    &ctx,
                    r,
                    p.as_bytes(),
                    OpenFlags::O_CREAT | OpenFlags::O_WRONLY,
                    0o644,
                )
                .unwrap_or_else(|e| panic!("{e}"));
            fd.write(data.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        }
        self.vfs
            .symlinkat(&ctx, b"d/e", r, b"s")
            .unwrap_or_else(|e| panic!("{e}"));
    }

    fn apply(&self, op: &Op) -> Result<(), Errno> {
        let (ctx, r) = (self.ctx(), &self.root);
        match op {
            Op::Mkdir(p) => self.vfs.mkdirat(&ctx, r, p, 0o755),
            Op::Unlink(p) => self.vfs.unlinkat(&ctx, r, p, AtFlags::empty()),
            Op::Rmdir(p) => self.vfs.unlinkat(&ctx, r, p, AtFlags::AT_REMOVEDIR),
            Op::Rename(a, b, fl) => {
                self.vfs
                    .renameat2(&ctx, r, a, r, b, RenameFlags::from_bits_truncate(*fl))
            }
            Op::Append(p) => {
                let flags = OpenFlags::O_CREAT | OpenFlags::O_WRONLY | OpenFlags::O_APPEND;
                self.vfs
                    .openat(&ctx, r, p, flags, 0o644)?
                    .write(b"+")
                    .map(|_| ())
            }
            Op::Truncate(p) => self.vfs.truncate(&ctx, r, p, 2),
            Op::Symlink(t, p) => self.vfs.symlinkat(&ctx, t, r, p),
            Op::Link(a, b) => self.vfs.linkat(&ctx, r, a, r, b, AtFlags::empty()),
            Op::List(p) => self.list(p).map(|_| ()),
        }
    }

    /// The sorted names `getdents64` reports for directory `p`.
    fn list(&self, p: &[u8]) -> Result<Vec<Vec<u8>>, Errno> {
        let fd = self
            .vfs
            .openat(&self.ctx(), &self.root, p, OpenFlags::O_DIRECTORY, 0)?;
        let buf = fd.getdents64(1 << 16)?;
        let mut names = Vec::new();
        let mut i = 0;
        while i + 19 <= buf.len() {
            let reclen = usize::from(u16::from_ne_bytes([buf[i + 16], buf[i + 17]]));
            names.push(
                buf[i + 19..i + reclen]
                    .iter()
                    .copied()
                    .take_while(|&b| b != 0)
                    .collect(),
            );
            i += reclen;
        }
        names.sort();
        Ok(names)
    }

    /// The visible tree: (path, type, content or link target), sorted.
    fn snapshot(&self) -> Vec<(Vec<u8>, FileType, Vec<u8>)> {
        let mut out = Vec::new();
        self.walk(b"", &mut out);
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn walk(&self, dir: &[u8], out: &mut Vec<(Vec<u8>, FileType, Vec<u8>)>) {
        let ctx = self.ctx();
        let at = if dir.is_empty() {
            b"/".to_vec()
        } else {
            dir.to_vec()
        };
        let d = self
            .vfs
            .resolve(&ctx, &self.root, &at, AtFlags::empty())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut names = Vec::new();
        d.inode()
            .readdir(0, &mut |e: &vfs::DirEntry| {
                names.push((e.name.clone(), e.file_type));
                true
            })
            .unwrap_or_else(|e| panic!("{e}"));
        for (name, ty) in names {
            let path = [dir, b"/", &name].concat();
            let st = self
                .vfs
                .fstatat(&ctx, &self.root, &path, AtFlags::AT_SYMLINK_NOFOLLOW)
                .unwrap_or_else(|e| panic!("listed but not found: {e}"));
            assert_eq!(st.file_type(), Some(ty), "readdir and stat disagree");
            let body = match ty {
                FileType::Regular => {
                    let fd = self
                        .vfs
                        .openat(&ctx, &self.root, &path, OpenFlags::empty(), 0)
                        .unwrap_or_else(|e| panic!("{e}"));
                    let mut buf = vec![0u8; 256];
                    let n = fd.read(&mut buf).unwrap_or_else(|e| panic!("{e}"));
                    buf.truncate(n);
                    buf
                }
                FileType::Symlink => self
                    .vfs
                    .readlinkat(&ctx, &self.root, &path)
                    .unwrap_or_else(|e| panic!("{e}")),
                _ => Vec::new(),
            };
            out.push((path.clone(), ty, body));
            if ty == FileType::Directory {
                self.walk(&path, out);
            }
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    Mkdir(Vec<u8>),
    Unlink(Vec<u8>),
    Rmdir(Vec<u8>),
    Rename(Vec<u8>, Vec<u8>, u32),
    Append(Vec<u8>),
    Truncate(Vec<u8>),
    Symlink(Vec<u8>, Vec<u8>),
    Link(Vec<u8>, Vec<u8>),
    List(Vec<u8>),
}

fn path() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(vec!["d", "e", "f", "g", "s", "x", "n"]),
        1..4,
    )
    .prop_map(|c| c.join("/").into_bytes())
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        path().prop_map(Op::Mkdir),
        path().prop_map(Op::Unlink),
        path().prop_map(Op::Rmdir),
        (path(), path(), 0u32..3).prop_map(|(a, b, f)| Op::Rename(a, b, f)),
        path().prop_map(Op::Append),
        path().prop_map(Op::Truncate),
        (path(), path()).prop_map(|(t, p)| Op::Symlink(t, p)),
        (path(), path()).prop_map(|(a, b)| Op::Link(a, b)),
        path().prop_map(Op::List),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn overlay_behaves_like_a_plain_filesystem(ops in prop::collection::vec(op(), 1..25)) {
        let lower = tmpfs();
        let lowers: Vec<Arc<dyn Filesystem>> = vec![lower.clone()];
        World::new(lower.clone()).populate();
        let pristine = World::new(lower.clone()).snapshot();
        let ovl = OverlayFs::new(5, tmpfs(), &lowers).unwrap_or_else(|e| panic!("{e}"));
        let overlay = World::new(ovl);
        let model = World::new(tmpfs());
        model.populate();
        for op in &ops {
            let got = overlay.apply(op);
            if matches!(op, Op::Rename(..)) && got == Err(Errno::EXDEV) {
                // Directories with lower contents can't be renamed (no
                // redirect_dir); the model must not move either.
                continue;
            }
            let want = model.apply(op);
            prop_assert_eq!(got, want, "op {:?}", op);
            if let Op::List(p) = op {
                prop_assert_eq!(overlay.list(p), model.list(p), "listing {:?}", op);
            }
        }
        prop_assert_eq!(overlay.snapshot(), model.snapshot());
        prop_assert_eq!(World::new(lower).snapshot(), pristine);
    }
}
