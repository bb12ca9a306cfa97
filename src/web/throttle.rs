//! Throttling failed authentication: each client address (IPv6 by /64), each key prefix
//! and each console login name gets a bucket of failures that refills with time. Only
//! failures spend from it, so a correct key always goes through, whatever others behind
//! the same address do; a password login is also checked before it is tried (`check`),
//! because a password, unlike a key, can be guessed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Who a failure is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A client address; IPv6 addresses by their /64, which one client usually holds.
    Address(IpAddr),
    /// The first characters of the key that was tried: one key guessed from many places.
    KeyPrefix(String),
    /// The email a console login was tried for: one person's password guessed from many
    /// places.
    Login(String),
    /// Everyone else, once too many subjects are tracked at once.
    Overflow,
}

impl Subject {
    pub fn address(ip: IpAddr) -> Subject {
        match ip {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                Subject::Address(IpAddr::V6(net))
            }
            v4 => Subject::Address(v4),
        }
    }

    /// The key's first 11 characters (`ps_` and 8 more): enough to tell keys apart,
    /// far too few to help a guesser.
    pub fn key_prefix(token: &str) -> Subject {
        Subject::KeyPrefix(token.chars().take(11).collect())
    }
}

/// How many failures in a row, and how fast they are forgiven.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub burst: u32,
    pub refill_every: Duration,
    pub max_subjects: usize,
}

impl Policy {
    /// `burst` failures at once, then one every `refill_every`.
    pub fn auth(burst: u32, refill_every: Duration) -> Policy {
        Policy {
            burst,
            refill_every,
            max_subjects: 100_000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn refill(&mut self, policy: &Policy, now: Instant) {
        let gained = now.saturating_duration_since(self.at).as_secs_f64()
            / policy.refill_every.as_secs_f64();
        self.tokens = (self.tokens + gained).min(f64::from(policy.burst));
        self.at = now;
    }

    fn wait(&self, policy: &Policy) -> Duration {
        policy.refill_every.mul_f64((1.0 - self.tokens).max(0.0))
    }
}

pub struct FailureThrottle {
    policy: Policy,
    buckets: Mutex<HashMap<Subject, Bucket>>,
}

impl FailureThrottle {
    pub fn new(policy: Policy) -> FailureThrottle {
        FailureThrottle {
            policy,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(wait)` when any subject has no failures left, without spending any: asked
    /// before a password is tried, so a throttled guesser learns nothing, right or wrong.
    pub fn check(&self, subjects: &[Subject], now: Instant) -> Result<(), Duration> {
        let policy = &self.policy;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait: Option<Duration> = None;
        for subject in subjects {
            if let Some(bucket) = buckets.get_mut(subject) {
                bucket.refill(policy, now);
                if bucket.tokens < 1.0 {
                    let w = bucket.wait(policy);
                    wait = Some(wait.map_or(w, |x| x.max(w)));
                }
            }
        }
        wait.map_or(Ok(()), Err)
    }

    /// Counts a failure against each subject. `Err(wait)` when any of them had no
    /// failures left: the client should be told to come back after `wait`.
    pub fn failed(&self, subjects: &[Subject], now: Instant) -> Result<(), Duration> {
        let policy = &self.policy;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() + subjects.len() > policy.max_subjects {
            // Forget the forgiven: buckets that have refilled completely.
            buckets.retain(|_, b| {
                b.refill(policy, now);
                b.tokens < f64::from(policy.burst)
            });
        }
        let mut wait: Option<Duration> = None;
        for subject in subjects {
            let subject = if buckets.len() >= policy.max_subjects && !buckets.contains_key(subject)
            {
                &Subject::Overflow
            } else {
                subject
            };
            let bucket = buckets.entry(subject.clone()).or_insert(Bucket {
                tokens: f64::from(policy.burst),
                at: now,
            });
            bucket.refill(policy, now);
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
            } else {
                let w = bucket.wait(policy);
                wait = Some(wait.map_or(w, |x| x.max(w)));
            }
        }
        match wait {
            None => Ok(()),
            Some(w) => Err(w),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy {
        burst: 3,
        refill_every: Duration::from_secs(2),
        max_subjects: 4,
    };

    fn ip(s: &str) -> Subject {
        Subject::address(s.parse().unwrap())
    }

    #[test]
    fn a_burst_is_allowed_then_refused_until_forgiven() {
        let t = FailureThrottle::new(POLICY);
        let now = Instant::now();
        let me = [ip("198.51.100.7")];
        for _ in 0..3 {
            assert_eq!(t.failed(&me, now), Ok(()));
        }
        let wait = t.failed(&me, now).unwrap_err();
        assert_eq!(wait, Duration::from_secs(2));
        // Others are not affected.
        assert_eq!(t.failed(&[ip("198.51.100.8")], now), Ok(()));
        // After one refill period, one more failure is forgiven.
        assert_eq!(t.failed(&me, now + Duration::from_secs(2)), Ok(()));
        assert!(t.failed(&me, now + Duration::from_secs(2)).is_err());
    }

    #[test]
    fn a_check_spends_nothing_and_refuses_once_the_failures_are_spent() {
        let t = FailureThrottle::new(POLICY);
        let now = Instant::now();
        let me = [ip("198.51.100.7"), Subject::Login("a@example.com".into())];
        for _ in 0..10 {
            assert_eq!(t.check(&me, now), Ok(()), "checking is free");
        }
        for _ in 0..3 {
            assert_eq!(t.failed(&me, now), Ok(()));
        }
        assert_eq!(t.check(&me, now), Err(Duration::from_secs(2)));
        assert_eq!(t.check(&me, now + Duration::from_secs(2)), Ok(()));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        assert_eq!(ip("2001:db8:1:2::1"), ip("2001:db8:1:2:ffff::9"));
        assert_ne!(ip("2001:db8:1:2::1"), ip("2001:db8:1:3::1"));
    }

    #[test]
    fn one_key_guessed_from_many_addresses_is_throttled_by_its_prefix() {
        let t = FailureThrottle::new(Policy {
            max_subjects: 100,
            ..POLICY
        });
        let now = Instant::now();
        let key = Subject::key_prefix("ps_abcdefgh_rest_of_the_key");
        for n in 0..3 {
            let from = ip(&format!("203.0.113.{n}"));
            assert_eq!(t.failed(&[from, key.clone()], now), Ok(()));
        }
        assert!(t.failed(&[ip("203.0.113.200"), key], now).is_err());
    }

    #[test]
    fn too_many_subjects_share_one_bucket_instead_of_growing_memory() {
        let t = FailureThrottle::new(POLICY);
        let now = Instant::now();
        for n in 0..20 {
            let _ = t.failed(&[ip(&format!("192.0.2.{n}"))], now);
        }
        assert!(t.buckets.lock().unwrap().len() <= POLICY.max_subjects + 1);
    }
}
