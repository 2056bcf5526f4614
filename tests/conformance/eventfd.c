/* Conformance: eventfd counters and semaphores. */
#include "proc_util.h"

#include <sys/eventfd.h>

static uint64_t rd64(int fd, ssize_t *n)
{
    uint64_t v = 0;
    *n = read(fd, &v, sizeof v);
    return v;
}

static ssize_t wr64(int fd, uint64_t v)
{
    return write(fd, &v, sizeof v);
}

static short revents(int fd)
{
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    poll(&p, 1, 0);
    return p.revents;
}

COVERS("eventfd", "eventfd2", "fcntl")
static void test_create(void)
{
    int fd = eventfd(0, 0);
    CHECK("create", fd >= 0, "errno %s", errname(errno));
    EXPECT_EQ("no_cloexec", fcntl(fd, F_GETFD), 0);
    EXPECT_EQ("rdwr", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
    close(fd);
    fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    CHECK("cloexec_nonblock", fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC &&
                                  (fcntl(fd, F_GETFL) & O_NONBLOCK),
          "flags missing");
    close(fd);
    EXPECT_ERRNO("bad_flags", eventfd(0, 2), EINVAL);
    EXPECT_ERRNO("bad_flags_high", eventfd(0, 0x1000000), EINVAL);
    fd = syscall(SYS_eventfd, 5);
    CHECK("legacy_eventfd", fd >= 0, "errno %s", errname(errno));
    ssize_t n;
    EXPECT_EQ("legacy_initval", rd64(fd, &n), 5);
    close(fd);
}

COVERS("eventfd2", "read", "write", "poll")
static void test_counter(void)
{
    int fd = eventfd(3, EFD_NONBLOCK);
    SETUP(fd);
    ssize_t n;
    uint64_t v = rd64(fd, &n);
    CHECK("read_initval", n == 8 && v == 3, "read %ld value %lu", (long)n, (unsigned long)v);
    rd64(fd, &n);
    CHECK("read_zero_eagain", n == -1 && errno == EAGAIN, "read %ld", (long)n);
    EXPECT_EQ("write_adds", wr64(fd, 3), 8);
    SETUP(wr64(fd, 4));
    v = rd64(fd, &n);
    EXPECT_EQ("sum_read", v, 7);
    uint64_t big[2] = {0, 0};
    SETUP(wr64(fd, 1));
    EXPECT_EQ("read_large_buffer", read(fd, big, sizeof big), 8);
    uint32_t small = 0;
    EXPECT_ERRNO("read_short_buffer", read(fd, &small, 4), EINVAL);
    EXPECT_ERRNO("write_short_buffer", write(fd, &small, 4), EINVAL);
    EXPECT_ERRNO("write_max_invalid", wr64(fd, UINT64_MAX), EINVAL);
    EXPECT_EQ("write_zero_value", wr64(fd, 0), 8);
    SETUP(wr64(fd, 1));
    EXPECT_ERRNO("read_efault", syscall(SYS_read, fd, BAD_PTR, 8), EFAULT);
    rd64(fd, &n);
    EXPECT_ERRNO("write_efault", syscall(SYS_write, fd, BAD_PTR, 8), EFAULT);

    EXPECT_EQ("poll_empty_writable_only", revents(fd), POLLOUT);
    SETUP(wr64(fd, UINT64_MAX - 1));
    EXPECT_EQ("poll_full_readable_only", revents(fd), POLLIN);
    EXPECT_ERRNO("write_overflow_eagain", wr64(fd, 1), EAGAIN);
    v = rd64(fd, &n);
    EXPECT_EQ("read_max_counter", v, UINT64_MAX - 1);
    SETUP(wr64(fd, 2));
    EXPECT_EQ("poll_nonzero_both", revents(fd), POLLIN | POLLOUT);
    close(fd);
}

COVERS("eventfd2", "read", "write")
static void test_semaphore(void)
{
    int fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    SETUP(fd);
    ssize_t n;
    int ones = 0;
    for (int i = 0; i < 3; i++)
        ones += rd64(fd, &n) == 1;
    EXPECT_EQ("semaphore_reads_one", ones, 3);
    rd64(fd, &n);
    CHECK("semaphore_exhausted", n == -1 && errno == EAGAIN, "read %ld", (long)n);
    SETUP(wr64(fd, 2));
    EXPECT_EQ("semaphore_after_write", rd64(fd, &n), 1);
    close(fd);
}

static int child_post(void *arg)
{
    int fd = (int)(long)arg;
    return wr64(fd, 9) == 8 ? 0 : 1;
}

COVERS("read", "write", "setitimer")
static void test_blocking(void)
{
    int fd = eventfd(0, 0);
    SETUP(fd);
    pid_t pid = pu_spawn(child_post, (void *)(long)fd);
    ssize_t n;
    EXPECT_EQ("blocking_read_woken", rd64(fd, &n), 9);
    pu_wait(pid);
    pu_tick_start(2000, 0);
    rd64(fd, &n);
    CHECK("read_eintr", n == -1 && errno == EINTR, "read %ld", (long)n);
    SETUP(wr64(fd, UINT64_MAX - 1));
    EXPECT_ERRNO("write_full_eintr", wr64(fd, 1), EINTR);
    pu_tick_stop();
    close(fd);
}

int main(void)
{
    conf_begin("eventfd");
    pu_setup();
    test_create();
    test_counter();
    test_semaphore();
    test_blocking();
    return conf_end();
}
