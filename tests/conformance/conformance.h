/*
 * Shared harness of the conformance programs.
 *
 * Each program tests one syscall family and prints one line per case:
 *
 *     ok <family>.<case>
 *     not ok <family>.<case>: <detail>
 *     skip <family>.<case>: <reason>
 *
 * The same program runs natively and under `runsc do`; `cargo xtask
 * conformance` compares the lines. Details must therefore be deterministic:
 * print errno names and values the test chose, never addresses, pids or
 * times.
 *
 * A case declares which syscalls it covers with COVERS("name", ...) lines
 * in its file; the xtask reads them (not the program) for
 * docs/compatibility.md. A COVERS line applies to the cases named after it,
 * up to the next COVERS line; a case name counts when it is the string
 * literal opening an ok/fail/skip/CHECK/EXPECT_* call.
 */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Helpers every program may or may not use. */
#define CONF_FN static __attribute__((unused))

/* For the xtask's coverage table only; expands to nothing. */
#define COVERS(...)

static const char *conf_family = "?";
static char conf_tmpdir[PATH_MAX];
static int conf_failed __attribute__((unused));

/* An address no process has mapped: every access through it is EFAULT.
 * Read through a volatile so gcc cannot see the constant and reject calls
 * like read(fd, BAD_PTR, 4) at compile time (-Wstringop-overflow). */
static void *volatile conf_bad_ptr __attribute__((unused)) = (void *)1;
#define BAD_PTR ((void *)conf_bad_ptr)

CONF_FN void conf_line(const char *status, const char *name, const char *fmt, va_list ap)
{
    char detail[512];
    detail[0] = 0;
    if (fmt)
        vsnprintf(detail, sizeof detail, fmt, ap);
    if (detail[0])
        printf("%s %s.%s: %s\n", status, conf_family, name, detail);
    else
        printf("%s %s.%s\n", status, conf_family, name);
    fflush(stdout);
}

/* The case passed. */
CONF_FN void ok(const char *name)
{
    printf("ok %s.%s\n", conf_family, name);
    fflush(stdout);
}

/* The case failed; `fmt` says how (deterministically). */
__attribute__((format(printf, 2, 3))) CONF_FN void fail(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    conf_line("not ok", name, fmt, ap);
    va_end(ap);
    conf_failed++;
}

/* The case cannot run here (missing privilege or kernel feature). */
__attribute__((format(printf, 2, 3))) CONF_FN void skip(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    conf_line("skip", name, fmt, ap);
    va_end(ap);
}

/* `ok` if `cond`, else `fail` with the message. */
#define CHECK(name, cond, ...)              \
    do {                                    \
        if (cond)                           \
            ok(name);                       \
        else                                \
            fail(name, __VA_ARGS__);        \
    } while (0)

/* The symbolic name of an errno value ("ENOENT"), for details. */
CONF_FN const char *errname(int e)
{
    const char *n = strerrorname_np(e);
    return n ? n : "E?";
}

/*
 * Expects `expr` (a syscall-style call returning -1 and setting errno on
 * failure) to fail with `err`.
 */
#define EXPECT_ERRNO(name, expr, err)                                                  \
    do {                                                                               \
        errno = 0;                                                                     \
        long conf_r = (long)(expr);                                                    \
        int conf_e = errno;                                                            \
        if (conf_r == -1 && conf_e == (err))                                           \
            ok(name);                                                                  \
        else if (conf_r == -1)                                                         \
            fail(name, "errno %s, want %s", errname(conf_e), errname(err));            \
        else                                                                           \
            fail(name, "returned %ld, want -1 %s", conf_r, errname(err));              \
    } while (0)

/* Expects `expr` to return exactly `want`. */
#define EXPECT_EQ(name, expr, want)                                                    \
    do {                                                                               \
        errno = 0;                                                                     \
        long conf_r = (long)(expr);                                                    \
        int conf_e = errno;                                                            \
        long conf_w = (long)(want);                                                    \
        if (conf_r == conf_w)                                                          \
            ok(name);                                                                  \
        else if (conf_r == -1)                                                         \
            fail(name, "failed with %s, want %ld", errname(conf_e), conf_w);           \
        else                                                                           \
            fail(name, "returned %ld, want %ld", conf_r, conf_w);                      \
    } while (0)

/* Expects `expr` to succeed (return something other than -1). */
#define EXPECT_OK(name, expr)                                                          \
    do {                                                                               \
        errno = 0;                                                                     \
        long conf_r = (long)(expr);                                                    \
        int conf_e = errno;                                                            \
        if (conf_r != -1)                                                              \
            ok(name);                                                                  \
        else                                                                           \
            fail(name, "failed with %s", errname(conf_e));                             \
    } while (0)

/* Aborts the program on a setup failure (not a case): the runner sees the
 * missing lines and the exit status. The file's base name keeps the message
 * the same wherever the tree is checked out. */
#define SETUP(expr)                                                                    \
    do {                                                                               \
        if ((long)(expr) == -1) {                                                      \
            printf("setup failed at %s:%d: %s: %s\n", __FILE_NAME__, __LINE__, #expr,  \
                   errname(errno));                                                    \
            fflush(stdout);                                                            \
            exit(99);                                                                  \
        }                                                                              \
    } while (0)

CONF_FN int conf_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

CONF_FN void conf_cleanup(void)
{
    if (conf_tmpdir[0]) {
        chdir("/");
        nftw(conf_tmpdir, conf_rm, 16, FTW_DEPTH | FTW_PHYS);
    }
}

/*
 * Starts the program: names the family, makes stdout unbuffered-per-line,
 * and moves into a fresh scratch directory under /tmp that is removed at
 * exit.
 */
CONF_FN void conf_begin(const char *family)
{
    conf_family = family;
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(conf_tmpdir, sizeof conf_tmpdir, "/tmp/conf-%s.XXXXXX", family);
    if (!mkdtemp(conf_tmpdir)) {
        printf("setup failed: mkdtemp: %s\n", errname(errno));
        exit(99);
    }
    if (chdir(conf_tmpdir) != 0) {
        printf("setup failed: chdir: %s\n", errname(errno));
        exit(99);
    }
    atexit(conf_cleanup);
}

/* Ends the program; the exit status is 0 whatever the cases said (the
 * runner compares lines, not the status). */
CONF_FN int conf_end(void)
{
    fflush(stdout);
    return 0;
}

/* Whether the program runs with full privilege. */
CONF_FN int is_root(void)
{
    return geteuid() == 0;
}

/* The uid/gid of the unprivileged user cases switch to. */
#define NOBODY 65534

/*
 * Runs `fn` in a child process as uid/gid NOBODY with no supplementary
 * groups, and waits for it. Cases that need an unprivileged caller (EACCES,
 * EPERM) use this; without root it runs `fn` directly. Returns the child's
 * wait status, or -1 if it could not be started.
 */
CONF_FN int as_nobody(void (*fn)(void))
{
    if (!is_root()) {
        fn();
        return 0;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setresgid(NOBODY, NOBODY, NOBODY) != 0 ||
            setresuid(NOBODY, NOBODY, NOBODY) != 0) {
            printf("setup failed: dropping privilege: %s\n", errname(errno));
            _exit(99);
        }
        fn();
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

/* Writes `len` bytes of `data` to a new file `path` (mode 0644). */
CONF_FN void make_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    SETUP(fd);
    if (len)
        SETUP(write(fd, data, len));
    SETUP(close(fd));
}

/*
 * Fixtures for permission cases, in the scratch directory: `m000` (mode
 * 000), `m444` (mode 0444) and `noexec/f` under a directory without search
 * permission; the scratch directory itself is made searchable, so NOBODY
 * reaches them.
 */
CONF_FN void make_perm_fixtures(void)
{
    make_file("m000", "x", 1);
    SETUP(chmod("m000", 0));
    make_file("m444", "x", 1);
    SETUP(chmod("m444", 0444));
    SETUP(mkdir("noexec", 0755));
    make_file("noexec/f", "x", 1);
    SETUP(chmod("noexec", 0644));
    SETUP(chmod(".", 0755));
}

/* A mapping of one page with no access: pointers into it fault. */
CONF_FN void *guard_page(void)
{
    void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        printf("setup failed: mmap guard: %s\n", errname(errno));
        exit(99);
    }
    return p;
}

#endif
