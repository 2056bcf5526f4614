//! When the network stack's timer thread next polls the stack: at the
//! stack's own deadline (`poll_delay`), never on a fixed tick, so an idle
//! sandbox costs no wake-ups. A deadline that stays "due at once" after a
//! poll (the stack wants to act but cannot until something else happens)
//! is retried with a doubling back-off instead of spinning.

use std::time::Duration;

/// The first retry after a poll left the stack still due at once.
const FIRST_RETRY: Duration = Duration::from_millis(1);
/// The longest back-off between retries of a deadline stuck at "now"; a
/// socket call polls the stack anyway, so only timers are late by this.
const MAX_RETRY: Duration = Duration::from_secs(1);

/// The timer thread's back-off state.
#[derive(Debug, Default)]
pub struct Schedule {
    retry: Option<Duration>,
}

impl Schedule {
    /// How long to sleep after a poll that left the stack needing the next
    /// one after `delay`: `None` means until a socket call wakes the thread.
    pub fn next(&mut self, delay: Option<Duration>) -> Option<Duration> {
        match delay {
            Some(d) if d.is_zero() => {
                let r = self.retry.map_or(FIRST_RETRY, |r| (r * 2).min(MAX_RETRY));
                self.retry = Some(r);
                Some(r)
            }
            other => {
                self.retry = None;
                other
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use net::{Domain, SockType, SocketId, Stack};
    use std::net::SocketAddr;

    /// The timer thread's loop over a fake clock: how many times it wakes
    /// in `span` of idle time, and the stack after.
    fn wakeups(st: &mut Stack, start: Duration, span: Duration) -> usize {
        wakeups_with(st, start, span, |st| st.poll_delay())
    }

    fn wakeups_with(
        st: &mut Stack,
        start: Duration,
        span: Duration,
        mut delay: impl FnMut(&mut Stack) -> Option<Duration>,
    ) -> usize {
        let mut sched = Schedule::default();
        let (mut now, end) = (start, start + span);
        let mut n = 0;
        loop {
            st.poll(now);
            let Some(wait) = sched.next(delay(st)) else {
                return n;
            };
            now += wait;
            if now > end {
                return n;
            }
            n += 1;
        }
    }

    fn listener(st: &mut Stack) -> SocketId {
        let l = st.socket(Domain::Inet, SockType::Stream);
        let addr: SocketAddr = "127.0.0.1:5555".parse().unwrap();
        assert_eq!(st.bind(l, addr), Ok(()));
        assert_eq!(st.listen(l, 4), Ok(()));
        l
    }

    const IDLE: Duration = Duration::from_secs(600);

    #[test]
    fn no_sockets_no_wakeups() {
        let mut st = Stack::new(Duration::ZERO, 1);
        assert_eq!(wakeups(&mut st, Duration::ZERO, IDLE), 0);
    }

    #[test]
    fn idle_listener_no_wakeups() {
        let mut st = Stack::new(Duration::ZERO, 1);
        listener(&mut st);
        assert_eq!(wakeups(&mut st, Duration::ZERO, IDLE), 0);
    }

    #[test]
    fn idle_connection_settles() {
        let mut st = Stack::new(Duration::ZERO, 1);
        let l = listener(&mut st);
        let c = st.socket(Domain::Inet, SockType::Stream);
        let to = st.local_addr(l).unwrap();
        let _ = st.connect(c, to);
        assert_eq!(st.finish_connect(c), Ok(()));
        assert!(st.accept(l).is_ok());
        assert_eq!(st.send(c, b"ping", None), Ok(4));
        // A delayed ACK or two at most, then silence for ten minutes.
        assert!(wakeups(&mut st, Duration::ZERO, IDLE) <= 4);
    }

    #[test]
    fn due_at_once_backs_off() {
        let mut st = Stack::new(Duration::ZERO, 1);
        listener(&mut st);
        // A stack stuck "due now": a spin would wake millions of times.
        let n = wakeups_with(&mut st, Duration::ZERO, IDLE, |_| Some(Duration::ZERO));
        assert!(n <= 620, "{n} wake-ups in ten idle minutes");
    }

    #[test]
    fn backoff_resets_on_a_real_deadline() {
        let mut s = Schedule::default();
        assert_eq!(s.next(Some(Duration::ZERO)), Some(FIRST_RETRY));
        assert_eq!(s.next(Some(Duration::ZERO)), Some(FIRST_RETRY * 2));
        assert_eq!(
            s.next(Some(Duration::from_millis(7))),
            Some(Duration::from_millis(7))
        );
        assert_eq!(s.next(Some(Duration::ZERO)), Some(FIRST_RETRY));
        assert_eq!(s.next(None), None);
    }
}
