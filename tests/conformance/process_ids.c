/* Conformance: process groups, sessions and scheduling priority. */
#include "proc_util.h"

#define NO_PID 0x3fffffff

static int child_setpgid_self(void *arg)
{
    (void)arg;
    if (setpgid(0, 0) != 0)
        return 1;
    return getpgrp() == getpid() && getpgid(0) == getpid() ? 0 : 2;
}

static int child_setsid(void *arg)
{
    (void)arg;
    pid_t s = setsid();
    if (s != getpid())
        return 1;
    if (getsid(0) != getpid() || getpgrp() != getpid())
        return 2;
    /* A session leader cannot move to another group, nor start a session. */
    if (setpgid(0, 0) != -1 || errno != EPERM)
        return 3;
    if (setsid() != -1 || errno != EPERM)
        return 4;
    return 0;
}

static int child_leader_setsid(void *arg)
{
    (void)arg;
    if (setpgid(0, 0) != 0)
        return 1;
    return setsid() == -1 && errno == EPERM ? 0 : 2;
}

static int child_kill_own_group(void *arg)
{
    (void)arg;
    struct pu_chan ready, hold;
    pu_chan_open(&ready);
    pu_chan_open(&hold);
    if (setpgid(0, 0) != 0)
        return 1;
    signal(SIGUSR1, SIG_IGN);
    pid_t g = fork();
    if (g == 0) {
        pu_default(SIGUSR1);
        pu_post(&ready, 1);
        pu_await(&hold);
        _exit(0);
    }
    close(ready.wr);
    if (g < 0 || pu_await(&ready) != 1)
        return 2;
    if (kill(0, SIGUSR1) != 0)
        return 3;
    int st = pu_wait(g);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1 ? 0 : 4;
}

/* Run by a waiting child: moves it into a group of its own. */
static void own_group(void)
{
    setpgid(0, 0);
}

COVERS("getpgrp", "getpgid", "getsid", "setpgid")
static void test_groups(void)
{
    CHECK("getpgrp_is_getpgid0", pu_pid_is(getpgrp(), getpgid(0)), "%s", pu_pid_diff);
    CHECK("getpgid_self", pu_pid_is(getpgid(getpid()), getpgrp()), "%s", pu_pid_diff);
    EXPECT_ERRNO("getpgid_no_process", getpgid(NO_PID), ESRCH);
    EXPECT_ERRNO("getpgid_negative", getpgid(-5), ESRCH);
    CHECK("getsid_self", pu_pid_is(getsid(0), getsid(getpid())), "%s", pu_pid_diff);
    EXPECT_ERRNO("getsid_no_process", getsid(NO_PID), ESRCH);
    EXPECT_ERRNO("setpgid_negative_pgid", setpgid(0, -1), EINVAL);
    EXPECT_ERRNO("setpgid_no_process", setpgid(NO_PID, 0), ESRCH);
    if (getpid() != 1)
        EXPECT_ERRNO("setpgid_not_child", setpgid(1, 0), ESRCH);
    else
        EXPECT_ERRNO("setpgid_not_child", setpgid(NO_PID - 1, 0), ESRCH);
    CHECK("setpgid_self_new_group", pu_status_is(pu_run(child_setpgid_self, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);

    struct pu_chan c;
    pid_t pid = pu_spawn_waiting(&c, NULL);
    EXPECT_EQ("setpgid_child_by_parent", setpgid(pid, pid), 0);
    CHECK("getpgid_child", pu_pid_is(getpgid(pid), pid), "%s", pu_pid_diff);
    EXPECT_EQ("setpgid_child_back", setpgid(pid, getpgrp()), 0);
    CHECK("getpgid_child_back", pu_pid_is(getpgid(pid), getpgrp()), "%s", pu_pid_diff);
    EXPECT_ERRNO("setpgid_missing_group", setpgid(pid, NO_PID), EPERM);
    pu_post(&c, 0);
    pu_wait(pid);
    pu_chan_close(&c);
}

COVERS("setpgid", "execve")
static void test_exec_child_group(void)
{
    int in[2], ex[2];
    SETUP(pipe(in));
    SETUP(pipe2(ex, O_CLOEXEC));
    pid_t pid = pu_fork();
    if (pid == 0) {
        dup2(in[0], 0);
        close(in[0]);
        close(in[1]);
        char *av[] = {"sh", "-c", "read x; exit 0", NULL};
        char *ev[] = {NULL};
        execve("/bin/sh", av, ev);
        _exit(120);
    }
    close(in[0]);
    close(ex[1]);
    /* The close-on-exec pipe reads end of file once the child has exec'd. */
    char b;
    ssize_t r = read(ex[0], &b, 1);
    CHECK("exec_done_seen", r == 0, "read %ld", (long)r);
    EXPECT_ERRNO("setpgid_after_exec", setpgid(pid, pid), EACCES);
    close(in[1]);
    CHECK("exec_child_status", pu_status_is(pu_wait(pid), PU_EXITED(0)), "%s", pu_status_diff);
    close(ex[0]);
}

COVERS("setsid", "getsid", "setpgid")
static void test_sessions(void)
{
    CHECK("setsid_in_child", pu_status_is(pu_run(child_setsid, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    CHECK("setsid_group_leader_eperm",
          pu_status_is(pu_run(child_leader_setsid, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);

    /* A child that starts a session cannot be moved by its parent. */
    struct pu_chan c, ready;
    pu_chan_open(&c);
    pu_chan_open(&ready);
    pid_t pid = pu_fork();
    if (pid == 0) {
        close(c.wr);
        setsid();
        pu_post(&ready, 1);
        pu_await(&c);
        _exit(0);
    }
    close(c.rd);
    c.rd = -1;
    close(ready.wr);
    ready.wr = -1;
    pu_await(&ready);
    CHECK("getsid_other_session", pu_pid_is(getsid(pid), pid), "%s", pu_pid_diff);
    EXPECT_ERRNO("setpgid_other_session", setpgid(pid, getpgrp()), EPERM);
    CHECK("getsid_differs", getsid(pid) != getsid(0), "same session");
    pu_post(&c, 0);
    pu_wait(pid);
    pu_chan_close(&c);
    pu_chan_close(&ready);
}

COVERS("kill", "setpgid")
static void test_group_kill(void)
{
    struct pu_chan a, b;
    pid_t p1 = pu_spawn_waiting(&a, own_group);
    SETUP(setpgid(p1, p1));
    pid_t p2 = pu_spawn_waiting(&b, NULL);
    SETUP(setpgid(p2, p1));
    EXPECT_EQ("kill_group_zero_signal", kill(-p1, 0), 0);
    EXPECT_EQ("kill_group", kill(-p1, SIGTERM), 0);
    CHECK("kill_group_first", pu_status_is(pu_wait(p1), SIGTERM), "%s", pu_status_diff);
    CHECK("kill_group_second", pu_status_is(pu_wait(p2), SIGTERM), "%s", pu_status_diff);
    pu_chan_close(&a);
    pu_chan_close(&b);
    EXPECT_ERRNO("kill_missing_group", kill(-NO_PID, 0), ESRCH);
    CHECK("kill_zero_own_group", pu_status_is(pu_run(child_kill_own_group, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
}

static int child_priority(void *arg)
{
    (void)arg;
    if (setpriority(PRIO_PROCESS, 0, 5) != 0)
        return 1;
    errno = 0;
    if (getpriority(PRIO_PROCESS, 0) != 5 || errno)
        return 2;
    if (setpriority(PRIO_PROCESS, 0, 100) != 0)
        return 3;
    if (getpriority(PRIO_PROCESS, 0) != 19)
        return 4;
    if (setpriority(PRIO_PROCESS, 0, -100) != 0)
        return 5;
    if (getpriority(PRIO_PROCESS, 0) != -20)
        return 6;
    return 0;
}

COVERS("setpriority")
static void nobody_priority(void)
{
    EXPECT_EQ("setpriority_raise_nice_as_nobody", setpriority(PRIO_PROCESS, 0, 10), 0);
    EXPECT_ERRNO("setpriority_lower_nice_as_nobody", setpriority(PRIO_PROCESS, 0, 5), EACCES);
    EXPECT_ERRNO("setpriority_other_user_as_nobody", setpriority(PRIO_PROCESS, getppid(), 19),
                 EPERM);
}

COVERS("getpriority", "setpriority")
static void test_priority(void)
{
    errno = 0;
    int p = getpriority(PRIO_PROCESS, 0);
    CHECK("getpriority_self", errno == 0 && p >= -20 && p <= 19, "errno %s", errname(errno));
    EXPECT_EQ("getpriority_pgrp", getpriority(PRIO_PGRP, 0), p);
    EXPECT_ERRNO("getpriority_bad_which", getpriority(7, 0), EINVAL);
    EXPECT_ERRNO("getpriority_no_process", getpriority(PRIO_PROCESS, NO_PID), ESRCH);
    EXPECT_ERRNO("setpriority_bad_which", setpriority(7, 0, 0), EINVAL);
    EXPECT_ERRNO("setpriority_no_process", setpriority(PRIO_PROCESS, NO_PID, 0), ESRCH);
    CHECK("setpriority_clamps", pu_status_is(pu_run(child_priority, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    if (p == 0)
        as_nobody(nobody_priority);
    else {
        skip("setpriority_raise_nice_as_nobody", "started with a non-zero nice");
        skip("setpriority_lower_nice_as_nobody", "started with a non-zero nice");
        skip("setpriority_other_user_as_nobody", "started with a non-zero nice");
    }
}

int main(void)
{
    conf_begin("process_ids");
    pu_setup();
    test_groups();
    test_exec_child_group();
    test_sessions();
    test_group_kill();
    test_priority();
    return conf_end();
}
