//! Blocking across tasks over the fake platform: a forked child reaped by
//! `wait4`, a futex wake reaching a waiting thread, a signal from another
//! thread ending a sleep, and Linux's restart rules after an interrupted
//! call.

mod common;

use std::time::{Duration, Instant};

use abi::signal::{sigaction, SaFlags, SIGKILL, SIGUSR1};
use abi::Errno;
use common::fake::{task, task_with_limit, thread_of, SCRATCH};
use kernel::usermem::UserPtr;
use kernel::{dispatch, SyscallArgs, Task};

fn neg(e: Errno) -> Option<u64> {
    Some((-i64::from(e.as_i32())) as u64)
}

fn call(t: &mut Task, nr: u64, args: [u64; 6]) -> Option<u64> {
    t.cpu.regs.orig_rax = nr;
    dispatch(t, &SyscallArgs::new(nr, args))
}

/// Installs a handler for `SIGUSR1` (never run: the tests only dispatch).
fn catch_usr1(t: &Task, flags: SaFlags) {
    let act = sigaction {
        sa_handler: 0x4000,
        sa_flags: (flags | SaFlags::SA_RESTORER).bits(),
        sa_restorer: 0x4100,
        ..Default::default()
    };
    t.tg().handlers.set(SIGUSR1, act).expect("sigaction");
}

#[test]
fn a_forked_child_is_reaped_by_wait4() {
    let mut t = task();
    let pid = call(&mut t, 57, [0; 6]).expect("fork returns") as i64;
    assert!(pid > 1, "fork gave {pid}");
    // The child's fake context cannot run: it dies of SIGKILL, and the
    // blocking wait4 returns once it is a zombie.
    let any = (-1i64) as u64;
    assert_eq!(
        call(&mut t, 61, [any, SCRATCH, 0, 0, 0, 0]),
        Some(pid as u64)
    );
    let status = UserPtr::<i32>::new(SCRATCH).read(t.mem()).expect("status");
    assert_eq!(status, SIGKILL, "WIFSIGNALED with SIGKILL");
    assert_eq!(call(&mut t, 61, [any, 0, 0, 0, 0, 0]), neg(Errno::ECHILD));
    // WNOHANG with no children at all is ECHILD too, a bad option EINVAL.
    assert_eq!(call(&mut t, 61, [any, 0, 1, 0, 0, 0]), neg(Errno::ECHILD));
    assert_eq!(
        call(&mut t, 61, [any, 0, 0x100, 0, 0, 0]),
        neg(Errno::EINVAL)
    );
}

#[test]
fn futex_wake_reaches_a_waiting_thread() {
    const FUTEX_WAIT_PRIVATE: u64 = 128;
    const FUTEX_WAKE_PRIVATE: u64 = 129;
    let mut t = task();
    let mut w = thread_of(&t);
    // The word at SCRATCH is 0: a wait for 1 fails at once.
    assert_eq!(
        call(&mut t, 202, [SCRATCH, FUTEX_WAIT_PRIVATE, 1, 0, 0, 0]),
        neg(Errno::EAGAIN)
    );
    let waiter = std::thread::spawn(move || {
        let r = call(&mut w, 202, [SCRATCH, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0]);
        (r, w)
    });
    let give_up = Instant::now() + Duration::from_secs(60);
    loop {
        match call(&mut t, 202, [SCRATCH, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0]) {
            Some(1) => break,
            Some(0) => assert!(Instant::now() < give_up, "the waiter never queued"),
            other => panic!("FUTEX_WAKE gave {other:?}"),
        }
        std::thread::yield_now();
    }
    let (r, _w) = waiter.join().expect("waiter thread");
    assert_eq!(r, Some(0));
}

#[test]
fn a_signal_from_another_thread_ends_pause_with_eintr() {
    let mut t = task();
    catch_usr1(&t, SaFlags::empty());
    let mut w = thread_of(&t);
    let tid = w.tid as u64;
    let sleeper = std::thread::spawn(move || call(&mut w, 34, [0; 6]));
    // tgkill(1, tid, SIGUSR1): whether the sleeper is asleep yet or not, it
    // sees the signal.
    assert_eq!(
        call(&mut t, 234, [1, tid, SIGUSR1 as u64, 0, 0, 0]),
        Some(0)
    );
    assert_eq!(sleeper.join().expect("sleeper"), neg(Errno::EINTR));
    assert_eq!(
        call(&mut t, 234, [1, 99, SIGUSR1 as u64, 0, 0, 0]),
        neg(Errno::ESRCH)
    );
}

#[test]
fn interrupted_calls_restart_or_fail_as_linux_says() {
    let mut t = task();
    let _other = thread_of(&t);
    let rip = 0x5002;
    // nanosleep with a signal whose default action applies: resumed
    // through restart_syscall (219).
    UserPtr::<[i64; 2]>::new(SCRATCH)
        .write(t.mem(), &[5, 0])
        .expect("timespec");
    call(&mut t, 62, [1, SIGUSR1 as u64, 0, 0, 0, 0]);
    t.cpu.regs.rip = rip;
    assert_eq!(call(&mut t, 35, [SCRATCH, SCRATCH + 16, 0, 0, 0, 0]), None);
    assert_eq!((t.cpu.regs.rip, t.cpu.regs.rax), (rip - 2, 219));
    let rem = UserPtr::<[i64; 2]>::new(SCRATCH + 16)
        .read(t.mem())
        .expect("rem");
    assert!(rem[0] >= 4 && rem[0] <= 5, "rem {rem:?}");
    // With a handler, even SA_RESTART gives EINTR for nanosleep...
    catch_usr1(&t, SaFlags::SA_RESTART);
    t.cpu.regs.rip = rip;
    assert_eq!(
        call(&mut t, 35, [SCRATCH, 0, 0, 0, 0, 0]),
        neg(Errno::EINTR)
    );
    // ...but restarts a pipe read (ERESTARTSYS) with the same number.
    assert_eq!(call(&mut t, 22, [SCRATCH + 32, 0, 0, 0, 0, 0]), Some(0));
    let fds = UserPtr::<[i32; 2]>::new(SCRATCH + 32)
        .read(t.mem())
        .expect("fds");
    t.cpu.regs.rip = rip;
    assert_eq!(call(&mut t, 0, [fds[0] as u64, SCRATCH, 1, 0, 0, 0]), None);
    assert_eq!((t.cpu.regs.rip, t.cpu.regs.rax), (rip - 2, 0));
    // Without SA_RESTART the read fails with EINTR.
    catch_usr1(&t, SaFlags::empty());
    assert_eq!(
        call(&mut t, 0, [fds[0] as u64, SCRATCH, 1, 0, 0, 0]),
        neg(Errno::EINTR)
    );
}

#[test]
fn clone3_checks_its_argument_structure() {
    let mut t = task();
    let args = SCRATCH + 0x1000;
    // flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size,
    // tls, set_tid, set_tid_size, cgroup, then bytes beyond the structure.
    let put = |t: &mut Task, words: [u64; 12]| {
        UserPtr::<[u64; 12]>::new(args)
            .write(t.mem(), &words)
            .expect("clone_args");
    };
    let mut w = [0u64; 12];
    put(&mut t, w);
    assert_eq!(
        call(&mut t, 435, [args, 56, 0, 0, 0, 0]),
        neg(Errno::EINVAL)
    );
    assert_eq!(
        call(&mut t, 435, [args, 8192, 0, 0, 0, 0]),
        neg(Errno::E2BIG)
    );
    w[11] = 1;
    put(&mut t, w);
    assert_eq!(call(&mut t, 435, [args, 96, 0, 0, 0, 0]), neg(Errno::E2BIG));
    w[11] = 0;
    // CLONE_VM | CLONE_SIGHAND | CLONE_THREAD with an exit signal.
    w[0] = 0x100 | 0x800 | 0x10000;
    w[4] = 17;
    put(&mut t, w);
    assert_eq!(
        call(&mut t, 435, [args, 88, 0, 0, 0, 0]),
        neg(Errno::EINVAL)
    );
    // A stack size without a stack.
    w = [0; 12];
    w[6] = 4096;
    put(&mut t, w);
    assert_eq!(
        call(&mut t, 435, [args, 88, 0, 0, 0, 0]),
        neg(Errno::EINVAL)
    );
    // Choosing the child's pid needs privilege over the namespace.
    w = [0; 12];
    w[8] = SCRATCH;
    w[9] = 1;
    put(&mut t, w);
    assert_eq!(call(&mut t, 435, [args, 88, 0, 0, 0, 0]), neg(Errno::EPERM));
    // Namespaces: EPERM; unknown flags: EINVAL.
    w = [0; 12];
    w[0] = 0x4000_0000;
    put(&mut t, w);
    assert_eq!(call(&mut t, 435, [args, 88, 0, 0, 0, 0]), neg(Errno::EPERM));
    w[0] = 1 << 40;
    put(&mut t, w);
    assert_eq!(
        call(&mut t, 435, [args, 88, 0, 0, 0, 0]),
        neg(Errno::EINVAL)
    );
}

#[test]
fn clone_fails_with_eagain_at_the_task_limit() {
    let mut t = task_with_limit(None, 3);
    let _a = thread_of(&t);
    let _b = thread_of(&t);
    assert_eq!(call(&mut t, 57, [0; 6]), neg(Errno::EAGAIN));
    assert_eq!(call(&mut t, 56, [17, 0, 0, 0, 0, 0]), neg(Errno::EAGAIN));
}

#[test]
fn an_interrupted_timed_poll_resumes_through_restart_syscall() {
    let mut t = task();
    let _other = thread_of(&t);
    assert_eq!(call(&mut t, 22, [SCRATCH, 0, 0, 0, 0, 0]), Some(0));
    let fds = UserPtr::<[i32; 2]>::new(SCRATCH)
        .read(t.mem())
        .expect("fds");
    let pfd = abi::poll::pollfd {
        fd: fds[0],
        events: 1,
        revents: 0,
    };
    let pfds = SCRATCH + 64;
    UserPtr::<abi::poll::pollfd>::new(pfds)
        .write(t.mem(), &pfd)
        .expect("pollfd");
    call(&mut t, 62, [1, SIGUSR1 as u64, 0, 0, 0, 0]);
    t.cpu.regs.rip = 0x7002;
    assert_eq!(call(&mut t, 7, [pfds, 1, 5000, 0, 0, 0]), None);
    assert_eq!((t.cpu.regs.rip, t.cpu.regs.rax), (0x7000, 219));
    // The signal is taken (the run loop would kill the process); data
    // arrives; the resumed poll reports it at once.
    let all = abi::signal::sigset_t::FULL;
    assert_eq!(t.dequeue_signal(all).map(|i| i.si_signo), Some(SIGUSR1));
    assert_eq!(
        call(&mut t, 1, [fds[1] as u64, SCRATCH, 1, 0, 0, 0]),
        Some(1)
    );
    assert_eq!(call(&mut t, 219, [0; 6]), Some(1));
    // With nothing to resume, restart_syscall is EINTR.
    assert_eq!(call(&mut t, 219, [0; 6]), neg(Errno::EINTR));
}

#[test]
fn itimer_real_sends_sigalrm_and_alarm_reports_the_time_left() {
    let mut t = task();
    // setitimer(ITIMER_REAL, {0, 20 ms}, NULL)
    let itv = SCRATCH + 0x100;
    UserPtr::<[i64; 4]>::new(itv)
        .write(t.mem(), &[0, 0, 0, 20_000])
        .expect("itimerval");
    assert_eq!(call(&mut t, 38, [0, itv, 0, 0, 0, 0]), Some(0));
    let got = t.block(Some(Instant::now() + Duration::from_secs(30)), |t| {
        t.pending_signals()
            .contains(abi::signal::SIGALRM)
            .then_some(())
    });
    assert_eq!(got, Ok(()), "SIGALRM within 30 s");
    // One-shot: disarmed now.
    assert_eq!(call(&mut t, 36, [0, itv, 0, 0, 0, 0]), Some(0));
    let cur = UserPtr::<[i64; 4]>::new(itv).read(t.mem()).expect("cur");
    assert_eq!(cur, [0; 4]);
    assert_eq!(call(&mut t, 37, [100, 0, 0, 0, 0, 0]), Some(0));
    assert_eq!(call(&mut t, 37, [0, 0, 0, 0, 0, 0]), Some(100));
    assert_eq!(call(&mut t, 38, [1, itv, 0, 0, 0, 0]), neg(Errno::EINVAL));
}

#[test]
fn pidfds_name_processes_and_wait_for_them() {
    let mut t = task();
    assert_eq!(call(&mut t, 434, [0, 0, 0, 0, 0, 0]), neg(Errno::EINVAL));
    assert_eq!(call(&mut t, 434, [999, 0, 0, 0, 0, 0]), neg(Errno::ESRCH));
    assert_eq!(call(&mut t, 434, [1, 1, 0, 0, 0, 0]), neg(Errno::EINVAL));
    let own = call(&mut t, 434, [1, 0, 0, 0, 0, 0]).expect("pidfd") as i64;
    assert!(own >= 0);
    // Signal 0 through it: the process exists. fd 1 is no pidfd.
    assert_eq!(call(&mut t, 424, [own as u64, 0, 0, 0, 0, 0]), Some(0));
    assert_eq!(call(&mut t, 424, [1, 0, 0, 0, 0, 0]), neg(Errno::EBADF));
    assert_eq!(
        call(&mut t, 424, [own as u64, 0, 0, 1, 0, 0]),
        neg(Errno::EINVAL)
    );
    // fork with CLONE_PIDFD (clone's parent_tid slot), then waitid(P_PIDFD).
    let slot = SCRATCH + 0x200;
    let flags = 0x1000 | abi::signal::SIGCHLD as u64;
    let pid = call(&mut t, 56, [flags, 0, slot, 0, 0, 0]).expect("clone") as i32;
    let pidfd = UserPtr::<i32>::new(slot).read(t.mem()).expect("pidfd");
    let info = SCRATCH + 0x300;
    assert_eq!(call(&mut t, 247, [3, pidfd as u64, info, 4, 0, 0]), Some(0));
    let si = UserPtr::<abi::signal::siginfo_t>::new(info)
        .read(t.mem())
        .expect("siginfo");
    assert_eq!(si.si_pid(), pid);
    assert_eq!(call(&mut t, 247, [3, 1, info, 4, 0, 0]), neg(Errno::EBADF));
}

#[test]
fn sigkill_to_oneself_through_tkill_does_not_deadlock() {
    let mut t = task();
    let tid = t.tid as u64;
    assert_eq!(
        call(&mut t, 200, [tid, SIGKILL as u64, 0, 0, 0, 0]),
        Some(0)
    );
    assert!(t.fatal_signal_pending());
    assert!(t.tg().exit.is_some());
}
