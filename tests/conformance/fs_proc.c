/* /proc/self as programs read it: links, status fields, fd listings,
 * cmdline, stat, maps and a few system files. */
#include "conformance.h"
#include "proc_util.h"
#include <dirent.h>
#include <pthread.h>
#include <signal.h>

/* Reads all of `path` into `buf` (NUL-terminated); returns the length. */
static long slurp(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = 0, r;
    while (n < (long)cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

/* The value of "Key:\t..." in /proc/self/status, or "" */
static const char *status_field(const char *key)
{
    static char buf[8192], val[256];
    val[0] = 0;
    if (slurp("/proc/self/status", buf, sizeof buf) < 0)
        return val;
    size_t k = strlen(key);
    for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, key, k) == 0 && l[k] == ':') {
            char *v = l + k + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t n = strcspn(v, "\n");
            snprintf(val, sizeof val, "%.*s", (int)n, v);
            break;
        }
    }
    return val;
}

static pthread_t leader_thread;

/* The thread left behind when its process's leader exits: 0 when
 * /proc/<pid> still shows the process and lists this thread. */
static void *outlive_leader(void *arg)
{
    (void)arg;
    pthread_join(leader_thread, NULL);
    char path[96], buf[4096], want[64];
    snprintf(path, sizeof path, "/proc/%d/status", getpid());
    snprintf(want, sizeof want, "Tgid:\t%d\n", getpid());
    int code = 0;
    if (slurp(path, buf, sizeof buf) <= 0 || !strstr(buf, want))
        code = 1;
    snprintf(path, sizeof path, "/proc/%d/task/%d", getpid(), gettid());
    if (access(path, F_OK) != 0)
        code |= 2;
    _exit(code);
}

/* Exits the leader thread only; the other thread reports. */
static int leader_exits_first(void *arg)
{
    (void)arg;
    pthread_t t;
    leader_thread = pthread_self();
    if (pthread_create(&t, NULL, outlive_leader, NULL) != 0)
        return 9;
    pthread_exit(NULL);
}

int main(int argc, char **argv)
{
    (void)argc;
    conf_begin("fs_proc");
    char buf[8192], want[PATH_MAX + 16];

    COVERS("readlink", "readlinkat");
    {
        long n = readlink("/proc/self/cwd", buf, sizeof buf);
        CHECK("proc_self_cwd", n == (long)strlen(conf_tmpdir) && memcmp(buf, conf_tmpdir, n) == 0, "read %ld bytes", n);
        char exe[PATH_MAX];
        n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
        char real[PATH_MAX];
        CHECK("proc_self_exe_is_argv0", n > 0 && realpath(argv[0], real) && strcmp(exe, real) == 0, "exe differs");
        n = readlink("/proc/self/root", buf, sizeof buf);
        CHECK("proc_self_root", n == 1 && buf[0] == '/', "read %ld bytes", n);
        n = readlink("/proc/self", buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        EXPECT_EQ("proc_self_link_is_pid", n > 0 && atoi(buf) == getpid(), 1);
        n = readlink("/proc/thread-self", buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        snprintf(want, sizeof want, "%d/task/%d", getpid(), getpid());
        CHECK("proc_thread_self_link", n > 0 && strcmp(buf, want) == 0, "read %ld bytes", n);
        int fd = open("file", O_CREAT | O_RDWR, 0644);
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        snprintf(want, sizeof want, "%s/file", conf_tmpdir);
        n = readlink(link, buf, sizeof buf);
        CHECK("proc_self_fd_link", n == (long)strlen(want) && memcmp(buf, want, n) == 0, "read %ld bytes", n);
        SETUP(unlink("file"));
        snprintf(want, sizeof want, "%s/file (deleted)", conf_tmpdir);
        n = readlink(link, buf, sizeof buf);
        CHECK("proc_self_fd_link_deleted", n == (long)strlen(want) && memcmp(buf, want, n) == 0, "read %ld bytes", n);
        int p[2];
        SETUP(pipe(p));
        snprintf(link, sizeof link, "/proc/self/fd/%d", p[0]);
        n = readlink(link, buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        CHECK("proc_self_fd_pipe_link", strncmp(buf, "pipe:[", 6) == 0, "got %.6s", buf);
        close(p[0]);
        close(p[1]);
        EXPECT_ERRNO("proc_self_fd_missing_enoent", readlink("/proc/self/fd/999", buf, sizeof buf), ENOENT);
        /* Opening the magic link reopens the file, with its own offset. */
        SETUP(write(fd, "abc", 3));
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        int again = open(link, O_RDONLY);
        EXPECT_EQ("proc_self_fd_reopen_offset0", again >= 0 ? read(again, buf, 3) : -1, 3);
        if (again >= 0)
            close(again);
        close(fd);
    }

    COVERS("getdents64");
    {
        int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
        SETUP(dfd);
        DIR *d = fdopendir(dup(dfd));
        int has0 = 0, has1 = 0, has2 = 0, hasd = 0, n = 0;
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            int v = atoi(e->d_name);
            has0 |= v == 0;
            has1 |= v == 1;
            has2 |= v == 2;
            hasd |= v == dfd;
        }
        if (d)
            closedir(d);
        EXPECT_EQ("proc_self_fd_lists_std", has0 && has1 && has2, 1);
        EXPECT_EQ("proc_self_fd_lists_own_dirfd", hasd, 1);
        close(dfd);
        d = opendir("/proc/self/task");
        n = 0;
        while (d && (e = readdir(d)))
            n += e->d_name[0] != '.' && atoi(e->d_name) == getpid();
        if (d)
            closedir(d);
        EXPECT_EQ("proc_self_task_has_main_thread", n, 1);
        d = opendir("/proc");
        int self = 0, own = 0;
        while (d && (e = readdir(d))) {
            self |= strcmp(e->d_name, "self") == 0;
            own |= atoi(e->d_name) == getpid();
        }
        if (d)
            closedir(d);
        EXPECT_EQ("proc_root_lists_self_and_pid", self && own, 1);
    }

    COVERS("read");
    {
        long n = slurp("/proc/self/cmdline", buf, sizeof buf);
        CHECK("proc_self_cmdline_argv0", n == (long)strlen(argv[0]) + 1 && strcmp(buf, argv[0]) == 0, "read %ld bytes", n);
        n = slurp("/proc/self/stat", buf, sizeof buf);
        int pid = 0;
        char state = 0;
        char *rp = strrchr(buf, ')');
        CHECK("proc_self_stat_pid_comm_state", n > 0 && sscanf(buf, "%d", &pid) == 1 && pid == getpid() && rp && sscanf(rp + 2, "%c", &state) == 1 && state == 'R', "state %c", state ? state : '?');
        snprintf(want, sizeof want, "%d", getpid());
        CHECK("proc_self_status_pid", strcmp(status_field("Pid"), want) == 0, "Pid %s", status_field("Pid"));
        CHECK("proc_self_status_state", strncmp(status_field("State"), "R", 1) == 0, "State %s", status_field("State"));
        CHECK("proc_self_status_uid", strcmp(status_field("Uid"), "0\t0\t0\t0") == 0, "Uid %s", status_field("Uid"));
        CHECK("proc_self_status_threads", strcmp(status_field("Threads"), "1") == 0, "Threads %s", status_field("Threads"));
        CHECK("proc_self_status_vmrss", strstr(status_field("VmRSS"), "kB") != NULL, "VmRSS %s", status_field("VmRSS"));
        sigset_t none;
        sigemptyset(&none);
        SETUP(sigprocmask(SIG_SETMASK, &none, NULL));
        CHECK("proc_self_status_sigblk_zero", strcmp(status_field("SigBlk"), "0000000000000000") == 0, "SigBlk %s", status_field("SigBlk"));
        n = slurp("/proc/self/maps", buf, sizeof buf);
        CHECK("proc_self_maps_has_stack", n > 0 && strstr(buf, "[stack]") != NULL, "no [stack]");
        n = slurp("/proc/meminfo", buf, sizeof buf);
        CHECK("proc_meminfo_memtotal", n > 0 && strncmp(buf, "MemTotal:", 9) == 0, "starts %.9s", buf);
        n = slurp("/proc/filesystems", buf, sizeof buf);
        CHECK("proc_filesystems_tmpfs", n > 0 && strstr(buf, "tmpfs") != NULL, "no tmpfs");
        n = slurp("/proc/sys/kernel/ostype", buf, sizeof buf);
        CHECK("proc_sys_kernel_ostype", strcmp(buf, "Linux\n") == 0, "read %ld bytes", n);
        n = slurp("/proc/self/environ", buf, sizeof buf);
        EXPECT_EQ("proc_self_environ_readable", n >= 0, 1);
        EXPECT_ERRNO("proc_missing_pid_enoent", open("/proc/999999/stat", O_RDONLY), ENOENT);
    }
    COVERS("exit");
    {
        int st = pu_run(leader_exits_first, NULL);
        CHECK("proc_pid_stays_after_leader_exit", pu_status_is(st, PU_EXITED(0)), "%s", pu_status_diff);
    }
    return conf_end();
}
