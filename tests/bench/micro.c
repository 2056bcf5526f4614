/* Micro-benchmarks run natively, under our runsc and under peers by
 * `cargo xtask bench`. Usage: micro CASE ITERATIONS [TMPDIR]
 * (TMPDIR, default /tmp: where the file cases create their files.)
 * Prints one line: "CASE ns_per_op=<float>". Timing is taken inside the
 * program (CLOCK_MONOTONIC) so start-up cost is excluded.
 * For filewrite, fileread and tcpstream one operation is one MiB; for
 * smallfiles it is one file created, written, closed, stat'ed and unlinked;
 * for tcprr one byte sent to a peer thread and echoed back. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

#define MIB (1L << 20)
static char big[MIB];

/* Reads or writes all of buf, or fails. */
static int full_io(int fd, char *buf, long len, int writing) {
    while (len > 0) {
        ssize_t r = writing ? write(fd, buf, len) : read(fd, buf, len);
        if (r <= 0) return -1;
        buf += r;
        len -= r;
    }
    return 0;
}

/* n files: create+write 100 B+close+stat each, then unlink each. */
static int smallfiles(const char *tmp, long n, double *elapsed) {
    char dir[256], name[300];
    snprintf(dir, sizeof dir, "%s/micro-files-XXXXXX", tmp);
    struct stat st;
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s/f%ld", dir, i);
        int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
        if (fd < 0 || write(fd, big, 100) != 100 || close(fd) || stat(name, &st) || st.st_size != 100) {
            perror("small file");
            return 1;
        }
    }
    for (long i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s/f%ld", dir, i);
        if (unlink(name)) { perror("unlink"); return 1; }
    }
    *elapsed = now_ns() - t0;
    return rmdir(dir) ? (perror("rmdir"), 1) : 0;
}

struct tcp_peer { int listener; int echo; long received; };

/* The peer thread: accepts one connection, then echoes every byte
 * (request/response) or counts them (stream) until end of file. */
static void *tcp_peer_fn(void *arg) {
    struct tcp_peer *p = arg;
    int c = accept(p->listener, NULL, NULL);
    if (c < 0) return NULL;
    ssize_t r;
    while ((r = read(c, big, p->echo ? 1 : MIB)) > 0) {
        p->received += r;
        if (p->echo && write(c, big, 1) != 1) break;
    }
    close(c);
    return NULL;
}

/* TCP over loopback to a peer thread: n one-byte round trips (echo) or n
 * MiB streamed (!echo). */
static int tcp(long n, int echo, double *elapsed) {
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    struct tcp_peer peer = { .echo = echo };
    pthread_t th;
    int one = 1;
    peer.listener = socket(AF_INET, SOCK_STREAM, 0);
    if (peer.listener < 0 || bind(peer.listener, (struct sockaddr *)&a, sizeof a) ||
        listen(peer.listener, 1) || getsockname(peer.listener, (struct sockaddr *)&a, &alen)) {
        perror("tcp listen");
        return 1;
    }
    if (pthread_create(&th, NULL, tcp_peer_fn, &peer)) { perror("pthread"); return 1; }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a)) { perror("tcp connect"); return 1; }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char b = 'r';
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        if (echo ? write(s, &b, 1) != 1 || read(s, &b, 1) != 1 : full_io(s, big, MIB, 1)) {
            perror("tcp io");
            return 1;
        }
    }
    shutdown(s, SHUT_WR);
    pthread_join(th, NULL);
    *elapsed = now_ns() - t0;
    close(s);
    close(peer.listener);
    if (peer.received != (echo ? n : n * MIB)) {
        fprintf(stderr, "tcp: peer received %ld bytes\n", peer.received);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s CASE ITERATIONS [TMPDIR]\n", argv[0]);
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
    const char *tmp = argc == 4 ? argv[3] : "/tmp";
    double elapsed = 0;
    if (!strcmp(c, "smallfiles") || !strcmp(c, "tcprr") || !strcmp(c, "tcpstream")) {
        int r = !strcmp(c, "smallfiles") ? smallfiles(tmp, n, &elapsed) : tcp(n, !strcmp(c, "tcprr"), &elapsed);
        if (r) return r;
        printf("%s ns_per_op=%.1f\n", c, elapsed / n);
        return 0;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/micro-bench-XXXXXX", tmp);
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
    if (!strcmp(c, "filewrite") && ftruncate(tmpfd, 0)) {
        perror("ftruncate");
        return 1;
    }
    if (!strcmp(c, "fileread")) {
        for (long i = 0; i < n; i++)
            if (full_io(tmpfd, big, MIB, 1)) { perror("write"); return 1; }
    }
    if (lseek(tmpfd, 0, SEEK_SET)) {
        perror("lseek");
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
        } else if (!strcmp(c, "getpid_libc")) {
            getpid();
        } else if (!strcmp(c, "openclose")) {
            int fd = open(path, O_RDONLY);
            if (fd < 0) { perror("open"); return 1; }
            close(fd);
        } else if (!strcmp(c, "pwrite64")) {
            if (pwrite(tmpfd, buf, 64, 0) != 64) { perror("pwrite"); return 1; }
        } else if (!strcmp(c, "read4k")) {
            if (pread(tmpfd, buf, 4096, 0) != 4096) { perror("pread"); return 1; }
        } else if (!strcmp(c, "filewrite")) {
            if (full_io(tmpfd, big, MIB, 1)) { perror("write"); return 1; }
        } else if (!strcmp(c, "fileread")) {
            if (full_io(tmpfd, big, MIB, 0)) { perror("read"); return 1; }
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
