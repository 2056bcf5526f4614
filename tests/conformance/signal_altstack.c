/* Conformance: alternate signal stacks (sigaltstack, SA_ONSTACK). */
#include "proc_util.h"

#define ALT_SIZE (64 * 1024)

/* From <linux/signal.h>, which glibc does not export. */
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char *alt;
static volatile int on_alt;
static volatile int query_flags;
static volatile int change_errno;
static volatile int do_change = 1;

static void handler(int sig)
{
    (void)sig;
    char local;
    on_alt = &local >= alt && &local < alt + ALT_SIZE;
    stack_t q;
    query_flags = sigaltstack(NULL, &q) == 0 ? q.ss_flags : -1;
    stack_t n = {.ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 0};
    if (do_change)
        change_errno = sigaltstack(&n, NULL) == 0 ? 0 : errno;
}

static int child_query(void *arg)
{
    (void)arg;
    stack_t q;
    if (sigaltstack(NULL, &q) != 0)
        return 2;
    return q.ss_sp == alt && q.ss_size == ALT_SIZE && q.ss_flags == 0 ? 0 : 1;
}

COVERS("sigaltstack")
static void test_setup(void)
{
    stack_t q;
    memset(&q, 0xff, sizeof q);
    EXPECT_OK("query_initial", sigaltstack(NULL, &q));
    CHECK("initially_disabled", q.ss_flags == SS_DISABLE, "ss_flags %d", q.ss_flags);

    alt = malloc(ALT_SIZE);
    SETUP(alt ? 0 : -1);
    stack_t s = {.ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 0};
    EXPECT_OK("set", sigaltstack(&s, NULL));
    memset(&q, 0, sizeof q);
    SETUP(sigaltstack(NULL, &q));
    CHECK("query_after_set", q.ss_sp == alt && q.ss_size == ALT_SIZE && q.ss_flags == 0,
          "ss_flags %d", q.ss_flags);
    CHECK("inherited_by_fork", pu_status_is(pu_run(child_query, NULL), PU_EXITED(0)),
          "%s", pu_status_diff);

    stack_t small = {.ss_sp = alt, .ss_size = 1024, .ss_flags = 0};
    EXPECT_ERRNO("too_small", sigaltstack(&small, NULL), ENOMEM);
    stack_t bad = {.ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 0x1234};
    EXPECT_ERRNO("bad_flags", sigaltstack(&bad, NULL), EINVAL);
    stack_t onst = {.ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = SS_ONSTACK};
    EXPECT_OK("ss_onstack_flag_accepted", sigaltstack(&onst, NULL));
    EXPECT_ERRNO("ss_efault", syscall(SYS_sigaltstack, BAD_PTR, NULL), EFAULT);
    EXPECT_ERRNO("old_efault", syscall(SYS_sigaltstack, NULL, BAD_PTR), EFAULT);
}

COVERS("sigaltstack", "rt_sigreturn")
static void test_delivery(void)
{
    pu_handle(SIGUSR1, handler, SA_ONSTACK);
    on_alt = 0;
    raise(SIGUSR1);
    CHECK("sa_onstack_runs_on_alt", on_alt == 1, "handler ran on the normal stack");
    CHECK("query_in_handler_onstack", query_flags == SS_ONSTACK, "ss_flags %d", query_flags);
    EXPECT_EQ("change_in_handler_eperm", change_errno, EPERM);
    stack_t q;
    SETUP(sigaltstack(NULL, &q));
    CHECK("not_onstack_after_return", q.ss_flags == 0, "ss_flags %d", q.ss_flags);

    pu_handle(SIGUSR1, handler, 0);
    on_alt = 1;
    raise(SIGUSR1);
    CHECK("without_sa_onstack_normal_stack", on_alt == 0, "handler ran on the alt stack");

    stack_t s = {.ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = SS_AUTODISARM};
    EXPECT_OK("set_autodisarm", sigaltstack(&s, NULL));
    pu_handle(SIGUSR1, handler, SA_ONSTACK);
    on_alt = 0;
    raise(SIGUSR1);
    CHECK("autodisarm_runs_on_alt", on_alt == 1, "handler ran on the normal stack");
    CHECK("autodisarm_disabled_in_handler", query_flags == SS_DISABLE, "ss_flags %d", query_flags);
    EXPECT_EQ("autodisarm_change_allowed", change_errno, 0);
    SETUP(sigaltstack(&s, NULL));
    do_change = 0;
    raise(SIGUSR1);
    do_change = 1;
    SETUP(sigaltstack(NULL, &q));
    CHECK("autodisarm_restored_after_return", q.ss_flags == (int)SS_AUTODISARM && q.ss_sp == alt,
          "ss_flags %d", q.ss_flags);

    stack_t d = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
    EXPECT_OK("disable", sigaltstack(&d, NULL));
    memset(&q, 0xff, sizeof q);
    SETUP(sigaltstack(NULL, &q));
    CHECK("disabled_query", q.ss_flags == SS_DISABLE && q.ss_size == 0 && q.ss_sp == NULL,
          "ss_flags %d", q.ss_flags);
    on_alt = 1;
    raise(SIGUSR1);
    CHECK("disabled_uses_normal_stack", on_alt == 0, "handler ran on the alt stack");
    pu_default(SIGUSR1);
}

static void overflow_handler(int sig)
{
    (void)sig;
    char local;
    _exit(&local >= alt && &local < alt + ALT_SIZE ? 0 : 1);
}

/* Recurses until the stack limit faults (the bound is never reached). */
static int recurse(int n)
{
    volatile char pad[1024];
    pad[0] = (char)n;
    if (n > 1000000)
        return pad[0];
    return recurse(n + 1) + pad[0];
}

static int child_overflow(void *arg)
{
    int use_alt = (int)(long)arg;
    struct rlimit rl = {256 * 1024, 256 * 1024};
    setrlimit(RLIMIT_STACK, &rl);
    if (use_alt) {
        stack_t s = {.ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 0};
        sigaltstack(&s, NULL);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = overflow_handler;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    return recurse(0) ? 2 : 3;
}

COVERS("sigaltstack")
static void test_overflow(void)
{
    CHECK("stack_overflow_handled_on_alt",
          pu_status_is(pu_run(child_overflow, (void *)1L), PU_EXITED(0)),
          "%s", pu_status_diff);
    CHECK("stack_overflow_without_alt_kills",
          pu_status_is(pu_run(child_overflow, (void *)0L), SIGSEGV),
          "%s", pu_status_diff);
}

int main(void)
{
    conf_begin("signal_altstack");
    pu_setup();
    test_setup();
    test_delivery();
    test_overflow();
    return conf_end();
}
