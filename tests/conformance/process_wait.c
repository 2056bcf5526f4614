/* Conformance: waiting for children (wait4, waitid), reparenting, rusage. */
#include "proc_util.h"

#define NO_PID 0x3fffffff

static int child_exit7(void *arg)
{
    (void)arg;
    return 7;
}

static int child_raw_exit(void *arg)
{
    (void)arg;
    syscall(SYS_exit, 12);
    return 13;
}

static void *thread_exit_group(void *arg)
{
    (void)arg;
    syscall(SYS_exit_group, 5);
    return NULL;
}

/* A second thread ends the whole process. */
static int child_thread_exit_group(void *arg)
{
    (void)arg;
    pthread_t t;
    if (pu_thread(&t, thread_exit_group, NULL) != 0)
        return 2;
    for (;;)
        pause();
}

static pthread_t main_thread;

static void *thread_outlives_main(void *arg)
{
    (void)arg;
    pthread_join(main_thread, NULL);
    syscall(SYS_exit_group, 3);
    return NULL;
}

/* The main thread exits alone; the process lives on in the other thread,
 * which ends it once the main thread is gone. */
static int child_main_thread_exits(void *arg)
{
    (void)arg;
    main_thread = pthread_self();
    pthread_t t;
    if (pu_thread(&t, thread_outlives_main, NULL) != 0)
        return 2;
    syscall(SYS_exit, 0);
    return 4;
}

static int child_abort_by_signal(void *arg)
{
    int sig = (int)(long)arg;
    signal(sig, SIG_DFL);
    raise(sig);
    return 100;
}

/* Burns CPU until its own rusage shows some (bounded by one second). */
static int child_spin(void *arg)
{
    (void)arg;
    long end = pu_now_ms() + 1000;
    volatile unsigned long x = 0;
    while (pu_now_ms() < end) {
        for (unsigned long i = 0; i < 100000; i++)
            x += i;
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        if (ru.ru_utime.tv_sec + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec > 0)
            break;
    }
    return 0;
}

COVERS("wait4", "exit")
static void test_wait4(void)
{
    int st = 0;
    EXPECT_ERRNO("wait_no_children", wait(&st), ECHILD);
    EXPECT_ERRNO("waitpid_not_child", waitpid(1, &st, 0), ECHILD);
    EXPECT_ERRNO("waitpid_no_process", waitpid(NO_PID, &st, 0), ECHILD);
    EXPECT_ERRNO("wait4_bad_options", wait4(-1, &st, 0x1000000, NULL), EINVAL);

    pid_t pid = pu_spawn(child_exit7, NULL);
    CHECK("wait4_returns_pid", pu_pid_is(wait4(pid, &st, 0, NULL), pid), "%s", pu_pid_diff);
    CHECK("wifexited", WIFEXITED(st) && !WIFSIGNALED(st) && !WIFSTOPPED(st), "%s",
          pu_status_str(st));
    EXPECT_EQ("wexitstatus", WEXITSTATUS(st), 7);
    EXPECT_ERRNO("wait_after_reap", waitpid(pid, &st, 0), ECHILD);

    CHECK("exit_syscall_single_thread", pu_status_is(pu_run(child_raw_exit, NULL), PU_EXITED(12)),
          "%s", pu_status_diff);

    CHECK("exit_group_from_thread",
          pu_status_is(pu_run(child_thread_exit_group, NULL), PU_EXITED(5)), "%s", pu_status_diff);
    CHECK("main_thread_exit_leaves_process",
          pu_status_is(pu_run(child_main_thread_exits, NULL), PU_EXITED(3)), "%s", pu_status_diff);

    pid = pu_spawn(child_abort_by_signal, (void *)(long)SIGTERM);
    CHECK("wait_signaled_pid", pu_pid_is(waitpid(pid, &st, 0), pid), "%s", pu_pid_diff);
    CHECK("wifsignaled", WIFSIGNALED(st) && !WIFEXITED(st), "%s", pu_status_str(st));
    EXPECT_EQ("wtermsig", WTERMSIG(st), SIGTERM);

    struct pu_chan c;
    pid = pu_spawn_waiting(&c, NULL);
    CHECK("wnohang_running_child", pu_pid_is(waitpid(pid, &st, WNOHANG), 0), "%s", pu_pid_diff);
    pu_post(&c, 9);
    CHECK("wait_any_child", pu_pid_is(waitpid(-1, &st, 0), pid), "%s", pu_pid_diff);
    EXPECT_EQ("wait_any_status", WEXITSTATUS(st), 9);
    pu_chan_close(&c);

    /* waitpid(0) waits for children in the caller's process group only. */
    pid = pu_spawn_waiting(&c, NULL);
    SETUP(setpgid(pid, pid));
    EXPECT_ERRNO("wait_own_group_excludes_other_group", waitpid(0, &st, WNOHANG), ECHILD);
    CHECK("wait_other_group_running", pu_pid_is(waitpid(-pid, &st, WNOHANG), 0), "%s", pu_pid_diff);
    pu_post(&c, 1);
    CHECK("wait_by_group", pu_pid_is(waitpid(-pid, &st, 0), pid), "%s", pu_pid_diff);
    pu_chan_close(&c);

    pid = pu_spawn(child_exit7, NULL);
    EXPECT_ERRNO("wait4_status_efault", wait4(pid, BAD_PTR, 0, NULL), EFAULT);
    EXPECT_ERRNO("wait4_efault_still_reaps", waitpid(pid, &st, WNOHANG), ECHILD);
}

COVERS("wait4", "waitid", "kill")
static void test_stop_continue(void)
{
    struct pu_chan c;
    int st = 0;
    pid_t pid = pu_spawn_waiting(&c, NULL);
    SETUP(kill(pid, SIGSTOP));
    CHECK("wuntraced_reports_stop",
          pu_pid_is(pu_waitpid_bounded(pid, &st, WUNTRACED), pid), "%s", pu_pid_diff);
    CHECK("wifstopped", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "%s", pu_status_str(st));
    CHECK("stop_reported_once",
          pu_pid_is(waitpid(pid, &st, WUNTRACED | WNOHANG), 0), "%s", pu_pid_diff);
    SETUP(kill(pid, SIGCONT));
    CHECK("wcontinued_reports",
          pu_pid_is(pu_waitpid_bounded(pid, &st, WCONTINUED), pid), "%s", pu_pid_diff);
    CHECK("wifcontinued", WIFCONTINUED(st), "%s", pu_status_str(st));

    SETUP(kill(pid, SIGSTOP));
    siginfo_t si;
    EXPECT_OK("waitid_wstopped", pu_waitid_bounded(P_PID, pid, &si, WSTOPPED));
    CHECK("waitid_stopped_fields",
          si.si_code == CLD_STOPPED && si.si_status == SIGSTOP && si.si_pid == pid &&
              si.si_signo == SIGCHLD,
          "si_code %d si_status %d", si.si_code, si.si_status);
    SETUP(kill(pid, SIGCONT));
    EXPECT_OK("waitid_wcontinued", pu_waitid_bounded(P_PID, pid, &si, WCONTINUED));
    CHECK("waitid_continued_fields", si.si_code == CLD_CONTINUED && si.si_status == SIGCONT,
          "si_code %d si_status %d", si.si_code, si.si_status);
    pu_post(&c, 0);
    pu_wait(pid);
    pu_chan_close(&c);
}

COVERS("waitid")
static void test_waitid(void)
{
    siginfo_t si;
    EXPECT_ERRNO("waitid_no_options", waitid(P_ALL, 0, &si, 0), EINVAL);
    EXPECT_ERRNO("waitid_bad_idtype", waitid((idtype_t)42, 0, &si, WEXITED), EINVAL);
    EXPECT_ERRNO("waitid_no_children", waitid(P_ALL, 0, &si, WEXITED), ECHILD);

    struct pu_chan c;
    pid_t pid = pu_spawn_waiting(&c, NULL);
    memset(&si, 0xff, sizeof si);
    EXPECT_EQ("waitid_wnohang_running", waitid(P_PID, pid, &si, WEXITED | WNOHANG), 0);
    CHECK("waitid_wnohang_zero_pid", si.si_pid == 0, "si_pid not cleared");
    pu_post(&c, 5);
    memset(&si, 0, sizeof si);
    EXPECT_OK("waitid_wnowait", waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
    CHECK("waitid_exited_fields",
          si.si_signo == SIGCHLD && si.si_code == CLD_EXITED && si.si_status == 5 &&
              si.si_pid == pid && si.si_uid == getuid(),
          "si_code %d si_status %d", si.si_code, si.si_status);
    memset(&si, 0, sizeof si);
    EXPECT_OK("waitid_after_wnowait", waitid(P_PID, pid, &si, WEXITED));
    CHECK("waitid_wnowait_left_zombie", si.si_pid == pid, "second waitid found nothing");
    EXPECT_ERRNO("waitid_reaped", waitid(P_PID, pid, &si, WEXITED), ECHILD);
    pu_chan_close(&c);

    pid = pu_spawn(child_abort_by_signal, (void *)(long)SIGUSR1);
    memset(&si, 0, sizeof si);
    EXPECT_OK("waitid_killed", waitid(P_PID, pid, &si, WEXITED));
    CHECK("waitid_killed_fields", si.si_code == CLD_KILLED && si.si_status == SIGUSR1,
          "si_code %d si_status %d", si.si_code, si.si_status);

    EXPECT_ERRNO("waitid_efault", waitid(P_ALL, 0, BAD_PTR, WEXITED), EFAULT);
}

COVERS("wait4", "getrusage")
static void test_rusage(void)
{
    struct rusage before, after, ru;
    SETUP(getrusage(RUSAGE_CHILDREN, &before));
    pid_t pid = pu_spawn(child_spin, NULL);
    int st = 0;
    memset(&ru, 0, sizeof ru);
    CHECK("wait4_rusage_pid", pu_pid_is(wait4(pid, &st, 0, &ru), pid), "%s", pu_pid_diff);
    CHECK("wait4_rusage_maxrss", ru.ru_maxrss > 0, "ru_maxrss is 0");
    CHECK("wait4_rusage_time_sane",
          ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000 &&
              ru.ru_stime.tv_usec >= 0 && ru.ru_stime.tv_usec < 1000000,
          "bad timeval");
    SETUP(getrusage(RUSAGE_CHILDREN, &after));
    long b = before.ru_utime.tv_sec * 1000000L + before.ru_utime.tv_usec +
             before.ru_stime.tv_sec * 1000000L + before.ru_stime.tv_usec;
    long a = after.ru_utime.tv_sec * 1000000L + after.ru_utime.tv_usec +
             after.ru_stime.tv_sec * 1000000L + after.ru_stime.tv_usec;
    CHECK("rusage_children_grows", a > b, "children cpu time did not grow");
    CHECK("rusage_children_maxrss", after.ru_maxrss >= ru.ru_maxrss, "maxrss shrank");
    EXPECT_ERRNO("getrusage_bad_who", getrusage(42, &ru), EINVAL);
    EXPECT_ERRNO("getrusage_efault", getrusage(RUSAGE_SELF, BAD_PTR), EFAULT);
    EXPECT_OK("getrusage_thread", getrusage(RUSAGE_THREAD, &ru));
}

COVERS("wait4", "rt_sigaction")
static void test_autoreap(void)
{
    int st = 0;
    signal(SIGCHLD, SIG_IGN);
    pid_t pid = pu_spawn(child_exit7, NULL);
    EXPECT_ERRNO("sigchld_ignored_autoreaps", waitpid(pid, &st, 0), ECHILD);
    pu_default(SIGCHLD);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = SA_NOCLDWAIT;
    SETUP(sigaction(SIGCHLD, &sa, NULL));
    pid = pu_spawn(child_exit7, NULL);
    EXPECT_ERRNO("sa_nocldwait_autoreaps", waitpid(pid, &st, 0), ECHILD);
    pu_default(SIGCHLD);
}

static pid_t reaper_pid;
static struct pu_chan ready; /* grandchild -> middle */
static struct pu_chan hold;  /* top -> grandchild, never written */

static int middle_orphans_grandchild(void *arg)
{
    (void)arg;
    pid_t g = fork();
    if (g == 0) {
        /* Outlive the middle process, then report the new parent. */
        pu_await(&hold);
        _exit(getppid() == reaper_pid ? 0 : 1);
    }
    return g > 0 ? 0 : 1;
}

static int middle_pdeathsig(void *arg)
{
    (void)arg;
    pid_t g = fork();
    if (g == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGUSR2) != 0)
            _exit(2);
        int got = 0;
        prctl(PR_GET_PDEATHSIG, &got);
        if (got != SIGUSR2)
            _exit(3);
        pu_post(&ready, 1);
        /* Blocks until the parent-death signal kills it. */
        pu_await(&hold);
        _exit(4);
    }
    if (g < 0)
        return 1;
    close(ready.wr);
    return pu_await(&ready) == 1 ? 0 : 1;
}

COVERS("prctl", "wait4", "getppid")
static void test_reparent(void)
{
    pu_subreaper();
    reaper_pid = getpid();
    int got = 0;
    EXPECT_OK("get_child_subreaper", prctl(PR_GET_CHILD_SUBREAPER, &got));
    CHECK("child_subreaper_set", got == 1, "flag %d", got);

    pu_chan_open(&hold);
    pid_t mid = pu_spawn(middle_orphans_grandchild, NULL);
    CHECK("orphan_middle_exits", pu_status_is(pu_wait(mid), PU_EXITED(0)), "%s", pu_status_diff);
    pu_post(&hold, 1);
    int st = 0;
    pid_t g = waitpid(-1, &st, 0);
    CHECK("orphan_reparented_to_subreaper", g > 0 && g != mid, "no grandchild to wait for");
    CHECK("orphan_sees_subreaper_as_parent", pu_status_is(st, PU_EXITED(0)), "%s", pu_status_diff);

    EXPECT_ERRNO("pdeathsig_bad_signal", prctl(PR_SET_PDEATHSIG, 65), EINVAL);
    pu_chan_open(&ready);
    pid_t mid2 = pu_spawn(middle_pdeathsig, NULL);
    close(ready.wr);
    ready.wr = -1;
    CHECK("pdeathsig_middle_exits", pu_status_is(pu_wait(mid2), PU_EXITED(0)),
          "%s", pu_status_diff);
    g = waitpid(-1, &st, 0);
    CHECK("pdeathsig_child_reparented", g > 0 && g != mid2, "no grandchild to wait for");
    CHECK("pdeathsig_delivered", pu_status_is(st, SIGUSR2), "%s", pu_status_diff);
    pu_chan_close(&ready);
    pu_chan_close(&hold);
    prctl(PR_SET_CHILD_SUBREAPER, 0);
}

COVERS("kill", "waitid", "wait4")
static void test_zombie(void)
{
    struct pu_chan c;
    pid_t pid = pu_spawn_waiting(&c, NULL);
    pu_post(&c, 0);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    SETUP(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
    EXPECT_EQ("kill_zombie_succeeds", kill(pid, 0), 0);
    EXPECT_EQ("kill_zombie_sigkill", kill(pid, SIGKILL), 0);
    int st = 0;
    CHECK("zombie_reaped", pu_pid_is(waitpid(pid, &st, 0), pid), "%s", pu_pid_diff);
    CHECK("zombie_keeps_exit_status", pu_status_is(st, PU_EXITED(0)), "%s", pu_status_diff);
    EXPECT_ERRNO("kill_reaped_esrch", kill(pid, 0), ESRCH);
    pu_chan_close(&c);
}

COVERS("rt_sigtimedwait", "rt_sigaction", "wait4", "kill")
static void test_sigchld(void)
{
    sigset_t chld = pu_sigset(SIGCHLD, 0), old;
    SETUP(sigprocmask(SIG_BLOCK, &chld, &old));
    pid_t pid = pu_spawn(child_exit7, NULL);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    EXPECT_EQ("sigchld_on_exit", sigwaitinfo(&chld, &si), SIGCHLD);
    CHECK("sigchld_exit_fields",
          si.si_code == CLD_EXITED && si.si_status == 7 && si.si_pid == pid &&
              si.si_uid == getuid(),
          "si_code %d si_status %d", si.si_code, si.si_status);
    pu_wait(pid);

    struct pu_chan c;
    pid = pu_spawn_waiting(&c, NULL);
    SETUP(kill(pid, SIGKILL));
    memset(&si, 0, sizeof si);
    EXPECT_EQ("sigchld_on_kill", sigwaitinfo(&chld, &si), SIGCHLD);
    CHECK("sigchld_killed_fields", si.si_code == CLD_KILLED && si.si_status == SIGKILL,
          "si_code %d si_status %d", si.si_code, si.si_status);
    pu_wait(pid);
    pu_chan_close(&c);

    /* A stop raises SIGCHLD unless SA_NOCLDSTOP is set. */
    struct timespec zero = {0, 0};
    int st;
    for (int nocldstop = 0; nocldstop < 2; nocldstop++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sa.sa_flags = nocldstop ? SA_NOCLDSTOP : 0;
        SETUP(sigaction(SIGCHLD, &sa, NULL));
        pid = pu_spawn_waiting(&c, NULL);
        SETUP(kill(pid, SIGSTOP));
        pu_waitpid_bounded(pid, &st, WUNTRACED);
        memset(&si, 0, sizeof si);
        int got = sigtimedwait(&chld, &si, &zero);
        if (nocldstop)
            CHECK("sa_nocldstop_no_sigchld", got == -1 && errno == EAGAIN, "SIGCHLD queued");
        else
            /* si_status is not checked: Linux reads it after the stop
             * report may already have been consumed by waitpid. */
            CHECK("sigchld_on_stop", got == SIGCHLD && si.si_code == CLD_STOPPED, "si_code %d",
                  si.si_code);
        SETUP(kill(pid, SIGKILL));
        pu_wait(pid);
        pu_chan_close(&c);
        sigtimedwait(&chld, NULL, &zero);
    }
    pu_default(SIGCHLD);

    /* A blocking wait is interrupted by a handled signal. */
    pid = pu_spawn_waiting(&c, NULL);
    pu_tick_start(2000, 0);
    EXPECT_ERRNO("wait4_eintr", wait4(pid, &st, 0, NULL), EINTR);
    pu_tick_stop();
    pu_post(&c, 0);
    pu_wait(pid);
    pu_chan_close(&c);
    SETUP(sigprocmask(SIG_SETMASK, &old, NULL));
}

int main(void)
{
    conf_begin("process_wait");
    pu_setup();
    test_wait4();
    test_stop_continue();
    test_waitid();
    test_rusage();
    test_autoreap();
    test_reparent();
    test_zombie();
    test_sigchld();
    return conf_end();
}
