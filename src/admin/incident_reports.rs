//! Incident reports: `/incidents/{id}/report` (JSON, or the timeline as CSV) and the
//! period report `/reports`. The rules and the figures' definitions are in
//! `domain::incident_report`; this module reads, shapes and documents them.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rusqlite::Transaction;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Admin;
use super::auth::{Auth, scope};
use super::openapi as doc;
use super::query::{LocalDate, QueryParams, ReportFormat, ReportFormatValue};
use super::views::{self, ApiTime, TextView};
use super::write::json_response;
use crate::domain::incident_report::{self, DetectedBy, EventKind, Figures, Report};
use crate::domain::{FieldErrors, Incident, Kind, Status};
use crate::error::Error;
use crate::service::notices;
use crate::snapshot::api_time;
use crate::store::{self, Reader};

/// The longest period a report covers, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;

pub fn router() -> OpenApiRouter<Admin> {
    OpenApiRouter::new()
        .routes(routes!(incident_report))
        .routes(routes!(period_report))
}

/// The incident `id` (not a maintenance) and its report at `now`.
pub fn read_report(
    tx: &Transaction,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(Incident, Report), Error> {
    let incident = notices::load(tx, id, Kind::Incident)?;
    let signals = store::report_signals(tx, &incident, now)?;
    let report = incident_report::report(&incident, &signals, now);
    Ok((incident, report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `json` (default), or `csv`: the timeline, one row per entry, with a header row.
    #[param(inline)]
    format: Option<ReportFormatValue>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The first day, in the page's time zone.
    #[param(inline)]
    from: LocalDate,
    /// The last day (included), in the page's time zone; at most 366 days after `from`.
    #[param(inline)]
    to: LocalDate,
}

/// What detected an incident.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Detection {
    /// A monitoring alert linked to the incident.
    Alert,
    /// A spike of customers' failure reports on one of its channels.
    Reports,
}

impl From<DetectedBy> for Detection {
    fn from(d: DetectedBy) -> Detection {
        match d {
            DetectedBy::Alert => Detection::Alert,
            DetectedBy::Reports => Detection::Reports,
        }
    }
}

/// What a timeline entry is.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportEventKind {
    Started,
    Detected,
    FirstNotice,
    Update,
    EtaRevised,
    Resolved,
    Postmortem,
}

impl From<EventKind> for ReportEventKind {
    fn from(k: EventKind) -> ReportEventKind {
        match k {
            EventKind::Started => ReportEventKind::Started,
            EventKind::Detected => ReportEventKind::Detected,
            EventKind::FirstNotice => ReportEventKind::FirstNotice,
            EventKind::Update => ReportEventKind::Update,
            EventKind::EtaRevised => ReportEventKind::EtaRevised,
            EventKind::Resolved => ReportEventKind::Resolved,
            EventKind::Postmortem => ReportEventKind::Postmortem,
        }
    }
}

/// One entry of the report's timeline, oldest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ReportEvent)]
pub struct ReportEventView {
    at: ApiTime,
    kind: ReportEventKind,
    /// The incident's status after this entry (for notices and updates).
    status: Option<Status>,
    /// For an update after the first: the next update promised before it.
    promised_at: Option<ApiTime>,
    /// Whether it came at or before `promised_at`; null without a promise.
    on_time: Option<bool>,
    /// The ETA in force after it (for `eta_revised`: the new ETA, null when withdrawn).
    eta: Option<ApiTime>,
    /// For `eta_revised`: the ETA it replaced.
    previous_eta: Option<ApiTime>,
    /// The next update promised after it.
    next_update_at: Option<ApiTime>,
    message: Option<TextView>,
    /// For `detected`: what detected it.
    detected_by: Option<Detection>,
}

/// The figures of one incident.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = IncidentFigures)]
pub struct FiguresView {
    /// First public notice minus `started_at` (null while a draft; for a draft published
    /// later, counted from its publishing).
    time_to_first_notice_seconds: Option<i64>,
    /// `resolved_at` minus `started_at`; null while unresolved.
    duration_seconds: Option<i64>,
    /// Per channel the incident named: whole minutes (rounded down) it was not
    /// operational in this incident's timeline — from `started_at` for the channels of the
    /// first update (from the update's time for later ones) until an update set it back
    /// to operational, or the resolution (now, while open). Slow counts as affected.
    affected_minutes_by_component: BTreeMap<String, i64>,
    /// Updates after the first, the resolution included, the postmortem not.
    updates_total: u32,
    /// Of those, the ones posted while a next-update promise was in force.
    updates_promised: u32,
    /// Of those, the ones posted at or before the promised time (a resolution after the
    /// promised time breaks it; a promise still outstanding counts nowhere).
    updates_on_time: u32,
    /// The first ETA given minus `resolved_at` (negative: recovered later than first
    /// said); null without an ETA or a resolution.
    first_eta_error_seconds: Option<i64>,
}

impl From<&Figures> for FiguresView {
    fn from(f: &Figures) -> FiguresView {
        FiguresView {
            time_to_first_notice_seconds: f.time_to_first_notice_seconds,
            duration_seconds: f.duration_seconds,
            affected_minutes_by_component: f
                .affected_minutes_by_component
                .iter()
                .map(|(c, m)| (c.as_str().to_string(), *m))
                .collect(),
            updates_total: f.updates_total,
            updates_promised: f.updates_promised,
            updates_on_time: f.updates_on_time,
            first_eta_error_seconds: f.first_eta_error_seconds,
        }
    }
}

/// An incident's report: its key moments, figures and timeline.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = IncidentReport)]
pub struct IncidentReportView {
    id: String,
    title: TextView,
    status: Status,
    draft: bool,
    drill: bool,
    started_at: ApiTime,
    /// The earliest of a linked monitoring alert's first firing and the start of a spike
    /// of customers' reports on the incident's channels (from an hour before
    /// `started_at` until the resolution); null when neither is known.
    detected_at: Option<ApiTime>,
    detected_by: Option<Detection>,
    /// When the notice went public (null while a draft).
    first_notice_at: Option<ApiTime>,
    resolved_at: Option<ApiTime>,
    /// When the postmortem was published.
    postmortem_at: Option<ApiTime>,
    /// The first ETA given.
    first_eta: Option<ApiTime>,
    figures: FiguresView,
    timeline: Vec<ReportEventView>,
}

impl IncidentReportView {
    pub fn new(i: &Incident, r: &Report, tz: Tz) -> IncidentReportView {
        let maybe = |t| ApiTime::maybe(t, tz);
        IncidentReportView {
            id: i.id.clone(),
            title: (&i.title).into(),
            status: i.status,
            draft: i.draft,
            drill: i.drill,
            started_at: ApiTime::new(r.started_at, tz),
            detected_at: maybe(r.detected_at),
            detected_by: r.detected_by.map(Into::into),
            first_notice_at: maybe(r.first_notice_at),
            resolved_at: maybe(r.resolved_at),
            postmortem_at: maybe(r.postmortem_at),
            first_eta: maybe(r.first_eta),
            figures: (&r.figures).into(),
            timeline: r
                .timeline
                .iter()
                .map(|e| ReportEventView {
                    at: ApiTime::new(e.at, tz),
                    kind: e.kind.into(),
                    status: e.status,
                    promised_at: maybe(e.promised_at),
                    on_time: e.on_time,
                    eta: maybe(e.eta),
                    previous_eta: maybe(e.previous_eta),
                    next_update_at: maybe(e.next_update_at),
                    message: e.message.as_ref().map(Into::into),
                    detected_by: e.detected_by.map(Into::into),
                })
                .collect(),
        }
    }
}

/// The header row of the CSV timeline.
pub const CSV_HEADER: &str =
    "at,kind,status,promised_at,on_time,eta,previous_eta,next_update_at,message_ko,message_en";

/// The report's timeline as CSV: a header row, then one row per entry, times in the
/// page's zone (RFC 3339), every field quoted. A message that a spreadsheet would take for
/// a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) gets
/// a `'` put before it, so opening the file runs nothing.
pub fn timeline_csv(r: &Report, tz: Tz) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let text = |s: &str| {
        if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_string()
        }
    };
    let time = |t: Option<DateTime<Utc>>| t.map(|t| api_time(t, tz)).unwrap_or_default();
    let mut out = format!("{CSV_HEADER}\n");
    for e in &r.timeline {
        let fields = [
            api_time(e.at, tz),
            e.kind.as_str().to_string(),
            e.status.map(|s| s.as_str().to_string()).unwrap_or_default(),
            time(e.promised_at),
            e.on_time.map(|b| b.to_string()).unwrap_or_default(),
            time(e.eta),
            time(e.previous_eta),
            time(e.next_update_at),
            e.message.as_ref().map(|m| text(&m.ko)).unwrap_or_default(),
            e.message
                .as_ref()
                .and_then(|m| m.en.as_deref().map(text))
                .unwrap_or_default(),
        ];
        let row: Vec<String> = fields.iter().map(|f| quote(f)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// Report on an incident
///
/// Its timeline (started, detected, first public notice, each update with its promised
/// and actual time, every ETA revision, resolution, postmortem) and its figures, each
/// defined in the `IncidentFigures` schema. `?format=csv` sends the timeline as CSV with a
/// header row (`at,kind,status,promised_at,on_time,eta,previous_eta,next_update_at,message_ko,message_en`).
/// Drafts and drills have reports too. Scope: `read`.
#[utoipa::path(
    get,
    path = "/incidents/{id}/report",
    operation_id = "getIncidentReport",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id"), ReportQuery),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "The report, or its timeline as CSV", content(
            (IncidentReportView = "application/json"),
            (String = "text/csv"),
        )),
        doc::Refused,
        doc::NotFound,
        doc::BadQuery,
    ),
)]
async fn incident_report(
    State(state): State<Admin>,
    _: Auth<scope::Read>,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<ReportQuery>,
) -> Result<Response, Error> {
    let mut errors = FieldErrors::default();
    let format = ReportFormatValue::read(&q.format, "format", ReportFormat::Json, &mut errors);
    errors.into_result().map_err(Error::Invalid)?;
    let now = state.clock.now();
    let (incident, report) = state
        .store
        .read(Reader::Operator, move |tx| read_report(tx, &id, now))
        .await?;
    match format {
        ReportFormat::Json => {
            let body = views::json(&IncidentReportView::new(&incident, &report, state.timezone))?;
            Ok(json_response(StatusCode::OK, &body, None, false))
        }
        ReportFormat::Csv => {
            let mut r = (StatusCode::OK, timeline_csv(&report, state.timezone)).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(r)
        }
    }
}

/// A period's incident figures, summed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PeriodReport)]
pub struct PeriodReportView {
    /// The first day, in the page's time zone.
    from: String,
    /// The last day, included.
    to: String,
    /// Public incidents (no drafts, no drills) that started in the period.
    incidents: u32,
    /// Per channel, the sum of those incidents' `affected_minutes_by_component`.
    downtime_minutes_by_component: BTreeMap<String, i64>,
    /// The median of their `time_to_first_notice_seconds` (for an even count, the mean of
    /// the two middle ones, rounded down); null without incidents.
    median_time_to_first_notice_seconds: Option<i64>,
    /// The sum of their `updates_promised`.
    updates_promised: u32,
    /// The sum of their `updates_on_time`.
    updates_on_time: u32,
    /// `updates_on_time / updates_promised`, from 0 to 1; null when nothing was promised.
    promises_kept_share: Option<f64>,
}

/// Report on a period
///
/// Sums the figures of the public incidents that started from `from` to `to` (days in
/// the page's time zone, both included, at most 366 days): how many, minutes of downtime
/// per channel, the median time to the first public notice, and the share of promised
/// updates that came on time. Scope: `read`.
#[utoipa::path(
    get,
    path = "/reports",
    operation_id = "getPeriodReport",
    tag = "incidents",
    params(PeriodQuery),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "The period's figures", body = PeriodReportView),
        doc::Refused,
        doc::BadQuery,
    ),
)]
async fn period_report(
    State(state): State<Admin>,
    _: Auth<scope::Read>,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> Result<Response, Error> {
    let tz = state.timezone;
    let (from, to, start, end) = period_bounds(&q, tz)?;
    let now = state.clock.now();
    let figures = state
        .store
        .read(Reader::Operator, move |tx| {
            period_figures(tx, start, end, now)
        })
        .await?;
    let p = incident_report::period(&figures);
    let view = PeriodReportView {
        from: from.to_string(),
        to: to.to_string(),
        incidents: p.incidents,
        downtime_minutes_by_component: p
            .downtime_minutes_by_component
            .iter()
            .map(|(c, m)| (c.as_str().to_string(), *m))
            .collect(),
        median_time_to_first_notice_seconds: p.median_time_to_first_notice_seconds,
        updates_promised: p.updates_promised,
        updates_on_time: p.updates_on_time,
        promises_kept_share: p.promises_kept_share,
    };
    Ok(json_response(
        StatusCode::OK,
        &views::json(&view)?,
        None,
        false,
    ))
}

/// The days asked for and the instants they span, or every problem with them.
fn period_bounds(
    q: &PeriodQuery,
    tz: Tz,
) -> Result<(NaiveDate, NaiveDate, DateTime<Utc>, DateTime<Utc>), Error> {
    let mut errors = FieldErrors::default();
    let from = LocalDate::read(&Some(q.from.clone()), "from", NaiveDate::MIN, &mut errors);
    let to = LocalDate::read(&Some(q.to.clone()), "to", NaiveDate::MIN, &mut errors);
    errors.into_result().map_err(Error::Invalid)?;
    if from > to {
        return Err(Error::invalid("to", "must not be before `from`"));
    }
    if (to - from).num_days() >= MAX_PERIOD_DAYS {
        return Err(Error::invalid(
            "to",
            format!("a period covers at most {MAX_PERIOD_DAYS} days"),
        ));
    }
    let start = day_start(from, tz);
    let end = to.succ_opt().and_then(|d| day_start(d, tz));
    match (start, end) {
        (Some(start), Some(end)) => Ok((from, to, start, end)),
        _ => Err(Error::invalid("from", "is out of range")),
    }
}

/// The first instant of `day` in `tz`.
fn day_start(day: NaiveDate, tz: Tz) -> Option<DateTime<Utc>> {
    let midnight = day.and_hms_opt(0, 0, 0)?;
    // A zone may skip midnight (a DST change): the day then starts an hour later.
    tz.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

/// The figures of the public incidents that started in `[start, end)`, read in batches.
fn period_figures(
    tx: &Transaction,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<Figures>, Error> {
    let ids = store::incidents_started_between(tx, start, end)?;
    let mut all = Vec::with_capacity(ids.len());
    for batch in ids.chunks(500) {
        for i in store::incidents_by_ids(tx, batch)? {
            // The sums need no detection: no signals are read.
            let r = incident_report::report(&i, &Default::default(), now);
            all.push(r.figures);
        }
    }
    Ok(all)
}
