//! UDP over the loopback stack.

use std::net::SocketAddr;
use std::time::Duration;

use abi::socket::{MsgFlags, SHUT_RD};
use abi::Errno;
use net::events::{POLLERR, POLLIN, POLLOUT};
use net::{Domain, SockType, SocketId, Stack};

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn bound(st: &mut Stack, addr: &str) -> SocketId {
    let u = st.socket(Domain::Inet, SockType::Dgram);
    st.bind(u, sa(addr)).unwrap();
    u
}

#[test]
fn datagrams_keep_boundaries_and_sources() {
    let mut st = Stack::new(Duration::ZERO, 1);
    let a = bound(&mut st, "127.0.0.1:5353");
    let b = st.socket(Domain::Inet, SockType::Dgram);
    assert_eq!(st.events(a).unwrap() & POLLIN, 0);
    assert_eq!(st.send(b, b"one", Some(sa("127.0.0.1:5353"))), Ok(3));
    assert_eq!(st.send(b, b"two!", Some(sa("127.0.0.1:5353"))), Ok(4));
    assert_ne!(st.events(a).unwrap() & POLLIN, 0);
    let from = st.local_addr(b).unwrap();
    assert_ne!(from.port(), 0, "sendto autobinds");
    let mut buf = [0u8; 16];
    let r = st.recv(a, &mut buf, MsgFlags::empty()).unwrap();
    assert_eq!(
        (&buf[..r.len], r.from),
        (&b"one"[..], Some(sa(&format!("127.0.0.1:{}", from.port()))))
    );
    let r = st.recv(a, &mut buf, MsgFlags::empty()).unwrap();
    assert_eq!(&buf[..r.len], b"two!");
    assert_eq!(st.recv(a, &mut buf, MsgFlags::empty()), Err(Errno::EAGAIN));
    // Empty datagrams are datagrams.
    st.send(b, b"", Some(sa("127.0.0.1:5353"))).unwrap();
    assert_eq!(
        st.recv(a, &mut buf, MsgFlags::empty()).map(|r| r.full_len),
        Ok(0)
    );
}

#[test]
fn truncation_and_peek() {
    let mut st = Stack::new(Duration::ZERO, 1);
    let a = bound(&mut st, "127.0.0.1:6000");
    let b = bound(&mut st, "127.0.0.1:0");
    st.send(b, b"0123456789", Some(sa("127.0.0.1:6000")))
        .unwrap();
    let mut small = [0u8; 4];
    let r = st.recv(a, &mut small, MsgFlags::MSG_PEEK).unwrap();
    assert_eq!((r.len, r.full_len), (4, 10));
    let r = st.recv(a, &mut small, MsgFlags::empty()).unwrap();
    assert_eq!((r.len, r.full_len, &small), (4, 10, b"0123"));
    // The rest of a truncated datagram is gone.
    assert_eq!(
        st.recv(a, &mut small, MsgFlags::empty()),
        Err(Errno::EAGAIN)
    );
}

#[test]
fn connected_socket_filters_and_defaults() {
    let mut st = Stack::new(Duration::ZERO, 1);
    let a = bound(&mut st, "127.0.0.1:7000");
    let peer = bound(&mut st, "127.0.0.1:7001");
    let other = bound(&mut st, "127.0.0.1:7002");
    let mut buf = [0u8; 8];
    assert_eq!(st.send(a, b"x", None), Err(Errno::EDESTADDRREQ));
    assert_eq!(st.peer_addr(a), Err(Errno::ENOTCONN));
    st.connect(a, sa("127.0.0.1:7001")).unwrap();
    assert_eq!(st.peer_addr(a), Ok(sa("127.0.0.1:7001")));
    st.send(other, b"stranger", Some(sa("127.0.0.1:7000")))
        .unwrap();
    st.send(peer, b"friend", Some(sa("127.0.0.1:7000")))
        .unwrap();
    let r = st.recv(a, &mut buf, MsgFlags::empty()).unwrap();
    assert_eq!(&buf[..r.len], b"friend");
    assert_eq!(st.recv(a, &mut buf, MsgFlags::empty()), Err(Errno::EAGAIN));
    st.send(a, b"hi", None).unwrap();
    assert_eq!(
        st.recv(peer, &mut buf, MsgFlags::empty()).map(|r| r.len),
        Ok(2)
    );
    st.disconnect(a).unwrap();
    assert_eq!(st.peer_addr(a), Err(Errno::ENOTCONN));
}

#[test]
fn connected_to_closed_port_reports_refusal_once() {
    let mut st = Stack::new(Duration::ZERO, 1);
    let a = st.socket(Domain::Inet, SockType::Dgram);
    st.connect(a, sa("127.0.0.1:9")).unwrap();
    assert_eq!(st.send(a, b"x", None), Ok(1));
    assert_ne!(st.events(a).unwrap() & POLLERR, 0);
    let mut buf = [0u8; 4];
    assert_eq!(
        st.recv(a, &mut buf, MsgFlags::empty()),
        Err(Errno::ECONNREFUSED)
    );
    assert_eq!(st.recv(a, &mut buf, MsgFlags::empty()), Err(Errno::EAGAIN));
    // Unconnected sendto to a closed port is silently dropped.
    let b = st.socket(Domain::Inet, SockType::Dgram);
    assert_eq!(st.send(b, b"x", Some(sa("127.0.0.1:9"))), Ok(1));
    assert_eq!(st.take_error(b), Ok(None));
}

#[test]
fn udp_errors() {
    let mut st = Stack::new(Duration::ZERO, 1);
    let a = bound(&mut st, "127.0.0.1:8000");
    let b = st.socket(Domain::Inet, SockType::Dgram);
    assert_eq!(st.bind(b, sa("127.0.0.1:8000")), Err(Errno::EADDRINUSE));
    let big = vec![0u8; 65_508];
    assert_eq!(
        st.send(a, &big, Some(sa("127.0.0.1:8000"))),
        Err(Errno::EMSGSIZE)
    );
    assert_eq!(
        st.send(a, &big[..65_507], Some(sa("127.0.0.1:8000"))),
        Ok(65_507)
    );
    assert_eq!(
        st.send(a, b"x", Some(sa("8.8.8.8:53"))),
        Err(Errno::ENETUNREACH)
    );
    assert_eq!(st.shutdown(b, SHUT_RD), Err(Errno::ENOTCONN));
    assert_eq!(st.listen(a, 1), Err(Errno::EOPNOTSUPP));
    assert_ne!(st.events(b).unwrap() & POLLOUT, 0);
    // Both with SO_REUSEADDR share the port.
    let c = st.socket(Domain::Inet, SockType::Dgram);
    let d = st.socket(Domain::Inet, SockType::Dgram);
    st.set_reuse_addr(c, true).unwrap();
    st.set_reuse_addr(d, true).unwrap();
    st.bind(c, sa("127.0.0.1:8100")).unwrap();
    st.bind(d, sa("127.0.0.1:8100")).unwrap();
}

#[test]
fn pending_reports_the_next_datagram() {
    let mut st = Stack::new(Duration::ZERO, 1);
    let a = bound(&mut st, "127.0.0.1:9100");
    let b = st.socket(Domain::Inet, SockType::Dgram);
    assert_eq!(st.pending(a), Ok(0));
    st.send(b, b"abc", Some(sa("127.0.0.1:9100"))).unwrap();
    st.send(b, b"defgh", Some(sa("127.0.0.1:9100"))).unwrap();
    assert_eq!(st.pending(a), Ok(3));
    let l = st.socket(Domain::Inet, SockType::Stream);
    st.listen(l, 1).unwrap();
    assert_eq!(st.pending(l), Err(Errno::EINVAL));
}

#[test]
fn largest_datagrams_arrive_on_both_families() {
    let mut st = Stack::new(Duration::ZERO, 1);
    for (domain, addr, max) in [
        (Domain::Inet, "127.0.0.1:9200", 65_507),
        (Domain::Inet6, "[::1]:9200", 65_527),
    ] {
        let a = st.socket(domain, SockType::Dgram);
        st.bind(a, sa(addr)).unwrap();
        let b = st.socket(domain, SockType::Dgram);
        let big = vec![1u8; max];
        assert_eq!(st.send(b, &big, Some(sa(addr))), Ok(max));
        let mut buf = vec![0u8; 70_000];
        assert_eq!(
            st.recv(a, &mut buf, MsgFlags::empty()).map(|r| r.len),
            Ok(max)
        );
    }
}

#[test]
fn a_v4_mapped_binding_cannot_reach_ipv6() {
    let mut st = Stack::new(Duration::ZERO, 1);
    let u = st.socket(Domain::Inet6, SockType::Dgram);
    st.bind(u, sa("[::ffff:127.0.0.1]:9300")).unwrap();
    assert_eq!(st.send(u, b"x", Some(sa("[::1]:9300"))), Err(Errno::EINVAL));
    assert_eq!(st.connect(u, sa("[::1]:9300")), Err(Errno::EINVAL));
    let t = st.socket(Domain::Inet6, SockType::Stream);
    st.bind(t, sa("[::ffff:127.0.0.1]:9301")).unwrap();
    assert_eq!(st.connect(t, sa("[::1]:9300")), Err(Errno::EINVAL));
}
