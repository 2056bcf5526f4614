//! procfs mounted at /proc over a fake ProcSource, read through the
//! syscall-shaped `Vfs` API: formats, links, listings, permissions and
//! tasks that go away.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use fs_proc::{
    FdInfo, KernelNames, LinkTarget, MemInfo, MountEntry, Pid, ProcFs, ProcSource, Rlimit,
    SystemStat, TaskInfo, TaskLink, TaskState,
};
use fs_tmpfs::{TmpFs, TmpFsOptions};
use vfs::{
    AtFlags, Clock, Context, Credentials, Errno, MountFlags, OpenFlags, PathRef, Timespec, Vfs,
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

/// Process 7 (threads 7 and 8, run by uid 1000) and process 9 (root).
struct Fake {
    tasks: Mutex<BTreeMap<Pid, TaskInfo>>,
    caller: (Pid, Pid),
    exe: Mutex<Option<PathRef>>,
}

impl Fake {
    fn new() -> Fake {
        let mut tasks = BTreeMap::new();
        for (tgid, tid, uid) in [(7, 7, 1000), (7, 8, 1000), (9, 9, 0)] {
            tasks.insert(
                tid,
                TaskInfo {
                    tgid,
                    tid,
                    ppid: 1,
                    pgrp: tgid,
                    session: 1,
                    comm: if tgid == 7 {
                        b"prog".to_vec()
                    } else {
                        b"sh".to_vec()
                    },
                    state: TaskState::Sleeping,
                    uid: [uid; 4],
                    gid: [uid; 4],
                    groups: vec![uid, 27],
                    umask: 0o22,
                    num_threads: if tgid == 7 { 2 } else { 1 },
                    fd_size: 64,
                    tpgid: -1,
                    priority: 20,
                    cpus_allowed: 3,
                    ..TaskInfo::default()
                },
            );
        }
        Fake {
            tasks: Mutex::new(tasks),
            caller: (7, 8),
            exe: Mutex::new(None),
        }
    }

    fn has(&self, tid: Pid) -> bool {
        self.tasks
            .lock()
            .map(|t| t.contains_key(&tid))
            .unwrap_or(false)
    }
}

impl ProcSource for Fake {
    fn caller(&self) -> (Pid, Pid) {
        self.caller
    }
    fn thread_groups(&self) -> Vec<Pid> {
        let t = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        t.values()
            .filter(|i| i.tgid == i.tid)
            .map(|i| i.tgid)
            .collect()
    }
    fn threads(&self, tgid: Pid) -> Option<Vec<Pid>> {
        let t = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        let v: Vec<Pid> = t
            .values()
            .filter(|i| i.tgid == tgid)
            .map(|i| i.tid)
            .collect();
        (!v.is_empty()).then_some(v)
    }
    fn task(&self, tid: Pid) -> Option<TaskInfo> {
        self.tasks.lock().ok()?.get(&tid).cloned()
    }
    fn cmdline(&self, tid: Pid) -> Option<Vec<u8>> {
        self.has(tid).then(|| b"prog\0-v\0".to_vec())
    }
    fn environ(&self, tid: Pid) -> Option<Vec<u8>> {
        self.has(tid).then(|| b"HOME=/root\0".to_vec())
    }
    fn auxv(&self, tid: Pid) -> Option<Vec<u8>> {
        self.has(tid).then(|| vec![0u8; 16])
    }
    fn maps(&self, tid: Pid) -> Option<Vec<u8>> {
        self.has(tid)
            .then(|| b"00400000-00401000 r-xp 00000000 00:01 5 /bin/prog\n".to_vec())
    }
    fn link(&self, tid: Pid, which: TaskLink) -> Option<LinkTarget> {
        if !self.has(tid) {
            return None;
        }
        match which {
            TaskLink::Exe => Some(LinkTarget {
                path: self.exe.lock().ok()?.clone(),
                text: b"/bin/prog".to_vec(),
            }),
            _ => None,
        }
    }
    fn fds(&self, tid: Pid) -> Option<Vec<i32>> {
        self.has(tid).then(|| vec![3, 0, 1])
    }
    fn fd(&self, tid: Pid, fd: i32) -> Option<FdInfo> {
        if !self.has(tid) || ![0, 1, 3].contains(&fd) {
            return None;
        }
        Some(FdInfo {
            target: LinkTarget {
                path: None,
                text: format!("pipe:[{}]", 100 + fd).into_bytes(),
            },
            pos: 0,
            flags: if fd == 1 { 1 } else { 0 },
            mnt_id: 3,
            ino: 100 + fd as u64,
            readable: fd != 1,
            writable: fd == 1,
        })
    }
    fn limits(&self, tid: Pid) -> Option<[Rlimit; 16]> {
        self.has(tid).then_some(
            [Rlimit {
                cur: u64::MAX,
                max: u64::MAX,
            }; 16],
        )
    }
    fn mounts(&self, tid: Pid) -> Option<Vec<MountEntry>> {
        self.has(tid).then(|| {
            vec![MountEntry {
                id: 1,
                parent_id: 1,
                major: 0,
                minor: 1,
                root: b"/".to_vec(),
                mount_point: b"/".to_vec(),
                mount_options: b"rw,relatime".to_vec(),
                fs_type: b"tmpfs".to_vec(),
                source: b"none".to_vec(),
                super_options: b"rw".to_vec(),
            }]
        })
    }
    fn meminfo(&self) -> MemInfo {
        MemInfo {
            total_kb: 2048,
            free_kb: 1024,
            ..MemInfo::default()
        }
    }
    fn system_stat(&self) -> SystemStat {
        SystemStat {
            uptime_centis: 1234,
            ..SystemStat::default()
        }
    }
    fn cpuinfo(&self) -> Vec<u8> {
        b"processor\t: 0\n\n".to_vec()
    }
    fn kernel_names(&self) -> KernelNames {
        KernelNames {
            hostname: b"sandbox".to_vec(),
            osrelease: b"6.1.0".to_vec(),
            version: b"#1 SMP".to_vec(),
            boot_id: b"00000000-0000-4000-8000-000000000000".to_vec(),
        }
    }
}

struct Fx {
    vfs: Vfs,
    root: PathRef,
    fake: Arc<Fake>,
}

fn setup() -> Fx {
    let clock: Arc<dyn Clock> = Arc::new(TickClock(AtomicI64::new(1)));
    let rootfs = TmpFs::new(
        TmpFsOptions {
            dev: 1,
            root_mode: 0o755,
            ..TmpFsOptions::default()
        },
        clock.clone(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let vfs = Vfs::new(rootfs, MountFlags::empty(), clock);
    let root = vfs.root();
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &root);
    for d in ["proc", "bin"] {
        vfs.mkdirat(&ctx, &root, d.as_bytes(), 0o755)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let f = vfs
        .openat(
            &ctx,
            &root,
            b"bin/prog",
            OpenFlags::O_CREAT | OpenFlags::O_WRONLY,
            0o755,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.write(b"\x7fELF"), Ok(4));
    let fake = Arc::new(Fake::new());
    let exe = vfs
        .resolve(&ctx, &root, b"bin/prog", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    *fake.exe.lock().unwrap_or_else(|e| e.into_inner()) = Some(exe);
    let at = vfs
        .resolve(&ctx, &root, b"proc", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let procfs = ProcFs::new(fake.clone(), 4, Timespec { sec: 5, nsec: 0 });
    vfs.mount(&at, procfs, MountFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    Fx { vfs, root, fake }
}

fn read(fx: &Fx, cred: &Credentials, path: &str) -> Result<Vec<u8>, Errno> {
    let ctx = Context::new(cred, &fx.root);
    let f = fx
        .vfs
        .openat(&ctx, &fx.root, path.as_bytes(), OpenFlags::empty(), 0)?;
    let mut out = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

fn list(fx: &Fx, path: &str) -> Vec<String> {
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &fx.root);
    let d = fx
        .vfs
        .openat(&ctx, &fx.root, path.as_bytes(), OpenFlags::O_DIRECTORY, 0)
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut names = Vec::new();
    loop {
        let b = d.getdents64(200).unwrap_or_else(|e| panic!("{e}"));
        if b.is_empty() {
            return names;
        }
        let mut i = 0;
        while i + 19 <= b.len() {
            let reclen = u16::from_ne_bytes([b[i + 16], b[i + 17]]) as usize;
            let name: Vec<u8> = b[i + 19..i + reclen]
                .iter()
                .copied()
                .take_while(|c| *c != 0)
                .collect();
            let name = String::from_utf8_lossy(&name).into_owned();
            if name != "." && name != ".." {
                names.push(name);
            }
            i += reclen;
        }
    }
}

fn text(v: Result<Vec<u8>, Errno>) -> String {
    String::from_utf8(v.unwrap_or_else(|e| panic!("{e}"))).unwrap_or_default()
}

#[test]
fn self_links_and_status() {
    let fx = setup();
    let root = Credentials::root();
    let ctx = Context::new(&root, &fx.root);
    assert_eq!(
        fx.vfs.readlinkat(&ctx, &fx.root, b"/proc/self"),
        Ok(b"7".to_vec())
    );
    assert_eq!(
        fx.vfs.readlinkat(&ctx, &fx.root, b"/proc/thread-self"),
        Ok(b"7/task/8".to_vec())
    );
    let status = text(read(&fx, &root, "/proc/self/status"));
    assert!(status.starts_with("Name:\tprog\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t7\n"));
    assert!(status.contains("\nUid:\t1000\t1000\t1000\t1000\n"));
    assert!(status.contains("\nGroups:\t1000 27 \n"));
    assert!(status.contains("\nCpus_allowed_list:\t0-1\n"));
    let stat = text(read(&fx, &root, "/proc/thread-self/stat"));
    assert!(stat.starts_with("8 (prog) S 1 7 1 0 -1 "));
    assert_eq!(
        read(&fx, &root, "/proc/7/cmdline"),
        Ok(b"prog\0-v\0".to_vec())
    );
    assert_eq!(read(&fx, &root, "/proc/self/comm"), Ok(b"prog\n".to_vec()));
    assert!(text(read(&fx, &root, "/proc/self/maps")).contains("/bin/prog"));
    assert!(text(read(&fx, &root, "/proc/self/limits")).starts_with("Limit "));
    assert_eq!(
        text(read(&fx, &root, "/proc/self/mountinfo")),
        "1 1 0:1 / / rw,relatime - tmpfs none rw\n"
    );
    // /proc/mounts is a symlink to self/mounts.
    assert_eq!(
        fx.vfs.readlinkat(&ctx, &fx.root, b"/proc/mounts"),
        Ok(b"self/mounts".to_vec())
    );
    assert_eq!(
        text(read(&fx, &root, "/proc/mounts")),
        "none / tmpfs rw,relatime 0 0\n"
    );
}

#[test]
fn exe_is_a_magic_link_and_fds_are_listed() {
    let fx = setup();
    let root = Credentials::root();
    let ctx = Context::new(&root, &fx.root);
    assert_eq!(
        fx.vfs.readlinkat(&ctx, &fx.root, b"/proc/self/exe"),
        Ok(b"/bin/prog".to_vec())
    );
    assert_eq!(read(&fx, &root, "/proc/self/exe"), Ok(b"\x7fELF".to_vec()));
    let mut r = ctx;
    r.resolve = vfs::ResolveFlags::RESOLVE_NO_MAGICLINKS;
    assert!(fx
        .vfs
        .openat(&r, &fx.root, b"/proc/self/exe", OpenFlags::empty(), 0)
        .is_err());
    // No cwd link target: ENOENT, as for a task without one.
    assert_eq!(
        fx.vfs.readlinkat(&ctx, &fx.root, b"/proc/7/cwd").err(),
        Some(Errno::ENOENT)
    );

    assert_eq!(list(&fx, "/proc/self/fd"), ["0", "1", "3"]);
    assert_eq!(
        fx.vfs.readlinkat(&ctx, &fx.root, b"/proc/7/fd/3"),
        Ok(b"pipe:[103]".to_vec())
    );
    let st = |p: &str| {
        fx.vfs
            .fstatat(&ctx, &fx.root, p.as_bytes(), AtFlags::AT_SYMLINK_NOFOLLOW)
            .unwrap_or_else(|e| panic!("{p}: {e}"))
    };
    assert_eq!(st("/proc/7/fd/0").mode, 0o120500);
    assert_eq!(st("/proc/7/fd/1").mode, 0o120300);
    assert_eq!(st("/proc/7/fd").mode, 0o40500);
    assert_eq!(st("/proc/7").uid, 1000);
    assert_eq!(
        fx.vfs
            .fstatat(
                &ctx,
                &fx.root,
                b"/proc/7/fd/2",
                AtFlags::AT_SYMLINK_NOFOLLOW
            )
            .err(),
        Some(Errno::ENOENT)
    );
    assert_eq!(
        text(read(&fx, &root, "/proc/7/fdinfo/1")),
        "pos:\t0\nflags:\t01\nmnt_id:\t3\nino:\t101\n"
    );
}

#[test]
fn listings_and_lookups() {
    let fx = setup();
    let root_list = list(&fx, "/proc");
    for want in ["self", "thread-self", "cpuinfo", "meminfo", "sys", "7", "9"] {
        assert!(
            root_list.iter().any(|n| n == want),
            "{want} in {root_list:?}"
        );
    }
    assert!(
        !root_list.iter().any(|n| n == "8"),
        "threads are not listed"
    );
    assert_eq!(list(&fx, "/proc/7/task"), ["7", "8"]);
    assert_eq!(list(&fx, "/proc/8/task"), ["7", "8"]);
    assert!(text(read(&fx, &Credentials::root(), "/proc/8/task/7/comm")).starts_with("prog"));
    assert!(list(&fx, "/proc/7").iter().any(|n| n == "task"));
    assert!(!list(&fx, "/proc/7/task/8").iter().any(|n| n == "task"));
    assert_eq!(list(&fx, "/proc/sys/kernel/random"), ["boot_id", "uuid"]);
    let root = Credentials::root();
    for missing in ["/proc/5", "/proc/007", "/proc/7/task/9", "/proc/nope"] {
        assert_eq!(
            read(&fx, &root, missing).err(),
            Some(Errno::ENOENT),
            "{missing}"
        );
    }
    // A thread's directory works by its tid even though it is not listed.
    assert!(text(read(&fx, &root, "/proc/8/status")).contains("\nPid:\t8\n"));
}

#[test]
fn system_files() {
    let fx = setup();
    let root = Credentials::root();
    assert_eq!(text(read(&fx, &root, "/proc/uptime")), "12.34 0.00\n");
    assert!(text(read(&fx, &root, "/proc/meminfo")).starts_with("MemTotal:           2048 kB\n"));
    assert_eq!(
        text(read(&fx, &root, "/proc/version")),
        "Linux version 6.1.0 #1 SMP\n"
    );
    assert_eq!(
        text(read(&fx, &root, "/proc/cpuinfo")),
        "processor\t: 0\n\n"
    );
    assert_eq!(
        text(read(&fx, &root, "/proc/sys/kernel/hostname")),
        "sandbox\n"
    );
    assert_eq!(text(read(&fx, &root, "/proc/sys/kernel/ostype")), "Linux\n");
    assert_eq!(
        text(read(&fx, &root, "/proc/sys/kernel/pid_max")),
        "32768\n"
    );
    assert_eq!(
        text(read(&fx, &root, "/proc/sys/vm/max_map_count")),
        "65530\n"
    );
    assert_eq!(text(read(&fx, &root, "/proc/sys/fs/nr_open")), "1048576\n");
    assert_eq!(
        text(read(&fx, &root, "/proc/filesystems")),
        "nodev\ttmpfs\nnodev\tproc\nnodev\toverlay\n"
    );
    let a = text(read(&fx, &root, "/proc/sys/kernel/random/uuid"));
    let b = text(read(&fx, &root, "/proc/sys/kernel/random/uuid"));
    assert_ne!(a, b);
    assert_eq!(a.len(), 37);
    assert_eq!(&a[14..15], "4");
    let sf = fx.vfs.statfs(&fx.root).map(|s| s.fs_type);
    assert!(sf.is_ok());
}

#[test]
fn read_only_and_permissions() {
    let fx = setup();
    let root = Credentials::root();
    let ctx = Context::new(&root, &fx.root);
    assert_eq!(
        fx.vfs
            .openat(&ctx, &fx.root, b"/proc/7/status", OpenFlags::O_WRONLY, 0)
            .err(),
        Some(Errno::EACCES)
    );
    // Linux's proc lookup fails with ENOENT, so creating names does too.
    assert_eq!(
        fx.vfs.mkdirat(&ctx, &fx.root, b"/proc/newdir", 0o755),
        Err(Errno::ENOENT)
    );
    let create = OpenFlags::O_CREAT | OpenFlags::O_WRONLY;
    assert_eq!(
        fx.vfs
            .openat(&ctx, &fx.root, b"/proc/7/newfile", create, 0o644)
            .err(),
        Some(Errno::ENOENT)
    );
    assert_eq!(
        fx.vfs
            .openat(&ctx, &fx.root, b"/proc/7/status/x", create, 0o644)
            .err(),
        Some(Errno::ENOTDIR)
    );
    // environ is 0400 and owned by the task's user.
    let other = Credentials::user(2000, 2000, Vec::new());
    assert_eq!(
        read(&fx, &other, "/proc/7/environ").err(),
        Some(Errno::EACCES)
    );
    let owner = Credentials::user(1000, 1000, Vec::new());
    assert_eq!(
        read(&fx, &owner, "/proc/7/environ"),
        Ok(b"HOME=/root\0".to_vec())
    );
    assert!(read(&fx, &other, "/proc/7/status").is_ok());
}

#[test]
fn exited_tasks_disappear_even_when_cached() {
    let fx = setup();
    let root = Credentials::root();
    assert!(read(&fx, &root, "/proc/9/stat").is_ok());
    fx.fake
        .tasks
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&9);
    assert!(read(&fx, &root, "/proc/9/stat").is_err());
    assert!(!list(&fx, "/proc").iter().any(|n| n == "9"));
}

#[test]
fn mount_entries_from_the_vfs() {
    let fx = setup();
    let rows = fs_proc::mount_entries(&fx.vfs, &fx.root);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].mount_point, b"/");
    assert_eq!(rows[0].fs_type, b"tmpfs");
    assert_eq!((rows[0].major, rows[0].minor), (0, 1));
    assert_eq!(rows[1].mount_point, b"/proc");
    assert_eq!(rows[1].fs_type, b"proc");
    assert_eq!(rows[1].parent_id, rows[0].id);
    assert_eq!(rows[1].root, b"/");
    assert_eq!((rows[1].major, rows[1].minor), (0, 4));
    assert_eq!(
        fs_proc::format::mounts(&rows),
        b"tmpfs / tmpfs rw,relatime 0 0\nproc /proc proc rw,relatime 0 0\n"
    );
}

#[test]
fn describing_files_for_a_source() {
    let fx = setup();
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &fx.root);
    let f = fx
        .vfs
        .openat(
            &ctx,
            &fx.root,
            b"/bin/tmpfile",
            OpenFlags::O_CREAT | OpenFlags::O_WRONLY | OpenFlags::O_LARGEFILE,
            0o644,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.write(b"abc"), Ok(3));
    let info =
        fs_proc::fd_info(&fx.vfs, &fx.root, &f, true, Vec::new).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(info.target.text, b"/bin/tmpfile");
    assert_eq!(info.pos, 3);
    assert!(info.writable && !info.readable);
    assert_eq!(info.flags, 0o2100001);
    assert_eq!(info.mnt_id, 1);
    fx.vfs
        .unlinkat(&ctx, &fx.root, b"/bin/tmpfile", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let info =
        fs_proc::fd_info(&fx.vfs, &fx.root, &f, false, Vec::new).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(info.target.text, b"/bin/tmpfile (deleted)");
    assert_eq!(info.flags, 0o100001);
}
