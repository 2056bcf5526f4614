/* A TCP echo server and client in two processes, a UDP exchange, and the
 * errors of a connection to a closed port; prints what it saw so the
 * sandbox's output can be compared with the host's. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define TOTAL (1 << 20)

static void die(const char *what) {
    perror(what);
    exit(1);
}

static int echo_server(int l) {
    int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        die("accept4");
    char buf[7919];
    long moved = 0;
    for (;;) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n < 0)
            die("server read");
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(c, buf + off, n - off);
            if (w <= 0)
                die("server write");
            off += w;
        }
        moved += n;
    }
    close(c);
    return moved == TOTAL ? 0 : 2;
}

static int echo_client(int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0)
        die("connect");
    int one = 1;
    if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
        die("TCP_NODELAY");
    char *out = malloc(TOTAL), *in = malloc(TOTAL);
    for (int i = 0; i < TOTAL; i++)
        out[i] = (char)(i * 7 + i / 251);
    long sent = 0, got = 0;
    struct pollfd p = {.fd = s};
    fcntl(s, F_SETFL, O_NONBLOCK);
    while (got < TOTAL) {
        p.events = POLLIN | (sent < TOTAL ? POLLOUT : 0);
        if (poll(&p, 1, 10000) <= 0)
            die("poll");
        if ((p.revents & POLLOUT) && sent < TOTAL) {
            ssize_t w = send(s, out + sent, TOTAL - sent > 65536 ? 65536 : TOTAL - sent, 0);
            if (w > 0)
                sent += w;
            if (sent == TOTAL)
                shutdown(s, SHUT_WR);
        }
        if (p.revents & POLLIN) {
            ssize_t r = recv(s, in + got, TOTAL - got, 0);
            if (r == 0)
                break;
            if (r > 0)
                got += r;
        }
    }
    printf("tcp echo: %ld bytes, %s\n", got, memcmp(in, out, TOTAL) ? "corrupt" : "intact");
    close(s);
    return 0;
}

static void refused(void) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int r = connect(s, (struct sockaddr *)&a, sizeof a);
    printf("nonblocking connect to closed port: %d %s\n", r, strerror(errno));
    struct pollfd p = {.fd = s, .events = POLLOUT};
    poll(&p, 1, 5000);
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("SO_ERROR: %s, POLLERR %d\n", strerror(err), !!(p.revents & POLLERR));
    close(s);
    s = socket(AF_INET, SOCK_STREAM, 0);
    r = connect(s, (struct sockaddr *)&a, sizeof a);
    printf("blocking connect to closed port: %d %s\n", r, strerror(errno));
    close(s);
}

static void udp(void) {
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 any = {.sin6_family = AF_INET6};
    if (bind(b, (struct sockaddr *)&any, sizeof any) < 0)
        die("bind udp6");
    socklen_t len = sizeof any;
    getsockname(b, (struct sockaddr *)&any, &len);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = any.sin6_port};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sendto(a, "hello", 5, 0, (struct sockaddr *)&to, sizeof to);
    sendto(a, "world!", 6, 0, (struct sockaddr *)&to, sizeof to);
    char buf[3];
    struct sockaddr_in6 from;
    len = sizeof from;
    ssize_t n = recvfrom(b, buf, sizeof buf, MSG_TRUNC, (struct sockaddr *)&from, &len);
    char ip[64];
    inet_ntop(AF_INET6, &from.sin6_addr, ip, sizeof ip);
    printf("udp: %zd bytes (MSG_TRUNC), first %.3s, from %s, len %u\n", n, buf, ip, len);
    n = recv(b, buf, sizeof buf, 0);
    printf("udp: next %zd bytes\n", n);
    close(a);
    close(b);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 8) < 0)
        die("bind/listen");
    socklen_t len = sizeof a;
    getsockname(l, (struct sockaddr *)&a, &len);
    int port = ntohs(a.sin_port);
    pid_t kid = fork();
    if (kid == 0) {
        close(l);
        _exit(echo_client(port));
    }
    int rc = echo_server(l);
    int st;
    waitpid(kid, &st, 0);
    printf("server %d, client exit %d\n", rc, WEXITSTATUS(st));
    int l2 = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_port = htons(port);
    int r = bind(l2, (struct sockaddr *)&a, sizeof a);
    printf("bind to a listening port: %d %s\n", r, strerror(errno));
    refused();
    udp();
    return 0;
}
