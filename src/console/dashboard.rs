//! `/console`: what needs attention now. First, any spike of customers' failure reports;
//! then open incidents with how long since their last update and whether the promised
//! next one is late; every channel with a one-step status
//! change; upcoming maintenance; the latest audit entries.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::Console;
use super::form::Posted;
use super::pages::{Frame, Refused, html};
use super::session::{Refusal, Signed};
use super::views::{ChannelRow, NoticeRow, ago};
use crate::admin::scope;
use crate::domain::report::Spike;
use crate::domain::texts::{report_texts, texts};
use crate::domain::{Component, ComponentStatus, Incident, Kind, console_texts};
use crate::error::Error;
use crate::service::components::{self, ComponentChanges};
use crate::service::{IfMatch, Who};
use crate::store::{self, AuditEntry, ListFilter, Reader};

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct Dashboard {
    frame: Frame,
    /// Channels whose customers' reports spike now, one sentence each.
    spikes: Vec<String>,
    spikes_heading: &'static str,
    spikes_hint: &'static str,
    incidents: Vec<NoticeRow>,
    channels: Vec<ChannelRow>,
    statuses: Vec<(&'static str, &'static str)>,
    maintenances: Vec<NoticeRow>,
    audit: Vec<AuditRow>,
}

struct AuditRow {
    when: String,
    who: String,
    what: String,
}

/// Everything the dashboard shows, read in one go on the operators' lane.
struct Seen {
    incidents: Vec<Incident>,
    maintenances: Vec<Incident>,
    components: Vec<Component>,
    audit: Vec<AuditEntry>,
    /// Spikes not ended, with the reporters in the window now.
    spikes: Vec<(Spike, u64)>,
}

fn read(conn: &rusqlite::Transaction, now: chrono::DateTime<chrono::Utc>) -> Result<Seen, Error> {
    let open = |kind| -> Result<Vec<Incident>, Error> {
        let ids: Vec<String> = store::notice_ids_page(conn, kind, ListFilter::Open, None, 100)?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        Ok(store::incidents_by_ids(conn, &ids)?)
    };
    Ok(Seen {
        incidents: open(Kind::Incident)?,
        maintenances: open(Kind::Maintenance)?,
        components: store::all_components(conn, false)?,
        audit: store::audit_page(conn, None, 10)?,
        spikes: store::open_spikes(conn)?
            .into_iter()
            .map(|s| {
                let now = store::reporters_now(conn, &s.component, now)?;
                Ok((s, now))
            })
            .collect::<Result<_, Error>>()?,
    })
}

/// `GET /console`
pub async fn show(State(state): State<Console>, signed: Signed<scope::Read>) -> Response {
    let now = state.clock.now();
    match state
        .store
        .read(Reader::Operator, move |tx| read(tx, now))
        .await
    {
        Ok(seen) => html(StatusCode::OK, &dashboard(&state, &signed, &seen)),
        Err(e) => Refused::failed(signed.lang, e).into_response(),
    }
}

fn dashboard(state: &Console, signed: &Signed<scope::Read>, seen: &Seen) -> Dashboard {
    let lang = signed.lang;
    let time = state.time(lang);
    let words = texts(lang);
    let row = |i: &Incident| NoticeRow::new(i, &seen.components, &time);
    let r = report_texts(lang);
    let spikes = seen
        .spikes
        .iter()
        .map(|(s, reporters)| {
            let name = seen
                .components
                .iter()
                .find(|c| c.id == s.component)
                .map_or_else(|| s.component.to_string(), |c| c.name.get(lang).to_string());
            format!(
                "{} · {}",
                (r.spike_line)(&name, *reporters, &(r.usual)(s.usual)),
                (r.since)(&time.short(s.started_at))
            )
        })
        .collect();
    Dashboard {
        frame: Frame::new(lang, console_texts(lang).dashboard, Some(&signed.session)),
        spikes,
        spikes_heading: r.console_heading,
        spikes_hint: r.console_hint,
        incidents: seen.incidents.iter().map(row).collect(),
        // Open ones: scheduled or under way.
        maintenances: seen.maintenances.iter().map(row).collect(),
        channels: ChannelRow::all(&seen.components, lang),
        statuses: ComponentStatus::ALL
            .iter()
            .map(|s| (s.as_str(), words.component_status(*s)))
            .collect(),
        audit: seen
            .audit
            .iter()
            .map(|e| AuditRow {
                when: ago(&time, e.at),
                who: e.actor.clone(),
                what: match &e.target {
                    Some(target) => format!("{} {target}", e.action),
                    None => e.action.clone(),
                },
            })
            .collect(),
    }
}

/// `POST /console/components/{id}/status` with `status`: the channel's own status, as
/// `PATCH /components/{id}` sets it.
pub async fn set_component_status(
    State(state): State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Incidents>,
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let status = posted.fields.get("status").unwrap_or("");
    let status = ComponentStatus::parse(status).ok_or_else(|| {
        Refusal::Failed(
            lang,
            Error::invalid(
                "status",
                format!(
                    "`{status}` is not a status; expected one of {}",
                    ComponentStatus::expected()
                ),
            ),
        )
    })?;
    let changes = ComponentChanges {
        status: Some(status),
        ..ComponentChanges::default()
    };
    let who = Who::person(&posted.signed.session.person);
    state
        .writer
        .run(who, move |tx, ctx| {
            components::change(tx, ctx, &id, &IfMatch::any(), changes)
        })
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    Ok(Redirect::to("/console").into_response())
}
