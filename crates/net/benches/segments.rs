//! Netstack hot paths: TCP segment processing through the loopback device
//! (a 64 KiB burst from one socket to its peer, drained), a UDP datagram
//! round, and a whole connection (handshake, accept, close).

use std::time::Duration;

use abi::socket::MsgFlags;
use abi::Errno;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use net::{Domain, SockType, SocketId, Stack};

const BURST: usize = 64 * 1024;

/// A stack with an established TCP pair: (stack, client, server side).
fn tcp_pair() -> (Stack, SocketId, SocketId) {
    let mut st = Stack::new(Duration::ZERO, 7);
    let l = st.socket(Domain::Inet, SockType::Stream);
    st.bind(l, "127.0.0.1:9000".parse().expect("address"))
        .expect("bind");
    st.listen(l, 8).expect("listen");
    let c = st.socket(Domain::Inet, SockType::Stream);
    assert_eq!(
        st.connect(c, "127.0.0.1:9000".parse().expect("address")),
        Err(Errno::EINPROGRESS)
    );
    let (s, _) = st.accept(l).expect("accept");
    (st, c, s)
}

/// Sends `data` from `c` and reads it all at `s`; panics if the stream
/// stalls (a benchmark of a broken stack must not loop forever).
fn transfer(st: &mut Stack, c: SocketId, s: SocketId, data: &[u8], buf: &mut [u8]) {
    let (mut sent, mut got, mut idle) = (0, 0, 0);
    while got < data.len() {
        let mut progress = false;
        if sent < data.len() {
            if let Ok(n) = st.send(c, &data[sent..], None) {
                sent += n;
                progress = n > 0;
            }
        }
        if let Ok(r) = st.recv(s, buf, MsgFlags::empty()) {
            got += r.len;
            progress |= r.len > 0;
        }
        idle = if progress { 0 } else { idle + 1 };
        assert!(idle < 100, "stream stalled at {got} of {}", data.len());
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("net");
    let data = vec![0x5au8; BURST];
    let mut buf = vec![0u8; BURST];
    let (mut st, cl, sv) = tcp_pair();
    g.throughput(Throughput::Bytes(BURST as u64));
    g.bench_function("tcp 64 KiB burst over loopback", |b| {
        b.iter(|| transfer(&mut st, cl, sv, &data, &mut buf))
    });

    g.throughput(Throughput::Elements(1));
    let mut st = Stack::new(Duration::ZERO, 9);
    let a = st.socket(Domain::Inet, SockType::Dgram);
    let z = st.socket(Domain::Inet, SockType::Dgram);
    st.bind(a, "127.0.0.1:7000".parse().expect("address"))
        .expect("bind");
    st.bind(z, "127.0.0.1:7001".parse().expect("address"))
        .expect("bind");
    let to = "127.0.0.1:7001".parse().expect("address");
    let msg = [1u8; 1024];
    g.bench_function("udp 1 KiB datagram send+recv", |b| {
        b.iter(|| {
            assert_eq!(st.send(a, &msg, Some(to)), Ok(msg.len()));
            let r = st.recv(z, &mut buf, MsgFlags::empty()).expect("datagram");
            assert_eq!(r.len, msg.len());
        })
    });

    g.bench_function("tcp connect+accept+close", |b| {
        b.iter(|| {
            let (mut st, c, s) = tcp_pair();
            st.close(c).expect("close client");
            st.close(s).expect("close server");
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
