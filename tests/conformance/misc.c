/* Miscellany: uname, getrandom, resource limits, sysinfo, prctl,
 * arch_prctl, personality, scheduling knobs, priorities, hostnames,
 * memfd_create. */
#include "conformance.h"
#include <asm/prctl.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/utsname.h>

static void nobody_cases(void)
{
    EXPECT_ERRNO("sethostname_nobody_eperm", sethostname("x", 1), EPERM);
    EXPECT_ERRNO("setdomainname_nobody_eperm", setdomainname("x", 1), EPERM);
    struct rlimit rl;
    SETUP(getrlimit(RLIMIT_NOFILE, &rl));
    rl.rlim_max += 1;
    EXPECT_ERRNO("setrlimit_nobody_raise_max_eperm", setrlimit(RLIMIT_NOFILE, &rl), EPERM);
    EXPECT_ERRNO("setpriority_nobody_lower_nice_eacces", setpriority(PRIO_PROCESS, 0, -5), EACCES);
}

int main(void)
{
    conf_begin("misc");

    COVERS("uname");
    {
        struct utsname u, host;
        EXPECT_EQ("uname_ok", uname(&u), 0);
        EXPECT_EQ("uname_sysname", strcmp(u.sysname, "Linux"), 0);
        EXPECT_EQ("uname_machine", strcmp(u.machine, "x86_64"), 0);
        EXPECT_EQ("uname_release_nonempty", u.release[0] != 0, 1);
        EXPECT_EQ("uname_nodename_nonempty", u.nodename[0] != 0, 1);
        EXPECT_ERRNO("uname_efault", uname(BAD_PTR), EFAULT);
        (void)host;
    }

    COVERS("sethostname", "setdomainname");
    static char hn[80] = "x";
    EXPECT_ERRNO("sethostname_einval_len", sethostname(hn, 65), EINVAL);
    EXPECT_ERRNO("sethostname_einval_negative", syscall(SYS_sethostname, "x", -1), EINVAL);
    EXPECT_ERRNO("setdomainname_einval_len", setdomainname(hn, 65), EINVAL);

    COVERS("getrandom");
    {
        unsigned char a[64] = {0}, b[64] = {0};
        EXPECT_EQ("getrandom_fills", getrandom(a, sizeof a, 0), 64);
        EXPECT_EQ("getrandom_nonblock", getrandom(b, sizeof b, GRND_NONBLOCK), 64);
        EXPECT_EQ("getrandom_differs", memcmp(a, b, sizeof a) != 0, 1);
        EXPECT_EQ("getrandom_random_flag", getrandom(a, 16, GRND_RANDOM | GRND_NONBLOCK) > 0, 1);
        EXPECT_EQ("getrandom_insecure", getrandom(a, 16, GRND_INSECURE), 16);
        EXPECT_EQ("getrandom_zero_len", getrandom(a, 0, 0), 0);
        EXPECT_ERRNO("getrandom_einval_flags", getrandom(a, 16, 0x40), EINVAL);
        EXPECT_ERRNO("getrandom_einval_insecure_random", getrandom(a, 16, GRND_INSECURE | GRND_RANDOM), EINVAL);
        EXPECT_ERRNO("getrandom_efault", getrandom(BAD_PTR, 16, 0), EFAULT);
        static unsigned char big[1 << 20];
        EXPECT_EQ("getrandom_large", getrandom(big, sizeof big, 0), 1 << 20);
    }

    COVERS("getrlimit", "setrlimit", "prlimit64");
    {
        struct rlimit rl, rl2;
        EXPECT_EQ("getrlimit_nofile", getrlimit(RLIMIT_NOFILE, &rl), 0);
        EXPECT_EQ("getrlimit_cur_le_max", rl.rlim_cur <= rl.rlim_max, 1);
        EXPECT_ERRNO("getrlimit_einval_resource", getrlimit(99, &rl2), EINVAL);
        EXPECT_ERRNO("getrlimit_efault", getrlimit(RLIMIT_NOFILE, BAD_PTR), EFAULT);
        rl2 = (struct rlimit){64, rl.rlim_max};
        EXPECT_EQ("setrlimit_lower_soft", setrlimit(RLIMIT_NOFILE, &rl2), 0);
        EXPECT_EQ("setrlimit_visible", getrlimit(RLIMIT_NOFILE, &rl2) == 0 ? (long)rl2.rlim_cur : -1, 64);
        {
            int fds[80], n = 0, err = 0;
            for (; n < 80; n++) {
                fds[n] = open("/", O_RDONLY);
                if (fds[n] < 0) {
                    err = errno;
                    break;
                }
            }
            EXPECT_EQ("setrlimit_nofile_enforced", err, EMFILE);
            for (int i = 0; i < n; i++)
                close(fds[i]);
            EXPECT_ERRNO("setrlimit_nofile_dup2_ebadf", dup2(0, 100), EBADF);
        }
        rl2 = (struct rlimit){rl.rlim_max, rl.rlim_max - 1};
        EXPECT_ERRNO("setrlimit_einval_cur_gt_max", setrlimit(RLIMIT_NOFILE, &rl2), EINVAL);
        EXPECT_EQ("setrlimit_restore", setrlimit(RLIMIT_NOFILE, &rl), 0);
        EXPECT_ERRNO("setrlimit_einval_resource", setrlimit(99, &rl), EINVAL);
        struct rlimit old;
        EXPECT_EQ("prlimit_get_self", prlimit(0, RLIMIT_STACK, NULL, &old), 0);
        struct rlimit st = {old.rlim_cur / 2 ? old.rlim_cur / 2 : 4096, old.rlim_max};
        struct rlimit prev;
        EXPECT_EQ("prlimit_set_returns_old", prlimit(0, RLIMIT_STACK, &st, &prev) == 0 && prev.rlim_cur == old.rlim_cur, 1);
        EXPECT_EQ("prlimit_set_visible", getrlimit(RLIMIT_STACK, &prev) == 0 && prev.rlim_cur == st.rlim_cur, 1);
        SETUP(prlimit(0, RLIMIT_STACK, &old, NULL));
        EXPECT_EQ("prlimit_own_pid", prlimit(getpid(), RLIMIT_CORE, NULL, &old), 0);
        EXPECT_ERRNO("prlimit_esrch", prlimit(999999, RLIMIT_CORE, NULL, &old), ESRCH);
        EXPECT_ERRNO("prlimit_einval_resource", prlimit(0, 99, NULL, &old), EINVAL);
        EXPECT_ERRNO("prlimit_efault_new", syscall(SYS_prlimit64, 0, RLIMIT_CORE, BAD_PTR, NULL), EFAULT);
        /* Nothing may be printed while the limit is 0: stdout may be a
         * file. The results are reported after the limit is restored. */
        struct rlimit fsz = {0, RLIM_INFINITY};
        signal(SIGXFSZ, SIG_IGN);
        int fd = open("fsz", O_CREAT | O_WRONLY, 0644);
        int set = setrlimit(RLIMIT_FSIZE, &fsz);
        errno = 0;
        long w = write(fd, "x", 1);
        int werr = errno;
        fsz.rlim_cur = RLIM_INFINITY;
        int restored = setrlimit(RLIMIT_FSIZE, &fsz);
        close(fd);
        signal(SIGXFSZ, SIG_DFL);
        EXPECT_EQ("setrlimit_fsize_zero", set, 0);
        CHECK("setrlimit_fsize_write_efbig", w == -1 && werr == EFBIG, "returned %ld (%s)", w, errname(werr));
        EXPECT_EQ("setrlimit_fsize_restore", restored, 0);
    }

    COVERS("sysinfo");
    {
        struct sysinfo si;
        EXPECT_EQ("sysinfo_ok", sysinfo(&si), 0);
        EXPECT_EQ("sysinfo_totalram_positive", si.totalram > 0 && si.mem_unit > 0, 1);
        EXPECT_EQ("sysinfo_free_le_total", si.freeram <= si.totalram, 1);
        EXPECT_EQ("sysinfo_uptime_positive", si.uptime > 0, 1);
        EXPECT_EQ("sysinfo_procs_positive", si.procs > 0, 1);
        EXPECT_ERRNO("sysinfo_efault", sysinfo(BAD_PTR), EFAULT);
    }

    COVERS("prctl");
    {
        char name[32] = {0};
        EXPECT_EQ("prctl_set_name", prctl(PR_SET_NAME, "conf-test"), 0);
        EXPECT_EQ("prctl_get_name", prctl(PR_GET_NAME, name) == 0 && strcmp(name, "conf-test") == 0, 1);
        EXPECT_EQ("prctl_set_name_truncates", prctl(PR_SET_NAME, "0123456789abcdefXYZ") == 0 && prctl(PR_GET_NAME, name) == 0 ? (long)strlen(name) : -1, 15);
        {
            char comm[64] = {0};
            int fd = open("/proc/self/comm", O_RDONLY);
            long n = fd >= 0 ? read(fd, comm, sizeof comm) : -1;
            CHECK("prctl_name_in_proc_comm", n == 16 && memcmp(comm, "0123456789abcde\n", 16) == 0, "read %ld", n);
            if (fd >= 0)
                close(fd);
        }
        EXPECT_ERRNO("prctl_get_name_efault", prctl(PR_GET_NAME, BAD_PTR), EFAULT);
        EXPECT_EQ("prctl_get_dumpable", prctl(PR_GET_DUMPABLE), 1);
        EXPECT_EQ("prctl_set_dumpable_0", prctl(PR_SET_DUMPABLE, 0) == 0 ? prctl(PR_GET_DUMPABLE) : -1, 0);
        EXPECT_ERRNO("prctl_set_dumpable_einval", prctl(PR_SET_DUMPABLE, 5), EINVAL);
        (void)(prctl(PR_SET_DUMPABLE, 1));
        EXPECT_EQ("prctl_get_no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
        EXPECT_ERRNO("prctl_set_no_new_privs_einval_arg", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), EINVAL);
        EXPECT_EQ("prctl_set_pdeathsig", prctl(PR_SET_PDEATHSIG, SIGUSR1), 0);
        int sig = -1;
        EXPECT_EQ("prctl_get_pdeathsig", prctl(PR_GET_PDEATHSIG, &sig) == 0 ? sig : -1, SIGUSR1);
        EXPECT_ERRNO("prctl_set_pdeathsig_einval", prctl(PR_SET_PDEATHSIG, 100), EINVAL);
        (void)(prctl(PR_SET_PDEATHSIG, 0));
        EXPECT_EQ("prctl_capbset_read_sys_admin", prctl(PR_CAPBSET_READ, 21), 1);
        EXPECT_ERRNO("prctl_capbset_read_einval", prctl(PR_CAPBSET_READ, 200), EINVAL);
        EXPECT_EQ("prctl_get_keepcaps", prctl(PR_GET_KEEPCAPS), 0);
        EXPECT_EQ("prctl_set_keepcaps", prctl(PR_SET_KEEPCAPS, 1) == 0 ? prctl(PR_GET_KEEPCAPS) : -1, 1);
        (void)(prctl(PR_SET_KEEPCAPS, 0));
        EXPECT_EQ("prctl_get_child_subreaper", prctl(PR_GET_CHILD_SUBREAPER, &sig) == 0 ? sig : -1, 0);
        EXPECT_EQ("prctl_get_timerslack_positive", prctl(PR_GET_TIMERSLACK) > 0, 1);
        EXPECT_ERRNO("prctl_einval_option", prctl(12345, 0, 0, 0, 0), EINVAL);
        EXPECT_EQ("prctl_get_seccomp_off", prctl(PR_GET_SECCOMP), 0);
    }

    COVERS("arch_prctl");
    {
        unsigned long fs = 0, gs = 1;
        EXPECT_EQ("arch_prctl_get_fs", syscall(SYS_arch_prctl, ARCH_GET_FS, &fs), 0);
        EXPECT_EQ("arch_prctl_fs_is_tls", fs != 0, 1);
        EXPECT_EQ("arch_prctl_fs_matches_tcb", fs == (unsigned long)__builtin_thread_pointer(), 1);
        EXPECT_EQ("arch_prctl_get_gs", syscall(SYS_arch_prctl, ARCH_GET_GS, &gs), 0);
        EXPECT_EQ("arch_prctl_set_gs", syscall(SYS_arch_prctl, ARCH_SET_GS, 0x1000), 0);
        EXPECT_EQ("arch_prctl_gs_visible", syscall(SYS_arch_prctl, ARCH_GET_GS, &gs) == 0 ? (long)gs : -1, 0x1000);
        SETUP(syscall(SYS_arch_prctl, ARCH_SET_GS, 0));
        EXPECT_ERRNO("arch_prctl_einval_code", syscall(SYS_arch_prctl, 0x9999, &fs), EINVAL);
        EXPECT_ERRNO("arch_prctl_get_fs_efault", syscall(SYS_arch_prctl, ARCH_GET_FS, BAD_PTR), EFAULT);
        EXPECT_ERRNO("arch_prctl_set_fs_noncanonical", syscall(SYS_arch_prctl, ARCH_SET_FS, 0x8000000000000000UL), EPERM);
        EXPECT_EQ("arch_prctl_get_cpuid", syscall(SYS_arch_prctl, ARCH_GET_CPUID, 0), 1);
    }

    COVERS("personality");
    {
        int cur = personality(0xffffffff);
        EXPECT_EQ("personality_query_linux", cur & PER_MASK, PER_LINUX);
        EXPECT_EQ("personality_set_returns_old", personality(cur | ADDR_NO_RANDOMIZE), cur);
        EXPECT_EQ("personality_set_visible", personality(0xffffffff), cur | ADDR_NO_RANDOMIZE);
        EXPECT_EQ("personality_restore", personality(cur), cur | ADDR_NO_RANDOMIZE);
    }

    COVERS("getcpu");
    {
        unsigned cpu = 9999, node = 9999;
        EXPECT_EQ("getcpu_ok", syscall(SYS_getcpu, &cpu, &node, NULL), 0);
        EXPECT_EQ("getcpu_in_range", cpu < 4096 && node < 4096, 1);
        EXPECT_EQ("getcpu_null_args", syscall(SYS_getcpu, NULL, NULL, NULL), 0);
        EXPECT_ERRNO("getcpu_efault", syscall(SYS_getcpu, BAD_PTR, NULL, NULL), EFAULT);
    }

    COVERS("sched_getaffinity", "sched_setaffinity");
    {
        cpu_set_t set, set2;
        CPU_ZERO(&set);
        long n = syscall(SYS_sched_getaffinity, 0, sizeof set, &set);
        EXPECT_EQ("sched_getaffinity_size", n > 0 && n % 8 == 0, 1);
        EXPECT_EQ("sched_getaffinity_has_cpu", CPU_COUNT(&set) > 0, 1);
        EXPECT_ERRNO("sched_getaffinity_einval_small", syscall(SYS_sched_getaffinity, 0, 1, &set), EINVAL);
        EXPECT_ERRNO("sched_getaffinity_efault", syscall(SYS_sched_getaffinity, 0, sizeof set, BAD_PTR), EFAULT);
        EXPECT_ERRNO("sched_getaffinity_esrch", syscall(SYS_sched_getaffinity, 999999, sizeof set, &set2), ESRCH);
        EXPECT_EQ("sched_setaffinity_same", sched_setaffinity(0, sizeof set, &set), 0);
        CPU_ZERO(&set2);
        EXPECT_ERRNO("sched_setaffinity_empty_einval", sched_setaffinity(0, sizeof set2, &set2), EINVAL);
    }

    COVERS("sched_yield", "sched_getscheduler", "sched_getparam", "sched_setscheduler",
           "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
           "sched_setparam");
    {
        struct sched_param sp = {0};
        EXPECT_EQ("sched_yield_ok", sched_yield(), 0);
        EXPECT_EQ("sched_getscheduler_other", sched_getscheduler(0), SCHED_OTHER);
        EXPECT_ERRNO("sched_getscheduler_esrch", sched_getscheduler(999999), ESRCH);
        EXPECT_ERRNO("sched_getscheduler_einval_negative", sched_getscheduler(-1), EINVAL);
        EXPECT_EQ("sched_getparam_zero_priority", sched_getparam(0, &sp) == 0 ? sp.sched_priority : -1, 0);
        EXPECT_ERRNO("sched_getparam_efault", sched_getparam(0, BAD_PTR), EFAULT);
        EXPECT_EQ("sched_get_priority_max_fifo", sched_get_priority_max(SCHED_FIFO), 99);
        EXPECT_EQ("sched_get_priority_min_fifo", sched_get_priority_min(SCHED_FIFO), 1);
        EXPECT_EQ("sched_get_priority_max_other", sched_get_priority_max(SCHED_OTHER), 0);
        EXPECT_ERRNO("sched_get_priority_max_einval", sched_get_priority_max(42), EINVAL);
        EXPECT_ERRNO("sched_get_priority_min_einval", sched_get_priority_min(42), EINVAL);
        sp.sched_priority = 5;
        EXPECT_ERRNO("sched_setscheduler_other_prio_einval", sched_setscheduler(0, SCHED_OTHER, &sp), EINVAL);
        sp.sched_priority = 0;
        EXPECT_EQ("sched_setscheduler_batch", sched_setscheduler(0, SCHED_BATCH, &sp), 0);
        EXPECT_EQ("sched_setscheduler_batch_visible", sched_getscheduler(0), SCHED_BATCH);
        EXPECT_EQ("sched_setscheduler_back", sched_setscheduler(0, SCHED_OTHER, &sp), 0);
        EXPECT_ERRNO("sched_setscheduler_einval_policy", sched_setscheduler(0, 42, &sp), EINVAL);
        EXPECT_EQ("sched_setparam_other_zero", sched_setparam(0, &sp), 0);
        struct timespec ts;
        EXPECT_EQ("sched_rr_get_interval_ok", sched_rr_get_interval(0, &ts), 0);
        EXPECT_ERRNO("sched_rr_get_interval_esrch", sched_rr_get_interval(999999, &ts), ESRCH);
    }

    COVERS("getpriority", "setpriority");
    {
        errno = 0;
        int prio = getpriority(PRIO_PROCESS, 0);
        EXPECT_EQ("getpriority_self", errno == 0 && prio >= -20 && prio <= 19, 1);
        EXPECT_EQ("setpriority_raise_nice", setpriority(PRIO_PROCESS, 0, 5), 0);
        EXPECT_EQ("getpriority_after_set", getpriority(PRIO_PROCESS, 0), 5);
        EXPECT_EQ("getpriority_raw_syscall_bias", syscall(SYS_getpriority, PRIO_PROCESS, 0), 15);
        EXPECT_EQ("setpriority_clamps_high", setpriority(PRIO_PROCESS, 0, 100) == 0 ? getpriority(PRIO_PROCESS, 0) : -100, 19);
        EXPECT_EQ("setpriority_root_lowers", setpriority(PRIO_PROCESS, 0, 0), 0);
        EXPECT_ERRNO("getpriority_einval_which", getpriority(42, 0), EINVAL);
        EXPECT_ERRNO("setpriority_einval_which", setpriority(42, 0, 0), EINVAL);
        EXPECT_ERRNO("getpriority_esrch", getpriority(PRIO_PROCESS, 999999), ESRCH);
    }

    COVERS("memfd_create");
    {
        int fd = memfd_create("conf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        CHECK("memfd_create_ok", fd >= 0, "failed with %s", errname(errno));
        EXPECT_EQ("memfd_create_cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
        EXPECT_EQ("memfd_write", write(fd, "memfd", 5), 5);
        char buf[8] = {0};
        EXPECT_EQ("memfd_pread", pread(fd, buf, 5, 0), 5);
        CHECK("memfd_content", memcmp(buf, "memfd", 5) == 0, "content");
        EXPECT_EQ("memfd_add_seal_grow", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), 0);
        EXPECT_EQ("memfd_get_seals", fcntl(fd, F_GET_SEALS), F_SEAL_GROW);
        EXPECT_ERRNO("memfd_sealed_grow_eperm", ftruncate(fd, 100), EPERM);
        char link[64], target[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        long n = readlink(link, target, sizeof target - 1);
        target[n > 0 ? n : 0] = 0;
        CHECK("memfd_proc_link_name", strncmp(target, "/memfd:conf", 11) == 0, "target %s", target);
        close(fd);
        EXPECT_ERRNO("memfd_create_einval_flags", memfd_create("x", 0x100), EINVAL);
        char longname[300];
        memset(longname, 'a', sizeof longname);
        longname[299] = 0;
        EXPECT_ERRNO("memfd_create_einval_long_name", memfd_create(longname, 0), EINVAL);
        EXPECT_ERRNO("memfd_create_efault", memfd_create(BAD_PTR, 0), EFAULT);
        fd = memfd_create("noseal", 0);
        EXPECT_ERRNO("memfd_no_sealing_eperm", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), EPERM);
        close(fd);
    }

    COVERS("membarrier");
    {
        long cmds = syscall(SYS_membarrier, 0 /* MEMBARRIER_CMD_QUERY */, 0, 0);
        EXPECT_EQ("membarrier_query_has_global", cmds > 0 && (cmds & 1), 1);
        EXPECT_EQ("membarrier_global", syscall(SYS_membarrier, 1 /* MEMBARRIER_CMD_GLOBAL */, 0, 0), 0);
        EXPECT_ERRNO("membarrier_private_expedited_unregistered", syscall(SYS_membarrier, 8, 0, 0), EPERM);
        EXPECT_EQ("membarrier_register_private_expedited", syscall(SYS_membarrier, 16, 0, 0), 0);
        EXPECT_EQ("membarrier_private_expedited", syscall(SYS_membarrier, 8, 0, 0), 0);
        EXPECT_ERRNO("membarrier_einval_cmd", syscall(SYS_membarrier, 1 << 20, 0, 0), EINVAL);
        EXPECT_ERRNO("membarrier_einval_flags", syscall(SYS_membarrier, 0, 0x10, 0), EINVAL);
    }

    COVERS("ioprio_get", "ioprio_set");
    {
        /* IOPRIO_WHO_PROCESS = 1; class BE (2) level 4. */
        long be4 = (2L << 13) | 4;
        EXPECT_EQ("ioprio_set_be4", syscall(SYS_ioprio_set, 1, 0, be4), 0);
        EXPECT_EQ("ioprio_get_be4", syscall(SYS_ioprio_get, 1, 0), be4);
        EXPECT_ERRNO("ioprio_get_einval_which", syscall(SYS_ioprio_get, 42, 0), EINVAL);
        EXPECT_ERRNO("ioprio_set_einval_class", syscall(SYS_ioprio_set, 1, 0, 7L << 13), EINVAL);
        EXPECT_ERRNO("ioprio_get_esrch", syscall(SYS_ioprio_get, 1, 999999), ESRCH);
    }

    COVERS("process_vm_readv", "process_vm_writev");
    {
        char src[8] = "vmread", dst[8] = {0};
        struct iovec l = {dst, 6}, r = {src, 6};
        EXPECT_EQ("process_vm_readv_self", process_vm_readv(getpid(), &l, 1, &r, 1, 0), 6);
        CHECK("process_vm_readv_content", memcmp(dst, "vmread", 6) == 0, "content");
        struct iovec w = {"VMWRIT", 6};
        EXPECT_EQ("process_vm_writev_self", process_vm_writev(getpid(), &w, 1, &r, 1, 0), 6);
        CHECK("process_vm_writev_content", memcmp(src, "VMWRIT", 6) == 0, "content");
        EXPECT_ERRNO("process_vm_readv_einval_flags", process_vm_readv(getpid(), &l, 1, &r, 1, 1), EINVAL);
        EXPECT_ERRNO("process_vm_readv_esrch", process_vm_readv(999999, &l, 1, &r, 1, 0), ESRCH);
        struct iovec bad = {BAD_PTR, 6};
        EXPECT_ERRNO("process_vm_readv_efault_remote", process_vm_readv(getpid(), &l, 1, &bad, 1, 0), EFAULT);
    }

    COVERS("set_tid_address", "gettid", "set_robust_list", "get_robust_list");
    {
        int word;
        EXPECT_EQ("set_tid_address_returns_tid", syscall(SYS_set_tid_address, &word) == syscall(SYS_gettid), 1);
        EXPECT_EQ("gettid_is_pid_single_thread", syscall(SYS_gettid) == getpid(), 1);
        long head[3] = {0, 0, 0};
        head[0] = (long)head;
        EXPECT_EQ("set_robust_list_ok", syscall(SYS_set_robust_list, head, 24), 0);
        EXPECT_ERRNO("set_robust_list_einval_len", syscall(SYS_set_robust_list, head, 8), EINVAL);
        void *got = NULL;
        size_t len = 0;
        EXPECT_EQ("get_robust_list_self", syscall(SYS_get_robust_list, 0, &got, &len) == 0 && got == head && len == 24, 1);
        EXPECT_ERRNO("get_robust_list_esrch", syscall(SYS_get_robust_list, 999999, &got, &len), ESRCH);
        EXPECT_ERRNO("get_robust_list_efault", syscall(SYS_get_robust_list, 0, BAD_PTR, &len), EFAULT);
    }

    SETUP(chmod(".", 0755));
    int status = as_nobody(nobody_cases);
    CHECK("as_nobody_ran", status == 0, "status %d", status);
    return conf_end();
}
