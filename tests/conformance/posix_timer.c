/* Conformance: POSIX timers (timer_create and friends) delivering signals. */
#include "proc_util.h"

#include <time.h>

/* The kernel's timer id behind a glibc timer_t (not SIGEV_THREAD). */
static int kid(timer_t t)
{
    return (int)(intptr_t)t;
}

/* Waits up to 5 s for `sig` (blocked by the caller); returns its number. */
static int await_sig(int sig, siginfo_t *si)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    struct timespec limit = {5, 0};
    return sigtimedwait(&set, si, &limit);
}

static struct itimerspec after_ns(long ns, long interval_ns)
{
    struct itimerspec its = {.it_value = {0, ns}, .it_interval = {0, interval_ns}};
    return its;
}

COVERS("timer_create", "timer_settime", "timer_gettime")
static void test_signal(void)
{
    int sig = SIGRTMIN + 1;
    pu_block(sig, NULL);
    timer_t t;
    struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = sig};
    sev.sigev_value.sival_int = 0x1234;
    SETUP(timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec its = after_ns(1000000, 0), cur;
    EXPECT_EQ("oneshot_armed", timer_settime(t, 0, &its, NULL), 0);
    siginfo_t si;
    EXPECT_EQ("oneshot_signal", await_sig(sig, &si), sig);
    CHECK("oneshot_si_code", si.si_code == SI_TIMER, "si_code %d", si.si_code);
    CHECK("oneshot_si_value", si.si_value.sival_int == 0x1234, "value %#x", si.si_value.sival_int);
    CHECK("oneshot_si_timerid", si.si_timerid == kid(t), "timerid %d", si.si_timerid);
    CHECK("oneshot_no_overrun", si.si_overrun == 0, "overrun %d", si.si_overrun);
    EXPECT_EQ("oneshot_disarmed_after", timer_gettime(t, &cur) == 0 && cur.it_value.tv_sec == 0 &&
                                            cur.it_value.tv_nsec == 0, 1);

    its = after_ns(0, 0);
    its.it_value.tv_sec = 1000;
    SETUP(timer_settime(t, 0, &its, NULL));
    struct itimerspec zero = after_ns(0, 0), old;
    EXPECT_EQ("disarm_returns_old", timer_settime(t, 0, &zero, &old) == 0 &&
                                        old.it_value.tv_sec > 990, 1);
    EXPECT_EQ("disarm_reads_zero", timer_gettime(t, &cur) == 0 && cur.it_value.tv_sec == 0 &&
                                       cur.it_value.tv_nsec == 0, 1);

    struct timespec now;
    SETUP(clock_gettime(CLOCK_REALTIME, &now));
    timer_t rt;
    SETUP(timer_create(CLOCK_REALTIME, &sev, &rt));
    its = after_ns(0, 0);
    its.it_value.tv_sec = now.tv_sec - 10;
    EXPECT_EQ("abstime_past_armed", timer_settime(rt, TIMER_ABSTIME, &its, NULL), 0);
    EXPECT_EQ("abstime_past_fires", await_sig(sig, &si), sig);
    CHECK("abstime_past_timerid", si.si_timerid == kid(rt), "timerid %d", si.si_timerid);
    its.it_value.tv_sec = now.tv_sec + 1000;
    EXPECT_EQ("abstime_future", timer_settime(rt, TIMER_ABSTIME, &its, NULL) == 0 &&
                                    timer_gettime(rt, &cur) == 0 && cur.it_value.tv_sec > 990 &&
                                    cur.it_value.tv_sec <= 1000, 1);
    SETUP(timer_delete(rt));
    SETUP(timer_delete(t));
    pu_unblock(sig);
}

COVERS("timer_create", "timer_settime", "timer_getoverrun")
static void test_overrun(void)
{
    int sig = SIGRTMIN + 2;
    pu_block(sig, NULL);
    timer_t t;
    struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = sig};
    SETUP(timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec its = after_ns(1000000, 1000000);
    SETUP(timer_settime(t, 0, &its, NULL));
    /* Let about 30 periods pass while the first signal stays queued. */
    struct timespec pause = {0, 30000000};
    SETUP(nanosleep(&pause, NULL));
    siginfo_t si;
    EXPECT_EQ("periodic_signal", await_sig(sig, &si), sig);
    CHECK("overrun_counted", si.si_overrun > 0, "overrun %d", si.si_overrun);
    EXPECT_EQ("getoverrun_matches_siginfo", timer_getoverrun(t), si.si_overrun);
    struct itimerspec cur;
    EXPECT_EQ("periodic_stays_armed", timer_gettime(t, &cur) == 0 &&
                                          cur.it_interval.tv_nsec == 1000000, 1);
    SETUP(timer_delete(t));
    /* The signal the deleted timer may have queued meanwhile is irrelevant. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    struct timespec none = {0, 0};
    while (sigtimedwait(&set, NULL, &none) == sig)
        ;
    pu_unblock(sig);
}

COVERS("timer_create")
static void test_notify(void)
{
    int sig = SIGRTMIN + 3;
    pu_block(sig, NULL);
    timer_t t;
    struct sigevent sev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = sig};
    sev._sigev_un._tid = gettid();
    EXPECT_EQ("thread_id_own", timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
    struct itimerspec its = after_ns(1000000, 0);
    SETUP(timer_settime(t, 0, &its, NULL));
    siginfo_t si;
    EXPECT_EQ("thread_id_signal", await_sig(sig, &si), sig);
    SETUP(timer_delete(t));
    sev._sigev_un._tid = 0x3fffffff;
    EXPECT_ERRNO("thread_id_unknown", timer_create(CLOCK_MONOTONIC, &sev, &t), EINVAL);

    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = 0;
    EXPECT_ERRNO("signo_zero", timer_create(CLOCK_MONOTONIC, &sev, &t), EINVAL);
    sev.sigev_signo = 65;
    EXPECT_ERRNO("signo_too_big", timer_create(CLOCK_MONOTONIC, &sev, &t), EINVAL);
    sev.sigev_signo = sig;
    sev.sigev_notify = 99;
    EXPECT_ERRNO("notify_unknown", timer_create(CLOCK_MONOTONIC, &sev, &t), EINVAL);
    EXPECT_ERRNO("sevp_efault", syscall(SYS_timer_create, CLOCK_MONOTONIC, BAD_PTR, &t), EFAULT);
    EXPECT_ERRNO("monotonic_raw_eopnotsupp",
                 syscall(SYS_timer_create, CLOCK_MONOTONIC_RAW, NULL, &t), EOPNOTSUPP);

    pu_block(SIGALRM, NULL);
    int id = -1;
    EXPECT_EQ("null_sevp", syscall(SYS_timer_create, CLOCK_BOOTTIME, NULL, &id), 0);
    SETUP(syscall(SYS_timer_settime, id, 0, &its, NULL));
    EXPECT_EQ("null_sevp_sigalrm", await_sig(SIGALRM, &si), SIGALRM);
    CHECK("null_sevp_value_is_id", si.si_value.sival_int == id, "value %d, id %d",
          si.si_value.sival_int, id);
    EXPECT_ERRNO("settime_null_einval", syscall(SYS_timer_settime, id, 0, NULL, NULL), EINVAL);
    EXPECT_ERRNO("settime_efault", syscall(SYS_timer_settime, id, 0, BAD_PTR, NULL), EFAULT);
    EXPECT_ERRNO("settime_bad_id", syscall(SYS_timer_settime, 4242, 0, &its, NULL), EINVAL);
    EXPECT_ERRNO("getoverrun_bad_id", syscall(SYS_timer_getoverrun, 4242), EINVAL);
    pid_t pid = pu_fork();
    if (pid == 0) {
        struct itimerspec c;
        _exit(syscall(SYS_timer_gettime, id, &c) == -1 && errno == EINVAL ? 0 : 1);
    }
    EXPECT_EQ("not_inherited_by_fork", pu_wait(pid), PU_EXITED(0));
    SETUP(syscall(SYS_timer_delete, id));
    pu_unblock(SIGALRM);
    pu_unblock(sig);
}

int main(void)
{
    conf_begin("posix_timer");
    pu_setup();
    test_signal();
    test_overrun();
    test_notify();
    return conf_end();
}
