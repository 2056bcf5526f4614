/* Signals across processes and threads, restart rules, and futexes
 * shared across fork. Prints one line per case; the test compares the
 * output with the same program run natively. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_usr1(int s) { got = s; }

static void handler(int restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, NULL);
}

/* A child signals us after a while, then (if `data`) writes to the pipe. */
static pid_t poke_later(int wfd, int data)
{
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        usleep(50000);
        kill(parent, SIGUSR1);
        if (data) {
            usleep(50000);
            write(wfd, "z", 1);
        }
        _exit(0);
    }
    return c;
}

static void read_case(int restart)
{
    int p[2];
    pipe(p);
    handler(restart);
    got = 0;
    pid_t c = poke_later(p[1], restart);
    char b;
    ssize_t n = read(p[0], &b, 1);
    printf("read %s: n=%zd errno=%s got=%d\n", restart ? "SA_RESTART" : "no restart", n,
           n < 0 ? strerror(errno) : "-", got == SIGUSR1);
    waitpid(c, NULL, 0);
    close(p[0]);
    close(p[1]);
}

static void nanosleep_case(void)
{
    handler(1);
    got = 0;
    pid_t c = poke_later(-1, 0);
    struct timespec req = {5, 0}, rem = {0, 0};
    int r = nanosleep(&req, &rem);
    printf("nanosleep: r=%d errno=%s rem_ok=%d\n", r, r ? strerror(errno) : "-",
           rem.tv_sec >= 3 && rem.tv_sec < 5);
    waitpid(c, NULL, 0);
}

static void sigsuspend_case(void)
{
    sigset_t block, old, none;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    handler(0);
    got = 0;
    pid_t c = poke_later(-1, 0);
    sigemptyset(&none);
    int r = sigsuspend(&none);
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    printf("sigsuspend: r=%d errno=%s got=%d mask_restored=%d\n", r, strerror(errno),
           got == SIGUSR1, sigismember(&now, SIGUSR1));
    waitpid(c, NULL, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static void sigtimedwait_case(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct timespec ts = {0, 20000000};
    int r = sigtimedwait(&set, NULL, &ts);
    printf("sigtimedwait timeout: r=%d errno=%s\n", r, strerror(errno));
    union sigval v = {.sival_int = 77};
    sigqueue(getpid(), SIGUSR2, v);
    siginfo_t si;
    r = sigwaitinfo(&set, &si);
    printf("sigwaitinfo: sig=%d value=%d code_queue=%d\n", r == SIGUSR2, si.si_value.sival_int,
           si.si_code == SI_QUEUE);
}

static void *sleeper(void *arg)
{
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    int sig = 0;
    sigwait(&set, &sig);
    return (void *)(long)sig;
}

static void tgkill_case(void)
{
    pthread_t t;
    pthread_create(&t, NULL, sleeper, NULL);
    usleep(20000);
    pthread_kill(t, SIGUSR2);
    void *r;
    pthread_join(t, &r);
    printf("pthread_kill: thread got %d\n", (int)(long)r == SIGUSR2);
    printf("kill 0 probe: self=%d nobody=%s\n", kill(getpid(), 0), kill(999999, 0) ? strerror(errno) : "-");
}

static void shared_futex_case(void)
{
    uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *w = 0;
    pid_t c = fork();
    if (c == 0) {
        while (__atomic_load_n(w, __ATOMIC_SEQ_CST) == 0)
            syscall(SYS_futex, w, FUTEX_WAIT, 0, NULL, NULL, 0);
        _exit(*w == 5 ? 0 : 1);
    }
    usleep(30000);
    __atomic_store_n(w, 5, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
    int st;
    waitpid(c, &st, 0);
    printf("shared futex across fork: child exit %d\n", WEXITSTATUS(st));
}

static volatile sig_atomic_t stop;
static void on_hup(int s) { stop = s; }

/* A handler runs in a child busy in application code. */
static void spin_handler_case(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, &old);
    pid_t c = fork();
    if (c == 0) {
        while (!stop)
            ;
        _exit(5);
    }
    usleep(20000);
    kill(c, SIGHUP);
    int st;
    waitpid(c, &st, 0);
    printf("handler in a spinning child: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    sigaction(SIGHUP, &old, NULL);
}

static void *chdir_tmp(void *arg)
{
    (void)arg;
    chdir("/tmp");
    return NULL;
}

static void shared_cwd_case(void)
{
    char before[256], after[256];
    getcwd(before, sizeof before);
    pthread_t t;
    pthread_create(&t, NULL, chdir_tmp, NULL);
    pthread_join(t, NULL);
    getcwd(after, sizeof after);
    printf("thread chdir seen by main: %s\n", after);
    chdir(before);
}

static void pdeathsig_case(void)
{
    int p[2];
    pipe(p);
    pid_t a = fork();
    if (a == 0) {
        pid_t me = getpid();
        if (fork() == 0) {
            close(p[0]);
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != me)
                _exit(0);
            for (;;)
                pause();
        }
        _exit(0);
    }
    close(p[1]);
    waitpid(a, NULL, 0);
    struct pollfd pf = {.fd = p[0], .events = POLLIN};
    int r = poll(&pf, 1, 10000);
    char b;
    printf("pdeathsig: grandchild gone=%d\n", r == 1 && read(p[0], &b, 1) == 0);
    close(p[0]);
}

static void *exec_other(void *arg)
{
    (void)arg;
    pause();
    return NULL;
}

static char self_pid[16];

static void *exec_third(void *arg)
{
    execl("/proc/self/exe", (char *)arg, "third", self_pid, (char *)NULL);
    perror("execl from a thread");
    _exit(1);
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "third")) {
        printf("exec from a thread: pid kept=%d tid is pid=%d\n", getpid() == atoi(argv[2]),
               syscall(SYS_gettid) == getpid());
        return 0;
    }
    if (argc > 2) {
        /* A non-leader thread execs: it takes over the process's pid. */
        puts("exec'd");
        snprintf(self_pid, sizeof self_pid, "%s", argv[2]);
        pthread_t t;
        pthread_create(&t, NULL, exec_third, argv[0]);
        for (;;)
            pause();
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    read_case(0);
    read_case(1);
    nanosleep_case();
    sigsuspend_case();
    sigtimedwait_case();
    tgkill_case();
    shared_futex_case();
    shared_cwd_case();
    spin_handler_case();
    pdeathsig_case();
    /* execve from a process with another thread: the thread goes. */
    pthread_t t;
    pthread_create(&t, NULL, exec_other, NULL);
    char pid[16];
    snprintf(pid, sizeof pid, "%d", getpid());
    execl("/proc/self/exe", argv[0], "again", pid, (char *)NULL);
    perror("execl");
    return 1;
}
