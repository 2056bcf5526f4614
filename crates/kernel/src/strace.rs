//! `--strace`: one line per system call with decoded arguments and the
//! result, in the spirit of gVisor's strace output:
//!
//! ```text
//! [   1:   1] openat(AT_FDCWD, "/etc/os-release", O_RDONLY|O_CLOEXEC, 0o0) = 3
//! [   1:   1] read(3, "PRETTY_NAME=\"Debian"..., 4096) = 267
//! [   1:   1] open(0x0, O_RDONLY, 0o0) = -1 EFAULT (Bad address)
//! ```
//!
//! Calls that do not return (`execve` on success, `exit`, `exit_group`,
//! `rt_sigreturn`) are logged on entry as well, marked `...`.

use std::fmt::Write;

use abi::Errno;

use crate::syscalls::{self, SysResult, SysRet, SyscallArgs};
use crate::task::Task;
use crate::usermem::{copy_in_cstring, UserMemory};

/// How to show one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arg {
    /// Signed decimal (`int`, `long`).
    Int,
    /// Unsigned decimal (`size_t`, counts).
    UInt,
    /// Hexadecimal (pointers, opaque words).
    Hex,
    /// A file descriptor, `AT_FDCWD` by name.
    Fd,
    /// A NUL-terminated path or string, quoted.
    Path,
    /// An input buffer whose length is argument `n`.
    InBuf(usize),
    /// An output buffer, shown after the call with the returned length.
    OutBuf,
    /// `O_*` flags.
    OpenFlags,
    /// `AT_*` flags.
    AtFlags,
    /// A mode, in octal.
    Mode,
    /// `PROT_*` bits.
    Prot,
    /// `MAP_*` bits.
    MapFlags,
    /// A signal number by name.
    Signal,
    /// An `arch_prctl` code by name.
    ArchCode,
}

use Arg::*;

/// The argument kinds of the calls we decode specially; everything else
/// shows six hex words trimmed to the number the call takes... which we do
/// not know, so three.
fn spec(name: &str) -> &'static [Arg] {
    match name {
        "read" => &[Fd, OutBuf, UInt],
        "write" => &[Fd, InBuf(2), UInt],
        "pread64" => &[Fd, OutBuf, UInt, Int],
        "pwrite64" => &[Fd, InBuf(2), UInt, Int],
        "readv" | "writev" | "preadv" | "pwritev" | "preadv2" | "pwritev2" => {
            &[Fd, Hex, UInt, Int, Int, Hex]
        }
        "open" => &[Path, OpenFlags, Mode],
        "openat" => &[Fd, Path, OpenFlags, Mode],
        "openat2" => &[Fd, Path, Hex, UInt],
        "creat" => &[Path, Mode],
        "close" | "fsync" | "fdatasync" | "fchdir" | "dup" => &[Fd],
        "close_range" => &[Fd, Fd, Hex],
        "dup2" => &[Fd, Fd],
        "dup3" => &[Fd, Fd, OpenFlags],
        "fcntl" => &[Fd, Int, Hex],
        "ioctl" => &[Fd, Hex, Hex],
        "lseek" => &[Fd, Int, Int],
        "stat" | "lstat" | "statfs" => &[Path, Hex],
        "fstat" | "fstatfs" => &[Fd, Hex],
        "newfstatat" => &[Fd, Path, Hex, AtFlags],
        "statx" => &[Fd, Path, AtFlags, Hex, Hex],
        "access" => &[Path, Mode],
        "faccessat" => &[Fd, Path, Mode],
        "faccessat2" => &[Fd, Path, Mode, AtFlags],
        "readlink" => &[Path, Hex, UInt],
        "readlinkat" => &[Fd, Path, Hex, UInt],
        "mkdir" | "chmod" => &[Path, Mode],
        "mkdirat" | "fchmodat" => &[Fd, Path, Mode],
        "unlink" | "rmdir" | "chdir" | "chroot" => &[Path],
        "unlinkat" => &[Fd, Path, AtFlags],
        "rename" | "symlink" | "link" => &[Path, Path],
        "renameat" | "linkat" => &[Fd, Path, Fd, Path, AtFlags],
        "renameat2" => &[Fd, Path, Fd, Path, Hex],
        "symlinkat" => &[Path, Fd, Path],
        "truncate" => &[Path, Int],
        "ftruncate" => &[Fd, Int],
        "getdents64" => &[Fd, Hex, UInt],
        "getcwd" => &[Hex, UInt],
        "umask" => &[Mode],
        "pipe" => &[Hex],
        "pipe2" => &[Hex, OpenFlags],
        "mmap" => &[Hex, UInt, Prot, MapFlags, Fd, Hex],
        "mprotect" => &[Hex, UInt, Prot],
        "munmap" => &[Hex, UInt],
        "brk" => &[Hex],
        "mremap" => &[Hex, UInt, UInt, Hex, Hex],
        "madvise" => &[Hex, UInt, Int],
        "rt_sigaction" => &[Signal, Hex, Hex, UInt],
        "rt_sigprocmask" => &[Int, Hex, Hex, UInt],
        "kill" | "tkill" => &[Int, Signal],
        "tgkill" => &[Int, Int, Signal],
        "execve" => &[Path, Hex, Hex],
        "execveat" => &[Fd, Path, Hex, Hex, AtFlags],
        "exit" | "exit_group" => &[Int],
        "arch_prctl" => &[ArchCode, Hex],
        "set_tid_address" => &[Hex],
        "set_robust_list" => &[Hex, UInt],
        "clock_gettime" | "clock_getres" => &[Int, Hex],
        "getrandom" => &[Hex, UInt, Hex],
        "prlimit64" => &[Int, Int, Hex, Hex],
        "getpid" | "getppid" | "gettid" | "getuid" | "geteuid" | "getgid" | "getegid"
        | "sched_yield" | "getpgrp" | "setsid" | "rt_sigreturn" => &[],
        _ => &[Hex, Hex, Hex],
    }
}

/// Quotes up to 64 bytes like strace, with `...` when there was more.
fn quote(bytes: &[u8], out: &mut String) {
    out.push('"');
    for &b in bytes.iter().take(64) {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push('"');
    if bytes.len() > 64 {
        out.push_str("...");
    }
}

fn flags<F: bitflags::Flags<Bits = u32>>(v: u32, out: &mut String) {
    let mut first = true;
    for (name, _) in F::from_bits_retain(v).iter_names() {
        if !first {
            out.push('|');
        }
        first = false;
        out.push_str(name);
    }
    let rest = v & !F::all().bits();
    if rest != 0 {
        if !first {
            out.push('|');
        }
        first = false;
        let _ = write!(out, "{rest:#x}");
    }
    if first {
        out.push('0');
    }
}

fn open_flags(v: u32, out: &mut String) {
    out.push_str(match v & abi::fcntl::O_ACCMODE {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        2 => "O_RDWR",
        _ => "O_ACCMODE",
    });
    let rest = v & !abi::fcntl::O_ACCMODE;
    if rest != 0 {
        out.push('|');
        flags::<abi::fcntl::OpenFlags>(rest, out);
    }
}

fn signal_name(sig: i32) -> Option<&'static str> {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    usize::try_from(sig)
        .ok()
        .and_then(|s| s.checked_sub(1))
        .and_then(|i| NAMES.get(i).copied())
}

fn read_prefix(m: &mut dyn UserMemory, addr: u64, len: u64) -> Option<Vec<u8>> {
    let n = len.min(65) as usize;
    let mut buf = vec![0u8; n];
    m.read_bytes(addr, &mut buf).ok()?;
    Some(buf)
}

fn format_arg(
    t: &mut Task,
    a: &SyscallArgs,
    i: usize,
    kind: Arg,
    ret: Option<u64>,
    out: &mut String,
) {
    let v = a.u64(i);
    match kind {
        Int => {
            let _ = write!(out, "{}", v as i64);
        }
        UInt => {
            let _ = write!(out, "{v}");
        }
        Hex => {
            let _ = write!(out, "{v:#x}");
        }
        Fd => {
            if a.i32(i) == abi::fcntl::AT_FDCWD {
                out.push_str("AT_FDCWD");
            } else {
                let _ = write!(out, "{}", a.i32(i));
            }
        }
        Path => match copy_in_cstring(t.mem(), v, 4096, Errno::ENAMETOOLONG) {
            Ok(s) => quote(&s, out),
            Err(_) => {
                let _ = write!(out, "{v:#x}");
            }
        },
        InBuf(len_i) => match read_prefix(t.mem(), v, a.u64(len_i)) {
            Some(b) => quote(&b, out),
            None => {
                let _ = write!(out, "{v:#x}");
            }
        },
        OutBuf => match ret.and_then(|n| read_prefix(t.mem(), v, n)) {
            Some(b) => quote(&b, out),
            None => {
                let _ = write!(out, "{v:#x}");
            }
        },
        OpenFlags => open_flags(a.u32(i), out),
        AtFlags => flags::<abi::fcntl::AtFlags>(a.u32(i), out),
        Mode => {
            let _ = write!(out, "0o{:o}", a.u32(i));
        }
        Prot => {
            if a.u32(i) == 0 {
                out.push_str("PROT_NONE");
            } else {
                flags::<abi::mman::ProtFlags>(a.u32(i), out);
            }
        }
        MapFlags => flags::<abi::mman::MapFlags>(a.u32(i), out),
        ArchCode => match a.u32(i) {
            0x1001 => out.push_str("ARCH_SET_GS"),
            0x1002 => out.push_str("ARCH_SET_FS"),
            0x1003 => out.push_str("ARCH_GET_FS"),
            0x1004 => out.push_str("ARCH_GET_GS"),
            c => {
                let _ = write!(out, "{c:#x}");
            }
        },
        Signal => match signal_name(a.i32(i)) {
            Some(n) => out.push_str(n),
            None => {
                let _ = write!(out, "{}", a.i32(i));
            }
        },
    }
}

fn call_text(t: &mut Task, a: &SyscallArgs, ret: Option<u64>) -> String {
    let name = syscalls::name(a.nr);
    let mut out = format!("[{:>4}:{:>4}] ", t.pid(), t.tid);
    match name {
        Some(n) => out.push_str(n),
        None => {
            let _ = write!(out, "syscall_{}", a.nr);
        }
    }
    out.push('(');
    for (i, &kind) in spec(name.unwrap_or("")).iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        format_arg(t, a, i, kind, ret, &mut out);
    }
    out.push(')');
    out
}

/// Logs calls that may not return before they run.
pub fn enter(t: &mut Task, a: &SyscallArgs) {
    if matches!(
        syscalls::name(a.nr),
        Some("execve" | "execveat" | "exit" | "exit_group" | "rt_sigreturn")
    ) {
        let line = call_text(t, a, None) + " ...";
        t.kernel().strace_line(&line);
    }
}

/// Logs a call with its result (`exit` and `exit_group`, which have none,
/// were logged on entry).
pub fn exit(t: &mut Task, a: &SyscallArgs, res: &SysResult) {
    if matches!(res, Ok(SysRet::Keep))
        && matches!(syscalls::name(a.nr), Some("exit" | "exit_group"))
    {
        return;
    }
    let ok = match res {
        Ok(SysRet::Value(v)) => Some(*v),
        _ => None,
    };
    let mut line = call_text(t, a, ok);
    match res {
        Ok(SysRet::Value(v)) => {
            if matches!(syscalls::name(a.nr), Some("mmap" | "brk" | "mremap")) {
                let _ = write!(line, " = {v:#x}");
            } else {
                let _ = write!(line, " = {}", *v as i64);
            }
        }
        Ok(SysRet::Keep) => line.push_str(" = ?"),
        Err(e) => {
            let _ = write!(line, " = -1 {} ({})", e.name(), e.strerror());
        }
    }
    t.kernel().strace_line(&line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_flag_names() {
        let mut s = String::new();
        quote(b"a\"b\n\x01", &mut s);
        assert_eq!(s, r#""a\"b\n\x01""#);
        let mut s = String::new();
        open_flags(abi::fcntl::OpenFlags::O_CLOEXEC.bits() | 2, &mut s);
        assert_eq!(s, "O_RDWR|O_CLOEXEC");
        let mut s = String::new();
        open_flags(0, &mut s);
        assert_eq!(s, "O_RDONLY");
        assert_eq!(signal_name(11), Some("SIGSEGV"));
        assert_eq!(signal_name(0), None);
        assert_eq!(signal_name(64), None);
    }
}
