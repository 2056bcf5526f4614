/* Conformance: epoll (interest list, level and edge triggering, oneshot,
 * nesting, signal masks). */
#include "proc_util.h"

#include <sys/epoll.h>
#include <sys/socket.h>

static int rd, wr;

static void fresh(void)
{
    pu_pipe(&rd, &wr, O_NONBLOCK);
}

static void done(void)
{
    close(rd);
    close(wr);
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event e = {.events = events, .data.u64 = data};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

COVERS("epoll_create", "epoll_create1", "fcntl")
static void test_create(void)
{
    EXPECT_ERRNO("create_zero_size", epoll_create(0), EINVAL);
    EXPECT_ERRNO("create_negative_size", epoll_create(-1), EINVAL);
    int ep = epoll_create(1);
    CHECK("create", ep >= 0, "errno %s", errname(errno));
    EXPECT_EQ("create_no_cloexec", fcntl(ep, F_GETFD), 0);
    close(ep);
    ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK("create1_cloexec", ep >= 0 && fcntl(ep, F_GETFD) == FD_CLOEXEC, "flag missing");
    close(ep);
    EXPECT_ERRNO("create1_bad_flags", epoll_create1(1), EINVAL);
}

COVERS("epoll_ctl", "epoll_create1")
static void test_ctl(void)
{
    int ep = epoll_create1(0);
    SETUP(ep);
    fresh();
    struct epoll_event e = {.events = EPOLLIN};
    EXPECT_OK("ctl_add", add(ep, rd, EPOLLIN, 1));
    EXPECT_ERRNO("ctl_add_twice", add(ep, rd, EPOLLIN, 1), EEXIST);
    EXPECT_OK("ctl_mod", epoll_ctl(ep, EPOLL_CTL_MOD, rd, &e));
    EXPECT_ERRNO("ctl_mod_missing", epoll_ctl(ep, EPOLL_CTL_MOD, wr, &e), ENOENT);
    EXPECT_ERRNO("ctl_del_missing", epoll_ctl(ep, EPOLL_CTL_DEL, wr, &e), ENOENT);
    EXPECT_OK("ctl_del", epoll_ctl(ep, EPOLL_CTL_DEL, rd, NULL));
    EXPECT_ERRNO("ctl_del_again", epoll_ctl(ep, EPOLL_CTL_DEL, rd, NULL), ENOENT);
    EXPECT_ERRNO("ctl_add_self", add(ep, ep, EPOLLIN, 0), EINVAL);
    EXPECT_ERRNO("ctl_bad_op", epoll_ctl(ep, 42, rd, &e), EINVAL);
    EXPECT_ERRNO("ctl_bad_fd", epoll_ctl(ep, EPOLL_CTL_ADD, 9999, &e), EBADF);
    EXPECT_ERRNO("ctl_bad_epfd", epoll_ctl(9999, EPOLL_CTL_ADD, rd, &e), EBADF);
    EXPECT_ERRNO("ctl_not_epoll", epoll_ctl(rd, EPOLL_CTL_ADD, wr, &e), EINVAL);
    EXPECT_ERRNO("ctl_event_efault",
                 syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, rd, BAD_PTR), EFAULT);
    make_file("f", "x", 1);
    int f = open("f", O_RDONLY);
    SETUP(f);
    EXPECT_ERRNO("ctl_regular_file", add(ep, f, EPOLLIN, 0), EPERM);
    close(f);
    EXPECT_OK("ctl_add_exclusive", add(ep, rd, EPOLLIN | EPOLLEXCLUSIVE, 0));
    EXPECT_ERRNO("ctl_exclusive_mod", epoll_ctl(ep, EPOLL_CTL_MOD, rd, &e), EINVAL);
    epoll_ctl(ep, EPOLL_CTL_DEL, rd, NULL);
    e.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
    EXPECT_ERRNO("ctl_exclusive_oneshot", epoll_ctl(ep, EPOLL_CTL_ADD, rd, &e), EINVAL);
    done();
    close(ep);
}

COVERS("epoll_wait", "epoll_ctl", "close")
static void test_wait(void)
{
    int ep = epoll_create1(0);
    SETUP(ep);
    fresh();
    struct epoll_event ev[4];
    SETUP(add(ep, rd, EPOLLIN, 0x1122334455667788ULL));
    SETUP(add(ep, wr, EPOLLOUT, 7));
    EXPECT_ERRNO("wait_zero_maxevents", epoll_wait(ep, ev, 0, 0), EINVAL);
    EXPECT_ERRNO("wait_not_epoll", epoll_wait(rd, ev, 1, 0), EINVAL);
    EXPECT_ERRNO("wait_bad_fd", epoll_wait(9999, ev, 1, 0), EBADF);
    EXPECT_ERRNO("wait_events_efault", syscall(SYS_epoll_wait, ep, BAD_PTR, 4, 0), EFAULT);
    memset(ev, 0, sizeof ev);
    EXPECT_EQ("wait_writable_only", epoll_wait(ep, ev, 4, 0), 1);
    CHECK("wait_data_returned", ev[0].data.u64 == 7 && ev[0].events == EPOLLOUT, "events 0x%x",
          ev[0].events);
    SETUP(write(wr, "ab", 2));
    EXPECT_EQ("wait_both_ready", epoll_wait(ep, ev, 4, 0), 2);
    EXPECT_EQ("wait_maxevents_limits", epoll_wait(ep, ev, 1, 0), 1);
    int found = 0;
    int n = epoll_wait(ep, ev, 4, 0);
    for (int i = 0; i < n; i++)
        if (ev[i].data.u64 == 0x1122334455667788ULL && ev[i].events == EPOLLIN)
            found = 1;
    CHECK("wait_u64_round_trip", found, "data or events differ");
    /* Level-triggered: still reported while data remains. */
    EXPECT_EQ("level_triggered_repeats", epoll_wait(ep, ev, 4, 0), 2);
    SETUP(epoll_ctl(ep, EPOLL_CTL_DEL, wr, NULL));
    char buf[4];
    SETUP(read(rd, buf, sizeof buf));
    EXPECT_EQ("drained_not_ready", epoll_wait(ep, ev, 4, 0), 0);
    EXPECT_EQ("wait_timeout", epoll_wait(ep, ev, 4, 5), 0);
    close(wr);
    memset(ev, 0, sizeof ev);
    EXPECT_EQ("writer_closed_hup", epoll_wait(ep, ev, 4, 0), 1);
    CHECK("hup_always_reported", ev[0].events == EPOLLHUP, "events 0x%x", ev[0].events);
    close(rd);
    EXPECT_EQ("closed_fd_removed", epoll_wait(ep, ev, 4, 0), 0);
    close(ep);
}

COVERS("epoll_wait", "epoll_ctl", "dup", "close")
static void test_edge(void)
{
    int ep = epoll_create1(0);
    SETUP(ep);
    fresh();
    struct epoll_event ev[2];
    SETUP(add(ep, rd, EPOLLIN | EPOLLET, 1));
    SETUP(write(wr, "a", 1));
    EXPECT_EQ("edge_first_report", epoll_wait(ep, ev, 2, 0), 1);
    EXPECT_EQ("edge_no_repeat", epoll_wait(ep, ev, 2, 0), 0);
    SETUP(write(wr, "b", 1));
    EXPECT_EQ("edge_new_data_reports", epoll_wait(ep, ev, 2, 0), 1);
    struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.u64 = 1};
    SETUP(epoll_ctl(ep, EPOLL_CTL_MOD, rd, &e));
    EXPECT_EQ("edge_mod_rearms", epoll_wait(ep, ev, 2, 0), 1);
    done();

    fresh();
    SETUP(add(ep, rd, EPOLLIN | EPOLLONESHOT, 2));
    SETUP(write(wr, "a", 1));
    EXPECT_EQ("oneshot_first", epoll_wait(ep, ev, 2, 0), 1);
    SETUP(write(wr, "b", 1));
    EXPECT_EQ("oneshot_disabled", epoll_wait(ep, ev, 2, 0), 0);
    EXPECT_ERRNO("oneshot_still_registered", add(ep, rd, EPOLLIN, 2), EEXIST);
    e.events = EPOLLIN | EPOLLONESHOT;
    e.data.u64 = 2;
    SETUP(epoll_ctl(ep, EPOLL_CTL_MOD, rd, &e));
    EXPECT_EQ("oneshot_rearmed", epoll_wait(ep, ev, 2, 0), 1);
    done();

    /* Registration follows the open file, not the descriptor number. */
    fresh();
    int d = dup(rd);
    SETUP(add(ep, d, EPOLLIN, 3));
    close(d);
    SETUP(write(wr, "a", 1));
    EXPECT_EQ("dup_closed_still_reported", epoll_wait(ep, ev, 2, 0), 1);
    EXPECT_EQ("reported_data_of_closed_fd", ev[0].data.u64, 3);
    done();
    EXPECT_EQ("all_closed_removed", epoll_wait(ep, ev, 2, 0), 0);
    close(ep);
}

COVERS("epoll_ctl", "epoll_wait")
static void test_nesting(void)
{
    int outer = epoll_create1(0), inner = epoll_create1(0);
    SETUP(outer);
    SETUP(inner);
    fresh();
    SETUP(add(inner, rd, EPOLLIN, 1));
    EXPECT_OK("nested_add", add(outer, inner, EPOLLIN, 2));
    struct epoll_event ev[2];
    EXPECT_EQ("nested_not_ready", epoll_wait(outer, ev, 2, 0), 0);
    SETUP(write(wr, "a", 1));
    EXPECT_EQ("nested_ready", epoll_wait(outer, ev, 2, 0), 1);
    CHECK("nested_data", ev[0].data.u64 == 2 && ev[0].events == EPOLLIN, "events 0x%x",
          ev[0].events);
    EXPECT_ERRNO("nested_loop", add(inner, outer, EPOLLIN, 3), ELOOP);
    done();
    close(inner);
    close(outer);
}

COVERS("epoll_pwait", "epoll_pwait2", "epoll_wait")
static void test_pwait(void)
{
    int ep = epoll_create1(0);
    SETUP(ep);
    fresh();
    SETUP(add(ep, rd, EPOLLIN, 1));
    struct epoll_event ev[2];
    sigset_t empty;
    sigemptyset(&empty);
    EXPECT_EQ("pwait_timeout", epoll_pwait(ep, ev, 2, 0, &empty), 0);
    EXPECT_ERRNO("pwait_bad_sigsetsize", syscall(SYS_epoll_pwait, ep, ev, 2, 0, &empty, 4), EINVAL);

    pu_handle(SIGUSR1, pu_count_handler, 0);
    pu_sig_count[SIGUSR1] = 0;
    pu_block(SIGUSR1, NULL);
    raise(SIGUSR1);
    EXPECT_ERRNO("pwait_sigmask_eintr", epoll_pwait(ep, ev, 2, -1, &empty), EINTR);
    EXPECT_EQ("pwait_handler_ran", pu_sig_count[SIGUSR1], 1);
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK("pwait_mask_restored", sigismember(&cur, SIGUSR1), "mask not restored");
    pu_unblock(SIGUSR1);
    pu_default(SIGUSR1);

    pu_tick_start(2000, 1);
    EXPECT_ERRNO("wait_eintr", epoll_wait(ep, ev, 2, -1), EINTR);
    pu_tick_stop();

#ifdef SYS_epoll_pwait2
    struct timespec ts = {0, 1000000};
    long r = syscall(SYS_epoll_pwait2, ep, ev, 2, &ts, NULL, 8);
    if (r == -1 && errno == ENOSYS) {
        skip("pwait2_timeout", "epoll_pwait2 not supported");
    } else {
        CHECK("pwait2_timeout", r == 0, "returned %ld", r);
        struct timespec bad = {0, 1000000000};
        EXPECT_ERRNO("pwait2_bad_nsec",
                     syscall(SYS_epoll_pwait2, ep, ev, 2, &bad, NULL, 8), EINVAL);
        SETUP(write(wr, "x", 1));
        EXPECT_EQ("pwait2_ready", syscall(SYS_epoll_pwait2, ep, ev, 2, NULL, NULL, 8), 1);
    }
#else
    skip("pwait2_timeout", "epoll_pwait2 not in headers");
#endif
    done();
    close(ep);
}

static int child_write_later(void *arg)
{
    struct pu_chan *c = arg;
    pu_await(c);
    return write(wr, "w", 1) == 1 ? 0 : 1;
}

COVERS("epoll_wait", "socketpair", "shutdown")
static void test_blocking(void)
{
    int ep = epoll_create1(0);
    SETUP(ep);
    fresh();
    SETUP(add(ep, rd, EPOLLIN, 9));
    struct pu_chan c;
    pu_chan_open(&c);
    pid_t pid = pu_spawn(child_write_later, &c);
    pu_post(&c, 1);
    struct epoll_event ev[2];
    EXPECT_EQ("woken_by_child", epoll_wait(ep, ev, 2, -1), 1);
    EXPECT_EQ("woken_data", ev[0].data.u64, 9);
    pu_wait(pid);
    pu_chan_close(&c);

    int sv[2];
    SETUP(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    SETUP(add(ep, sv[0], EPOLLIN | EPOLLRDHUP, 10));
    SETUP(shutdown(sv[1], SHUT_WR));
    char b;
    SETUP(read(rd, &b, 1));
    memset(ev, 0, sizeof ev);
    EXPECT_EQ("rdhup_reported", epoll_wait(ep, ev, 2, 0), 1);
    CHECK("rdhup_events", ev[0].events == (EPOLLIN | EPOLLRDHUP), "events 0x%x", ev[0].events);
    close(sv[0]);
    close(sv[1]);
    done();
    close(ep);
}

int main(void)
{
    conf_begin("epoll");
    pu_setup();
    test_create();
    test_ctl();
    test_wait();
    test_edge();
    test_nesting();
    test_pwait();
    test_blocking();
    return conf_end();
}
