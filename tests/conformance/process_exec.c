/*
 * Conformance: execve and execveat. The program re-executes itself
 * (/proc/self/exe) with a mode argument to check what survives exec.
 */
#include "proc_util.h"

extern char **environ;

static const char *self = "/proc/self/exe";

/* ---- modes run in the re-executed image; exit 0 when all is as expected */

static int mode_argv(int argc, char **argv)
{
    return argc == 5 && !strcmp(argv[2], "a") && !strcmp(argv[3], "") && !strcmp(argv[4], "c") ? 0
                                                                                               : 1;
}

static int mode_env(void)
{
    const char *v = getenv("CONF_X");
    return v && !strcmp(v, "y=z") && environ[1] == NULL ? 0 : 1;
}

static int mode_noenv(void)
{
    return environ == NULL || environ[0] == NULL ? 0 : 1;
}

static int mode_pid(char **argv)
{
    return atol(argv[2]) == getpid() ? 0 : 1;
}

static int mode_fds(char **argv)
{
    int cloexec_fd = atoi(argv[2]);
    int kept_fd = atoi(argv[3]);
    if (fcntl(cloexec_fd, F_GETFD) != -1 || errno != EBADF)
        return 1;
    if (fcntl(kept_fd, F_GETFD) != 0)
        return 2;
    char b[3];
    return read(kept_fd, b, 3) == 3 && !memcmp(b, "def", 3) ? 0 : 3;
}

static int mode_signals(void)
{
    struct sigaction a, b;
    if (sigaction(SIGUSR1, NULL, &a) || sigaction(SIGUSR2, NULL, &b))
        return 3;
    if (a.sa_handler != SIG_DFL)
        return 1;
    if (b.sa_handler != SIG_IGN)
        return 2;
    return 0;
}

static int mode_mask(void)
{
    sigset_t s;
    if (sigprocmask(SIG_BLOCK, NULL, &s))
        return 3;
    if (!sigismember(&s, SIGUSR1))
        return 1;
    return pu_pending(SIGUSR1) == 1 ? 0 : 2;
}

static int child_mode(int argc, char **argv)
{
    const char *m = argv[1];
    if (!strcmp(m, "argv"))
        return mode_argv(argc, argv);
    if (!strcmp(m, "env"))
        return mode_env();
    if (!strcmp(m, "noenv"))
        return mode_noenv();
    if (!strcmp(m, "pid") && argc > 2)
        return mode_pid(argv);
    if (!strcmp(m, "fds") && argc > 3)
        return mode_fds(argv);
    if (!strcmp(m, "signals"))
        return mode_signals();
    if (!strcmp(m, "mask"))
        return mode_mask();
    return 111;
}

/* ---- the parent side */

/* Forks; the child runs `prep` (if any) and then execve(path, argv, envp).
 * Returns the wait status; a failed exec exits 120. */
static int run_exec(const char *path, char *const argv[], char *const envp[], void (*prep)(void))
{
    pid_t pid = pu_fork();
    if (pid == 0) {
        if (prep)
            prep();
        execve(path, argv, envp);
        _exit(120);
    }
    return pid < 0 ? -1 : pu_wait(pid);
}

static char *empty_env[] = {NULL};

static char pid_arg[32];
static void prep_pid(void)
{
    snprintf(pid_arg, sizeof pid_arg, "%d", getpid());
}

static void *exec_from_thread(void *arg)
{
    execve(self, arg, empty_env);
    _exit(120);
}

/* A child whose second thread execs the "pid" mode: the new image must run
 * with the process's pid, the main thread gone. */
static int exec_thread_status(void)
{
    static char *pv[] = {"x", "pid", pid_arg, NULL};
    pid_t pid = pu_fork();
    if (pid == 0) {
        prep_pid();
        pthread_t t;
        if (pu_thread(&t, exec_from_thread, pv) != 0)
            _exit(122);
        for (;;)
            pause();
    }
    return pu_wait(pid);
}

static char fd_a[16], fd_b[16];
static void prep_fds(void)
{
    int a = open("data", O_RDONLY | O_CLOEXEC);
    int b = open("data", O_RDONLY);
    if (a < 0 || b < 0 || lseek(b, 3, SEEK_SET) != 3)
        _exit(121);
    snprintf(fd_a, sizeof fd_a, "%d", a);
    snprintf(fd_b, sizeof fd_b, "%d", b);
}

static void nop_handler(int sig)
{
    (void)sig;
}

static void prep_signals(void)
{
    pu_handle(SIGUSR1, nop_handler, 0);
    signal(SIGUSR2, SIG_IGN);
}

static void prep_mask(void)
{
    pu_block(SIGUSR1, NULL);
    raise(SIGUSR1);
}

COVERS("execve", "clone", "wait4")
static void test_exec_state(void)
{
    char *t[] = {"true", NULL};
    CHECK("execve_bin_true", pu_status_is(run_exec("/bin/true", t, empty_env, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    char *sh[] = {"sh", "-c", "exit 3", NULL};
    CHECK("execve_shell_status",
          pu_status_is(run_exec("/bin/sh", sh, empty_env, NULL), PU_EXITED(3)),
          "%s", pu_status_diff);

    char *av[] = {"x", "argv", "a", "", "c", NULL};
    CHECK("execve_argv_passed", pu_status_is(run_exec(self, av, empty_env, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    char *ev[] = {"x", "env", NULL};
    char *env[] = {"CONF_X=y=z", NULL};
    CHECK("execve_envp_passed", pu_status_is(run_exec(self, ev, env, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    char *nv[] = {"x", "noenv", NULL};
    CHECK("execve_empty_envp", pu_status_is(run_exec(self, nv, empty_env, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    CHECK("execve_null_envp", pu_status_is(run_exec(self, nv, NULL, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);

    char *pv[] = {"x", "pid", pid_arg, NULL};
    CHECK("execve_keeps_pid", pu_status_is(run_exec(self, pv, empty_env, prep_pid), PU_EXITED(0)),
          "%s", pu_status_diff);

    CHECK("execve_from_thread_keeps_pid", pu_status_is(exec_thread_status(), PU_EXITED(0)), "%s",
          pu_status_diff);

    make_file("data", "abcdef", 6);
    char *fv[] = {"x", "fds", fd_a, fd_b, NULL};
    CHECK("execve_cloexec_and_offsets",
          pu_status_is(run_exec(self, fv, empty_env, prep_fds), PU_EXITED(0)),
          "%s", pu_status_diff);
    char *sv[] = {"x", "signals", NULL};
    CHECK("execve_resets_handlers_keeps_ignored",
          pu_status_is(run_exec(self, sv, empty_env, prep_signals), PU_EXITED(0)),
          "%s", pu_status_diff);
    char *mv[] = {"x", "mask", NULL};
    CHECK("execve_keeps_mask_and_pending",
          pu_status_is(run_exec(self, mv, empty_env, prep_mask), PU_EXITED(0)),
          "%s", pu_status_diff);

    make_file("script", "#!/bin/sh\nexit 6\n", 17);
    SETUP(chmod("script", 0755));
    char *scv[] = {"script", NULL};
    CHECK("execve_shebang_script",
          pu_status_is(run_exec("./script", scv, empty_env, NULL), PU_EXITED(6)),
          "%s", pu_status_diff);
    make_file("script2", "#!/bin/sh -e\nfalse\nexit 0\n", 26);
    SETUP(chmod("script2", 0755));
    CHECK("execve_shebang_argument",
          pu_status_is(run_exec("./script2", scv, empty_env, NULL), PU_EXITED(1)),
          "%s", pu_status_diff);
}

/*
 * execve(path, argv, envp), or execveat(dirfd, path, argv, envp, flags) if
 * `at`, in a child: an exec expected to fail cannot replace this program if
 * it succeeds. Returns -1 with the child's errno if the exec failed, 0 if
 * it succeeded.
 */
static long exec_errno(int at, int dirfd, const void *path, char *const *argv, char *const *envp,
                       int flags)
{
    int p[2];
    SETUP(pipe2(p, O_CLOEXEC));
    pid_t pid = pu_fork();
    if (pid == 0) {
        close(p[0]);
        if (at)
            syscall(SYS_execveat, dirfd, path, argv, envp, flags);
        else
            syscall(SYS_execve, path, argv, envp);
        int e = errno;
        write(p[1], &e, sizeof e);
        _exit(0);
    }
    close(p[1]);
    int e = 0;
    ssize_t n = read(p[0], &e, sizeof e);
    close(p[0]);
    pu_wait(pid);
    if (n != sizeof e)
        return 0;
    errno = e;
    return -1;
}

/* execve in a child (see exec_errno). */
static long exec_in_child(const void *path, char *const *argv, char *const *envp)
{
    return exec_errno(0, AT_FDCWD, path, argv, envp, 0);
}

/* execveat in a child (see exec_errno). */
static long exec_at(int dirfd, const void *path, char *const *argv, char *const *envp, int flags)
{
    return exec_errno(1, dirfd, path, argv, envp, flags);
}

COVERS("execve")
static void test_exec_errors(void)
{
    char *av[] = {"x", NULL};
    EXPECT_ERRNO("execve_enoent", exec_in_child("nonexistent", av, empty_env), ENOENT);
    EXPECT_ERRNO("execve_empty_path", exec_in_child("", av, empty_env), ENOENT);
    make_file("plain", "#!/bin/sh\nexit 0\n", 17);
    SETUP(chmod("plain", 0644));
    EXPECT_ERRNO("execve_no_exec_bit_root", exec_in_child("./plain", av, empty_env), EACCES);
    SETUP(mkdir("dir", 0755));
    EXPECT_ERRNO("execve_directory", exec_in_child("./dir", av, empty_env), EACCES);
    make_file("garbage", "this is not an executable\n", 26);
    SETUP(chmod("garbage", 0755));
    EXPECT_ERRNO("execve_enoexec", exec_in_child("./garbage", av, empty_env), ENOEXEC);
    make_file("badinterp", "#!/nonexistent/interp\n", 22);
    SETUP(chmod("badinterp", 0755));
    EXPECT_ERRNO("execve_missing_interpreter", exec_in_child("./badinterp", av, empty_env), ENOENT);
    char loop[PATH_MAX + 32];
    snprintf(loop, sizeof loop, "#!%s/selfscript\n", conf_tmpdir);
    make_file("selfscript", loop, strlen(loop));
    SETUP(chmod("selfscript", 0755));
    EXPECT_ERRNO("execve_interpreter_recursion",
                 exec_in_child("./selfscript", av, empty_env), ELOOP);
    EXPECT_ERRNO("execve_enotdir", exec_in_child("./plain/x", av, empty_env), ENOTDIR);
    char longp[5000];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = 0;
    EXPECT_ERRNO("execve_enametoolong", exec_in_child(longp, av, empty_env), ENAMETOOLONG);
    SETUP(symlink("l2", "l1"));
    SETUP(symlink("l1", "l2"));
    EXPECT_ERRNO("execve_eloop", exec_in_child("./l1", av, empty_env), ELOOP);
    EXPECT_ERRNO("execve_path_efault", exec_in_child(BAD_PTR, av, empty_env), EFAULT);
    EXPECT_ERRNO("execve_argv_efault",
                 exec_in_child("/bin/true", BAD_PTR, empty_env), EFAULT);
    char *bad_elem[] = {"x", BAD_PTR, NULL};
    EXPECT_ERRNO("execve_argv_elem_efault",
                 exec_in_child("/bin/true", bad_elem, empty_env), EFAULT);
    EXPECT_ERRNO("execve_envp_efault", exec_in_child("/bin/true", av, BAD_PTR), EFAULT);

    make_file("busy", "#!/bin/sh\nexit 0\n", 17);
    SETUP(chmod("busy", 0755));
    int w = open("busy", O_WRONLY);
    SETUP(w);
    EXPECT_ERRNO("execve_etxtbsy", exec_in_child("./busy", av, empty_env), ETXTBSY);
    close(w);
}

COVERS("execve")
static void nobody_exec(void)
{
    char *av[] = {"x", NULL};
    EXPECT_ERRNO("execve_eacces_as_nobody", exec_in_child("./private", av, empty_env), EACCES);
    EXPECT_ERRNO("execve_search_denied_as_nobody",
                 exec_in_child("./closed/true", av, empty_env), EACCES);
}

static void test_exec_nobody(void)
{
    make_file("private", "#!/bin/sh\nexit 0\n", 17);
    SETUP(chmod("private", 0700));
    SETUP(mkdir("closed", 0700));
    make_file("closed/true", "#!/bin/sh\nexit 0\n", 17);
    SETUP(chmod("closed/true", 0755));
    SETUP(chmod(conf_tmpdir, 0755));
    as_nobody(nobody_exec);
}

COVERS("execveat")
static void test_execveat(void)
{
    char *av[] = {"true", NULL};
    int fd = open("/bin/true", O_PATH | O_CLOEXEC);
    SETUP(fd);
    pid_t pid = pu_fork();
    if (pid == 0) {
        syscall(SYS_execveat, fd, "", av, empty_env, AT_EMPTY_PATH);
        _exit(120);
    }
    CHECK("execveat_empty_path", pu_status_is(pu_wait(pid), PU_EXITED(0)), "%s", pu_status_diff);
    close(fd);

    int dir = open("/bin", O_RDONLY | O_DIRECTORY);
    SETUP(dir);
    pid = pu_fork();
    if (pid == 0) {
        syscall(SYS_execveat, dir, "true", av, empty_env, 0);
        _exit(120);
    }
    CHECK("execveat_relative_to_dirfd", pu_status_is(pu_wait(pid), PU_EXITED(0)),
          "%s", pu_status_diff);
    EXPECT_ERRNO("execveat_bad_flags", exec_at(dir, "true", av, empty_env, 0x1), EINVAL);
    EXPECT_ERRNO("execveat_empty_path_without_flag",
                 exec_at(dir, "", av, empty_env, 0), ENOENT);
    EXPECT_ERRNO("execveat_empty_path_directory",
                 exec_at(dir, "", av, empty_env, AT_EMPTY_PATH), EACCES);
    close(dir);
    EXPECT_ERRNO("execveat_bad_dirfd", exec_at(9999, "true", av, empty_env, 0),
                 EBADF);
    SETUP(symlink("/bin/true", "truelink"));
    EXPECT_ERRNO("execveat_symlink_nofollow",
                 exec_at(AT_FDCWD, "truelink", av, empty_env, AT_SYMLINK_NOFOLLOW),
                 ELOOP);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return child_mode(argc, argv);
    conf_begin("process_exec");
    pu_setup();
    test_exec_state();
    test_exec_errors();
    test_exec_nobody();
    test_execveat();
    return conf_end();
}
