//! Console sessions: how long one lives, and its secrets. The cookie carries a random
//! token of which only the SHA-256 is kept (as for API keys); each session has its own
//! CSRF token, which forms carry and which is compared in constant time.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::{Person, hash_key, random_key};

/// A signed-in person's session, as read on each console request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// As stored now: a role change or a disabling applies from the next request.
    pub person: Person,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// How long a session may sit unused, and how long it may last at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionLimits {
    fn default() -> SessionLimits {
        SessionLimits {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

/// The times at or before which a session is over: for queries that remove dead ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCutoffs {
    /// Last seen at or before this: idle too long.
    pub seen_by: DateTime<Utc>,
    /// Created at or before this: too old, however busy.
    pub created_by: DateTime<Utc>,
}

impl SessionLimits {
    pub fn cutoffs(&self, now: DateTime<Utc>) -> SessionCutoffs {
        SessionCutoffs {
            seen_by: now - self.idle,
            created_by: now - self.absolute,
        }
    }
}

/// `last_seen_at` moves at most this often: a write per request would put every console
/// page behind the writer. The idle limit is therefore enforced up to this much early,
/// never late.
pub fn touch_every() -> Duration {
    Duration::minutes(1)
}

impl Session {
    /// Whether the session may still be used at `now`: its person is not disabled, it was
    /// used within `idle`, and it began within `absolute`.
    pub fn is_live(&self, now: DateTime<Utc>, idle: Duration, absolute: Duration) -> bool {
        let cut = SessionLimits { idle, absolute }.cutoffs(now);
        !self.person.is_disabled()
            && self.last_seen_at > cut.seen_by
            && self.created_at > cut.created_by
    }

    /// Whether using the session at `now` should move its `last_seen_at`.
    pub fn needs_touch(&self, now: DateTime<Utc>) -> bool {
        now - self.last_seen_at >= touch_every()
    }
}

/// A new session's secrets: the token for the cookie, the hash to keep, and the CSRF
/// token. Printing them shows nothing.
#[derive(Clone)]
pub struct SessionSecrets {
    pub token: String,
    pub token_hash: String,
    pub csrf_token: String,
}

impl std::fmt::Debug for SessionSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionSecrets(…)")
    }
}

/// 50 base-36 characters are 258 random bits; a new token for every login, never reused.
pub fn new_session_secrets() -> SessionSecrets {
    let token = random_key(50);
    SessionSecrets {
        token_hash: session_token_hash(&token),
        token,
        csrf_token: random_key(32),
    }
}

/// The token is long and random, so one SHA-256 is enough, as for API keys.
pub fn session_token_hash(token: &str) -> String {
    hash_key(token)
}

/// Whether a form's CSRF token is the session's. Both are hashed first and the digests
/// compared without stopping at the first difference, so neither the length nor how
/// much of a guess was right shows in the time taken.
pub fn csrf_matches(expected: &str, given: &str) -> bool {
    let a = Sha256::digest(expected.as_bytes());
    let b = Sha256::digest(given.as_bytes());
    let diff = a
        .iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    !expected.is_empty() && diff == 0
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::Role;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, h, m, 0).unwrap()
    }

    fn session(created: DateTime<Utc>, seen: DateTime<Utc>) -> Session {
        Session {
            person: Person {
                id: "person_a".into(),
                email: "kim@example.com".into(),
                role: Role::Editor,
                created_at: t(0, 0),
                disabled_at: None,
                last_login_at: None,
            },
            csrf_token: "c".into(),
            created_at: created,
            last_seen_at: seen,
        }
    }

    #[test]
    fn a_session_ends_after_the_idle_limit() {
        let l = SessionLimits::default();
        let s = session(t(9, 0), t(9, 10));
        assert!(s.is_live(t(9, 39), l.idle, l.absolute));
        assert!(
            !s.is_live(t(9, 40), l.idle, l.absolute),
            "30 minutes unused"
        );
        assert!(s.is_live(t(9, 14), Duration::minutes(5), l.absolute));
        assert!(!s.is_live(t(9, 15), Duration::minutes(5), l.absolute));
    }

    #[test]
    fn a_session_ends_after_the_absolute_limit_however_busy() {
        let l = SessionLimits::default();
        let s = session(t(9, 0), t(20, 59));
        assert!(s.is_live(t(20, 59), l.idle, l.absolute));
        assert!(!s.is_live(t(21, 0), l.idle, l.absolute), "12 hours");
    }

    #[test]
    fn a_disabled_persons_session_is_over() {
        let l = SessionLimits::default();
        let mut s = session(t(9, 0), t(9, 0));
        s.person.disabled_at = Some(t(9, 1));
        assert!(!s.is_live(t(9, 2), l.idle, l.absolute));
    }

    #[test]
    fn cutoffs_agree_with_is_live() {
        let l = SessionLimits::default();
        let c = l.cutoffs(t(10, 0));
        assert_eq!(c.seen_by, t(9, 30));
        assert_eq!(c.created_by, t(22, 0) - Duration::days(1));
    }

    #[test]
    fn last_seen_moves_at_most_once_a_minute() {
        let s = session(t(9, 0), t(9, 10));
        assert!(!s.needs_touch(t(9, 10) + Duration::seconds(59)));
        assert!(s.needs_touch(t(9, 11)));
    }

    #[test]
    fn secrets_are_long_random_and_only_the_hash_is_kept() {
        let a = new_session_secrets();
        let b = new_session_secrets();
        assert_eq!(a.token.len(), 50);
        assert_ne!(a.token, b.token);
        assert_ne!(a.csrf_token, b.csrf_token);
        assert_eq!(a.token_hash, session_token_hash(&a.token));
        assert_eq!(a.token_hash.len(), 64);
        let shown = format!("{a:?}");
        assert!(!shown.contains(&a.token) && !shown.contains(&a.csrf_token));
    }

    #[test]
    fn csrf_tokens_match_only_exactly() {
        let s = new_session_secrets();
        assert!(csrf_matches(&s.csrf_token, &s.csrf_token));
        assert!(!csrf_matches(&s.csrf_token, &s.csrf_token[1..]));
        assert!(!csrf_matches(&s.csrf_token, ""));
        assert!(!csrf_matches(&s.csrf_token, &s.csrf_token.to_uppercase()));
        assert!(!csrf_matches("", ""), "an empty token matches nothing");
    }
}
