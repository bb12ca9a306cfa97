//! Customers' failure reports: "결제가 안 되나요?" on the public page, one button per
//! channel. Anyone can press a button, so a report never changes anything public; what it
//! can do is tell operators early, when many different customers report one channel at
//! once (a *spike*).
//!
//! The rules, all in this file:
//! - **Who**: a client is its address (an IPv6 address by its /64, which one client
//!   usually holds), kept only as an HMAC-SHA256 with a random key of the day
//!   ([`client_hash`]); the address itself is never stored.
//! - **Counting**: one report per client per channel per [`DEDUPE_INTERVAL`] counts
//!   ([`counts`]); a press within it is thanked but not counted.
//! - **Reporters now**: the counted reports of a channel in the sliding [`WINDOW`]
//!   (`(now − 5 min, now]`). Since a client counts at most once per 30 minutes, that is the
//!   number of distinct reporters.
//! - **Usual rate**: the channel's counted reports in the 24 hours before the window,
//!   `(now − 24 h, now − 5 min]`, per window: that count divided by the 287 windows it
//!   spans ([`usual_rate`]). A channel with no history has a usual rate of 0.
//! - **Spike**: at least the threshold (`PAYSTATUS_REPORT_THRESHOLD`, default 20) reporters
//!   now and at least [`SPIKE_FACTOR`] times the usual rate ([`SpikeRule::required`]). It
//!   ends when the reporters now fall below the threshold it started with.
//! - **Forgetting**: counted reports (channel and time, nothing else) after [`HISTORY`]; a
//!   client's hash once its dedupe interval has passed; a day's key once no report can
//!   need it any more ([`key_days`]).

use std::net::IpAddr;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hmac::{KeyInit, Mac};

use super::ComponentId;

/// The sliding window reporters are counted in.
pub const WINDOW: Duration = Duration::minutes(5);
/// A client's report to one channel counts once per this interval.
pub const DEDUPE_INTERVAL: Duration = Duration::minutes(30);
/// How far back the usual rate looks; counted reports older than this are deleted.
pub const HISTORY: Duration = Duration::hours(24);
/// A spike is at least this many times the usual rate.
pub const SPIKE_FACTOR: f64 = 5.0;
/// `PAYSTATUS_REPORT_THRESHOLD`'s default.
pub const DEFAULT_THRESHOLD: u32 = 20;

/// Whether a report counts, given when this client's last counted report to the same
/// channel was (`None`: none within memory).
pub fn counts(last_counted: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_counted.is_none_or(|last| now - last >= DEDUPE_INTERVAL)
}

/// Counted reports at or before this time have left the window: the window is
/// `(window_start, now]`.
pub fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - WINDOW
}

/// The usual rate looks at `(history_start, window_start]`; counted reports at or before
/// `history_start` are forgotten.
pub fn history_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - HISTORY
}

/// Clients whose last counted report is at or before this can count again, so their
/// hashes are no longer needed.
pub fn clients_needed_after(now: DateTime<Utc>) -> DateTime<Utc> {
    now - DEDUPE_INTERVAL
}

/// How many windows the usual rate's history spans: (24 h − 5 min) / 5 min = 287.
pub fn windows_in_history() -> f64 {
    (HISTORY - WINDOW).num_seconds() as f64 / WINDOW.num_seconds() as f64
}

/// Reporters per window, usually: the counted reports of the history before the window,
/// spread over its windows.
pub fn usual_rate(counted_in_history: u64) -> f64 {
    counted_in_history as f64 / windows_in_history()
}

/// When a channel's reports make a spike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpikeRule {
    /// Reporters in the window, at least (`PAYSTATUS_REPORT_THRESHOLD`).
    pub threshold: u32,
}

impl SpikeRule {
    /// Reporters in the window a spike needs, given the usual rate: the threshold, or five
    /// times the usual rate when that is more.
    pub fn required(self, usual: f64) -> u64 {
        let by_rate = (usual.max(0.0) * SPIKE_FACTOR).ceil();
        // Lossless for any realistic rate; a nonsense rate (infinite) asks the impossible.
        let by_rate = if by_rate.is_finite() && by_rate < u64::MAX as f64 {
            by_rate as u64
        } else {
            u64::MAX
        };
        u64::from(self.threshold).max(by_rate)
    }

    pub fn is_spike(self, reporters: u64, usual: f64) -> bool {
        reporters >= self.required(usual)
    }
}

/// Whether a spike that started with `threshold` goes on with `reporters` in the window.
pub fn still_spiking(reporters: u64, threshold: u32) -> bool {
    reporters >= u64::from(threshold)
}

/// A spike of reports on one channel, as stored. Its event (`reports.spike`) has the same id.
#[derive(Debug, Clone, PartialEq)]
pub struct Spike {
    pub event_id: String,
    pub component: ComponentId,
    pub started_at: DateTime<Utc>,
    /// Reporters in the window when it started.
    pub reporters: u64,
    /// The usual rate then (reporters per window).
    pub usual: f64,
    /// The threshold in force when it started; it ends below this.
    pub threshold: u32,
    pub ended_at: Option<DateTime<Utc>>,
}

/// A random key for one day's client hashes. Kept in memory only (never in the database
/// or its backups), so a stored hash cannot be turned back into an address by trying
/// every address.
pub fn new_report_key() -> [u8; 32] {
    super::ids::random_bytes()
}

/// The day (UTC) whose key hashes clients at `now`.
pub fn key_day(now: DateTime<Utc>) -> NaiveDate {
    now.date_naive()
}

/// The days whose keys may be needed at `now`: today's, and yesterday's while a report
/// counted under it is still inside its dedupe interval. Any other day's key is forgotten.
pub fn key_days(now: DateTime<Utc>) -> Vec<NaiveDate> {
    let today = key_day(now);
    let earliest = key_day(clients_needed_after(now));
    if earliest < today {
        vec![today, earliest]
    } else {
        vec![today]
    }
}

/// The client as reports know it: the HMAC-SHA256 of its address (an IPv6 address by its
/// /64) with the day's key.
pub fn client_hash(key: &[u8; 32], client: IpAddr) -> [u8; 32] {
    let normalized = match client {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    };
    // HMAC pads a key shorter than SHA-256's 64-byte block with zeros: the padded key
    // gives the same MAC, through the constructor that cannot fail.
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new(&block.into());
    mac.update(normalized.to_string().as_bytes());
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, h, m, s).unwrap()
    }

    const RULE: SpikeRule = SpikeRule { threshold: 20 };

    #[test]
    fn the_client_hash_is_the_hmac_of_the_key_as_given() {
        let key = [7u8; 32];
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(b"203.0.113.9");
        let expected: [u8; 32] = mac.finalize().into_bytes().into();
        assert_eq!(client_hash(&key, "203.0.113.9".parse().unwrap()), expected);
    }

    #[test]
    fn without_history_a_spike_needs_just_the_threshold() {
        let usual = usual_rate(0);
        assert_eq!(usual, 0.0);
        assert_eq!(RULE.required(usual), 20);
        assert!(!RULE.is_spike(19, usual));
        assert!(RULE.is_spike(20, usual));
        assert!(RULE.is_spike(37, usual));
    }

    #[test]
    fn the_usual_rate_is_the_history_spread_over_its_287_windows() {
        assert_eq!(windows_in_history(), 287.0);
        // 2,870 counted reports in the day before: 10 per five minutes, usually.
        assert_eq!(usual_rate(2_870), 10.0);
        assert_eq!(usual_rate(287), 1.0);
        assert!((usual_rate(1) - 1.0 / 287.0).abs() < 1e-12);
    }

    #[test]
    fn with_history_a_spike_needs_five_times_the_usual_rate_when_that_is_more() {
        // Usually 10 per window: 5 × 10 = 50 > 20.
        let busy = usual_rate(2_870);
        assert_eq!(RULE.required(busy), 50);
        assert!(!RULE.is_spike(49, busy));
        assert!(RULE.is_spike(50, busy));
        // Usually 2 per window (574 in the day): 5 × 2 = 10 < 20, the threshold rules.
        let quiet = usual_rate(574);
        assert_eq!(RULE.required(quiet), 20);
        assert!(RULE.is_spike(20, quiet));
        // 1,435 in the day: exactly 5 per window, 25 needed; one more report: 5.0035 per
        // window, 25.02 rounded up to 26.
        assert_eq!(RULE.required(usual_rate(1_435)), 25);
        assert_eq!(RULE.required(usual_rate(1_436)), 26);
        // A lower threshold.
        let low = SpikeRule { threshold: 3 };
        assert_eq!(low.required(0.0), 3);
        assert_eq!(low.required(usual_rate(287)), 5);
    }

    #[test]
    fn a_spike_lasts_while_the_window_holds_its_threshold() {
        assert!(still_spiking(20, 20));
        assert!(!still_spiking(19, 20));
        // Even if the usual rate made it need more to start.
        assert!(still_spiking(30, 20));
    }

    #[test]
    fn one_report_per_client_and_channel_counts_per_30_minutes() {
        let first = t(5, 0, 0);
        assert!(counts(None, first));
        assert!(!counts(Some(first), first));
        assert!(!counts(Some(first), t(5, 29, 59)));
        assert!(counts(Some(first), t(5, 30, 0)));
        assert!(counts(Some(first), t(9, 0, 0)));
    }

    #[test]
    fn the_window_is_the_last_five_minutes_and_the_history_the_day_before_it() {
        let now = t(14, 5, 0);
        assert_eq!(window_start(now), t(14, 0, 0));
        assert_eq!(
            history_start(now),
            Utc.with_ymd_and_hms(2026, 11, 24, 14, 5, 0).unwrap()
        );
        assert_eq!(clients_needed_after(now), t(13, 35, 0));
    }

    #[test]
    fn what_is_older_than_a_day_is_forgotten() {
        let now = t(14, 5, 0);
        let day_ago = Utc.with_ymd_and_hms(2026, 11, 24, 14, 5, 0).unwrap();
        // Reports at or before history_start are deleted; one a second later is kept.
        assert!(day_ago <= history_start(now));
        assert!(day_ago + Duration::seconds(1) > history_start(now));
        // Yesterday's key is kept only through the first 30 minutes of today.
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        assert_eq!(key_days(t(0, 10, 0)), [day(25), day(24)]);
        assert_eq!(key_days(t(0, 30, 0)), [day(25)]);
        assert_eq!(key_days(t(14, 5, 0)), [day(25)]);
    }

    #[test]
    fn a_client_is_a_keyed_hash_of_its_address_or_its_64() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let one = client_hash(&a, ip("203.0.113.9"));
        assert_eq!(one, client_hash(&a, ip("203.0.113.9")));
        assert_ne!(one, client_hash(&a, ip("203.0.113.10")));
        assert_ne!(one, client_hash(&b, ip("203.0.113.9")), "another day's key");
        assert_eq!(
            client_hash(&a, ip("2001:db8:1:2::1")),
            client_hash(&a, ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            client_hash(&a, ip("2001:db8:1:2::1")),
            client_hash(&a, ip("2001:db8:1:3::1"))
        );
        assert_eq!(one, client_hash(&a, ip("::ffff:203.0.113.9")));
        assert_ne!(new_report_key(), new_report_key());
    }
}
