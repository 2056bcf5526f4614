/* Conformance: seccomp (strict mode and BPF filters) as applications use
 * it inside a sandbox. Every filter is installed in a child, which reports
 * through its exit status. */
#include "proc_util.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>

/* The si_code of a SIGSYS raised by SECCOMP_RET_TRAP (asm-generic/siginfo.h). */
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

/* A filter that answers `action` for system call `nr` and allows the rest
 * (x86-64 only; other architectures are killed). */
static int install(int nr, unsigned int action, unsigned int flags)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, action),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof f / sizeof f[0], f};
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static int child_errno_filter(void *arg)
{
    (void)arg;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return 10;
    if (install(SYS_getppid, SECCOMP_RET_ERRNO | EPERM, 0) != 0)
        return 11;
    if (syscall(SYS_getppid) != -1 || errno != EPERM)
        return 1;
    if (prctl(PR_GET_SECCOMP) != 2)
        return 2;
    /* Other calls still work, and children inherit the filter. */
    pid_t pid = fork();
    if (pid == 0)
        _exit(syscall(SYS_getppid) == -1 && errno == EPERM ? 0 : 1);
    return pu_wait(pid) == PU_EXITED(0) ? 0 : 3;
}

static int child_kill_filter(void *arg)
{
    (void)arg;
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (install(SYS_getppid, SECCOMP_RET_KILL_PROCESS, 0) != 0)
        return 11;
    syscall(SYS_getppid);
    return 1;
}

static volatile int trap_code, trap_nr, trap_arch;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    trap_code = si->si_code;
    trap_nr = si->si_syscall;
    trap_arch = si->si_arch == AUDIT_ARCH_X86_64;
}

static int child_trap_filter(void *arg)
{
    (void)arg;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (install(SYS_getppid, SECCOMP_RET_TRAP, 0) != 0)
        return 11;
    syscall(SYS_getppid);
    if (trap_code != SYS_SECCOMP)
        return 1;
    if (trap_nr != SYS_getppid || !trap_arch)
        return 2;
    return 0;
}

static int child_strict(void *arg)
{
    int allowed = (int)(long)arg;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) != 0)
        return 11;
    if (allowed) {
        /* read, write, _exit and sigreturn are all strict mode allows. */
        if (write(1, "", 0) != 0)
            syscall(SYS_exit, 1);
        syscall(SYS_exit, 0);
    }
    syscall(SYS_getpid);
    syscall(SYS_exit, 1);
    return 1;
}

/* Setting no_new_privs reads back and cannot be undone. */
static int child_no_new_privs(void *arg)
{
    (void)arg;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return 1;
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return 2;
    if (prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) != -1 || errno != EINVAL)
        return 3;
    return 0;
}

static void nobody_filter(void)
{
    struct sock_filter f[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    struct sock_fprog prog = {1, f};
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
        skip("filter_without_no_new_privs_as_nobody", "no_new_privs already set");
        return;
    }
    EXPECT_ERRNO("filter_without_no_new_privs_as_nobody",
                 syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog), EACCES);
}

COVERS("seccomp", "prctl")
static void test_filters(void)
{
    CHECK("no_new_privs_sticky", pu_status_is(pu_run(child_no_new_privs, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    CHECK("filter_errno_and_inherit", pu_status_is(pu_run(child_errno_filter, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    CHECK("filter_kill_process", pu_status_is(pu_run(child_kill_filter, NULL), SIGSYS), "%s",
          pu_status_diff);
    CHECK("filter_trap_siginfo", pu_status_is(pu_run(child_trap_filter, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);
    CHECK("strict_allows_write_exit", pu_status_is(pu_run(child_strict, (void *)1L), PU_EXITED(0)),
          "%s", pu_status_diff);
    CHECK("strict_kills_other_calls", pu_status_is(pu_run(child_strict, (void *)0L), SIGKILL),
          "%s", pu_status_diff);

    EXPECT_ERRNO("bad_operation", syscall(SYS_seccomp, 99, 0, NULL), EINVAL);
    EXPECT_ERRNO("filter_bad_flags", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 1U << 30, NULL),
                 EINVAL);
    EXPECT_ERRNO("filter_efault", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, BAD_PTR),
                 EFAULT);
    struct sock_fprog empty = {0, NULL};
    EXPECT_ERRNO("filter_empty", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &empty), EINVAL);
    EXPECT_ERRNO("strict_with_args", syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 1, NULL),
                 EINVAL);
    uint32_t action = SECCOMP_RET_KILL_PROCESS;
    EXPECT_EQ("action_avail_kill_process",
              syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action), 0);
    action = 0x12340000;
    EXPECT_ERRNO("action_avail_unknown", syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action),
                 EOPNOTSUPP);
    EXPECT_ERRNO("no_new_privs_bad_value", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), EINVAL);
    SETUP(chmod(conf_tmpdir, 0755));
    as_nobody(nobody_filter);
}

int main(void)
{
    conf_begin("process_seccomp");
    pu_setup();
    test_filters();
    return conf_end();
}
