/* Clocks, sleeps, interval timers, POSIX timers and process times (timerfd
 * belongs with the other descriptor event sources, not here). */
#include "conformance.h"
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/timex.h>
#include <time.h>

static long ts_ns(struct timespec t)
{
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static const char *clock_err = "";

/* Whether clock `id` reads through the raw syscall with a normalised
 * timespec; `clock_err` says why not. */
static int clock_reads(clockid_t id)
{
    struct timespec t = {0, -1};
    long r = syscall(SYS_clock_gettime, id, &t);
    clock_err = r != 0 ? errname(errno) : "nsec out of range";
    return r == 0 && t.tv_nsec >= 0 && t.tv_nsec < 1000000000L;
}

static void nobody_cases(void)
{
    struct timespec t;
    SETUP(clock_gettime(CLOCK_REALTIME, &t));
    EXPECT_ERRNO("clock_settime_nobody_eperm", clock_settime(CLOCK_REALTIME, &t), EPERM);
    struct timeval tv;
    SETUP(gettimeofday(&tv, NULL));
    EXPECT_ERRNO("settimeofday_nobody_eperm", settimeofday(&tv, NULL), EPERM);
    struct timex tx = {.modes = ADJ_OFFSET, .offset = 0};
    EXPECT_ERRNO("adjtimex_nobody_eperm", adjtimex(&tx), EPERM);
}

int main(void)
{
    conf_begin("time");
    struct timespec a, b;

    COVERS("clock_gettime");
    CHECK("clock_gettime_realtime", clock_reads(CLOCK_REALTIME), "%s", clock_err);
    CHECK("clock_gettime_monotonic", clock_reads(CLOCK_MONOTONIC), "%s", clock_err);
    CHECK("clock_gettime_process_cputime", clock_reads(CLOCK_PROCESS_CPUTIME_ID), "%s", clock_err);
    CHECK("clock_gettime_thread_cputime", clock_reads(CLOCK_THREAD_CPUTIME_ID), "%s", clock_err);
    CHECK("clock_gettime_monotonic_raw", clock_reads(CLOCK_MONOTONIC_RAW), "%s", clock_err);
    CHECK("clock_gettime_realtime_coarse", clock_reads(CLOCK_REALTIME_COARSE), "%s", clock_err);
    CHECK("clock_gettime_monotonic_coarse", clock_reads(CLOCK_MONOTONIC_COARSE), "%s", clock_err);
    CHECK("clock_gettime_boottime", clock_reads(CLOCK_BOOTTIME), "%s", clock_err);
    CHECK("clock_gettime_tai", clock_reads(CLOCK_TAI), "%s", clock_err);
    EXPECT_ERRNO("clock_gettime_einval_id", syscall(SYS_clock_gettime, 12345, &a), EINVAL);
    EXPECT_ERRNO("clock_gettime_einval_negative_id", syscall(SYS_clock_gettime, -1000, &a), EINVAL);
    EXPECT_ERRNO("clock_gettime_efault", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD_PTR), EFAULT);
    SETUP(clock_gettime(CLOCK_MONOTONIC, &a));
    SETUP(clock_gettime(CLOCK_MONOTONIC, &b));
    EXPECT_EQ("clock_gettime_monotonic_nondecreasing", ts_ns(b) >= ts_ns(a), 1);
    SETUP(clock_gettime(CLOCK_REALTIME, &a));
    EXPECT_EQ("clock_gettime_realtime_matches_time", labs(a.tv_sec - time(NULL)) <= 1, 1);
    SETUP(clock_gettime(CLOCK_BOOTTIME, &b));
    SETUP(clock_gettime(CLOCK_MONOTONIC, &a));
    EXPECT_EQ("clock_gettime_boottime_ge_monotonic", ts_ns(b) + 1000000 >= ts_ns(a), 1);
    {
        /* Spinning raises the process CPU clock. */
        struct timespec c0, c1;
        SETUP(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0));
        volatile unsigned long x = 0;
        struct timespec w0, w1;
        SETUP(clock_gettime(CLOCK_MONOTONIC, &w0));
        /* Bounded by 10 s of wall time, so a stuck clock fails, not hangs. */
        do {
            for (int i = 0; i < 100000; i++)
                x += i;
            SETUP(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1));
            SETUP(clock_gettime(CLOCK_MONOTONIC, &w1));
        } while (ts_ns(c1) - ts_ns(c0) < 2000000 && ts_ns(w1) - ts_ns(w0) < 10000000000L);
        CHECK("clock_gettime_cputime_advances", ts_ns(c1) - ts_ns(c0) >= 2000000, "stuck");
        /* The CPU clock of our own pid, made from the pid. */
        clockid_t cid;
        EXPECT_EQ("clock_getcpuclockid_self", clock_getcpuclockid(0, &cid), 0);
        EXPECT_EQ("clock_gettime_pid_cpuclock", clock_gettime(cid, &a), 0);
    }

    COVERS("clock_getres");
    EXPECT_EQ("clock_getres_realtime", clock_getres(CLOCK_REALTIME, &a) == 0 && a.tv_sec == 0 && a.tv_nsec > 0, 1);
    EXPECT_EQ("clock_getres_monotonic_1ns", clock_getres(CLOCK_MONOTONIC, &a) == 0 ? a.tv_nsec : -1, 1);
    EXPECT_EQ("clock_getres_null_ok", clock_getres(CLOCK_MONOTONIC, NULL), 0);
    EXPECT_ERRNO("clock_getres_einval", syscall(SYS_clock_getres, 12345, &a), EINVAL);
    EXPECT_ERRNO("clock_getres_efault", syscall(SYS_clock_getres, CLOCK_MONOTONIC, BAD_PTR), EFAULT);
    EXPECT_EQ("clock_getres_coarse_coarser", clock_getres(CLOCK_MONOTONIC_COARSE, &a) == 0 && a.tv_nsec > 1, 1);

    COVERS("clock_settime");
    SETUP(clock_gettime(CLOCK_MONOTONIC, &a));
    EXPECT_ERRNO("clock_settime_monotonic_einval", clock_settime(CLOCK_MONOTONIC, &a), EINVAL);
    EXPECT_ERRNO("clock_settime_bad_id_einval", syscall(SYS_clock_settime, 12345, &a), EINVAL);
    a.tv_nsec = 2000000000L;
    EXPECT_ERRNO("clock_settime_bad_nsec_einval", clock_settime(CLOCK_REALTIME, &a), EINVAL);
    EXPECT_ERRNO("clock_settime_efault", syscall(SYS_clock_settime, CLOCK_REALTIME, BAD_PTR), EFAULT);

    COVERS("nanosleep");
    struct timespec req = {0, 1000}, rem = {9, 9};
    EXPECT_EQ("nanosleep_short", nanosleep(&req, &rem), 0);
    req = (struct timespec){0, 0};
    EXPECT_EQ("nanosleep_zero", nanosleep(&req, NULL), 0);
    req = (struct timespec){0, 1000000000L};
    EXPECT_ERRNO("nanosleep_einval_nsec", nanosleep(&req, NULL), EINVAL);
    req = (struct timespec){-1, 0};
    EXPECT_ERRNO("nanosleep_einval_negative", nanosleep(&req, NULL), EINVAL);
    req = (struct timespec){0, -1};
    EXPECT_ERRNO("nanosleep_einval_negative_nsec", nanosleep(&req, NULL), EINVAL);
    EXPECT_ERRNO("nanosleep_efault", syscall(SYS_nanosleep, BAD_PTR, NULL), EFAULT);
    SETUP(clock_gettime(CLOCK_MONOTONIC, &a));
    req = (struct timespec){0, 20000000};
    SETUP(nanosleep(&req, NULL));
    SETUP(clock_gettime(CLOCK_MONOTONIC, &b));
    EXPECT_EQ("nanosleep_sleeps_at_least", ts_ns(b) - ts_ns(a) >= 20000000, 1);

    COVERS("clock_nanosleep");
    req = (struct timespec){0, 1000};
    EXPECT_EQ("clock_nanosleep_relative", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), 0);
    SETUP(clock_gettime(CLOCK_MONOTONIC, &a));
    EXPECT_EQ("clock_nanosleep_abstime_past", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &a, NULL), 0);
    a.tv_nsec += 10000000;
    if (a.tv_nsec >= 1000000000L) {
        a.tv_sec++;
        a.tv_nsec -= 1000000000L;
    }
    EXPECT_EQ("clock_nanosleep_abstime_future", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &a, NULL), 0);
    SETUP(clock_gettime(CLOCK_MONOTONIC, &b));
    EXPECT_EQ("clock_nanosleep_abstime_reached", ts_ns(b) >= ts_ns(a), 1);
    EXPECT_EQ("clock_nanosleep_realtime", clock_nanosleep(CLOCK_REALTIME, 0, &req, NULL), 0);
    EXPECT_EQ("clock_nanosleep_einval_clock", clock_nanosleep(12345, 0, &req, NULL), EINVAL);
    EXPECT_EQ("clock_nanosleep_thread_cputime_einval", clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL), EINVAL);
    req = (struct timespec){0, 1000000000L};
    EXPECT_EQ("clock_nanosleep_einval_nsec", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), EINVAL);
    EXPECT_ERRNO("clock_nanosleep_efault", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, BAD_PTR, NULL), EFAULT);

    COVERS("gettimeofday");
    {
        struct timeval tv;
        struct timezone tz;
        EXPECT_EQ("gettimeofday_ok", gettimeofday(&tv, NULL), 0);
        EXPECT_EQ("gettimeofday_usec_range", tv.tv_usec >= 0 && tv.tv_usec < 1000000, 1);
        EXPECT_EQ("gettimeofday_matches_time", labs(tv.tv_sec - time(NULL)) <= 1, 1);
        EXPECT_EQ("gettimeofday_tz", syscall(SYS_gettimeofday, &tv, &tz), 0);
        EXPECT_EQ("gettimeofday_null_both", syscall(SYS_gettimeofday, NULL, NULL), 0);
        EXPECT_ERRNO("gettimeofday_efault", syscall(SYS_gettimeofday, BAD_PTR, NULL), EFAULT);

        COVERS("settimeofday");
        tv.tv_usec = 1000000;
        EXPECT_ERRNO("settimeofday_einval_usec", settimeofday(&tv, NULL), EINVAL);
        EXPECT_ERRNO("settimeofday_efault", syscall(SYS_settimeofday, BAD_PTR, NULL), EFAULT);
    }

    COVERS("time");
    {
        time_t t = 0;
        long r = syscall(SYS_time, &t);
        EXPECT_EQ("time_stores_result", r == t, 1);
        EXPECT_EQ("time_null", syscall(SYS_time, NULL) >= r, 1);
        EXPECT_ERRNO("time_efault", syscall(SYS_time, BAD_PTR), EFAULT);
    }

    COVERS("times");
    {
        struct tms t;
        EXPECT_OK("times_ok", times(&t));
        EXPECT_EQ("times_utime_nonnegative", t.tms_utime >= 0 && t.tms_cutime == 0, 1);
        EXPECT_OK("times_null", syscall(SYS_times, NULL));
        EXPECT_ERRNO("times_efault", syscall(SYS_times, BAD_PTR), EFAULT);
    }

    COVERS("getrusage");
    {
        struct rusage ru;
        EXPECT_EQ("getrusage_self", getrusage(RUSAGE_SELF, &ru), 0);
        EXPECT_EQ("getrusage_self_cpu_used", ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec > 0, 1);
        EXPECT_EQ("getrusage_maxrss_positive", ru.ru_maxrss > 0, 1);
        EXPECT_EQ("getrusage_children", getrusage(RUSAGE_CHILDREN, &ru), 0);
        EXPECT_EQ("getrusage_children_zero", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec, 0);
        EXPECT_EQ("getrusage_thread", getrusage(RUSAGE_THREAD, &ru), 0);
        EXPECT_ERRNO("getrusage_einval_who", getrusage(42, &ru), EINVAL);
        EXPECT_ERRNO("getrusage_efault", getrusage(RUSAGE_SELF, BAD_PTR), EFAULT);
    }

    COVERS("setitimer", "getitimer", "alarm");
    {
        struct itimerval it = {.it_value = {1000, 0}}, old, cur;
        signal(SIGALRM, SIG_IGN);
        EXPECT_EQ("setitimer_real", setitimer(ITIMER_REAL, &it, NULL), 0);
        EXPECT_EQ("getitimer_real_pending", getitimer(ITIMER_REAL, &cur) == 0 && cur.it_value.tv_sec > 990 && cur.it_value.tv_sec <= 1000, 1);
        it.it_value.tv_sec = 0;
        EXPECT_EQ("setitimer_cancel_returns_old", setitimer(ITIMER_REAL, &it, &old) == 0 && old.it_value.tv_sec > 990, 1);
        EXPECT_EQ("getitimer_after_cancel", getitimer(ITIMER_REAL, &cur) == 0 ? cur.it_value.tv_sec + cur.it_value.tv_usec : -1, 0);
        EXPECT_ERRNO("setitimer_einval_which", setitimer(42, &it, NULL), EINVAL);
        EXPECT_ERRNO("getitimer_einval_which", getitimer(42, &cur), EINVAL);
        it.it_value.tv_usec = 1000000;
        EXPECT_ERRNO("setitimer_einval_usec", setitimer(ITIMER_REAL, &it, NULL), EINVAL);
        EXPECT_ERRNO("getitimer_efault", getitimer(ITIMER_REAL, BAD_PTR), EFAULT);
        EXPECT_EQ("getitimer_virtual_idle", getitimer(ITIMER_VIRTUAL, &cur) == 0 ? cur.it_value.tv_sec : -1, 0);
        EXPECT_EQ("alarm_none_pending", alarm(1000), 0);
        EXPECT_EQ("alarm_returns_remaining", alarm(0) > 990, 1);
        EXPECT_EQ("alarm_cancelled", alarm(0), 0);
        signal(SIGALRM, SIG_DFL);
    }

    COVERS("timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete");
    {
        timer_t t;
        struct sigevent sev = {.sigev_notify = SIGEV_NONE};
        EXPECT_EQ("timer_create_none", timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
        struct itimerspec its = {.it_value = {1000, 0}}, cur;
        EXPECT_EQ("timer_settime_relative", timer_settime(t, 0, &its, NULL), 0);
        EXPECT_EQ("timer_gettime_pending", timer_gettime(t, &cur) == 0 && cur.it_value.tv_sec > 990, 1);
        EXPECT_EQ("timer_getoverrun_zero", timer_getoverrun(t), 0);
        its.it_value.tv_nsec = 1000000000L;
        EXPECT_ERRNO("timer_settime_einval_nsec", timer_settime(t, 0, &its, NULL), EINVAL);
        EXPECT_EQ("timer_delete_ok", timer_delete(t), 0);
        EXPECT_ERRNO("timer_delete_twice_einval", syscall(SYS_timer_delete, t), EINVAL);
        EXPECT_ERRNO("timer_create_einval_clock", syscall(SYS_timer_create, 12345, &sev, &t), EINVAL);
        EXPECT_ERRNO("timer_gettime_einval_id", syscall(SYS_timer_gettime, 4242, &cur), EINVAL);
        EXPECT_ERRNO("timer_create_efault", syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, BAD_PTR), EFAULT);
    }

    COVERS("adjtimex", "clock_adjtime");
    {
        struct timex tx = {.modes = 0};
        EXPECT_OK("adjtimex_read_only", adjtimex(&tx));
        EXPECT_OK("clock_adjtime_read_only", syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx));
        EXPECT_ERRNO("clock_adjtime_eopnotsupp_monotonic", syscall(SYS_clock_adjtime, CLOCK_MONOTONIC, &tx), EOPNOTSUPP);
        EXPECT_ERRNO("adjtimex_efault", adjtimex(BAD_PTR), EFAULT);
    }

    int status = as_nobody(nobody_cases);
    CHECK("as_nobody_ran", status == 0, "status %d", status);
    return conf_end();
}
