//! Status history and uptime: why a channel's public status changed ([`StatusCause`]),
//! and the figures of the last 90 days computed from that history in plain Rust.
//!
//! The rules, as the page states them:
//! - a day is a day in the page's time zone; today counts up to now;
//! - `major_outage` counts as down, `partial_outage` as 30 % down, every other status
//!   (`degraded_performance` included) as up;
//! - maintenance (`under_maintenance`) is left out of the count altogether, and so is the
//!   time before a channel was added (channels seeded at first start count from the
//!   start of the period);
//! - a group is, minute by minute, the worst of its members that count then (as its
//!   status on the page is), and its uptime is computed from that.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::{ComponentId, ComponentStatus};

/// Days on the page and in `/api/v2/uptime.json`.
pub const UPTIME_DAYS: usize = 90;

/// How much of a partial outage counts as down.
pub const PARTIAL_WEIGHT: f64 = 0.3;

/// Why a channel's public status changed, recorded with the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusCause {
    /// An incident (its id): created, updated, published, resolved.
    Incident(String),
    /// A maintenance (its id) started, moved or completed.
    Maintenance(String),
    /// An operator set the status by hand.
    Manual,
    /// A monitoring alert (its key) fired or resolved.
    Alert(String),
    /// A flapping channel was let go.
    Flapping,
}

impl StatusCause {
    /// The stored kind (`incident`, `maintenance`, `manual`, `alert`, `flapping`).
    pub fn kind(&self) -> &'static str {
        match self {
            StatusCause::Incident(_) => "incident",
            StatusCause::Maintenance(_) => "maintenance",
            StatusCause::Manual => "manual",
            StatusCause::Alert(_) => "alert",
            StatusCause::Flapping => "flapping",
        }
    }

    /// The notice id or alert key it names, if any.
    pub fn reference(&self) -> Option<&str> {
        match self {
            StatusCause::Incident(id) | StatusCause::Maintenance(id) | StatusCause::Alert(id) => {
                Some(id)
            }
            StatusCause::Manual | StatusCause::Flapping => None,
        }
    }

    /// The notice (incident or maintenance) behind it, which a day links to.
    pub fn notice(&self) -> Option<&str> {
        match self {
            StatusCause::Incident(id) | StatusCause::Maintenance(id) => Some(id),
            _ => None,
        }
    }

    pub fn parse(kind: &str, reference: Option<String>) -> Option<StatusCause> {
        Some(match (kind, reference) {
            ("incident", Some(id)) => StatusCause::Incident(id),
            ("maintenance", Some(id)) => StatusCause::Maintenance(id),
            ("alert", Some(key)) => StatusCause::Alert(key),
            ("manual", _) => StatusCause::Manual,
            ("flapping", _) => StatusCause::Flapping,
            _ => return None,
        })
    }
}

/// One recorded change: from `at`, the channel is `status`, because of `notice` (if a
/// notice caused it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusPoint {
    pub at: DateTime<Utc>,
    pub status: ComponentStatus,
    pub notice: Option<String>,
}

/// One channel's history over the period, as read from the store.
#[derive(Debug, Clone)]
pub struct ChannelHistory {
    pub id: ComponentId,
    /// When it began to count: `None` from the start of the period (seeded channels).
    pub since: Option<DateTime<Utc>>,
    /// Its status when the period (or its life) began.
    pub initial: ComponentStatus,
    /// The changes within the period, oldest first.
    pub points: Vec<StatusPoint>,
}

/// The days of the period in the page's time zone, oldest first, and where each starts
/// and ends (the last ends now).
#[derive(Debug, Clone)]
pub struct Period {
    pub days: Vec<(NaiveDate, DateTime<Utc>, DateTime<Utc>)>,
    pub now: DateTime<Utc>,
}

impl Period {
    /// The `days` days ending with today (in `tz`) at `now`.
    pub fn ending(now: DateTime<Utc>, tz: Tz, days: usize) -> Period {
        let today = now.with_timezone(&tz).date_naive();
        let start_of = |d: NaiveDate| -> DateTime<Utc> {
            // Midnight exists in every zone this is used with; a zone that skips it
            // starts the day at its first instant.
            tz.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| {
                    tz.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN))
                        .with_timezone(&Utc)
                })
        };
        let list = (0..days)
            .rev()
            .filter_map(|back| today.checked_sub_days(chrono::Days::new(back as u64)))
            .map(|d| {
                let end = d.succ_opt().map(start_of).map_or(now, |e| e.min(now));
                (d, start_of(d), end)
            })
            .collect();
        Period { days: list, now }
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.days.first().map_or(self.now, |d| d.1)
    }
}

/// Seconds spent in each status (and not counted) in some stretch of time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Seconds {
    pub operational: i64,
    pub degraded: i64,
    pub partial: i64,
    pub major: i64,
    pub maintenance: i64,
    /// Before the channel was added.
    pub not_counted: i64,
}

impl Seconds {
    fn add(&mut self, status: Option<ComponentStatus>, s: i64) {
        let slot = match status {
            None => &mut self.not_counted,
            Some(ComponentStatus::Operational) => &mut self.operational,
            Some(ComponentStatus::DegradedPerformance) => &mut self.degraded,
            Some(ComponentStatus::PartialOutage) => &mut self.partial,
            Some(ComponentStatus::MajorOutage) => &mut self.major,
            Some(ComponentStatus::UnderMaintenance) => &mut self.maintenance,
        };
        *slot += s;
    }

    fn plus(self, o: Seconds) -> Seconds {
        Seconds {
            operational: self.operational + o.operational,
            degraded: self.degraded + o.degraded,
            partial: self.partial + o.partial,
            major: self.major + o.major,
            maintenance: self.maintenance + o.maintenance,
            not_counted: self.not_counted + o.not_counted,
        }
    }

    /// Seconds that count: neither maintenance nor before the channel existed.
    pub fn counted(&self) -> i64 {
        self.operational + self.degraded + self.partial + self.major
    }

    /// The share of counted time up, 0–1; `None` when nothing counted.
    pub fn ratio(&self) -> Option<f64> {
        let counted = self.counted();
        (counted > 0).then(|| {
            let down = self.major as f64 + PARTIAL_WEIGHT * self.partial as f64;
            1.0 - down / counted as f64
        })
    }

    /// The worst status seen (maintenance below every trouble); `None`: nothing at all.
    pub fn worst(&self) -> Option<ComponentStatus> {
        [
            (self.major, ComponentStatus::MajorOutage),
            (self.partial, ComponentStatus::PartialOutage),
            (self.degraded, ComponentStatus::DegradedPerformance),
            (self.maintenance, ComponentStatus::UnderMaintenance),
            (self.operational, ComponentStatus::Operational),
        ]
        .into_iter()
        .find(|(s, _)| *s > 0)
        .map(|(_, status)| status)
    }

    /// Whole minutes in `status` (a started minute counts as one).
    pub fn minutes(&self, status: ComponentStatus) -> i64 {
        let s = match status {
            ComponentStatus::Operational => self.operational,
            ComponentStatus::DegradedPerformance => self.degraded,
            ComponentStatus::PartialOutage => self.partial,
            ComponentStatus::MajorOutage => self.major,
            ComponentStatus::UnderMaintenance => self.maintenance,
        };
        (s + 59) / 60
    }
}

/// One day of one channel or group.
#[derive(Debug, Clone, PartialEq)]
pub struct UptimeDay {
    pub date: NaiveDate,
    pub seconds: Seconds,
    /// The notices that made it anything but operational, in the order they did.
    pub notices: Vec<String>,
}

impl UptimeDay {
    pub fn worst(&self) -> Option<ComponentStatus> {
        self.seconds.worst()
    }
}

/// A channel's or group's figures over the period.
#[derive(Debug, Clone, PartialEq)]
pub struct Uptime {
    pub id: ComponentId,
    pub days: Vec<UptimeDay>,
    pub total: Seconds,
}

impl Uptime {
    /// Every day but today (the last).
    pub fn past_days(&self) -> &[UptimeDay] {
        &self.days[..self.days.len().saturating_sub(1)]
    }

    /// Uptime over the period, 0–1; `None` when nothing counted (all maintenance).
    pub fn ratio(&self) -> Option<f64> {
        self.total.ratio()
    }
}

/// A stretch of time in one state: `None` is not counted (before the channel existed).
#[derive(Debug, Clone)]
struct Segment {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    status: Option<ComponentStatus>,
    notices: Vec<String>,
}

fn segments(h: &ChannelHistory, period: &Period) -> Vec<Segment> {
    let start = period.start();
    let end = period.now;
    let mut out = Vec::new();
    let mut from = start;
    let mut status = Some(h.initial);
    let mut notice: Option<String> = None;
    if let Some(since) = h.since.filter(|s| *s > start) {
        out.push(Segment {
            from: start,
            to: since.min(end),
            status: None,
            notices: Vec::new(),
        });
        from = since;
    }
    for p in &h.points {
        let at = p.at.clamp(start, end);
        if at > from {
            out.push(Segment {
                from,
                to: at,
                status,
                notices: notice.iter().cloned().collect(),
            });
            from = at;
        }
        status = Some(p.status);
        notice = p.notice.clone();
    }
    if end > from {
        out.push(Segment {
            from,
            to: end,
            status,
            notices: notice.into_iter().collect(),
        });
    }
    out
}

/// A group's stretches: at every moment the worst of the members that count then.
fn group_segments(members: &[Vec<Segment>], period: &Period) -> Vec<Segment> {
    let mut cuts: BTreeSet<DateTime<Utc>> = BTreeSet::new();
    cuts.insert(period.start());
    cuts.insert(period.now);
    for m in members {
        for s in m {
            cuts.insert(s.from);
            cuts.insert(s.to);
        }
    }
    let cuts: Vec<_> = cuts.into_iter().collect();
    let mut idx = vec![0usize; members.len()];
    let mut out: Vec<Segment> = Vec::new();
    for w in cuts.windows(2) {
        let (from, to) = (w[0], w[1]);
        let mut worst: Option<ComponentStatus> = None;
        let mut notices: Vec<String> = Vec::new();
        for (m, i) in members.iter().zip(idx.iter_mut()) {
            while *i < m.len() && m[*i].to <= from {
                *i += 1;
            }
            if let Some(seg) = m.get(*i).filter(|s| s.from <= from)
                && let Some(st) = seg.status
            {
                worst = Some(worst.map_or(st, |w| w.max(st)));
                if st != ComponentStatus::Operational {
                    for n in &seg.notices {
                        if !notices.contains(n) {
                            notices.push(n.clone());
                        }
                    }
                }
            }
        }
        out.push(Segment {
            from,
            to,
            status: worst,
            notices,
        });
    }
    out
}

fn tally(id: ComponentId, segments: &[Segment], period: &Period) -> Uptime {
    let mut days: Vec<UptimeDay> = period
        .days
        .iter()
        .map(|(date, _, _)| UptimeDay {
            date: *date,
            seconds: Seconds::default(),
            notices: Vec::new(),
        })
        .collect();
    for s in segments {
        for ((_, day_start, day_end), day) in period.days.iter().zip(days.iter_mut()) {
            let from = s.from.max(*day_start);
            let to = s.to.min(*day_end);
            if to <= from {
                continue;
            }
            day.seconds.add(s.status, (to - from).num_seconds());
            if s.status
                .is_some_and(|st| st != ComponentStatus::Operational)
            {
                for n in &s.notices {
                    if !day.notices.contains(n) {
                        day.notices.push(n.clone());
                    }
                }
            }
        }
    }
    let total = days
        .iter()
        .fold(Seconds::default(), |t, d| t.plus(d.seconds));
    Uptime { id, days, total }
}

/// A channel's figures over `period`.
pub fn channel_uptime(h: &ChannelHistory, period: &Period) -> Uptime {
    tally(h.id.clone(), &segments(h, period), period)
}

/// A group's figures over `period`, from its members' histories.
pub fn group_uptime(id: ComponentId, members: &[&ChannelHistory], period: &Period) -> Uptime {
    let segs: Vec<Vec<Segment>> = members.iter().map(|h| segments(h, period)).collect();
    if segs.is_empty() {
        // A group with no members counts nothing.
        let none = vec![Segment {
            from: period.start(),
            to: period.now,
            status: None,
            notices: Vec::new(),
        }];
        return tally(id, &none, period);
    }
    tally(id, &group_segments(&segs, period), period)
}

/// The ratio as the page shows it: two decimals, never rounded up to 100 % while
/// anything was down (99.999 % shows 99.99 %).
pub fn percent(ratio: f64) -> String {
    let hundredths = (ratio * 10_000.0).floor() / 100.0;
    format!("{hundredths:.2}")
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    /// `h` hours and `m` minutes after `base`.
    fn at(base: DateTime<Utc>, h: i64, m: i64) -> DateTime<Utc> {
        base + Duration::hours(h) + Duration::minutes(m)
    }

    const SEOUL: Tz = chrono_tz::Asia::Seoul;

    fn id(s: &str) -> ComponentId {
        ComponentId::parse(s, "id").unwrap()
    }

    /// Midnight of 2026-11-03 in Seoul (15:00 UTC the day before).
    fn nov3() -> DateTime<Utc> {
        SEOUL
            .with_ymd_and_hms(2026, 11, 3, 0, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn point(t: DateTime<Utc>, s: ComponentStatus, notice: Option<&str>) -> StatusPoint {
        StatusPoint {
            at: t,
            status: s,
            notice: notice.map(str::to_string),
        }
    }

    fn day(u: &Uptime, y: i32, m: u32, d: u32) -> &UptimeDay {
        let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        u.days.iter().find(|x| x.date == date).unwrap()
    }

    use ComponentStatus::*;

    #[test]
    fn the_period_is_ninety_seoul_days_ending_now() {
        // 2026-11-04 10:00 KST.
        let now = at(nov3(), 34, 0);
        let p = Period::ending(now, SEOUL, UPTIME_DAYS);
        assert_eq!(p.days.len(), 90);
        let last = p.days.last().unwrap();
        assert_eq!(last.0, NaiveDate::from_ymd_opt(2026, 11, 4).unwrap());
        assert_eq!(last.1, at(nov3(), 24, 0));
        assert_eq!(last.2, now, "today counts up to now");
        assert_eq!(p.days[0].0, NaiveDate::from_ymd_opt(2026, 8, 7).unwrap());
        assert_eq!(
            p.start().with_timezone(&SEOUL).time(),
            chrono::NaiveTime::MIN
        );
    }

    #[test]
    fn an_outage_crossing_midnight_in_seoul_is_split_between_the_two_days() {
        // 23:40 KST on Nov 3 to 00:22 KST on Nov 4: 20 minutes, then 22.
        let now = at(nov3(), 34, 0);
        let p = Period::ending(now, SEOUL, UPTIME_DAYS);
        let h = ChannelHistory {
            id: id("card"),
            since: None,
            initial: Operational,
            points: vec![
                point(at(nov3(), 23, 40), MajorOutage, Some("n1")),
                point(at(nov3(), 24, 22), Operational, Some("n1")),
            ],
        };
        let u = channel_uptime(&h, &p);
        let d3 = day(&u, 2026, 11, 3);
        assert_eq!(d3.seconds.major, 20 * 60);
        assert_eq!(d3.worst(), Some(MajorOutage));
        assert_eq!(d3.notices, ["n1"]);
        let d4 = day(&u, 2026, 11, 4);
        assert_eq!(d4.seconds.major, 22 * 60);
        assert_eq!(d4.seconds.operational, (10 * 60 - 22) * 60);
        // 89 whole days and 10 hours counted; 42 minutes down.
        let counted = (89 * 24 * 60 + 10 * 60) as f64;
        let expected = 1.0 - 42.0 / counted;
        assert!((u.ratio().unwrap() - expected).abs() < 1e-12);
        assert_eq!(day(&u, 2026, 11, 2).worst(), Some(Operational));
    }

    #[test]
    fn a_partial_outage_counts_thirty_percent_down_and_slowness_counts_up() {
        let now = at(nov3(), 24, 0); // midnight: Nov 3 is whole, Nov 4 has not begun
        let p = Period::ending(now, SEOUL, 1);
        assert_eq!(p.days[0].0, NaiveDate::from_ymd_opt(2026, 11, 4).unwrap());
        // One whole day, Nov 3: 100 minutes partial, 60 slow.
        let p = Period::ending(now - Duration::seconds(1), SEOUL, 1);
        let p = Period {
            days: vec![(p.days[0].0, p.days[0].1, now)],
            now,
        };
        let h = ChannelHistory {
            id: id("kakaopay"),
            since: None,
            initial: Operational,
            points: vec![
                point(at(nov3(), 10, 0), PartialOutage, None),
                point(at(nov3(), 11, 40), DegradedPerformance, None),
                point(at(nov3(), 12, 40), Operational, None),
            ],
        };
        let u = channel_uptime(&h, &p);
        let d = &u.days[0];
        assert_eq!(d.seconds.minutes(PartialOutage), 100);
        assert_eq!(d.seconds.minutes(DegradedPerformance), 60);
        assert_eq!(d.worst(), Some(PartialOutage));
        // 1440 minutes counted, 30 % of 100 down.
        let expected = 1.0 - 30.0 / 1440.0;
        assert!((u.ratio().unwrap() - expected).abs() < 1e-12);
        assert_eq!(percent(u.ratio().unwrap()), "97.91");
    }

    #[test]
    fn a_maintenance_window_is_left_out_of_the_count() {
        let now = at(nov3(), 24, 0);
        let p = Period {
            days: vec![(NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(), nov3(), now)],
            now,
        };
        // 00:00–00:30 maintenance, then 01:00–01:36 down.
        let h = ChannelHistory {
            id: id("bank-transfer"),
            since: None,
            initial: Operational,
            points: vec![
                point(nov3(), UnderMaintenance, Some("m1")),
                point(at(nov3(), 0, 30), Operational, Some("m1")),
                point(at(nov3(), 1, 0), MajorOutage, Some("n2")),
                point(at(nov3(), 1, 36), Operational, Some("n2")),
            ],
        };
        let u = channel_uptime(&h, &p);
        assert_eq!(u.total.maintenance, 30 * 60);
        assert_eq!(u.total.counted(), (1440 - 30) * 60);
        let expected = 1.0 - 36.0 / 1410.0;
        assert!((u.ratio().unwrap() - expected).abs() < 1e-12);
        assert_eq!(
            u.days[0].worst(),
            Some(MajorOutage),
            "maintenance ranks below"
        );
        assert_eq!(u.days[0].notices, ["m1", "n2"]);
    }

    #[test]
    fn a_channel_added_mid_period_counts_from_when_it_was_added() {
        let now = at(nov3(), 24, 0);
        // Nov 1 to Nov 3, and Nov 4 which has not begun.
        let p = Period::ending(now, SEOUL, 4);
        assert_eq!(p.days[3].1, p.days[3].2, "today is empty at midnight");
        // Added Nov 2 at 12:00 KST; down 144 minutes on Nov 3.
        let added = at(nov3(), -12, 0);
        let h = ChannelHistory {
            id: id("payco"),
            since: Some(added),
            initial: Operational,
            points: vec![
                point(at(nov3(), 3, 0), MajorOutage, None),
                point(at(nov3(), 5, 24), Operational, None),
            ],
        };
        let u = channel_uptime(&h, &p);
        assert_eq!(u.days[0].worst(), None, "Nov 1: not there yet");
        assert_eq!(u.days[0].seconds.not_counted, 86_400);
        assert_eq!(u.days[1].seconds.not_counted, 12 * 3600);
        assert_eq!(u.days[1].seconds.operational, 12 * 3600);
        // 12 + 24 hours counted, 144 minutes down.
        let expected = 1.0 - 144.0 / 2160.0;
        assert!((u.ratio().unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn a_group_is_the_worst_of_its_members_minute_by_minute() {
        let now = at(nov3(), 24, 0);
        let p = Period {
            days: vec![(NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(), nov3(), now)],
            now,
        };
        let kakao = ChannelHistory {
            id: id("kakaopay"),
            since: None,
            initial: Operational,
            points: vec![
                point(at(nov3(), 10, 0), MajorOutage, Some("a")),
                point(at(nov3(), 11, 0), Operational, Some("a")),
            ],
        };
        let naver = ChannelHistory {
            id: id("naverpay"),
            since: None,
            initial: Operational,
            points: vec![
                point(at(nov3(), 10, 30), PartialOutage, Some("b")),
                point(at(nov3(), 12, 0), Operational, Some("b")),
            ],
        };
        let g = group_uptime(id("easy-pay"), &[&kakao, &naver], &p);
        let d = &g.days[0];
        assert_eq!(d.seconds.major, 60 * 60, "10:00–11:00 major");
        assert_eq!(d.seconds.partial, 60 * 60, "11:00–12:00 partial only");
        assert_eq!(d.notices, ["a", "b"]);
        let expected = 1.0 - (60.0 + 0.3 * 60.0) / 1440.0;
        assert!((g.ratio().unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn the_percentage_never_rounds_up_to_a_hundred() {
        assert_eq!(percent(0.99999), "99.99");
        assert_eq!(percent(1.0), "100.00");
        assert_eq!(percent(0.5), "50.00");
    }
}
