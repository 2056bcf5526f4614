//! `runsc do CMD`: run CMD in a throw-away sandbox whose root is a host
//! directory (read-only) under a writable in-memory overlay, with the host's
//! stdin/stdout/stderr as fds 0-2 and CMD's exit status as ours.

use crate::cli::{Cli, DoArgs, NetworkArg, PlatformArg};
use crate::log;
use abi::termios::{termios, winsize};
use abi::Errno;
use anyhow::{bail, Context, Result};
use fs_host::{HostFdFile, HostFs};
use fs_overlay::OverlayFs;
use fs_tmpfs::{TmpFs, TmpFsOptions};
use kernel::clock::HostClock;
use kernel::kernel::TtyOps;
use kernel::{Config, Credentials, Kernel, ProcessSpec};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::io::OwnedFd;
use std::sync::Arc;
use vfs::{AtFlags, Filesystem, MountFlags, OpenFlags, Vfs};

/// Device numbers (`st_dev`) of the sandbox's filesystems.
const DEV_HOST: u64 = 1;
const DEV_UPPER: u64 = 2;
const DEV_ROOT: u64 = 3;
const DEV_DEV: u64 = 4;
const DEV_STDIO: u64 = 5;
const DEV_SYS: u64 = 6;
const DEV_PROC: u64 = 7;

/// Runs `runsc do` and returns the exit code to leave with.
pub fn run(cli: &Cli, args: &DoArgs) -> Result<i32> {
    if cli.network == NetworkArg::Sandbox || cli.network == NetworkArg::Host {
        // There is no network stack yet: say so rather than pretend.
        if std::env::var_os("RUNSC_QUIET_NETWORK").is_none() && cli.debug {
            eprintln!("runsc: networking is not implemented yet; the sandbox has no network");
        }
    }
    let kind = match cli.platform {
        PlatformArg::Systrap => platform::PlatformKind::Systrap,
        PlatformArg::Ptrace => platform::PlatformKind::Ptrace,
    };
    let profile = cli
        .profile
        .as_deref()
        .map(crate::profile::ProfileFile::create)
        .transpose()?;
    let vfs = root_filesystem(args)?;
    let options = platform::Options {
        systrap_wake: cli.systrap_wake.scheme(),
        ..platform::Options::default()
    };
    let plat = platform::new(kind, &options)
        .with_context(|| format!("starting the {:?} platform", cli.platform))?;
    let debug = if cli.debug || cli.debug_log.is_some() {
        Some(log::sink(cli.debug_log.as_deref())?)
    } else {
        None
    };
    let strace = if cli.strace {
        Some(log::sink(cli.debug_log.as_deref())?)
    } else {
        None
    };
    let config = Config {
        strace: cli.strace,
        profile: cli.profile.is_some(),
        vdso_fast_clock: !cli.vdso_syscall_clock,
        ..Config::default()
    };
    let k = Kernel::new(plat, vfs.clone(), config, debug, strace);
    mount_at(
        &vfs,
        b"/proc",
        kernel::procfs::new_procfs(&k, DEV_PROC),
        MountFlags::MS_NOSUID | MountFlags::MS_NODEV | MountFlags::MS_NOEXEC,
    )?;
    mount_at(
        &vfs,
        b"/sys",
        kernel::sysfs::new_sysfs(&k, DEV_SYS),
        MountFlags::MS_RDONLY
            | MountFlags::MS_NOSUID
            | MountFlags::MS_NODEV
            | MountFlags::MS_NOEXEC,
    )?;

    let creds = Credentials::default();
    let envp = environment(args);
    let path_var = envp
        .iter()
        .find_map(|e| e.strip_prefix(b"PATH="))
        .unwrap_or(b"/usr/local/bin:/usr/bin:/bin");
    let name = args.argv[0].as_bytes();
    let Some(path) = k.lookup_command(name, path_var, &creds) else {
        eprintln!("runsc: {}: command not found", args.argv[0]);
        return Ok(127);
    };
    let cwd = match &args.cwd {
        Some(c) => c.as_os_str().as_bytes().to_vec(),
        None => std::env::current_dir()
            .map(|d| d.as_os_str().as_bytes().to_vec())
            .unwrap_or_else(|_| b"/".to_vec()),
    };
    let spec = ProcessSpec {
        path,
        argv: args.argv.iter().map(|a| a.as_bytes().to_vec()).collect(),
        envp,
        cwd,
        creds,
        umask: 0o022,
        files: stdio(&k)?,
    };
    let task = match k.spawn(spec) {
        Ok(t) => t,
        Err(e) => {
            // The Linux errno first (what execve would have returned), then
            // the loader's own explanation.
            eprintln!("runsc: {}: {e}", e.errno());
            // A shell's codes: 127 not found, 126 found but not runnable.
            return Ok(match e.errno() {
                abi::Errno::ENOENT => 127,
                _ => 126,
            });
        }
    };
    // Init runs on this thread; every process it starts runs on its own.
    // We return once all of them are gone.
    let started = std::time::Instant::now();
    let result = k.run_init(task);
    if let Some(out) = profile {
        out.write(&k, &args.argv, started.elapsed())?;
    }
    let status = result.context("running the sandbox")?;
    Ok(status.shell_code())
}

/// The sandbox's mount tree: overlay(tmpfs over host `--root`) at `/` and
/// devfs at `/dev`. `/proc` and `/sys` (ours, read-only, so the host's own
/// are never visible through the lower layer) need the kernel, so [`run`]
/// mounts them once the kernel exists.
fn root_filesystem(args: &DoArgs) -> Result<Arc<Vfs>> {
    let clock: Arc<dyn vfs::Clock> = Arc::new(HostClock);
    let meta =
        std::fs::metadata(&args.root).with_context(|| format!("--root {}", args.root.display()))?;
    if !meta.is_dir() {
        bail!("--root {} is not a directory", args.root.display());
    }
    let lower: Arc<dyn Filesystem> = HostFs::open(&args.root, DEV_HOST)
        .map_err(|e| anyhow::anyhow!("opening {}: {e}", args.root.display()))?;
    let upper = TmpFs::new(
        TmpFsOptions {
            dev: DEV_UPPER,
            root_mode: 0o755,
            ..TmpFsOptions::default()
        },
        clock.clone(),
    )
    .map_err(|e| anyhow::anyhow!("creating the overlay's upper layer: {e}"))?;
    let root = OverlayFs::new(DEV_ROOT, upper, &[lower])
        .map_err(|e| anyhow::anyhow!("creating the root overlay: {e}"))?;
    let vfs = Arc::new(Vfs::new(root, MountFlags::empty(), clock.clone()));
    vfs.set_special_opener(Arc::new(fs_dev::DevOpener::new(None)));
    let devfs = fs_dev::new_devfs(DEV_DEV, clock.clone())
        .map_err(|e| anyhow::anyhow!("creating /dev: {e}"))?;
    mount_at(&vfs, b"/dev", devfs, MountFlags::empty())?;
    Ok(vfs)
}

/// Mounts `fs` on `path`, creating the mount point in the overlay if the
/// root has none.
fn mount_at(vfs: &Vfs, path: &[u8], fs: Arc<dyn Filesystem>, flags: MountFlags) -> Result<()> {
    let cred = vfs::Credentials::root();
    let root = vfs.root();
    let ctx = vfs::Context::new(&cred, &root);
    let at = match vfs.resolve(&ctx, &root, path, AtFlags::empty()) {
        Ok(at) => at,
        Err(_) => {
            let _ = vfs.mkdirat(&ctx, &root, path, 0o755);
            vfs.resolve(&ctx, &root, path, AtFlags::empty())
                .map_err(|e| {
                    anyhow::anyhow!("mount point {}: {e}", String::from_utf8_lossy(path))
                })?
        }
    };
    vfs.mount(&at, fs, flags)
        .map_err(|e| anyhow::anyhow!("mounting {}: {e}", String::from_utf8_lossy(path)))?;
    Ok(())
}

/// The host's environment with `--env` settings applied on top.
fn environment(args: &DoArgs) -> Vec<Vec<u8>> {
    let mut env: Vec<Vec<u8>> = std::env::vars_os()
        .map(|(k, v)| {
            let mut e = k.as_bytes().to_vec();
            e.push(b'=');
            e.extend_from_slice(v.as_bytes());
            e
        })
        .collect();
    for kv in &args.env {
        let key = kv.split('=').next().unwrap_or(kv);
        env.retain(|e| e.split(|&b| b == b'=').next() != Some(key.as_bytes()));
        env.push(kv.as_bytes().to_vec());
    }
    env
}

/// The host's stdin, stdout and stderr as the sandbox's fds 0-2; those
/// that are terminals are registered with `k` so the terminal `ioctl`s
/// reach the host terminal.
fn stdio(k: &Kernel) -> Result<Vec<(i32, Arc<vfs::FileDescription>)>> {
    let mut files = Vec::new();
    for (fd, flags) in [
        (0, OpenFlags::empty()),
        (1, OpenFlags::O_WRONLY),
        (2, OpenFlags::O_WRONLY),
    ] {
        let host: OwnedFd = match fd {
            0 => std::io::stdin().as_fd_owned(),
            1 => std::io::stdout().as_fd_owned(),
            _ => std::io::stderr().as_fd_owned(),
        }
        .with_context(|| format!("duplicating host fd {fd}"))?;
        let Ok(file) = HostFdFile::new(host) else {
            continue; // closed on the host: closed in the sandbox too
        };
        let file = Arc::new(file);
        let desc = HostFdFile::into_description(file.clone(), DEV_STDIO, flags)
            .map_err(|e| anyhow::anyhow!("host fd {fd}: {e}"))?;
        let desc = Arc::new(desc);
        if file.is_tty() {
            k.register_tty(&desc, Arc::new(HostTty(file)));
        }
        files.push((fd, desc));
    }
    Ok(files)
}

/// The kernel's view of a host terminal: [`HostFdFile`]'s typed terminal
/// requests behind [`TtyOps`].
struct HostTty(Arc<HostFdFile>);

impl TtyOps for HostTty {
    fn tcgets(&self) -> Result<termios, Errno> {
        self.0.tcgets()
    }

    fn tcsets(&self, request: u32, new: &termios) -> Result<(), Errno> {
        self.0.tcsets(request, new)
    }

    fn tiocgwinsz(&self) -> Result<winsize, Errno> {
        self.0.tiocgwinsz()
    }

    fn tiocswinsz(&self, size: &winsize) -> Result<(), Errno> {
        self.0.tiocswinsz(size)
    }
}

/// Duplicates a standard stream's descriptor into an owned one.
trait AsFdOwned {
    fn as_fd_owned(&self) -> std::io::Result<OwnedFd>;
}

impl<T: std::os::unix::io::AsFd> AsFdOwned for T {
    fn as_fd_owned(&self) -> std::io::Result<OwnedFd> {
        self.as_fd().try_clone_to_owned()
    }
}
