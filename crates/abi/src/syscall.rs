//! `<asm/unistd_64.h>`: every x86-64 system-call number with its name.
//!
//! The table covers the 64-bit ABI (not x32) from `read` (0) to the newest
//! call in Linux 6.18 (`file_setattr`, 469). It lives in `syscall_table.rs`,
//! generated once by `crates/abi/gen/syscalls.py` from the kernel's
//! `syscall_64.tbl` and checked in; the macro below turns each row into a
//! `SYS_<name>` constant, a [`Sysno`] constant and an entry of [`SYSCALLS`].
//! Numbers that were never assigned (337..=423 and the x32 range 512..=547)
//! have no entry, so [`Sysno::new`] rejects them.

#![allow(non_upper_case_globals)]

use core::fmt;

/// A known x86-64 system-call number.
///
/// Only numbers in [`SYSCALLS`] can be made into a `Sysno`, so holding one
/// proves the number names a real system call; the dispatcher decodes `rax`
/// with [`Sysno::new`] once and then matches on the associated constants
/// (`Sysno::openat`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sysno(u32);

macro_rules! syscall_table {
    ($($nr:literal => $name:ident, $sys:ident;)*) => {
        $(
            #[doc = concat!("Number of `", stringify!($name), "(2)`.")]
            pub const $sys: u32 = $nr;
        )*

        impl Sysno {
            $(
                #[doc = concat!("The `", stringify!($name), "(2)` system call.")]
                pub const $name: Sysno = Sysno($nr);
            )*
        }

        const TABLE: &[(u32, &str)] = &[$(($nr, stringify!($name)),)*];

        /// Every x86-64 system call as `(number, name)`, sorted by number.
        pub static SYSCALLS: &[(u32, &str)] = TABLE;

        /// One past the highest system-call number (`__NR_syscalls`): the
        /// length of a dispatch table indexed by number.
        pub const NR_syscalls: u32 = TABLE[TABLE.len() - 1].0 + 1;

        fn name_of(nr: u32) -> Option<&'static str> {
            match nr {
                $($nr => Some(stringify!($name)),)*
                _ => None,
            }
        }

        fn number_of(name: &str) -> Option<u32> {
            match name {
                $(stringify!($name) => Some($nr),)*
                _ => None,
            }
        }
    };
}

include!("syscall_table.rs");

impl Sysno {
    /// The system call numbered `nr`, or `None` if Linux 6.18 has no such
    /// number (the caller answers `ENOSYS`).
    pub fn new(nr: u32) -> Option<Sysno> {
        name_of(nr).map(|_| Sysno(nr))
    }

    /// Decodes `orig_rax` at system-call entry as Linux does: only the low
    /// 32 bits count (`do_syscall_64` takes an `int`), so
    /// `0x1_0000_0027` is `getpid`; x32 numbers (bit 30 set) and unknown
    /// numbers give `None` (the caller answers `ENOSYS`).
    pub fn from_rax(rax: u64) -> Option<Sysno> {
        Sysno::new(rax as u32)
    }

    /// The system call named `name` as in `syscall_64.tbl` (`"openat"`,
    /// `"newfstatat"`), for seccomp policies and `--strace` filters.
    pub fn from_name(name: &str) -> Option<Sysno> {
        number_of(name).map(Sysno)
    }

    /// The number, as it travels in `rax`.
    pub const fn nr(self) -> u32 {
        self.0
    }

    /// The kernel's name for this call (`"openat"`), for logs and strace.
    pub fn name(self) -> &'static str {
        // A Sysno is only built from a number in the table, so this is always
        // found; "unknown" keeps the function total without a panic path.
        name_of(self.0).unwrap_or("unknown")
    }

    /// Every known system call in number order.
    pub fn iter() -> impl Iterator<Item = Sysno> {
        SYSCALLS.iter().map(|&(nr, _)| Sysno(nr))
    }
}

impl fmt::Debug for Sysno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

impl fmt::Display for Sysno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<Sysno> for u32 {
    fn from(s: Sysno) -> u32 {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    #[test]
    fn numbers_are_unique_and_sorted() {
        assert!(SYSCALLS.windows(2).all(|w| w[0].0 < w[1].0));
        let mut names: Vec<&str> = SYSCALLS.iter().map(|e| e.1).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SYSCALLS.len());
    }

    #[test]
    fn covers_the_whole_6_18_range() {
        // 0..=336 and 424..=469 are assigned; 337..=423 were skipped to align
        // with the other architectures' tables.
        let expected: Vec<u32> = (0..=336).chain(424..=469).collect();
        let got: Vec<u32> = SYSCALLS.iter().map(|e| e.0).collect();
        assert_eq!(got, expected);
        assert_eq!(NR_syscalls, 470);
        assert_eq!(Sysno::new(337), None);
        assert_eq!(Sysno::new(336), Some(Sysno::uprobe));
        assert_eq!(Sysno::new(470), None);
        assert_eq!(Sysno::new(512), None);
        assert_eq!(Sysno::new(u32::MAX), None);
    }

    #[test]
    fn from_rax_ignores_the_high_half() {
        assert_eq!(Sysno::from_rax(39), Some(Sysno::getpid));
        assert_eq!(Sysno::from_rax(0x1_0000_0027), Some(Sysno::getpid));
        assert_eq!(Sysno::from_rax(0x4000_0027), None);
        assert_eq!(Sysno::from_rax(u64::MAX), None);
    }

    #[test]
    fn names_round_trip() {
        for s in Sysno::iter() {
            assert_eq!(Sysno::from_name(s.name()), Some(s));
            assert_eq!(Sysno::new(s.nr()), Some(s));
        }
        assert_eq!(Sysno::from_name("no_such_call"), None);
        assert_eq!(Sysno::from_name(""), None);
    }

    #[test]
    fn constants_agree() {
        assert_eq!(Sysno::openat.nr(), SYS_openat);
        assert_eq!(Sysno::openat.name(), "openat");
        assert_eq!(Sysno::new(SYS_mseal), Some(Sysno::mseal));
        assert_eq!(std::format!("{:?}", Sysno::read), "read(0)");
        assert_eq!(std::format!("{}", Sysno::file_setattr), "file_setattr");
    }

    /// Every `SYS_*` that the `libc` crate defines for x86-64 glibc
    /// (`src/unix/linux_like/linux/gnu/b64/x86_64/not_x32.rs`; it omits the
    /// long-removed create_module, get_kernel_syms and query_module).
    #[test]
    fn matches_libc() {
        macro_rules! check {
            ($($sys:ident)*) => {$(
                assert_eq!($sys as i64, libc::$sys, stringify!($sys));
            )*};
        }
        check! {
            SYS_read SYS_write SYS_open SYS_close SYS_stat SYS_fstat SYS_lstat SYS_poll SYS_lseek
            SYS_mmap SYS_mprotect SYS_munmap SYS_brk SYS_rt_sigaction SYS_rt_sigprocmask
            SYS_rt_sigreturn SYS_ioctl SYS_pread64 SYS_pwrite64 SYS_readv SYS_writev SYS_access
            SYS_pipe SYS_select SYS_sched_yield SYS_mremap SYS_msync SYS_mincore SYS_madvise
            SYS_shmget SYS_shmat SYS_shmctl SYS_dup SYS_dup2 SYS_pause SYS_nanosleep SYS_getitimer
            SYS_alarm SYS_setitimer SYS_getpid SYS_sendfile SYS_socket SYS_connect SYS_accept
            SYS_sendto SYS_recvfrom SYS_sendmsg SYS_recvmsg SYS_shutdown SYS_bind SYS_listen
            SYS_getsockname SYS_getpeername SYS_socketpair SYS_setsockopt SYS_getsockopt SYS_clone
            SYS_fork SYS_vfork SYS_execve SYS_exit SYS_wait4 SYS_kill SYS_uname SYS_semget
            SYS_semop SYS_semctl SYS_shmdt SYS_msgget SYS_msgsnd SYS_msgrcv SYS_msgctl SYS_fcntl
            SYS_flock SYS_fsync SYS_fdatasync SYS_truncate SYS_ftruncate SYS_getdents SYS_getcwd
            SYS_chdir SYS_fchdir SYS_rename SYS_mkdir SYS_rmdir SYS_creat SYS_link SYS_unlink
            SYS_symlink SYS_readlink SYS_chmod SYS_fchmod SYS_chown SYS_fchown SYS_lchown
            SYS_umask SYS_gettimeofday SYS_getrlimit SYS_getrusage SYS_sysinfo SYS_times
            SYS_ptrace SYS_getuid SYS_syslog SYS_getgid SYS_setuid SYS_setgid SYS_geteuid
            SYS_getegid SYS_setpgid SYS_getppid SYS_getpgrp SYS_setsid SYS_setreuid SYS_setregid
            SYS_getgroups SYS_setgroups SYS_setresuid SYS_getresuid SYS_setresgid SYS_getresgid
            SYS_getpgid SYS_setfsuid SYS_setfsgid SYS_getsid SYS_capget SYS_capset
            SYS_rt_sigpending SYS_rt_sigtimedwait SYS_rt_sigqueueinfo SYS_rt_sigsuspend
            SYS_sigaltstack SYS_utime SYS_mknod SYS_uselib SYS_personality SYS_ustat SYS_statfs
            SYS_fstatfs SYS_sysfs SYS_getpriority SYS_setpriority SYS_sched_setparam
            SYS_sched_getparam SYS_sched_setscheduler SYS_sched_getscheduler
            SYS_sched_get_priority_max SYS_sched_get_priority_min SYS_sched_rr_get_interval
            SYS_mlock SYS_munlock SYS_mlockall SYS_munlockall SYS_vhangup SYS_modify_ldt
            SYS_pivot_root SYS__sysctl SYS_prctl SYS_arch_prctl SYS_adjtimex SYS_setrlimit
            SYS_chroot SYS_sync SYS_acct SYS_settimeofday SYS_mount SYS_umount2 SYS_swapon
            SYS_swapoff SYS_reboot SYS_sethostname SYS_setdomainname SYS_iopl SYS_ioperm
            SYS_init_module SYS_delete_module
            SYS_quotactl SYS_nfsservctl SYS_getpmsg SYS_putpmsg SYS_afs_syscall
            SYS_tuxcall SYS_security SYS_gettid SYS_readahead SYS_setxattr SYS_lsetxattr
            SYS_fsetxattr SYS_getxattr SYS_lgetxattr SYS_fgetxattr SYS_listxattr SYS_llistxattr
            SYS_flistxattr SYS_removexattr SYS_lremovexattr SYS_fremovexattr SYS_tkill SYS_time
            SYS_futex SYS_sched_setaffinity SYS_sched_getaffinity SYS_set_thread_area SYS_io_setup
            SYS_io_destroy SYS_io_getevents SYS_io_submit SYS_io_cancel SYS_get_thread_area
            SYS_lookup_dcookie SYS_epoll_create SYS_epoll_ctl_old SYS_epoll_wait_old
            SYS_remap_file_pages SYS_getdents64 SYS_set_tid_address SYS_restart_syscall
            SYS_semtimedop SYS_fadvise64 SYS_timer_create SYS_timer_settime SYS_timer_gettime
            SYS_timer_getoverrun SYS_timer_delete SYS_clock_settime SYS_clock_gettime
            SYS_clock_getres SYS_clock_nanosleep SYS_exit_group SYS_epoll_wait SYS_epoll_ctl
            SYS_tgkill SYS_utimes SYS_vserver SYS_mbind SYS_set_mempolicy SYS_get_mempolicy
            SYS_mq_open SYS_mq_unlink SYS_mq_timedsend SYS_mq_timedreceive SYS_mq_notify
            SYS_mq_getsetattr SYS_kexec_load SYS_waitid SYS_add_key SYS_request_key SYS_keyctl
            SYS_ioprio_set SYS_ioprio_get SYS_inotify_init SYS_inotify_add_watch
            SYS_inotify_rm_watch SYS_migrate_pages SYS_openat SYS_mkdirat SYS_mknodat SYS_fchownat
            SYS_futimesat SYS_newfstatat SYS_unlinkat SYS_renameat SYS_linkat SYS_symlinkat
            SYS_readlinkat SYS_fchmodat SYS_faccessat SYS_pselect6 SYS_ppoll SYS_unshare
            SYS_set_robust_list SYS_get_robust_list SYS_splice SYS_tee SYS_sync_file_range
            SYS_vmsplice SYS_move_pages SYS_utimensat SYS_epoll_pwait SYS_signalfd
            SYS_timerfd_create SYS_eventfd SYS_fallocate SYS_timerfd_settime SYS_timerfd_gettime
            SYS_accept4 SYS_signalfd4 SYS_eventfd2 SYS_epoll_create1 SYS_dup3 SYS_pipe2
            SYS_inotify_init1 SYS_preadv SYS_pwritev SYS_rt_tgsigqueueinfo SYS_perf_event_open
            SYS_recvmmsg SYS_fanotify_init SYS_fanotify_mark SYS_prlimit64 SYS_name_to_handle_at
            SYS_open_by_handle_at SYS_clock_adjtime SYS_syncfs SYS_sendmmsg SYS_setns SYS_getcpu
            SYS_process_vm_readv SYS_process_vm_writev SYS_kcmp SYS_finit_module SYS_sched_setattr
            SYS_sched_getattr SYS_renameat2 SYS_seccomp SYS_getrandom SYS_memfd_create
            SYS_kexec_file_load SYS_bpf SYS_execveat SYS_userfaultfd SYS_membarrier SYS_mlock2
            SYS_copy_file_range SYS_preadv2 SYS_pwritev2 SYS_pkey_mprotect SYS_pkey_alloc
            SYS_pkey_free SYS_statx SYS_rseq SYS_pidfd_send_signal SYS_io_uring_setup
            SYS_io_uring_enter SYS_io_uring_register SYS_open_tree SYS_move_mount SYS_fsopen
            SYS_fsconfig SYS_fsmount SYS_fspick SYS_pidfd_open SYS_clone3 SYS_close_range
            SYS_openat2 SYS_pidfd_getfd SYS_faccessat2 SYS_process_madvise SYS_epoll_pwait2
            SYS_mount_setattr SYS_quotactl_fd SYS_landlock_create_ruleset SYS_landlock_add_rule
            SYS_landlock_restrict_self SYS_memfd_secret SYS_process_mrelease SYS_futex_waitv
            SYS_set_mempolicy_home_node SYS_fchmodat2 SYS_mseal
        }
    }
}
