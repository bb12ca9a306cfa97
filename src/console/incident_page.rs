//! One notice in the console: where it stands, its timeline, and the forms that move it
//! on — an update (status, message, ETA, next update), resolving with an apology,
//! publishing a draft, the postmortem.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value, json};

use super::Console;
use super::form::{Fields, Posted};
use super::notice_form::local_input;
use super::pages::{Frame, Refused, html};
use super::session::{Refusal, Signed};
use super::views::NoticeRow;
use crate::admin::input::{
    PatchIncident, PostIncidentUpdate, PostMaintenanceUpdate, PostsUpdate, parse,
};
use crate::admin::scope;
use crate::domain::texts::{AlertTexts, alert_texts, texts};
use crate::domain::{Incident, Kind, Status, console_texts};
use crate::error::Error;
use crate::service::{IfMatch, Who, notices};
use crate::snapshot::TimeFormat;
use crate::store::{self, Reader};

#[derive(Template)]
#[template(path = "console/incident.html")]
struct IncidentPage {
    frame: Frame,
    row: NoticeRow,
    kind: &'static str,
    is_incident: bool,
    closed: bool,
    resolved: bool,
    revision: i64,
    eta: Option<String>,
    eta_input: String,
    statuses: Vec<(&'static str, &'static str)>,
    timeline: Vec<Entry>,
    postmortem_ko: String,
    postmortem_en: String,
    resolve_ko: &'static str,
    resolve_en: &'static str,
    /// Monitoring's alerts that opened this incident or were linked to it.
    alerts: Vec<AlertRow>,
    /// Updates resolved alerts suggest, newer than the last update.
    proposals: Vec<ProposalRow>,
    at: &'static AlertTexts,
    /// The words of the link to the incident's report.
    report_link: &'static str,
}

struct AlertRow {
    name: String,
    source: String,
    firing: bool,
    channels: String,
    fired_at: String,
    resolved_at: Option<String>,
    summary: Option<String>,
}

struct ProposalRow {
    status: &'static str,
    status_name: &'static str,
    message: String,
    message_ko: String,
    message_en: String,
    when: String,
}

struct Entry {
    when: String,
    status: &'static str,
    message: String,
}

/// `GET /console/incidents/{id}`: incidents and maintenances alike.
pub async fn show(
    State(state): State<Console>,
    signed: Signed<scope::Read>,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let read = state
        .store
        .read(Reader::Operator, move |conn| {
            let notice = store::incident_by_id(conn, &id)?;
            let alerts = store::alerts_of_incident(conn, &id)?;
            let proposals = match &notice {
                Some(n) if !n.status.is_closed() => {
                    store::pending_proposals(conn, &id, n.updates.len())?
                }
                _ => Vec::new(),
            };
            let components = store::all_components(conn, false)?;
            Ok::<_, Error>((notice, components, alerts, proposals))
        })
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    let (Some(notice), components, alerts, proposals) = read else {
        return Ok(Refused::failed(lang, Error::NotFound("incident".into())).into_response());
    };
    let time = state.time(lang);
    let mut page = page(
        &signed,
        &notice,
        NoticeRow::new(&notice, &components, &time),
        &time,
    );
    page.alerts = alerts
        .iter()
        .map(|a| AlertRow {
            name: a.name.clone(),
            source: a.source.clone(),
            firing: a.firing,
            channels: a
                .components
                .iter()
                .map(|id| {
                    components
                        .iter()
                        .find(|c| &c.id == id)
                        .map_or_else(|| id.to_string(), |c| c.name.get(lang).to_string())
                })
                .collect::<Vec<_>>()
                .join(", "),
            fired_at: time.date_time(a.fired_at),
            resolved_at: a.resolved_at.map(|t| time.date_time(t)),
            summary: a.summary.clone(),
        })
        .collect();
    let words = texts(lang);
    page.proposals = proposals
        .into_iter()
        .map(|p| ProposalRow {
            status: p.status.as_str(),
            status_name: words.notice_status(p.status),
            message: p.message.get(lang).to_string(),
            message_ko: p.message.ko.clone(),
            message_en: p.message.en.clone().unwrap_or_default(),
            when: time.date_time(p.created_at),
        })
        .collect();
    Ok(html(StatusCode::OK, &page))
}

fn page(
    signed: &Signed<scope::Read>,
    n: &Incident,
    row: NoticeRow,
    time: &TimeFormat,
) -> IncidentPage {
    let lang = signed.lang;
    let words = texts(lang);
    let ko = console_texts(crate::domain::Lang::Ko);
    let en = console_texts(crate::domain::Lang::En);
    IncidentPage {
        frame: Frame::new(lang, row.title.clone(), Some(&signed.session)),
        kind: words.kind(n.kind),
        is_incident: n.kind == Kind::Incident,
        closed: n.status.is_closed(),
        resolved: matches!(n.status, Status::Resolved | Status::Postmortem),
        revision: n.revision,
        eta: n.eta.map(|t| time.short(t)),
        eta_input: n.eta.map(|t| local_input(t, time.tz)).unwrap_or_default(),
        statuses: Status::accepted_for(n.kind)
            .into_iter()
            .filter(|s| !s.is_closed())
            .map(|s| (s.as_str(), words.notice_status(s)))
            .collect(),
        timeline: n
            .updates
            .iter()
            .rev()
            .map(|u| Entry {
                when: time.date_time(u.created_at),
                status: words.notice_status(u.status),
                message: u.message.get(lang).to_string(),
            })
            .collect(),
        postmortem_ko: n
            .postmortem
            .as_ref()
            .map(|p| p.ko.clone())
            .unwrap_or_default(),
        postmortem_en: n
            .postmortem
            .as_ref()
            .and_then(|p| p.en.clone())
            .unwrap_or_default(),
        resolve_ko: ko.resolve_message,
        resolve_en: en.resolve_message,
        alerts: Vec::new(),
        proposals: Vec::new(),
        at: alert_texts(lang),
        report_link: crate::domain::texts::incident_report_texts(lang).open_report,
        row,
    }
}

/// The body of an update form, as `POST …/updates` takes it.
fn update_body(fields: &Fields, kind: Kind, now: chrono::DateTime<chrono::Utc>) -> Value {
    let mut body = Map::new();
    let mut message = Map::new();
    for lang in ["ko", "en"] {
        if let Some(m) = fields.get(&format!("message_{lang}")) {
            message.insert(lang.into(), json!(m));
        }
    }
    if !message.is_empty() {
        body.insert("message".into(), Value::Object(message));
    }
    if let Some(s) = fields.get("status").filter(|s| *s != "keep") {
        body.insert("status".into(), json!(s));
    }
    if kind == Kind::Incident {
        // A quick choice is a decision; the time field only counts once it is changed.
        let quick = fields.get("eta_in").and_then(|m| m.parse::<i64>().ok());
        let typed = fields
            .get("eta")
            .filter(|eta| Some(*eta) != fields.get("eta_was"));
        if fields.get("clear_eta") == Some("on") {
            body.insert("eta".into(), Value::Null);
        } else if let Some(m) = quick {
            let eta = now + chrono::Duration::minutes(m);
            body.insert("eta".into(), json!(eta.to_rfc3339()));
        } else if let Some(eta) = typed {
            body.insert("eta".into(), json!(eta));
        }
    }
    if let Some(m) = fields
        .get("next_update_in_minutes")
        .and_then(|m| m.parse::<i64>().ok())
    {
        body.insert("next_update_in_minutes".into(), json!(m));
    }
    Value::Object(body)
}

/// `POST /console/incidents/{id}/updates`: an update, or (with `status=resolved`) the
/// resolution.
pub async fn post_update(
    State(state): State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Incidents>,
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let failed = |e| Refusal::Failed(lang, e);
    let kind = kind_of(&state, &id).await.map_err(failed)?;
    let body = update_body(&posted.fields, kind, state.clock.now()).to_string();
    let who = Who::person(&posted.signed.session.person);
    let target = id.clone();
    let done = match kind {
        Kind::Incident => run_update::<PostIncidentUpdate>(&state, who, target, &body).await,
        Kind::Maintenance => run_update::<PostMaintenanceUpdate>(&state, who, target, &body).await,
    };
    done.map_err(failed)?;
    Ok(Redirect::to(&format!("/console/incidents/{id}")).into_response())
}

async fn kind_of(state: &Console, id: &str) -> Result<Kind, Error> {
    let id = id.to_string();
    state
        .store
        .read(Reader::Operator, move |conn| {
            store::incident_by_id(conn, &id)?
                .map(|n| n.kind)
                .ok_or_else(|| Error::NotFound("incident".into()))
        })
        .await
}

async fn run_update<B: PostsUpdate + serde::de::DeserializeOwned>(
    state: &Console,
    who: Who,
    id: String,
    body: &str,
) -> Result<(), Error> {
    let input: B = parse(body.as_bytes())?;
    state
        .writer
        .run(who, move |tx, ctx| {
            notices::post_update(tx, ctx, &id, B::KIND, |_, catalog| input.read(ctx, catalog))
        })
        .await
        .map(|_| ())
}

/// `POST /console/incidents/{id}/publish`: the draft goes public.
pub async fn publish(
    state: State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Incidents>,
) -> Result<Response, Refusal> {
    patch(state, id, posted, json!({ "draft": false })).await
}

/// `POST /console/incidents/{id}/postmortem` with `postmortem_ko` (and `postmortem_en`).
pub async fn postmortem(
    state: State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Incidents>,
) -> Result<Response, Refusal> {
    let mut text = Map::new();
    for lang in ["ko", "en"] {
        if let Some(t) = posted.fields.get(&format!("postmortem_{lang}")) {
            text.insert(lang.into(), json!(t));
        }
    }
    patch(state, id, posted, json!({ "postmortem": text })).await
}

/// Changes an incident as `PATCH /incidents/{id}` does, against the version the form
/// was made from (`revision`), so a change made meanwhile is not overwritten.
async fn patch(
    State(state): State<Console>,
    id: String,
    posted: Posted<scope::Incidents>,
    body: Value,
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let failed = |e| Refusal::Failed(lang, e);
    let input: PatchIncident = parse(body.to_string().as_bytes()).map_err(failed)?;
    let seen = match posted
        .fields
        .get("revision")
        .and_then(|r| r.parse::<i64>().ok())
    {
        Some(revision) => IfMatch::tags(Some(crate::service::etag(&id, revision))),
        None => IfMatch::any(),
    };
    let who = Who::person(&posted.signed.session.person);
    let target = id.clone();
    state
        .writer
        .run(who, move |tx, ctx| {
            notices::change_incident(tx, ctx, &target, &seen, |incident, catalog| {
                input.read(ctx, incident, catalog)
            })
        })
        .await
        .map_err(failed)?;
    Ok(Redirect::to(&format!("/console/incidents/{id}")).into_response())
}
