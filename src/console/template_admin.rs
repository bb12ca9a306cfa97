//! Notice templates in the console: the list for anyone signed in, and for admins (scope
//! `components`) a form to add one and a page to change or delete each. The forms are
//! read by the admin API's `CreateTemplate` and `PatchTemplate` and run as the same
//! commands, which check the placeholders, channels and statuses.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value, json};

use super::Console;
use super::form::{Fields, Posted};
use super::inputs::{kept, localized, number, replacing, seen};
use super::pages::{Frame, html};
use super::session::{Refusal, Signed};
use crate::admin::input::{CreateTemplate, PatchTemplate, parse};
use crate::admin::scope;
use crate::domain::texts::texts;
use crate::domain::{
    self, Component, ComponentStatus, Lang, Session, Status, TemplateKind, console_texts,
};
use crate::error::Error;
use crate::service::{Ctx, Who, templates};
use crate::store::{self, Reader};

#[derive(Template)]
#[template(path = "console/templates.html")]
struct ListPage {
    frame: Frame,
    items: Vec<Item>,
}

struct Item {
    id: String,
    name: String,
    kind: &'static str,
    title: String,
}

#[derive(Template)]
#[template(path = "console/template_form.html")]
struct FormPage {
    frame: Frame,
    form: TemplateFields,
    kinds: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    channel_statuses: Vec<(&'static str, &'static str)>,
    channels: Vec<ChannelChoice>,
    problems: Vec<String>,
}

/// A channel on the form, with the status the template gives it ("none": not named).
struct ChannelChoice {
    id: String,
    name: String,
    picked: String,
}

impl ChannelChoice {
    /// Every payment channel, with the status `picked` gives it.
    fn all(components: &[Component], picked: &[(String, String)], lang: Lang) -> Vec<Self> {
        components
            .iter()
            .filter(|c| !c.is_group)
            .map(|c| ChannelChoice {
                id: c.id.to_string(),
                name: c.name.get(lang).to_string(),
                picked: picked
                    .iter()
                    .find(|(id, _)| id == c.id.as_str())
                    .map_or_else(|| "none".to_string(), |(_, s)| s.clone()),
            })
            .collect()
    }
}

/// What the form holds, as typed.
#[derive(Default)]
struct TemplateFields {
    is_new: bool,
    id: String,
    kind: String,
    name_ko: String,
    name_en: String,
    title_ko: String,
    title_en: String,
    message_ko: String,
    message_en: String,
    /// Blank: the default status of what is written with it.
    status: String,
    components: Vec<(String, String)>,
    next_update: String,
    revision: i64,
}

impl TemplateFields {
    fn of(t: &domain::Template) -> TemplateFields {
        TemplateFields {
            is_new: false,
            id: t.id.to_string(),
            kind: t.kind.as_str().to_string(),
            name_ko: t.name.ko.clone(),
            name_en: t.name.en.clone().unwrap_or_default(),
            title_ko: t.title.ko.clone(),
            title_en: t.title.en.clone().unwrap_or_default(),
            message_ko: t.message.ko.clone(),
            message_en: t.message.en.clone().unwrap_or_default(),
            status: t.status.map(|s| s.as_str().to_string()).unwrap_or_default(),
            components: t
                .components
                .iter()
                .map(|c| (c.id.to_string(), c.status.as_str().to_string()))
                .collect(),
            next_update: t
                .next_update_minutes
                .map(|m| m.to_string())
                .unwrap_or_default(),
            revision: t.revision,
        }
    }

    /// The form as sent: `component.{id}` = status, the rest by name.
    fn from_fields(f: &Fields, id: Option<&str>) -> TemplateFields {
        let text = |name: &str| f.get(name).unwrap_or("").to_string();
        TemplateFields {
            is_new: id.is_none(),
            id: id.map_or_else(|| text("id"), str::to_string),
            kind: text("kind"),
            name_ko: text("name_ko"),
            name_en: text("name_en"),
            title_ko: text("title_ko"),
            title_en: text("title_en"),
            message_ko: text("message_ko"),
            message_en: text("message_en"),
            status: text("status"),
            components: f
                .prefixed("component.")
                .filter(|(_, status)| *status != "none")
                .map(|(id, status)| (id.to_string(), status.to_string()))
                .collect(),
            next_update: text("next_update_in_minutes"),
            revision: f.get("revision").and_then(|r| r.parse().ok()).unwrap_or(0),
        }
    }

    fn components_json(&self) -> Value {
        let map: Map<String, Value> = self
            .components
            .iter()
            .map(|(id, status)| (id.clone(), json!(status)))
            .collect();
        Value::Object(map)
    }

    /// The body `POST /templates` takes for this form.
    fn create_body(&self) -> Value {
        let mut body = Map::new();
        body.insert("id".into(), json!(self.id));
        if !self.kind.is_empty() {
            body.insert("kind".into(), json!(self.kind));
        }
        let fields = [
            ("name", localized(&self.name_ko, &self.name_en)),
            ("title", localized(&self.title_ko, &self.title_en)),
            ("message", localized(&self.message_ko, &self.message_en)),
            (
                "status",
                Some(json!(self.status)).filter(|_| !self.status.is_empty()),
            ),
            ("next_update_in_minutes", number(&self.next_update)),
        ];
        for (name, value) in fields {
            if let Some(v) = value {
                body.insert(name.into(), v);
            }
        }
        body.insert("components".into(), self.components_json());
        Value::Object(body)
    }

    /// The body `PATCH /templates/{id}` takes: the whole template as the form shows it.
    fn patch_body(&self) -> Value {
        let status = Some(json!(self.status)).filter(|_| !self.status.is_empty());
        json!({
            "kind": self.kind,
            "name": replacing(&self.name_ko, &self.name_en),
            "title": replacing(&self.title_ko, &self.title_en),
            "message": replacing(&self.message_ko, &self.message_en),
            "status": status,
            "components": self.components_json(),
            "next_update_in_minutes": number(&self.next_update),
        })
    }
}

/// `GET /console/templates`
pub async fn list(
    State(state): State<Console>,
    signed: Signed<scope::Read>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let all = state
        .store
        .read(Reader::Operator, |conn| {
            Ok::<_, Error>(store::all_templates(conn)?)
        })
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    let t = console_texts(lang);
    let page = ListPage {
        frame: Frame::new(lang, t.manage.templates, Some(&signed.session)),
        items: all
            .iter()
            .map(|x| Item {
                id: x.id.to_string(),
                name: x.name.get(lang).to_string(),
                kind: t.manage.template_kind(x.kind),
                title: x.title.get(lang).to_string(),
            })
            .collect(),
    };
    Ok(html(StatusCode::OK, &page))
}

/// `GET /console/templates/new`
pub async fn new_form(
    State(state): State<Console>,
    signed: Signed<scope::Components>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let components = components(&state)
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    let form = TemplateFields {
        is_new: true,
        kind: TemplateKind::Incident.as_str().to_string(),
        ..TemplateFields::default()
    };
    let page = form_page(&signed.session, lang, &components, form, Vec::new());
    Ok(html(StatusCode::OK, &page))
}

/// `GET /console/templates/{id}`
pub async fn edit_form(
    State(state): State<Console>,
    signed: Signed<scope::Components>,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let (found, components) = state
        .store
        .read(Reader::Operator, move |conn| {
            let found = store::template_by_id(conn, &id)?;
            Ok::<_, Error>((found, store::all_components(conn, false)?))
        })
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    let t = found.ok_or_else(|| Refusal::Failed(lang, Error::NotFound("template".into())))?;
    let page = form_page(
        &signed.session,
        lang,
        &components,
        TemplateFields::of(&t),
        Vec::new(),
    );
    Ok(html(StatusCode::OK, &page))
}

/// `POST /console/templates/new`: as `POST /templates` saves one.
pub async fn create(
    State(state): State<Console>,
    posted: Posted<scope::Components>,
) -> Result<Response, Refusal> {
    let form = TemplateFields::from_fields(&posted.fields, None);
    let body = form.create_body().to_string();
    let who = Who::person(&posted.signed.session.person);
    let done = async {
        let input: CreateTemplate = parse(body.as_bytes())?;
        let command = move |tx: &rusqlite::Transaction, ctx: &Ctx| {
            templates::create(tx, ctx, |catalog| input.read(ctx, catalog))
        };
        state.writer.run(who, command).await.map(|_| ())
    };
    let done = done.await;
    answer(&state, &posted, form, done).await
}

/// `POST /console/templates/{id}`: as `PATCH /templates/{id}` changes it, against the
/// version the form was made from.
pub async fn change(
    State(state): State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Components>,
) -> Result<Response, Refusal> {
    let form = TemplateFields::from_fields(&posted.fields, Some(&id));
    let body = form.patch_body().to_string();
    let seen = seen(&posted.fields, &id);
    let who = Who::person(&posted.signed.session.person);
    let done = async {
        let input: PatchTemplate = parse(body.as_bytes())?;
        let command = move |tx: &rusqlite::Transaction, ctx: &Ctx| {
            templates::change(tx, ctx, &id, &seen, |t, catalog| {
                input.read(ctx, t, catalog)
            })
        };
        state.writer.run(who, command).await.map(|_| ())
    };
    let done = done.await;
    answer(&state, &posted, form, done).await
}

/// `POST /console/templates/{id}/delete`, against the version the page showed.
pub async fn delete(
    State(state): State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Components>,
) -> Result<Response, Refusal> {
    let seen = seen(&posted.fields, &id);
    let who = Who::person(&posted.signed.session.person);
    state
        .writer
        .run(who, move |tx, _| templates::delete(tx, &id, &seen))
        .await
        .map_err(|e| Refusal::Failed(posted.signed.lang, e))?;
    Ok(Redirect::to("/console/templates").into_response())
}

/// After a change: back to the list; or, refused, the form again with the problems.
async fn answer(
    state: &Console,
    posted: &Posted<scope::Components>,
    form: TemplateFields,
    done: Result<(), Error>,
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let failed = |e| Refusal::Failed(lang, e);
    let e = match done {
        Ok(()) => return Ok(Redirect::to("/console/templates").into_response()),
        Err(e) => e,
    };
    let (status, problems) = kept(e).map_err(failed)?;
    let components = components(state).await.map_err(failed)?;
    let page = form_page(&posted.signed.session, lang, &components, form, problems);
    Ok(html(status, &page))
}

fn form_page(
    session: &Session,
    lang: Lang,
    components: &[Component],
    form: TemplateFields,
    problems: Vec<String>,
) -> FormPage {
    let t = console_texts(lang).manage;
    let words = texts(lang);
    FormPage {
        frame: Frame::new(
            lang,
            if form.is_new {
                t.new_template
            } else {
                t.edit_template
            },
            Some(session),
        ),
        kinds: TemplateKind::ALL
            .iter()
            .map(|k| (k.as_str(), t.template_kind(*k)))
            .collect(),
        statuses: template_statuses()
            .into_iter()
            .map(|s| (s.as_str(), words.notice_status(s)))
            .collect(),
        channel_statuses: ComponentStatus::ALL
            .iter()
            .filter(|s| !s.is_operational())
            .map(|s| (s.as_str(), words.component_status(*s)))
            .collect(),
        channels: ChannelChoice::all(components, &form.components, lang),
        form,
        problems,
    }
}

/// Every status some kind of template may set, once each: the form offers them all, and
/// the template's rules refuse one that does not suit its kind.
fn template_statuses() -> Vec<Status> {
    let mut statuses: Vec<Status> = Vec::new();
    for s in TemplateKind::ALL.iter().flat_map(|k| k.statuses()) {
        if !statuses.contains(s) {
            statuses.push(*s);
        }
    }
    statuses
}

async fn components(state: &Console) -> Result<Vec<Component>, Error> {
    state
        .store
        .read(Reader::Operator, |conn| {
            Ok::<_, Error>(store::all_components(conn, false)?)
        })
        .await
}
