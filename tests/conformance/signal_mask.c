/* Conformance: signal masks, pending sets, queueing, sigsuspend and
 * rt_sigtimedwait. */
#include "proc_util.h"

static int order[8];
static volatile sig_atomic_t norder;

static void log_order(int sig)
{
    if (norder < 8)
        order[norder] = sig;
    norder++;
}

static sigset_t current_mask(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigprocmask(SIG_BLOCK, NULL, &s);
    return s;
}

COVERS("rt_sigprocmask")
static void test_procmask(void)
{
    sigset_t empty = pu_sigset(0, 0), old;
    SETUP(sigprocmask(SIG_SETMASK, &empty, NULL));
    sigset_t a = pu_sigset(SIGUSR1, 0);
    EXPECT_OK("block", sigprocmask(SIG_BLOCK, &a, &old));
    CHECK("block_old_empty", sigisemptyset(&old), "old mask not empty");
    sigset_t b = pu_sigset(SIGUSR2, 0);
    SETUP(sigprocmask(SIG_BLOCK, &b, NULL));
    sigset_t cur = current_mask();
    CHECK("block_accumulates", sigismember(&cur, SIGUSR1) && sigismember(&cur, SIGUSR2),
          "mask lost a signal");
    EXPECT_OK("unblock", sigprocmask(SIG_UNBLOCK, &a, NULL));
    cur = current_mask();
    CHECK("unblock_removes_one", !sigismember(&cur, SIGUSR1) && sigismember(&cur, SIGUSR2),
          "wrong mask after unblock");
    sigset_t c = pu_sigset(SIGTERM, 0);
    EXPECT_OK("setmask", sigprocmask(SIG_SETMASK, &c, &old));
    cur = current_mask();
    CHECK("setmask_replaces", sigismember(&cur, SIGTERM) && !sigismember(&cur, SIGUSR2),
          "wrong mask after setmask");
    CHECK("setmask_old", sigismember(&old, SIGUSR2) && !sigismember(&old, SIGTERM), "wrong old");

    sigset_t k = pu_sigset(SIGKILL, SIGSTOP);
    EXPECT_OK("block_sigkill_sigstop", sigprocmask(SIG_BLOCK, &k, NULL));
    cur = current_mask();
    CHECK("sigkill_sigstop_never_blocked",
          !sigismember(&cur, SIGKILL) && !sigismember(&cur, SIGSTOP),
          "SIGKILL or SIGSTOP blocked");
    EXPECT_ERRNO("bad_how", sigprocmask(3, &k, NULL), EINVAL);
    EXPECT_OK("bad_how_without_set", syscall(SYS_rt_sigprocmask, 3, NULL, &old, 8));
    EXPECT_ERRNO("bad_sigsetsize", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &k, NULL, 4), EINVAL);
    EXPECT_ERRNO("set_efault", syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD_PTR, NULL, 8), EFAULT);
    EXPECT_ERRNO("oldset_efault", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, BAD_PTR, 8), EFAULT);

    sigset_t all;
    sigfillset(&all);
    SETUP(sigprocmask(SIG_SETMASK, &all, NULL));
    unsigned long raw = 0;
    SETUP(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &raw, 8));
    /* glibc's sigfillset leaves out its two internal RT signals. */
    CHECK("fill_excludes_kill_stop",
          !(raw & (1UL << (SIGKILL - 1))) && !(raw & (1UL << (SIGSTOP - 1))) &&
              (raw & (1UL << (SIGUSR1 - 1))) && (raw & (1UL << 63)),
          "mask 0x%lx", raw);
    SETUP(sigprocmask(SIG_SETMASK, &empty, NULL));
}

COVERS("rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigtimedwait")
static void test_pending(void)
{
    pu_handle(SIGUSR1, pu_count_handler, 0);
    pu_sig_count[SIGUSR1] = 0;
    pu_block(SIGUSR1, NULL);
    CHECK("pending_empty", pu_pending(SIGUSR1) == 0, "pending before raise");
    raise(SIGUSR1);
    raise(SIGUSR1);
    raise(SIGUSR1);
    CHECK("blocked_becomes_pending", pu_pending(SIGUSR1) == 1 && pu_sig_count[SIGUSR1] == 0,
          "not pending");
    pu_unblock(SIGUSR1);
    EXPECT_EQ("standard_signals_coalesce", pu_sig_count[SIGUSR1], 1);
    CHECK("pending_cleared_on_delivery", pu_pending(SIGUSR1) == 0, "still pending");

    EXPECT_ERRNO("rt_sigpending_bad_size", syscall(SYS_rt_sigpending, &(sigset_t){0}, 16), EINVAL);
    EXPECT_ERRNO("rt_sigpending_efault", syscall(SYS_rt_sigpending, BAD_PTR, 8), EFAULT);

    int rt = SIGRTMIN;
    pu_handle(rt, pu_count_handler, 0);
    pu_sig_count[rt] = 0;
    pu_block(rt, NULL);
    union sigval v = {0};
    for (int i = 0; i < 3; i++)
        SETUP(sigqueue(getpid(), rt, v));
    pu_unblock(rt);
    EXPECT_EQ("rt_signals_queue", pu_sig_count[rt], 3);

    /* Dequeue order: lowest number first, so standard before real-time. */
    sigset_t s = pu_sigset(SIGRTMIN, SIGRTMIN + 1), old;
    sigaddset(&s, SIGUSR2);
    SETUP(sigprocmask(SIG_BLOCK, &s, &old));
    sigqueue(getpid(), SIGRTMIN + 1, v);
    sigqueue(getpid(), SIGRTMIN, v);
    raise(SIGUSR2);
    struct timespec zero = {0, 0};
    int d0 = sigtimedwait(&s, NULL, &zero);
    int d1 = sigtimedwait(&s, NULL, &zero);
    int d2 = sigtimedwait(&s, NULL, &zero);
    CHECK("dequeue_order", d0 == SIGUSR2 && d1 == SIGRTMIN && d2 == SIGRTMIN + 1,
          "order %d,%d,%d", d0, d1, d2);

    /* Unblocking several at once: Linux sets up one frame per signal in
     * dequeue order before returning, so the handlers run last-first. */
    pu_handle(SIGRTMIN, log_order, 0);
    pu_handle(SIGRTMIN + 1, log_order, 0);
    pu_handle(SIGUSR2, log_order, 0);
    sigqueue(getpid(), SIGRTMIN + 1, v);
    sigqueue(getpid(), SIGRTMIN, v);
    raise(SIGUSR2);
    norder = 0;
    SETUP(sigprocmask(SIG_SETMASK, &old, NULL));
    CHECK("handler_frames_nested",
          norder == 3 && order[0] == SIGRTMIN + 1 && order[1] == SIGRTMIN && order[2] == SIGUSR2,
          "order %d,%d,%d of %d", order[0], order[1], order[2], (int)norder);
    pu_default(SIGRTMIN);
    pu_default(SIGRTMIN + 1);
    pu_default(SIGUSR2);
}

COVERS("rt_sigsuspend", "kill")
static void test_sigsuspend(void)
{
    pu_handle(SIGUSR1, pu_count_handler, 0);
    pu_sig_count[SIGUSR1] = 0;
    pu_block(SIGUSR1, NULL);
    raise(SIGUSR1);
    sigset_t none = pu_sigset(0, 0);
    EXPECT_ERRNO("sigsuspend_eintr", sigsuspend(&none), EINTR);
    EXPECT_EQ("sigsuspend_ran_handler", pu_sig_count[SIGUSR1], 1);
    sigset_t cur = current_mask();
    CHECK("sigsuspend_restores_mask", sigismember(&cur, SIGUSR1), "mask not restored");
    EXPECT_ERRNO("sigsuspend_bad_size", syscall(SYS_rt_sigsuspend, &none, 4), EINVAL);
    EXPECT_ERRNO("sigsuspend_efault", syscall(SYS_rt_sigsuspend, BAD_PTR, 8), EFAULT);

    /* A signal from a child wakes sigsuspend. */
    pid_t parent = getpid();
    pid_t pid = pu_fork();
    if (pid == 0)
        _exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
    EXPECT_ERRNO("sigsuspend_woken_by_child", sigsuspend(&none), EINTR);
    pu_wait(pid);
    pu_unblock(SIGUSR1);
    pu_default(SIGUSR1);
}

COVERS("rt_sigtimedwait", "rt_sigqueueinfo", "kill", "setitimer")
static void test_timedwait(void)
{
    sigset_t s = pu_sigset(SIGUSR1, SIGRTMIN);
    SETUP(sigprocmask(SIG_BLOCK, &s, NULL));
    struct timespec zero = {0, 0}, small = {0, 10000000};
    siginfo_t si;
    EXPECT_ERRNO("timedwait_zero_timeout", sigtimedwait(&s, &si, &zero), EAGAIN);
    EXPECT_ERRNO("timedwait_timeout", sigtimedwait(&s, &si, &small), EAGAIN);
    struct timespec bad = {0, 1000000000};
    EXPECT_ERRNO("timedwait_bad_nsec", sigtimedwait(&s, &si, &bad), EINVAL);
    struct timespec neg = {-1, 0};
    EXPECT_ERRNO("timedwait_negative", sigtimedwait(&s, &si, &neg), EINVAL);
    EXPECT_ERRNO("timedwait_bad_size", syscall(SYS_rt_sigtimedwait, &s, &si, &zero, 4), EINVAL);
    EXPECT_ERRNO("timedwait_set_efault", syscall(SYS_rt_sigtimedwait, BAD_PTR, &si, &zero, 8),
                 EFAULT);

    union sigval v = {.sival_int = 11};
    SETUP(sigqueue(getpid(), SIGRTMIN, v));
    v.sival_int = 12;
    SETUP(sigqueue(getpid(), SIGRTMIN, v));
    memset(&si, 0, sizeof si);
    EXPECT_EQ("timedwait_returns_signal", sigtimedwait(&s, &si, &zero), SIGRTMIN);
    CHECK("timedwait_info", si.si_signo == SIGRTMIN && si.si_code == SI_QUEUE &&
                                si.si_value.sival_int == 11 && si.si_pid == getpid(),
          "si_code %d value %d", si.si_code, si.si_value.sival_int);
    memset(&si, 0, sizeof si);
    sigtimedwait(&s, &si, &zero);
    CHECK("timedwait_queue_fifo", si.si_value.sival_int == 12, "value %d", si.si_value.sival_int);
    CHECK("timedwait_dequeues", pu_pending(SIGRTMIN) == 0, "still pending");
    raise(SIGUSR1);
    EXPECT_EQ("timedwait_null_info", sigtimedwait(&s, NULL, &zero), SIGUSR1);
    EXPECT_ERRNO("timedwait_info_efault_nothing_pending",
                 syscall(SYS_rt_sigtimedwait, &s, BAD_PTR, &zero, 8), EAGAIN);

    pid_t parent = getpid();
    pid_t pid = pu_fork();
    if (pid == 0)
        _exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
    memset(&si, 0, sizeof si);
    EXPECT_EQ("sigwaitinfo_from_child", sigwaitinfo(&s, &si), SIGUSR1);
    CHECK("sigwaitinfo_si_pid_is_child", si.si_pid == pid && si.si_code == SI_USER,
          "si_code %d", si.si_code);
    pu_wait(pid);

    /* A handled signal outside the set interrupts the wait. */
    pu_tick_start(2000, 0);
    EXPECT_ERRNO("timedwait_eintr", sigwaitinfo(&s, &si), EINTR);
    pu_tick_stop();
    SETUP(sigprocmask(SIG_UNBLOCK, &s, NULL));
}

static struct pu_chan tchan;
static volatile int thread_saw;

static void *pending_thread(void *arg)
{
    (void)arg;
    pu_await(&tchan);
    sigset_t cur = current_mask();
    thread_saw = (sigismember(&cur, SIGUSR2) ? 1 : 0) | (pu_pending(SIGUSR2) == 1 ? 2 : 0);
    struct timespec zero = {0, 0};
    sigset_t s = pu_sigset(SIGUSR2, 0);
    sigtimedwait(&s, NULL, &zero);
    return NULL;
}

COVERS("rt_sigprocmask", "tgkill", "rt_sigpending")
static void test_threads(void)
{
    pu_block(SIGUSR2, NULL);
    pu_chan_open(&tchan);
    pthread_t t;
    SETUP(pu_thread(&t, pending_thread, NULL));
    SETUP(pthread_kill(t, SIGUSR2));
    CHECK("thread_directed_not_pending_in_main", pu_pending(SIGUSR2) == 0, "pending in main");
    pu_post(&tchan, 1);
    pthread_join(t, NULL);
    CHECK("thread_inherits_mask", thread_saw & 1, "thread mask lacks SIGUSR2");
    CHECK("thread_directed_pending_in_thread", thread_saw & 2, "not pending in thread");
    pu_chan_close(&tchan);
    pu_unblock(SIGUSR2);
}

static volatile pid_t handled_by;
static volatile pid_t helper_tid;
static struct pu_chan ready, release;

static void record_tid(int sig)
{
    (void)sig;
    handled_by = syscall(SYS_gettid);
}

static void *unblocking_thread(void *arg)
{
    (void)arg;
    helper_tid = syscall(SYS_gettid);
    sigset_t s = pu_sigset(SIGUSR1, 0);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    pu_post(&ready, 1);
    pu_await(&release);
    return NULL;
}

COVERS("kill", "rt_sigprocmask", "rt_sigpending", "rt_sigtimedwait")
static void test_routing(void)
{
    /* With every thread blocking it, a process signal pends for all. */
    pu_block(SIGUSR1, NULL);
    SETUP(kill(getpid(), SIGUSR1));
    CHECK("process_signal_pending_when_blocked", pu_pending(SIGUSR1) == 1, "not pending");
    struct timespec zero = {0, 0};
    sigset_t s = pu_sigset(SIGUSR1, 0);
    sigtimedwait(&s, NULL, &zero);

    /* It goes to the one thread that does not block it. */
    pu_handle(SIGUSR1, record_tid, SA_RESTART);
    pu_chan_open(&ready);
    pu_chan_open(&release);
    handled_by = 0;
    pthread_t t;
    SETUP(pu_thread(&t, unblocking_thread, NULL));
    pu_await(&ready);
    SETUP(kill(getpid(), SIGUSR1));
    long end = pu_now_ms() + 2000;
    while (handled_by == 0 && pu_now_ms() < end)
        sched_yield();
    CHECK("process_signal_to_unblocked_thread", handled_by != 0 && handled_by == helper_tid,
          handled_by ? "handled by another thread" : "never handled");
    pu_post(&release, 1);
    pthread_join(t, NULL);
    pu_chan_close(&ready);
    pu_chan_close(&release);
    pu_unblock(SIGUSR1);
    pu_default(SIGUSR1);
}

int main(void)
{
    conf_begin("signal_mask");
    pu_setup();
    test_procmask();
    test_pending();
    test_sigsuspend();
    test_timedwait();
    test_threads();
    test_routing();
    return conf_end();
}
