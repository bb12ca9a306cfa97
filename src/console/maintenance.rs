//! Maintenance from the console: scheduling a window (kept as a draft or published),
//! changing its title and window while that can still change, and calling it off. Each
//! form is read into the admin API's input and run as the same command.
//!
//! Calling off is no notion of its own: the domain lets a maintenance go from
//! `scheduled` straight to `completed` (and never back), so cancelling posts that update,
//! with a message saying so; the window stays on record as it was planned.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use super::Console;
use super::form::{Fields, Posted};
use super::inputs::{kept, localized, replacing, seen};
use super::notice_form::local_input;
use super::pages::{Frame, html};
use super::session::{Refusal, Signed};
use super::views::{NoticeRow, Pick};
use crate::admin::input::{
    CreateMaintenance, OpensNotice, PatchMaintenance, PostMaintenanceUpdate, PostsUpdate, parse,
};
use crate::admin::scope;
use crate::domain::texts::texts;
use crate::domain::{Component, Incident, Kind, Lang, Session, Status, console_texts};
use crate::error::Error;
use crate::service::{Ctx, Who, notices};
use crate::store::{self, Reader};

/// What the forms hold, as typed; times as `<input type=datetime-local>` sends them, in
/// the page's zone.
#[derive(Debug, Default)]
struct WindowFields {
    title_ko: String,
    title_en: String,
    /// The first update's words when scheduling; the cancellation's on the edit page.
    message_ko: String,
    message_en: String,
    scheduled_for: String,
    scheduled_until: String,
    components: Vec<String>,
    auto_transition: bool,
}

impl WindowFields {
    fn from_fields(f: &Fields) -> WindowFields {
        let text = |name: &str| f.get(name).unwrap_or("").to_string();
        WindowFields {
            title_ko: text("title_ko"),
            title_en: text("title_en"),
            message_ko: text("message_ko"),
            message_en: text("message_en"),
            scheduled_for: text("scheduled_for"),
            scheduled_until: text("scheduled_until"),
            components: f.all("component").map(str::to_string).collect(),
            auto_transition: f.get("auto_transition") == Some("on"),
        }
    }

    /// The maintenance as it is, with the cancellation's usual words.
    fn of(m: &Incident, tz: Tz) -> WindowFields {
        let (ko, en) = (console_texts(Lang::Ko), console_texts(Lang::En));
        WindowFields {
            title_ko: m.title.ko.clone(),
            title_en: m.title.en.clone().unwrap_or_default(),
            message_ko: ko.manage.cancel_message.to_string(),
            message_en: en.manage.cancel_message.to_string(),
            scheduled_for: m
                .window
                .map(|w| local_input(w.starts, tz))
                .unwrap_or_default(),
            scheduled_until: m
                .window
                .map(|w| local_input(w.ends, tz))
                .unwrap_or_default(),
            components: m.components.iter().map(|c| c.id.to_string()).collect(),
            auto_transition: m.auto_transition,
        }
    }

    /// The body `POST /maintenances` takes for this form.
    fn create_body(&self, draft: bool) -> Value {
        let mut body = Map::new();
        let texts = [
            ("title", localized(&self.title_ko, &self.title_en)),
            ("message", localized(&self.message_ko, &self.message_en)),
        ];
        for (name, value) in texts {
            if let Some(v) = value {
                body.insert(name.into(), v);
            }
        }
        body.insert("components".into(), json!(self.components));
        self.window_into(&mut body);
        body.insert("draft".into(), json!(draft));
        Value::Object(body)
    }

    /// The body `PATCH /maintenances/{id}` takes: the title, and the window's times the
    /// form showed (the start only while it may move); publishing a draft if asked.
    fn patch_body(&self, publish: bool) -> Value {
        let mut body = Map::new();
        body.insert("title".into(), replacing(&self.title_ko, &self.title_en));
        self.window_into(&mut body);
        if publish {
            body.insert("draft".into(), json!(false));
        }
        Value::Object(body)
    }

    fn window_into(&self, body: &mut Map<String, Value>) {
        for (name, value) in [
            ("scheduled_for", &self.scheduled_for),
            ("scheduled_until", &self.scheduled_until),
        ] {
            if !value.is_empty() {
                body.insert(name.into(), json!(value));
            }
        }
        body.insert("auto_transition".into(), json!(self.auto_transition));
    }
}

#[derive(Template)]
#[template(path = "console/maintenance_new.html")]
struct NewPage {
    frame: Frame,
    form: WindowFields,
    channels: Vec<Pick>,
    zone: String,
    problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/maintenance_edit.html")]
struct EditPage {
    frame: Frame,
    id: String,
    status: &'static str,
    draft: bool,
    /// Not begun: the start may still move, and it may be called off.
    scheduled: bool,
    closed: bool,
    revision: i64,
    channels: String,
    window: String,
    form: WindowFields,
    zone: String,
    problems: Vec<String>,
}

/// `GET /console/maintenances/new`
pub async fn new_form(
    State(state): State<Console>,
    signed: Signed<scope::Incidents>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let components = components(&state)
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    let form = WindowFields {
        auto_transition: true,
        ..WindowFields::default()
    };
    let page = new_page(&state, &signed.session, lang, &components, form, Vec::new());
    Ok(html(StatusCode::OK, &page))
}

/// `POST /console/maintenances/new` with `action` = `draft` or `publish`.
pub async fn submit_new(
    State(state): State<Console>,
    posted: Posted<scope::Incidents>,
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let failed = |e| Refusal::Failed(lang, e);
    let form = WindowFields::from_fields(&posted.fields);
    let draft = posted.fields.get("action") != Some("publish");
    let body = form.create_body(draft).to_string();
    let who = Who::person(&posted.signed.session.person);
    let e = match open(&state, who, &body).await {
        Ok(id) => return Ok(Redirect::to(&format!("/console/maintenances/{id}")).into_response()),
        Err(e) => e,
    };
    let (status, problems) = kept(e).map_err(failed)?;
    let components = components(&state).await.map_err(failed)?;
    let page = new_page(
        &state,
        &posted.signed.session,
        lang,
        &components,
        form,
        problems,
    );
    Ok(html(status, &page))
}

/// Announces the maintenance the body describes, through the command the admin API runs.
async fn open(state: &Console, who: Who, body: &str) -> Result<String, Error> {
    let input: CreateMaintenance = parse(body.as_bytes())?;
    let notice = state
        .writer
        .run(who, move |tx, ctx| {
            notices::open(tx, ctx, |catalog| input.read(ctx, catalog))
        })
        .await?;
    Ok(notice.id.clone())
}

fn new_page(
    state: &Console,
    session: &Session,
    lang: Lang,
    components: &[Component],
    form: WindowFields,
    problems: Vec<String>,
) -> NewPage {
    let t = console_texts(lang);
    NewPage {
        frame: Frame::new(lang, t.manage.schedule_maintenance, Some(session)),
        channels: Pick::channels(components, "", &form.components, lang),
        zone: zone(state, lang),
        form,
        problems,
    }
}

/// `GET /console/maintenances/{id}`: what can still change, and calling it off.
pub async fn show(
    State(state): State<Console>,
    signed: Signed<scope::Incidents>,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let (m, components) = maintenance(&state, id)
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    let form = WindowFields::of(&m, state.timezone);
    let page = edit_page(
        &state,
        &signed.session,
        lang,
        (&m, &components),
        form,
        Vec::new(),
    );
    Ok(html(StatusCode::OK, &page))
}

/// `POST /console/maintenances/{id}`: the title and window, as `PATCH /maintenances/{id}`
/// changes them, against the version the form was made from; `action=publish` also
/// publishes a draft.
pub async fn change(
    State(state): State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Incidents>,
) -> Result<Response, Refusal> {
    let form = WindowFields::from_fields(&posted.fields);
    let body = form.patch_body(posted.fields.get("action") == Some("publish"));
    let seen = seen(&posted.fields, &id);
    let who = Who::person(&posted.signed.session.person);
    let target = id.clone();
    let done = async {
        let input: PatchMaintenance = parse(body.to_string().as_bytes())?;
        let command = move |tx: &rusqlite::Transaction, ctx: &Ctx| {
            notices::change_maintenance(tx, ctx, &target, &seen, |m, catalog| {
                input.read(ctx, m, catalog)
            })
        };
        state.writer.run(who, command).await.map(|_| ())
    };
    let done = done.await;
    // The cancellation's words are not on this form: they stay as they were.
    let keep = |base: WindowFields| WindowFields {
        message_ko: base.message_ko,
        message_en: base.message_en,
        ..form
    };
    answer(&state, &posted, id, done, keep).await
}

/// `POST /console/maintenances/{id}/cancel` with `message_ko` (and `message_en`): calls
/// it off by completing it before it begins, as `POST /maintenances/{id}/updates` with
/// `status: completed` does.
pub async fn cancel(
    State(state): State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Incidents>,
) -> Result<Response, Refusal> {
    let typed = WindowFields::from_fields(&posted.fields);
    let mut body = Map::new();
    body.insert("status".into(), json!(Status::Completed.as_str()));
    if let Some(message) = localized(&typed.message_ko, &typed.message_en) {
        body.insert("message".into(), message);
    }
    let who = Who::person(&posted.signed.session.person);
    let target = id.clone();
    let done = async {
        let input: PostMaintenanceUpdate = parse(Value::Object(body).to_string().as_bytes())?;
        let command = move |tx: &rusqlite::Transaction, ctx: &Ctx| {
            notices::post_update(tx, ctx, &target, Kind::Maintenance, |_, catalog| {
                input.read(ctx, catalog)
            })
        };
        state.writer.run(who, command).await.map(|_| ())
    };
    let done = done.await;
    let keep = |base: WindowFields| WindowFields {
        message_ko: typed.message_ko,
        message_en: typed.message_en,
        ..base
    };
    answer(&state, &posted, id, done, keep).await
}

/// After a change: back to the page; or, refused, the page again with the problems and
/// the form as sent (`keep` puts what was typed over the maintenance as it is).
async fn answer(
    state: &Console,
    posted: &Posted<scope::Incidents>,
    id: String,
    done: Result<(), Error>,
    keep: impl FnOnce(WindowFields) -> WindowFields,
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let failed = |e| Refusal::Failed(lang, e);
    let e = match done {
        Ok(()) => {
            return Ok(Redirect::to(&format!("/console/maintenances/{id}")).into_response());
        }
        Err(e) => e,
    };
    let (status, problems) = kept(e).map_err(failed)?;
    let (m, components) = maintenance(state, id).await.map_err(failed)?;
    let form = keep(WindowFields::of(&m, state.timezone));
    let session = &posted.signed.session;
    let page = edit_page(state, session, lang, (&m, &components), form, problems);
    Ok(html(status, &page))
}

fn edit_page(
    state: &Console,
    session: &Session,
    lang: Lang,
    (m, components): (&Incident, &[Component]),
    form: WindowFields,
    problems: Vec<String>,
) -> EditPage {
    let time = state.time(lang);
    EditPage {
        frame: Frame::new(lang, m.title.get(lang), Some(session)),
        id: m.id.clone(),
        status: texts(lang).notice_status(m.status),
        draft: m.draft,
        scheduled: m.status == Status::Scheduled,
        closed: m.status.is_closed(),
        revision: m.revision,
        channels: NoticeRow::new(m, components, &time).channels,
        window: m
            .window
            .map(|w| format!("{} – {}", time.date_time(w.starts), time.date_time(w.ends)))
            .unwrap_or_default(),
        form,
        zone: time.zone_name(),
        problems,
    }
}

/// The maintenance `id`, and the catalogue its channels are named from.
async fn maintenance(state: &Console, id: String) -> Result<(Incident, Vec<Component>), Error> {
    state
        .store
        .read(Reader::Operator, move |conn| {
            let m = store::incident_by_id(conn, &id)?
                .filter(|m| m.kind == Kind::Maintenance)
                .ok_or_else(|| Error::NotFound("maintenance".into()))?;
            Ok((m, store::all_components(conn, false)?))
        })
        .await
}

async fn components(state: &Console) -> Result<Vec<Component>, Error> {
    state
        .store
        .read(Reader::Operator, |conn| {
            Ok::<_, Error>(store::all_components(conn, false)?)
        })
        .await
}

fn zone(state: &Console, lang: Lang) -> String {
    state.time(lang).zone_name()
}
