/* Micro-benchmarks run natively, under our runsc and under peers by
 * `cargo xtask bench`. Usage: micro CASE ITERATIONS
 * Prints one line: "CASE ns_per_op=<float>". Timing is taken inside the
 * program (CLOCK_MONOTONIC) so start-up cost is excluded. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *thread_fn(void *arg) { return arg; }

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s CASE ITERATIONS\n", argv[0]);
        return 2;
    }
    const char *c = argv[1];
    long n = atol(argv[2]);
    if (n <= 0) {
        fprintf(stderr, "bad iteration count\n");
        return 2;
    }
    if (!strcmp(c, "clock_gettime")) {
        /* Its own loop: the case dispatch below would cost as much as the
         * call. A 100 ms warm-up first, so a sandbox that calibrates its
         * clock shortly after start-up is measured in its steady state. */
        struct timespec ts;
        double t0 = now_ns(), end = t0 + 100e6;
        while (now_ns() < end)
            ;
        t0 = now_ns();
        for (long i = 0; i < n; i++)
            clock_gettime(CLOCK_MONOTONIC, &ts);
        printf("%s ns_per_op=%.1f\n", c, (now_ns() - t0) / n);
        return 0;
    }
    char path[] = "/tmp/micro-bench-XXXXXX";
    int tmpfd = mkstemp(path);
    if (tmpfd < 0) {
        perror("mkstemp");
        return 1;
    }
    char buf[4096];
    memset(buf, 'x', sizeof buf);
    if (write(tmpfd, buf, sizeof buf) != sizeof buf) {
        perror("write");
        return 1;
    }
    int p1[2], p2[2];
    if (pipe(p1) || pipe(p2)) {
        perror("pipe");
        return 1;
    }
    pid_t echo = -1;
    if (!strcmp(c, "pipe")) {
        echo = fork();
        if (echo < 0) {
            perror("fork");
            return 1;
        }
        if (echo == 0) {
            char b;
            close(p1[1]);
            close(p2[0]);
            while (read(p1[0], &b, 1) == 1)
                if (write(p2[1], &b, 1) != 1) _exit(1);
            _exit(0);
        }
        close(p1[0]);
        close(p2[1]);
    }
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        if (!strcmp(c, "getpid")) {
            syscall(SYS_getpid);
        } else if (!strcmp(c, "openclose")) {
            int fd = open(path, O_RDONLY);
            if (fd < 0) { perror("open"); return 1; }
            close(fd);
        } else if (!strcmp(c, "pwrite64")) {
            if (pwrite(tmpfd, buf, 64, 0) != 64) { perror("pwrite"); return 1; }
        } else if (!strcmp(c, "read4k")) {
            if (pread(tmpfd, buf, 4096, 0) != 4096) { perror("pread"); return 1; }
        } else if (!strcmp(c, "pipe")) {
            char b = 'p';
            if (write(p1[1], &b, 1) != 1 || read(p2[0], &b, 1) != 1) { perror("pipe io"); return 1; }
        } else if (!strcmp(c, "forkwait")) {
            pid_t p = fork();
            if (p == 0) _exit(0);
            if (p < 0 || waitpid(p, NULL, 0) != p) { perror("fork"); return 1; }
        } else if (!strcmp(c, "forkexecwait")) {
            pid_t p = fork();
            if (p == 0) {
                execl("/bin/true", "true", (char *)NULL);
                _exit(127);
            }
            int st;
            if (p < 0 || waitpid(p, &st, 0) != p || st != 0) { perror("fork+exec"); return 1; }
        } else if (!strcmp(c, "thread")) {
            pthread_t t;
            if (pthread_create(&t, NULL, thread_fn, NULL) || pthread_join(t, NULL)) {
                perror("pthread");
                return 1;
            }
        } else {
            fprintf(stderr, "unknown case %s\n", c);
            return 2;
        }
    }
    double t1 = now_ns();
    if (echo > 0) {
        close(p1[1]);
        waitpid(echo, NULL, 0);
    }
    unlink(path);
    printf("%s ns_per_op=%.1f\n", c, (t1 - t0) / n);
    return 0;
}
