//! A test double of the platform (no stub process: contexts cannot run
//! code) and a task built over it, for tests that drive the dispatcher
//! directly.

use std::sync::{Arc, Mutex};

use kernel::memory::TaskMemory;
use kernel::task::{FsContext, TaskInit, ThreadGroup};
use kernel::{dispatch, Config, Credentials, Kernel, Sink, SyscallArgs, Task};
use platform::{AddressSpace, Context, CpuState, Event, Interrupter, MemoryFile, Platform, Prot};

/// An address space that records nothing and accepts every request.
#[derive(Debug)]
pub struct FakeSpace;

impl AddressSpace for FakeSpace {
    fn map(&self, _addr: u64, _len: u64, _prot: Prot, _off: u64) -> platform::Result<()> {
        Ok(())
    }
    fn unmap(&self, _addr: u64, _len: u64) -> platform::Result<()> {
        Ok(())
    }
    fn protect(&self, _addr: u64, _len: u64, _prot: Prot) -> platform::Result<()> {
        Ok(())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A context that cannot run anything (the dispatcher test never switches).
pub struct FakeContext;

impl Context for FakeContext {
    fn switch(
        &mut self,
        _s: &Arc<dyn AddressSpace>,
        _st: &mut CpuState,
    ) -> platform::Result<Event> {
        Err(platform::Error::Invalid("fake context does not run code"))
    }
    fn interrupter(&self) -> Interrupter {
        Interrupter(Arc::new(|| {}))
    }
}

pub struct FakePlatform {
    /// The memory file.
    pub memfile: Arc<MemoryFile>,
}

impl Platform for FakePlatform {
    fn name(&self) -> &'static str {
        "fake"
    }
    fn memory_file(&self) -> &Arc<MemoryFile> {
        &self.memfile
    }
    fn new_address_space(&self) -> platform::Result<Arc<dyn AddressSpace>> {
        Ok(Arc::new(FakeSpace))
    }
    fn new_context(&self) -> platform::Result<Box<dyn Context>> {
        Ok(Box::new(FakeContext))
    }
    fn address_range(&self) -> (u64, u64) {
        (0x10000, 0x7fff_0000_0000)
    }
}

pub const MEM: u64 = 64 << 20;
/// Where the test maps a scratch area, so some pointers are valid.
pub const SCRATCH: u64 = 0x1000_0000;

/// A task (pid 1) over the fake platform with `/out` as fd 1 and a
/// scratch mapping at [`SCRATCH`]; `debug` receives the debug log.
pub fn task_with(debug: Option<Arc<dyn Sink>>) -> Task {
    task_with_limit(debug, Config::default().max_tasks)
}

/// [`task_with`] in a kernel that allows `max_tasks` tasks.
pub fn task_with_limit(debug: Option<Arc<dyn Sink>>, max_tasks: usize) -> Task {
    let plat = Arc::new(FakePlatform {
        memfile: Arc::new(MemoryFile::new(MEM).expect("memfd")),
    });
    let vfs = super::tmpfs_vfs();
    super::put_file(&vfs, "/etc/hosts", b"127.0.0.1 localhost\n", 0o644);
    let config = Config {
        memory_limit: MEM,
        max_tasks,
        ..Config::default()
    };
    let k = Kernel::new(plat.clone(), vfs.clone(), config, debug, None);
    let root = vfs.root();
    let pid = k.alloc_pid();
    let tg = ThreadGroup::new(pid, 0, pid, pid);
    let mm = mm::MemoryManager::new(
        k.frames().clone(),
        mm::Layout::default(),
        mm::Limits::default(),
    );
    let init = TaskInit {
        tg: Arc::new(Mutex::new(tg)),
        creds: Credentials::default(),
        fs: FsContext {
            root: root.clone(),
            cwd: root,
            umask: 0o022,
        },
        mem: TaskMemory::new(mm, Arc::new(FakeSpace), plat.memfile.clone()),
        context: Box::new(FakeContext),
    };
    let mut t = Task::new(k, pid, init);
    let out = super::open_rw(&vfs, "/out");
    t.fds.insert_at(1, out, false, 1024).expect("fd 1");
    // A scratch mapping so that some random pointers land in memory.
    let map = SyscallArgs::new(9, [SCRATCH, 1 << 16, 3, 0x22 | 0x10, u64::MAX, 0]);
    assert_eq!(dispatch(&mut t, &map), Some(SCRATCH));
    t
}

/// [`task_with`] without a debug log.
pub fn task() -> Task {
    task_with(None)
}

/// Another thread of `t`'s process (same address space, descriptors and
/// filesystem context), as `clone(CLONE_THREAD | ...)` would make it, but
/// not running.
pub fn thread_of(t: &Task) -> Task {
    let tid = t.kernel().alloc_pid();
    let init = TaskInit {
        tg: t.tg.clone(),
        creds: t.creds.clone(),
        fs: t.fs.clone(),
        mem: t.mem.clone(),
        context: Box::new(FakeContext),
    };
    Task::with_files(t.kernel().clone(), tid, init, t.fds.clone(), None)
}
