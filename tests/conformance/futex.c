/* Conformance: futexes (wait/wake, bitsets, requeue, wake-op, PI, robust
 * lists, futex_waitv). Waiters are threads or forked children; a waker
 * retries FUTEX_WAKE until it reports a woken waiter, so no case depends on
 * timing. */
#include "proc_util.h"

#include <linux/futex.h>
#include <stdatomic.h>

#define NO_PID 0x3fffffff

static long futex(void *uaddr, int op, long val, const void *timeout, void *uaddr2, long val3)
{
    return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

/* Wakes up to `n` waiters on `f` with `op`, retrying for up to two seconds
 * until `want` in total have been woken. Returns the total woken. */
static long wake_until(uint32_t *f, int op, long want)
{
    long total = 0, end = pu_now_ms() + 2000;
    while (total < want && pu_now_ms() < end) {
        long r = futex(f, op, want - total, NULL, NULL, FUTEX_BITSET_MATCH_ANY);
        if (r < 0)
            return r;
        total += r;
        if (total < want)
            sched_yield();
    }
    return total;
}

struct waiter {
    uint32_t *addr;
    int op;
    uint32_t bitset;
    long result;
    int err;
};

static void *wait_thread(void *arg)
{
    struct waiter *w = arg;
    w->result = futex(w->addr, w->op, 0, NULL, NULL, w->bitset);
    w->err = w->result == -1 ? errno : 0;
    return NULL;
}

static uint32_t f1, f2;

COVERS("futex")
static void test_wait_errors(void)
{
    f1 = 1;
    EXPECT_ERRNO("wait_value_mismatch", futex(&f1, FUTEX_WAIT, 0, NULL, NULL, 0), EAGAIN);
    EXPECT_ERRNO("wait_private_mismatch", futex(&f1, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0), EAGAIN);
    struct timespec ts = {0, 1000000};
    EXPECT_ERRNO("wait_timeout", futex(&f1, FUTEX_WAIT, 1, &ts, NULL, 0), ETIMEDOUT);
    EXPECT_ERRNO("wait_realtime_flag",
                 futex(&f1, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 1, &ts, NULL, 0), ENOSYS);
    struct timespec bad = {0, 1000000000};
    EXPECT_ERRNO("wait_bad_nsec", futex(&f1, FUTEX_WAIT, 1, &bad, NULL, 0), EINVAL);
    struct timespec neg = {-1, 0};
    EXPECT_ERRNO("wait_negative_timeout", futex(&f1, FUTEX_WAIT, 1, &neg, NULL, 0), EINVAL);
    EXPECT_ERRNO("wait_timeout_efault", futex(&f1, FUTEX_WAIT, 1, BAD_PTR, NULL, 0), EFAULT);
    EXPECT_ERRNO("wait_unaligned", futex((char *)&f1 + 1, FUTEX_WAIT, 1, &ts, NULL, 0), EINVAL);
    void *g = guard_page();
    EXPECT_ERRNO("wait_efault", futex(g, FUTEX_WAIT, 0, &ts, NULL, 0), EFAULT);
    EXPECT_ERRNO("wake_shared_efault", futex(g, FUTEX_WAKE, 1, NULL, NULL, 0), EFAULT);
    EXPECT_EQ("wake_private_no_access", futex(g, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 0);
    EXPECT_ERRNO("bad_op", futex(&f1, 99, 0, NULL, NULL, 0), ENOSYS);
    EXPECT_ERRNO("wake_realtime_flag",
                 futex(&f1, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0),
                 ENOSYS);
    EXPECT_EQ("wake_no_waiters", futex(&f1, FUTEX_WAKE, 1, NULL, NULL, 0), 0);
    EXPECT_ERRNO("wait_bitset_zero", futex(&f1, FUTEX_WAIT_BITSET, 1, &ts, NULL, 0), EINVAL);
    EXPECT_ERRNO("wake_bitset_zero", futex(&f1, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0), EINVAL);
    struct timespec past = {0, 1};
    EXPECT_ERRNO("wait_bitset_absolute_past",
                 futex(&f1, FUTEX_WAIT_BITSET, 1, &past, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
    EXPECT_ERRNO("wait_bitset_realtime_past",
                 futex(&f1, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 1, &past, NULL,
                       FUTEX_BITSET_MATCH_ANY),
                 ETIMEDOUT);
}

COVERS("futex")
static void test_wake(void)
{
    f1 = 0;
    struct waiter w = {&f1, FUTEX_WAIT, 0, -2, 0};
    pthread_t t;
    SETUP(pu_thread(&t, wait_thread, &w));
    EXPECT_EQ("wake_one_waiter", wake_until(&f1, FUTEX_WAKE, 1), 1);
    pthread_join(t, NULL);
    EXPECT_EQ("woken_wait_returns_zero", w.result, 0);

    struct waiter p = {&f1, FUTEX_WAIT_PRIVATE, 0, -2, 0};
    SETUP(pu_thread(&t, wait_thread, &p));
    EXPECT_EQ("wake_private_waiter", wake_until(&f1, FUTEX_WAKE_PRIVATE, 1), 1);
    pthread_join(t, NULL);

    /* Bitsets: a wake with disjoint bits leaves the waiter alone. The waiter
     * is requeued to f2 first, which also proves it is queued. A spurious
     * wakeup sends a requeued waiter back to its original address, so the
     * requeue is repeated until a matching wake finds it on f2. */
    f2 = 0;
    struct waiter b = {&f1, FUTEX_WAIT_BITSET, 0x2, -2, 0};
    SETUP(pu_thread(&t, wait_thread, &b));
    long moved = 0, disjoint = 0, matching = 0, end = pu_now_ms() + 2000;
    while (matching == 0 && pu_now_ms() < end) {
        moved += futex(&f1, FUTEX_CMP_REQUEUE, 0, (void *)1L, &f2, 0);
        disjoint += futex(&f2, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0x1);
        matching = futex(&f2, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0x6);
        if (matching == 0)
            sched_yield();
    }
    CHECK("bitset_waiter_requeued", moved >= 1, "never requeued");
    EXPECT_EQ("wake_bitset_disjoint", disjoint, 0);
    EXPECT_EQ("wake_bitset_matching", matching, 1);
    pthread_join(t, NULL);
    EXPECT_EQ("bitset_waiter_result", b.result, 0);
}

COVERS("futex")
static void test_requeue(void)
{
    f1 = 0;
    f2 = 0;
    EXPECT_ERRNO("cmp_requeue_mismatch", futex(&f1, FUTEX_CMP_REQUEUE, 0, (void *)1L, &f2, 5),
                 EAGAIN);
    EXPECT_ERRNO("cmp_requeue_negative", futex(&f1, FUTEX_CMP_REQUEUE, -1, (void *)1L, &f2, 0),
                 EINVAL);
    EXPECT_EQ("cmp_requeue_nobody", futex(&f1, FUTEX_CMP_REQUEUE, 1, (void *)1L, &f2, 0), 0);

    /* Waiters are only ever woken on f2, so both wakes prove a requeue
     * (repeated: a spurious wakeup returns a waiter to f1). */
    struct waiter a = {&f1, FUTEX_WAIT, 0, -2, 0}, b = {&f1, FUTEX_WAIT, 0, -2, 0};
    pthread_t ta, tb;
    SETUP(pu_thread(&ta, wait_thread, &a));
    SETUP(pu_thread(&tb, wait_thread, &b));
    long moved = 0, woken = 0, end = pu_now_ms() + 2000;
    while (woken < 2 && pu_now_ms() < end) {
        long r = futex(&f1, FUTEX_CMP_REQUEUE, 0, (void *)(long)INT_MAX, &f2, 0);
        if (r < 0)
            break;
        moved += r;
        woken += futex(&f2, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
        if (woken < 2)
            sched_yield();
    }
    CHECK("cmp_requeue_moves_waiters", moved >= 2, "fewer than 2 requeued");
    EXPECT_EQ("requeued_woken_on_target", woken, 2);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK("requeued_waiters_return_zero", a.result == 0 && b.result == 0, "a %ld b %ld", a.result,
          b.result);
}

COVERS("futex")
static void test_wake_op(void)
{
    f1 = 0;
    f2 = 0;
    int op = FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0);
    EXPECT_EQ("wake_op_set", futex(&f1, FUTEX_WAKE_OP, 1, (void *)1L, &f2, op), 0);
    EXPECT_EQ("wake_op_set_value", f2, 5);
    op = FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_GT, 1);
    EXPECT_EQ("wake_op_add", futex(&f1, FUTEX_WAKE_OP, 1, (void *)1L, &f2, op), 0);
    EXPECT_EQ("wake_op_add_value", f2, 8);
    op = FUTEX_OP(FUTEX_OP_OR, 0x10, FUTEX_OP_CMP_EQ, 0);
    futex(&f1, FUTEX_WAKE_OP, 1, (void *)1L, &f2, op);
    EXPECT_EQ("wake_op_or_value", f2, 0x18);
    op = FUTEX_OP(FUTEX_OP_ANDN, 0x8, FUTEX_OP_CMP_EQ, 0);
    futex(&f1, FUTEX_WAKE_OP, 1, (void *)1L, &f2, op);
    EXPECT_EQ("wake_op_andn_value", f2, 0x10);
    op = FUTEX_OP(FUTEX_OP_XOR, 0x11, FUTEX_OP_CMP_EQ, 0);
    futex(&f1, FUTEX_WAKE_OP, 1, (void *)1L, &f2, op);
    EXPECT_EQ("wake_op_xor_value", f2, 0x1);
    op = FUTEX_OP(7, 0, FUTEX_OP_CMP_EQ, 0);
    EXPECT_ERRNO("wake_op_bad_op", futex(&f1, FUTEX_WAKE_OP, 1, (void *)1L, &f2, op), ENOSYS);
    op = FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0);
    EXPECT_ERRNO("wake_op_efault", futex(&f1, FUTEX_WAKE_OP, 1, (void *)1L, guard_page(), op),
                 EFAULT);

    /* The compared (old) value decides whether uaddr2's waiters wake. */
    f2 = 0;
    struct waiter w = {&f2, FUTEX_WAIT, 0, -2, 0};
    pthread_t t;
    SETUP(pu_thread(&t, wait_thread, &w));
    long woken = 0, end = pu_now_ms() + 2000;
    op = FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0);
    while (woken == 0 && pu_now_ms() < end) {
        woken = futex(&f1, FUTEX_WAKE_OP, 1, (void *)1L, &f2, op);
        if (woken == 0)
            sched_yield();
    }
    EXPECT_EQ("wake_op_wakes_second", woken, 1);
    pthread_join(t, NULL);
}

static int child_shared_wait(void *arg)
{
    uint32_t *f = arg;
    long r = futex(f, FUTEX_WAIT, 0, NULL, NULL, 0);
    return r == 0 ? 0 : 1;
}

COVERS("futex", "clone", "wait4")
static void test_shared(void)
{
    uint32_t *f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    SETUP(f == MAP_FAILED ? -1 : 0);
    *f = 0;
    pid_t pid = pu_spawn(child_shared_wait, f);
    EXPECT_EQ("shared_wake_across_fork", wake_until(f, FUTEX_WAKE, 1), 1);
    CHECK("shared_waiter_returns_zero", pu_status_is(pu_wait(pid), PU_EXITED(0)),
          "%s", pu_status_diff);
    munmap(f, 4096);
}

COVERS("futex", "setitimer")
static void test_eintr(void)
{
    f1 = 0;
    pu_tick_start(2000, 0);
    EXPECT_ERRNO("wait_eintr", futex(&f1, FUTEX_WAIT, 0, NULL, NULL, 0), EINTR);
    struct timespec ts = {5, 0};
    EXPECT_ERRNO("wait_timeout_eintr", futex(&f1, FUTEX_WAIT, 0, &ts, NULL, 0), EINTR);
    pu_tick_stop();
}

COVERS("futex")
static void test_pi(void)
{
    uint32_t tid = syscall(SYS_gettid);
    f1 = 0;
    EXPECT_EQ("lock_pi_uncontended", futex(&f1, FUTEX_LOCK_PI, 0, NULL, NULL, 0), 0);
    CHECK("lock_pi_sets_owner", pu_pid_is(f1 & FUTEX_TID_MASK, tid), "%s", pu_pid_diff);
    EXPECT_ERRNO("lock_pi_deadlock", futex(&f1, FUTEX_LOCK_PI, 0, NULL, NULL, 0), EDEADLK);
    EXPECT_ERRNO("trylock_pi_deadlock", futex(&f1, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0), EDEADLK);
    EXPECT_EQ("unlock_pi", futex(&f1, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0);
    EXPECT_EQ("unlock_pi_clears", f1, 0);
    f1 = tid + 1;
    EXPECT_ERRNO("unlock_pi_not_owner", futex(&f1, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), EPERM);
    f1 = NO_PID;
    EXPECT_ERRNO("lock_pi_dead_owner", futex(&f1, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0), ESRCH);
}

static pthread_mutex_t robust;

static void *lock_and_exit(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&robust);
    return NULL;
}

COVERS("set_robust_list", "get_robust_list", "futex", "exit")
static void test_robust(void)
{
    void *head = NULL;
    size_t len = 0;
    EXPECT_OK("get_robust_list_self", syscall(SYS_get_robust_list, 0, &head, &len));
    CHECK("robust_list_len", len == 24 && head != NULL, "len %zu", len);
    EXPECT_ERRNO("get_robust_list_no_process", syscall(SYS_get_robust_list, NO_PID, &head, &len),
                 ESRCH);
    EXPECT_ERRNO("set_robust_list_bad_len", syscall(SYS_set_robust_list, head, 12), EINVAL);
    EXPECT_ERRNO("get_robust_list_efault", syscall(SYS_get_robust_list, 0, BAD_PTR, &len), EFAULT);

    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &a);
    pthread_t t;
    SETUP(pu_thread(&t, lock_and_exit, NULL));
    pthread_join(t, NULL);
    EXPECT_EQ("robust_owner_died", pthread_mutex_lock(&robust), EOWNERDEAD);
    pthread_mutex_consistent(&robust);
    pthread_mutex_unlock(&robust);
}

struct futex_waitv_arg {
    uint64_t val;
    uint64_t uaddr;
    uint32_t flags;
    uint32_t reserved;
};

COVERS("futex_waitv")
static void test_waitv(void)
{
#ifdef SYS_futex_waitv
    f1 = 1;
    f2 = 2;
    struct futex_waitv_arg v[2] = {{1, (uintptr_t)&f1, 2 | 128, 0},
                                   {2, (uintptr_t)&f2, 2 | 128, 0}};
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    now.tv_nsec += 1000000;
    if (now.tv_nsec >= 1000000000) {
        now.tv_sec++;
        now.tv_nsec -= 1000000000;
    }
    long r = syscall(SYS_futex_waitv, v, 2, 0, &now, CLOCK_MONOTONIC);
    if (r == -1 && errno == ENOSYS) {
        skip("waitv_timeout", "futex_waitv not supported");
        return;
    }
    CHECK("waitv_timeout", r == -1 && errno == ETIMEDOUT, "returned %ld %s", r,
          r == -1 ? errname(errno) : "");
    EXPECT_ERRNO("waitv_zero_count", syscall(SYS_futex_waitv, v, 0, 0, NULL, 0), EINVAL);
    EXPECT_ERRNO("waitv_bad_flags", syscall(SYS_futex_waitv, v, 2, 1, NULL, 0), EINVAL);
    v[1].val = 3;
    EXPECT_ERRNO("waitv_mismatch", syscall(SYS_futex_waitv, v, 2, 0, NULL, 0), EAGAIN);
    v[1].val = 2;
    v[0].reserved = 1;
    EXPECT_ERRNO("waitv_reserved_nonzero", syscall(SYS_futex_waitv, v, 2, 0, NULL, 0), EINVAL);
    EXPECT_ERRNO("waitv_efault", syscall(SYS_futex_waitv, BAD_PTR, 2, 0, NULL, 0), EFAULT);
#else
    skip("waitv_timeout", "futex_waitv not in headers");
#endif
}

int main(void)
{
    conf_begin("futex");
    pu_setup();
    test_wait_errors();
    test_wake();
    test_requeue();
    test_wake_op();
    test_shared();
    test_eintr();
    test_pi();
    test_robust();
    test_waitv();
    return conf_end();
}
