/* Conformance: select and pselect6. */
#include "proc_util.h"

#include <sys/select.h>

static int rd, wr;

static void fresh(void)
{
    pu_pipe(&rd, &wr, 0);
}

static void done(void)
{
    close(rd);
    close(wr);
}

COVERS("select")
static void test_ready(void)
{
    fresh();
    fd_set r, w;
    struct timeval zero = {0, 0};
    FD_ZERO(&r);
    FD_SET(rd, &r);
    EXPECT_EQ("empty_pipe_times_out", select(rd + 1, &r, NULL, NULL, &zero), 0);
    CHECK("timed_out_set_cleared", !FD_ISSET(rd, &r), "set not cleared");
    FD_ZERO(&w);
    FD_SET(wr, &w);
    EXPECT_EQ("pipe_writable", select(wr + 1, NULL, &w, NULL, &zero), 1);
    CHECK("writable_bit", FD_ISSET(wr, &w), "bit cleared");
    SETUP(write(wr, "x", 1));
    FD_ZERO(&r);
    FD_SET(rd, &r);
    FD_ZERO(&w);
    FD_SET(wr, &w);
    int n = rd > wr ? rd : wr;
    EXPECT_EQ("readable_and_writable_counted", select(n + 1, &r, &w, NULL, &zero), 2);
    CHECK("both_bits", FD_ISSET(rd, &r) && FD_ISSET(wr, &w), "bit cleared");
    FD_ZERO(&r);
    FD_SET(rd, &r);
    FD_ZERO(&w);
    FD_SET(rd, &w);
    EXPECT_EQ("same_fd_in_two_sets", select(rd + 1, &r, &w, NULL, &zero), 1);
    CHECK("read_end_not_writable", FD_ISSET(rd, &r) && !FD_ISSET(rd, &w), "wrong bits");
    close(wr);
    char b;
    SETUP(read(rd, &b, 1));
    FD_ZERO(&r);
    FD_SET(rd, &r);
    EXPECT_EQ("eof_is_readable", select(rd + 1, &r, NULL, NULL, &zero), 1);
    close(rd);

    fresh();
    close(rd);
    FD_ZERO(&w);
    FD_SET(wr, &w);
    EXPECT_EQ("broken_pipe_is_writable", select(wr + 1, NULL, &w, NULL, &zero), 1);
    close(wr);

    fresh();
    FD_ZERO(&r);
    FD_SET(rd, &r);
    EXPECT_EQ("nfds_excludes_fd", select(rd, &r, NULL, NULL, &zero), 0);
    done();
}

COVERS("select")
static void test_errors(void)
{
    fresh();
    fd_set r;
    struct timeval zero = {0, 0};
    EXPECT_ERRNO("negative_nfds", select(-1, NULL, NULL, NULL, &zero), EINVAL);
    int closed = dup(rd);
    close(closed);
    FD_ZERO(&r);
    FD_SET(closed, &r);
    EXPECT_ERRNO("closed_fd_ebadf", select(closed + 1, &r, NULL, NULL, &zero), EBADF);
    struct timeval bad = {0, -1};
    FD_ZERO(&r);
    FD_SET(rd, &r);
    EXPECT_ERRNO("negative_usec", select(rd + 1, &r, NULL, NULL, &bad), EINVAL);
    struct timeval neg = {-1, 0};
    EXPECT_ERRNO("negative_sec", select(rd + 1, &r, NULL, NULL, &neg), EINVAL);
    EXPECT_ERRNO("readfds_efault", syscall(SYS_select, rd + 1, BAD_PTR, NULL, NULL, &zero), EFAULT);
    EXPECT_ERRNO("timeout_efault", syscall(SYS_select, rd + 1, &r, NULL, NULL, BAD_PTR), EFAULT);
    done();
}

COVERS("select")
static void test_timeouts(void)
{
    fresh();
    fd_set r;
    FD_ZERO(&r);
    FD_SET(rd, &r);
    struct timeval tv = {0, 2000};
    EXPECT_EQ("timeout_expires", select(rd + 1, &r, NULL, NULL, &tv), 0);
    CHECK("timeout_written_back", tv.tv_sec == 0 && tv.tv_usec == 0, "time left");
    SETUP(write(wr, "x", 1));
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    FD_ZERO(&r);
    FD_SET(rd, &r);
    EXPECT_EQ("ready_before_timeout", select(rd + 1, &r, NULL, NULL, &tv), 1);
    CHECK("remaining_time_bounded", tv.tv_sec <= 5 && tv.tv_sec >= 0 && tv.tv_usec >= 0 &&
                                        tv.tv_usec < 1000000 && (tv.tv_sec < 5 || tv.tv_usec == 0),
          "remaining time out of range");
    struct timeval short_tv = {0, 1000};
    EXPECT_EQ("no_fds_sleep", select(0, NULL, NULL, NULL, &short_tv), 0);
    done();
}

COVERS("pselect6", "select")
static void test_signals(void)
{
    fresh();
    fd_set r;
    FD_ZERO(&r);
    FD_SET(rd, &r);
    pu_tick_start(2000, 1);
    EXPECT_ERRNO("select_eintr", select(rd + 1, &r, NULL, NULL, NULL), EINTR);
    pu_tick_stop();

    sigset_t empty, cur;
    sigemptyset(&empty);
    struct timespec zero = {0, 0};
    FD_ZERO(&r);
    FD_SET(rd, &r);
    EXPECT_EQ("pselect_zero_timeout", pselect(rd + 1, &r, NULL, NULL, &zero, &empty), 0);
    struct timespec bad = {0, 1000000000};
    EXPECT_ERRNO("pselect_bad_nsec", pselect(rd + 1, &r, NULL, NULL, &bad, NULL), EINVAL);
    struct {
        const sigset_t *ss;
        size_t len;
    } arg = {&empty, 4};
    EXPECT_ERRNO("pselect_bad_sigsetsize",
                 syscall(SYS_pselect6, rd + 1, &r, NULL, NULL, &zero, &arg), EINVAL);
    EXPECT_ERRNO("pselect_arg_efault",
                 syscall(SYS_pselect6, rd + 1, &r, NULL, NULL, &zero, BAD_PTR),
                 EFAULT);

    pu_handle(SIGUSR1, pu_count_handler, 0);
    pu_sig_count[SIGUSR1] = 0;
    pu_block(SIGUSR1, NULL);
    raise(SIGUSR1);
    FD_ZERO(&r);
    FD_SET(rd, &r);
    EXPECT_ERRNO("pselect_sigmask_eintr", pselect(rd + 1, &r, NULL, NULL, NULL, &empty), EINTR);
    EXPECT_EQ("pselect_handler_ran", pu_sig_count[SIGUSR1], 1);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK("pselect_mask_restored", sigismember(&cur, SIGUSR1), "mask not restored");
    struct timespec ts = {0, 2000000};
    arg.ss = NULL;
    arg.len = 8;
    FD_ZERO(&r);
    FD_SET(rd, &r);
    EXPECT_EQ("pselect_raw_timeout", syscall(SYS_pselect6, rd + 1, &r, NULL, NULL, &ts, &arg), 0);
    CHECK("pselect_remaining_written_back", ts.tv_sec == 0 && ts.tv_nsec == 0, "time left");
    pu_unblock(SIGUSR1);
    pu_default(SIGUSR1);
    done();
}

int main(void)
{
    conf_begin("select");
    pu_setup();
    test_ready();
    test_errors();
    test_timeouts();
    test_signals();
    return conf_end();
}
