//! `/console`: what needs attention now. Open incidents with how long since their last
//! update and whether the promised next one is late; every channel with a one-step status
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
use crate::domain::texts::texts;
use crate::domain::{Component, ComponentStatus, Incident, Kind, console_texts};
use crate::error::Error;
use crate::service::components::{self, ComponentChanges};
use crate::service::{IfMatch, Who};
use crate::store::{self, AuditEntry, ListFilter, Reader};

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct Dashboard {
    frame: Frame,
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
}

fn read(conn: &rusqlite::Transaction) -> Result<Seen, Error> {
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
    })
}

/// `GET /console`
pub async fn show(State(state): State<Console>, signed: Signed<scope::Read>) -> Response {
    match state.store.read(Reader::Operator, read).await {
        Ok(seen) => html(StatusCode::OK, &dashboard(&state, &signed, &seen)),
        Err(e) => Refused::failed(signed.lang, e).into_response(),
    }
}

fn dashboard(state: &Console, signed: &Signed<scope::Read>, seen: &Seen) -> Dashboard {
    let lang = signed.lang;
    let time = state.time(lang);
    let words = texts(lang);
    let row = |i: &Incident| NoticeRow::new(i, &seen.components, &time);
    Dashboard {
        frame: Frame::new(lang, console_texts(lang).dashboard, Some(&signed.session)),
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
