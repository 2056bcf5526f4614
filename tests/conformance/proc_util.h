/*
 * Process, signal and thread helpers of the conformance programs, on top of
 * conformance.h.
 *
 * Children never return into the caller's code: they leave with _exit so
 * that conformance.h's atexit cleanup (which removes the scratch directory)
 * runs only in the original process. Children report through their exit
 * status or a pipe, and the parent prints the case line, so the output order
 * is deterministic.
 *
 * Nothing here synchronises by sleeping: a parent and a child meet through a
 * pipe (pu_post/pu_await), and a blocking call is interrupted by a periodic
 * interval timer (pu_tick_start), which fires again and again until the call
 * has blocked and returned EINTR, so the outcome does not depend on timing.
 */
#ifndef PROC_UTIL_H
#define PROC_UTIL_H

#include "conformance.h"

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#define PU_FN static __attribute__((unused))

/*
 * Forks after flushing stdout. A failed fork is a setup failure: the cases
 * that follow would wait for a child that does not exist.
 */
PU_FN pid_t pu_fork(void)
{
    fflush(stdout);
    pid_t pid;
    SETUP(pid = fork());
    return pid;
}

/* Forks; the child runs `fn(arg)` and exits with its return value. Returns
 * the child's pid. */
PU_FN pid_t pu_spawn(int (*fn)(void *), void *arg)
{
    pid_t pid = pu_fork();
    if (pid == 0)
        _exit(fn(arg));
    return pid;
}

/* Waits for `pid` (retrying on EINTR) and returns its wait status, or -1. */
PU_FN int pu_wait(pid_t pid)
{
    int status = 0;
    pid_t r;
    if (pid <= 0)
        return -1;
    do
        r = waitpid(pid, &status, __WALL);
    while (r == -1 && errno == EINTR);
    return r == pid ? status : -1;
}

/* Runs `fn(arg)` in a child and returns its wait status, or -1. */
PU_FN int pu_run(int (*fn)(void *), void *arg)
{
    return pu_wait(pu_spawn(fn, arg));
}

/* The wait status of a child that called _exit(code). */
#define PU_EXITED(code) (((code)&0xff) << 8)

/* Describes a wait status deterministically, for failure details. */
PU_FN const char *pu_status_str(int status)
{
    static char buf[64];
    if (status == -1)
        snprintf(buf, sizeof buf, "wait failed");
    else if (WIFEXITED(status))
        snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, sizeof buf, "killed by %s", sigabbrev_np(WTERMSIG(status)) ?: "?");
    else if (WIFSTOPPED(status))
        snprintf(buf, sizeof buf, "stopped by %s", sigabbrev_np(WSTOPSIG(status)) ?: "?");
    else
        snprintf(buf, sizeof buf, "status 0x%x", status);
    return buf;
}

/* What the last pu_status_is that failed saw ("exited 1, want exited 0"). */
static char pu_status_diff[160];

/*
 * Whether the wait status `status` is `want`; if not, says how in
 * pu_status_diff. The core-dump flag is ignored: whether a core is written
 * depends on the host's core_pattern, not on the kernel under test. Cases
 * use it as CHECK(name, pu_status_is(status, want), "%s", pu_status_diff),
 * so that the xtask, which reads CHECK lines, sees the case.
 */
PU_FN int pu_status_is(int status, int want)
{
    if (status == want || (status != -1 && WIFSIGNALED(status) && (status & ~0x80) == want))
        return 1;
    char got[64];
    snprintf(got, sizeof got, "%s", pu_status_str(status));
    snprintf(pu_status_diff, sizeof pu_status_diff, "%s, want %s", got, pu_status_str(want));
    return 0;
}

/* A one-way channel: one side posts bytes, the other awaits them. */
struct pu_chan {
    int rd;
    int wr;
};

/* A new pipe with pipe2 `flags`: read end in *rd, write end in *wr. */
PU_FN void pu_pipe(int *rd, int *wr, int flags)
{
    int p[2];
    SETUP(pipe2(p, flags));
    *rd = p[0];
    *wr = p[1];
}

/* Opens a channel (a close-on-exec pipe). */
PU_FN void pu_chan_open(struct pu_chan *c)
{
    pu_pipe(&c->rd, &c->wr, O_CLOEXEC);
}

/* Closes both ends the caller still holds. */
PU_FN void pu_chan_close(struct pu_chan *c)
{
    if (c->rd >= 0)
        close(c->rd);
    if (c->wr >= 0)
        close(c->wr);
    c->rd = c->wr = -1;
}

/* Posts one byte `v`. Returns 0, or -1 if the reader is gone. */
PU_FN int pu_post(struct pu_chan *c, char v)
{
    ssize_t r;
    do
        r = write(c->wr, &v, 1);
    while (r == -1 && errno == EINTR);
    return r == 1 ? 0 : -1;
}

/* Awaits one byte; returns it (0..255), or -1 on end of file or error. */
PU_FN int pu_await(struct pu_chan *c)
{
    unsigned char v;
    ssize_t r;
    do
        r = read(c->rd, &v, 1);
    while (r == -1 && errno == EINTR);
    return r == 1 ? v : -1;
}

/*
 * Opens `c` and forks a child that runs `prep` (if any), then waits on the
 * channel and exits with the byte it reads (0 at end of file). The parent
 * keeps only the write end: the child waits until the parent posts, closes
 * the channel, or kills it.
 */
PU_FN pid_t pu_spawn_waiting(struct pu_chan *c, void (*prep)(void))
{
    pu_chan_open(c);
    pid_t pid = pu_fork();
    if (pid == 0) {
        close(c->wr);
        if (prep)
            prep();
        int v = pu_await(c);
        _exit(v < 0 ? 0 : v);
    }
    close(c->rd);
    c->rd = -1;
    return pid;
}

/* Signals counted by pu_count_handler, indexed by number. */
static volatile sig_atomic_t pu_sig_count[65];

/* A handler that counts deliveries per signal. */
PU_FN void pu_count_handler(int sig)
{
    if (sig > 0 && sig < 65)
        pu_sig_count[sig]++;
}

/* Installs `handler` for `sig` with `flags` (SA_RESTART or not) and an
 * empty sa_mask. */
PU_FN void pu_handle(int sig, void (*handler)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    SETUP(sigaction(sig, &sa, NULL));
}

/* Restores the default action of `sig`. */
PU_FN void pu_default(int sig)
{
    signal(sig, SIG_DFL);
}

/*
 * Starts a periodic SIGALRM every `usec` microseconds, counted by
 * pu_count_handler, with SA_RESTART if `restart`. A blocking call made after
 * this is interrupted by one of the ticks whatever the timing.
 */
PU_FN void pu_tick_start(long usec, int restart)
{
    pu_sig_count[SIGALRM] = 0;
    pu_handle(SIGALRM, pu_count_handler, restart ? SA_RESTART : 0);
    struct itimerval it = {{0, usec}, {0, usec}};
    SETUP(setitimer(ITIMER_REAL, &it, NULL));
}

/* Where pu_feed_handler writes its byte. */
static int pu_feed_fd = -1;

/* Counts SIGALRM ticks; the third writes one byte to pu_feed_fd. */
static void pu_feed_handler(int sig)
{
    (void)sig;
    if (++pu_sig_count[SIGALRM] == 3 && write(pu_feed_fd, "r", 1) != 1)
        pu_sig_count[SIGALRM] = -1000;
}

/*
 * Starts SA_RESTART ticks every `usec` microseconds; the third one writes a
 * byte to `fd`. A blocking read of the other end is interrupted twice (and
 * restarted, if the kernel restarts it) before the byte arrives.
 */
PU_FN void pu_tick_feed(long usec, int fd)
{
    pu_feed_fd = fd;
    pu_sig_count[SIGALRM] = 0;
    pu_handle(SIGALRM, pu_feed_handler, SA_RESTART);
    struct itimerval it = {{0, usec}, {0, usec}};
    SETUP(setitimer(ITIMER_REAL, &it, NULL));
}

/* Stops the ticks and restores SIGALRM's default action. Ticks already
 * pending are discarded. */
PU_FN void pu_tick_stop(void)
{
    struct itimerval it = {{0, 0}, {0, 0}};
    SETUP(setitimer(ITIMER_REAL, &it, NULL));
    signal(SIGALRM, SIG_IGN);
    pu_default(SIGALRM);
}

/* The set of signals `a` and `b` (0 for none). */
PU_FN sigset_t pu_sigset(int a, int b)
{
    sigset_t s;
    sigemptyset(&s);
    if (a)
        sigaddset(&s, a);
    if (b)
        sigaddset(&s, b);
    return s;
}

/* Blocks `sig` in the calling thread (returns the previous mask in `old` if
 * not NULL). */
PU_FN void pu_block(int sig, sigset_t *old)
{
    sigset_t s = pu_sigset(sig, 0);
    SETUP(sigprocmask(SIG_BLOCK, &s, old));
}

/* Unblocks `sig` in the calling thread. */
PU_FN void pu_unblock(int sig)
{
    sigset_t s = pu_sigset(sig, 0);
    SETUP(sigprocmask(SIG_UNBLOCK, &s, NULL));
}

/* Whether `sig` is pending for the calling thread or its process. */
PU_FN int pu_pending(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    if (sigpending(&s) != 0)
        return -1;
    return sigismember(&s, sig);
}

/*
 * Prepares the process after conf_begin. Every signal gets its default
 * action and is unblocked: ignored dispositions and the signal mask survive
 * exec, so a program cannot trust what its launcher left (Python, for one,
 * ignores SIGPIPE). RLIMIT_CORE becomes 0 (if it can) so that children
 * killed by a core-dumping signal write no core files.
 */
PU_FN void pu_setup(void)
{
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core); /* best effort: statuses ignore the flag */
    for (int sig = 1; sig < 65; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    SETUP(sigprocmask(SIG_SETMASK, &none, NULL));
}

/* Monotonic milliseconds, for bounding loops (never for synchronising). */
PU_FN long pu_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * waitpid with WNOHANG, retried for up to two seconds: for stop and
 * continue reports, which a kernel without job control never sends (a
 * blocking wait would hang the whole program). Returns waitpid's last
 * result: 0 if nothing was reported in time.
 */
PU_FN pid_t pu_waitpid_bounded(pid_t pid, int *status, int options)
{
    long end = pu_now_ms() + 2000;
    pid_t r;
    while ((r = waitpid(pid, status, options | WNOHANG)) == 0 && pu_now_ms() < end)
        sched_yield();
    return r;
}

/* waitid's counterpart of pu_waitpid_bounded: si->si_pid stays 0 if nothing
 * was reported in time. */
PU_FN int pu_waitid_bounded(idtype_t type, id_t id, siginfo_t *si, int options)
{
    long end = pu_now_ms() + 2000;
    int r;
    do {
        memset(si, 0, sizeof *si);
        r = waitid(type, id, si, options | WNOHANG);
        if (r != 0 || si->si_pid != 0)
            return r;
        sched_yield();
    } while (pu_now_ms() < end);
    return r;
}

/* What the last pu_pid_is that failed saw, without the numbers. */
static char pu_pid_diff[96];

/*
 * Whether a call that returns a pid (or 0, or -1) returned `want`; if not,
 * says how in pu_pid_diff without printing pids, which differ run to run:
 * CHECK(name, pu_pid_is(call, want), "%s", pu_pid_diff).
 */
PU_FN int pu_pid_is(long got, long want)
{
    int e = errno;
    if (got == want)
        return 1;
    const char *w = want > 0 ? "the pid" : want == 0 ? "0" : "-1";
    if (got == -1)
        snprintf(pu_pid_diff, sizeof pu_pid_diff, "failed with %s, want %s", errname(e), w);
    else if (got == 0)
        snprintf(pu_pid_diff, sizeof pu_pid_diff, "returned 0, want %s", w);
    else
        snprintf(pu_pid_diff, sizeof pu_pid_diff, "returned %s, want %s",
                 want > 0 ? "another pid" : "a pid", w);
    return 0;
}

/* Starts a thread running `fn(arg)`; -1 on failure. */
PU_FN int pu_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
    int e = pthread_create(t, NULL, fn, arg);
    if (e != 0) {
        errno = e;
        return -1;
    }
    return 0;
}

/* Becomes the child subreaper, so orphaned descendants can be waited for. */
PU_FN void pu_subreaper(void)
{
    SETUP(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
}

#endif
