/* Conformance: process creation (fork, vfork, clone, clone3, pidfds). */
#include "proc_util.h"

#include <linux/sched.h>

/* A pid above the largest pid_max Linux allows: never a live process. */
#define NO_PID 0x3fffffff

static pid_t parent_pid;
static int shared_fd = -1;
static volatile int vfork_value;

static int child_fork_zero(void *arg)
{
    (void)arg;
    return getppid() == parent_pid ? 0 : 1;
}

static int global_value = 7;

static int child_write_global(void *arg)
{
    (void)arg;
    if (global_value != 7)
        return 1;
    global_value = 8;
    return 0;
}

static int child_read_three(void *arg)
{
    (void)arg;
    char buf[3];
    return read(shared_fd, buf, 3) == 3 ? 0 : 1;
}

static int child_cloexec(void *arg)
{
    (void)arg;
    int fl = fcntl(shared_fd, F_GETFD);
    return fl == FD_CLOEXEC ? 0 : 1;
}

static void handler_a(int sig)
{
    (void)sig;
}

static int child_handler_kept(void *arg)
{
    (void)arg;
    struct sigaction sa;
    if (sigaction(SIGUSR1, NULL, &sa) != 0)
        return 2;
    return sa.sa_handler == handler_a ? 0 : 1;
}

static int child_mask_kept(void *arg)
{
    (void)arg;
    sigset_t s;
    if (sigprocmask(SIG_BLOCK, NULL, &s) != 0)
        return 2;
    return sigismember(&s, SIGUSR2) ? 0 : 1;
}

static int child_pending_clear(void *arg)
{
    (void)arg;
    return pu_pending(SIGUSR2) == 0 ? 0 : 1;
}

static int child_alarm_clear(void *arg)
{
    (void)arg;
    return alarm(0) == 0 ? 0 : 1;
}

static int child_write_shared(void *arg)
{
    *(volatile int *)arg = 99;
    return 0;
}

static int child_exit_code(void *arg)
{
    return (int)(long)arg;
}

static void *thread_ids(void *arg)
{
    long *out = arg;
    out[0] = getpid();
    out[1] = syscall(SYS_gettid);
    return NULL;
}

/* clone3 with `args`; a child (should one be created) exits at once with
 * status 3. */
static long do_clone3(struct clone_args *args, size_t size)
{
    fflush(stdout);
    long r = syscall(SYS_clone3, args, size);
    if (r == 0)
        _exit(3);
    return r;
}

/* Raw clone with only `flags` and no new stack (fork-like). */
static long do_clone(unsigned long flags, void *ptid)
{
    fflush(stdout);
    long r = syscall(SYS_clone, flags, 0L, ptid, 0L, 0L);
    if (r == 0)
        _exit(3);
    return r;
}

COVERS("clone", "fork", "wait4", "getpid", "getppid", "alarm")
static void test_fork(void)
{
    pid_t pid = pu_fork();
    if (pid == 0)
        _exit(0);
    CHECK("fork_returns_pid", pid > 0, "fork returned %d", pid > 0 ? 1 : pid);
    int st = pu_wait(pid);
    CHECK("fork_child_exit0", pu_status_is(st, PU_EXITED(0)), "%s", pu_status_diff);

    /* The raw fork syscall (glibc's fork() uses clone). */
    fflush(stdout);
    long raw = syscall(SYS_fork);
    if (raw == 0)
        _exit(getppid() == parent_pid ? 6 : 7);
    CHECK("fork_raw_syscall", raw > 0, "errno %s", errname(errno));
    if (raw > 0)
        CHECK("fork_raw_child_status", pu_status_is(pu_wait(raw), PU_EXITED(6)),
              "%s", pu_status_diff);

    CHECK("child_getppid_is_parent", pu_status_is(pu_run(child_fork_zero, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);

    /* The child's getpid is what fork returned to the parent. */
    struct pu_chan c;
    pu_chan_open(&c);
    pid = pu_fork();
    if (pid == 0) {
        pid_t me = getpid();
        if (write(c.wr, &me, sizeof me) != sizeof me)
            _exit(1);
        _exit(0);
    }
    close(c.wr);
    c.wr = -1;
    pid_t reported = 0;
    SETUP(read(c.rd, &reported, sizeof reported));
    pu_wait(pid);
    pu_chan_close(&c);
    CHECK("child_getpid_is_fork_result", reported == pid, "child pid differs from fork result");
    CHECK("child_pid_differs_from_parent", reported != getpid(), "child has the parent's pid");

    CHECK("memory_copied_in_child", pu_status_is(pu_run(child_write_global, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    CHECK("memory_private_after_fork", global_value == 7, "child write visible in parent");

    make_file("f", "abcdefgh", 8);
    shared_fd = open("f", O_RDONLY | O_CLOEXEC);
    SETUP(shared_fd);
    CHECK("fd_inherited", pu_status_is(pu_run(child_read_three, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    EXPECT_EQ("fd_offset_shared", lseek(shared_fd, 0, SEEK_CUR), 3);
    CHECK("cloexec_flag_kept", pu_status_is(pu_run(child_cloexec, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    close(shared_fd);

    pu_handle(SIGUSR1, handler_a, 0);
    CHECK("handler_inherited", pu_status_is(pu_run(child_handler_kept, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    pu_default(SIGUSR1);

    sigset_t old;
    pu_block(SIGUSR2, &old);
    CHECK("sigmask_inherited", pu_status_is(pu_run(child_mask_kept, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    raise(SIGUSR2);
    CHECK("pending_not_inherited", pu_status_is(pu_run(child_pending_clear, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    CHECK("pending_kept_in_parent", pu_pending(SIGUSR2) == 1, "parent lost its pending signal");
    signal(SIGUSR2, SIG_IGN);
    pu_default(SIGUSR2);
    sigprocmask(SIG_SETMASK, &old, NULL);

    alarm(100);
    CHECK("alarm_not_inherited", pu_status_is(pu_run(child_alarm_clear, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    /* Seconds left of the 100: a failing alarm() returns (unsigned)-1. */
    unsigned left = alarm(0);
    CHECK("alarm_kept_in_parent", left > 0 && left <= 100, "parent's alarm was cancelled");

    int *shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    SETUP(shm == MAP_FAILED ? -1 : 0);
    *shm = 1;
    pu_run(child_write_shared, shm);
    CHECK("map_shared_visible", *shm == 99, "shared page value %d", *shm);
    munmap(shm, 4096);
    int *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    SETUP(priv == MAP_FAILED ? -1 : 0);
    *priv = 1;
    pu_run(child_write_shared, priv);
    CHECK("map_private_copied", *priv == 1, "private page value %d", *priv);
    munmap(priv, 4096);

    CHECK("exit_status_42", pu_status_is(pu_run(child_exit_code, (void *)42L), PU_EXITED(42)),
          "%s", pu_status_diff);
    CHECK("exit_status_masked",
          pu_status_is(pu_run(child_exit_code, (void *)(256L + 7)), PU_EXITED(7)),
          "%s", pu_status_diff);
}

COVERS("vfork")
static void test_vfork(void)
{
    vfork_value = 0;
    fflush(stdout);
    pid_t pid = vfork();
    if (pid == 0) {
        vfork_value = 5;
        _exit(4);
    }
    CHECK("vfork_shares_memory", vfork_value == 5, "parent saw %d", vfork_value);
    CHECK("vfork_child_status", pu_status_is(pu_wait(pid), PU_EXITED(4)), "%s", pu_status_diff);
}

COVERS("clone")
static void test_clone_errors(void)
{
    EXPECT_ERRNO("clone_sighand_without_vm", do_clone(CLONE_SIGHAND | SIGCHLD, NULL), EINVAL);
    EXPECT_ERRNO("clone_thread_without_sighand", do_clone(CLONE_THREAD | CLONE_VM | SIGCHLD, NULL),
                 EINVAL);
    EXPECT_ERRNO("clone_newns_with_fs", do_clone(CLONE_NEWNS | CLONE_FS | SIGCHLD, NULL), EINVAL);
    EXPECT_ERRNO("clone_newuser_with_fs",
                 do_clone(CLONE_NEWUSER | CLONE_FS | SIGCHLD, NULL), EINVAL);
    EXPECT_ERRNO("clone_pidfd_with_detached",
                 do_clone(CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, NULL),
                 EINVAL);
    int ptid = 0;
    EXPECT_ERRNO("clone_pidfd_with_parent_settid",
                 do_clone(CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, &ptid), EINVAL);

    /* A raw fork-like clone works and sets the parent's tid word. */
    ptid = 0;
    long pid = do_clone(CLONE_PARENT_SETTID | SIGCHLD, &ptid);
    CHECK("clone_parent_settid", pid > 0 && ptid == pid, "parent tid word not set");
    if (pid > 0)
        CHECK("clone_child_status", pu_status_is(pu_wait(pid), PU_EXITED(3)), "%s", pu_status_diff);
}

COVERS("clone3", "waitid")
static void test_clone3(void)
{
    struct clone_args a;
    memset(&a, 0, sizeof a);
    a.exit_signal = SIGCHLD;
    EXPECT_ERRNO("clone3_size_too_small", do_clone3(&a, 32), EINVAL);
    EXPECT_ERRNO("clone3_bad_pointer", do_clone3(BAD_PTR, sizeof a), EFAULT);

    char big[8192];
    memset(big, 0, sizeof big);
    memcpy(big, &a, sizeof a);
    big[5000] = 1;
    EXPECT_ERRNO("clone3_size_too_big", do_clone3((struct clone_args *)big, 5000 + 1), E2BIG);
    big[5000] = 0;
    long pid = do_clone3((struct clone_args *)big, 4096);
    CHECK("clone3_larger_zeroed_struct", pid > 0, "errno %s", errname(errno));
    if (pid > 0)
        pu_wait(pid);

    a.exit_signal = 65;
    EXPECT_ERRNO("clone3_bad_exit_signal", do_clone3(&a, sizeof a), EINVAL);
    a.exit_signal = SIGCHLD;
    a.flags = 1ULL << 62;
    EXPECT_ERRNO("clone3_unknown_flag", do_clone3(&a, sizeof a), EINVAL);

    a.flags = 0;
    pid = do_clone3(&a, sizeof a);
    CHECK("clone3_fork_like", pid > 0, "errno %s", errname(errno));
    if (pid > 0)
        CHECK("clone3_child_status", pu_status_is(pu_wait(pid), PU_EXITED(3)),
              "%s", pu_status_diff);

    /* A child with a non-SIGCHLD exit signal is a "clone" child. */
    signal(SIGUSR1, SIG_IGN);
    a.exit_signal = SIGUSR1;
    pid = do_clone3(&a, sizeof a);
    if (pid > 0) {
        EXPECT_ERRNO("clone_child_needs_wclone", waitpid(pid, NULL, WNOHANG), ECHILD);
        int st = 0;
        CHECK("clone_child_wclone_reaps",
              pu_pid_is(waitpid(pid, &st, __WCLONE), pid), "%s", pu_pid_diff);
        CHECK("clone_child_wclone_status", pu_status_is(st, PU_EXITED(3)), "%s", pu_status_diff);
    } else {
        fail("clone_child_needs_wclone", "clone3 failed: %s", errname(errno));
    }
    pu_default(SIGUSR1);

    int pidfd = -1;
    memset(&a, 0, sizeof a);
    a.flags = CLONE_PIDFD;
    a.pidfd = (uintptr_t)&pidfd;
    a.exit_signal = SIGCHLD;
    pid = do_clone3(&a, sizeof a);
    CHECK("clone3_pidfd", pid > 0 && pidfd >= 0, "no pidfd");
    if (pid > 0) {
        struct pollfd p = {pidfd, POLLIN, 0};
        EXPECT_EQ("pidfd_poll_after_exit", poll(&p, 1, 2000), 1);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        EXPECT_OK("waitid_p_pidfd", waitid(P_PIDFD, pidfd, &si, WEXITED));
        CHECK("waitid_p_pidfd_fields", si.si_pid == pid && si.si_status == 3 &&
                                            si.si_code == CLD_EXITED,
              "si_code %d si_status %d", si.si_code, si.si_status);
        close(pidfd);
    }
}

static char clone_stack[64 * 1024] __attribute__((aligned(16)));
static volatile int *vfork_flag;

/* Opens a file; exits with its descriptor number. */
static int clone_open(void *arg)
{
    (void)arg;
    int fd = open("/dev/null", O_RDONLY);
    return fd < 0 ? 255 : fd;
}

static int clone_chdir(void *arg)
{
    return chdir((const char *)arg) == 0 ? 0 : 1;
}

static int clone_set_flag(void *arg)
{
    (void)arg;
    *vfork_flag = 1;
    return 0;
}

static int clone_install_handler(void *arg)
{
    (void)arg;
    signal(SIGUSR2, handler_a);
    return 0;
}

/* glibc's clone(fn) on a separate stack with `flags | SIGCHLD`; returns
 * the child's wait status. */
static int clone_run(int (*fn)(void *), int flags, void *arg)
{
    fflush(stdout);
    pid_t pid = clone(fn, clone_stack + sizeof clone_stack, flags | SIGCHLD, arg);
    if (pid < 0)
        return -1;
    return pu_wait(pid);
}

COVERS("clone")
static void test_clone_sharing(void)
{
    int st = clone_run(clone_open, CLONE_FILES, NULL);
    int fd = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    CHECK("clone_files_shares_table", fd >= 0 && fd < 255 && fcntl(fd, F_GETFD) == 0,
          "descriptor not shared");
    if (fd >= 0 && fd < 255)
        close(fd);
    st = clone_run(clone_open, 0, NULL);
    fd = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    CHECK("clone_without_files_copies_table", fd >= 0 && fd < 255 && fcntl(fd, F_GETFD) == -1 &&
                                                  errno == EBADF,
          "descriptor leaked into the parent");

    char before[PATH_MAX], after[PATH_MAX];
    SETUP(getcwd(before, sizeof before) ? 0 : -1);
    SETUP(mkdir("sub", 0755));
    clone_run(clone_chdir, CLONE_FS, "sub");
    SETUP(getcwd(after, sizeof after) ? 0 : -1);
    CHECK("clone_fs_shares_cwd", strcmp(before, after) != 0 &&
                                     !strcmp(after + strlen(after) - 4, "/sub"),
          "cwd not shared");
    SETUP(chdir(before));
    clone_run(clone_chdir, 0, "sub");
    SETUP(getcwd(after, sizeof after) ? 0 : -1);
    CHECK("clone_without_fs_private_cwd", !strcmp(before, after), "cwd changed");

    vfork_flag = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    SETUP(vfork_flag == MAP_FAILED ? -1 : 0);
    *vfork_flag = 0;
    fflush(stdout);
    pid_t pid = clone(clone_set_flag, clone_stack + sizeof clone_stack, CLONE_VFORK | SIGCHLD,
                      NULL);
    /* CLONE_VFORK: the parent resumes only once the child has exited. */
    CHECK("clone_vfork_waits_for_child", pid > 0 && *vfork_flag == 1, "parent resumed early");
    pu_wait(pid);
    munmap((void *)vfork_flag, 4096);

    clone_run(clone_install_handler, CLONE_VM | CLONE_SIGHAND, NULL);
    struct sigaction sa;
    SETUP(sigaction(SIGUSR2, NULL, &sa));
    CHECK("clone_sighand_shares_handlers", sa.sa_handler == handler_a, "handler not shared");
    pu_default(SIGUSR2);
}

/* From <linux/kcmp.h>. */
#ifndef KCMP_FILE
#define KCMP_FILE 0
#define KCMP_VM 1
#endif

/* Takes a copy of the live child's stdout through its pidfd, and compares
 * kernel objects across the two processes. */
COVERS("pidfd_getfd", "kcmp")
static void test_getfd_kcmp(int pidfd, pid_t pid)
{
    int got = syscall(SYS_pidfd_getfd, pidfd, 1, 0);
    CHECK("pidfd_getfd", got >= 0, "errno %s", errname(errno));
    if (got >= 0)
        EXPECT_EQ("pidfd_getfd_cloexec", fcntl(got, F_GETFD), FD_CLOEXEC);
    EXPECT_ERRNO("pidfd_getfd_bad_flags", syscall(SYS_pidfd_getfd, pidfd, 1, 1), EINVAL);
    EXPECT_ERRNO("pidfd_getfd_bad_target", syscall(SYS_pidfd_getfd, pidfd, 9999, 0), EBADF);
    EXPECT_ERRNO("pidfd_getfd_not_pidfd", syscall(SYS_pidfd_getfd, 1, 1, 0), EBADF);

    long r = syscall(SYS_kcmp, getpid(), pid, KCMP_FILE, got, 1);
    if (r == -1 && errno == ENOSYS) {
        skip("kcmp_same_file", "kcmp not supported");
    } else {
        CHECK("kcmp_same_file", r == 0, "returned %ld", r);
        r = syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, got, pidfd);
        CHECK("kcmp_different_files", r == 1 || r == 2, "returned %ld", r);
        r = syscall(SYS_kcmp, getpid(), pid, KCMP_VM, 0, 0);
        CHECK("kcmp_vm_differs_after_fork", r == 1 || r == 2, "returned %ld", r);
        EXPECT_ERRNO("kcmp_bad_type", syscall(SYS_kcmp, getpid(), pid, 42, 0, 0), EINVAL);
        EXPECT_ERRNO("kcmp_no_process", syscall(SYS_kcmp, getpid(), NO_PID, KCMP_VM, 0, 0), ESRCH);
        EXPECT_ERRNO("kcmp_bad_fd", syscall(SYS_kcmp, getpid(), pid, KCMP_FILE, 9999, 1), EBADF);
    }
    if (got >= 0)
        close(got);
}

COVERS("pidfd_open", "pidfd_send_signal")
static void test_pidfd(void)
{
    EXPECT_ERRNO("pidfd_open_no_process", syscall(SYS_pidfd_open, NO_PID, 0), ESRCH);
    EXPECT_ERRNO("pidfd_open_bad_flags", syscall(SYS_pidfd_open, getpid(), 1), EINVAL);
    EXPECT_ERRNO("pidfd_open_negative_pid", syscall(SYS_pidfd_open, -1, 0), EINVAL);
    int self = syscall(SYS_pidfd_open, getpid(), 0);
    CHECK("pidfd_open_self", self >= 0, "errno %s", errname(errno));
    if (self >= 0) {
        EXPECT_EQ("pidfd_cloexec", fcntl(self, F_GETFD), FD_CLOEXEC);
        EXPECT_EQ("pidfd_send_signal_zero", syscall(SYS_pidfd_send_signal, self, 0, NULL, 0), 0);
        EXPECT_ERRNO("pidfd_send_signal_bad_flags",
                     syscall(SYS_pidfd_send_signal, self, 0, NULL, 0x40), EINVAL);
        close(self);
    }
    EXPECT_ERRNO("pidfd_send_signal_not_pidfd", syscall(SYS_pidfd_send_signal, 0, 0, NULL, 0),
                 EBADF);

    struct pu_chan c;
    pid_t pid = pu_spawn_waiting(&c, NULL);
    int fd = syscall(SYS_pidfd_open, pid, 0);
    CHECK("pidfd_open_child", fd >= 0, "errno %s", errname(errno));
    struct pollfd p = {fd, POLLIN, 0};
    EXPECT_EQ("pidfd_poll_while_running", poll(&p, 1, 0), 0);
    test_getfd_kcmp(fd, pid);
    EXPECT_EQ("pidfd_send_signal_kill", syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0), 0);
    /* Whatever the case said, the child must end before it is waited for. */
    kill(pid, SIGKILL);
    CHECK("pidfd_killed_child_status", pu_status_is(pu_wait(pid), SIGKILL), "%s", pu_status_diff);
    EXPECT_ERRNO("pidfd_send_signal_reaped", syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0),
                 ESRCH);
    close(fd);
    pu_chan_close(&c);
}

COVERS("gettid", "set_tid_address", "clone3", "exit")
static void test_ids(void)
{
    CHECK("gettid_is_pid_in_main", pu_pid_is(syscall(SYS_gettid), getpid()), "%s", pu_pid_diff);
    CHECK("set_tid_address_returns_tid",
          pu_pid_is(syscall(SYS_set_tid_address, NULL), getpid()), "%s", pu_pid_diff);
    long ids[2] = {0, 0};
    pthread_t t;
    SETUP(pu_thread(&t, thread_ids, ids));
    pthread_join(t, NULL);
    CHECK("thread_shares_pid", ids[0] == getpid(), "thread getpid differs");
    CHECK("thread_has_own_tid", ids[1] != getpid() && ids[1] > 0, "thread tid equals pid");
}

int main(void)
{
    conf_begin("process_fork");
    pu_setup();
    parent_pid = getpid();
    test_fork();
    test_vfork();
    test_clone_errors();
    test_clone3();
    test_clone_sharing();
    test_pidfd();
    test_ids();
    return conf_end();
}
