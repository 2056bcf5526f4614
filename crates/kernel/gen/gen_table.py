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
add("identity", "setuid setgid setreuid setregid setresuid setresgid setfsuid setfsgid setgroups",
    'Partial("capabilities follow the user ids (root has all, others none); no PR_SET_KEEPCAPS")')
add("rlimit", "getrlimit setrlimit prlimit64 getrusage")
add("rlimit", "sysinfo", 'Partial("load averages are not tracked and read 0")')
add("time", "clock_getres gettimeofday time nanosleep clock_nanosleep")
add("time", "clock_gettime", 'Partial("the CPU clock of another thread or process (named by pid) gives EINVAL: its time is not visible to the caller")')
add("thread", "arch_prctl set_tid_address set_robust_list get_robust_list exit exit_group "
    "sched_getaffinity sched_yield getcpu")
add("thread", "prctl", 'Partial("PR_SET/GET_NAME, PR_SET/GET_DUMPABLE, PR_SET/GET_NO_NEW_PRIVS, PR_SET/GET_PDEATHSIG, PR_SET/GET_CHILD_SUBREAPER, PR_SET/GET_TIMERSLACK, PR_CAPBSET_READ, PR_GET_SECCOMP only")')
add("random", "getrandom")
add("exec", "execve", 'Partial("set-user-ID bits are not honoured")')
add("exec", "execveat", 'Partial("as execve; AT_EMPTY_PATH executes the descriptor\'s file by its path")')
add("mmap", "mmap", 'Partial("mappings of a file share one page cache, not coherent with read/write: stores reach the file at msync(MS_SYNC) and the last unmap")')
add("mmap", "munmap mprotect brk mremap madvise mincore")
add("mmap", "msync", 'Partial("MS_SYNC writes back every cached page of the range, dirty or not")')
add("signal", "rt_sigreturn")
add("file", "close close_range dup dup2 dup3 creat")
add("file", "open openat openat2", 'Partial("O_TMPFILE gives EOPNOTSUPP (no unnamed files in tmpfs or the overlay)")')
add("file", "ioctl", 'Partial("FIOCLEX/FIONCLEX/FIONBIO/FIOASYNC/FIONREAD here; TCGETS/TCSETS*/TIOCGWINSZ/TIOCSWINSZ on registered terminals (runsc stdio); other requests go to the file as (cmd, arg)")')
add("file", "fcntl", 'Partial("POSIX and OFD record locks with the Linux conflict rules (no EDEADLK detection; POSIX locks drop on close(2) and at exit, not on close_range/dup2/exec closes); F_SETOWN/F_SETOWN_EX owners are recorded but no SIGIO is sent; leases, F_SETSIG, seals: EINVAL")')
add("stat", "stat lstat fstat newfstatat statx statfs fstatfs readlink readlinkat access faccessat faccessat2 getdents64")
add("link", "mkdir mkdirat mknod mknodat unlink unlinkat rmdir rename renameat renameat2 link linkat symlink symlinkat")
add("attr", "chmod fchmod fchmodat fchmodat2 chown fchown lchown fchownat utimensat truncate ftruncate fsync fdatasync")
add("utime", "utime utimes futimesat")
add("sync", "sync syncfs sync_file_range")
add("fadvise", "fadvise64 readahead")
add("lock", "flock")
add("ioprio", "ioprio_get ioprio_set", 'Partial("the caller only (IOPRIO_WHO_PROCESS with 0 or its own id; other targets give EINVAL); the priority is recorded and does not reorder the host I/O the Sentry does")')
add("membarrier", "membarrier", 'Partial("every barrier is the host MEMBARRIER_CMD_GLOBAL (an RCU grace period, about 15 ms here); no SYNC_CORE, RSEQ or GET_REGISTRATIONS commands, no MEMBARRIER_CMD_FLAG_CPU")')
add("identity", "sethostname setdomainname", 'Partial("a name that is not UTF-8 is stored with U+FFFD for the invalid bytes")')
add("personality", "personality", 'Partial("the persona is recorded and read back; programs always run as PER_LINUX (READ_IMPLIES_EXEC, ADDR_LIMIT_32BIT and the like have no effect)")')
add("splice", "sendfile copy_file_range", 'Partial("the source must support positioned reads (regular files); a socket source gives EINVAL")')
add("stat", "getdents")
add("time", "clock_settime settimeofday", 'Partial("setting the wall clock gives EPERM even to root (it follows the host\'s, as in gVisor); the argument checks and a time-zone-only settimeofday are Linux\'s")')
add("attr", "fallocate", 'Partial("modes 0, FALLOC_FL_KEEP_SIZE (reserves nothing: st_blocks does not grow) and FALLOC_FL_PUNCH_HOLE (zeroes the range; freed blocks are not reported) as on tmpfs; other modes give EOPNOTSUPP")')
add("cwd", "getcwd chdir fchdir chroot umask")
add("xattr", "getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr setxattr lsetxattr fsetxattr removexattr lremovexattr fremovexattr")
add("time", "times")
add("pipe", "pipe pipe2", 'Partial("O_DIRECT packets are cut at each write (F_SETFL cannot toggle packet mode); no F_GETPIPE_SZ/F_SETPIPE_SZ; blocking I/O only this single task could complete is reported as a deadlock")')
add("poll", "poll ppoll", 'Partial("sleeps on the files\' wait queues; host-backed files are re-checked with backoff")')
add("select", "select pselect6", 'Partial("sleeps on the files\' wait queues as poll does; nfds is clamped to RLIMIT_NOFILE rather than the fd table size; host-backed files are re-checked with backoff")')
add("sched", "sched_getscheduler sched_getparam sched_get_priority_max sched_get_priority_min getpriority")
add("sched", "setpriority", 'Partial("the nice value is recorded, not applied to the host scheduler")')
add("sched", "sched_setscheduler sched_setparam", 'Partial("SCHED_OTHER/BATCH/IDLE are recorded for the caller and reported, not applied to the host scheduler; SCHED_FIFO/RR/DEADLINE give EPERM; another thread gives EINVAL")')
add("mmap", "mlock mlock2 munlock mlockall munlockall")
add("wait", "wait4 waitid")
add("futex", "futex", 'Partial("no PI operations; FUTEX_WAKE_OP\'s update is not atomic against threads running at that moment")')
add("clone", "clone", 'Partial("namespaces: EPERM; CLONE_SIGHAND without CLONE_THREAD copies the handlers instead of sharing them")')
add("clone", "fork vfork")
add("clone", "clone3", 'Partial("as clone; set_tid: EPERM; CLONE_INTO_CGROUP: EINVAL")')
add("thread", "restart_syscall")
add("timer", "alarm")
add("pidfd", "pidfd_send_signal")
add("pidfd", "pidfd_open", 'Partial("no PIDFD_THREAD (EINVAL)")')
add("timer", "getitimer setitimer", 'Partial("ITIMER_REAL only; ITIMER_VIRTUAL and ITIMER_PROF: EINVAL")')
add("posix_timer", "timer_create timer_settime timer_gettime timer_getoverrun timer_delete", 'Partial("CLOCK_REALTIME, MONOTONIC, BOOTTIME and TAI with SIGEV_SIGNAL, SIGEV_NONE and SIGEV_THREAD_ID, overruns counted while the signal is queued; at most 1024 timers a process (EAGAIN); CPU-time clocks: EINVAL; alarm clocks: EOPNOTSUPP; an absolute timer does not follow a later clock_settime")')
add("sem", "semget semop semtimedop semctl", 'Partial("one IPC namespace per sandbox; semctl IPC_INFO, SEM_INFO and SEM_STAT: EINVAL")')
add("msg", "msgget msgsnd msgrcv msgctl", 'Partial("one IPC namespace per sandbox; msgctl IPC_INFO, MSG_INFO and MSG_STAT: EINVAL")')
add("signal", "pause rt_sigsuspend rt_sigtimedwait rt_sigqueueinfo rt_tgsigqueueinfo tgkill tkill")
add("signal", "rt_sigaction rt_sigprocmask sigaltstack rt_sigpending")
add("signal", "kill")
add("epoll", "epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait epoll_pwait2", 'Partial("level, edge and one-shot triggering, nesting with loop checks; EPOLLEXCLUSIVE wakes every waiter; host-backed files are re-checked with backoff")')
add("eventfd", "eventfd eventfd2")
add("timerfd", "timerfd_create timerfd_settime timerfd_gettime", 'Partial("sandbox clocks (BOOTTIME is MONOTONIC); TFD_TIMER_CANCEL_ON_SET never fires (the clock cannot be set); no TFD_IOC_SET_TICKS")')
add("memfd", "memfd_create", 'Partial("no file seals (MFD_ALLOW_SEALING accepted, F_ADD_SEALS fails); MFD_HUGETLB: EINVAL")')
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
