//! Property: no sequence of socket calls, however hostile or out of order,
//! panics the stack or wedges it; time only moves forward.

use std::net::SocketAddr;
use std::time::Duration;

use abi::socket::MsgFlags;
use net::{Domain, SockType, SocketId, Stack};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Socket(bool, bool),
    Bind(usize, usize),
    Listen(usize, i32),
    Accept(usize),
    Connect(usize, usize),
    Disconnect(usize),
    Send(usize, usize, Option<usize>),
    Recv(usize, usize, u8),
    Shutdown(usize, i32),
    Close(usize),
    Reuse(usize, bool),
    Bufs(usize, i32),
    Linger(usize, Option<u32>),
    Ttl(usize, i32),
    Tick(u16),
}

const ADDRS: &[&str] = &[
    "127.0.0.1:7000",
    "127.0.0.1:0",
    "0.0.0.0:7000",
    "127.0.0.2:7001",
    "[::1]:7000",
    "[::]:7002",
    "[::ffff:127.0.0.1]:7000",
    "10.0.0.1:80",
    "127.0.0.1:9",
];

fn op() -> impl Strategy<Value = Op> {
    let s = 0usize..8;
    let a = 0usize..ADDRS.len();
    prop_oneof![
        (any::<bool>(), any::<bool>()).prop_map(|(v6, tcp)| Op::Socket(v6, tcp)),
        (s.clone(), a.clone()).prop_map(|(i, j)| Op::Bind(i, j)),
        (s.clone(), -2i32..5).prop_map(|(i, b)| Op::Listen(i, b)),
        s.clone().prop_map(Op::Accept),
        (s.clone(), a.clone()).prop_map(|(i, j)| Op::Connect(i, j)),
        s.clone().prop_map(Op::Disconnect),
        (s.clone(), 0usize..200_000, proptest::option::of(a))
            .prop_map(|(i, n, to)| Op::Send(i, n, to)),
        (s.clone(), 0usize..100_000, any::<u8>()).prop_map(|(i, n, f)| Op::Recv(i, n, f)),
        (s.clone(), -1i32..4).prop_map(|(i, h)| Op::Shutdown(i, h)),
        s.clone().prop_map(Op::Close),
        (s.clone(), any::<bool>()).prop_map(|(i, r)| Op::Reuse(i, r)),
        (s.clone(), any::<i32>()).prop_map(|(i, v)| Op::Bufs(i, v)),
        (s.clone(), proptest::option::of(0u32..3)).prop_map(|(i, l)| Op::Linger(i, l)),
        (s.clone(), -2i32..300).prop_map(|(i, t)| Op::Ttl(i, t)),
        (0u16..3000).prop_map(Op::Tick),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_calls_never_panic(ops in proptest::collection::vec(op(), 1..60)) {
        let mut st = Stack::new(Duration::ZERO, 11);
        let mut ids: Vec<SocketId> = Vec::new();
        let mut now = Duration::ZERO;
        let pick = |ids: &Vec<SocketId>, i: usize| ids.get(i % ids.len().max(1)).copied();
        let addr = |j: usize| ADDRS[j].parse::<SocketAddr>().unwrap();
        let mut buf = vec![0u8; 100_000];
        let data = vec![5u8; 200_000];
        for op in ops {
            match op {
                Op::Socket(v6, tcp) => {
                    let d = if v6 { Domain::Inet6 } else { Domain::Inet };
                    let t = if tcp { SockType::Stream } else { SockType::Dgram };
                    ids.push(st.socket(d, t));
                }
                Op::Bind(i, j) => if let Some(id) = pick(&ids, i) { let _ = st.bind(id, addr(j)); },
                Op::Listen(i, b) => if let Some(id) = pick(&ids, i) { let _ = st.listen(id, b); },
                Op::Accept(i) => if let Some(id) = pick(&ids, i) {
                    if let Ok((c, _)) = st.accept(id) { ids.push(c); }
                },
                Op::Connect(i, j) => if let Some(id) = pick(&ids, i) { let _ = st.connect(id, addr(j)); },
                Op::Disconnect(i) => if let Some(id) = pick(&ids, i) { let _ = st.disconnect(id); },
                Op::Send(i, n, to) => if let Some(id) = pick(&ids, i) {
                    let _ = st.send(id, &data[..n], to.map(addr));
                },
                Op::Recv(i, n, f) => if let Some(id) = pick(&ids, i) {
                    let flags = MsgFlags::from_bits_truncate(u32::from(f));
                    let _ = st.recv(id, &mut buf[..n], flags);
                },
                Op::Shutdown(i, h) => if let Some(id) = pick(&ids, i) { let _ = st.shutdown(id, h); },
                Op::Close(i) => if let Some(id) = pick(&ids, i) {
                    let _ = st.close(id);
                    ids.retain(|x| *x != id);
                },
                Op::Reuse(i, r) => if let Some(id) = pick(&ids, i) { let _ = st.set_reuse_addr(id, r); },
                Op::Bufs(i, v) => if let Some(id) = pick(&ids, i) {
                    let _ = st.set_recv_buffer(id, v);
                    let _ = st.set_send_buffer(id, v);
                },
                Op::Linger(i, l) => if let Some(id) = pick(&ids, i) { let _ = st.set_linger(id, l); },
                Op::Ttl(i, t) => if let Some(id) = pick(&ids, i) { let _ = st.set_ttl(id, t); },
                Op::Tick(ms) => {
                    now += Duration::from_millis(u64::from(ms));
                    st.poll(now);
                }
            }
            for &id in &ids {
                let _ = st.events(id);
                let _ = st.pending(id);
                let _ = st.local_addr(id);
                let _ = st.peer_addr(id);
                let _ = st.tcp_state(id);
            }
        }
        for id in ids {
            prop_assert!(st.close(id).is_ok());
        }
        st.poll(now + Duration::from_secs(600));
    }
}
