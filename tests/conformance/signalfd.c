/* Conformance: signalfd (reading pending signals as records). */
#include "proc_util.h"

#include <sys/signalfd.h>

static ssize_t read_one(int fd, struct signalfd_siginfo *si)
{
    memset(si, 0, sizeof *si);
    return read(fd, si, sizeof *si);
}

COVERS("signalfd", "signalfd4")
static void test_create(void)
{
    sigset_t s = pu_sigset(SIGUSR1, 0);
    int fd = signalfd(-1, &s, 0);
    CHECK("create", fd >= 0, "errno %s", errname(errno));
    EXPECT_EQ("no_cloexec", fcntl(fd, F_GETFD), 0);
    int p[2];
    SETUP(pipe(p));
    EXPECT_ERRNO("update_not_signalfd", signalfd(p[0], &s, 0), EINVAL);
    close(p[0]);
    close(p[1]);
    EXPECT_ERRNO("update_bad_fd", signalfd(9999, &s, 0), EBADF);
    EXPECT_ERRNO("bad_flags", signalfd(-1, &s, 1), EINVAL);
    EXPECT_ERRNO("bad_sizemask", syscall(SYS_signalfd4, -1, &s, 4, 0), EINVAL);
    EXPECT_ERRNO("mask_efault", syscall(SYS_signalfd4, -1, BAD_PTR, 8, 0), EFAULT);
    int fd2 = signalfd(-1, &s, SFD_CLOEXEC | SFD_NONBLOCK);
    CHECK("cloexec_nonblock", fd2 >= 0 && fcntl(fd2, F_GETFD) == FD_CLOEXEC &&
                                  (fcntl(fd2, F_GETFL) & O_NONBLOCK),
          "flags missing");
    close(fd2);
    fd2 = syscall(SYS_signalfd, -1, &s, 8);
    CHECK("legacy_signalfd", fd2 >= 0, "errno %s", errname(errno));
    close(fd2);
    sigset_t k = pu_sigset(SIGKILL, SIGSTOP);
    fd2 = signalfd(-1, &k, 0);
    CHECK("sigkill_in_mask_accepted", fd2 >= 0, "errno %s", errname(errno));
    close(fd2);
    close(fd);
}

COVERS("signalfd4", "read", "poll")
static void test_read(void)
{
    sigset_t s = pu_sigset(SIGUSR1, SIGRTMIN);
    SETUP(sigprocmask(SIG_BLOCK, &s, NULL));
    int fd = signalfd(-1, &s, SFD_NONBLOCK);
    SETUP(fd);
    struct signalfd_siginfo si;
    ssize_t n = read_one(fd, &si);
    CHECK("nothing_pending_eagain", n == -1 && errno == EAGAIN, "read %ld", (long)n);
    struct pollfd p = {fd, POLLIN, 0};
    EXPECT_EQ("poll_not_ready", poll(&p, 1, 0), 0);
    SETUP(kill(getpid(), SIGUSR1));
    EXPECT_EQ("poll_ready", poll(&p, 1, 0), 1);
    uint32_t small[4];
    EXPECT_ERRNO("read_short_buffer", read(fd, small, sizeof small), EINVAL);
    n = read_one(fd, &si);
    EXPECT_EQ("read_record_size", n, (long)sizeof si);
    CHECK("record_signo", si.ssi_signo == SIGUSR1, "ssi_signo %u", si.ssi_signo);
    CHECK("record_si_user", si.ssi_code == SI_USER, "ssi_code %d", si.ssi_code);
    CHECK("record_pid_uid", si.ssi_pid == (uint32_t)getpid() && si.ssi_uid == getuid(),
          "sender differs");
    CHECK("read_dequeues", pu_pending(SIGUSR1) == 0, "still pending");

    union sigval v = {.sival_int = 77};
    SETUP(sigqueue(getpid(), SIGRTMIN, v));
    n = read_one(fd, &si);
    CHECK("record_si_queue", n == sizeof si && si.ssi_code == SI_QUEUE && si.ssi_int == 77,
          "ssi_code %d ssi_int %d", si.ssi_code, si.ssi_int);
    SETUP(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1));
    n = read_one(fd, &si);
    CHECK("record_si_tkill", n == sizeof si && si.ssi_code == SI_TKILL, "ssi_code %d",
          si.ssi_code);

    for (int i = 0; i < 3; i++) {
        v.sival_int = i;
        SETUP(sigqueue(getpid(), SIGRTMIN, v));
    }
    struct signalfd_siginfo many[4];
    EXPECT_EQ("read_several_records", read(fd, many, sizeof many), 3 * (long)sizeof si);
    CHECK("records_in_queue_order", many[0].ssi_int == 0 && many[1].ssi_int == 1 &&
                                        many[2].ssi_int == 2,
          "order %d,%d,%d", many[0].ssi_int, many[1].ssi_int, many[2].ssi_int);

    pu_block(SIGUSR2, NULL);
    raise(SIGUSR2);
    n = read_one(fd, &si);
    CHECK("unmasked_signal_not_read", n == -1 && errno == EAGAIN, "read %ld", (long)n);
    sigset_t s2 = pu_sigset(SIGUSR2, 0);
    EXPECT_EQ("update_mask_same_fd", signalfd(fd, &s2, 0), fd);
    n = read_one(fd, &si);
    CHECK("updated_mask_reads", n == sizeof si && si.ssi_signo == SIGUSR2, "ssi_signo %u",
          si.ssi_signo);
    raise(SIGUSR2);
    EXPECT_ERRNO("read_efault", syscall(SYS_read, fd, BAD_PTR, sizeof si), EFAULT);
    signal(SIGUSR2, SIG_IGN);
    pu_unblock(SIGUSR2);
    pu_default(SIGUSR2);
    close(fd);
}

static int child_read_own(void *arg)
{
    int fd = (int)(long)arg;
    struct signalfd_siginfo si;
    ssize_t n = read_one(fd, &si);
    return n == -1 && errno == EAGAIN ? 0 : 1;
}

COVERS("signalfd4", "read")
static void test_processes(void)
{
    sigset_t s = pu_sigset(SIGUSR1, 0);
    int fd = signalfd(-1, &s, SFD_NONBLOCK);
    SETUP(fd);
    raise(SIGUSR1);
    CHECK("child_reads_own_signals",
          pu_status_is(pu_run(child_read_own, (void *)(long)fd), PU_EXITED(0)),
          "%s", pu_status_diff);
    struct signalfd_siginfo si;
    EXPECT_EQ("parent_still_has_signal", read_one(fd, &si), (long)sizeof si);
    close(fd);

    fd = signalfd(-1, &s, 0);
    SETUP(fd);
    pid_t parent = getpid();
    pid_t pid = pu_fork();
    if (pid == 0)
        _exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
    ssize_t n = read_one(fd, &si);
    CHECK("blocking_read_from_child", n == sizeof si && si.ssi_signo == SIGUSR1, "read %ld",
          (long)n);
    CHECK("record_pid_is_child", si.ssi_pid == (uint32_t)pid, "ssi_pid is not the child");
    pu_wait(pid);

    pu_tick_start(2000, 0);
    n = read_one(fd, &si);
    CHECK("read_eintr", n == -1 && errno == EINTR, "read %ld", (long)n);
    pu_tick_stop();
    close(fd);
}

int main(void)
{
    conf_begin("signalfd");
    pu_setup();
    test_create();
    test_read();
    test_processes();
    return conf_end();
}
