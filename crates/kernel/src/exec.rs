//! `execve`: replaces a task's program with a new one read through the VFS.
//!
//! The new image is prepared completely — file opened and checked, `#!`
//! interpreters followed, ELF headers validated, the interpreter loaded, a
//! fresh address space mapped and its stack written — before anything of
//! the old program is touched, so a failing `execve` returns its errno to
//! a caller that is still intact, as Linux's does up to its point of no
//! return.

use std::sync::Arc;

use abi::mman::{MapFlags, ProtFlags};
use abi::Errno;
use elf::{AuxvValues, ElfError, ElfFile, LoadBase, LoadPlan, ReadAt, Role, StackSpec};
use mm::{Layout, MemoryManager, MmapFile, MmapRequest, PAGE_SIZE};
use vfs::{Access, FileDescription, FileType, OpenFlags, PathRef};

use crate::file_pages::FilePages;
use crate::limits::RLIMIT_STACK;
use crate::memory::TaskMemory;
use crate::task::Task;
use crate::usermem::UserMemory;

/// Linux's `BINPRM_BUF_SIZE`: how much of the file `execve` looks at first.
const BINPRM_BUF_SIZE: usize = 256;
/// How many nested `#!` interpreters Linux follows (`ELOOP` beyond).
const MAX_SCRIPT_DEPTH: usize = 4;
/// The initial stack mapping size beyond the argument area.
const STACK_EXTRA: u64 = 128 * 1024;
/// Gap between the stack top and where top-down `mmap` placement starts.
const MMAP_GAP: u64 = 128 << 20;

/// Why an `execve` failed, with enough context for a clear message; the
/// application sees [`ExecError::errno`].
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// Resolving or opening the file failed.
    #[error("{path}: cannot open: {errno}")]
    Open {
        /// The path as given.
        path: String,
        /// Why.
        errno: Errno,
    },
    /// The file is a directory or another non-regular file (`EACCES`).
    #[error("{path}: not a regular file ({kind})")]
    NotRegular {
        /// The path as given.
        path: String,
        /// What it is instead.
        kind: &'static str,
    },
    /// No execute permission (`EACCES`).
    #[error("{path}: permission denied")]
    NoExec {
        /// The path as given.
        path: String,
    },
    /// The ELF image (or its interpreter) is malformed or foreign.
    #[error("{path}: {source}")]
    Elf {
        /// The path as given.
        path: String,
        /// The loader's verdict.
        source: ElfError,
    },
    /// Not ELF and not a script (`ENOEXEC`).
    #[error("{path}: exec format error (neither ELF nor #! script)")]
    Format {
        /// The path as given.
        path: String,
    },
    /// Too many nested `#!` interpreters (`ELOOP`).
    #[error("{path}: too many levels of #! interpreters")]
    ScriptLoop {
        /// The path as given.
        path: String,
    },
    /// The arguments do not fit (`E2BIG`) or the stack could not be built.
    #[error("building the initial stack: {0}")]
    Stack(#[from] elf::StackError),
    /// Building the new address space failed.
    #[error("setting up the address space: {0}")]
    Memory(Errno),
}

impl ExecError {
    /// The errno `execve` returns for this failure.
    pub fn errno(&self) -> Errno {
        match self {
            ExecError::Open { errno, .. } => *errno,
            ExecError::NotRegular { .. } | ExecError::NoExec { .. } => Errno::EACCES,
            ExecError::Elf { source, .. } => source.errno(),
            ExecError::Format { .. } => Errno::ENOEXEC,
            ExecError::ScriptLoop { .. } => Errno::ELOOP,
            ExecError::Stack(e) => e.errno(),
            ExecError::Memory(e) => *e,
        }
    }
}

/// What to execute: the path as the caller gave it, the directory relative
/// paths start from, and the argument and environment strings.
#[derive(Clone)]
pub struct ExecRequest {
    /// The path as given (`AT_EXECFN`, `/proc/self/exe` when absolute).
    pub path: Vec<u8>,
    /// The directory `path` is relative to (`None`: the cwd).
    pub dir: Option<PathRef>,
    /// `argv`.
    pub argv: Vec<Vec<u8>>,
    /// `envp`.
    pub envp: Vec<Vec<u8>>,
}

/// Reads a [`FileDescription`] for the ELF parser.
struct FileReader<'a>(&'a FileDescription);

impl ReadAt for FileReader<'_> {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut done = 0;
        while done < buf.len() {
            let at = offset.checked_add(done as u64).ok_or(Errno::EINVAL)?;
            let n = self.0.pread(&mut buf[done..], at)?;
            if n == 0 {
                break;
            }
            done += n;
        }
        Ok(done)
    }
}

fn lossy(p: &[u8]) -> String {
    String::from_utf8_lossy(p).into_owned()
}

fn kind_name(t: Option<FileType>) -> &'static str {
    match t {
        Some(FileType::Directory) => "is a directory",
        Some(FileType::Symlink) => "is a symbolic link",
        Some(FileType::CharDevice) => "is a character device",
        Some(FileType::BlockDevice) => "is a block device",
        Some(FileType::Fifo) => "is a FIFO",
        Some(FileType::Socket) => "is a socket",
        _ => "is not a regular file",
    }
}

/// Opens `path` for execution: regular file with execute permission.
fn open_exec(t: &Task, dir: &PathRef, path: &[u8]) -> Result<Arc<FileDescription>, ExecError> {
    let cred = t.creds.to_vfs();
    let ctx = vfs::Context::new(&cred, &t.fs.root);
    let open_err = |e: vfs::Errno| ExecError::Open {
        path: lossy(path),
        errno: e,
    };
    let file = t
        .kernel()
        .vfs()
        .openat(&ctx, dir, path, OpenFlags::empty(), 0)
        .map_err(open_err)?;
    let attr = file.stat().map_err(open_err)?;
    if attr.file_type() != Some(FileType::Regular) {
        return Err(ExecError::NotRegular {
            path: lossy(path),
            kind: kind_name(attr.file_type()),
        });
    }
    if cred.check(&attr, Access::MAY_EXEC).is_err() || attr.mode & 0o111 == 0 {
        return Err(ExecError::NoExec { path: lossy(path) });
    }
    Ok(file)
}

/// The host's hardware capabilities and signal stack minimum, which are
/// the application's too: it runs on the same CPU.
fn host_auxv(v: &mut AuxvValues) {
    let (hwcap, hwcap2) = rustix::param::linux_hwcap();
    v.hwcap = hwcap as u64;
    v.hwcap2 = hwcap2 as u64;
    v.minsigstksz = rustix::param::linux_minsigstksz() as u64;
}

fn mem_err(e: Errno) -> ExecError {
    ExecError::Memory(e)
}

/// Maps the segments of `plan` from `pages` into `mem`.
fn map_image(
    mem: &mut TaskMemory,
    plan: &LoadPlan,
    pages: &Arc<FilePages>,
) -> Result<(), ExecError> {
    let fixed = u64::from((MapFlags::MAP_PRIVATE | MapFlags::MAP_FIXED).bits());
    let anon = fixed | u64::from(MapFlags::MAP_ANONYMOUS.bits());
    for seg in &plan.segments {
        let prot = u64::from(seg.prot.bits());
        if let Some(f) = seg.file {
            let backing: Arc<dyn mm::FileBacking> = pages.clone();
            let req = MmapRequest {
                addr: f.addr,
                len: f.len,
                prot,
                flags: fixed,
                offset: f.offset,
                file: Some(MmapFile {
                    backing,
                    max_prot: ProtFlags::all(),
                }),
                name: None,
            };
            mem.with_mm(|m| m.mmap(req))
                .map_err(mem_err)?
                .map_err(mem_err)?;
        }
        if let Some((start, end)) = seg.zero {
            let zeros = vec![0u8; (end.saturating_sub(start) as usize).min(PAGE_SIZE as usize)];
            mem.write_bytes(start, &zeros).map_err(mem_err)?;
        }
        if let Some(a) = seg.anon {
            let req = MmapRequest {
                addr: a.addr,
                len: a.len,
                prot: u64::from(a.prot.bits()),
                flags: anon,
                ..Default::default()
            };
            mem.with_mm(|m| m.mmap(req))
                .map_err(mem_err)?
                .map_err(mem_err)?;
        }
    }
    Ok(())
}

/// Finds a free range of `len` bytes for the interpreter, as `mmap` would.
fn pick_base(mem: &mut TaskMemory, len: u64) -> Result<u64, ExecError> {
    let flags = u64::from((MapFlags::MAP_PRIVATE | MapFlags::MAP_ANONYMOUS).bits());
    let req = MmapRequest {
        addr: 0,
        len,
        prot: 0,
        flags,
        ..Default::default()
    };
    let addr = mem
        .with_mm(|m| m.mmap(req))
        .map_err(mem_err)?
        .map_err(mem_err)?;
    mem.with_mm(|m| m.munmap(addr, len))
        .map_err(mem_err)?
        .map_err(mem_err)?;
    Ok(addr)
}

/// The program to load after following `#!` lines: its open file, ELF
/// header, and the final argv.
struct Resolved {
    file: Arc<FileDescription>,
    path: Vec<u8>,
    elf: ElfFile,
    argv: Vec<Vec<u8>>,
}

fn resolve(t: &Task, req: &ExecRequest) -> Result<Resolved, ExecError> {
    let mut dir = req.dir.clone().unwrap_or_else(|| t.fs.cwd.clone());
    let mut path = req.path.clone();
    let mut argv = req.argv.clone();
    for _ in 0..=MAX_SCRIPT_DEPTH {
        let file = open_exec(t, &dir, &path)?;
        let mut head = [0u8; BINPRM_BUF_SIZE];
        let n = FileReader(&file)
            .read_at(0, &mut head)
            .map_err(|errno| ExecError::Open {
                path: lossy(&path),
                errno,
            })?;
        let head = &head[..n];
        if head.starts_with(b"#!") {
            let sb =
                elf::parse_shebang(head).map_err(|_| ExecError::Format { path: lossy(&path) })?;
            let mut new_argv = vec![sb.interpreter.clone()];
            new_argv.extend(sb.arg);
            new_argv.push(path.clone());
            new_argv.extend(argv.into_iter().skip(1));
            argv = new_argv;
            path = sb.interpreter;
            dir = t.fs.cwd.clone();
            continue;
        }
        if !head.starts_with(b"\x7fELF") {
            return Err(ExecError::Format { path: lossy(&path) });
        }
        let elf = ElfFile::read(&FileReader(&file), Role::Executable).map_err(|source| {
            ExecError::Elf {
                path: lossy(&path),
                source,
            }
        })?;
        return Ok(Resolved {
            file,
            path,
            elf,
            argv,
        });
    }
    Err(ExecError::ScriptLoop {
        path: lossy(&req.path),
    })
}

/// The initial FPU state: x87 control word and MXCSR at their reset
/// values, everything else in its init state.
pub fn init_fpstate() -> platform::FpState {
    let mut bytes = vec![0u8; platform::xsave_size()];
    if let Some(fcw) = bytes.get_mut(0..2) {
        fcw.copy_from_slice(&0x037fu16.to_le_bytes());
    }
    if let Some(mxcsr) = bytes.get_mut(24..28) {
        mxcsr.copy_from_slice(&0x1f80u32.to_le_bytes());
    }
    platform::FpState { bytes }
}

/// Replaces `t`'s program as `execve(2)` does. On error nothing of the
/// task has changed.
pub fn execve(t: &mut Task, req: ExecRequest) -> Result<(), ExecError> {
    let r = resolve(t, &req)?;
    let k = t.kernel().clone();
    let memfile = k.platform().memory_file().clone();
    let elf_err = |path: &[u8], source: ElfError| ExecError::Elf {
        path: lossy(path),
        source,
    };

    // A fresh address space laid out like Linux's: stack at the top, mmap
    // area below it, the program where its headers say.
    let (lo, hi) = k.platform().address_range();
    let stack_top = hi & !(PAGE_SIZE - 1);
    let layout = Layout {
        min_addr: lo.max(Layout::default().min_addr),
        max_addr: stack_top,
        mmap_base: stack_top.saturating_sub(MMAP_GAP),
    };
    let limits = t.mem.mm().limits();
    let space = k
        .platform()
        .new_address_space()
        .map_err(|_| ExecError::Memory(Errno::ENOMEM))?;
    let mut mem = TaskMemory::new(
        MemoryManager::new(k.frames().clone(), layout, limits),
        space,
        memfile.clone(),
    );

    let exe_plan = r
        .elf
        .plan(LoadBase::Default)
        .map_err(|e| elf_err(&r.path, e))?;
    let exe_name = r
        .file
        .path()
        .map(|p| crate::path::d_path(p, &t.fs.root))
        .unwrap_or_else(|| r.path.clone());
    let exe_pages = Arc::new(
        FilePages::new(
            r.file.clone(),
            lossy(&exe_name),
            k.frames().clone(),
            memfile.clone(),
        )
        .map_err(mem_err)?,
    );
    map_image(&mut mem, &exe_plan, &exe_pages)?;

    let interp_plan = match &exe_plan.interp {
        None => None,
        Some(ipath) => {
            let root = t.fs.root.clone();
            let ifile = open_exec(t, &root, ipath).map_err(|e| match e {
                ExecError::NoExec { path } | ExecError::NotRegular { path, .. } => {
                    ExecError::Open {
                        path,
                        errno: Errno::EACCES,
                    }
                }
                other => other,
            })?;
            let ielf = ElfFile::read(&FileReader(&ifile), Role::Interpreter)
                .map_err(|e| elf_err(ipath, e.in_interpreter()))?;
            let base = pick_base(&mut mem, ielf.total_mapping_size())?;
            let plan = ielf
                .plan(LoadBase::At(base))
                .map_err(|e| elf_err(ipath, e.in_interpreter()))?;
            let iname = ifile
                .path()
                .map(|p| crate::path::d_path(p, &t.fs.root))
                .unwrap_or_else(|| ipath.clone());
            let pages = Arc::new(
                FilePages::new(ifile, lossy(&iname), k.frames().clone(), memfile.clone())
                    .map_err(mem_err)?,
            );
            map_image(&mut mem, &plan, &pages)?;
            Some(plan)
        }
    };
    mem.mm().set_start_brk(exe_plan.brk_start);
    let vdso = crate::vdso::map_vdso(&mut mem, &k, &memfile).map_err(mem_err)?;

    // The initial stack.
    let mut auxv = AuxvValues::new(&exe_plan, interp_plan.as_ref());
    host_auxv(&mut auxv);
    auxv.sysinfo_ehdr = Some(vdso);
    auxv.uid = u64::from(t.creds.uid);
    auxv.euid = u64::from(t.creds.euid);
    auxv.gid = u64::from(t.creds.gid);
    auxv.egid = u64::from(t.creds.egid);
    let mut random = [0u8; 16];
    rustix::rand::getrandom(&mut random[..], rustix::rand::GetRandomFlags::empty())
        .map_err(|_| ExecError::Memory(Errno::EIO))?;
    let stack_cur = t.tg().rlimits.get(RLIMIT_STACK).rlim_cur;
    let spec = StackSpec {
        stack_top,
        execfn: &req.path,
        random,
        platform: Some(b"x86_64"),
        arg_limit: elf::arg_limit(stack_cur),
        auxv,
    };
    let stack = elf::build_initial_stack(&r.argv, &req.envp, &spec)?;
    let stack_len = (stack.bytes.len() as u64).div_ceil(PAGE_SIZE) * PAGE_SIZE + STACK_EXTRA;
    let mut prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    if exe_plan.exec_stack.is_executable() {
        prot |= ProtFlags::PROT_EXEC;
    }
    let flags = MapFlags::MAP_PRIVATE
        | MapFlags::MAP_ANONYMOUS
        | MapFlags::MAP_FIXED
        | MapFlags::MAP_GROWSDOWN;
    let sreq = MmapRequest {
        addr: stack_top - stack_len,
        len: stack_len,
        prot: u64::from(prot.bits()),
        flags: u64::from(flags.bits()),
        ..Default::default()
    };
    mem.with_mm(|m| m.mmap(sreq))
        .map_err(mem_err)?
        .map_err(mem_err)?;
    mem.mm().set_start_stack(stack.sp);
    mem.write_bytes(stack.sp, &stack.bytes).map_err(mem_err)?;

    // Point of no return: install the new image.
    let entry = interp_plan.as_ref().map_or(exe_plan.entry, |p| p.entry);
    t.mem = mem;
    // A new address space has no membarrier registrations (Linux resets
    // them in exec_mmap).
    t.tg().membarrier = 0;
    t.cpu.regs = platform::Regs {
        rip: entry,
        rsp: stack.sp,
        cs: 0x33,
        ss: 0x2b,
        eflags: 0x202,
        ..platform::Regs::default()
    };
    t.cpu.fpstate = platform::FpState::default();
    // The process counts as exec'd (`setpgid` by its parent fails with
    // `EACCES`) before the close-on-exec fds go: a parent that waits for
    // EOF on such a pipe must already see it.
    let pid = t.pid();
    if let Some(g) = t.kernel().table().groups.get_mut(&pid) {
        g.execed = true;
    }
    t.fds.remove_cloexec();
    t.tg().handlers.reset_for_exec();
    let timers = t.tg().posix_timers.clone();
    timers.clear();
    t.signals.altstack = abi::signal::stack_t {
        ss_flags: abi::signal::SS_DISABLE,
        ..Default::default()
    };
    t.robust_list = (0, 0);
    t.clear_child_tid = 0;
    let base = r.path.rsplit(|&b| b == b'/').next().unwrap_or(&r.path);
    t.comm = base.iter().copied().take(15).collect();
    t.exe = exe_name;
    t.exe_at = r.file.path().cloned();
    t.argv = r.argv;
    t.envp = req.envp;
    t.auxv = stack.auxv.clone();
    t.layout = crate::view::ExecLayout {
        start_code: exe_plan.start_code,
        end_code: exe_plan.end_code,
        start_data: exe_plan.start_data,
        end_data: exe_plan.end_data,
        start_brk: exe_plan.brk_start,
        start_stack: stack.sp,
        arg_start: stack.arg_start,
        arg_end: stack.arg_end,
        env_start: stack.env_start,
        env_end: stack.env_end,
    };
    t.publish();
    Ok(())
}
