/* fork + wait with exit codes, a child killed by a signal (WIFSIGNALED),
 * kill(SIGTERM) of a child, SIGKILL of a child spinning in user code,
 * pthread_create + join, ECHILD at the end.
 * Prints "ok" or what went wrong. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int counter;

static void *worker(void *arg)
{
    __atomic_add_fetch(&counter, (int)(long)arg, __ATOMIC_SEQ_CST);
    return arg;
}

int main(void)
{
    int st;
    pid_t a = fork();
    if (a == 0)
        _exit(42);
    if (waitpid(a, &st, 0) != a || !WIFEXITED(st) || WEXITSTATUS(st) != 42) {
        puts("exit code wrong");
        return 1;
    }
    pid_t b = fork();
    if (b == 0)
        for (;;)
            pause();
    kill(b, SIGTERM);
    if (waitpid(b, &st, 0) != b || !WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM) {
        puts("kill wrong");
        return 1;
    }
    /* A child spinning in application code is interrupted. */
    pid_t d = fork();
    if (d == 0)
        for (;;)
            ;
    usleep(20000);
    kill(d, SIGKILL);
    if (waitpid(d, &st, 0) != d || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) {
        puts("spin kill wrong");
        return 1;
    }
    pid_t c = fork();
    if (c == 0) {
        raise(SIGSEGV);
        _exit(0);
    }
    if (waitpid(c, &st, 0) != c || !WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV) {
        puts("segv wrong");
        return 1;
    }
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, (void *)(i + 1));
    long sum = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        sum += (long)r;
    }
    if (sum != 10 || counter != 10) {
        puts("threads wrong");
        return 1;
    }
    if (waitpid(-1, &st, WNOHANG) != -1 || errno != ECHILD) {
        puts("echild wrong");
        return 1;
    }
    puts("ok");
    return 0;
}
