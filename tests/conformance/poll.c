/* Conformance: poll and ppoll readiness over pipes, sockets and files. */
#include "proc_util.h"

#include <sys/socket.h>

static int rd, wr;

static void fresh(void)
{
    pu_pipe(&rd, &wr, 0);
}

static short revents_of(int fd, short events, int timeout, int *ret)
{
    struct pollfd p = {fd, events, 0x7fff};
    *ret = poll(&p, 1, timeout);
    return p.revents;
}

COVERS("poll")
static void test_pipe(void)
{
    int r;
    fresh();
    short ev = revents_of(rd, POLLIN, 0, &r);
    CHECK("empty_pipe_not_readable", r == 0 && ev == 0, "ret %d revents 0x%x", r, ev);
    ev = revents_of(wr, POLLOUT, 0, &r);
    CHECK("pipe_writable", r == 1 && ev == POLLOUT, "ret %d revents 0x%x", r, ev);
    SETUP(write(wr, "x", 1));
    ev = revents_of(rd, POLLIN | POLLOUT, 0, &r);
    CHECK("pipe_readable", r == 1 && ev == POLLIN, "ret %d revents 0x%x", r, ev);
    ev = revents_of(rd, POLLRDNORM, 0, &r);
    CHECK("pipe_rdnorm", r == 1 && ev == POLLRDNORM, "ret %d revents 0x%x", r, ev);
    close(wr);
    ev = revents_of(rd, POLLIN, 0, &r);
    CHECK("writer_closed_data_left", ev == (POLLIN | POLLHUP), "revents 0x%x", ev);
    char b;
    SETUP(read(rd, &b, 1));
    ev = revents_of(rd, POLLIN, 0, &r);
    CHECK("writer_closed_empty_hup", r == 1 && ev == POLLHUP, "ret %d revents 0x%x", r, ev);
    ev = revents_of(rd, 0, 0, &r);
    CHECK("hup_reported_without_events", r == 1 && ev == POLLHUP, "ret %d revents 0x%x", r, ev);
    close(rd);

    fresh();
    close(rd);
    ev = revents_of(wr, POLLOUT, 0, &r);
    CHECK("reader_closed_err", r == 1 && (ev & POLLERR), "ret %d revents 0x%x", r, ev);
    ev = revents_of(wr, 0, 0, &r);
    CHECK("err_reported_without_events", r == 1 && ev == POLLERR, "ret %d revents 0x%x", r, ev);
    close(wr);
}

COVERS("poll")
static void test_special(void)
{
    int r;
    fresh();
    int closed = dup(rd);
    close(closed);
    short ev = revents_of(closed, POLLIN, 0, &r);
    CHECK("closed_fd_nval", r == 1 && ev == POLLNVAL, "ret %d revents 0x%x", r, ev);
    ev = revents_of(-1, POLLIN, 0, &r);
    CHECK("negative_fd_ignored", r == 0 && ev == 0, "ret %d revents 0x%x", r, ev);

    SETUP(write(wr, "x", 1));
    struct pollfd many[4] = {{rd, POLLIN, 0}, {wr, POLLOUT, 0}, {-5, POLLIN, 0}, {rd, POLLOUT, 0}};
    EXPECT_EQ("counts_ready_entries", poll(many, 4, 0), 2);
    CHECK("per_entry_revents",
          many[0].revents == POLLIN && many[1].revents == POLLOUT && many[2].revents == 0 &&
              many[3].revents == 0,
          "revents 0x%x 0x%x 0x%x 0x%x", many[0].revents, many[1].revents, many[2].revents,
          many[3].revents);

    make_file("f", "abc", 3);
    int fd = open("f", O_RDWR);
    SETUP(fd);
    ev = revents_of(fd, POLLIN | POLLOUT, 0, &r);
    CHECK("regular_file_always_ready", r == 1 && ev == (POLLIN | POLLOUT), "revents 0x%x", ev);
    close(fd);
    fd = open("/dev/null", O_RDWR);
    SETUP(fd);
    ev = revents_of(fd, POLLIN | POLLOUT, 0, &r);
    CHECK("dev_null_ready", r == 1 && ev == (POLLIN | POLLOUT), "revents 0x%x", ev);
    close(fd);

    EXPECT_EQ("nfds_zero_timeout", poll(NULL, 0, 1), 0);
    EXPECT_ERRNO("fds_efault", syscall(SYS_poll, BAD_PTR, 1, 0), EFAULT);
    struct rlimit rl;
    SETUP(getrlimit(RLIMIT_NOFILE, &rl));
    EXPECT_ERRNO("nfds_over_rlimit", poll(many, rl.rlim_cur + 1, 0), EINVAL);
    ev = revents_of(rd, POLLOUT, 10, &r);
    CHECK("timeout_expires", r == 0 && ev == 0, "ret %d revents 0x%x", r, ev);
    close(rd);
    close(wr);
}

COVERS("poll", "shutdown", "socketpair")
static void test_sockets(void)
{
    int sv[2], r;
    SETUP(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    short ev = revents_of(sv[0], POLLIN | POLLOUT | POLLRDHUP, 0, &r);
    CHECK("socket_writable", r == 1 && ev == POLLOUT, "revents 0x%x", ev);
    SETUP(shutdown(sv[1], SHUT_WR));
    ev = revents_of(sv[0], POLLIN | POLLRDHUP, 0, &r);
    CHECK("peer_shutdown_rdhup", ev == (POLLIN | POLLRDHUP), "revents 0x%x", ev);
    ev = revents_of(sv[0], POLLIN, 0, &r);
    CHECK("peer_shutdown_no_rdhup_unasked", ev == POLLIN, "revents 0x%x", ev);
    close(sv[1]);
    ev = revents_of(sv[0], POLLIN | POLLOUT | POLLRDHUP, 0, &r);
    CHECK("peer_closed_hup", ev == (POLLIN | POLLOUT | POLLRDHUP | POLLHUP), "revents 0x%x", ev);
    close(sv[0]);
}

static int child_write_later(void *arg)
{
    struct pu_chan *c = arg;
    pu_await(c);
    return write(wr, "w", 1) == 1 ? 0 : 1;
}

COVERS("poll")
static void test_blocking(void)
{
    fresh();
    struct pu_chan c;
    pu_chan_open(&c);
    pid_t pid = pu_spawn(child_write_later, &c);
    pu_post(&c, 1);
    struct pollfd p = {rd, POLLIN, 0};
    EXPECT_EQ("woken_by_child_write", poll(&p, 1, -1), 1);
    CHECK("woken_revents", p.revents == POLLIN, "revents 0x%x", p.revents);
    pu_wait(pid);
    pu_chan_close(&c);
    char b;
    SETUP(read(rd, &b, 1));

    pu_tick_start(2000, 0);
    EXPECT_ERRNO("poll_eintr", poll(&p, 1, -1), EINTR);
    EXPECT_ERRNO("poll_timeout_eintr", poll(&p, 1, 5000), EINTR);
    pu_tick_stop();
    pu_tick_start(2000, 1);
    EXPECT_ERRNO("poll_eintr_with_sa_restart", poll(&p, 1, -1), EINTR);
    pu_tick_stop();
    close(rd);
    close(wr);
}

COVERS("ppoll")
static void test_ppoll(void)
{
    fresh();
    struct pollfd p = {rd, POLLIN, 0};
    struct timespec zero = {0, 0}, bad = {0, 1000000000}, neg = {-1, 0};
    EXPECT_EQ("ppoll_zero_timeout", ppoll(&p, 1, &zero, NULL), 0);
    EXPECT_ERRNO("ppoll_bad_nsec", ppoll(&p, 1, &bad, NULL), EINVAL);
    EXPECT_ERRNO("ppoll_negative_timeout", ppoll(&p, 1, &neg, NULL), EINVAL);
    sigset_t empty;
    sigemptyset(&empty);
    EXPECT_ERRNO("ppoll_bad_sigsetsize", syscall(SYS_ppoll, &p, 1, &zero, &empty, 4), EINVAL);
    EXPECT_ERRNO("ppoll_sigmask_efault", syscall(SYS_ppoll, &p, 1, &zero, BAD_PTR, 8), EFAULT);

    /* The mask is swapped atomically: a pending blocked signal interrupts. */
    pu_handle(SIGUSR1, pu_count_handler, 0);
    pu_sig_count[SIGUSR1] = 0;
    pu_block(SIGUSR1, NULL);
    raise(SIGUSR1);
    EXPECT_ERRNO("ppoll_sigmask_eintr", ppoll(&p, 1, NULL, &empty), EINTR);
    EXPECT_EQ("ppoll_sigmask_handler_ran", pu_sig_count[SIGUSR1], 1);
    CHECK("ppoll_mask_restored", pu_pending(SIGUSR1) == 0, "still pending");
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK("ppoll_mask_restored_blocked", sigismember(&cur, SIGUSR1), "mask not restored");
    raise(SIGUSR1);
    SETUP(write(wr, "x", 1));
    sigset_t blocked = cur;
    EXPECT_EQ("ppoll_ready_with_blocked_pending", ppoll(&p, 1, NULL, &blocked), 1);
    signal(SIGUSR1, SIG_IGN);
    pu_unblock(SIGUSR1);
    pu_default(SIGUSR1);

    char b;
    SETUP(read(rd, &b, 1));
    struct timespec ts = {0, 2000000};
    long r = syscall(SYS_ppoll, &p, 1, &ts, NULL, 8);
    CHECK("ppoll_raw_timeout", r == 0, "returned %ld", r);
    CHECK("ppoll_remaining_written_back", ts.tv_sec == 0 && ts.tv_nsec == 0, "time left");
    close(rd);
    close(wr);
}

int main(void)
{
    conf_begin("poll");
    pu_setup();
    test_pipe();
    test_special();
    test_sockets();
    test_blocking();
    test_ppoll();
    return conf_end();
}
