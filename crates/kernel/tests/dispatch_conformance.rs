//! Handlers fixed against the conformance suite, driven through the
//! dispatcher over the fake platform: credentials, `prctl` queries,
//! pid-named CPU clocks and `fcntl` owners.

mod common;

use abi::Errno;
use common::fake::{task, SCRATCH};
use kernel::usermem::UserPtr;
use kernel::{dispatch, SyscallArgs, Task};

fn call(t: &mut Task, nr: u64, args: [u64; 6]) -> Result<u64, Errno> {
    t.cpu.regs.orig_rax = nr;
    let v = dispatch(t, &SyscallArgs::new(nr, args)).expect("a result");
    Errno::from_ret(v as i64)
}

const SETRESUID: u64 = 117;
const SETRESGID: u64 = 119;
const GETRESUID: u64 = 118;
const SETGROUPS: u64 = 116;
const SETFSUID: u64 = 122;
const PRCTL: u64 = 157;
const CLOCK_GETTIME: u64 = 228;
const CLOCK_GETRES: u64 = 229;
const FCNTL: u64 = 72;
const NONE: u64 = u32::MAX as u64;

/// `openat(AT_FDCWD, path, flags)` through the dispatcher.
fn open(t: &mut Task, path: &[u8], flags: u64) -> u64 {
    let at = SCRATCH + 0x100;
    t.mem().write_bytes(at, path).expect("scratch");
    t.mem()
        .write_bytes(at + path.len() as u64, &[0])
        .expect("scratch");
    call(t, 257, [(-100i64) as u64, at, flags, 0, 0, 0]).expect("open")
}

#[test]
fn dropping_privilege_as_as_nobody_does() {
    let mut t = task();
    assert_eq!(call(&mut t, SETGROUPS, [0, 0, 0, 0, 0, 0]), Ok(0));
    assert_eq!(
        call(&mut t, SETRESGID, [65534, 65534, 65534, 0, 0, 0]),
        Ok(0)
    );
    assert_eq!(
        call(&mut t, SETRESUID, [65534, 65534, 65534, 0, 0, 0]),
        Ok(0)
    );
    let ids = [SCRATCH, SCRATCH + 4, SCRATCH + 8, 0, 0, 0];
    assert_eq!(call(&mut t, GETRESUID, ids), Ok(0));
    let saved = UserPtr::<u32>::new(SCRATCH + 8).read(t.mem());
    assert_eq!(saved, Ok(65534));
    assert_eq!(
        call(&mut t, SETRESUID, [NONE, 0, NONE, 0, 0, 0]),
        Err(Errno::EPERM)
    );
    assert_eq!(
        call(&mut t, SETGROUPS, [0, 0, 0, 0, 0, 0]),
        Err(Errno::EPERM)
    );
    assert_eq!(call(&mut t, SETFSUID, [0, 0, 0, 0, 0, 0]), Ok(65534));
    assert_eq!(t.creds.to_vfs().fsuid, 65534);
}

#[test]
fn setgroups_reads_the_list_after_the_size_check() {
    let mut t = task();
    let bad = 0x10;
    assert_eq!(
        call(&mut t, SETGROUPS, [65537, bad, 0, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        call(&mut t, SETGROUPS, [2, bad, 0, 0, 0, 0]),
        Err(Errno::EFAULT)
    );
    for (i, g) in [30u32, 10].iter().enumerate() {
        UserPtr::<u32>::new(SCRATCH + 4 * i as u64)
            .write(t.mem(), g)
            .expect("scratch");
    }
    assert_eq!(call(&mut t, SETGROUPS, [2, SCRATCH, 0, 0, 0, 0]), Ok(0));
    assert_eq!(t.creds.groups, [10, 30]);
}

#[test]
fn prctl_queries() {
    let mut t = task();
    // PR_GET_TIMERSLACK, PR_SET_TIMERSLACK.
    assert_eq!(call(&mut t, PRCTL, [30, 0, 0, 0, 0, 0]), Ok(50_000));
    assert_eq!(call(&mut t, PRCTL, [29, 7, 0, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, PRCTL, [30, 0, 0, 0, 0, 0]), Ok(7));
    assert_eq!(call(&mut t, PRCTL, [29, 0, 0, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, PRCTL, [30, 0, 0, 0, 0, 0]), Ok(50_000));
    // PR_CAPBSET_READ.
    assert_eq!(call(&mut t, PRCTL, [23, 21, 0, 0, 0, 0]), Ok(1));
    assert_eq!(
        call(&mut t, PRCTL, [23, 41, 0, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
    // PR_GET_SECCOMP is 0.
    assert_eq!(call(&mut t, PRCTL, [21, 0, 0, 0, 0, 0]), Ok(0));
    assert_eq!(
        call(&mut t, PRCTL, [12345, 0, 0, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
}

/// `MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)`.
fn process_clock(pid: i32) -> u64 {
    (((!pid) << 3) | 2) as i64 as u64
}

#[test]
fn pid_named_cpu_clocks() {
    let mut t = task();
    let me = t.pid();
    for pid in [0, me] {
        let id = process_clock(pid);
        assert_eq!(call(&mut t, CLOCK_GETRES, [id, SCRATCH, 0, 0, 0, 0]), Ok(0));
        assert_eq!(
            call(&mut t, CLOCK_GETTIME, [id, SCRATCH, 0, 0, 0, 0]),
            Ok(0)
        );
    }
    let gone = process_clock(me + 1000);
    assert_eq!(
        call(&mut t, CLOCK_GETRES, [gone, SCRATCH, 0, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
}

#[test]
fn fcntl_owner_round_trip() {
    let mut t = task();
    let me = u64::from(t.pid() as u32);
    // F_GETOWN, F_SETOWN on fd 1.
    assert_eq!(call(&mut t, FCNTL, [1, 9, 0, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, FCNTL, [1, 8, me, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, FCNTL, [1, 9, 0, 0, 0, 0]), Ok(me));
    assert_eq!(
        call(&mut t, FCNTL, [1, 8, 999_999, 0, 0, 0]),
        Err(Errno::ESRCH)
    );
    let int_min = u64::from(i32::MIN as u32);
    assert_eq!(
        call(&mut t, FCNTL, [1, 8, int_min, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
    // F_GETOWN_EX reports the type F_OWNER_PID.
    assert_eq!(call(&mut t, FCNTL, [1, 16, SCRATCH, 0, 0, 0]), Ok(0));
    assert_eq!(UserPtr::<i32>::new(SCRATCH).read(t.mem()), Ok(1));
    // F_SETOWN_EX with an unknown type.
    UserPtr::<i32>::new(SCRATCH)
        .write(t.mem(), &7)
        .expect("scratch");
    assert_eq!(
        call(&mut t, FCNTL, [1, 15, SCRATCH, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
}

#[test]
fn setting_the_clock_is_refused_after_linux_checks() {
    let mut t = task();
    UserPtr::<[i64; 2]>::new(SCRATCH)
        .write(t.mem(), &[1_700_000_000, 0])
        .expect("scratch");
    // clock_settime(CLOCK_MONOTONIC) is EINVAL; CLOCK_REALTIME EPERM even
    // for root; settimeofday(NULL, NULL) succeeds for root.
    assert_eq!(
        call(&mut t, 227, [1, SCRATCH, 0, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        call(&mut t, 227, [0, SCRATCH, 0, 0, 0, 0]),
        Err(Errno::EPERM)
    );
    assert_eq!(call(&mut t, 227, [0, 0x10, 0, 0, 0, 0]), Err(Errno::EFAULT));
    assert_eq!(call(&mut t, 164, [0, 0, 0, 0, 0, 0]), Ok(0));
    UserPtr::<[i64; 2]>::new(SCRATCH)
        .write(t.mem(), &[1, 1_000_001])
        .expect("scratch");
    assert_eq!(
        call(&mut t, 164, [SCRATCH, 0, 0, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
}

#[test]
fn hints_and_syncs_validate_like_linux() {
    let mut t = task();
    // fadvise64(1, 0, 0, 42), sync_file_range(1, -1, 0, 0), syncfs(99).
    assert_eq!(call(&mut t, 221, [1, 0, 0, 42, 0, 0]), Err(Errno::EINVAL));
    assert_eq!(call(&mut t, 221, [1, 0, 0, 4, 0, 0]), Ok(0));
    let minus1 = u64::MAX;
    assert_eq!(
        call(&mut t, 277, [1, minus1, 0, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        call(&mut t, 277, [1, 0, 0, 0x100, 0, 0]),
        Err(Errno::EINVAL)
    );
    assert_eq!(call(&mut t, 277, [1, 0, 0, 2, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, 306, [99, 0, 0, 0, 0, 0]), Err(Errno::EBADF));
    assert_eq!(call(&mut t, 162, [0, 0, 0, 0, 0, 0]), Ok(0));
}

#[test]
fn sendfile_and_copy_file_range_move_file_data() {
    let mut t = task();
    let src = open(&mut t, b"/etc/hosts", 0);
    // sendfile(1, src, &off = 4, 5): "0.0.1" at the file position of fd 1.
    UserPtr::<i64>::new(SCRATCH)
        .write(t.mem(), &4)
        .expect("scratch");
    assert_eq!(call(&mut t, 40, [1, src, SCRATCH, 5, 0, 0]), Ok(5));
    assert_eq!(UserPtr::<i64>::new(SCRATCH).read(t.mem()), Ok(9));
    // copy_file_range(src, &0, 1, NULL, 3, 0) appends "127" at fd 1's
    // position; a source offset past the end copies nothing.
    UserPtr::<i64>::new(SCRATCH)
        .write(t.mem(), &0)
        .expect("scratch");
    assert_eq!(call(&mut t, 326, [src, SCRATCH, 1, 0, 3, 0]), Ok(3));
    UserPtr::<i64>::new(SCRATCH)
        .write(t.mem(), &1000)
        .expect("scratch");
    assert_eq!(call(&mut t, 326, [src, SCRATCH, 1, 0, 3, 0]), Ok(0));
    assert_eq!(call(&mut t, 326, [src, 0, 1, 0, 3, 1]), Err(Errno::EINVAL));
    // The source is read-only: it cannot be a destination.
    assert_eq!(call(&mut t, 40, [src, src, 0, 1, 0, 0]), Err(Errno::EBADF));
    let out = t.file(1).expect("fd 1");
    let mut buf = [0u8; 8];
    assert_eq!(out.pread(&mut buf, 0), Ok(8));
    assert_eq!(&buf, b"0.0.1127");
}

#[test]
fn flock_and_ofd_locks_conflict_between_descriptions() {
    let mut t = task();
    // Two descriptions of /out (O_RDWR).
    let a = open(&mut t, b"/out", 2);
    let b = open(&mut t, b"/out", 2);
    const LOCK_EX_NB: u64 = 2 | 4;
    assert_eq!(call(&mut t, 73, [a, LOCK_EX_NB, 0, 0, 0, 0]), Ok(0));
    assert_eq!(
        call(&mut t, 73, [b, LOCK_EX_NB, 0, 0, 0, 0]),
        Err(Errno::EAGAIN)
    );
    assert_eq!(call(&mut t, 73, [b, 16, 0, 0, 0, 0]), Err(Errno::EINVAL));
    // Closing the holder's description releases its flock.
    assert_eq!(call(&mut t, 3, [a, 0, 0, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, 73, [b, LOCK_EX_NB, 0, 0, 0, 0]), Ok(0));
    // F_OFD_SETLK write lock on [0, 10) through b; F_OFD_GETLK through a
    // new description sees it with l_pid -1.
    let c = open(&mut t, b"/out", 2);
    let lk = abi::fcntl::flock {
        l_type: abi::fcntl::F_WRLCK,
        l_len: 10,
        ..Default::default()
    };
    UserPtr::new(SCRATCH).write(t.mem(), &lk).expect("scratch");
    assert_eq!(call(&mut t, 72, [b, 37, SCRATCH, 0, 0, 0]), Ok(0));
    let q = abi::fcntl::flock {
        l_type: abi::fcntl::F_RDLCK,
        l_start: 5,
        l_len: 1,
        ..Default::default()
    };
    UserPtr::new(SCRATCH).write(t.mem(), &q).expect("scratch");
    assert_eq!(call(&mut t, 72, [c, 36, SCRATCH, 0, 0, 0]), Ok(0));
    let got = UserPtr::<abi::fcntl::flock>::new(SCRATCH)
        .read(t.mem())
        .expect("scratch");
    assert_eq!(
        (got.l_type, got.l_start, got.l_len, got.l_pid),
        (abi::fcntl::F_WRLCK, 0, 10, -1)
    );
    // A POSIX lock of this process conflicts with the OFD lock too.
    UserPtr::new(SCRATCH).write(t.mem(), &q).expect("scratch");
    assert_eq!(
        call(&mut t, 72, [c, 6, SCRATCH, 0, 0, 0]),
        Err(Errno::EAGAIN)
    );
}

#[test]
fn uts_names_and_personality() {
    let mut t = task();
    t.mem().write_bytes(SCRATCH, b"box").expect("scratch");
    // sethostname("box", 3), setdomainname("bo", 2); uname sees both.
    assert_eq!(call(&mut t, 170, [SCRATCH, 3, 0, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, 171, [SCRATCH, 2, 0, 0, 0, 0]), Ok(0));
    assert_eq!(t.kernel().hostname(), "box");
    assert_eq!(t.kernel().domainname(), "bo");
    assert_eq!(
        call(&mut t, 170, [SCRATCH, 65, 0, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
    let minus1 = u64::from(u32::MAX);
    assert_eq!(
        call(&mut t, 171, [SCRATCH, minus1, 0, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
    assert_eq!(call(&mut t, 170, [0x10, 3, 0, 0, 0, 0]), Err(Errno::EFAULT));
    // personality: query, set ADDR_NO_RANDOMIZE, read back, restore.
    assert_eq!(call(&mut t, 135, [minus1, 0, 0, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, 135, [0x0040000, 0, 0, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, 135, [minus1, 0, 0, 0, 0, 0]), Ok(0x0040000));
    assert_eq!(call(&mut t, 135, [0, 0, 0, 0, 0, 0]), Ok(0x0040000));
    // Unprivileged: EPERM.
    t.creds.setresuid(1000, 1000, 1000).expect("drop");
    assert_eq!(
        call(&mut t, 170, [SCRATCH, 3, 0, 0, 0, 0]),
        Err(Errno::EPERM)
    );
}

#[test]
fn membarrier_registration_rules() {
    let mut t = task();
    let query = call(&mut t, 324, [0, 0, 0, 0, 0, 0]).expect("query");
    assert_eq!(query & 1, 1);
    assert_eq!(call(&mut t, 324, [8, 0, 0, 0, 0, 0]), Err(Errno::EPERM));
    assert_eq!(call(&mut t, 324, [16, 0, 0, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, 324, [8, 0, 0, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, 324, [0, 1, 0, 0, 0, 0]), Err(Errno::EINVAL));
    assert_eq!(
        call(&mut t, 324, [1 << 20, 0, 0, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
}

#[test]
fn ioprio_of_the_caller() {
    let mut t = task();
    let be4 = (2 << 13) | 4;
    assert_eq!(call(&mut t, 252, [1, 0, 0, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, 251, [1, 0, be4, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, 252, [1, 0, 0, 0, 0, 0]), Ok(be4));
    assert_eq!(
        call(&mut t, 251, [1, 0, 7 << 13, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
    assert_eq!(call(&mut t, 251, [1, 0, (2 << 13) | 8, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, 252, [42, 0, 0, 0, 0, 0]), Err(Errno::EINVAL));
    assert_eq!(
        call(&mut t, 252, [1, 999_999, 0, 0, 0, 0]),
        Err(Errno::ESRCH)
    );
    t.creds.setresuid(1000, 1000, 1000).expect("drop");
    assert_eq!(
        call(&mut t, 251, [1, 0, 1 << 13, 0, 0, 0]),
        Err(Errno::EPERM)
    );
}

#[test]
fn normal_scheduling_policies_are_recorded() {
    let mut t = task();
    UserPtr::<i32>::new(SCRATCH)
        .write(t.mem(), &0)
        .expect("scratch");
    // sched_setscheduler(0, SCHED_BATCH, {0}); sched_getscheduler(0).
    assert_eq!(call(&mut t, 144, [0, 3, SCRATCH, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, 145, [0, 0, 0, 0, 0, 0]), Ok(3));
    assert_eq!(
        call(&mut t, 144, [0, 42, SCRATCH, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        call(&mut t, 144, [0, 1, SCRATCH, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
    UserPtr::<i32>::new(SCRATCH)
        .write(t.mem(), &10)
        .expect("scratch");
    assert_eq!(
        call(&mut t, 144, [0, 1, SCRATCH, 0, 0, 0]),
        Err(Errno::EPERM)
    );
    assert_eq!(
        call(&mut t, 144, [0, 0, SCRATCH, 0, 0, 0]),
        Err(Errno::EINVAL)
    );
    // sched_setparam keeps the policy.
    UserPtr::<i32>::new(SCRATCH)
        .write(t.mem(), &0)
        .expect("scratch");
    assert_eq!(call(&mut t, 142, [0, SCRATCH, 0, 0, 0, 0]), Ok(0));
    assert_eq!(call(&mut t, 145, [0, 0, 0, 0, 0, 0]), Ok(3));
    assert_eq!(call(&mut t, 142, [0, 0, 0, 0, 0, 0]), Err(Errno::EINVAL));
}

#[test]
fn fallocate_keep_size_and_punch_hole() {
    let mut t = task();
    let out = t.file(1).expect("fd 1");
    assert_eq!(out.pwrite(&[7u8; 100], 0), Ok(100));
    // FALLOC_FL_KEEP_SIZE past the end leaves the size.
    assert_eq!(call(&mut t, 285, [1, 1, 100, 4096, 0, 0]), Ok(0));
    assert_eq!(out.stat().map(|a| a.size), Ok(100));
    // A punch needs KEEP_SIZE; with it, the range reads as zeros.
    assert_eq!(
        call(&mut t, 285, [1, 2, 10, 20, 0, 0]),
        Err(Errno::EOPNOTSUPP)
    );
    assert_eq!(call(&mut t, 285, [1, 3, 10, 20, 0, 0]), Ok(0));
    let mut buf = [0u8; 40];
    assert_eq!(out.pread(&mut buf, 0), Ok(40));
    assert_eq!(&buf[..10], &[7; 10]);
    assert_eq!(&buf[10..30], &[0; 20]);
    assert_eq!(&buf[30..], &[7; 10]);
    assert_eq!(out.stat().map(|a| a.size), Ok(100));
    assert_eq!(
        call(&mut t, 285, [1, 0x10, 0, 1, 0, 0]),
        Err(Errno::EOPNOTSUPP)
    );
}
