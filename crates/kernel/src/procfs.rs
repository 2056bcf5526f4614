//! The kernel's side of procfs: [`KernelProcSource`] answers
//! [`fs_proc::ProcSource`]'s questions from the task registry
//! ([`crate::view`]), and [`new_procfs`] builds the filesystem `runsc`
//! mounts at `/proc`.
//!
//! The source holds the kernel weakly: the kernel owns the VFS, which owns
//! the procfs mount, which owns the source. Once the kernel is gone every
//! task lookup answers `None` (`ENOENT`).

use std::sync::{Arc, Weak};

use fs_proc::{
    CapSets, CpuTimes, FdInfo, KernelNames, LinkTarget, MemInfo, MountEntry, Pid, ProcFs,
    ProcSource, Rlimit, Sysctl, SystemStat, TaskInfo, TaskLink, TaskState, USER_HZ,
};
use vfs::{FileDescription, Filesystem, PathRef};

use crate::kernel::Kernel;
use crate::limits::{NR_OPEN, RLIMIT_RSS, RLIM_NLIMITS};
use crate::syscalls::{msg, sem};
use crate::view::{current_tid, TaskView};

/// `CAP_LAST_CAP` of the Linux version we report.
const CAP_LAST_CAP: u64 = 40;
/// Every capability up to [`CAP_LAST_CAP`].
const ALL_CAPS: u64 = (1 << (CAP_LAST_CAP + 1)) - 1;
/// Bytes per memory-file frame.
const FRAME_SIZE: u64 = 4096;

/// A procfs mount over `kernel`'s tasks, reporting `st_dev` as `dev`.
pub fn new_procfs(kernel: &Arc<Kernel>, dev: u64) -> Arc<dyn Filesystem> {
    let now = kernel.vfs().clock().now();
    ProcFs::new(Arc::new(KernelProcSource::new(kernel)), dev, now)
}

/// [`ProcSource`] over a kernel's task registry.
pub struct KernelProcSource {
    kernel: Weak<Kernel>,
    boot_id: Vec<u8>,
    cpus: usize,
}

impl KernelProcSource {
    /// A source showing `kernel`'s tasks (held weakly).
    pub fn new(kernel: &Arc<Kernel>) -> KernelProcSource {
        KernelProcSource {
            kernel: Arc::downgrade(kernel),
            boot_id: boot_id(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get().min(64)),
        }
    }

    fn kernel(&self) -> Option<Arc<Kernel>> {
        self.kernel.upgrade()
    }

    fn view(&self, tid: Pid) -> Option<(Arc<Kernel>, Arc<TaskView>)> {
        let k = self.kernel()?;
        let v = k.task_view(tid)?;
        Some((k, v))
    }

    /// The root of the task reading procfs (paths are shown relative to
    /// it), or the VFS root when no task is calling.
    fn caller_root(&self, k: &Kernel) -> PathRef {
        k.task_view(current_tid())
            .map_or_else(|| k.vfs().root(), |v| v.snapshot().root)
    }
}

/// A random UUID (version 4) text, fixed for the source's life.
fn boot_id() -> Vec<u8> {
    let mut b = [0u8; 16];
    if rustix::rand::getrandom(&mut b, rustix::rand::GetRandomFlags::empty()).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        b = nanos.to_le_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
    .into_bytes()
}

/// Strings joined NUL-terminated, as `cmdline` and `environ` show them.
fn nul_joined(strings: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in strings {
        out.extend_from_slice(s);
        out.push(0);
    }
    out
}

/// Ticks (`USER_HZ`) in `d`.
fn ticks(d: std::time::Duration) -> u64 {
    let t = d.as_millis() * u128::from(USER_HZ) / 1000;
    u64::try_from(t).unwrap_or(u64::MAX)
}

/// How `fd/N` names a file without a location.
fn anon_name(file: &FileDescription) -> Vec<u8> {
    let ino = file.stat().map_or(0, |a| a.ino);
    if crate::pipe::is_pipe(file) || file.stat().is_ok_and(|a| a.mode & 0o170000 == 0o010000) {
        format!("pipe:[{ino}]").into_bytes()
    } else {
        b"anon_inode:[file]".to_vec()
    }
}

impl ProcSource for KernelProcSource {
    fn caller(&self) -> (Pid, Pid) {
        let tid = current_tid();
        match self.view(tid) {
            Some((_, v)) => (v.thread_group().pid, tid),
            None => (0, 0),
        }
    }

    fn thread_groups(&self) -> Vec<Pid> {
        let Some(k) = self.kernel() else {
            return Vec::new();
        };
        let mut pids: Vec<Pid> = k
            .task_views()
            .iter()
            .map(|v| v.thread_group().pid)
            .collect();
        pids.sort_unstable();
        pids.dedup();
        pids
    }

    fn threads(&self, tgid: Pid) -> Option<Vec<Pid>> {
        let k = self.kernel()?;
        let tids: Vec<Pid> = k
            .task_views()
            .iter()
            .filter(|v| v.thread_group().pid == tgid)
            .map(|v| v.tid)
            .collect();
        (!tids.is_empty()).then_some(tids)
    }

    fn task(&self, tid: Pid) -> Option<TaskInfo> {
        let (k, v) = self.view(tid)?;
        let snap = v.snapshot();
        let (tgid, ppid, pgrp, session, rsslim, sigpending) = {
            let tg = v.thread_group();
            (
                tg.pid,
                tg.ppid,
                tg.pgid,
                tg.sid,
                tg.rlimits.get(RLIMIT_RSS).rlim_cur,
                tg.rlimits.get(crate::limits::RLIMIT_SIGPENDING).rlim_cur,
            )
        };
        let num_threads = k
            .task_views()
            .iter()
            .filter(|o| o.thread_group().pid == tgid)
            .count();
        let fd_size = v
            .files()
            .map(|f| f.snapshot())
            .unwrap_or_default()
            .last()
            .map_or(0, |(fd, _)| *fd)
            .saturating_add(1)
            .max(64);
        let fd_size = u32::try_from(fd_size)
            .unwrap_or(u32::MAX)
            .next_power_of_two();
        let c = &snap.creds;
        let caps = if c.euid == 0 { ALL_CAPS } else { 0 };
        let l = snap.layout;
        Some(TaskInfo {
            tgid,
            tid,
            ppid,
            pgrp,
            session,
            tracer_pid: 0,
            comm: snap.comm.clone(),
            state: if v.has_exited() {
                TaskState::Zombie
            } else if tid == current_tid() {
                TaskState::Running
            } else {
                TaskState::Sleeping
            },
            uid: [c.uid, c.euid, c.suid, c.fsuid],
            gid: [c.gid, c.egid, c.sgid, c.fsgid],
            groups: c.groups.clone(),
            umask: snap.umask,
            num_threads: u32::try_from(num_threads).unwrap_or(u32::MAX),
            fd_size,
            tpgid: -1,
            priority: 20,
            rsslim,
            layout: fs_proc::MmLayout {
                start_code: l.start_code,
                end_code: l.end_code,
                start_stack: l.start_stack,
                start_data: l.start_data,
                end_data: l.end_data,
                start_brk: l.start_brk,
                arg_start: l.arg_start,
                arg_end: l.arg_end,
                env_start: l.env_start,
                env_end: l.env_end,
            },
            signals: fs_proc::SigState {
                queue_limit: sigpending,
                ..fs_proc::SigState::default()
            },
            exit_signal: abi::signal::SIGCHLD,
            caps: CapSets {
                inheritable: 0,
                permitted: caps,
                effective: caps,
                bounding: ALL_CAPS,
                ambient: 0,
            },
            cpus_allowed: if self.cpus >= 64 {
                u64::MAX
            } else {
                (1u64 << self.cpus) - 1
            },
            ..TaskInfo::default()
        })
    }

    fn cmdline(&self, tid: Pid) -> Option<Vec<u8>> {
        let (_, v) = self.view(tid)?;
        Some(nul_joined(&v.snapshot().argv))
    }

    fn environ(&self, tid: Pid) -> Option<Vec<u8>> {
        let (_, v) = self.view(tid)?;
        Some(nul_joined(&v.snapshot().envp))
    }

    fn auxv(&self, tid: Pid) -> Option<Vec<u8>> {
        let (_, v) = self.view(tid)?;
        let mut out = Vec::new();
        for (key, val) in v.snapshot().auxv {
            out.extend_from_slice(&key.to_ne_bytes());
            out.extend_from_slice(&val.to_ne_bytes());
        }
        if out.len() < 16 || out[out.len() - 16..out.len() - 8] != [0; 8] {
            out.extend_from_slice(&[0; 16]);
        }
        Some(out)
    }

    fn maps(&self, tid: Pid) -> Option<Vec<u8>> {
        let (_, v) = self.view(tid)?;
        Some(v.maps().into_bytes())
    }

    fn link(&self, tid: Pid, which: TaskLink) -> Option<LinkTarget> {
        let (k, v) = self.view(tid)?;
        let snap = v.snapshot();
        let root = self.caller_root(&k);
        let at = match which {
            TaskLink::Exe => match &snap.exe_at {
                Some(at) => at.clone(),
                None if snap.exe.is_empty() => return None,
                None => {
                    return Some(LinkTarget {
                        path: None,
                        text: snap.exe.clone(),
                    })
                }
            },
            TaskLink::Cwd => snap.cwd.clone(),
            TaskLink::Root => snap.root.clone(),
        };
        Some(fs_proc::link_target(k.vfs(), &root, &at))
    }

    fn fds(&self, tid: Pid) -> Option<Vec<i32>> {
        let (_, v) = self.view(tid)?;
        Some(
            v.files()?
                .snapshot()
                .into_iter()
                .map(|(fd, _)| fd)
                .collect(),
        )
    }

    fn fd(&self, tid: Pid, fd: i32) -> Option<FdInfo> {
        let (k, v) = self.view(tid)?;
        let entry = v.files()?.entry(fd).ok()?;
        let root = self.caller_root(&k);
        fs_proc::fd_info(k.vfs(), &root, &entry.file, entry.cloexec, || {
            anon_name(&entry.file)
        })
        .ok()
    }

    fn limits(&self, tid: Pid) -> Option<[Rlimit; 16]> {
        let (_, v) = self.view(tid)?;
        let tg = v.thread_group();
        let mut out = [Rlimit::default(); 16];
        for (i, slot) in out.iter_mut().enumerate().take(RLIM_NLIMITS) {
            let r = tg.rlimits.get(u32::try_from(i).unwrap_or(u32::MAX));
            *slot = Rlimit {
                cur: r.rlim_cur,
                max: r.rlim_max,
            };
        }
        Some(out)
    }

    fn mounts(&self, tid: Pid) -> Option<Vec<MountEntry>> {
        let (k, v) = self.view(tid)?;
        Some(fs_proc::mount_entries(k.vfs(), &v.snapshot().root))
    }

    fn meminfo(&self) -> MemInfo {
        let Some(k) = self.kernel() else {
            return MemInfo::default();
        };
        let total_kb = k.config().memory_limit / 1024;
        let used_kb = k.frames().in_use().saturating_mul(FRAME_SIZE / 1024);
        let free_kb = total_kb.saturating_sub(used_kb);
        MemInfo {
            total_kb,
            free_kb,
            available_kb: free_kb,
            anon_pages_kb: used_kb,
            active_kb: used_kb,
            active_anon_kb: used_kb,
            commit_limit_kb: total_kb,
            committed_as_kb: used_kb,
            ..MemInfo::default()
        }
    }

    fn system_stat(&self) -> SystemStat {
        let Some(k) = self.kernel() else {
            return SystemStat::default();
        };
        let up = k.uptime();
        let views = k.task_views();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let last_pid = views.iter().map(|v| v.tid).max().unwrap_or(0);
        let nr = views.len() as u64;
        let up_ticks = ticks(up);
        SystemStat {
            cpus: vec![
                CpuTimes {
                    idle: up_ticks,
                    ..CpuTimes::default()
                };
                self.cpus
            ],
            ctxt: 0,
            btime: now.saturating_sub(up.as_secs()),
            processes: u64::try_from(last_pid).unwrap_or(0),
            procs_running: 1,
            procs_blocked: 0,
            uptime_centis: up_ticks,
            idle_centis: up_ticks.saturating_mul(self.cpus as u64),
            loadavg_centis: [0; 3],
            nr_threads: nr,
            last_pid,
        }
    }

    fn cpuinfo(&self) -> Vec<u8> {
        let mut out = String::new();
        for i in 0..self.cpus {
            out.push_str(&format!(
                "processor\t: {i}\nvendor_id\t: Sentry\nmodel name\t: Sentry virtual CPU\n\
                 physical id\t: 0\nsiblings\t: {n}\ncore id\t\t: {i}\ncpu cores\t: {n}\n\
                 apicid\t\t: {i}\nflags\t\t: fpu sse sse2\n\n",
                n = self.cpus
            ));
        }
        out.into_bytes()
    }

    fn kernel_names(&self) -> KernelNames {
        let Some(k) = self.kernel() else {
            return KernelNames::default();
        };
        KernelNames {
            hostname: k.hostname().into_bytes(),
            osrelease: k.config().release.clone().into_bytes(),
            version: k.config().version.clone().into_bytes(),
            boot_id: self.boot_id.clone(),
        }
    }

    fn sysctl(&self) -> Sysctl {
        Sysctl {
            cap_last_cap: CAP_LAST_CAP,
            nr_open: NR_OPEN,
            msgmax: msg::MSGMAX,
            msgmnb: msg::MSGMNB,
            msgmni: msg::MSGMNI as u64,
            sem: [
                sem::SEMMSL as u64,
                sem::SEMMNS,
                sem::SEMOPM,
                sem::SEMMNI as u64,
            ],
            ..Sysctl::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::Mutex;

    use fs_tmpfs::{TmpFs, TmpFsOptions};
    use platform::{
        AddressSpace, Context, CpuState, Event, Interrupter, MemoryFile, Platform, Prot,
    };
    use vfs::{AtFlags, MountFlags, OpenFlags, Vfs};

    use crate::clock::HostClock;
    use crate::fdtable::FdTable;
    use crate::task::{Credentials, ThreadGroup};
    use crate::view::{set_current, ExecLayout, TaskSnapshot};
    use crate::Config;

    #[derive(Debug)]
    struct NoSpace;

    impl AddressSpace for NoSpace {
        fn map(&self, _: u64, _: u64, _: Prot, _: u64) -> platform::Result<()> {
            Ok(())
        }
        fn unmap(&self, _: u64, _: u64) -> platform::Result<()> {
            Ok(())
        }
        fn protect(&self, _: u64, _: u64, _: Prot) -> platform::Result<()> {
            Ok(())
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    struct NoContext;

    impl Context for NoContext {
        fn switch(
            &mut self,
            _: &Arc<dyn AddressSpace>,
            _: &mut CpuState,
        ) -> platform::Result<Event> {
            Err(platform::Error::Invalid("runs nothing"))
        }
        fn interrupter(&self) -> Interrupter {
            Interrupter(Arc::new(|| {}))
        }
    }

    /// A platform that runs nothing: procfs only reads the registry.
    struct NoPlatform(Arc<MemoryFile>);

    impl Platform for NoPlatform {
        fn name(&self) -> &'static str {
            "none"
        }
        fn memory_file(&self) -> &Arc<MemoryFile> {
            &self.0
        }
        fn new_address_space(&self) -> platform::Result<Arc<dyn AddressSpace>> {
            Ok(Arc::new(NoSpace))
        }
        fn new_context(&self) -> platform::Result<Box<dyn Context>> {
            Ok(Box::new(NoContext))
        }
        fn address_range(&self) -> (u64, u64) {
            (0x10000, 0x7fff_0000_0000)
        }
    }

    /// A kernel with /proc mounted and task 5 (process 5) registered,
    /// running `/bin/prog` with argv `prog -v`.
    fn setup() -> (Arc<Kernel>, Arc<Vfs>) {
        let clock: Arc<dyn vfs::Clock> = Arc::new(HostClock);
        let fs = TmpFs::new(TmpFsOptions::default(), clock.clone()).expect("tmpfs");
        let vfs = Arc::new(Vfs::new(fs, MountFlags::empty(), clock));
        let memfile = Arc::new(MemoryFile::new(1 << 20).expect("memfd"));
        let config = Config {
            memory_limit: 1 << 20,
            ..Config::default()
        };
        let k = Kernel::new(
            Arc::new(NoPlatform(memfile)),
            vfs.clone(),
            config,
            None,
            None,
        );
        let root = vfs.root();
        let cred = vfs::Credentials::root();
        let ctx = vfs::Context::new(&cred, &root);
        for d in [&b"/proc"[..], b"/bin"] {
            vfs.mkdirat(&ctx, &root, d, 0o755).expect("mkdir");
        }
        let prog = vfs
            .openat(&ctx, &root, b"/bin/prog", OpenFlags::O_CREAT, 0o755)
            .expect("create");
        let exe_at = prog.path().cloned();
        let at = vfs
            .resolve(&ctx, &root, b"/proc", AtFlags::empty())
            .expect("/proc");
        vfs.mount(&at, new_procfs(&k, 9), MountFlags::empty())
            .expect("mount");
        let tg = ThreadGroup::new(5, 0, 5, 5);
        let fds = Arc::new(FdTable::new());
        fds.insert_at(0, prog, false, 1024).expect("fd 0");
        let mm = mm::MemoryManager::new(
            k.frames().clone(),
            mm::Layout::default(),
            mm::Limits::default(),
        );
        let snapshot = TaskSnapshot {
            mm: Arc::new(Mutex::new(mm)),
            comm: b"prog".to_vec(),
            exe: b"/bin/prog".to_vec(),
            argv: vec![b"prog".to_vec(), b"-v".to_vec()],
            envp: Vec::new(),
            auxv: vec![(6, 4096), (0, 0)],
            layout: ExecLayout::default(),
            exe_at,
            umask: 0o022,
            cwd: root.clone(),
            root,
            creds: Credentials::default(),
        };
        k.register_view(Arc::new(TaskView::new(
            5,
            Arc::new(Mutex::new(tg)),
            fds,
            snapshot,
        )));
        (k, vfs)
    }

    fn read(vfs: &Vfs, path: &[u8]) -> Result<Vec<u8>, abi::Errno> {
        let cred = vfs::Credentials::root();
        let root = vfs.root();
        let ctx = vfs::Context::new(&cred, &root);
        let f = vfs.openat(&ctx, &root, path, OpenFlags::empty(), 0)?;
        let mut out = Vec::new();
        let mut buf = [0u8; 512];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn proc_self_shows_the_calling_task() {
        let (k, vfs) = setup();
        set_current(5);
        let status =
            String::from_utf8(read(&vfs, b"/proc/self/status").expect("status")).expect("utf-8");
        assert!(status.contains("Name:\tprog\n"), "{status}");
        assert!(status.contains("\nPid:\t5\n"), "{status}");
        assert_eq!(
            read(&vfs, b"/proc/5/cmdline").expect("cmdline"),
            b"prog\0-v\0"
        );
        let auxv = read(&vfs, b"/proc/5/auxv").expect("auxv");
        assert_eq!(auxv.len(), 32);
        let cred = vfs::Credentials::root();
        let root = vfs.root();
        let ctx = vfs::Context::new(&cred, &root);
        assert_eq!(
            vfs.readlinkat(&ctx, &root, b"/proc/self/exe").expect("exe"),
            b"/bin/prog"
        );
        assert_eq!(
            vfs.readlinkat(&ctx, &root, b"/proc/5/fd/0").expect("fd 0"),
            b"/bin/prog"
        );
        assert_eq!(read(&vfs, b"/proc/6/status"), Err(abi::Errno::ENOENT));
        let src = KernelProcSource::new(&k);
        assert_eq!(src.caller(), (5, 5));
        assert_eq!(src.thread_groups(), vec![5]);
        assert_eq!(src.fds(5), Some(vec![0]));
        k.unregister_view(5);
        assert_eq!(src.task(5), None);
        set_current(0);
    }

    #[test]
    fn ipc_limits_are_the_enforced_ones_and_read_only() {
        let (_k, vfs) = setup();
        let at = |p: &[u8]| read(&vfs, p).map(|b| String::from_utf8_lossy(&b).into_owned());
        assert_eq!(
            at(b"/proc/sys/kernel/msgmax"),
            Ok(format!("{}\n", msg::MSGMAX))
        );
        assert_eq!(
            at(b"/proc/sys/kernel/msgmnb"),
            Ok(format!("{}\n", msg::MSGMNB))
        );
        assert_eq!(
            at(b"/proc/sys/kernel/msgmni"),
            Ok(format!("{}\n", msg::MSGMNI))
        );
        let want = format!(
            "{}\t{}\t{}\t{}\n",
            sem::SEMMSL,
            sem::SEMMNS,
            sem::SEMOPM,
            sem::SEMMNI
        );
        assert_eq!(at(b"/proc/sys/kernel/sem"), Ok(want));
        let cred = vfs::Credentials::root();
        let root = vfs.root();
        let ctx = vfs::Context::new(&cred, &root);
        let w = vfs.openat(
            &ctx,
            &root,
            b"/proc/sys/kernel/msgmnb",
            OpenFlags::O_WRONLY,
            0,
        );
        assert!(w.is_err());
    }

    #[test]
    fn boot_id_is_a_v4_uuid() {
        let id = boot_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id[14], b'4');
        assert_eq!(
            id.iter().filter(|&&c| c == b'-').count(),
            4,
            "{}",
            String::from_utf8_lossy(&id)
        );
    }

    #[test]
    fn strings_are_nul_terminated() {
        assert_eq!(nul_joined(&[b"a".to_vec(), b"bc".to_vec()]), b"a\0bc\0");
        assert!(nul_joined(&[]).is_empty());
    }

    #[test]
    fn ticks_are_user_hz() {
        assert_eq!(ticks(std::time::Duration::from_millis(1500)), 150);
    }
}
