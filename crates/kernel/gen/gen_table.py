#!/usr/bin/env python3
"""Writes src/syscalls/table_x86_64.rs.

Input: the abi crate's checked-in table (crates/abi/src/syscall_table.rs,
rows "nr => name, SYS_name;"), and IMPL below, which names the family file
and status of every implemented call.
Run from crates/kernel: python3 gen/gen_table.py
"""

IMPL = {}

def add(family, names, status="Supported"):
    for n in names.split():
        IMPL[n] = (family, status)

# family -> calls (status Supported unless given)
add("read_write", "read write readv writev pread64 pwrite64 preadv pwritev preadv2 pwritev2 lseek", 'Partial("a blocking descriptor sleeps on its file\'s wait queue (pipes); host-backed files have none and are re-checked with backoff")')
add("identity", "getpid getppid gettid getuid geteuid getgid getegid getresuid getresgid getgroups "
    "getpgrp getpgid getsid setpgid setsid uname")
add("rlimit", "getrlimit setrlimit prlimit64 getrusage")
add("rlimit", "sysinfo", 'Partial("load averages are not tracked and read 0")')
add("time", "clock_gettime clock_getres gettimeofday time nanosleep clock_nanosleep")
add("thread", "arch_prctl set_tid_address set_robust_list get_robust_list exit exit_group "
    "sched_getaffinity sched_yield getcpu")
add("thread", "prctl", 'Partial("PR_SET_NAME, PR_GET_NAME, PR_SET/GET_DUMPABLE, PR_SET/GET_NO_NEW_PRIVS, PR_SET_PDEATHSIG only")')
add("random", "getrandom")
add("exec", "execve", 'Partial("no execveat; set-user-ID bits are not honoured")')
add("mmap", "mmap", 'Partial("mappings of a file share one page cache, not coherent with read/write: stores reach the file at msync(MS_SYNC) and the last unmap")')
add("mmap", "munmap mprotect brk mremap madvise mincore")
add("mmap", "msync", 'Partial("MS_SYNC writes back every cached page of the range, dirty or not")')
add("signal", "rt_sigreturn")
add("file", "open openat creat openat2 close close_range dup dup2 dup3")
add("file", "ioctl", 'Partial("FIOCLEX/FIONCLEX/FIONBIO/FIOASYNC/FIONREAD here; other requests go to the file as (cmd, arg) and cannot copy structs, so TCGETS/TIOCGWINSZ on a terminal are not served yet")')
add("file", "fcntl", 'Partial("record locks always granted (single process); leases, owners, seals: EINVAL")')
add("stat", "stat lstat fstat newfstatat statx statfs fstatfs readlink readlinkat access faccessat faccessat2 getdents64")
add("link", "mkdir mkdirat mknod mknodat unlink unlinkat rmdir rename renameat renameat2 link linkat symlink symlinkat")
add("attr", "chmod fchmod fchmodat fchmodat2 chown fchown lchown fchownat utimensat truncate ftruncate fsync fdatasync")
add("attr", "fallocate", 'Partial("mode 0 only; other modes give EOPNOTSUPP")')
add("cwd", "getcwd chdir fchdir chroot umask")
add("xattr", "getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr setxattr lsetxattr fsetxattr removexattr lremovexattr fremovexattr")
add("time", "times")
add("pipe", "pipe pipe2", 'Partial("no O_DIRECT packet mode; blocking I/O only this single task could complete is reported as a deadlock")')
add("poll", "poll", 'Partial("sleeps on the files\' wait queues; host-backed files are re-checked with backoff; an interrupted timed poll restarts with its full timeout")')
add("poll", "ppoll", 'Partial("sleeps on the files\' wait queues; host-backed files are re-checked with backoff")')
add("sched", "sched_getscheduler sched_getparam sched_get_priority_max sched_get_priority_min getpriority")
add("sched", "setpriority", 'Partial("the nice value is recorded, not applied to the host scheduler")')
add("mmap", "mlock mlock2 munlock mlockall munlockall")
add("wait", "wait4", 'Partial("exits only: no job control, so stopped/continued children are never reported")')
add("wait", "waitid", 'Partial("exits only (no job control); P_PIDFD: EINVAL")')
add("futex", "futex", 'Partial("no PI operations; FUTEX_WAKE_OP\'s update is not atomic against threads running at that moment")')
add("clone", "clone", 'Partial("namespaces: EPERM; CLONE_PIDFD: EINVAL; CLONE_SIGHAND without CLONE_THREAD copies the handlers instead of sharing them")')
add("clone", "fork vfork")
add("clone", "clone3", 'Partial("as clone; set_tid: EPERM; CLONE_INTO_CGROUP: EINVAL")')
add("thread", "restart_syscall")
add("signal", "pause rt_sigsuspend rt_sigtimedwait rt_sigqueueinfo rt_tgsigqueueinfo tgkill tkill")
add("signal", "rt_sigaction rt_sigprocmask sigaltstack rt_sigpending")
add("signal", "kill", 'Partial("no permission checks (every sandbox process has the same user)")')
add("epoll", "epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait epoll_pwait2", 'Partial("level, edge and one-shot triggering, nesting with loop checks; EPOLLEXCLUSIVE wakes every waiter; host-backed files are re-checked with backoff")')
add("eventfd", "eventfd eventfd2")
add("socket", "socketpair", 'Partial("AF_UNIX stream, datagram and seqpacket pairs; descriptors in flight that reference their own socket are never collected")')
add("socket", "shutdown getsockname getpeername", 'Partial("socketpair ends, and AF_INET/AF_INET6 sockets on the loopback stack")')
add("socket", "sendto sendmsg", 'Partial("socketpair ends: an explicit address gives EISCONN (stream), EOPNOTSUPP (seqpacket) or ECONNREFUSED (datagram), control messages other than SCM_RIGHTS give EINVAL; AF_INET/AF_INET6 over loopback without control messages")')
add("socket", "recvfrom recvmsg", 'Partial("socketpair ends (SCM_RIGHTS is the only control message produced); AF_INET/AF_INET6 with source address and MSG_TRUNC, no control messages")')
add("socket", "getsockopt", 'Partial("socketpair ends: SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ERROR, SO_ACCEPTCONN, SO_SNDBUF, SO_RCVBUF, SO_PEERCRED; AF_INET/AF_INET6: those of SOL_SOCKET but SO_PEERCRED, SO_REUSEADDR, TCP_NODELAY")')
add("socket", "setsockopt", 'Partial("socketpair ends: SO_SNDBUF and SO_RCVBUF, recorded but not limiting the queue (208 KiB); AF_INET/AF_INET6: SO_REUSEADDR, SO_SNDBUF, SO_RCVBUF (sizing later connections), TCP_NODELAY")')
add("inet", "socket", 'Partial("AF_INET/AF_INET6 TCP and UDP on the sandbox\'s loopback stack (crates/net); AF_UNIX and other families EAFNOSUPPORT")')
add("inet", "bind", 'Partial("AF_INET/AF_INET6: loopback and wildcard addresses, others EADDRNOTAVAIL")')
add("inet", "connect", 'Partial("AF_INET/AF_INET6 over loopback; other destinations ENETUNREACH")')
add("inet", "listen accept accept4", 'Partial("AF_INET/AF_INET6 TCP")')
add("setid", "setuid setgid setreuid setregid setresuid setresgid setgroups", 'Partial("capabilities follow the effective user id (no keepcaps, no file capabilities)")')
add("capability", "capget", 'Partial("root (euid 0) holds every capability, other users none; inheritable sets are empty")')

ERRORS = {
    # Linux without CONFIG_RSEQ support behaves like an unregistered rseq:
    # glibc (which registers at thread start) and node treat ENOSYS as "no
    # rseq" and fall back to getcpu / plain atomics, so nothing is lost.
    "rseq": "ENOSYS",
}

import os
here = os.path.dirname(os.path.abspath(__file__))
import re
rows = []
for line in open(os.path.join(here, "..", "..", "abi", "src", "syscall_table.rs")):
    m = re.match(r"\s*(\d+) => (\w+), SYS_\w+;", line)
    if m:
        rows.append((int(m.group(1)), m.group(2)))

families = sorted({f for f, _ in IMPL.values()})
out = []
out.append("//! The x86-64 system-call table: every number Linux 6.18 defines, its name,")
out.append("//! how far we implement it and the handler.")
out.append("//!")
out.append("//! Generated by `gen/gen_table.py` (run from `crates/kernel`); edit the script's")
out.append("//! `IMPL` map and re-run it rather than editing rows by hand.")
out.append("")
out.append("use super::{sys_ni_syscall, Handler, Status, SyscallEntry};")
out.append("#[allow(unused_imports)]")
out.append("use super::{" + ", ".join(families) + "};")
out.append("use abi::Errno;")
out.append("")
out.append("const fn e(nr: u32, name: &'static str, status: Status, handler: Handler) -> SyscallEntry {")
out.append("    SyscallEntry { nr, name, status, handler }")
out.append("}")
out.append("")
out.append("const fn ni(nr: u32, name: &'static str) -> SyscallEntry {")
out.append("    e(nr, name, Status::Error(Errno::ENOSYS), sys_ni_syscall)")
out.append("}")
out.append("")
out.append("/// Every x86-64 system call, sorted by number.")
out.append("pub static SYSCALL_TABLE: &[SyscallEntry] = &[")
seen = set()
for nr, name in rows:
    if name in IMPL:
        fam, st = IMPL[name]
        seen.add(name)
        st = "Status::" + st
        out.append(f'    e({nr}, "{name}", {st}, {fam}::sys_{name}),')
    elif name in ERRORS:
        out.append(f'    e({nr}, "{name}", Status::Error(Errno::{ERRORS[name]}), sys_ni_syscall),')
    else:
        out.append(f'    ni({nr}, "{name}"),')
out.append("];")
missing = set(IMPL) - seen
assert not missing, missing
open(os.path.join(here, "..", "src", "syscalls", "table_x86_64.rs"), "w").write("\n".join(out) + "\n")
