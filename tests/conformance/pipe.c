/* Conformance: pipes and FIFOs (pipe2, capacity, atomicity, EPIPE/SIGPIPE,
 * splice/tee/vmsplice, O_DIRECT packets, EINTR). */
#include "proc_util.h"

#include <sys/ioctl.h>
#include <sys/uio.h>

static int rd, wr;

static void fresh(int flags)
{
    pu_pipe(&rd, &wr, flags);
}

static void done(void)
{
    close(rd);
    close(wr);
}

COVERS("pipe", "pipe2", "fcntl", "newfstatat")
static void test_create(void)
{
    int p[2];
    EXPECT_OK("pipe", pipe(p));
    CHECK("pipe_distinct_fds", p[0] != p[1] && p[0] >= 0 && p[1] >= 0, "bad fds");
    EXPECT_EQ("pipe_read_end_rdonly", fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
    EXPECT_EQ("pipe_write_end_wronly", fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
    EXPECT_EQ("pipe_no_cloexec", fcntl(p[0], F_GETFD), 0);
    struct stat st;
    SETUP(fstat(p[0], &st));
    CHECK("pipe_is_fifo", S_ISFIFO(st.st_mode), "mode 0%o", st.st_mode & S_IFMT);
    close(p[0]);
    close(p[1]);

    EXPECT_OK("pipe2_cloexec", pipe2(p, O_CLOEXEC));
    CHECK("pipe2_cloexec_both",
          fcntl(p[0], F_GETFD) == FD_CLOEXEC && fcntl(p[1], F_GETFD) == FD_CLOEXEC,
          "flag missing");
    close(p[0]);
    close(p[1]);
    EXPECT_OK("pipe2_nonblock", pipe2(p, O_NONBLOCK));
    CHECK("pipe2_nonblock_both",
          (fcntl(p[0], F_GETFL) & O_NONBLOCK) && (fcntl(p[1], F_GETFL) & O_NONBLOCK),
          "flag missing");
    close(p[0]);
    close(p[1]);
    EXPECT_ERRNO("pipe2_bad_flags", pipe2(p, O_RDWR), EINVAL);
    EXPECT_ERRNO("pipe2_bad_flags_append", pipe2(p, O_APPEND), EINVAL);
    EXPECT_ERRNO("pipe_efault", syscall(SYS_pipe, BAD_PTR), EFAULT);
    EXPECT_ERRNO("pipe2_efault", syscall(SYS_pipe2, BAD_PTR, 0), EFAULT);
}

COVERS("read", "write", "readv", "writev", "ioctl", "lseek", "pread64", "pwrite64")
static void test_io(void)
{
    fresh(0);
    char buf[16];
    EXPECT_EQ("write", write(wr, "0123456789", 10), 10);
    int n = -1;
    EXPECT_OK("fionread", ioctl(rd, FIONREAD, &n));
    EXPECT_EQ("fionread_count", n, 10);
    EXPECT_EQ("partial_read", read(rd, buf, 4), 4);
    ioctl(rd, FIONREAD, &n);
    EXPECT_EQ("fionread_after_partial", n, 6);
    EXPECT_EQ("read_rest", read(rd, buf, sizeof buf), 6);
    CHECK("read_data", !memcmp(buf, "456789", 6), "wrong bytes");
    EXPECT_ERRNO("read_write_end", read(wr, buf, 1), EBADF);
    EXPECT_ERRNO("write_read_end", write(rd, "x", 1), EBADF);
    EXPECT_ERRNO("lseek_espipe", lseek(rd, 0, SEEK_CUR), ESPIPE);
    EXPECT_ERRNO("pread_espipe", pread(rd, buf, 1, 0), ESPIPE);
    EXPECT_ERRNO("pwrite_espipe", pwrite(wr, buf, 1, 0), ESPIPE);
    EXPECT_ERRNO("write_efault", syscall(SYS_write, wr, BAD_PTR, 4), EFAULT);
    EXPECT_EQ("write_zero", write(wr, buf, 0), 0);

    struct iovec iov[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
    EXPECT_EQ("writev", writev(wr, iov, 3), 5);
    char x[2], y[3];
    struct iovec riov[2] = {{x, 2}, {y, 3}};
    EXPECT_EQ("readv", readv(rd, riov, 2), 5);
    CHECK("readv_data", !memcmp(x, "ab", 2) && !memcmp(y, "cde", 3), "wrong bytes");

    SETUP(fcntl(rd, F_SETFL, O_NONBLOCK));
    EXPECT_ERRNO("read_empty_nonblock", read(rd, buf, 1), EAGAIN);
    close(wr);
    EXPECT_EQ("read_eof", read(rd, buf, 1), 0);
    close(rd);
}

static int child_write_closed(void *arg)
{
    (void)arg;
    int p[2];
    if (pipe(p))
        return 2;
    close(p[0]);
    write(p[1], "x", 1);
    return 0;
}

COVERS("write", "rt_sigaction", "rt_sigprocmask")
static void test_epipe(void)
{
    CHECK("sigpipe_kills", pu_status_is(pu_run(child_write_closed, NULL), SIGPIPE),
          "%s", pu_status_diff);
    fresh(0);
    close(rd);
    signal(SIGPIPE, SIG_IGN);
    EXPECT_ERRNO("epipe_ignored", write(wr, "x", 1), EPIPE);
    pu_handle(SIGPIPE, pu_count_handler, 0);
    pu_sig_count[SIGPIPE] = 0;
    EXPECT_ERRNO("epipe_handled", write(wr, "x", 1), EPIPE);
    EXPECT_EQ("sigpipe_delivered", pu_sig_count[SIGPIPE], 1);
    sigset_t old;
    pu_block(SIGPIPE, &old);
    EXPECT_ERRNO("epipe_blocked", write(wr, "x", 1), EPIPE);
    CHECK("sigpipe_pending_when_blocked", pu_pending(SIGPIPE) == 1, "not pending");
    signal(SIGPIPE, SIG_IGN);
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(wr);
}

COVERS("fcntl", "write")
static void test_capacity(void)
{
    fresh(O_NONBLOCK);
    EXPECT_EQ("default_size", fcntl(wr, F_GETPIPE_SZ), 65536);
    static char big[1 << 18];
    memset(big, 'a', sizeof big);
    EXPECT_EQ("nonblock_partial_write", write(wr, big, 100000), 65536);
    EXPECT_ERRNO("nonblock_full_eagain", write(wr, "x", 1), EAGAIN);
    EXPECT_ERRNO("setsz_below_content", fcntl(wr, F_SETPIPE_SZ, 4096), EBUSY);
    done();

    fresh(O_NONBLOCK);
    SETUP(write(wr, big, 65536 - 100));
    EXPECT_ERRNO("atomic_write_no_room", write(wr, big, 4096), EAGAIN);
    EXPECT_EQ("small_write_fits_last_page", write(wr, big, 50), 50);
    done();

    fresh(0);
    EXPECT_EQ("setsz_page", fcntl(wr, F_SETPIPE_SZ, 4096), 4096);
    EXPECT_EQ("getsz_after_set", fcntl(rd, F_GETPIPE_SZ), 4096);
    EXPECT_EQ("setsz_rounds_up", fcntl(wr, F_SETPIPE_SZ, 5000), 8192);
    EXPECT_EQ("setsz_zero_min_page", fcntl(wr, F_SETPIPE_SZ, 0), 4096);
    EXPECT_EQ("setsz_large_root", fcntl(wr, F_SETPIPE_SZ, 1 << 20), 1 << 20);
    EXPECT_ERRNO("setsz_negative", fcntl(wr, F_SETPIPE_SZ, -1), EINVAL);
    done();
    int dir = open(".", O_RDONLY);
    SETUP(dir);
    EXPECT_ERRNO("getsz_not_pipe", fcntl(dir, F_GETPIPE_SZ), EBADF);
    close(dir);
}

COVERS("fcntl")
static void nobody_setsz(void)
{
    int p[2];
    SETUP(pipe(p));
    EXPECT_ERRNO("setsz_over_max_as_nobody", fcntl(p[1], F_SETPIPE_SZ, 2 << 20), EPERM);
    EXPECT_EQ("setsz_at_max_as_nobody", fcntl(p[1], F_SETPIPE_SZ, 1 << 20), 1 << 20);
    close(p[0]);
    close(p[1]);
}

/* Each writer writes 32 blocks of PIPE_BUF bytes of its own letter. */
static int child_writer(void *arg)
{
    char block[PIPE_BUF];
    memset(block, (int)(long)arg, sizeof block);
    for (int i = 0; i < 32; i++)
        if (write(wr, block, sizeof block) != sizeof block)
            return 1;
    return 0;
}

COVERS("write", "read")
static void test_atomicity(void)
{
    fresh(0);
    fcntl(wr, F_SETPIPE_SZ, 16384);
    pid_t a = pu_spawn(child_writer, (void *)(long)'a');
    pid_t b = pu_spawn(child_writer, (void *)(long)'b');
    close(wr);
    static char all[2 * 32 * PIPE_BUF + 1];
    size_t got = 0;
    ssize_t r;
    while ((r = read(rd, all + got, sizeof all - got)) > 0)
        got += r;
    close(rd);
    pu_wait(a);
    pu_wait(b);
    EXPECT_EQ("two_writers_total", got, 2 * 32 * PIPE_BUF);
    int torn = 0, na = 0;
    for (size_t off = 0; off + PIPE_BUF <= got; off += PIPE_BUF) {
        for (size_t i = 1; i < PIPE_BUF; i++)
            if (all[off + i] != all[off]) {
                torn++;
                break;
            }
        na += all[off] == 'a';
    }
    CHECK("pipe_buf_writes_atomic", torn == 0, "torn blocks");
    EXPECT_EQ("pipe_buf_blocks_counted", na, 32);
}

static int child_drain(void *arg)
{
    (void)arg;
    close(wr);
    char buf[8192];
    long total = 0;
    ssize_t r;
    while ((r = read(rd, buf, sizeof buf)) > 0)
        total += r;
    return total == 200000 ? 0 : 1;
}

COVERS("write", "read")
static void test_blocking_large(void)
{
    fresh(0);
    pid_t pid = pu_spawn(child_drain, NULL);
    static char big[200000];
    memset(big, 'z', sizeof big);
    EXPECT_EQ("blocking_write_larger_than_pipe", write(wr, big, sizeof big), 200000);
    done();
    CHECK("reader_got_everything", pu_status_is(pu_wait(pid), PU_EXITED(0)), "%s", pu_status_diff);
}

COVERS("pipe2", "read", "write")
static void test_packet(void)
{
    fresh(O_DIRECT);
    SETUP(write(wr, "abc", 3));
    SETUP(write(wr, "defgh", 5));
    char buf[100];
    EXPECT_EQ("o_direct_packet_boundary", read(rd, buf, sizeof buf), 3);
    EXPECT_EQ("o_direct_second_packet", read(rd, buf, sizeof buf), 5);
    SETUP(write(wr, "12345", 5));
    EXPECT_EQ("o_direct_short_read", read(rd, buf, 2), 2);
    SETUP(fcntl(rd, F_SETFL, O_NONBLOCK));
    EXPECT_ERRNO("o_direct_rest_discarded", read(rd, buf, sizeof buf), EAGAIN);
    done();
}

COVERS("splice", "tee", "vmsplice", "ioctl")
static void test_splice(void)
{
    int a[2], b[2];
    SETUP(pipe(a));
    SETUP(pipe(b));
    SETUP(write(a[1], "hello world", 11));
    EXPECT_EQ("tee", tee(a[0], b[1], 5, 0), 5);
    int n = 0;
    ioctl(a[0], FIONREAD, &n);
    EXPECT_EQ("tee_keeps_source", n, 11);
    EXPECT_EQ("splice_pipe_to_pipe", splice(a[0], NULL, b[1], NULL, 6, 0), 6);
    char buf[32];
    ssize_t r = read(b[0], buf, sizeof buf);
    CHECK("splice_tee_data", r == 11 && !memcmp(buf, "hellohello ", 11), "got %ld bytes", (long)r);
    EXPECT_ERRNO("tee_same_pipe", tee(a[0], a[1], 5, 0), EINVAL);
    loff_t off = 0;
    EXPECT_ERRNO("splice_offset_on_pipe", splice(a[0], &off, b[1], NULL, 1, 0), ESPIPE);
    EXPECT_ERRNO("splice_bad_flags", splice(a[0], NULL, b[1], NULL, 1, 0x100), EINVAL);
    EXPECT_ERRNO("splice_bad_fd", splice(9999, NULL, b[1], NULL, 1, 0), EBADF);
    EXPECT_ERRNO("splice_nonblock_empty", splice(b[0], NULL, a[1], NULL, 1, SPLICE_F_NONBLOCK),
                 EAGAIN);

    make_file("src", "0123456789", 10);
    int fd = open("src", O_RDONLY);
    SETUP(fd);
    off = 3;
    EXPECT_EQ("splice_file_to_pipe", splice(fd, &off, b[1], NULL, 4, 0), 4);
    EXPECT_EQ("splice_advances_offset", off, 7);
    EXPECT_EQ("splice_file_offset_untouched", lseek(fd, 0, SEEK_CUR), 0);
    r = read(b[0], buf, sizeof buf);
    CHECK("splice_file_data", r == 4 && !memcmp(buf, "3456", 4), "got %ld bytes", (long)r);
    close(fd);

    struct iovec iov = {"vmsplice", 8};
    EXPECT_EQ("vmsplice", vmsplice(b[1], &iov, 1, 0), 8);
    r = read(b[0], buf, sizeof buf);
    CHECK("vmsplice_data", r == 8 && !memcmp(buf, "vmsplice", 8), "got %ld bytes", (long)r);
    fd = open("src", O_RDONLY);
    SETUP(fd);
    EXPECT_ERRNO("vmsplice_not_pipe", vmsplice(fd, &iov, 1, 0), EBADF);
    close(fd);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
}

COVERS("mknodat", "openat", "read", "write")
static void test_fifo(void)
{
    EXPECT_OK("mkfifo", mkfifo("fifo", 0600));
    EXPECT_ERRNO("mkfifo_exists", mkfifo("fifo", 0600), EEXIST);
    struct stat st;
    SETUP(stat("fifo", &st));
    CHECK("fifo_mode", S_ISFIFO(st.st_mode), "mode 0%o", st.st_mode & S_IFMT);
    EXPECT_ERRNO("fifo_write_no_reader", open("fifo", O_WRONLY | O_NONBLOCK), ENXIO);
    int r = open("fifo", O_RDONLY | O_NONBLOCK);
    CHECK("fifo_read_nonblock_open", r >= 0, "errno %s", errname(errno));
    int w = open("fifo", O_WRONLY | O_NONBLOCK);
    CHECK("fifo_write_with_reader", w >= 0, "errno %s", errname(errno));
    char buf[8];
    EXPECT_ERRNO("fifo_empty_eagain", read(r, buf, sizeof buf), EAGAIN);
    SETUP(write(w, "fifo", 4));
    EXPECT_EQ("fifo_data", read(r, buf, sizeof buf), 4);
    close(w);
    EXPECT_EQ("fifo_eof_after_writer", read(r, buf, sizeof buf), 0);
    close(r);
    int rw = open("fifo", O_RDWR);
    CHECK("fifo_rdwr_open", rw >= 0, "errno %s", errname(errno));
    SETUP(write(rw, "x", 1));
    EXPECT_EQ("fifo_rdwr_loopback", read(rw, buf, 1), 1);
    close(rw);
}

COVERS("read", "write", "setitimer")
static void test_eintr(void)
{
    fresh(0);
    char b;
    pu_tick_start(2000, 0);
    EXPECT_ERRNO("read_eintr", read(rd, &b, 1), EINTR);
    pu_tick_stop();

    static char big[65536];
    SETUP(write(wr, big, sizeof big));
    pu_tick_start(2000, 0);
    EXPECT_ERRNO("write_full_eintr", write(wr, "x", 1), EINTR);
    pu_tick_stop();
    done();

    /* With SA_RESTART the read resumes; the third tick supplies data. */
    fresh(0);
    pu_tick_feed(2000, wr);
    EXPECT_EQ("read_sa_restart", read(rd, &b, 1), 1);
    pu_tick_stop();
    CHECK("read_sa_restart_ticks", pu_sig_count[SIGALRM] >= 3, "fewer than 3 ticks");
    done();
}

int main(void)
{
    conf_begin("pipe");
    pu_setup();
    test_create();
    test_io();
    test_epipe();
    test_capacity();
    as_nobody(nobody_setsz);
    test_atomicity();
    test_blocking_large();
    test_packet();
    test_splice();
    test_fifo();
    test_eintr();
    return conf_end();
}
