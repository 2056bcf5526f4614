/* Conformance: sending signals (kill, tkill, tgkill), permission checks and
 * default actions. */
#include "proc_util.h"

#define NO_PID 0x3fffffff

static pid_t parent_pid;

static int child_raise(void *arg)
{
    raise((int)(long)arg);
    return 0;
}

static int child_raise_sigkill_blocked(void *arg)
{
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    raise(SIGKILL);
    return 0;
}

static int child_raise_handled_then_exit(void *arg)
{
    int sig = (int)(long)arg;
    pu_handle(sig, pu_count_handler, 0);
    raise(sig);
    return pu_sig_count[sig] == 1 ? 5 : 6;
}

/* Run by a waiting child: blocks every signal it can. */
static void block_all(void)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
}

COVERS("kill", "tkill", "tgkill")
static void test_errors(void)
{
    EXPECT_ERRNO("kill_no_process", kill(NO_PID, 0), ESRCH);
    EXPECT_ERRNO("kill_bad_signal", kill(getpid(), 65), EINVAL);
    EXPECT_ERRNO("kill_negative_signal", kill(getpid(), -1), EINVAL);
    EXPECT_EQ("kill_signal_zero_self", kill(getpid(), 0), 0);
    EXPECT_ERRNO("tkill_no_thread", syscall(SYS_tkill, NO_PID, 0), ESRCH);
    EXPECT_ERRNO("tkill_zero_tid", syscall(SYS_tkill, 0, 0), EINVAL);
    EXPECT_ERRNO("tkill_negative_tid", syscall(SYS_tkill, -1, 0), EINVAL);
    EXPECT_ERRNO("tkill_bad_signal", syscall(SYS_tkill, getpid(), 65), EINVAL);
    EXPECT_EQ("tkill_self_zero", syscall(SYS_tkill, syscall(SYS_gettid), 0), 0);
    EXPECT_ERRNO("tgkill_no_thread", syscall(SYS_tgkill, getpid(), NO_PID, 0), ESRCH);
    EXPECT_ERRNO("tgkill_no_group", syscall(SYS_tgkill, NO_PID, getpid(), 0), ESRCH);
    EXPECT_ERRNO("tgkill_zero_tgid", syscall(SYS_tgkill, 0, getpid(), 0), EINVAL);
    EXPECT_ERRNO("tgkill_zero_tid", syscall(SYS_tgkill, getpid(), 0, 0), EINVAL);
    EXPECT_ERRNO("tgkill_bad_signal", syscall(SYS_tgkill, getpid(), getpid(), 65), EINVAL);

    struct pu_chan c;
    pid_t pid = pu_spawn_waiting(&c, NULL);
    EXPECT_ERRNO("tgkill_wrong_group", syscall(SYS_tgkill, getpid(), pid, 0), ESRCH);
    EXPECT_EQ("tgkill_child", syscall(SYS_tgkill, pid, pid, 0), 0);
    EXPECT_EQ("kill_child_zero", kill(pid, 0), 0);
    pu_post(&c, 0);
    pu_wait(pid);
    pu_chan_close(&c);
}

COVERS("kill", "tgkill")
static void nobody_kill(void)
{
    EXPECT_ERRNO("kill_root_as_nobody", kill(parent_pid, 0), EPERM);
    EXPECT_ERRNO("kill_root_sigterm_as_nobody", kill(parent_pid, SIGTERM), EPERM);
    EXPECT_EQ("kill_sigcont_same_session_as_nobody", kill(parent_pid, SIGCONT), 0);
    EXPECT_ERRNO("tgkill_root_as_nobody", syscall(SYS_tgkill, parent_pid, parent_pid, SIGUSR1),
                 EPERM);
    EXPECT_EQ("kill_self_as_nobody", kill(getpid(), 0), 0);
}

static void test_permissions(void)
{
    parent_pid = getpid();
    as_nobody(nobody_kill);
}

COVERS("tgkill", "wait4")
static void test_default_actions(void)
{
    CHECK("sigusr1_terminates", pu_status_is(pu_run(child_raise, (void *)(long)SIGUSR1), SIGUSR1),
          "%s", pu_status_diff);
    CHECK("sigterm_terminates", pu_status_is(pu_run(child_raise, (void *)(long)SIGTERM), SIGTERM),
          "%s", pu_status_diff);
    CHECK("sigalrm_terminates", pu_status_is(pu_run(child_raise, (void *)(long)SIGALRM), SIGALRM),
          "%s", pu_status_diff);
    CHECK("sigrtmin_terminates",
          pu_status_is(pu_run(child_raise, (void *)(long)SIGRTMIN), SIGRTMIN),
          "%s", pu_status_diff);
    int st = pu_run(child_raise, (void *)(long)SIGQUIT);
    CHECK("sigquit_terminates", WIFSIGNALED(st) && WTERMSIG(st) == SIGQUIT, "%s",
          pu_status_str(st));
    CHECK("sigchld_ignored_by_default",
          pu_status_is(pu_run(child_raise, (void *)(long)SIGCHLD), PU_EXITED(0)),
          "%s", pu_status_diff);
    CHECK("sigurg_ignored_by_default",
          pu_status_is(pu_run(child_raise, (void *)(long)SIGURG), PU_EXITED(0)),
          "%s", pu_status_diff);
    CHECK("sigwinch_ignored_by_default",
          pu_status_is(pu_run(child_raise, (void *)(long)SIGWINCH), PU_EXITED(0)),
          "%s", pu_status_diff);
    CHECK("sigcont_ignored_by_default",
          pu_status_is(pu_run(child_raise, (void *)(long)SIGCONT), PU_EXITED(0)),
          "%s", pu_status_diff);
    CHECK("sigkill_unblockable", pu_status_is(pu_run(child_raise_sigkill_blocked, NULL), SIGKILL),
          "%s", pu_status_diff);
    CHECK("handled_signal_returns",
          pu_status_is(pu_run(child_raise_handled_then_exit, (void *)(long)SIGTERM), PU_EXITED(5)),
          "%s", pu_status_diff);
}

COVERS("kill", "wait4")
static void test_stop_continue(void)
{
    struct pu_chan c;
    int st = 0;
    pid_t pid = pu_spawn_waiting(&c, NULL);
    SETUP(kill(pid, SIGSTOP));
    CHECK("sigstop_stops",
          pu_pid_is(pu_waitpid_bounded(pid, &st, WUNTRACED), pid), "%s", pu_pid_diff);
    CHECK("sigstop_status", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "%s", pu_status_str(st));
    /* A terminating signal sent while stopped ends the child by the time it
     * has been continued (whether Linux holds it until SIGCONT depends on
     * timing, so only the outcome is checked). */
    SETUP(kill(pid, SIGTERM));
    SETUP(kill(pid, SIGCONT));
    CHECK("sigterm_while_stopped_kills", pu_status_is(pu_wait(pid), SIGTERM), "%s", pu_status_diff);
    pu_chan_close(&c);

    pid = pu_spawn_waiting(&c, NULL);
    SETUP(kill(pid, SIGSTOP));
    SETUP(pu_waitpid_bounded(pid, &st, WUNTRACED));
    SETUP(kill(pid, SIGKILL));
    CHECK("sigkill_kills_stopped", pu_pid_is(waitpid(pid, &st, 0), pid), "%s", pu_pid_diff);
    CHECK("sigkill_stopped_status", pu_status_is(st, SIGKILL), "%s", pu_status_diff);
    pu_chan_close(&c);

    /* SIGSTOP cannot be blocked. */
    pid = pu_spawn_waiting(&c, block_all);
    SETUP(kill(pid, SIGSTOP));
    CHECK("sigstop_after_block_attempt",
          pu_pid_is(pu_waitpid_bounded(pid, &st, WUNTRACED), pid), "%s", pu_pid_diff);
    SETUP(kill(pid, SIGCONT));
    SETUP(pu_waitpid_bounded(pid, &st, WCONTINUED));
    CHECK("continued_status", WIFCONTINUED(st), "%s", pu_status_str(st));
    pu_post(&c, 3);
    CHECK("continued_child_runs_on", pu_status_is(pu_wait(pid), PU_EXITED(3)),
          "%s", pu_status_diff);
    pu_chan_close(&c);
}

static int child_sigcont_handler(void *arg)
{
    struct pu_chan *c = arg;
    close(c->wr);
    pu_await(c);
    return pu_sig_count[SIGCONT] == 1 ? 0 : 1;
}

COVERS("kill")
static void test_sigcont_handler(void)
{
    struct pu_chan c;
    pu_chan_open(&c);
    pu_handle(SIGCONT, pu_count_handler, 0);
    pid_t pid = pu_spawn(child_sigcont_handler, &c);
    pu_default(SIGCONT);
    close(c.rd);
    c.rd = -1;
    int st;
    SETUP(kill(pid, SIGSTOP));
    SETUP(pu_waitpid_bounded(pid, &st, WUNTRACED));
    SETUP(kill(pid, SIGCONT));
    SETUP(pu_waitpid_bounded(pid, &st, WCONTINUED));
    pu_post(&c, 0);
    CHECK("sigcont_handler_runs", pu_status_is(pu_wait(pid), PU_EXITED(0)), "%s", pu_status_diff);
    pu_chan_close(&c);
}

int main(void)
{
    conf_begin("signal_kill");
    pu_setup();
    test_errors();
    test_permissions();
    test_default_actions();
    test_stop_continue();
    test_sigcont_handler();
    return conf_end();
}
