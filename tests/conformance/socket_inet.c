/* Conformance: TCP and UDP over loopback (127.0.0.1 and ::1). Ports are
 * ephemeral and never printed. */
#include "proc_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* 127.0.0.1 at `port` (network order). */
static struct sockaddr_in lo(uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = port;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* An IPv6 socket address for `addr`, port 0. */
static struct sockaddr_in6 v6(struct in6_addr addr)
{
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = addr;
    return a;
}

static int tcp(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    SETUP(fd);
    return fd;
}

static int udp(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    SETUP(fd);
    return fd;
}

/* Binds `fd` to 127.0.0.1 on an ephemeral port; returns the address. */
static struct sockaddr_in bind_lo(int fd)
{
    struct sockaddr_in a = lo(0);
    SETUP(bind(fd, (struct sockaddr *)&a, sizeof a));
    socklen_t len = sizeof a;
    SETUP(getsockname(fd, (struct sockaddr *)&a, &len));
    return a;
}

/* Waits (bounded) for `events` on `fd`; returns revents. */
static short wait_for(int fd, short events)
{
    struct pollfd p = {fd, events, 0};
    if (poll(&p, 1, 2000) != 1)
        return 0;
    return p.revents;
}

static int getint(int fd, int level, int opt)
{
    int v = -12345;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, opt, &v, &len) != 0)
        return -errno - 100000;
    return v;
}

/* A connected TCP pair: *c is the client, *s the accepted server side. */
static void tcp_pair(int *c, int *s)
{
    int l = tcp();
    struct sockaddr_in a = bind_lo(l);
    SETUP(listen(l, 4));
    *c = tcp();
    SETUP(connect(*c, (struct sockaddr *)&a, sizeof a));
    *s = accept(l, NULL, NULL);
    SETUP(*s);
    close(l);
}

COVERS("socket", "getsockopt", "getsockname")
static void test_create(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK("socket_tcp", fd >= 0, "errno %s", errname(errno));
    EXPECT_EQ("so_type_stream", getint(fd, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    EXPECT_EQ("so_protocol_tcp", getint(fd, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
    EXPECT_EQ("so_domain_inet", getint(fd, SOL_SOCKET, SO_DOMAIN), AF_INET);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0xff, sizeof a);
    SETUP(getsockname(fd, (struct sockaddr *)&a, &len));
    CHECK("unbound_name_any", len == sizeof a && a.sin_port == 0 && a.sin_addr.s_addr == 0,
          "not 0.0.0.0:0");
    close(fd);
    EXPECT_ERRNO("stream_with_udp", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
    EXPECT_ERRNO("dgram_with_tcp", socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
    fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    CHECK("socket_udp", fd >= 0, "errno %s", errname(errno));
    EXPECT_EQ("so_protocol_udp", getint(fd, SOL_SOCKET, SO_PROTOCOL), IPPROTO_UDP);
    close(fd);
}

COVERS("bind", "getsockname", "setsockopt", "getsockopt")
static void test_bind(void)
{
    int a = tcp(), b = tcp();
    struct sockaddr_in addr = lo(0);
    EXPECT_OK("bind_ephemeral", bind(a, (struct sockaddr *)&addr, sizeof addr));
    socklen_t len = sizeof addr;
    SETUP(getsockname(a, (struct sockaddr *)&addr, &len));
    CHECK("bound_name", addr.sin_port != 0 && addr.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "port or address wrong");
    EXPECT_ERRNO("bind_twice", bind(a, (struct sockaddr *)&addr, sizeof addr), EINVAL);
    SETUP(listen(a, 1));
    EXPECT_ERRNO("bind_port_in_use", bind(b, (struct sockaddr *)&addr, sizeof addr), EADDRINUSE);
    struct sockaddr_in far = lo(0);
    far.sin_addr.s_addr = inet_addr("192.0.2.1");
    EXPECT_ERRNO("bind_not_local", bind(b, (struct sockaddr *)&far, sizeof far), EADDRNOTAVAIL);
    EXPECT_ERRNO("bind_short_len", bind(b, (struct sockaddr *)&far, 8), EINVAL);
    struct sockaddr_in wrong = lo(0);
    wrong.sin_family = AF_UNIX;
    EXPECT_ERRNO("bind_wrong_family", bind(b, (struct sockaddr *)&wrong, sizeof wrong),
                 EAFNOSUPPORT);
    EXPECT_ERRNO("bind_efault", bind(b, BAD_PTR, sizeof wrong), EFAULT);
    int u = udp(), u2 = udp();
    struct sockaddr_in ua = bind_lo(u);
    EXPECT_ERRNO("udp_port_in_use", bind(u2, (struct sockaddr *)&ua, sizeof ua), EADDRINUSE);
    int on = 1;
    SETUP(setsockopt(u, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on));
    SETUP(setsockopt(u2, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on));
    EXPECT_EQ("so_reuseaddr_get", getint(u, SOL_SOCKET, SO_REUSEADDR), 1);
    close(u);
    close(u2);
    close(a);
    close(b);
}

COVERS("connect", "listen", "accept", "accept4",
       "getpeername", "recvfrom", "sendto", "shutdown", "getsockopt")
static void test_connect(void)
{
    int l = tcp();
    struct sockaddr_in la = bind_lo(l);
    int c = tcp();
    EXPECT_ERRNO("connect_not_listening", connect(c, (struct sockaddr *)&la, sizeof la),
                 ECONNREFUSED);
    close(c);
    EXPECT_ERRNO("recv_unconnected", recv(l, &(char){0}, 1, 0), ENOTCONN);
    EXPECT_ERRNO("shutdown_unconnected", shutdown(l, SHUT_WR), ENOTCONN);
    EXPECT_ERRNO("send_unconnected", send(l, "x", 1, MSG_NOSIGNAL), EPIPE);
    EXPECT_OK("listen", listen(l, 4));
    EXPECT_EQ("so_acceptconn", getint(l, SOL_SOCKET, SO_ACCEPTCONN), 1);
    SETUP(fcntl(l, F_SETFL, O_NONBLOCK));
    EXPECT_ERRNO("accept_nonblock_empty", accept(l, NULL, NULL), EAGAIN);

    c = tcp();
    EXPECT_OK("connect", connect(c, (struct sockaddr *)&la, sizeof la));
    EXPECT_ERRNO("connect_again", connect(c, (struct sockaddr *)&la, sizeof la), EISCONN);
    CHECK("listener_readable", wait_for(l, POLLIN) == POLLIN, "no pending connection");
    struct sockaddr_in peer, cname;
    socklen_t plen = sizeof peer, clen = sizeof cname;
    int s = accept4(l, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK);
    CHECK("accept4", s >= 0, "errno %s", errname(errno));
    CHECK("accept4_nonblock", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0, "flag missing");
    SETUP(getsockname(c, (struct sockaddr *)&cname, &clen));
    CHECK("accept_peer_is_client",
          plen == sizeof peer && peer.sin_port == cname.sin_port &&
              peer.sin_addr.s_addr == cname.sin_addr.s_addr,
          "peer differs");
    struct sockaddr_in pn;
    socklen_t pnl = sizeof pn;
    SETUP(getpeername(c, (struct sockaddr *)&pn, &pnl));
    CHECK("getpeername_is_server", pn.sin_port == la.sin_port, "peer differs");
    close(s);
    close(c);

    /* Non-blocking connects: in progress, then writable or refused. */
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    SETUP(c);
    EXPECT_ERRNO("nonblock_connect_inprogress", connect(c, (struct sockaddr *)&la, sizeof la),
                 EINPROGRESS);
    CHECK("nonblock_connect_writable", wait_for(c, POLLOUT) & POLLOUT, "not writable");
    EXPECT_EQ("nonblock_connect_so_error", getint(c, SOL_SOCKET, SO_ERROR), 0);
    close(c);
    s = accept(l, NULL, NULL);
    close(s);

    int nl = tcp();
    struct sockaddr_in na = bind_lo(nl);
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    SETUP(c);
    int r = connect(c, (struct sockaddr *)&na, sizeof na);
    int cerr = r == -1 ? errno : 0;
    CHECK("nonblock_refused_starts", r == -1 && (cerr == EINPROGRESS || cerr == ECONNREFUSED),
          "errno %s", errname(cerr));
    if (cerr == EINPROGRESS)
        wait_for(c, POLLOUT);
    /* A refusal reported by connect itself leaves no pending error. */
    EXPECT_EQ("nonblock_refused_so_error", getint(c, SOL_SOCKET, SO_ERROR),
              cerr == ECONNREFUSED ? 0 : ECONNREFUSED);
    EXPECT_EQ("so_error_cleared", getint(c, SOL_SOCKET, SO_ERROR), 0);
    close(c);
    close(nl);
    close(l);
}

COVERS("sendto", "recvfrom", "ioctl", "shutdown", "setsockopt", "close")
static void test_tcp_data(void)
{
    int c, s;
    tcp_pair(&c, &s);
    char b[32];
    EXPECT_ERRNO("recv_dontwait_empty", recv(s, b, sizeof b, MSG_DONTWAIT), EAGAIN);
    EXPECT_EQ("send", send(c, "hello", 5, 0), 5);
    wait_for(s, POLLIN);
    int n = -1;
    SETUP(ioctl(s, FIONREAD, &n));
    EXPECT_EQ("fionread", n, 5);
    EXPECT_EQ("recv_peek", recv(s, b, sizeof b, MSG_PEEK), 5);
    EXPECT_EQ("recv", recv(s, b, sizeof b, 0), 5);
    CHECK("recv_data", !memcmp(b, "hello", 5), "data differs");

    pid_t pid = pu_fork();
    if (pid == 0) {
        send(c, "abcde", 5, 0);
        send(c, "fghij", 5, 0);
        _exit(0);
    }
    EXPECT_EQ("recv_waitall", recv(s, b, 10, MSG_WAITALL), 10);
    CHECK("recv_waitall_data", !memcmp(b, "abcdefghij", 10), "data differs");
    pu_wait(pid);

    SETUP(send(c, "!", 1, MSG_OOB));
    short ev = wait_for(s, POLLPRI);
    CHECK("oob_pollpri", ev & POLLPRI, "revents 0x%x", ev);
    EXPECT_EQ("oob_recv", recv(s, b, 1, MSG_OOB), 1);
    CHECK("oob_byte", b[0] == '!', "wrong byte");

    SETUP(shutdown(c, SHUT_WR));
    EXPECT_EQ("shut_wr_peer_eof", recv(s, b, sizeof b, 0), 0);
    EXPECT_ERRNO("shut_wr_send_epipe", send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
    SETUP(send(s, "back", 4, 0));
    EXPECT_EQ("half_close_other_way", recv(c, b, sizeof b, 0), 4);
    EXPECT_ERRNO("shutdown_bad_how", shutdown(c, 9), EINVAL);
    close(c);
    close(s);

    /* Closing with unread data resets the connection. */
    tcp_pair(&c, &s);
    SETUP(send(c, "unread", 6, 0));
    wait_for(s, POLLIN);
    close(s);
    ev = wait_for(c, POLLIN);
    CHECK("rst_on_unread_close", ev & (POLLERR | POLLHUP), "revents 0x%x", ev);
    EXPECT_ERRNO("rst_econnreset", recv(c, b, sizeof b, 0), ECONNRESET);
    close(c);

    tcp_pair(&c, &s);
    struct linger lg = {1, 0};
    EXPECT_OK("so_linger_zero", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    close(s);
    wait_for(c, POLLIN);
    EXPECT_ERRNO("linger_zero_resets", recv(c, b, sizeof b, 0), ECONNRESET);
    close(c);

    tcp_pair(&c, &s);
    close(s);
    wait_for(c, POLLIN);
    EXPECT_EQ("orderly_close_eof", recv(c, b, sizeof b, 0), 0);
    close(c);
}

COVERS("setsockopt", "getsockopt", "listen", "accept")
static void test_tcp_options(void)
{
    int fd = tcp();
    EXPECT_EQ("tcp_nodelay_default", getint(fd, IPPROTO_TCP, TCP_NODELAY), 0);
    int on = 1;
    EXPECT_OK("tcp_nodelay_set", setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on));
    EXPECT_EQ("tcp_nodelay_get", getint(fd, IPPROTO_TCP, TCP_NODELAY), 1);
    EXPECT_OK("so_keepalive_set", setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on));
    EXPECT_EQ("so_keepalive_get", getint(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
    int sz = 8192;
    SETUP(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz));
    EXPECT_EQ("so_rcvbuf_doubled", getint(fd, SOL_SOCKET, SO_RCVBUF), 16384);
    EXPECT_EQ("ip_ttl_default", getint(fd, IPPROTO_IP, IP_TTL), 64);
    int ttl = 0;
    EXPECT_ERRNO("ip_ttl_zero", setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl), EINVAL);
    ttl = 256;
    EXPECT_ERRNO("ip_ttl_too_big", setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl), EINVAL);
    EXPECT_ERRNO("getsockopt_unknown", getsockopt(fd, SOL_SOCKET, 9999, &on, &(socklen_t){4}),
                 ENOPROTOOPT);
    EXPECT_ERRNO("setsockopt_short", setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, 2), EINVAL);
    EXPECT_ERRNO("setsockopt_efault", setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, BAD_PTR, 4), EFAULT);
    close(fd);
    fd = udp();
    EXPECT_ERRNO("udp_tcp_level", getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &(socklen_t){4}),
                 EOPNOTSUPP);
    EXPECT_ERRNO("listen_udp", listen(fd, 1), EOPNOTSUPP);
    EXPECT_ERRNO("accept_udp", accept(fd, NULL, NULL), EOPNOTSUPP);
    close(fd);
}

COVERS("sendto", "recvfrom", "connect")
static void test_udp(void)
{
    int r = udp(), s = udp();
    struct sockaddr_in ra = bind_lo(r), sa = bind_lo(s);
    EXPECT_EQ("udp_sendto", sendto(s, "one", 3, 0, (struct sockaddr *)&ra, sizeof ra), 3);
    SETUP(sendto(s, "second", 6, 0, (struct sockaddr *)&ra, sizeof ra));
    char b[16];
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    wait_for(r, POLLIN);
    EXPECT_EQ("udp_boundary", recvfrom(r, b, sizeof b, 0, (struct sockaddr *)&from, &flen), 3);
    CHECK("udp_source", from.sin_port == sa.sin_port && from.sin_addr.s_addr == sa.sin_addr.s_addr,
          "source differs");
    wait_for(r, POLLIN);
    EXPECT_EQ("udp_trunc_real_length", recv(r, b, 2, MSG_TRUNC), 6);
    EXPECT_ERRNO("udp_rest_discarded", recv(r, b, sizeof b, MSG_DONTWAIT), EAGAIN);
    EXPECT_ERRNO("udp_send_no_destination", send(s, "x", 1, 0), EDESTADDRREQ);
    EXPECT_EQ("udp_zero_length", sendto(s, "", 0, 0, (struct sockaddr *)&ra, sizeof ra), 0);
    wait_for(r, POLLIN);
    EXPECT_EQ("udp_zero_length_received", recv(r, b, sizeof b, 0), 0);

    /* A connected socket only hears its peer. */
    int other = udp();
    SETUP(connect(r, (struct sockaddr *)&sa, sizeof sa));
    SETUP(sendto(other, "no", 2, 0, (struct sockaddr *)&ra, sizeof ra));
    SETUP(sendto(s, "yes", 3, 0, (struct sockaddr *)&ra, sizeof ra));
    wait_for(r, POLLIN);
    EXPECT_EQ("udp_connected_filters", recv(r, b, sizeof b, 0), 3);
    close(other);

    /* Sending to a closed port reports the ICMP error on the socket. */
    int dead = udp();
    struct sockaddr_in da = bind_lo(dead);
    close(dead);
    SETUP(connect(s, (struct sockaddr *)&da, sizeof da));
    SETUP(send(s, "x", 1, 0));
    short ev = wait_for(s, POLLIN);
    CHECK("udp_refused_pollerr", ev & POLLERR, "revents 0x%x", ev);
    EXPECT_ERRNO("udp_refused_recv", recv(s, b, sizeof b, 0), ECONNREFUSED);
    close(r);
    close(s);
}

/* Sends 1 MiB of a known pattern; exits 0 if every byte was written. */
static int child_bulk_sender(void *arg)
{
    int fd = (int)(long)arg;
    static unsigned char buf[1 << 20];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 7 + (i >> 12));
    size_t off = 0;
    while (off < sizeof buf) {
        ssize_t n = send(fd, buf + off, sizeof buf - off, 0);
        if (n <= 0)
            return 1;
        off += n;
    }
    return 0;
}

COVERS("sendto", "recvfrom", "recvmsg", "setsockopt", "getsockopt", "connect")
static void test_more(void)
{
    int c, s;
    tcp_pair(&c, &s);
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    EXPECT_OK("tcp_info", getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len));
    EXPECT_EQ("tcp_info_established", ti.tcpi_state, 1 /* TCP_ESTABLISHED */);

    /* A megabyte through loopback arrives whole and in order. */
    pid_t pid = pu_spawn(child_bulk_sender, (void *)(long)c);
    close(c);
    static unsigned char got[1 << 20];
    size_t total = 0;
    ssize_t n;
    while (total < sizeof got && (n = recv(s, got + total, sizeof got - total, 0)) > 0)
        total += n;
    size_t bad = 0;
    for (size_t i = 0; i < total; i++)
        bad += got[i] != (unsigned char)(i * 7 + (i >> 12));
    CHECK("tcp_bulk_transfer", total == sizeof got && bad == 0, "%s",
          total == sizeof got ? "corrupted" : "short");
    CHECK("tcp_bulk_sender_status", pu_status_is(pu_wait(pid), PU_EXITED(0)), "%s",
          pu_status_diff);
    char b[4];
    EXPECT_EQ("tcp_bulk_then_eof", recv(s, b, sizeof b, 0), 0);
    close(s);

    /* IP_PKTINFO names the local address a datagram was sent to. */
    int r = udp(), u = udp();
    struct sockaddr_in ra = bind_lo(r);
    int on = 1;
    SETUP(setsockopt(r, IPPROTO_IP, IP_PKTINFO, &on, sizeof on));
    SETUP(sendto(u, "pk", 2, 0, (struct sockaddr *)&ra, sizeof ra));
    wait_for(r, POLLIN);
    char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
    struct iovec iov = {b, sizeof b};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                        .msg_controllen = sizeof cbuf};
    EXPECT_EQ("udp_recvmsg", recvmsg(r, &mh, 0), 2);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    struct in_pktinfo pi;
    memset(&pi, 0, sizeof pi);
    if (cm && cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO)
        memcpy(&pi, CMSG_DATA(cm), sizeof pi);
    CHECK("ip_pktinfo", pi.ipi_addr.s_addr == htonl(INADDR_LOOPBACK), "no loopback pktinfo");

    /* Connecting to AF_UNSPEC dissolves a UDP association. */
    SETUP(connect(u, (struct sockaddr *)&ra, sizeof ra));
    EXPECT_EQ("udp_send_connected", send(u, "x", 1, 0), 1);
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    EXPECT_OK("udp_connect_unspec", connect(u, &unspec, sizeof unspec));
    EXPECT_ERRNO("udp_unspec_disconnects", send(u, "x", 1, 0), EDESTADDRREQ);
    close(r);
    close(u);
}

COVERS("socket", "bind", "connect", "accept", "getsockopt", "sendto", "recvfrom")
static void test_ipv6(void)
{
    static const char *names[] = {"v6_bind_loopback", "v6_connect_accept", "v6_peer_family",
                                  "v6_v6only_default", "v6_udp_roundtrip", "v6_mapped_v4_peer"};
    int l = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = v6(in6addr_loopback);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0) {
        for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
            skip(names[i], "IPv6 loopback unavailable");
        if (l >= 0)
            close(l);
        return;
    }
    ok("v6_bind_loopback");
    socklen_t len = sizeof a;
    SETUP(getsockname(l, (struct sockaddr *)&a, &len));
    SETUP(listen(l, 2));
    int c = socket(AF_INET6, SOCK_STREAM, 0);
    SETUP(c);
    EXPECT_OK("v6_connect_accept", connect(c, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_in6 peer;
    socklen_t plen = sizeof peer;
    int s = accept(l, (struct sockaddr *)&peer, &plen);
    CHECK("v6_peer_family", s >= 0 && peer.sin6_family == AF_INET6 && plen == sizeof peer &&
                                IN6_IS_ADDR_LOOPBACK(&peer.sin6_addr),
          "peer not ::1");
    EXPECT_EQ("v6_v6only_default", getint(c, IPPROTO_IPV6, IPV6_V6ONLY), 0);
    close(s);
    close(c);
    close(l);

    int u = socket(AF_INET6, SOCK_DGRAM, 0);
    SETUP(u);
    a = v6(in6addr_loopback);
    SETUP(bind(u, (struct sockaddr *)&a, sizeof a));
    len = sizeof a;
    SETUP(getsockname(u, (struct sockaddr *)&a, &len));
    SETUP(sendto(u, "v6", 2, 0, (struct sockaddr *)&a, sizeof a));
    char b[4];
    wait_for(u, POLLIN);
    EXPECT_EQ("v6_udp_roundtrip", recv(u, b, sizeof b, 0), 2);
    close(u);

    /* A dual-stack listener sees IPv4 peers as v4-mapped addresses. */
    l = socket(AF_INET6, SOCK_STREAM, 0);
    SETUP(l);
    a = v6(in6addr_any);
    SETUP(bind(l, (struct sockaddr *)&a, sizeof a));
    len = sizeof a;
    SETUP(getsockname(l, (struct sockaddr *)&a, &len));
    SETUP(listen(l, 2));
    c = tcp();
    struct sockaddr_in v4 = lo(a.sin6_port);
    SETUP(connect(c, (struct sockaddr *)&v4, sizeof v4));
    plen = sizeof peer;
    s = accept(l, (struct sockaddr *)&peer, &plen);
    CHECK("v6_mapped_v4_peer", s >= 0 && IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr), "not v4-mapped");
    close(s);
    close(c);
    close(l);
}

int main(void)
{
    conf_begin("socket_inet");
    pu_setup();
    test_create();
    test_bind();
    test_connect();
    test_tcp_data();
    test_tcp_options();
    test_udp();
    test_more();
    test_ipv6();
    return conf_end();
}
