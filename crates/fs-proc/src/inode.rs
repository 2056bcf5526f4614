//! procfs inodes: every file and directory is a [`Node`] value naming what
//! it shows; contents and listings are generated from the
//! [`ProcSource`] when asked, so nothing goes stale except the dentries the
//! VFS caches, whose inodes re-check that their task still exists.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use vfs::uapi::{FileType, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};
use vfs::{DirEntry, Errno, FileImpl, Inode, InodeAttr, Link, OpenFlags, Result, Timespec};

use crate::file::{ProcDirFile, SnapshotFile};
use crate::format;
use crate::source::{Pid, ProcSource, TaskLink};

/// A file of `/proc/<pid>/` (and `/proc/<pid>/task/<tid>/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskFile {
    /// `auxv`.
    Auxv,
    /// `cmdline`.
    Cmdline,
    /// `comm`.
    Comm,
    /// `environ`.
    Environ,
    /// `limits`.
    Limits,
    /// `maps`.
    Maps,
    /// `mountinfo`.
    Mountinfo,
    /// `mounts`.
    Mounts,
    /// `stat`.
    Stat,
    /// `statm`.
    Statm,
    /// `status`.
    Status,
}

/// A system-wide file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SysFile {
    /// `/proc/cpuinfo`.
    Cpuinfo,
    /// `/proc/meminfo`.
    Meminfo,
    /// `/proc/stat`.
    Stat,
    /// `/proc/uptime`.
    Uptime,
    /// `/proc/loadavg`.
    Loadavg,
    /// `/proc/version`.
    Version,
    /// `/proc/filesystems`.
    Filesystems,
    /// `sys/kernel/hostname`.
    Hostname,
    /// `sys/kernel/osrelease`.
    Osrelease,
    /// `sys/kernel/ostype`.
    Ostype,
    /// `sys/kernel/version`.
    KernelVersion,
    /// `sys/kernel/pid_max`.
    PidMax,
    /// `sys/kernel/msgmax`.
    MsgMax,
    /// `sys/kernel/msgmnb`.
    MsgMnb,
    /// `sys/kernel/msgmni`.
    MsgMni,
    /// `sys/kernel/sem`.
    Sem,
    /// `sys/kernel/ngroups_max`.
    NgroupsMax,
    /// `sys/kernel/cap_last_cap`.
    CapLastCap,
    /// `sys/kernel/overflowuid`.
    OverflowUid,
    /// `sys/kernel/overflowgid`.
    OverflowGid,
    /// `sys/kernel/random/boot_id`.
    BootId,
    /// `sys/kernel/random/uuid`: a new UUID on every open.
    Uuid,
    /// `sys/vm/overcommit_memory`.
    OvercommitMemory,
    /// `sys/vm/max_map_count`.
    MaxMapCount,
    /// `sys/vm/mmap_min_addr`.
    MmapMinAddr,
    /// `sys/fs/nr_open`.
    NrOpen,
    /// `sys/fs/file-max`.
    FileMax,
}

/// A fixed directory of `/proc/sys`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SysDir {
    /// `/proc/sys`.
    Sys,
    /// `/proc/sys/kernel`.
    Kernel,
    /// `/proc/sys/kernel/random`.
    Random,
    /// `/proc/sys/vm`.
    Vm,
    /// `/proc/sys/fs`.
    Fs,
}

/// What a procfs inode shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// `/proc`.
    Root,
    /// `/proc/self`.
    SelfLink,
    /// `/proc/thread-self`.
    ThreadSelf,
    /// `/proc/mounts` (a symlink to `self/mounts`).
    MountsLink,
    /// A system file.
    Sys(SysFile),
    /// A `/proc/sys` directory.
    SysDir(SysDir),
    /// `/proc/<pid>`.
    Pid(Pid),
    /// `/proc/<pid>/task`.
    TaskDir(Pid),
    /// `/proc/<pid>/task/<tid>`.
    Tid(Pid, Pid),
    /// A per-task file of task `tid`.
    File(Pid, TaskFile),
    /// `exe`, `cwd` or `root` of task `tid`.
    Link(Pid, TaskLink),
    /// `/proc/<tid>/fd`.
    FdDir(Pid),
    /// `/proc/<tid>/fd/<n>`.
    Fd(Pid, i32),
    /// `/proc/<tid>/fdinfo`.
    FdInfoDir(Pid),
    /// `/proc/<tid>/fdinfo/<n>`.
    FdInfo(Pid, i32),
}

const ROOT_ENTRIES: [(&str, Node); 11] = [
    ("self", Node::SelfLink),
    ("thread-self", Node::ThreadSelf),
    ("mounts", Node::MountsLink),
    ("cpuinfo", Node::Sys(SysFile::Cpuinfo)),
    ("meminfo", Node::Sys(SysFile::Meminfo)),
    ("stat", Node::Sys(SysFile::Stat)),
    ("uptime", Node::Sys(SysFile::Uptime)),
    ("loadavg", Node::Sys(SysFile::Loadavg)),
    ("version", Node::Sys(SysFile::Version)),
    ("filesystems", Node::Sys(SysFile::Filesystems)),
    ("sys", Node::SysDir(SysDir::Sys)),
];

fn sys_entries(d: SysDir) -> &'static [(&'static str, Node)] {
    match d {
        SysDir::Sys => &[
            ("fs", Node::SysDir(SysDir::Fs)),
            ("kernel", Node::SysDir(SysDir::Kernel)),
            ("vm", Node::SysDir(SysDir::Vm)),
        ],
        SysDir::Kernel => &[
            ("cap_last_cap", Node::Sys(SysFile::CapLastCap)),
            ("hostname", Node::Sys(SysFile::Hostname)),
            ("msgmax", Node::Sys(SysFile::MsgMax)),
            ("msgmnb", Node::Sys(SysFile::MsgMnb)),
            ("msgmni", Node::Sys(SysFile::MsgMni)),
            ("ngroups_max", Node::Sys(SysFile::NgroupsMax)),
            ("osrelease", Node::Sys(SysFile::Osrelease)),
            ("ostype", Node::Sys(SysFile::Ostype)),
            ("overflowgid", Node::Sys(SysFile::OverflowGid)),
            ("overflowuid", Node::Sys(SysFile::OverflowUid)),
            ("pid_max", Node::Sys(SysFile::PidMax)),
            ("random", Node::SysDir(SysDir::Random)),
            ("sem", Node::Sys(SysFile::Sem)),
            ("version", Node::Sys(SysFile::KernelVersion)),
        ],
        SysDir::Random => &[
            ("boot_id", Node::Sys(SysFile::BootId)),
            ("uuid", Node::Sys(SysFile::Uuid)),
        ],
        SysDir::Vm => &[
            ("max_map_count", Node::Sys(SysFile::MaxMapCount)),
            ("mmap_min_addr", Node::Sys(SysFile::MmapMinAddr)),
            ("overcommit_memory", Node::Sys(SysFile::OvercommitMemory)),
        ],
        SysDir::Fs => &[
            ("file-max", Node::Sys(SysFile::FileMax)),
            ("nr_open", Node::Sys(SysFile::NrOpen)),
        ],
    }
}

/// The entries of a task directory (`task` only for a process directory).
fn task_entries(tid: Pid, with_task: bool) -> Vec<(&'static str, Node)> {
    let mut v = vec![
        ("auxv", Node::File(tid, TaskFile::Auxv)),
        ("cmdline", Node::File(tid, TaskFile::Cmdline)),
        ("comm", Node::File(tid, TaskFile::Comm)),
        ("cwd", Node::Link(tid, TaskLink::Cwd)),
        ("environ", Node::File(tid, TaskFile::Environ)),
        ("exe", Node::Link(tid, TaskLink::Exe)),
        ("fd", Node::FdDir(tid)),
        ("fdinfo", Node::FdInfoDir(tid)),
        ("limits", Node::File(tid, TaskFile::Limits)),
        ("maps", Node::File(tid, TaskFile::Maps)),
        ("mountinfo", Node::File(tid, TaskFile::Mountinfo)),
        ("mounts", Node::File(tid, TaskFile::Mounts)),
        ("root", Node::Link(tid, TaskLink::Root)),
        ("stat", Node::File(tid, TaskFile::Stat)),
        ("statm", Node::File(tid, TaskFile::Statm)),
        ("status", Node::File(tid, TaskFile::Status)),
    ];
    if with_task {
        v.push(("task", Node::TaskDir(tid)));
    }
    v
}

/// Parses a pid or descriptor name as Linux's `name_to_int` does: decimal
/// digits only, no leading zero (except "0" itself), fits in `i32`.
pub(crate) fn parse_num(name: &[u8]) -> Option<i32> {
    if name.is_empty() || (name.len() > 1 && name[0] == b'0') {
        return None;
    }
    if !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(name).ok()?.parse().ok()
}

/// State shared by every inode of one procfs mount.
pub(crate) struct Shared {
    pub source: Arc<dyn ProcSource>,
    pub dev: u64,
    pub mount_time: Timespec,
}

/// A procfs inode.
pub struct ProcInode {
    node: Node,
    shared: Arc<Shared>,
}

impl ProcInode {
    pub(crate) fn new(node: Node, shared: Arc<Shared>) -> Arc<ProcInode> {
        Arc::new(ProcInode { node, shared })
    }

    /// What this inode shows.
    pub fn node(&self) -> Node {
        self.node
    }

    fn src(&self) -> &dyn ProcSource {
        &*self.shared.source
    }

    fn child(&self, node: Node) -> Arc<dyn Inode> {
        ProcInode::new(node, self.shared.clone())
    }

    /// The task a node belongs to (for ownership and existence).
    fn task_of(&self) -> Option<Pid> {
        match self.node {
            Node::Pid(t)
            | Node::TaskDir(t)
            | Node::Tid(_, t)
            | Node::File(t, _)
            | Node::Link(t, _)
            | Node::FdDir(t)
            | Node::Fd(t, _)
            | Node::FdInfoDir(t)
            | Node::FdInfo(t, _) => Some(t),
            _ => None,
        }
    }

    /// Whether the thing this node names still exists.
    fn exists(&self) -> bool {
        let s = self.src();
        match self.node {
            Node::Tid(tgid, tid) => s.task(tid).is_some_and(|t| t.tgid == tgid),
            Node::Fd(t, fd) | Node::FdInfo(t, fd) => s.fd(t, fd).is_some(),
            _ => match self.task_of() {
                Some(t) => s.task(t).is_some(),
                None => true,
            },
        }
    }

    /// What creating a name in this inode gives: ENOENT in a directory
    /// (proc's lookup fails first), ENOTDIR elsewhere.
    fn no_new_names(&self) -> Errno {
        if self.mode() & S_IFMT == S_IFDIR {
            Errno::ENOENT
        } else {
            Errno::ENOTDIR
        }
    }

    fn mode(&self) -> u32 {
        match self.node {
            Node::Root | Node::SysDir(_) | Node::Pid(_) | Node::TaskDir(_) | Node::Tid(..) => {
                S_IFDIR | 0o555
            }
            Node::FdDir(_) => S_IFDIR | 0o500,
            Node::FdInfoDir(_) => S_IFDIR | 0o555,
            Node::SelfLink | Node::ThreadSelf | Node::MountsLink | Node::Link(..) => {
                S_IFLNK | 0o777
            }
            Node::Fd(t, fd) => {
                let mut m = S_IFLNK;
                if let Some(f) = self.src().fd(t, fd) {
                    if f.readable {
                        m |= 0o500;
                    }
                    if f.writable {
                        m |= 0o300;
                    }
                }
                m
            }
            Node::File(_, TaskFile::Environ | TaskFile::Auxv) => S_IFREG | 0o400,
            Node::File(_, TaskFile::Comm) => S_IFREG | 0o644,
            Node::File(..) | Node::Sys(_) | Node::FdInfo(..) => S_IFREG | 0o444,
        }
    }

    fn ino(&self) -> u64 {
        if self.node == Node::Root {
            return 1;
        }
        let mut h = DefaultHasher::new();
        self.node.hash(&mut h);
        // Keep clear of 0 and of the root's number.
        h.finish() | 2
    }

    /// The contents of a regular file, generated now.
    fn contents(&self) -> Result<Vec<u8>> {
        let s = self.src();
        let gone = Errno::ESRCH;
        match self.node {
            Node::File(t, f) => match f {
                TaskFile::Auxv => s.auxv(t).ok_or(gone),
                TaskFile::Cmdline => s.cmdline(t).ok_or(gone),
                TaskFile::Environ => s.environ(t).ok_or(gone),
                TaskFile::Maps => s.maps(t).ok_or(gone),
                TaskFile::Comm => s.task(t).map(|i| format::line(&i.comm)).ok_or(gone),
                TaskFile::Limits => s.limits(t).map(|l| format::limits(&l)).ok_or(gone),
                TaskFile::Mounts => s.mounts(t).map(|m| format::mounts(&m)).ok_or(gone),
                TaskFile::Mountinfo => s.mounts(t).map(|m| format::mountinfo(&m)).ok_or(gone),
                TaskFile::Stat => s.task(t).map(|i| format::task_stat(&i)).ok_or(gone),
                TaskFile::Statm => s.task(t).map(|i| format::task_statm(&i)).ok_or(gone),
                TaskFile::Status => s.task(t).map(|i| format::task_status(&i)).ok_or(gone),
            },
            Node::FdInfo(t, fd) => s.fd(t, fd).map(|f| format::fdinfo(&f)).ok_or(Errno::ENOENT),
            Node::Sys(f) => Ok(self.sys_contents(f)),
            _ => Err(Errno::EISDIR),
        }
    }

    fn sys_contents(&self, f: SysFile) -> Vec<u8> {
        let s = self.src();
        let num = |v: u64| format::line(v.to_string().as_bytes());
        match f {
            SysFile::Cpuinfo => s.cpuinfo(),
            SysFile::Meminfo => format::meminfo(&s.meminfo()),
            SysFile::Stat => format::proc_stat(&s.system_stat()),
            SysFile::Uptime => format::uptime(&s.system_stat()),
            SysFile::Loadavg => format::loadavg(&s.system_stat()),
            SysFile::Version => format::version(&s.kernel_names()),
            SysFile::Filesystems => format::filesystems(&s.filesystems()),
            SysFile::Hostname => format::line(&s.kernel_names().hostname),
            SysFile::Osrelease => format::line(&s.kernel_names().osrelease),
            SysFile::Ostype => format::line(b"Linux"),
            SysFile::KernelVersion => format::line(&s.kernel_names().version),
            SysFile::BootId => format::line(&s.kernel_names().boot_id),
            SysFile::Uuid => {
                let mut b = [0u8; 16];
                // A failed read leaves zeros only if the host pool fails,
                // which getrandom without GRND_NONBLOCK does not do.
                let _ = rustix::rand::getrandom(&mut b, rustix::rand::GetRandomFlags::empty());
                format::uuid_v4(b)
            }
            SysFile::PidMax => num(s.sysctl().pid_max),
            SysFile::MsgMax => num(s.sysctl().msgmax),
            SysFile::MsgMnb => num(s.sysctl().msgmnb),
            SysFile::MsgMni => num(s.sysctl().msgmni),
            SysFile::Sem => {
                let [msl, mns, opm, mni] = s.sysctl().sem;
                format::line(format!("{msl}\t{mns}\t{opm}\t{mni}").as_bytes())
            }
            SysFile::NgroupsMax => num(s.sysctl().ngroups_max),
            SysFile::CapLastCap => num(s.sysctl().cap_last_cap),
            SysFile::OverflowUid => num(s.sysctl().overflowuid),
            SysFile::OverflowGid => num(s.sysctl().overflowgid),
            SysFile::OvercommitMemory => num(s.sysctl().overcommit_memory),
            SysFile::MaxMapCount => num(s.sysctl().max_map_count),
            SysFile::MmapMinAddr => num(s.sysctl().mmap_min_addr),
            SysFile::NrOpen => num(s.sysctl().nr_open),
            SysFile::FileMax => num(s.sysctl().file_max),
        }
    }

    /// The entries of this directory, in listing order.
    fn entries(&self) -> Result<Vec<(Vec<u8>, Node)>> {
        let s = self.src();
        let named = |list: &[(&str, Node)]| -> Vec<(Vec<u8>, Node)> {
            list.iter()
                .map(|(n, node)| (n.as_bytes().to_vec(), *node))
                .collect()
        };
        Ok(match self.node {
            Node::Root => {
                let mut v = named(&ROOT_ENTRIES);
                let mut pids = s.thread_groups();
                pids.sort_unstable();
                v.extend(
                    pids.into_iter()
                        .map(|p| (p.to_string().into_bytes(), Node::Pid(p))),
                );
                v
            }
            Node::SysDir(d) => named(sys_entries(d)),
            Node::Pid(p) => named(&task_entries(p, true)),
            Node::Tid(_, t) => named(&task_entries(t, false)),
            Node::TaskDir(p) => {
                // `/proc/<tid>/task` of a non-leader lists its whole group.
                let tgid = s.task(p).map(|t| t.tgid).ok_or(Errno::ENOENT)?;
                let mut tids = s.threads(tgid).ok_or(Errno::ENOENT)?;
                tids.sort_unstable();
                tids.into_iter()
                    .map(|t| (t.to_string().into_bytes(), Node::Tid(tgid, t)))
                    .collect()
            }
            Node::FdDir(t) | Node::FdInfoDir(t) => {
                let mut fds = s.fds(t).ok_or(Errno::ENOENT)?;
                fds.sort_unstable();
                let info = matches!(self.node, Node::FdInfoDir(_));
                fds.into_iter()
                    .map(|fd| {
                        let node = if info {
                            Node::FdInfo(t, fd)
                        } else {
                            Node::Fd(t, fd)
                        };
                        (fd.to_string().into_bytes(), node)
                    })
                    .collect()
            }
            _ => return Err(Errno::ENOTDIR),
        })
    }

    fn lookup_node(&self, name: &[u8]) -> Result<Node> {
        let s = self.src();
        let num = parse_num(name);
        let node = match (self.node, num) {
            (Node::Root, Some(p)) => {
                s.task(p).ok_or(Errno::ENOENT)?;
                Node::Pid(p)
            }
            (Node::TaskDir(p), Some(t)) => {
                let tgid = s.task(p).map(|i| i.tgid).ok_or(Errno::ENOENT)?;
                if s.task(t).is_none_or(|i| i.tgid != tgid) {
                    return Err(Errno::ENOENT);
                }
                Node::Tid(tgid, t)
            }
            (Node::FdDir(t), Some(fd)) => {
                s.fd(t, fd).ok_or(Errno::ENOENT)?;
                Node::Fd(t, fd)
            }
            (Node::FdInfoDir(t), Some(fd)) => {
                s.fd(t, fd).ok_or(Errno::ENOENT)?;
                Node::FdInfo(t, fd)
            }
            _ => {
                let found = self
                    .entries()?
                    .into_iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, node)| node);
                found.ok_or(Errno::ENOENT)?
            }
        };
        Ok(node)
    }

    fn link_target(&self) -> Result<(Option<vfs::PathRef>, Vec<u8>)> {
        let s = self.src();
        match self.node {
            Node::SelfLink => Ok((None, s.caller().0.to_string().into_bytes())),
            Node::ThreadSelf => {
                let (tgid, tid) = s.caller();
                Ok((None, format!("{tgid}/task/{tid}").into_bytes()))
            }
            Node::MountsLink => Ok((None, b"self/mounts".to_vec())),
            Node::Link(t, which) => {
                let l = s.link(t, which).ok_or(Errno::ENOENT)?;
                Ok((l.path, l.text))
            }
            Node::Fd(t, fd) => {
                let f = s.fd(t, fd).ok_or(Errno::ENOENT)?;
                Ok((f.target.path, f.target.text))
            }
            _ => Err(Errno::EINVAL),
        }
    }
}

impl Inode for ProcInode {
    fn stat(&self) -> Result<InodeAttr> {
        if !self.exists() {
            return Err(Errno::ENOENT);
        }
        let (uid, gid) = match self.task_of().and_then(|t| self.src().task(t)) {
            Some(t) => (t.uid[1], t.gid[1]),
            None => (0, 0),
        };
        let mode = self.mode();
        let nlink = if mode & S_IFDIR == S_IFDIR { 2 } else { 1 };
        let now = self.shared.mount_time;
        Ok(InodeAttr {
            dev: self.shared.dev,
            ino: self.ino(),
            mode,
            nlink,
            uid,
            gid,
            blksize: 1024,
            atime: now,
            mtime: now,
            ctime: now,
            ..InodeAttr::default()
        })
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>> {
        if !self.exists() {
            return Err(Errno::ENOENT);
        }
        Ok(self.child(self.lookup_node(name)?))
    }

    /// Linux's proc directories answer a missing name with ENOENT from
    /// lookup, before any create operation is asked for.
    fn create(&self, _name: &[u8], _new: &vfs::NewInode) -> Result<Arc<dyn Inode>> {
        Err(self.no_new_names())
    }

    fn mkdir(&self, _name: &[u8], _new: &vfs::NewInode) -> Result<Arc<dyn Inode>> {
        Err(self.no_new_names())
    }

    fn symlink(
        &self,
        _name: &[u8],
        _target: &[u8],
        _new: &vfs::NewInode,
    ) -> Result<Arc<dyn Inode>> {
        Err(self.no_new_names())
    }

    fn link(&self, _name: &[u8], _target: &Arc<dyn Inode>) -> Result<()> {
        Err(self.no_new_names())
    }

    fn readdir(&self, start: u64, sink: &mut dyn FnMut(&DirEntry) -> bool) -> Result<()> {
        if !self.exists() {
            return Err(Errno::ENOENT);
        }
        let skip = usize::try_from(start).unwrap_or(usize::MAX);
        for (name, node) in self.entries()?.into_iter().skip(skip) {
            let child = ProcInode {
                node,
                shared: self.shared.clone(),
            };
            let file_type = FileType::from_mode(child.mode()).unwrap_or(FileType::Regular);
            let e = DirEntry {
                name,
                ino: child.ino(),
                file_type,
            };
            if !sink(&e) {
                break;
            }
        }
        Ok(())
    }

    fn readlink(&self) -> Result<Vec<u8>> {
        self.link_target().map(|(_, text)| text)
    }

    fn get_link(&self) -> Result<Link> {
        match self.link_target()? {
            (Some(path), _) => Ok(Link::Jump(path)),
            (None, text) => Ok(Link::Target(text)),
        }
    }

    fn open(&self, flags: OpenFlags) -> Result<Box<dyn FileImpl>> {
        if vfs::AccessMode::of(flags).writable() || flags.contains(OpenFlags::O_TRUNC) {
            return Err(Errno::EACCES);
        }
        if !self.exists() {
            return Err(Errno::ENOENT);
        }
        if self.mode() & S_IFDIR == S_IFDIR {
            return Ok(Box::new(ProcDirFile));
        }
        Ok(Box::new(SnapshotFile::new(self.contents()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_like_linux() {
        assert_eq!(parse_num(b"42"), Some(42));
        assert_eq!(parse_num(b"0"), Some(0));
        assert_eq!(parse_num(b"042"), None);
        assert_eq!(parse_num(b"+1"), None);
        assert_eq!(parse_num(b""), None);
        assert_eq!(parse_num(b"99999999999"), None);
        assert_eq!(parse_num(b"self"), None);
    }
}
