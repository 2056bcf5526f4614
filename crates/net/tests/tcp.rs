//! TCP over the loopback stack: each Linux answer the socket layer owes.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use abi::socket::{MsgFlags, SHUT_RD, SHUT_WR};
use abi::Errno;
use net::events::{POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP};
use net::{Domain, Notify, SockType, SocketId, Stack};

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn stack() -> Stack {
    Stack::new(Duration::ZERO, 7)
}

fn listener(st: &mut Stack, addr: &str, backlog: i32) -> SocketId {
    let l = st.socket(Domain::Inet, SockType::Stream);
    st.bind(l, sa(addr)).unwrap();
    st.listen(l, backlog).unwrap();
    l
}

/// A connected (client, server) pair through `l`.
fn pair(st: &mut Stack, l: SocketId) -> (SocketId, SocketId) {
    let c = st.socket(Domain::Inet, SockType::Stream);
    let to = st.local_addr(l).unwrap();
    assert_eq!(st.connect(c, to), Err(Errno::EINPROGRESS));
    assert_eq!(st.finish_connect(c), Ok(()));
    let (s, peer) = st.accept(l).unwrap();
    assert_eq!(peer, st.local_addr(c).unwrap());
    (c, s)
}

fn recv_all(st: &mut Stack, id: SocketId) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match st.recv(id, &mut buf, MsgFlags::empty()) {
            Ok(r) if r.len == 0 => return out,
            Ok(r) => out.extend_from_slice(&buf[..r.len]),
            Err(Errno::EAGAIN) => return out,
            Err(e) => panic!("recv: {e:?}"),
        }
    }
}

#[test]
fn echo_and_names() {
    let mut st = stack();
    let l = listener(&mut st, "127.0.0.1:8080", 4);
    let (c, s) = pair(&mut st, l);
    assert_eq!(st.send(c, b"hello", None), Ok(5));
    assert_eq!(recv_all(&mut st, s), b"hello");
    assert_eq!(st.send(s, b"world", None), Ok(5));
    assert_eq!(recv_all(&mut st, c), b"world");
    assert_eq!(st.peer_addr(c), Ok(sa("127.0.0.1:8080")));
    assert_eq!(st.local_addr(s), Ok(sa("127.0.0.1:8080")));
    let port = st.local_addr(c).unwrap().port();
    assert!((32768..=60999).contains(&port), "ephemeral port {port}");
    assert_eq!(st.peer_addr(l), Err(Errno::ENOTCONN));
}

#[test]
fn connect_to_closed_port_is_refused() {
    let mut st = stack();
    let c = st.socket(Domain::Inet, SockType::Stream);
    assert_eq!(st.connect(c, sa("127.0.0.1:9")), Err(Errno::EINPROGRESS));
    let ev = st.events(c).unwrap();
    assert_eq!(ev & (POLLERR | POLLHUP), POLLERR | POLLHUP, "{ev:#x}");
    assert_eq!(st.finish_connect(c), Err(Errno::ECONNREFUSED));
    assert_eq!(st.take_error(c), Ok(None));
    assert_eq!(st.peer_addr(c), Err(Errno::ENOTCONN));
}

#[test]
fn second_connect_reports_refusal_then_retries() {
    let mut st = stack();
    let c = st.socket(Domain::Inet, SockType::Stream);
    assert_eq!(st.connect(c, sa("127.0.0.1:9")), Err(Errno::EINPROGRESS));
    assert_eq!(st.connect(c, sa("127.0.0.1:9")), Err(Errno::ECONNREFUSED));
    let l = listener(&mut st, "127.0.0.1:9", 1);
    assert_eq!(st.connect(c, sa("127.0.0.1:9")), Err(Errno::EINPROGRESS));
    assert_eq!(st.connect(c, sa("127.0.0.1:9")), Err(Errno::EISCONN));
    assert!(st.accept(l).is_ok());
}

#[test]
fn backlog_holds_syns_until_accept() {
    let mut st = stack();
    let l = listener(&mut st, "127.0.0.1:7000", 1);
    // Linux queues backlog + 1 connections.
    let cs: Vec<SocketId> = (0..3)
        .map(|_| {
            let c = st.socket(Domain::Inet, SockType::Stream);
            assert_eq!(st.connect(c, sa("127.0.0.1:7000")), Err(Errno::EINPROGRESS));
            c
        })
        .collect();
    assert_eq!(st.finish_connect(cs[0]), Ok(()));
    assert_eq!(st.finish_connect(cs[1]), Ok(()));
    // The third SYN was dropped, not reset: still in progress, no error.
    assert_eq!(st.finish_connect(cs[2]), Err(Errno::EALREADY));
    assert_eq!(st.events(cs[2]).unwrap() & (POLLOUT | POLLERR), 0);
    assert!(st.accept(l).is_ok());
    assert!(st.accept(l).is_ok());
    assert_eq!(st.accept(l).map(|_| ()), Err(Errno::EAGAIN));
    // The client retransmits its SYN; time drives it.
    for ms in 1..=5000 {
        st.poll(Duration::from_millis(ms * 10));
        if st.finish_connect(cs[2]).is_ok() {
            break;
        }
    }
    assert_eq!(st.finish_connect(cs[2]), Ok(()));
    assert!(st.accept(l).is_ok());
}

#[test]
fn accept_and_connect_state_errors() {
    let mut st = stack();
    let s = st.socket(Domain::Inet, SockType::Stream);
    assert_eq!(st.accept(s).map(|_| ()), Err(Errno::EINVAL));
    let l = listener(&mut st, "127.0.0.1:7100", 8);
    assert_eq!(st.accept(l).map(|_| ()), Err(Errno::EAGAIN));
    assert_eq!(st.connect(l, sa("127.0.0.1:7100")), Err(Errno::EISCONN));
    let (c, _) = pair(&mut st, l);
    assert_eq!(st.connect(c, sa("127.0.0.1:7100")), Err(Errno::EISCONN));
    assert_eq!(st.listen(c, 1), Err(Errno::EINVAL));
    assert_eq!(st.bind(c, sa("127.0.0.1:0")), Err(Errno::EINVAL));
}

#[test]
fn unconnected_send_and_recv() {
    let mut st = stack();
    let s = st.socket(Domain::Inet, SockType::Stream);
    assert_eq!(st.send(s, b"x", None), Err(Errno::EPIPE));
    let mut b = [0u8; 4];
    assert_eq!(
        st.recv(s, &mut b, MsgFlags::empty()).map(|_| ()),
        Err(Errno::ENOTCONN)
    );
    assert_eq!(st.shutdown(s, SHUT_WR), Err(Errno::ENOTCONN));
    assert_eq!(st.shutdown(s, 7), Err(Errno::EINVAL));
    // A fresh socket polls writable and hung up, as on Linux.
    let fresh = st.socket(Domain::Inet, SockType::Stream);
    assert_eq!(
        st.events(fresh).unwrap() & (POLLOUT | POLLHUP),
        POLLOUT | POLLHUP
    );
}

#[test]
fn bind_errors() {
    let mut st = stack();
    let a = st.socket(Domain::Inet, SockType::Stream);
    assert_eq!(st.bind(a, sa("10.1.2.3:80")), Err(Errno::EADDRNOTAVAIL));
    assert_eq!(st.bind(a, sa("[::1]:80")), Err(Errno::EAFNOSUPPORT));
    st.bind(a, sa("127.0.0.1:5000")).unwrap();
    let b = st.socket(Domain::Inet, SockType::Stream);
    assert_eq!(st.bind(b, sa("127.0.0.1:5000")), Err(Errno::EADDRINUSE));
    assert_eq!(st.bind(b, sa("0.0.0.0:5000")), Err(Errno::EADDRINUSE));
    let v6 = st.socket(Domain::Inet6, SockType::Stream);
    assert_eq!(st.bind(v6, sa("[::]:5000")), Err(Errno::EADDRINUSE));
    st.bind(b, sa("127.0.0.2:5000")).unwrap();
    assert_eq!(st.connect(b, sa("192.0.2.1:80")), Err(Errno::ENETUNREACH));
}

#[test]
fn reuseaddr_rebinds_over_time_wait_but_not_a_listener() {
    let mut st = stack();
    let l = listener(&mut st, "127.0.0.1:6000", 4);
    let (c, s) = pair(&mut st, l);
    // The server closes first and keeps the port in TIME-WAIT.
    st.close(s).unwrap();
    st.close(c).unwrap();
    st.close(l).unwrap();
    let n = st.socket(Domain::Inet, SockType::Stream);
    assert_eq!(st.bind(n, sa("127.0.0.1:6000")), Err(Errno::EADDRINUSE));
    st.set_reuse_addr(n, true).unwrap();
    assert_eq!(st.reuse_addr(n), Ok(true));
    st.bind(n, sa("127.0.0.1:6000")).unwrap();
    st.listen(n, 4).unwrap();
    let m = st.socket(Domain::Inet, SockType::Stream);
    st.set_reuse_addr(m, true).unwrap();
    assert_eq!(st.bind(m, sa("127.0.0.1:6000")), Err(Errno::EADDRINUSE));
    // TIME-WAIT ends with time.
    st.poll(Duration::from_secs(120));
    let k = st.socket(Domain::Inet, SockType::Stream);
    st.close(n).unwrap();
    st.bind(k, sa("127.0.0.1:6000")).unwrap();
}

#[test]
fn half_close_and_shutdown() {
    let mut st = stack();
    let l = listener(&mut st, "127.0.0.1:6100", 4);
    let (c, s) = pair(&mut st, l);
    st.send(c, b"last words", None).unwrap();
    st.shutdown(c, SHUT_WR).unwrap();
    assert_eq!(st.send(c, b"more", None), Err(Errno::EPIPE));
    assert_eq!(recv_all(&mut st, s), b"last words");
    let ev = st.events(s).unwrap();
    assert_eq!(ev & (POLLIN | POLLRDHUP), POLLIN | POLLRDHUP, "{ev:#x}");
    // The other direction still works.
    st.send(s, b"reply", None).unwrap();
    assert_eq!(recv_all(&mut st, c), b"reply");
    st.shutdown(s, SHUT_WR).unwrap();
    let mut b = [0u8; 8];
    assert_eq!(st.recv(c, &mut b, MsgFlags::empty()).map(|r| r.len), Ok(0));
    assert_ne!(st.events(c).unwrap() & POLLHUP, 0);
    // SHUT_RD: reads end.
    let (c2, _s2) = pair(&mut st, l);
    st.shutdown(c2, SHUT_RD).unwrap();
    assert_eq!(st.recv(c2, &mut b, MsgFlags::empty()).map(|r| r.len), Ok(0));
}

#[test]
fn close_with_unread_data_resets_the_peer() {
    let mut st = stack();
    let l = listener(&mut st, "127.0.0.1:6200", 4);
    let (c, s) = pair(&mut st, l);
    st.send(c, b"unread", None).unwrap();
    st.close(s).unwrap();
    let mut b = [0u8; 8];
    assert_eq!(
        st.recv(c, &mut b, MsgFlags::empty()).map(|_| ()),
        Err(Errno::ECONNRESET)
    );
    assert_eq!(st.recv(c, &mut b, MsgFlags::empty()).map(|r| r.len), Ok(0));
    assert_eq!(st.send(c, b"x", None), Err(Errno::EPIPE));
}

#[test]
fn peek_trunc_and_partial_writes() {
    let mut st = stack();
    let l = st.socket(Domain::Inet, SockType::Stream);
    st.set_recv_buffer(l, 2048).unwrap();
    assert_eq!(st.recv_buffer(l), Ok(4096));
    st.bind(l, sa("127.0.0.1:6300")).unwrap();
    st.listen(l, 4).unwrap();
    let c = st.socket(Domain::Inet, SockType::Stream);
    st.set_send_buffer(c, 4096).unwrap();
    assert_eq!(st.send_buffer(c), Ok(8192));
    st.set_nodelay(c, true).unwrap();
    assert_eq!(st.nodelay(c), Ok(true));
    assert_eq!(st.connect(c, sa("127.0.0.1:6300")), Err(Errno::EINPROGRESS));
    let (s, _) = st.accept(l).unwrap();
    // Receiver window 4096 + sender buffer 8192: a big write is partial.
    let big = vec![7u8; 64 * 1024];
    let n = st.send(c, &big, None).unwrap();
    assert!(n < big.len(), "wrote {n}");
    let mut total = n;
    loop {
        match st.send(c, &big[..1000], None) {
            Ok(k) => total += k,
            Err(Errno::EAGAIN) => break,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(st.events(c).unwrap() & POLLOUT, 0);
    let mut b = [0u8; 10];
    let peeked = st.recv(s, &mut b, MsgFlags::MSG_PEEK).unwrap();
    assert_eq!(peeked.len, 10);
    let dropped = st.recv(s, &mut b, MsgFlags::MSG_TRUNC).unwrap();
    assert_eq!(dropped.len, 10);
    let rest = recv_all(&mut st, s);
    assert!(rest.len() + 10 <= total && !rest.is_empty());
    assert_ne!(st.events(c).unwrap() & POLLOUT, 0);
}

#[test]
fn ipv6_and_dual_stack() {
    let mut st = stack();
    let l = st.socket(Domain::Inet6, SockType::Stream);
    st.bind(l, sa("[::]:6400")).unwrap();
    st.listen(l, 4).unwrap();
    let c6 = st.socket(Domain::Inet6, SockType::Stream);
    assert_eq!(st.connect(c6, sa("[::1]:6400")), Err(Errno::EINPROGRESS));
    let (_, p6) = st.accept(l).unwrap();
    assert_eq!(p6.ip(), sa("[::1]:0").ip());
    let c4 = st.socket(Domain::Inet, SockType::Stream);
    assert_eq!(
        st.connect(c4, sa("127.0.0.1:6400")),
        Err(Errno::EINPROGRESS)
    );
    let (_, p4) = st.accept(l).unwrap();
    assert_eq!(p4.ip(), sa("[::ffff:127.0.0.1]:0").ip());
}

#[derive(Default)]
struct Count(AtomicU32, AtomicU32);

impl Notify for Count {
    fn notify(&self, events: u32) {
        self.0.fetch_add(1, Ordering::SeqCst);
        self.1.store(events, Ordering::SeqCst);
    }
}

#[test]
fn readiness_changes_are_notified() {
    let mut st = stack();
    let l = listener(&mut st, "127.0.0.1:6500", 4);
    let seen = Arc::new(Count::default());
    st.set_notify(l, Some(seen.clone())).unwrap();
    let (c, s) = pair(&mut st, l);
    assert!(seen.0.load(Ordering::SeqCst) >= 1);
    let on_s = Arc::new(Count::default());
    st.set_notify(s, Some(on_s.clone())).unwrap();
    st.send(c, b"a", None).unwrap();
    assert_ne!(on_s.1.load(Ordering::SeqCst) & POLLIN, 0);
    let before = on_s.0.load(Ordering::SeqCst);
    // More data with the mask unchanged still notifies (edge-triggered).
    st.send(c, b"b", None).unwrap();
    assert!(on_s.0.load(Ordering::SeqCst) > before);
    st.set_notify(s, None).unwrap();
}

#[test]
fn syns_arriving_together_are_queued_not_reset() {
    // backlog 0: one connection queues, the others' SYNs are dropped; their
    // retransmissions arrive in the same step once the queue drains, and
    // each must find a LISTEN socket (smoltcp would reset the second).
    let mut st = stack();
    let l = listener(&mut st, "127.0.0.1:7200", 0);
    let cs: Vec<SocketId> = (0..3)
        .map(|_| {
            let c = st.socket(Domain::Inet, SockType::Stream);
            assert_eq!(st.connect(c, sa("127.0.0.1:7200")), Err(Errno::EINPROGRESS));
            c
        })
        .collect();
    assert_eq!(st.finish_connect(cs[0]), Ok(()));
    let (a, _) = st.accept(l).unwrap();
    st.close(a).unwrap();
    for ms in 1..=500 {
        st.poll(Duration::from_millis(ms * 10));
        if cs
            .iter()
            .all(|&c| st.finish_connect(c) != Err(Errno::EALREADY))
        {
            break;
        }
    }
    assert_eq!(st.finish_connect(cs[1]), Ok(()));
    // The queue held one again: the third waits, unrefused, for accept.
    assert_ne!(st.finish_connect(cs[2]), Err(Errno::ECONNREFUSED));
    assert!(st.accept(l).is_ok());
    for ms in 501..=1500 {
        st.poll(Duration::from_millis(ms * 10));
        if st.finish_connect(cs[2]).is_ok() {
            break;
        }
    }
    assert_eq!(st.finish_connect(cs[2]), Ok(()));
}

#[test]
fn full_size_segments_fit_an_ip_packet() {
    // With large buffers smoltcp fills segments up to the MTU; the IPv4
    // total length (16 bits) must still hold them.
    for (domain, addr) in [
        (Domain::Inet, "127.0.0.1:7300"),
        (Domain::Inet6, "[::1]:7300"),
    ] {
        let mut st = stack();
        let l = st.socket(domain, SockType::Stream);
        st.bind(l, sa(addr)).unwrap();
        st.listen(l, 1).unwrap();
        let c = st.socket(domain, SockType::Stream);
        assert_eq!(st.connect(c, sa(addr)), Err(Errno::EINPROGRESS));
        let (s, _) = st.accept(l).unwrap();
        let data = vec![9u8; 300_000];
        let n = st.send(c, &data, None).unwrap();
        assert!(n > 65_536, "sent {n}");
        assert_eq!(recv_all(&mut st, s).len(), n);
    }
}
