//! Checks `abi` against the kernel's own uapi headers.
//!
//! The `libc` crate mirrors glibc, which lacks many kernel constants and
//! differs from the kernel in a few types (`O_LARGEFILE`, `struct statfs`).
//! This test compiles a C program against the installed uapi headers
//! (Debian's `linux-libc-dev`, from Linux 6.1) that prints, for every struct
//! in this crate's part of the ABI, its size, alignment and field offsets, and
//! the value of every constant those headers define; each must equal ours.
//! Items newer than 6.1 are checked against hard numbers in the unit tests.
//! Needs `gcc` (CI installs it for the conformance tests).

#![forbid(unsafe_code)]

use abi::capability::*;
use abi::eventpoll::*;
use abi::fcntl::*;
use abi::fs::*;
use abi::inotify::*;
use abi::memfd::*;
use abi::mount::*;
use abi::openat2::*;
use abi::poll::*;
use abi::prctl::*;
use abi::random::*;
use abi::stat::*;
use abi::time::*;
use abi::timex::*;
use abi::uio::*;
use abi::Errno;
use std::mem::{align_of, offset_of, size_of};
use std::process::Command;

/// The headers the C program includes; together they define every item
/// checked below.
const HEADERS: &[&str] = &[
    "stddef.h",
    "stdio.h",
    "asm/stat.h",
    "asm/statfs.h",
    "linux/stat.h",
    "linux/fcntl.h",
    "linux/openat2.h",
    "linux/eventpoll.h",
    "linux/uio.h",
    "linux/time.h",
    "linux/times.h",
    "linux/inotify.h",
    "linux/capability.h",
    "linux/fs.h",
    "linux/mount.h",
    "linux/poll.h",
    "linux/memfd.h",
    "linux/random.h",
    "linux/prctl.h",
    "asm/prctl.h",
    "linux/magic.h",
    "linux/falloc.h",
    "linux/xattr.h",
    "linux/limits.h",
    "linux/close_range.h",
    "linux/errno.h",
    "linux/timex.h",
    "linux/utime.h",
];

/// One comparison: a C expression and the value this crate gives it.
struct Check {
    c: String,
    ours: i128,
}

fn checks() -> Vec<Check> {
    let mut v: Vec<Check> = Vec::new();
    let mut push = |c: &str, ours: i128| {
        v.push(Check {
            c: c.to_string(),
            ours,
        })
    };
    macro_rules! layout {
        ($ty:ty, $c:literal { $($f:ident),* }) => {
            push(concat!("sizeof(", $c, ")"), size_of::<$ty>() as i128);
            push(concat!("_Alignof(", $c, ")"), align_of::<$ty>() as i128);
            $(push(concat!("offsetof(", $c, ", ", stringify!($f), ")"), offset_of!($ty, $f) as i128);)*
        };
    }
    macro_rules! flags {
        ($ty:ident: $($name:ident)*) => { $(push(stringify!($name), $ty::$name.bits() as i128);)* };
    }
    macro_rules! consts {
        ($($name:ident)*) => { $(push(stringify!($name), $name as i128);)* };
    }
    macro_rules! errnos {
        ($($name:ident)*) => { $(push(stringify!($name), Errno::$name.as_i32() as i128);)* };
    }
    layout!(stat, "struct stat" { st_dev, st_ino, st_nlink, st_mode, st_uid, st_gid, __pad0,
        st_rdev, st_size, st_blksize, st_blocks, st_atime, st_atime_nsec, st_mtime,
        st_mtime_nsec, st_ctime, st_ctime_nsec, __unused });
    layout!(statfs, "struct statfs" { f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files,
        f_ffree, f_fsid, f_namelen, f_frsize, f_flags, f_spare });
    layout!(statx_timestamp, "struct statx_timestamp" { tv_sec, tv_nsec, __reserved });
    layout!(statx, "struct statx" { stx_mask, stx_blksize, stx_attributes, stx_nlink, stx_uid,
        stx_gid, stx_mode, stx_ino, stx_size, stx_blocks, stx_attributes_mask, stx_atime,
        stx_btime, stx_ctime, stx_mtime, stx_rdev_major, stx_rdev_minor, stx_dev_major,
        stx_dev_minor, stx_mnt_id, stx_dio_mem_align, stx_dio_offset_align });
    layout!(flock, "struct flock" { l_type, l_whence, l_start, l_len, l_pid });
    layout!(f_owner_ex, "struct f_owner_ex" { pid });
    push(
        "offsetof(struct f_owner_ex, type)",
        offset_of!(f_owner_ex, type_) as i128,
    );
    layout!(open_how, "struct open_how" { flags, mode, resolve });
    layout!(epoll_event, "struct epoll_event" { events, data });
    layout!(iovec, "struct iovec" { iov_base, iov_len });
    layout!(pollfd, "struct pollfd" { fd, events, revents });
    layout!(timespec, "struct timespec" { tv_sec, tv_nsec });
    layout!(timeval, "struct timeval" { tv_sec, tv_usec });
    layout!(timezone, "struct timezone" { tz_minuteswest, tz_dsttime });
    layout!(itimerspec, "struct itimerspec" { it_interval, it_value });
    layout!(itimerval, "struct itimerval" { it_interval, it_value });
    layout!(utimbuf, "struct utimbuf" { actime, modtime });
    layout!(timex, "struct timex" { modes, offset, freq, maxerror, esterror, status, constant,
        precision, tolerance, time, tick, ppsfreq, jitter, shift, stabil, jitcnt, calcnt,
        errcnt, stbcnt, tai });
    flags!(AdjtimexModes: ADJ_OFFSET ADJ_FREQUENCY ADJ_MAXERROR ADJ_ESTERROR ADJ_STATUS
        ADJ_TIMECONST ADJ_TAI ADJ_SETOFFSET ADJ_MICRO ADJ_NANO ADJ_TICK ADJ_OFFSET_SINGLESHOT
        ADJ_OFFSET_SS_READ);
    flags!(TimexStatus: STA_PLL STA_PPSFREQ STA_PPSTIME STA_FLL STA_INS STA_DEL STA_UNSYNC
        STA_FREQHOLD STA_PPSSIGNAL STA_PPSJITTER STA_PPSWANDER STA_PPSERROR STA_CLOCKERR
        STA_NANO STA_MODE STA_CLK STA_RONLY);
    consts!(TIME_OK TIME_INS TIME_DEL TIME_OOP TIME_WAIT TIME_ERROR);
    layout!(tms, "struct tms" { tms_utime, tms_stime, tms_cutime, tms_cstime });
    layout!(inotify_event, "struct inotify_event" { wd, mask, cookie, len });
    layout!(__user_cap_header_struct, "struct __user_cap_header_struct" { version, pid });
    layout!(__user_cap_data_struct, "struct __user_cap_data_struct" { effective, permitted,
        inheritable });
    layout!(vfs_cap_data, "struct vfs_cap_data" { magic_etc, data });
    layout!(vfs_ns_cap_data, "struct vfs_ns_cap_data" { magic_etc, data, rootid });
    layout!(fsxattr, "struct fsxattr" { fsx_xflags, fsx_extsize, fsx_nextents, fsx_projid,
        fsx_cowextsize, fsx_pad });
    layout!(file_clone_range, "struct file_clone_range" { src_fd, src_offset, src_length,
        dest_offset });
    layout!(mount_attr, "struct mount_attr" { attr_set, attr_clr, propagation, userns_fd });
    flags!(OpenFlags:
            O_WRONLY O_RDWR O_CREAT O_EXCL O_NOCTTY O_TRUNC O_APPEND O_NONBLOCK O_DSYNC FASYNC
            O_DIRECT O_LARGEFILE O_DIRECTORY O_NOFOLLOW O_NOATIME O_CLOEXEC O_SYNC O_PATH O_TMPFILE
            O_NDELAY
    );
    flags!(AtFlags:
            AT_SYMLINK_NOFOLLOW AT_EACCESS AT_REMOVEDIR AT_SYMLINK_FOLLOW AT_NO_AUTOMOUNT
            AT_EMPTY_PATH AT_STATX_FORCE_SYNC AT_STATX_DONT_SYNC AT_RECURSIVE AT_STATX_SYNC_TYPE
            AT_STATX_SYNC_AS_STAT
    );
    flags!(SealFlags:
            F_SEAL_SEAL F_SEAL_SHRINK F_SEAL_GROW F_SEAL_WRITE F_SEAL_FUTURE_WRITE
    );
    flags!(FlockOp:
            LOCK_SH LOCK_EX LOCK_NB LOCK_UN
    );
    flags!(ResolveFlags:
            RESOLVE_NO_XDEV RESOLVE_NO_MAGICLINKS RESOLVE_NO_SYMLINKS RESOLVE_BENEATH
            RESOLVE_IN_ROOT RESOLVE_CACHED
    );
    flags!(EpollEvents:
            EPOLLIN EPOLLPRI EPOLLOUT EPOLLERR EPOLLHUP EPOLLNVAL EPOLLRDNORM EPOLLRDBAND
            EPOLLWRNORM EPOLLWRBAND EPOLLMSG EPOLLRDHUP EPOLL_URING_WAKE EPOLLEXCLUSIVE EPOLLWAKEUP
            EPOLLONESHOT EPOLLET
    );
    flags!(EpollCreateFlags:
            EPOLL_CLOEXEC
    );
    flags!(PollEvents:
            POLLIN POLLPRI POLLOUT POLLERR POLLHUP POLLNVAL POLLRDNORM POLLRDBAND POLLWRNORM
            POLLWRBAND POLLMSG POLLREMOVE POLLRDHUP
    );
    flags!(ReadWriteFlags:
            RWF_HIPRI RWF_DSYNC RWF_SYNC RWF_NOWAIT RWF_APPEND
    );
    flags!(InotifyMask:
            IN_ACCESS IN_MODIFY IN_ATTRIB IN_CLOSE_WRITE IN_CLOSE_NOWRITE IN_OPEN IN_MOVED_FROM
            IN_MOVED_TO IN_CREATE IN_DELETE IN_DELETE_SELF IN_MOVE_SELF IN_UNMOUNT IN_Q_OVERFLOW
            IN_IGNORED IN_ONLYDIR IN_DONT_FOLLOW IN_EXCL_UNLINK IN_MASK_CREATE IN_MASK_ADD IN_ISDIR
            IN_ONESHOT IN_CLOSE IN_MOVE IN_ALL_EVENTS
    );
    flags!(InotifyInitFlags:
            IN_NONBLOCK IN_CLOEXEC
    );
    flags!(StatxMask:
            STATX_TYPE STATX_MODE STATX_NLINK STATX_UID STATX_GID STATX_ATIME STATX_MTIME
            STATX_CTIME STATX_INO STATX_SIZE STATX_BLOCKS STATX_BASIC_STATS STATX_BTIME STATX_MNT_ID
            STATX_DIOALIGN STATX__RESERVED STATX_ALL
    );
    flags!(StatxAttributes:
            STATX_ATTR_COMPRESSED STATX_ATTR_IMMUTABLE STATX_ATTR_APPEND STATX_ATTR_NODUMP
            STATX_ATTR_ENCRYPTED STATX_ATTR_AUTOMOUNT STATX_ATTR_MOUNT_ROOT STATX_ATTR_VERITY
            STATX_ATTR_DAX
    );
    flags!(RenameFlags:
            RENAME_NOREPLACE RENAME_EXCHANGE RENAME_WHITEOUT
    );
    flags!(MountFlags:
            MS_RDONLY MS_NOSUID MS_NODEV MS_NOEXEC MS_SYNCHRONOUS MS_REMOUNT MS_MANDLOCK MS_DIRSYNC
            MS_NOSYMFOLLOW MS_NOATIME MS_NODIRATIME MS_BIND MS_MOVE MS_REC MS_SILENT MS_VERBOSE
            MS_POSIXACL MS_UNBINDABLE MS_PRIVATE MS_SLAVE MS_SHARED MS_RELATIME MS_KERNMOUNT
            MS_I_VERSION MS_STRICTATIME MS_LAZYTIME
    );
    flags!(FallocateFlags:
            FALLOC_FL_KEEP_SIZE FALLOC_FL_PUNCH_HOLE FALLOC_FL_NO_HIDE_STALE
            FALLOC_FL_COLLAPSE_RANGE FALLOC_FL_ZERO_RANGE FALLOC_FL_INSERT_RANGE
            FALLOC_FL_UNSHARE_RANGE
    );
    flags!(CloseRangeFlags:
            CLOSE_RANGE_UNSHARE CLOSE_RANGE_CLOEXEC
    );
    flags!(XattrFlags:
            XATTR_CREATE XATTR_REPLACE
    );
    flags!(InodeFlags:
            FS_SECRM_FL FS_UNRM_FL FS_COMPR_FL FS_SYNC_FL FS_IMMUTABLE_FL FS_APPEND_FL FS_NODUMP_FL
            FS_NOATIME_FL FS_ENCRYPT_FL FS_INDEX_FL FS_JOURNAL_DATA_FL FS_NOTAIL_FL FS_DIRSYNC_FL
            FS_TOPDIR_FL FS_EXTENT_FL FS_VERITY_FL FS_NOCOW_FL FS_DAX_FL FS_INLINE_DATA_FL
            FS_PROJINHERIT_FL FS_CASEFOLD_FL
    );
    flags!(MemfdFlags:
            MFD_CLOEXEC MFD_ALLOW_SEALING MFD_HUGETLB
    );
    flags!(GetrandomFlags:
            GRND_NONBLOCK GRND_RANDOM GRND_INSECURE
    );
    flags!(OpenTreeFlags:
            OPEN_TREE_CLONE OPEN_TREE_CLOEXEC
    );
    flags!(MoveMountFlags:
            MOVE_MOUNT_F_SYMLINKS MOVE_MOUNT_F_AUTOMOUNTS MOVE_MOUNT_F_EMPTY_PATH
            MOVE_MOUNT_T_SYMLINKS MOVE_MOUNT_T_AUTOMOUNTS MOVE_MOUNT_T_EMPTY_PATH
            MOVE_MOUNT_SET_GROUP
    );
    flags!(FspickFlags:
            FSPICK_CLOEXEC FSPICK_SYMLINK_NOFOLLOW FSPICK_NO_AUTOMOUNT FSPICK_EMPTY_PATH
    );
    flags!(MountAttr:
            MOUNT_ATTR_RDONLY MOUNT_ATTR_NOSUID MOUNT_ATTR_NODEV MOUNT_ATTR_NOEXEC MOUNT_ATTR__ATIME
            MOUNT_ATTR_RELATIME MOUNT_ATTR_NOATIME MOUNT_ATTR_STRICTATIME MOUNT_ATTR_NODIRATIME
            MOUNT_ATTR_IDMAP MOUNT_ATTR_NOSYMFOLLOW
    );
    consts!(
            AT_FDCWD O_RDONLY O_ACCMODE F_DUPFD F_GETFD F_SETFD F_GETFL F_SETFL F_GETLK F_SETLK
            F_SETLKW F_SETOWN F_GETOWN F_SETSIG F_GETSIG F_SETOWN_EX F_GETOWN_EX F_GETOWNER_UIDS
            F_OFD_GETLK F_OFD_SETLK F_OFD_SETLKW F_LINUX_SPECIFIC_BASE F_SETLEASE F_GETLEASE
            F_NOTIFY F_CANCELLK F_DUPFD_CLOEXEC F_SETPIPE_SZ F_GETPIPE_SZ F_ADD_SEALS F_GET_SEALS
            F_GET_RW_HINT F_SET_RW_HINT F_GET_FILE_RW_HINT F_SET_FILE_RW_HINT FD_CLOEXEC F_RDLCK
            F_WRLCK F_UNLCK F_EXLCK F_SHLCK F_OWNER_TID F_OWNER_PID F_OWNER_PGRP DN_ACCESS DN_MODIFY
            DN_CREATE DN_DELETE DN_RENAME DN_ATTRIB DN_MULTISHOT RWH_WRITE_LIFE_NOT_SET
            RWH_WRITE_LIFE_NONE RWH_WRITE_LIFE_SHORT RWH_WRITE_LIFE_MEDIUM RWH_WRITE_LIFE_LONG
            RWH_WRITE_LIFE_EXTREME EPOLL_CTL_ADD EPOLL_CTL_DEL EPOLL_CTL_MOD UIO_MAXIOV UIO_FASTIOV
            CLOCK_REALTIME CLOCK_MONOTONIC CLOCK_PROCESS_CPUTIME_ID CLOCK_THREAD_CPUTIME_ID
            CLOCK_MONOTONIC_RAW CLOCK_REALTIME_COARSE CLOCK_MONOTONIC_COARSE CLOCK_BOOTTIME
            CLOCK_REALTIME_ALARM CLOCK_BOOTTIME_ALARM CLOCK_SGI_CYCLE CLOCK_TAI MAX_CLOCKS
            TIMER_ABSTIME ITIMER_REAL ITIMER_VIRTUAL ITIMER_PROF TMPFS_MAGIC RAMFS_MAGIC
            PROC_SUPER_MAGIC SYSFS_MAGIC DEVPTS_SUPER_MAGIC OVERLAYFS_SUPER_MAGIC EXT4_SUPER_MAGIC
            XFS_SUPER_MAGIC BTRFS_SUPER_MAGIC V9FS_MAGIC FUSE_SUPER_MAGIC NFS_SUPER_MAGIC
            SQUASHFS_MAGIC CGROUP_SUPER_MAGIC CGROUP2_SUPER_MAGIC HUGETLBFS_MAGIC DEBUGFS_MAGIC
            TRACEFS_MAGIC SECURITYFS_MAGIC BPF_FS_MAGIC BINFMTFS_MAGIC NSFS_MAGIC PIPEFS_MAGIC
            SOCKFS_MAGIC ANON_INODE_FS_MAGIC PATH_MAX NAME_MAX SEEK_SET SEEK_CUR SEEK_END SEEK_DATA
            SEEK_HOLE MS_MGC_VAL MS_MGC_MSK XATTR_NAME_MAX XATTR_SIZE_MAX XATTR_LIST_MAX
            FS_IOC_GETFLAGS FS_IOC_SETFLAGS FS_IOC_GETVERSION FS_IOC_SETVERSION FS_IOC_FSGETXATTR
            FS_IOC_FSSETXATTR FICLONE FICLONERANGE FIFREEZE FITHAW FIBMAP FIGETBSZ BLKGETSIZE64
            MFD_HUGE_SHIFT MFD_HUGE_MASK FSOPEN_CLOEXEC FSMOUNT_CLOEXEC FSCONFIG_SET_FLAG
            FSCONFIG_SET_STRING FSCONFIG_SET_BINARY FSCONFIG_SET_PATH FSCONFIG_SET_PATH_EMPTY
            FSCONFIG_SET_FD FSCONFIG_CMD_CREATE FSCONFIG_CMD_RECONFIGURE MOUNT_ATTR_SIZE_VER0
            CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL CAP_SETGID
            CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE CAP_NET_BROADCAST
            CAP_NET_ADMIN CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE CAP_SYS_RAWIO
            CAP_SYS_CHROOT CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_NICE
            CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE CAP_AUDIT_WRITE
            CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG CAP_WAKE_ALARM
            CAP_BLOCK_SUSPEND CAP_AUDIT_READ CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE
            _LINUX_CAPABILITY_VERSION_1 _LINUX_CAPABILITY_U32S_1 _LINUX_CAPABILITY_VERSION_2
            _LINUX_CAPABILITY_U32S_2 _LINUX_CAPABILITY_VERSION_3 _LINUX_CAPABILITY_U32S_3
            VFS_CAP_REVISION_MASK VFS_CAP_FLAGS_EFFECTIVE VFS_CAP_REVISION_2 VFS_CAP_REVISION_3
            CAP_LAST_CAP PR_SET_PDEATHSIG PR_GET_PDEATHSIG PR_GET_DUMPABLE PR_SET_DUMPABLE
            PR_GET_UNALIGN PR_SET_UNALIGN PR_GET_KEEPCAPS PR_SET_KEEPCAPS PR_GET_FPEMU PR_SET_FPEMU
            PR_GET_FPEXC PR_SET_FPEXC PR_GET_TIMING PR_SET_TIMING PR_SET_NAME PR_GET_NAME
            PR_GET_ENDIAN PR_SET_ENDIAN PR_GET_SECCOMP PR_SET_SECCOMP PR_CAPBSET_READ
            PR_CAPBSET_DROP PR_GET_TSC PR_SET_TSC PR_GET_SECUREBITS PR_SET_SECUREBITS
            PR_SET_TIMERSLACK PR_GET_TIMERSLACK PR_TASK_PERF_EVENTS_DISABLE
            PR_TASK_PERF_EVENTS_ENABLE PR_MCE_KILL PR_MCE_KILL_GET PR_SET_MM PR_SET_CHILD_SUBREAPER
            PR_GET_CHILD_SUBREAPER PR_SET_NO_NEW_PRIVS PR_GET_NO_NEW_PRIVS PR_GET_TID_ADDRESS
            PR_SET_THP_DISABLE PR_GET_THP_DISABLE PR_MPX_ENABLE_MANAGEMENT PR_MPX_DISABLE_MANAGEMENT
            PR_SET_FP_MODE PR_GET_FP_MODE PR_CAP_AMBIENT PR_SVE_SET_VL PR_SVE_GET_VL
            PR_GET_SPECULATION_CTRL PR_SET_SPECULATION_CTRL PR_PAC_RESET_KEYS
            PR_SET_TAGGED_ADDR_CTRL PR_GET_TAGGED_ADDR_CTRL PR_SET_IO_FLUSHER PR_GET_IO_FLUSHER
            PR_SET_SYSCALL_USER_DISPATCH PR_PAC_SET_ENABLED_KEYS PR_PAC_GET_ENABLED_KEYS
            PR_SCHED_CORE PR_SME_SET_VL PR_SME_GET_VL PR_SET_MM_START_CODE PR_SET_MM_END_CODE
            PR_SET_MM_START_DATA PR_SET_MM_END_DATA PR_SET_MM_START_STACK PR_SET_MM_START_BRK
            PR_SET_MM_BRK PR_SET_MM_ARG_START PR_SET_MM_ARG_END PR_SET_MM_ENV_START
            PR_SET_MM_ENV_END PR_SET_MM_AUXV PR_SET_MM_EXE_FILE PR_SET_MM_MAP PR_SET_MM_MAP_SIZE
            PR_SET_VMA_ANON_NAME PR_CAP_AMBIENT_IS_SET PR_CAP_AMBIENT_RAISE PR_CAP_AMBIENT_LOWER
            PR_CAP_AMBIENT_CLEAR_ALL PR_SPEC_STORE_BYPASS PR_SPEC_INDIRECT_BRANCH PR_SPEC_L1D_FLUSH
            PR_SPEC_NOT_AFFECTED PR_SPEC_PRCTL PR_SPEC_ENABLE PR_SPEC_DISABLE PR_SPEC_FORCE_DISABLE
            PR_SPEC_DISABLE_NOEXEC ARCH_SET_GS ARCH_SET_FS ARCH_GET_FS ARCH_GET_GS ARCH_GET_CPUID
            ARCH_SET_CPUID ARCH_GET_XCOMP_SUPP ARCH_GET_XCOMP_PERM ARCH_REQ_XCOMP_PERM
            ARCH_GET_XCOMP_GUEST_PERM ARCH_REQ_XCOMP_GUEST_PERM ARCH_MAP_VDSO_X32 ARCH_MAP_VDSO_32
            ARCH_MAP_VDSO_64
    );
    errnos!(
            EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ENOMEM EACCES
            EFAULT ENOTBLK EBUSY EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY
            ETXTBSY EFBIG ENOSPC ESPIPE EROFS EMLINK EPIPE EDOM ERANGE EDEADLK ENAMETOOLONG ENOLCK
            ENOSYS ENOTEMPTY ELOOP ENOMSG EIDRM ECHRNG EL2NSYNC EL3HLT EL3RST ELNRNG EUNATCH ENOCSI
            EL2HLT EBADE EBADR EXFULL ENOANO EBADRQC EBADSLT EBFONT ENOSTR ENODATA ETIME ENOSR
            ENONET ENOPKG EREMOTE ENOLINK EADV ESRMNT ECOMM EPROTO EMULTIHOP EDOTDOT EBADMSG
            EOVERFLOW ENOTUNIQ EBADFD EREMCHG ELIBACC ELIBBAD ELIBSCN ELIBMAX ELIBEXEC EILSEQ
            ESTRPIPE EUSERS ENOTSOCK EDESTADDRREQ EMSGSIZE EPROTOTYPE ENOPROTOOPT EPROTONOSUPPORT
            ESOCKTNOSUPPORT EOPNOTSUPP EPFNOSUPPORT EAFNOSUPPORT EADDRINUSE EADDRNOTAVAIL ENETDOWN
            ENETUNREACH ENETRESET ECONNABORTED ECONNRESET ENOBUFS EISCONN ENOTCONN ESHUTDOWN
            ETOOMANYREFS ETIMEDOUT ECONNREFUSED EHOSTDOWN EHOSTUNREACH EALREADY EINPROGRESS ESTALE
            EUCLEAN ENOTNAM ENAVAIL EISNAM EREMOTEIO EDQUOT ENOMEDIUM EMEDIUMTYPE ECANCELED ENOKEY
            EKEYEXPIRED EKEYREVOKED EKEYREJECTED EOWNERDEAD ENOTRECOVERABLE ERFKILL EHWPOISON
            EWOULDBLOCK EDEADLOCK
    );
    v
}

fn c_program(checks: &[Check]) -> String {
    let mut s = String::new();
    for h in HEADERS {
        s += &format!("#include <{h}>\n");
    }
    s += "int main(void) {\n";
    for c in checks {
        s += &format!("    printf(\"%lld\\n\", (long long)({}));\n", c.c);
    }
    s + "    return 0;\n}\n"
}

#[test]
fn matches_kernel_uapi_headers() {
    let checks = checks();
    let dir = std::env::temp_dir().join(format!("abi-uapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let src = dir.join("uapi.c");
    let bin = dir.join("uapi");
    std::fs::write(&src, c_program(&checks)).expect("write C program");
    let cc = Command::new("gcc")
        .arg("-o")
        .arg(&bin)
        .arg(&src)
        .output()
        .expect("run gcc");
    assert!(
        cc.status.success(),
        "gcc failed:\n{}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let out = Command::new(&bin).output().expect("run the C program");
    std::fs::remove_dir_all(&dir).expect("remove temp dir");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8 output");
    let theirs: Vec<i128> = text.lines().map(|l| l.parse().expect("a number")).collect();
    assert_eq!(theirs.len(), checks.len());
    let wrong: Vec<String> = checks
        .iter()
        .zip(&theirs)
        .filter(|(c, t)| c.ours != **t)
        .map(|(c, t)| format!("{}: ours {}, kernel {}", c.c, c.ours, t))
        .collect();
    assert!(
        wrong.is_empty(),
        "differs from the uapi headers:\n{}",
        wrong.join("\n")
    );
}
