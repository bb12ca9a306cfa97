//! The incident report: an incident's timeline as it was lived (started, detected, first
//! public notice, each update against its promise, ETA revisions, resolution, postmortem)
//! and the figures drawn from it; and the period report that sums them. Plain rules over
//! an [`IncidentRecord`]; the caller reads what detection needs from the store.
//!
//! The figures, exactly:
//! - `time_to_first_notice_seconds`: first public notice (`published_at`: the creation of
//!   a notice that was never a draft, else the moment its draft was published) minus
//!   `started_at`. Null while a draft.
//! - `duration_seconds`: `resolved_at` minus `started_at`. Null while unresolved.
//! - `affected_minutes_by_component`: per channel the incident named, whole minutes
//!   (rounded down) it was not operational in this incident's own timeline: from
//!   `started_at` for the channels the first update set, from the update's time for those
//!   set later, until an update set it back to operational, or the resolution (`now` while
//!   open). Every status but operational counts, slow included. A channel with no change
//!   recorded (a drill, or a draft published later) counts from `started_at`.
//! - `updates_total`: updates after the first, the resolution included, the postmortem's
//!   not (it comes after the outage).
//! - `updates_promised`: of those, the ones posted while a next-update promise was in
//!   force (the promise recorded with the update before).
//! - `updates_on_time`: of those, the ones posted at or before the promised time. The
//!   resolution is an update like any other: resolving after the promised time breaks the
//!   promise. A promise still outstanding at `now` counts nowhere (it is not kept or
//!   broken yet; the console flags it when overdue).
//! - `first_eta_error_seconds`: the first ETA given minus `resolved_at` (negative: it
//!   recovered later than first said). Null without an ETA or a resolution.
//!
//! Detected: the earliest of the first firing of a monitoring alert linked to the
//! incident, and the start of a spike of customers' reports on one of its channels that
//! began no more than [`DETECTION_LOOKBACK_MINUTES`] before `started_at` and before the
//! resolution (or `now`). Null when neither is known.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::{ComponentId, ComponentStatus, IncidentRecord, LocalizedText, Status};

/// How long before an incident's start a spike of reports on its channels still counts
/// as detecting it.
pub const DETECTION_LOOKBACK_MINUTES: i64 = 60;

/// What first told the operators, as the store knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetectedBy {
    /// A monitoring alert linked to the incident.
    Alert,
    /// A spike of customers' failure reports on one of its channels.
    Reports,
}

impl DetectedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            DetectedBy::Alert => "alert",
            DetectedBy::Reports => "reports",
        }
    }
}

/// The signals found for an incident: linked alerts' first firings and the starts of
/// report spikes on its channels (already limited to the window, see [`spike_window`]).
#[derive(Debug, Clone, Default)]
pub struct Signals {
    pub alerts_fired: Vec<DateTime<Utc>>,
    pub spikes_started: Vec<DateTime<Utc>>,
}

/// The window in which a spike of reports counts as detecting the incident.
pub fn spike_window(i: &IncidentRecord, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        i.started_at - Duration::minutes(DETECTION_LOOKBACK_MINUTES),
        i.resolved_at.unwrap_or(now),
    )
}

/// A span of time: from, until.
pub type Span = (DateTime<Utc>, DateTime<Utc>);

/// Per channel, the spans it was not operational.
pub type Outages = BTreeMap<ComponentId, Vec<Span>>;

/// What a timeline entry of the report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventKind {
    Started,
    Detected,
    FirstNotice,
    Update,
    EtaRevised,
    Resolved,
    Postmortem,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::Started,
        EventKind::Detected,
        EventKind::FirstNotice,
        EventKind::Update,
        EventKind::EtaRevised,
        EventKind::Resolved,
        EventKind::Postmortem,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Started => "started",
            EventKind::Detected => "detected",
            EventKind::FirstNotice => "first_notice",
            EventKind::Update => "update",
            EventKind::EtaRevised => "eta_revised",
            EventKind::Resolved => "resolved",
            EventKind::Postmortem => "postmortem",
        }
    }
}

/// One entry of the report's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    /// The incident's status after an update (first notice, update, resolution, postmortem).
    pub status: Option<Status>,
    /// For an update after the first: the next update promised before it, if any.
    pub promised_at: Option<DateTime<Utc>>,
    /// Whether it came at or before `promised_at` (null without a promise).
    pub on_time: Option<bool>,
    /// The ETA in force after it (for an ETA revision: the new ETA).
    pub eta: Option<DateTime<Utc>>,
    /// For an ETA revision: the ETA it replaced.
    pub previous_eta: Option<DateTime<Utc>>,
    /// The next update promised after it.
    pub next_update_at: Option<DateTime<Utc>>,
    pub message: Option<LocalizedText>,
    /// For detection: what detected it.
    pub detected_by: Option<DetectedBy>,
}

impl Event {
    fn bare(at: DateTime<Utc>, kind: EventKind) -> Event {
        Event {
            at,
            kind,
            status: None,
            promised_at: None,
            on_time: None,
            eta: None,
            previous_eta: None,
            next_update_at: None,
            message: None,
            detected_by: None,
        }
    }
}

/// The figures of one incident (defined in the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub time_to_first_notice_seconds: Option<i64>,
    pub duration_seconds: Option<i64>,
    pub affected_minutes_by_component: BTreeMap<ComponentId, i64>,
    pub updates_total: u32,
    pub updates_promised: u32,
    pub updates_on_time: u32,
    pub first_eta_error_seconds: Option<i64>,
}

/// An incident's report: its key moments, its timeline (oldest first) and its figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub started_at: DateTime<Utc>,
    pub detected_at: Option<DateTime<Utc>>,
    pub detected_by: Option<DetectedBy>,
    pub first_notice_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub postmortem_at: Option<DateTime<Utc>>,
    pub first_eta: Option<DateTime<Utc>>,
    pub timeline: Vec<Event>,
    pub figures: Figures,
    /// Per channel, the spans it was not operational (end: resolution or `now`).
    pub outages: Outages,
}

/// The report of `i` at `now`, given what detected it.
pub fn report(i: &IncidentRecord, signals: &Signals, now: DateTime<Utc>) -> Report {
    let detected = detection(signals);
    let postmortem_at = i
        .updates
        .iter()
        .find(|u| u.status == Status::Postmortem)
        .map(|u| u.created_at);
    let first_eta = i
        .eta_revisions
        .iter()
        .find_map(|r| r.eta)
        .or_else(|| i.updates.iter().find_map(|u| u.eta));
    let outages = outages(i, now);
    let mut figures = Figures {
        time_to_first_notice_seconds: i.published_at.map(|p| seconds(p - i.started_at)),
        duration_seconds: i.resolved_at.map(|r| seconds(r - i.started_at)),
        affected_minutes_by_component: outages
            .iter()
            .map(|(c, spans)| {
                let total: i64 = spans.iter().map(|(a, b)| seconds(*b - *a)).sum();
                (c.clone(), total / 60)
            })
            .collect(),
        updates_total: 0,
        updates_promised: 0,
        updates_on_time: 0,
        first_eta_error_seconds: match (first_eta, i.resolved_at) {
            (Some(eta), Some(r)) => Some(seconds(eta - r)),
            _ => None,
        },
    };

    let mut timeline = vec![Event::bare(i.started_at, EventKind::Started)];
    if let Some((at, by)) = detected {
        timeline.push(Event {
            detected_by: Some(by),
            ..Event::bare(at, EventKind::Detected)
        });
    }
    for (n, u) in i.updates.iter().enumerate() {
        let kind = match u.status {
            _ if n == 0 && i.published_at.is_some() => EventKind::FirstNotice,
            Status::Postmortem => EventKind::Postmortem,
            s if s.is_closed() => EventKind::Resolved,
            _ => EventKind::Update,
        };
        // A draft's first update went public when the draft was published.
        let at = match kind {
            EventKind::FirstNotice => i.published_at.unwrap_or(u.created_at),
            _ => u.created_at,
        };
        let mut event = Event {
            status: Some(u.status),
            eta: u.eta,
            next_update_at: u.next_update_at,
            message: Some(u.message.clone()),
            ..Event::bare(at, kind)
        };
        if n > 0 && u.status != Status::Postmortem {
            figures.updates_total += 1;
            if let Some(promised) = i.updates[n - 1].next_update_at {
                let on_time = u.created_at <= promised;
                figures.updates_promised += 1;
                figures.updates_on_time += u32::from(on_time);
                event.promised_at = Some(promised);
                event.on_time = Some(on_time);
            }
        }
        timeline.push(event);
    }
    for r in &i.eta_revisions {
        timeline.push(Event {
            eta: r.eta,
            previous_eta: r.previous,
            ..Event::bare(r.revised_at, EventKind::EtaRevised)
        });
    }
    // Oldest first; at the same moment, in the order of `EventKind` (an ETA revision
    // after the update that made it). The sort is stable: updates keep their order.
    timeline.sort_by_key(|e| (e.at, e.kind));

    Report {
        started_at: i.started_at,
        detected_at: detected.map(|d| d.0),
        detected_by: detected.map(|d| d.1),
        first_notice_at: i.published_at,
        resolved_at: i.resolved_at,
        postmortem_at,
        first_eta,
        timeline,
        figures,
        outages,
    }
}

fn seconds(d: Duration) -> i64 {
    d.num_seconds()
}

/// The earliest signal, an alert winning a tie.
fn detection(s: &Signals) -> Option<(DateTime<Utc>, DetectedBy)> {
    let alert = s.alerts_fired.iter().min().map(|t| (*t, DetectedBy::Alert));
    let spike = s
        .spikes_started
        .iter()
        .min()
        .map(|t| (*t, DetectedBy::Reports));
    match (alert, spike) {
        (Some(a), Some(s)) if s.0 < a.0 => Some(s),
        (Some(a), _) => Some(a),
        (None, s) => s,
    }
}

/// Per channel the incident named, the spans it was not operational in its timeline.
fn outages(i: &IncidentRecord, now: DateTime<Utc>) -> Outages {
    let end = i.resolved_at.unwrap_or(now).max(i.started_at);
    let mut spans: Outages = BTreeMap::new();
    let mut down_since: BTreeMap<ComponentId, DateTime<Utc>> = BTreeMap::new();
    let mut seen: Vec<ComponentId> = Vec::new();
    for (n, u) in i.updates.iter().enumerate() {
        // Past the resolution, changes are about other notices' channels, not this outage.
        if i.resolved_at.is_some_and(|r| u.created_at > r) {
            break;
        }
        let at = if n == 0 { i.started_at } else { u.created_at };
        for c in &u.changes {
            if !seen.contains(&c.component) {
                seen.push(c.component.clone());
            }
            let down = c.new != ComponentStatus::Operational && !u.status.is_closed();
            match (down, down_since.get(&c.component).copied()) {
                (true, None) => {
                    down_since.insert(c.component.clone(), at);
                }
                (false, Some(since)) => {
                    spans
                        .entry(c.component.clone())
                        .or_default()
                        .push((since, at.max(since)));
                    down_since.remove(&c.component);
                }
                _ => {}
            }
        }
    }
    for c in &i.components {
        if !seen.contains(&c.id) {
            down_since.entry(c.id.clone()).or_insert(i.started_at);
        }
        spans.entry(c.id.clone()).or_default();
    }
    for (c, since) in down_since {
        spans.entry(c).or_default().push((since, end.max(since)));
    }
    spans
}

/// What a period report sums: the reports of the public incidents that started in it.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodFigures {
    pub incidents: u32,
    /// Per channel, the sum of the incidents' affected minutes.
    pub downtime_minutes_by_component: BTreeMap<ComponentId, i64>,
    /// Median of `time_to_first_notice_seconds` over the incidents that have one (the
    /// mean of the two middle ones, rounded down, for an even count). Null without any.
    pub median_time_to_first_notice_seconds: Option<i64>,
    pub updates_promised: u32,
    pub updates_on_time: u32,
    /// `updates_on_time / updates_promised`; null when nothing was promised.
    pub promises_kept_share: Option<f64>,
}

/// Sums the figures of a period's incidents.
pub fn period<'a>(all: impl IntoIterator<Item = &'a Figures>) -> PeriodFigures {
    let mut p = PeriodFigures {
        incidents: 0,
        downtime_minutes_by_component: BTreeMap::new(),
        median_time_to_first_notice_seconds: None,
        updates_promised: 0,
        updates_on_time: 0,
        promises_kept_share: None,
    };
    let mut notices = Vec::new();
    for f in all {
        p.incidents += 1;
        for (c, m) in &f.affected_minutes_by_component {
            *p.downtime_minutes_by_component
                .entry(c.clone())
                .or_default() += m;
        }
        notices.extend(f.time_to_first_notice_seconds);
        p.updates_promised += f.updates_promised;
        p.updates_on_time += f.updates_on_time;
    }
    p.median_time_to_first_notice_seconds = median(&mut notices);
    p.promises_kept_share = (p.updates_promised > 0)
        .then(|| f64::from(p.updates_on_time) / f64::from(p.updates_promised));
    p
}

fn median(v: &mut [i64]) -> Option<i64> {
    v.sort_unstable();
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]).div_euclid(2)),
    }
}

#[cfg(test)]
mod tests;
