/* Conformance: signal dispositions (rt_sigaction), handler context and
 * siginfo contents, synchronous fault signals. */
#include "proc_util.h"

#include <setjmp.h>

static volatile sig_atomic_t last_sig;
static volatile sig_atomic_t hits;
static volatile sig_atomic_t self_blocked;
static volatile sig_atomic_t other_blocked;
static siginfo_t last_info;

static void record(int sig)
{
    last_sig = sig;
    hits++;
    sigset_t s;
    sigprocmask(SIG_BLOCK, NULL, &s);
    self_blocked = sigismember(&s, sig);
    other_blocked = sigismember(&s, SIGUSR2);
}

static void record_info(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    last_sig = sig;
    hits++;
    last_info = *si;
}

/* Installs record_info as the SA_SIGINFO handler of `sig`. */
static void handle_info(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = record_info;
    sa.sa_flags = SA_SIGINFO;
    SETUP(sigaction(sig, &sa, NULL));
}

static struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask;
} ksa;

COVERS("rt_sigaction")
static void test_dispositions(void)
{
    struct sigaction sa, old;
    memset(&old, 0xff, sizeof old);
    EXPECT_OK("query_default", sigaction(SIGUSR1, NULL, &old));
    CHECK("default_is_sig_dfl", old.sa_handler == SIG_DFL, "not SIG_DFL");

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = record;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    EXPECT_OK("install_handler", sigaction(SIGUSR1, &sa, NULL));
    EXPECT_OK("query_installed", sigaction(SIGUSR1, NULL, &old));
    CHECK("old_handler_returned", old.sa_handler == record, "different handler");
    CHECK("old_mask_returned", sigismember(&old.sa_mask, SIGUSR2) == 1 &&
                                   sigismember(&old.sa_mask, SIGTERM) == 0,
          "mask differs");

    sa.sa_handler = record;
    EXPECT_ERRNO("sigkill_handler", sigaction(SIGKILL, &sa, NULL), EINVAL);
    EXPECT_ERRNO("sigstop_handler", sigaction(SIGSTOP, &sa, NULL), EINVAL);
    sa.sa_handler = SIG_IGN;
    EXPECT_ERRNO("sigkill_ignore", sigaction(SIGKILL, &sa, NULL), EINVAL);
    EXPECT_OK("sigkill_query", sigaction(SIGKILL, NULL, &old));
    EXPECT_ERRNO("signal_zero", sigaction(0, &sa, NULL), EINVAL);
    EXPECT_ERRNO("signal_65", syscall(SYS_rt_sigaction, 65, NULL, &ksa, 8), EINVAL);
    EXPECT_OK("signal_64_query", syscall(SYS_rt_sigaction, 64, NULL, &ksa, 8));
    EXPECT_ERRNO("bad_sigsetsize", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &ksa, 4), EINVAL);
    EXPECT_ERRNO("act_efault", syscall(SYS_rt_sigaction, SIGUSR1, BAD_PTR, NULL, 8), EFAULT);
    EXPECT_ERRNO("oldact_efault", syscall(SYS_rt_sigaction, SIGUSR1, NULL, BAD_PTR, 8), EFAULT);

    /* Unknown flag bits are not reported back (Linux >= 5.11). */
    memset(&ksa, 0, sizeof ksa);
    ksa.handler = SIG_IGN;
    ksa.flags = 0x400;
    SETUP(syscall(SYS_rt_sigaction, SIGURG, &ksa, NULL, 8));
    memset(&ksa, 0, sizeof ksa);
    SETUP(syscall(SYS_rt_sigaction, SIGURG, NULL, &ksa, 8));
    CHECK("unknown_flags_cleared", (ksa.flags & 0x400) == 0, "flags 0x%lx", ksa.flags & 0x400);
    pu_default(SIGURG);
}

COVERS("rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "tgkill", "rt_sigpending")
static void test_handler_context(void)
{
    hits = 0;
    SETUP(raise(SIGUSR1));
    EXPECT_EQ("raise_runs_handler", hits, 1);
    EXPECT_EQ("handler_signal_number", last_sig, SIGUSR1);
    CHECK("signal_blocked_in_handler", self_blocked == 1, "not blocked");
    CHECK("sa_mask_blocked_in_handler", other_blocked == 1, "SIGUSR2 not blocked");
    CHECK("mask_restored_after_handler", pu_pending(SIGUSR1) == 0, "pending");
    sigset_t s;
    sigprocmask(SIG_BLOCK, NULL, &s);
    CHECK("mask_restored_after_return", !sigismember(&s, SIGUSR1) && !sigismember(&s, SIGUSR2),
          "mask not restored");

    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = record;
    sa.sa_flags = SA_NODEFER;
    SETUP(sigaction(SIGUSR1, &sa, NULL));
    raise(SIGUSR1);
    CHECK("sa_nodefer_unblocked", self_blocked == 0, "blocked");

    sa.sa_flags = SA_RESETHAND;
    SETUP(sigaction(SIGUSR1, &sa, NULL));
    hits = 0;
    raise(SIGUSR1);
    EXPECT_EQ("sa_resethand_runs_once", hits, 1);
    SETUP(sigaction(SIGUSR1, NULL, &old));
    CHECK("sa_resethand_reset", old.sa_handler == SIG_DFL, "handler kept");
    CHECK("sa_resethand_still_blocks", self_blocked == 1, "not blocked in handler");

    signal(SIGUSR1, SIG_IGN);
    hits = 0;
    raise(SIGUSR1);
    CHECK("ignored_not_pending", hits == 0 && pu_pending(SIGUSR1) == 0, "delivered or pending");
    pu_block(SIGUSR1, NULL);
    raise(SIGUSR1);
    CHECK("ignored_blocked_stays_pending", pu_pending(SIGUSR1) == 1, "not pending");
    pu_unblock(SIGUSR1);
    pu_block(SIGUSR1, NULL);
    pu_default(SIGUSR1);
    pu_handle(SIGUSR1, record, 0);
    raise(SIGUSR1);
    CHECK("blocked_pending", pu_pending(SIGUSR1) == 1, "not pending");
    signal(SIGUSR1, SIG_IGN);
    CHECK("ignoring_discards_pending", pu_pending(SIGUSR1) == 0, "still pending");
    pu_unblock(SIGUSR1);
    pu_default(SIGUSR1);
}

COVERS("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
static void test_siginfo(void)
{
    handle_info(SIGUSR1);
    memset(&last_info, 0, sizeof last_info);
    SETUP(kill(getpid(), SIGUSR1));
    CHECK("kill_si_signo", last_info.si_signo == SIGUSR1, "si_signo %d", last_info.si_signo);
    CHECK("kill_si_code_si_user", last_info.si_code == SI_USER, "si_code %d", last_info.si_code);
    CHECK("kill_si_pid_self", last_info.si_pid == getpid(), "si_pid is not the sender");
    CHECK("kill_si_uid", last_info.si_uid == getuid(), "si_uid is not the sender's");

    memset(&last_info, 0, sizeof last_info);
    SETUP(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1));
    CHECK("tgkill_si_code_si_tkill", last_info.si_code == SI_TKILL, "si_code %d",
          last_info.si_code);

    memset(&last_info, 0, sizeof last_info);
    union sigval v = {.sival_int = 42};
    SETUP(sigqueue(getpid(), SIGUSR1, v));
    CHECK("sigqueue_si_code", last_info.si_code == SI_QUEUE, "si_code %d", last_info.si_code);
    CHECK("sigqueue_value", last_info.si_value.sival_int == 42, "value %d",
          last_info.si_value.sival_int);

    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = -42;
    si.si_value.sival_int = 7;
    memset(&last_info, 0, sizeof last_info);
    EXPECT_OK("rt_sigqueueinfo_self", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si));
    CHECK("rt_sigqueueinfo_fields", last_info.si_code == -42 && last_info.si_value.sival_int == 7,
          "si_code %d", last_info.si_code);
    memset(&last_info, 0, sizeof last_info);
    EXPECT_OK("rt_tgsigqueueinfo_self",
              syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), SIGUSR1, &si));
    CHECK("rt_tgsigqueueinfo_fields", last_info.si_code == -42, "si_code %d", last_info.si_code);
    EXPECT_ERRNO("rt_sigqueueinfo_efault", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, BAD_PTR),
                 EFAULT);

    /* Another process may not forge kernel or kill() si_codes. */
    struct pu_chan c;
    pid_t pid = pu_spawn_waiting(&c, NULL);
    si.si_code = SI_USER;
    EXPECT_ERRNO("rt_sigqueueinfo_forge_si_user", syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si),
                 EPERM);
    si.si_code = SI_TKILL;
    EXPECT_ERRNO("rt_sigqueueinfo_forge_si_tkill", syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si),
                 EPERM);
    si.si_code = SI_QUEUE;
    EXPECT_ERRNO("rt_sigqueueinfo_bad_signal", syscall(SYS_rt_sigqueueinfo, pid, 65, &si), EINVAL);
    pu_post(&c, 0);
    pu_wait(pid);
    pu_chan_close(&c);
    pu_default(SIGUSR1);
}

static sigjmp_buf jb;
static volatile void *fault_addr;
static volatile int fault_code;
static volatile int fault_sig;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    fault_sig = sig;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(jb, 1);
}

static void catch_faults(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        SETUP(sigaction(sigs[i], &sa, NULL));
}

static volatile int zero;

COVERS("rt_sigaction")
static void test_faults(void)
{
    catch_faults();
    volatile char *p = guard_page();
    fault_sig = 0;
    if (!sigsetjmp(jb, 1))
        (void)p[10];
    CHECK("segv_prot_none", fault_sig == SIGSEGV, "signal %d", fault_sig);
    CHECK("segv_si_addr", fault_addr == p + 10, "si_addr is not the faulting address");
    CHECK("segv_accerr", fault_code == SEGV_ACCERR, "si_code %d", fault_code);

    SETUP(munmap((void *)p, 4096));
    fault_sig = 0;
    if (!sigsetjmp(jb, 1))
        p[5] = 1;
    CHECK("segv_unmapped", fault_sig == SIGSEGV && fault_addr == p + 5, "signal %d", fault_sig);
    CHECK("segv_maperr", fault_code == SEGV_MAPERR, "si_code %d", fault_code);

    volatile char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    SETUP(ro == MAP_FAILED ? -1 : 0);
    fault_sig = 0;
    if (!sigsetjmp(jb, 1))
        ro[0] = 1;
    CHECK("segv_write_readonly", fault_sig == SIGSEGV && fault_code == SEGV_ACCERR,
          "signal %d code %d", fault_sig, fault_code);
    munmap((void *)ro, 4096);

    make_file("short", "x", 1);
    int fd = open("short", O_RDONLY);
    SETUP(fd);
    volatile char *m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
    SETUP(m == MAP_FAILED ? -1 : 0);
    close(fd);
    fault_sig = 0;
    if (!sigsetjmp(jb, 1))
        (void)m[4096];
    CHECK("sigbus_beyond_eof", fault_sig == SIGBUS && fault_code == BUS_ADRERR,
          "signal %d code %d", fault_sig, fault_code);
    CHECK("sigbus_si_addr", fault_addr == m + 4096, "si_addr is not the faulting address");
    munmap((void *)m, 8192);

    fault_sig = 0;
    if (!sigsetjmp(jb, 1)) {
        int d = zero;
        int q;
        __asm__ volatile("cltd; idivl %2" : "=a"(q) : "a"(1), "r"(d) : "edx");
        (void)q;
    }
    CHECK("sigfpe_intdiv", fault_sig == SIGFPE && fault_code == FPE_INTDIV, "signal %d code %d",
          fault_sig, fault_code);

    fault_sig = 0;
    if (!sigsetjmp(jb, 1))
        __asm__ volatile("ud2");
    CHECK("sigill_ud2", fault_sig == SIGILL && fault_code == ILL_ILLOPN, "signal %d code %d",
          fault_sig, fault_code);

    fault_sig = 0;
    if (!sigsetjmp(jb, 1))
        __asm__ volatile("int3");
    CHECK("sigtrap_int3", fault_sig == SIGTRAP && fault_code == SI_KERNEL, "signal %d code %d",
          fault_sig, fault_code);

    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        pu_default(sigs[i]);
}

static int child_fault_blocked(void *arg)
{
    (void)arg;
    pu_block(SIGSEGV, NULL);
    *(volatile char *)guard_page() = 1;
    return 0;
}

static int child_fault_ignored(void *arg)
{
    (void)arg;
    signal(SIGSEGV, SIG_IGN);
    *(volatile char *)guard_page() = 1;
    return 0;
}

static int child_pause(void *arg)
{
    (void)arg;
    pu_handle(SIGALRM, pu_count_handler, 0);
    struct itimerval it = {{0, 2000}, {0, 2000}};
    if (setitimer(ITIMER_REAL, &it, NULL) != 0)
        return 2;
    int r = pause();
    return r == -1 && errno == EINTR ? 0 : 1;
}

COVERS("rt_sigprocmask", "pause", "setitimer")
static void test_fatal(void)
{
    CHECK("blocked_fault_kills", pu_status_is(pu_run(child_fault_blocked, NULL), SIGSEGV),
          "%s", pu_status_diff);
    CHECK("ignored_fault_kills", pu_status_is(pu_run(child_fault_ignored, NULL), SIGSEGV),
          "%s", pu_status_diff);
    CHECK("pause_eintr", pu_status_is(pu_run(child_pause, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
}

int main(void)
{
    conf_begin("signal_action");
    pu_setup();
    test_dispositions();
    test_handler_context();
    test_siginfo();
    test_faults();
    test_fatal();
    return conf_end();
}
