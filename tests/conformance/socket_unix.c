/* Conformance: AF_UNIX sockets (stream, datagram, seqpacket; path, abstract
 * and autobind names; credentials and descriptor passing; shutdown). */
#include "proc_util.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

static socklen_t path_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strncpy(a->sun_path, path, sizeof a->sun_path - 1);
    return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

/* An abstract name: a NUL then `name`, without a trailing NUL. */
static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, strlen(name));
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

static int sock(int type)
{
    int fd = socket(AF_UNIX, type, 0);
    SETUP(fd);
    return fd;
}

/* A listening stream socket bound at `path`. */
static int listener(const char *path, int type)
{
    struct sockaddr_un a;
    int fd = sock(type);
    SETUP(bind(fd, (struct sockaddr *)&a, path_addr(&a, path)));
    SETUP(listen(fd, 8));
    return fd;
}

COVERS("socket", "socketpair", "sendto", "getsockname")
static void test_create(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("socket_stream", fd >= 0, "errno %s", errname(errno));
    close(fd);
    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK("socket_dgram", fd >= 0, "errno %s", errname(errno));
    close(fd);
    fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK("socket_seqpacket", fd >= 0, "errno %s", errname(errno));
    close(fd);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    CHECK("socket_flags", fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC &&
                              (fcntl(fd, F_GETFL) & O_NONBLOCK),
          "flags missing");
    close(fd);
    EXPECT_ERRNO("socket_bad_type", socket(AF_UNIX, 42, 0), EINVAL);
    EXPECT_ERRNO("socket_unsupported_type", socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT);
    fd = socket(AF_UNIX, SOCK_STREAM, PF_UNIX);
    CHECK("socket_protocol_pf_unix", fd >= 0, "errno %s", errname(errno));
    close(fd);
    EXPECT_ERRNO("socket_bad_protocol", socket(AF_UNIX, SOCK_STREAM, 2), EPROTONOSUPPORT);
    EXPECT_ERRNO("socket_bad_domain", socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT);
    EXPECT_ERRNO("socket_bad_type_flags", socket(AF_UNIX, SOCK_STREAM | 0x40000000, 0), EINVAL);

    int sv[2] = {-1, -1}; /* a failed socketpair leaves them unset */
    EXPECT_OK("socketpair_stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    char b[4];
    SETUP(write(sv[0], "ab", 2));
    SETUP(write(sv[1], "cd", 2));
    CHECK("socketpair_both_ways", read(sv[1], b, 4) == 2 && read(sv[0], b + 2, 2) == 2 &&
                                      !memcmp(b, "abcd", 4),
          "data differs");
    close(sv[0]);
    close(sv[1]);
    EXPECT_ERRNO("socketpair_inet", socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
    EXPECT_ERRNO("socketpair_efault", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, BAD_PTR),
                 EFAULT);
    int p[2];
    SETUP(pipe(p));
    EXPECT_ERRNO("send_not_socket", send(p[1], "x", 1, 0), ENOTSOCK);
    struct sockaddr_un a;
    socklen_t len = sizeof a;
    EXPECT_ERRNO("getsockname_not_socket",
                 getsockname(p[0], (struct sockaddr *)&a, &len), ENOTSOCK);
    close(p[0]);
    close(p[1]);
}

COVERS("bind", "getsockname", "getpeername", "listen", "connect")
static void test_bind(void)
{
    struct sockaddr_un a;
    int fd = sock(SOCK_STREAM);
    EXPECT_OK("bind_path", bind(fd, (struct sockaddr *)&a, path_addr(&a, "s1")));
    struct stat st;
    SETUP(stat("s1", &st));
    CHECK("bind_creates_socket_file", S_ISSOCK(st.st_mode), "mode 0%o", st.st_mode & S_IFMT);
    EXPECT_ERRNO("bind_twice", bind(fd, (struct sockaddr *)&a, path_addr(&a, "s2")), EINVAL);
    int fd2 = sock(SOCK_STREAM);
    EXPECT_ERRNO("bind_existing_path", bind(fd2, (struct sockaddr *)&a, path_addr(&a, "s1")),
                 EADDRINUSE);
    EXPECT_ERRNO("bind_missing_dir", bind(fd2, (struct sockaddr *)&a, path_addr(&a, "nodir/s")),
                 ENOENT);
    EXPECT_ERRNO("bind_short_len", bind(fd2, (struct sockaddr *)&a, 1), EINVAL);
    EXPECT_ERRNO("bind_long_len", bind(fd2, (struct sockaddr *)&a, sizeof a + 1), EINVAL);
    struct sockaddr_un wrong = a;
    wrong.sun_family = AF_INET;
    EXPECT_ERRNO("bind_wrong_family", bind(fd2, (struct sockaddr *)&wrong, path_addr(&a, "s3")),
                 EINVAL);
    EXPECT_ERRNO("bind_efault", bind(fd2, BAD_PTR, sizeof a), EFAULT);

    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    EXPECT_OK("getsockname_path", getsockname(fd, (struct sockaddr *)&a, &len));
    CHECK("getsockname_path_value",
          len == offsetof(struct sockaddr_un, sun_path) + 3 && !strcmp(a.sun_path, "s1"),
          "len %u", len);
    len = sizeof a;
    EXPECT_ERRNO("getpeername_unconnected", getpeername(fd, (struct sockaddr *)&a, &len), ENOTCONN);
    len = sizeof a;
    SETUP(getsockname(fd2, (struct sockaddr *)&a, &len));
    EXPECT_EQ("getsockname_unbound_len", len, sizeof(sa_family_t));

    /* Abstract names create no file and report their exact length. They are
     * global to the network namespace: the pid (fixed width, never printed)
     * keeps concurrent runs apart. */
    struct sockaddr_un ab;
    char abname[32];
    snprintf(abname, sizeof abname, "conf2-abstract-%010d", (int)getpid());
    socklen_t ablen = abstract_addr(&ab, abname);
    int s = sock(SOCK_STREAM);
    EXPECT_OK("bind_abstract", bind(s, (struct sockaddr *)&ab, ablen));
    len = sizeof a;
    memset(&a, 0xff, sizeof a);
    SETUP(getsockname(s, (struct sockaddr *)&a, &len));
    CHECK("abstract_getsockname", len == ablen && a.sun_path[0] == 0 &&
                                      !memcmp(a.sun_path + 1, abname, strlen(abname)),
          "len %u", len);
    int s2 = sock(SOCK_STREAM);
    EXPECT_ERRNO("bind_abstract_in_use", bind(s2, (struct sockaddr *)&ab, ablen), EADDRINUSE);
    SETUP(listen(s, 4));
    EXPECT_OK("connect_abstract", connect(s2, (struct sockaddr *)&ab, ablen));
    close(s2);

    int au = sock(SOCK_DGRAM);
    EXPECT_OK("autobind", bind(au, (struct sockaddr *)&a, sizeof(sa_family_t)));
    len = sizeof a;
    SETUP(getsockname(au, (struct sockaddr *)&a, &len));
    CHECK("autobind_name", len == sizeof(sa_family_t) + 6 && a.sun_path[0] == 0, "len %u", len);
    close(au);
    close(s);
    close(fd);
    close(fd2);
}

COVERS("connect", "listen", "accept", "accept4", "getsockopt",
       "getpeername", "getsockname", "sendto", "recvfrom", "shutdown")
static void test_connect(void)
{
    struct sockaddr_un a;
    int c = sock(SOCK_STREAM);
    EXPECT_ERRNO("connect_missing", connect(c, (struct sockaddr *)&a, path_addr(&a, "none")),
                 ENOENT);
    int nl = sock(SOCK_STREAM);
    SETUP(bind(nl, (struct sockaddr *)&a, path_addr(&a, "notlistening")));
    EXPECT_ERRNO("connect_not_listening",
                 connect(c, (struct sockaddr *)&a, path_addr(&a, "notlistening")), ECONNREFUSED);
    int dg = sock(SOCK_DGRAM);
    SETUP(bind(dg, (struct sockaddr *)&a, path_addr(&a, "dgram")));
    EXPECT_ERRNO("connect_wrong_type", connect(c, (struct sockaddr *)&a, path_addr(&a, "dgram")),
                 EPROTOTYPE);
    EXPECT_ERRNO("listen_dgram", listen(dg, 1), EOPNOTSUPP);
    int ub = sock(SOCK_STREAM);
    EXPECT_ERRNO("listen_unbound", listen(ub, 1), EINVAL);
    EXPECT_ERRNO("accept_not_listening", accept(nl, NULL, NULL), EINVAL);
    EXPECT_ERRNO("send_unconnected", send(ub, "x", 1, MSG_NOSIGNAL), ENOTCONN);
    char b[4];
    EXPECT_ERRNO("recv_unconnected", recv(ub, b, 1, 0), EINVAL);
    EXPECT_EQ("shutdown_unconnected", shutdown(ub, SHUT_RDWR), 0);
    close(ub);
    close(dg);
    close(nl);

    int l = listener("srv", SOCK_STREAM);
    int on = 0;
    socklen_t ol = sizeof on;
    SETUP(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol));
    EXPECT_EQ("so_acceptconn", on, 1);
    SETUP(fcntl(l, F_SETFL, O_NONBLOCK));
    EXPECT_ERRNO("accept_nonblock_empty", accept(l, NULL, NULL), EAGAIN);
    EXPECT_OK("connect", connect(c, (struct sockaddr *)&a, path_addr(&a, "srv")));
    EXPECT_ERRNO("connect_again", connect(c, (struct sockaddr *)&a, path_addr(&a, "srv")), EISCONN);
    struct pollfd p = {l, POLLIN, 0};
    EXPECT_EQ("listener_poll_pending", poll(&p, 1, 0), 1);
    struct sockaddr_un peer;
    socklen_t plen = sizeof peer;
    int s = accept4(l, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
    CHECK("accept4", s >= 0, "errno %s", errname(errno));
    CHECK("accept4_cloexec", fcntl(s, F_GETFD) == FD_CLOEXEC, "flag missing");
    EXPECT_EQ("accept_peer_unnamed", plen, sizeof(sa_family_t));
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    SETUP(getpeername(c, (struct sockaddr *)&a, &len));
    CHECK("getpeername_is_server", !strcmp(a.sun_path, "srv"), "peer differs");
    len = sizeof a;
    memset(&a, 0, sizeof a);
    SETUP(getsockname(s, (struct sockaddr *)&a, &len));
    CHECK("accepted_getsockname_is_server", !strcmp(a.sun_path, "srv"), "name differs");
    EXPECT_ERRNO("accept4_bad_flags", accept4(l, NULL, NULL, 0x1), EINVAL);
    EXPECT_ERRNO("sendto_connected_stream",
                 sendto(c, "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&a, path_addr(&a, "srv")),
                 EISCONN);
    close(s);
    close(c);
    close(l);

    /* The backlog bounds queued connections. */
    struct sockaddr_un ba;
    int bl = sock(SOCK_STREAM);
    SETUP(bind(bl, (struct sockaddr *)&ba, path_addr(&ba, "backlog")));
    SETUP(listen(bl, 0));
    int c1 = sock(SOCK_STREAM | SOCK_NONBLOCK), c2 = sock(SOCK_STREAM | SOCK_NONBLOCK);
    EXPECT_OK("backlog_first", connect(c1, (struct sockaddr *)&ba, path_addr(&ba, "backlog")));
    EXPECT_ERRNO("backlog_full_eagain",
                 connect(c2, (struct sockaddr *)&ba, path_addr(&ba, "backlog")),
                 EAGAIN);
    close(c1);
    close(c2);
    close(bl);
}

COVERS("sendto", "recvfrom", "shutdown", "write")
static void test_stream_data(void)
{
    int sv[2];
    SETUP(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    char b[16];
    SETUP(send(sv[0], "hello", 5, 0));
    SETUP(send(sv[0], "world", 5, 0));
    EXPECT_EQ("recv_peek", recv(sv[1], b, sizeof b, MSG_PEEK), 10);
    EXPECT_EQ("stream_no_boundaries", recv(sv[1], b, sizeof b, 0), 10);
    CHECK("stream_data", !memcmp(b, "helloworld", 10), "data differs");
    EXPECT_ERRNO("recv_dontwait_empty", recv(sv[1], b, sizeof b, MSG_DONTWAIT), EAGAIN);
    SETUP(send(sv[0], "abc", 3, 0));
    EXPECT_EQ("recv_partial", recv(sv[1], b, 2, 0), 2);
    EXPECT_EQ("recv_remaining", recv(sv[1], b, sizeof b, 0), 1);

    SETUP(shutdown(sv[0], SHUT_WR));
    EXPECT_EQ("shut_wr_peer_eof", recv(sv[1], b, sizeof b, 0), 0);
    EXPECT_ERRNO("shut_wr_send_epipe", send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    SETUP(send(sv[1], "back", 4, 0));
    EXPECT_EQ("shut_wr_can_still_read", recv(sv[0], b, sizeof b, 0), 4);
    EXPECT_ERRNO("shutdown_bad_how", shutdown(sv[0], 7), EINVAL);
    SETUP(shutdown(sv[1], SHUT_RD));
    EXPECT_EQ("shut_rd_reads_eof", recv(sv[1], b, sizeof b, MSG_DONTWAIT), 0);
    close(sv[0]);
    close(sv[1]);

    SETUP(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    close(sv[1]);
    EXPECT_EQ("peer_closed_eof", recv(sv[0], b, sizeof b, 0), 0);
    EXPECT_ERRNO("peer_closed_epipe", send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    signal(SIGPIPE, SIG_IGN);
    EXPECT_ERRNO("peer_closed_write_epipe", write(sv[0], "x", 1), EPIPE);
    pu_default(SIGPIPE);
    close(sv[0]);
}

COVERS("sendto", "recvfrom", "connect", "sendmmsg", "recvmmsg", "recvmsg")
static void test_dgram(void)
{
    struct sockaddr_un a, from;
    int r = sock(SOCK_DGRAM);
    SETUP(bind(r, (struct sockaddr *)&a, path_addr(&a, "dr")));
    int s = sock(SOCK_DGRAM);
    SETUP(bind(s, (struct sockaddr *)&from, path_addr(&from, "ds")));
    EXPECT_EQ("sendto", sendto(s, "one", 3, 0, (struct sockaddr *)&a, path_addr(&a, "dr")), 3);
    SETUP(sendto(s, "second", 6, 0, (struct sockaddr *)&a, path_addr(&a, "dr")));
    char b[16];
    socklen_t flen = sizeof from;
    memset(&from, 0, sizeof from);
    EXPECT_EQ("dgram_boundary", recvfrom(r, b, sizeof b, 0, (struct sockaddr *)&from, &flen), 3);
    CHECK("recvfrom_source", !strcmp(from.sun_path, "ds"), "source differs");
    EXPECT_EQ("dgram_truncate_trunc_flag", recv(r, b, 2, MSG_TRUNC), 6);
    EXPECT_ERRNO("dgram_truncated_rest_discarded", recv(r, b, sizeof b, MSG_DONTWAIT), EAGAIN);
    EXPECT_ERRNO("sendto_missing",
                 sendto(s, "x", 1, 0, (struct sockaddr *)&a, path_addr(&a, "gone")),
                 ENOENT);
    EXPECT_ERRNO("send_unconnected_dgram", send(s, "x", 1, 0), ENOTCONN);
    SETUP(connect(s, (struct sockaddr *)&a, path_addr(&a, "dr")));
    EXPECT_EQ("send_connected_dgram", send(s, "c", 1, 0), 1);
    EXPECT_EQ("recv_connected_dgram", recv(r, b, sizeof b, 0), 1);

    struct mmsghdr m[2];
    struct iovec iv[2] = {{"m1", 2}, {"m22", 3}};
    memset(m, 0, sizeof m);
    m[0].msg_hdr.msg_iov = &iv[0];
    m[0].msg_hdr.msg_iovlen = 1;
    m[1].msg_hdr.msg_iov = &iv[1];
    m[1].msg_hdr.msg_iovlen = 1;
    EXPECT_EQ("sendmmsg", sendmmsg(s, m, 2, 0), 2);
    char b1[8], b2[8];
    struct iovec rv[2] = {{b1, 8}, {b2, 8}};
    struct mmsghdr rm[2];
    memset(rm, 0, sizeof rm);
    rm[0].msg_hdr.msg_iov = &rv[0];
    rm[0].msg_hdr.msg_iovlen = 1;
    rm[1].msg_hdr.msg_iov = &rv[1];
    rm[1].msg_hdr.msg_iovlen = 1;
    EXPECT_EQ("recvmmsg", recvmmsg(r, rm, 2, MSG_DONTWAIT, NULL), 2);
    CHECK("recvmmsg_lengths", rm[0].msg_len == 2 && rm[1].msg_len == 3, "lengths %u %u",
          rm[0].msg_len, rm[1].msg_len);
    close(r);
    EXPECT_ERRNO("send_peer_closed_dgram", send(s, "x", 1, 0), ECONNREFUSED);
    close(s);

    int sv[2];
    SETUP(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
    SETUP(send(sv[0], "packet", 6, 0));
    struct iovec iov = {b, 3};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    EXPECT_EQ("seqpacket_truncated", recvmsg(sv[1], &mh, 0), 3);
    CHECK("seqpacket_msg_trunc_flag", mh.msg_flags & MSG_TRUNC, "flags 0x%x", mh.msg_flags);
    close(sv[0]);
    EXPECT_EQ("seqpacket_peer_closed_eof", recv(sv[1], b, sizeof b, 0), 0);
    close(sv[1]);
}

COVERS("getsockopt", "setsockopt")
static void test_options(void)
{
    int sv[2];
    SETUP(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int v = 0;
    socklen_t len = sizeof v;
    SETUP(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len));
    EXPECT_EQ("so_type", v, SOCK_STREAM);
    len = sizeof v;
    SETUP(getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &len));
    EXPECT_EQ("so_domain", v, AF_UNIX);
    len = sizeof v;
    SETUP(getsockopt(sv[0], SOL_SOCKET, SO_PROTOCOL, &v, &len));
    EXPECT_EQ("so_protocol", v, 0);
    len = sizeof v;
    SETUP(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &len));
    EXPECT_EQ("so_error", v, 0);
    len = sizeof v;
    SETUP(getsockopt(sv[0], SOL_SOCKET, SO_ACCEPTCONN, &v, &len));
    EXPECT_EQ("so_acceptconn_zero", v, 0);
    v = 65536;
    EXPECT_OK("so_sndbuf_set", setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
    len = sizeof v;
    SETUP(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &len));
    EXPECT_EQ("so_sndbuf_doubled", v, 131072);
    EXPECT_ERRNO("getsockopt_unknown", getsockopt(sv[0], SOL_SOCKET, 9999, &v, &len), ENOPROTOOPT);
    EXPECT_ERRNO("getsockopt_optlen_efault",
                 syscall(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, &v, BAD_PTR), EFAULT);
    EXPECT_ERRNO("setsockopt_short", setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, 2), EINVAL);

    struct ucred cr;
    len = sizeof cr;
    EXPECT_OK("so_peercred", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len));
    CHECK("so_peercred_socketpair", cr.pid == getpid() && cr.uid == getuid() && cr.gid == getgid(),
          "credentials differ");
    close(sv[0]);
    close(sv[1]);

    int l = listener("credsrv", SOCK_STREAM);
    pid_t pid = pu_fork();
    if (pid == 0) {
        struct sockaddr_un a;
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, path_addr(&a, "credsrv")) != 0)
            _exit(1);
        char b;
        read(c, &b, 1);
        _exit(0);
    }
    int s = accept(l, NULL, NULL);
    len = sizeof cr;
    SETUP(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len));
    CHECK("so_peercred_connecting_child", cr.pid == pid, "pid is not the child's");
    close(s);
    pu_wait(pid);
    close(l);
}

static int send_fds(int sock, const int *fds, int n, const char *byte)
{
    char cbuf[CMSG_SPACE(sizeof(int) * 4)];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = {(void *)byte, 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                        .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return sendmsg(sock, &mh, 0);
}

/* Receives up to `max` fds; returns how many, or -1. */
static int recv_fds(int sock, int *fds, int max, int flags, int *msg_flags, size_t clen)
{
    char cbuf[CMSG_SPACE(sizeof(int) * 4)];
    char b;
    struct iovec iov = {&b, 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                        .msg_controllen = clen};
    if (recvmsg(sock, &mh, flags) < 0)
        return -1;
    *msg_flags = mh.msg_flags;
    int n = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) && n < max; i++)
                memcpy(&fds[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    return n;
}

COVERS("sendmsg", "recvmsg", "setsockopt")
static void test_scm(void)
{
    int sv[2], p[2], got[4], fl = 0;
    SETUP(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    SETUP(pipe(p));
    EXPECT_EQ("scm_rights_send", send_fds(sv[0], &p[1], 1, "a"), 1);
    int n = recv_fds(sv[1], got, 4, 0, &fl, CMSG_SPACE(sizeof(int) * 4));
    CHECK("scm_rights_received", n == 1 && got[0] != p[1], "received %d fds", n);
    if (n == 1) {
        CHECK("scm_rights_no_cloexec", fcntl(got[0], F_GETFD) == 0, "cloexec set");
        SETUP(write(got[0], "via", 3));
        char b[4];
        CHECK("scm_rights_same_file", read(p[0], b, 4) == 3 && !memcmp(b, "via", 3), "no data");
        close(got[0]);
    }
    int two[2] = {p[0], p[1]};
    SETUP(send_fds(sv[0], two, 2, "b"));
    n = recv_fds(sv[1], got, 4, MSG_CMSG_CLOEXEC, &fl, CMSG_SPACE(sizeof(int) * 4));
    CHECK("scm_rights_two_fds", n == 2, "received %d fds", n);
    if (n == 2) {
        CHECK("msg_cmsg_cloexec", fcntl(got[0], F_GETFD) == FD_CLOEXEC, "flag missing");
        close(got[0]);
        close(got[1]);
    }
    SETUP(send_fds(sv[0], two, 2, "c"));
    n = recv_fds(sv[1], got, 4, 0, &fl, CMSG_LEN(sizeof(int)));
    CHECK("scm_rights_ctrunc", n == 1 && (fl & MSG_CTRUNC), "received %d flags 0x%x", n, fl);
    if (n >= 1)
        close(got[0]);
    int bad = 9999;
    EXPECT_ERRNO("scm_rights_bad_fd", send_fds(sv[0], &bad, 1, "d"), EBADF);

    int on = 1;
    SETUP(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    SETUP(send(sv[0], "e", 1, 0));
    char cbuf[CMSG_SPACE(sizeof(struct ucred))], b;
    struct iovec iov = {&b, 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                        .msg_controllen = sizeof cbuf};
    SETUP(recvmsg(sv[1], &mh, 0));
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    struct ucred cr = {0, 0, 0};
    if (c && c->cmsg_type == SCM_CREDENTIALS)
        memcpy(&cr, CMSG_DATA(c), sizeof cr);
    CHECK("scm_credentials", c && c->cmsg_type == SCM_CREDENTIALS && cr.pid == getpid() &&
                                 cr.uid == getuid(),
          "no credentials");
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

COVERS("accept", "recvfrom", "setsockopt", "getsockopt")
static void test_interrupts(void)
{
    int l = listener("intr", SOCK_STREAM);
    pu_tick_start(2000, 0);
    EXPECT_ERRNO("accept_eintr", accept(l, NULL, NULL), EINTR);
    pu_tick_stop();
    close(l);

    int sv[2];
    SETUP(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    char b[4];
    pu_tick_start(2000, 0);
    EXPECT_ERRNO("recv_eintr", recv(sv[0], b, sizeof b, 0), EINTR);
    pu_tick_stop();

    /* 100 ms is a whole number of jiffies whatever HZ is, so it reads back
     * unchanged. */
    struct timeval tv = {0, 100000}, got = {0, 0};
    EXPECT_OK("so_rcvtimeo_set", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    socklen_t gl = sizeof got;
    SETUP(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &gl));
    CHECK("so_rcvtimeo_get", got.tv_sec == 0 && got.tv_usec == 100000, "value differs");
    struct timeval bad = {0, 1000000};
    EXPECT_ERRNO("so_rcvtimeo_bad_usec",
                 setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad), EDOM);
    tv.tv_usec = 5000;
    SETUP(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    EXPECT_ERRNO("so_rcvtimeo_expires", recv(sv[0], b, sizeof b, 0), EAGAIN);

    /* A receive with a timeout is not restarted after a handler, even with
     * SA_RESTART (signal(7)); without a timeout it is. */
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    SETUP(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    pu_tick_start(2000, 1);
    EXPECT_ERRNO("so_rcvtimeo_not_restarted", recv(sv[0], b, sizeof b, 0), EINTR);
    pu_tick_stop();
    tv.tv_sec = 0;
    SETUP(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    pu_tick_feed(2000, sv[1]);
    EXPECT_EQ("recv_sa_restart", recv(sv[0], b, sizeof b, 0), 1);
    pu_tick_stop();
    close(sv[0]);
    close(sv[1]);
}

COVERS("connect")
static void nobody_connect(void)
{
    struct sockaddr_un a;
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT_ERRNO("connect_eacces_as_nobody",
                 connect(c, (struct sockaddr *)&a, path_addr(&a, "priv")),
                 EACCES);
    close(c);
}

static void test_permissions(void)
{
    int l = listener("priv", SOCK_STREAM);
    SETUP(chmod("priv", 0600));
    SETUP(chmod(conf_tmpdir, 0755));
    as_nobody(nobody_connect);
    close(l);
}

int main(void)
{
    conf_begin("socket_unix");
    pu_setup();
    test_create();
    test_bind();
    test_connect();
    test_stream_data();
    test_dgram();
    test_options();
    test_scm();
    test_interrupts();
    test_permissions();
    return conf_end();
}
