//! Per-client-address accounting: the token bucket (rate) and counters of what
//! an address holds at once (connections, trace downloads). Addresses are keyed
//! as the TCP peer's: IPv4, or IPv6 by /64 (one subscriber's usual allocation).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The key a client address is counted under: IPv4 (also when IPv4-mapped), IPv6 by /64.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// A token bucket per client address, refilled at `rate` per second up to `burst`.
pub struct Limiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Limiter {
    /// `rate` 0 turns the limit off.
    pub fn new(rate: f64, burst: u32) -> Limiter {
        Limiter { rate, burst: burst.max(1) as f64, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes `tokens` (at most the bucket's size, so that anything can pass
    /// eventually), or says how long to wait until they are there.
    pub fn take(&self, ip: IpAddr, tokens: f64) -> Result<(), Duration> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let want = tokens.clamp(0.0, self.burst);
        let now = Instant::now();
        let (rate, burst) = (self.rate, self.burst);
        let mut m = self.buckets.lock().expect("limiter lock");
        if m.len() >= 100_000 {
            m.retain(|_, (tokens, at)| *tokens + rate * now.duration_since(*at).as_secs_f64() < burst);
        }
        let (have, at) = m.entry(client_key(ip)).or_insert((burst, now));
        *have = (*have + rate * now.duration_since(*at).as_secs_f64()).min(burst);
        *at = now;
        if *have >= want {
            *have -= want;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((want - *have) / rate))
        }
    }

    /// Like `take`, waiting for the tokens instead of failing.
    pub async fn take_waiting(&self, ip: IpAddr, tokens: f64) {
        while let Err(wait) = self.take(ip, tokens) {
            tokio::time::sleep(wait).await;
        }
    }
}

/// Whole seconds to put in Retry-After for a wait.
pub fn retry_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

/// How many of something each client address holds at once, at most `limit` (0: no limit).
pub struct PerAddress {
    limit: usize,
    counts: Mutex<HashMap<IpAddr, usize>>,
}

/// One of what a [`PerAddress`] counts; given back when dropped.
pub struct Held {
    owner: Arc<PerAddress>,
    key: IpAddr,
}

impl PerAddress {
    pub fn new(limit: usize) -> Arc<PerAddress> {
        Arc::new(PerAddress { limit, counts: Mutex::new(HashMap::new()) })
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// One more for `ip`, or None if it already holds `limit`.
    pub fn enter(self: &Arc<Self>, ip: IpAddr) -> Option<Held> {
        let key = client_key(ip);
        let mut m = self.counts.lock().expect("counter lock");
        let n = m.entry(key).or_insert(0);
        if self.limit > 0 && *n >= self.limit {
            return None;
        }
        *n += 1;
        Some(Held { owner: self.clone(), key })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut m = self.owner.counts.lock().expect("counter lock");
        if let Some(n) = m.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_is_counted_by_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        let counter = PerAddress::new(1);
        let held = counter.enter(a).unwrap();
        assert!(counter.enter(b).is_none());
        assert!(counter.enter(c).is_some());
        drop(held);
        assert!(counter.enter(b).is_some());
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(client_key(mapped), "10.0.0.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn big_takes_are_capped_at_the_bucket() {
        let l = Limiter::new(1.0, 3);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(l.take(ip, 16.0).is_ok(), "more than the bucket costs the whole bucket");
        let wait = l.take(ip, 2.0).unwrap_err();
        assert!(wait > Duration::from_millis(1500) && wait <= Duration::from_secs(2), "{wait:?}");
    }
}
