//! `/console/incidents/{id}/report`: an incident's report, printable — its key moments,
//! figures, a timeline chart drawn here as inline SVG, and the timeline as a table that
//! holds the same facts as the chart.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::Console;
use super::pages::{Frame, Refused, html};
use super::session::{Refusal, Signed};
use crate::admin::{read_report, scope};
use crate::domain::incident_report::{DetectedBy, EventKind, Report};
use crate::domain::texts::{IncidentReportTexts, incident_report_texts, texts};
use crate::domain::{Component, ComponentId, Incident, Lang};
use crate::error::Error;
use crate::snapshot::TimeFormat;
use crate::store::{self, Reader};

#[derive(Template)]
#[template(path = "console/incident_report.html")]
struct ReportPage {
    frame: Frame,
    rt: &'static IncidentReportTexts,
    id: String,
    title: String,
    /// Label and value of each key moment.
    moments: Vec<(&'static str, String)>,
    figures: Vec<(&'static str, String)>,
    /// Channel name and minutes.
    affected: Vec<(String, i64)>,
    chart: Chart,
    rows: Vec<Row>,
}

struct Row {
    when: String,
    iso: String,
    what: &'static str,
    status: &'static str,
    promised: String,
    /// "On time" / "Late", empty without a promise.
    kept: &'static str,
    late: bool,
    eta: String,
    message: String,
}

/// `GET /console/incidents/{id}/report`.
pub async fn show(
    State(state): State<Console>,
    signed: Signed<scope::Read>,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let now = state.clock.now();
    let read = state
        .store
        .read(Reader::Operator, move |tx| {
            let report = read_report(tx, &id, now)?;
            let components = store::all_components(tx, false)?;
            Ok::<_, Error>((report, components))
        })
        .await;
    let ((incident, report), components) = match read {
        Ok(found) => found,
        Err(e) => return Ok(Refused::failed(lang, e).into_response()),
    };
    let page = page(&signed, &incident, &report, &components, &state.time(lang));
    Ok(html(StatusCode::OK, &page))
}

fn page(
    signed: &Signed<scope::Read>,
    i: &Incident,
    r: &Report,
    components: &[Component],
    time: &TimeFormat,
) -> ReportPage {
    let lang = signed.lang;
    let rt = incident_report_texts(lang);
    let words = texts(lang);
    let title = i.title.get(lang).to_string();
    let name = |id: &ComponentId| {
        components
            .iter()
            .find(|c| &c.id == id)
            .map_or_else(|| id.to_string(), |c| c.name.get(lang).to_string())
    };
    let at = |t: Option<DateTime<Utc>>, none: &'static str| {
        t.map_or_else(|| none.to_string(), |t| time.date_time(t))
    };
    let detected = match (r.detected_at, r.detected_by) {
        (Some(t), Some(by)) => {
            let by = match by {
                DetectedBy::Alert => rt.by_alert,
                DetectedBy::Reports => rt.by_reports,
            };
            format!("{} ({by})", time.date_time(t))
        }
        _ => rt.unknown.to_string(),
    };
    let moments = vec![
        (rt.started, time.date_time(r.started_at)),
        (rt.detected, detected),
        (rt.first_notice, at(r.first_notice_at, rt.not_yet)),
        (rt.resolved, at(r.resolved_at, rt.not_yet)),
        (rt.postmortem, at(r.postmortem_at, rt.not_yet)),
    ];
    let f = &r.figures;
    let lasted = |secs: Option<i64>, none: &'static str| {
        secs.map_or_else(
            || none.to_string(),
            |s| time.duration(r.started_at, r.started_at + Duration::seconds(s.abs())),
        )
    };
    let eta_error = match f.first_eta_error_seconds {
        None => rt.unknown.to_string(),
        Some(s) => {
            let side = if s < 0 {
                rt.later_than_said
            } else {
                rt.earlier_than_said
            };
            format!("{} ({side})", lasted(Some(s), rt.unknown))
        }
    };
    let on_time = if f.updates_promised == 0 {
        rt.no_promises.to_string()
    } else {
        format!("{} / {}", f.updates_on_time, f.updates_promised)
    };
    let figures = vec![
        (
            rt.time_to_first_notice,
            lasted(f.time_to_first_notice_seconds, rt.not_yet),
        ),
        (rt.duration, lasted(f.duration_seconds, rt.not_yet)),
        (rt.updates_total, f.updates_total.to_string()),
        (rt.updates_on_time, on_time),
        (rt.first_eta_error, eta_error),
    ];
    let affected = f
        .affected_minutes_by_component
        .iter()
        .map(|(c, m)| (name(c), *m))
        .collect();
    let rows = r
        .timeline
        .iter()
        .map(|e| {
            let eta = match e.kind {
                EventKind::EtaRevised => {
                    let new = e
                        .eta
                        .map_or(rt.eta_withdrawn.to_string(), |t| time.date_time(t));
                    match e.previous_eta {
                        Some(p) => format!("{new} ({} {})", rt.eta_from, time.date_time(p)),
                        None => new,
                    }
                }
                _ => e.eta.map(|t| time.date_time(t)).unwrap_or_default(),
            };
            let message = match (e.kind, e.detected_by) {
                (EventKind::Detected, Some(DetectedBy::Alert)) => rt.by_alert.to_string(),
                (EventKind::Detected, Some(DetectedBy::Reports)) => rt.by_reports.to_string(),
                _ => e
                    .message
                    .as_ref()
                    .map(|m| m.get(lang).to_string())
                    .unwrap_or_default(),
            };
            Row {
                when: time.date_time(e.at),
                iso: time.iso(e.at),
                what: rt.event(e.kind),
                status: e.status.map_or("", |s| words.notice_status(s)),
                promised: e.promised_at.map(|t| time.date_time(t)).unwrap_or_default(),
                kept: match e.on_time {
                    Some(true) => rt.on_time,
                    Some(false) => rt.late,
                    None => "",
                },
                late: e.on_time == Some(false),
                eta,
                message,
            }
        })
        .collect();
    ReportPage {
        frame: Frame::new(
            lang,
            format!("{} · {title}", rt.title),
            Some(&signed.session),
        ),
        rt,
        id: i.id.clone(),
        chart: chart(r, time.tz, time.now, lang, &name),
        title,
        moments,
        figures,
        affected,
        rows,
    }
}

// ---- the chart --------------------------------------------------------------------------

const WIDTH: f64 = 800.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 10.0;
const ROW: f64 = 28.0;

/// The timeline chart, already laid out: the template only writes these numbers.
struct Chart {
    width: f64,
    height: f64,
    axis_y: f64,
    axis_from: f64,
    axis_to: f64,
    ticks: Vec<Tick>,
    lanes: Vec<Lane>,
    bars: Vec<Bar>,
    /// ETA revisions: dotted vertical lines.
    lines: Vec<Line>,
    marks: Vec<Mark>,
    marks_label_y: f64,
    /// Something (the postmortem) happened after the chart's end.
    beyond: bool,
}

struct Tick {
    x: f64,
    label: String,
    label_y: f64,
}

struct Lane {
    label: String,
    label_y: f64,
}

struct Bar {
    x: f64,
    y: f64,
    width: f64,
    label: String,
}

struct Line {
    x: f64,
    y1: f64,
    y2: f64,
    label: String,
}

struct Mark {
    /// An SVG path's `d`: the shape says what the mark is (see `Shape`).
    d: String,
    class: &'static str,
    label: String,
}

#[derive(Clone, Copy)]
enum Shape {
    Diamond,
    Circle,
    Triangle,
    Square,
}

impl Shape {
    fn path(self, x: f64, y: f64) -> String {
        match self {
            Shape::Diamond => format!("M{x:.1},{:.1} l7,7 l-7,7 l-7,-7 Z", y - 7.0),
            Shape::Circle => format!("M{:.1},{y:.1} a6,6 0 1,0 12,0 a6,6 0 1,0 -12,0 Z", x - 6.0),
            Shape::Triangle => format!("M{x:.1},{:.1} l7,13 l-14,0 Z", y - 7.0),
            Shape::Square => format!("M{:.1},{:.1} h12 v12 h-12 Z", x - 6.0, y - 6.0),
        }
    }
}

fn chart(
    r: &Report,
    tz: Tz,
    now: DateTime<Utc>,
    lang: Lang,
    name: &dyn Fn(&ComponentId) -> String,
) -> Chart {
    let rt = incident_report_texts(lang);
    let start = r.detected_at.map_or(r.started_at, |d| d.min(r.started_at));
    let last_said = r
        .timeline
        .iter()
        .filter(|e| e.kind != EventKind::Postmortem)
        .map(|e| e.at)
        .max()
        .unwrap_or(r.started_at);
    let mut end = r.resolved_at.unwrap_or(now).max(last_said);
    if end <= start {
        end = start + Duration::minutes(1);
    }
    let span = (end - start).num_milliseconds() as f64;
    let plot = WIDTH - LEFT - RIGHT;
    let x = |t: DateTime<Utc>| {
        let t = t.clamp(start, end);
        LEFT + (t - start).num_milliseconds() as f64 / span * plot
    };
    let hm = |t: DateTime<Utc>| t.with_timezone(&tz).format("%H:%M").to_string();

    let channels: Vec<&ComponentId> = r.outages.keys().collect();
    let marks_y = TOP + channels.len() as f64 * ROW + ROW / 2.0;
    let axis_y = marks_y + ROW / 2.0 + 6.0;
    let lanes = channels
        .iter()
        .enumerate()
        .map(|(n, c)| Lane {
            label: name(c),
            label_y: TOP + n as f64 * ROW + ROW / 2.0 + 4.0,
        })
        .collect();
    let mut bars = Vec::new();
    for (n, c) in channels.iter().enumerate() {
        for (a, b) in &r.outages[*c] {
            let (xa, xb) = (x(*a), x(*b));
            bars.push(Bar {
                x: xa,
                y: TOP + n as f64 * ROW + 6.0,
                width: (xb - xa).max(2.0),
                label: format!("{}: {}–{}", name(c), hm(*a), hm(*b)),
            });
        }
    }
    let mut lines = Vec::new();
    let mut marks = Vec::new();
    for e in &r.timeline {
        if e.at > end {
            continue;
        }
        let shape = match (e.kind, e.on_time) {
            (EventKind::FirstNotice, _) => Some((Shape::Diamond, "notice")),
            (EventKind::Update, Some(false)) => Some((Shape::Triangle, "late")),
            (EventKind::Update, _) => Some((Shape::Circle, "on-time")),
            (EventKind::Resolved, _) => Some((Shape::Square, "resolved")),
            _ => None,
        };
        let mut label = format!("{} {}", hm(e.at), rt.event(e.kind));
        match e.on_time {
            Some(true) => label.push_str(&format!(" ({})", rt.on_time)),
            Some(false) => label.push_str(&format!(" ({})", rt.late)),
            None => {}
        }
        if let Some((shape, class)) = shape {
            marks.push(Mark {
                d: shape.path(x(e.at), marks_y),
                class,
                label,
            });
        } else if e.kind == EventKind::EtaRevised {
            let eta = e.eta.map_or(rt.eta_withdrawn.to_string(), hm);
            lines.push(Line {
                x: x(e.at),
                y1: TOP,
                y2: axis_y,
                label: format!("{label}: {eta}"),
            });
        }
    }
    Chart {
        width: WIDTH,
        height: axis_y + 26.0,
        axis_y,
        axis_from: LEFT,
        axis_to: WIDTH - RIGHT,
        ticks: ticks(start, end, tz)
            .into_iter()
            .map(|t| Tick {
                x: x(t),
                label: hm(t),
                label_y: axis_y + 18.0,
            })
            .collect(),
        lanes,
        bars,
        lines,
        marks,
        marks_label_y: marks_y + 4.0,
        beyond: r.timeline.iter().any(|e| e.at > end),
    }
}

/// Round times in the zone between `start` and `end`, eight at most.
fn ticks(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> Vec<DateTime<Utc>> {
    const STEPS: [i64; 12] = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];
    let minutes = (end - start).num_minutes().max(1);
    let step = STEPS
        .into_iter()
        .find(|s| minutes / s <= 8)
        .unwrap_or(minutes / 8 + 1);
    // Minutes on the zone's clock, so ticks fall on its round times.
    let local = start.with_timezone(&tz).naive_local().and_utc().timestamp();
    let first = (local + step * 60 - 1).div_euclid(step * 60) * step * 60;
    let mut t = start + Duration::seconds(first - local);
    let mut out = Vec::new();
    while t <= end && out.len() < 10 {
        out.push(t);
        t += Duration::minutes(step);
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn ticks_fall_on_round_times_of_the_zone() {
        let tz: Tz = "Asia/Seoul".parse().unwrap();
        let start = Utc.with_ymd_and_hms(2026, 11, 25, 5, 3, 0).unwrap();
        let end = start + Duration::minutes(62);
        let got: Vec<String> = ticks(start, end, tz)
            .iter()
            .map(|t| t.with_timezone(&tz).format("%H:%M").to_string())
            .collect();
        assert_eq!(got, ["14:10", "14:20", "14:30", "14:40", "14:50", "15:00"]);
    }
}
