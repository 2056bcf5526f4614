//! Property: a TCP byte stream arrives intact and in order whatever the
//! chunking of writes and reads, across partial writes and full windows.

use std::time::Duration;

use abi::socket::MsgFlags;
use abi::Errno;
use net::{Domain, SockType, Stack};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn stream_is_intact(
        data in proptest::collection::vec(any::<u8>(), 0..200_000),
        writes in proptest::collection::vec(1usize..70_000, 1..16),
        reads in proptest::collection::vec(1usize..70_000, 1..16),
        rcvbuf in 1024i32..100_000,
        nodelay in any::<bool>(),
    ) {
        let mut st = Stack::new(Duration::ZERO, 3);
        let l = st.socket(Domain::Inet, SockType::Stream);
        st.set_recv_buffer(l, rcvbuf).unwrap();
        st.bind(l, "127.0.0.1:9000".parse().unwrap()).unwrap();
        st.listen(l, 1).unwrap();
        let c = st.socket(Domain::Inet, SockType::Stream);
        st.set_nodelay(c, nodelay).unwrap();
        prop_assert_eq!(st.connect(c, "127.0.0.1:9000".parse().unwrap()), Err(Errno::EINPROGRESS));
        let (s, _) = st.accept(l).unwrap();
        let mut sent = 0;
        let mut got = Vec::with_capacity(data.len());
        let mut buf = vec![0u8; 70_000];
        let (mut wi, mut ri) = (0, 0);
        let mut idle = 0;
        while got.len() < data.len() {
            let mut progress = false;
            if sent < data.len() {
                let n = writes[wi % writes.len()].min(data.len() - sent);
                wi += 1;
                match st.send(c, &data[sent..sent + n], None) {
                    Ok(k) => { sent += k; progress = true; }
                    Err(Errno::EAGAIN) => {}
                    Err(e) => prop_assert!(false, "send: {:?}", e),
                }
            }
            let n = reads[ri % reads.len()];
            ri += 1;
            match st.recv(s, &mut buf[..n], MsgFlags::empty()) {
                Ok(r) => { got.extend_from_slice(&buf[..r.len]); progress |= r.len > 0; }
                Err(Errno::EAGAIN) => {}
                Err(e) => prop_assert!(false, "recv: {:?}", e),
            }
            idle = if progress { 0 } else { idle + 1 };
            prop_assert!(idle < 100, "stalled at {} of {}", got.len(), data.len());
        }
        prop_assert_eq!(got, data);
    }
}
