/* Conformance: timerfd (arming, disarming, expirations, absolute times).
 * Times are checked as relations (armed, bounded), never as values. */
#include "proc_util.h"

#include <sys/ioctl.h>
#include <sys/timerfd.h>

/* From <linux/timerfd.h>, which clashes with glibc's header. */
#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS _IOW('T', 0, uint64_t)
#endif

static uint64_t expirations(int fd, ssize_t *n)
{
    uint64_t v = 0;
    *n = read(fd, &v, sizeof v);
    return v;
}

COVERS("timerfd_create")
static void test_create(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    CHECK("create_monotonic", fd >= 0, "errno %s", errname(errno));
    EXPECT_EQ("no_cloexec", fcntl(fd, F_GETFD), 0);
    close(fd);
    fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
    CHECK("create_realtime_flags", fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC &&
                                       (fcntl(fd, F_GETFL) & O_NONBLOCK),
          "flags missing");
    close(fd);
    fd = timerfd_create(CLOCK_BOOTTIME, 0);
    CHECK("create_boottime", fd >= 0, "errno %s", errname(errno));
    close(fd);
    EXPECT_ERRNO("create_bad_clock", timerfd_create(42, 0), EINVAL);
    EXPECT_ERRNO("create_cputime_clock", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
    EXPECT_ERRNO("create_bad_flags", timerfd_create(CLOCK_MONOTONIC, 1), EINVAL);
}

COVERS("timerfd_settime", "timerfd_gettime", "read")
static void test_settime(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    SETUP(fd);
    struct itimerspec cur;
    memset(&cur, 0xff, sizeof cur);
    EXPECT_OK("gettime_new", timerfd_gettime(fd, &cur));
    CHECK("new_timer_disarmed",
          cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0 && cur.it_interval.tv_sec == 0 &&
              cur.it_interval.tv_nsec == 0,
          "armed");
    struct itimerspec ten = {{2, 500}, {10, 0}}, old;
    EXPECT_OK("settime_relative", timerfd_settime(fd, 0, &ten, NULL));
    SETUP(timerfd_gettime(fd, &cur));
    CHECK("gettime_remaining_bounded",
          (cur.it_value.tv_sec > 0 || cur.it_value.tv_nsec > 0) && cur.it_value.tv_sec <= 10 &&
              (cur.it_value.tv_sec < 10 || cur.it_value.tv_nsec == 0),
          "remaining out of range");
    CHECK("gettime_interval", cur.it_interval.tv_sec == 2 && cur.it_interval.tv_nsec == 500,
          "interval differs");
    ssize_t n;
    expirations(fd, &n);
    CHECK("not_expired_eagain", n == -1 && errno == EAGAIN, "read %ld", (long)n);
    struct itimerspec off = {{0, 0}, {0, 0}};
    memset(&old, 0, sizeof old);
    EXPECT_OK("settime_disarm", timerfd_settime(fd, 0, &off, &old));
    CHECK("settime_old_value", old.it_interval.tv_sec == 2 && old.it_value.tv_sec <= 10 &&
                                   (old.it_value.tv_sec > 0 || old.it_value.tv_nsec > 0),
          "old value differs");
    SETUP(timerfd_gettime(fd, &cur));
    CHECK("disarmed", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0, "still armed");

    struct itimerspec bad = {{0, 0}, {0, 1000000000}};
    EXPECT_ERRNO("settime_bad_nsec", timerfd_settime(fd, 0, &bad, NULL), EINVAL);
    struct itimerspec neg = {{0, 0}, {-1, 0}};
    EXPECT_ERRNO("settime_negative", timerfd_settime(fd, 0, &neg, NULL), EINVAL);
    struct itimerspec badint = {{0, -1}, {1, 0}};
    EXPECT_ERRNO("settime_bad_interval", timerfd_settime(fd, 0, &badint, NULL), EINVAL);
    EXPECT_ERRNO("settime_bad_flags", timerfd_settime(fd, 0x10, &ten, NULL), EINVAL);
    EXPECT_ERRNO("settime_efault", syscall(SYS_timerfd_settime, fd, 0, BAD_PTR, NULL), EFAULT);
    EXPECT_ERRNO("gettime_efault", syscall(SYS_timerfd_gettime, fd, BAD_PTR), EFAULT);
    int p[2];
    SETUP(pipe(p));
    EXPECT_ERRNO("settime_not_timerfd", timerfd_settime(p[0], 0, &ten, NULL), EINVAL);
    EXPECT_ERRNO("gettime_not_timerfd", timerfd_gettime(p[0], &cur), EINVAL);
    close(p[0]);
    close(p[1]);
    EXPECT_ERRNO("settime_bad_fd", timerfd_settime(9999, 0, &ten, NULL), EBADF);
    uint32_t small;
    EXPECT_ERRNO("read_short_buffer", read(fd, &small, sizeof small), EINVAL);
    close(fd);
}

COVERS("timerfd_settime", "timerfd_gettime", "read", "poll", "ioctl")
static void test_expiry(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    SETUP(fd);
    struct itimerspec one = {{0, 0}, {0, 1000000}};
    SETUP(timerfd_settime(fd, 0, &one, NULL));
    ssize_t n;
    uint64_t v = expirations(fd, &n);
    CHECK("blocking_read_expiry", n == 8 && v == 1, "read %ld count %lu", (long)n,
          (unsigned long)v);
    struct itimerspec cur;
    SETUP(timerfd_gettime(fd, &cur));
    CHECK("oneshot_disarmed_after_expiry", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0,
          "still armed");
    SETUP(fcntl(fd, F_SETFL, O_NONBLOCK));
    expirations(fd, &n);
    CHECK("read_resets_count", n == -1 && errno == EAGAIN, "read %ld", (long)n);

    struct itimerspec periodic = {{0, 1000000}, {0, 1000000}};
    SETUP(timerfd_settime(fd, 0, &periodic, NULL));
    struct pollfd p = {fd, POLLIN, 0};
    EXPECT_EQ("poll_periodic_ready", poll(&p, 1, 2000), 1);
    v = expirations(fd, &n);
    CHECK("periodic_count_positive", n == 8 && v >= 1, "read %ld", (long)n);
    SETUP(timerfd_gettime(fd, &cur));
    CHECK("periodic_stays_armed", cur.it_interval.tv_nsec == 1000000, "interval lost");
    struct itimerspec off = {{0, 0}, {0, 0}};
    SETUP(timerfd_settime(fd, 0, &off, NULL));
    close(fd);

    /* An absolute time in the past expires at once, exactly once. */
    fd = timerfd_create(CLOCK_MONOTONIC, 0);
    SETUP(fd);
    struct itimerspec past = {{0, 0}, {0, 1}};
    EXPECT_OK("settime_abstime_past", timerfd_settime(fd, TFD_TIMER_ABSTIME, &past, NULL));
    v = expirations(fd, &n);
    CHECK("abstime_past_expires_once", n == 8 && v == 1, "count %lu", (unsigned long)v);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct itimerspec future = {{0, 0}, {now.tv_sec + 100, 0}};
    SETUP(timerfd_settime(fd, TFD_TIMER_ABSTIME, &future, NULL));
    SETUP(timerfd_gettime(fd, &cur));
    CHECK("abstime_gettime_relative", cur.it_value.tv_sec <= 100 && cur.it_value.tv_sec >= 90,
          "remaining not relative");
    SETUP(fcntl(fd, F_SETFL, O_NONBLOCK));
    expirations(fd, &n);
    CHECK("abstime_future_not_expired", n == -1 && errno == EAGAIN, "read %ld", (long)n);

    uint64_t ticks = 5;
    if (ioctl(fd, TFD_IOC_SET_TICKS, &ticks) == 0) {
        EXPECT_EQ("set_ticks_read", expirations(fd, &n), 5);
    } else {
        skip("set_ticks_read", "TFD_IOC_SET_TICKS unavailable");
    }
    close(fd);

    fd = timerfd_create(CLOCK_REALTIME, 0);
    SETUP(fd);
    clock_gettime(CLOCK_REALTIME, &now);
    struct itimerspec rt = {{0, 0}, {now.tv_sec + 100, 0}};
    EXPECT_OK("realtime_cancel_on_set",
              timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &rt, NULL));
    close(fd);
}

COVERS("read")
static void test_eintr(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    SETUP(fd);
    struct itimerspec far = {{0, 0}, {100, 0}};
    SETUP(timerfd_settime(fd, 0, &far, NULL));
    pu_tick_start(2000, 0);
    ssize_t n;
    expirations(fd, &n);
    CHECK("read_eintr", n == -1 && errno == EINTR, "read %ld", (long)n);
    pu_tick_stop();
    close(fd);
}

int main(void)
{
    conf_begin("timerfd");
    pu_setup();
    test_create();
    test_settime();
    test_expiry();
    test_eintr();
    return conf_end();
}
