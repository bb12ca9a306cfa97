//! `/console/components`, for admins (scope `components`): the payment channels and
//! their groups in page order with their status, a form per component to change its name,
//! description, group, position and fallbacks, and one to add a channel or a group. The
//! forms are read by the admin API's `PatchComponent` and `CreateComponent` and run as
//! the same commands.

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
use super::views::Pick;
use crate::admin::input::{CreateComponent, PatchComponent, parse};
use crate::admin::scope;
use crate::domain::texts::texts;
use crate::domain::{Component, ComponentStatus, Lang, Session, console_texts};
use crate::error::Error;
use crate::service::components;
use crate::service::{Ctx, IfMatch, Who};
use crate::store::{self, Reader};

#[derive(Template)]
#[template(path = "console/catalogue.html")]
struct CataloguePage {
    frame: Frame,
    rows: Vec<Row>,
    /// One per component in page order, then the one that adds a component.
    forms: Vec<ComponentForm>,
    problems: Vec<String>,
}

/// A component in page order, as the public page lists it.
struct Row {
    id: String,
    name: String,
    is_group: bool,
    /// The group it is listed under, if any.
    group: Option<String>,
    position: i64,
    status: &'static str,
    status_text: &'static str,
}

/// What a component's form holds, as typed.
struct ComponentForm {
    /// The component's id, or `new` on the form that adds one: it names the form's fields.
    key: String,
    action: String,
    summary: String,
    is_new: bool,
    /// Shown unfolded: it came back refused.
    open: bool,
    id: String,
    is_group: bool,
    name_ko: String,
    name_en: String,
    description_ko: String,
    description_en: String,
    /// The groups to choose from, the chosen one ticked.
    groups: Vec<Pick>,
    position: String,
    fallbacks: Vec<Pick>,
    revision: i64,
}

impl ComponentForm {
    /// The form of `c` as it is.
    fn of(c: &Component, all: &[Component], lang: Lang) -> ComponentForm {
        let fallbacks: Vec<String> = c.fallbacks.iter().map(|f| f.to_string()).collect();
        let group = c
            .group_id
            .as_ref()
            .map(|g| g.to_string())
            .unwrap_or_default();
        ComponentForm {
            key: c.id.to_string(),
            action: format!("/console/components/{}", c.id),
            summary: format!("{} ({})", c.name.get(lang), c.id),
            is_new: false,
            open: false,
            id: c.id.to_string(),
            is_group: c.is_group,
            name_ko: c.name.ko.clone(),
            name_en: c.name.en.clone().unwrap_or_default(),
            description_ko: c
                .description
                .as_ref()
                .map(|d| d.ko.clone())
                .unwrap_or_default(),
            description_en: c
                .description
                .as_ref()
                .and_then(|d| d.en.clone())
                .unwrap_or_default(),
            groups: groups(all, &group, lang),
            position: c.position.to_string(),
            fallbacks: Pick::channels(all, c.id.as_str(), &fallbacks, lang),
            revision: c.revision,
        }
    }

    /// The form that adds a component, blank.
    fn blank(all: &[Component], lang: Lang) -> ComponentForm {
        ComponentForm {
            key: "new".into(),
            action: "/console/components".into(),
            summary: console_texts(lang).manage.add_component.into(),
            is_new: true,
            open: false,
            id: String::new(),
            is_group: false,
            name_ko: String::new(),
            name_en: String::new(),
            description_ko: String::new(),
            description_en: String::new(),
            groups: groups(all, "", lang),
            position: String::new(),
            fallbacks: Pick::channels(all, "", &[], lang),
            revision: 0,
        }
    }

    /// `base` with what the form sent over it, unfolded.
    fn sent(mut self, f: &Fields, all: &[Component], lang: Lang) -> ComponentForm {
        let text = |name: &str| f.get(name).unwrap_or("").to_string();
        let group = text("group_id");
        let fallbacks: Vec<String> = f.all("fallback").map(str::to_string).collect();
        if self.is_new {
            self.id = text("id");
            self.is_group = f.get("group") == Some("on");
        }
        self.open = true;
        self.name_ko = text("name_ko");
        self.name_en = text("name_en");
        self.description_ko = text("description_ko");
        self.description_en = text("description_en");
        self.groups = groups(all, &group, lang);
        self.position = text("position");
        self.fallbacks = Pick::channels(all, &self.id, &fallbacks, lang);
        self
    }

    fn group_id(&self) -> Option<&str> {
        self.groups
            .iter()
            .find(|g| g.checked)
            .map(|g| g.id.as_str())
    }

    fn fallback_ids(&self) -> Vec<&str> {
        self.fallbacks
            .iter()
            .filter(|f| f.checked)
            .map(|f| f.id.as_str())
            .collect()
    }

    /// The body `PATCH /components/{id}` takes: every catalogue field the form shows
    /// (a group has no group or fallbacks of its own).
    fn patch_body(&self) -> Value {
        let mut body = Map::new();
        body.insert("name".into(), replacing(&self.name_ko, &self.name_en));
        let description = localized(&self.description_ko, &self.description_en);
        body.insert("description".into(), description.unwrap_or(Value::Null));
        if let Some(p) = number(&self.position) {
            body.insert("position".into(), p);
        }
        if !self.is_group {
            body.insert("group_id".into(), json!(self.group_id()));
            body.insert("fallbacks".into(), json!(self.fallback_ids()));
        }
        Value::Object(body)
    }

    /// The body `POST /components` takes.
    fn create_body(&self) -> Value {
        let mut body = Map::new();
        body.insert("id".into(), json!(self.id));
        let texts = [
            ("name", localized(&self.name_ko, &self.name_en)),
            (
                "description",
                localized(&self.description_ko, &self.description_en),
            ),
            ("position", number(&self.position)),
        ];
        for (name, value) in texts {
            if let Some(v) = value {
                body.insert(name.into(), v);
            }
        }
        body.insert("group".into(), json!(self.is_group));
        if let Some(g) = self.group_id() {
            body.insert("group_id".into(), json!(g));
        }
        body.insert("fallbacks".into(), json!(self.fallback_ids()));
        Value::Object(body)
    }
}

/// The groups to put a channel in, `chosen` ticked.
fn groups(all: &[Component], chosen: &str, lang: Lang) -> Vec<Pick> {
    all.iter()
        .filter(|c| c.is_group)
        .map(|c| Pick {
            id: c.id.to_string(),
            name: c.name.get(lang).to_string(),
            checked: c.id.as_str() == chosen,
        })
        .collect()
}

/// Components as the page lists them: by position, a group's channels right after it.
fn page_order(all: &[Component]) -> Vec<&Component> {
    let in_a_group = |c: &Component| {
        c.group_id
            .as_ref()
            .is_some_and(|g| all.iter().any(|x| x.is_group && &x.id == g))
    };
    let mut out = Vec::new();
    for c in all.iter().filter(|c| !in_a_group(c)) {
        out.push(c);
        if c.is_group {
            out.extend(all.iter().filter(|m| m.group_id.as_ref() == Some(&c.id)));
        }
    }
    out
}

fn rows(all: &[Component], lang: Lang) -> Vec<Row> {
    let words = texts(lang);
    let name = |id: &str| {
        all.iter()
            .find(|c| c.id.as_str() == id)
            .map_or_else(|| id.to_string(), |c| c.name.get(lang).to_string())
    };
    page_order(all)
        .into_iter()
        .map(|c| {
            // A group's status is the worst of its channels', as the public page says.
            let status = match c.is_group {
                true => ComponentStatus::worst(
                    all.iter()
                        .filter(|m| m.group_id.as_ref() == Some(&c.id))
                        .map(|m| m.status),
                ),
                false => c.status,
            };
            Row {
                id: c.id.to_string(),
                name: c.name.get(lang).to_string(),
                is_group: c.is_group,
                group: c.group_id.as_ref().map(|g| name(g.as_str())),
                position: c.position,
                status: status.as_str(),
                status_text: words.component_status(status),
            }
        })
        .collect()
}

fn page(
    session: &Session,
    lang: Lang,
    all: &[Component],
    sent: Option<ComponentForm>,
    problems: Vec<String>,
) -> CataloguePage {
    let mut forms: Vec<ComponentForm> = page_order(all)
        .into_iter()
        .map(|c| ComponentForm::of(c, all, lang))
        .collect();
    forms.push(ComponentForm::blank(all, lang));
    if let Some(sent) = sent
        && let Some(slot) = forms.iter_mut().find(|f| f.key == sent.key)
    {
        *slot = sent;
    }
    CataloguePage {
        frame: Frame::new(lang, console_texts(lang).manage.catalogue, Some(session)),
        rows: rows(all, lang),
        forms,
        problems,
    }
}

/// `GET /console/components`
pub async fn show(
    State(state): State<Console>,
    signed: Signed<scope::Components>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let all = catalogue(&state)
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    Ok(html(
        StatusCode::OK,
        &page(&signed.session, lang, &all, None, Vec::new()),
    ))
}

/// `POST /console/components/{id}`: its catalogue fields, as `PATCH /components/{id}`
/// changes them, against the version the form was made from.
pub async fn change(
    State(state): State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Components>,
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let failed = |e| Refusal::Failed(lang, e);
    let all = catalogue(&state).await.map_err(failed)?;
    let Some(c) = all.iter().find(|c| c.id.as_str() == id) else {
        return Err(failed(Error::NotFound("component".into())));
    };
    let form = ComponentForm::of(c, &all, lang).sent(&posted.fields, &all, lang);
    let body = form.patch_body().to_string();
    let (seen, who) = (seen(&posted.fields, &id), who(&posted));
    let done = run_change(&state, who, id, seen, body).await;
    answer(&posted, &all, form, done)
}

async fn run_change(
    state: &Console,
    who: Who,
    id: String,
    seen: IfMatch,
    body: String,
) -> Result<(), Error> {
    let input: PatchComponent = parse(body.as_bytes())?;
    let command = move |tx: &rusqlite::Transaction, ctx: &Ctx| {
        components::change(tx, ctx, &id, &seen, input.read(ctx)?)
    };
    state.writer.run(who, command).await.map(|_| ())
}

/// `POST /console/components`: a new channel or group, as `POST /components` adds it.
pub async fn create(
    State(state): State<Console>,
    posted: Posted<scope::Components>,
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let all = catalogue(&state)
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    let form = ComponentForm::blank(&all, lang).sent(&posted.fields, &all, lang);
    let body = form.create_body().to_string();
    let who = who(&posted);
    let done = async {
        let input: CreateComponent = parse(body.as_bytes())?;
        let command = move |tx: &rusqlite::Transaction, ctx: &Ctx| {
            components::create(tx, ctx, input.read(ctx)?)
        };
        state.writer.run(who, command).await.map(|_| ())
    };
    let done = done.await;
    answer(&posted, &all, form, done)
}

fn who(posted: &Posted<scope::Components>) -> Who {
    Who::person(&posted.signed.session.person)
}

/// After a change: back to the page; or, refused, the page again with the problems and
/// the form as sent.
fn answer(
    posted: &Posted<scope::Components>,
    all: &[Component],
    form: ComponentForm,
    done: Result<(), Error>,
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let e = match done {
        Ok(()) => return Ok(Redirect::to("/console/components").into_response()),
        Err(e) => e,
    };
    let (status, problems) = kept(e).map_err(|e| Refusal::Failed(lang, e))?;
    let page = page(&posted.signed.session, lang, all, Some(form), problems);
    Ok(html(status, &page))
}

async fn catalogue(state: &Console) -> Result<Vec<Component>, Error> {
    state
        .store
        .read(Reader::Operator, |conn| {
            Ok::<_, Error>(store::all_components(conn, false)?)
        })
        .await
}
