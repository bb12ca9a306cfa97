//! Writing incidents from the console: the new-notice form (pre-filled from a template,
//! previewed, saved as a draft or published), and one incident's page with its timeline
//! and the forms to post an update, resolve, publish a draft and write the postmortem.
//! Each form is read into the admin API's input and run as the same command.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Console;
use super::form::Posted;
use super::notice_form::{IMPACT_STATUSES, NoticeFields};
use super::pages::{Frame, html};
use super::session::{Refusal, Signed};
use crate::admin::input::{CreateIncident, OpensNotice, parse};
use crate::admin::scope;
use crate::domain::texts::texts;
use crate::domain::{self, Component, Lang, TemplateKind, console_texts};
use crate::error::Error;
use crate::service::templates::{FillIn, prefill};
use crate::service::{Who, notices};
use crate::store::{self, Reader};

#[derive(Template)]
#[template(path = "console/new_incident.html")]
struct NewIncidentPage {
    frame: Frame,
    form: NoticeFields,
    channels: Vec<ChannelChoice>,
    statuses: Vec<(&'static str, &'static str)>,
    templates: Vec<(String, String)>,
    zone: String,
    problems: Vec<String>,
    preview: Option<Preview>,
    /// The public pages' stylesheet, for the preview.
    public_css: String,
}

/// A channel on the form, with the status picked for it ("none" when not affected).
struct ChannelChoice {
    id: String,
    name: String,
    picked: String,
}

/// The notice as customers would see it were it published, in each language: HTML the
/// public pages' own templates rendered (escaped there), shown as it is.
struct Preview {
    langs: Vec<PreviewLang>,
}

struct PreviewLang {
    lang: &'static str,
    name: &'static str,
    card_html: String,
    banner_html: Option<String>,
    incident_page_html: String,
}

#[derive(Deserialize)]
pub struct NewQuery {
    template: Option<String>,
    eta_in: Option<i64>,
}

/// What the form needs from the store.
struct Catalogue {
    components: Vec<Component>,
    templates: Vec<domain::Template>,
}

async fn catalogue(state: &Console) -> Result<Catalogue, Error> {
    state
        .store
        .read(Reader::Operator, |conn| {
            Ok::<_, Error>(Catalogue {
                components: store::all_components(conn, false)?,
                templates: store::all_templates(conn)?,
            })
        })
        .await
}

/// `GET /console/incidents/new[?template=ID&eta_in=M]`
pub async fn new_form(
    State(state): State<Console>,
    signed: Signed<scope::Incidents>,
    Query(q): Query<NewQuery>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let failed = |e| Refusal::Failed(lang, e);
    let cat = catalogue(&state).await.map_err(failed)?;
    let form = match q.template.filter(|t| !t.is_empty()) {
        None => NoticeFields::blank(&cat.components),
        Some(id) => {
            let (tz, now) = (state.timezone, state.clock.now());
            let eta = q.eta_in.map(|m| now + chrono::Duration::minutes(m));
            let applied = state
                .store
                .read(Reader::Operator, move |conn| {
                    prefill(conn, &id, tz, now, |_, _| {
                        Ok(FillIn {
                            eta,
                            components: None,
                        })
                    })
                })
                .await
                .map_err(failed)?;
            NoticeFields {
                eta_in: q.eta_in,
                ..NoticeFields::from_template(&applied, &cat.components, tz)
            }
        }
    };
    let page = new_page(&state, &signed, &cat, form, Vec::new(), None);
    Ok(html(StatusCode::OK, &page))
}

fn new_page(
    state: &Console,
    signed: &Signed<scope::Incidents>,
    cat: &Catalogue,
    form: NoticeFields,
    problems: Vec<String>,
    preview: Option<Preview>,
) -> NewIncidentPage {
    let lang = signed.lang;
    let t = console_texts(lang);
    let words = texts(lang);
    NewIncidentPage {
        frame: Frame::new(lang, t.new_incident, Some(&signed.session)),
        channels: cat
            .components
            .iter()
            .filter(|c| !c.is_group)
            .map(|c| ChannelChoice {
                id: c.id.to_string(),
                name: c.name.get(lang).to_string(),
                picked: form
                    .components
                    .iter()
                    .find(|(id, _)| id == c.id.as_str())
                    .map_or_else(|| "none".to_string(), |(_, s)| s.clone()),
            })
            .collect(),
        statuses: IMPACT_STATUSES
            .iter()
            .map(|s| (s.as_str(), words.component_status(*s)))
            .collect(),
        templates: cat
            .templates
            .iter()
            .filter(|t| t.kind == TemplateKind::Incident)
            .map(|t| (t.id.to_string(), t.name.get(lang).to_string()))
            .collect(),
        zone: state.time(lang).zone_name(),
        form,
        problems,
        preview,
        public_css: state.writer.publisher.settings().css_url.clone(),
    }
}

/// `POST /console/incidents/new` with `action` = `preview`, `draft` or `publish`.
pub async fn submit_new(
    State(state): State<Console>,
    posted: Posted<scope::Incidents>,
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let cat = catalogue(&state)
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    let form = NoticeFields::from_fields(&posted.fields, &cat.components);
    let action = posted.fields.get("action").unwrap_or("preview");
    let body = form.to_json(action != "publish", state.clock.now());
    let who = Who::person(&posted.signed.session.person);
    let result = match action {
        "draft" | "publish" => open(&state, who, body).await.map(Ok),
        _ => preview(&state, who, body).await.map(Err),
    };
    match result {
        Ok(Ok(id)) => Ok(Redirect::to(&format!("/console/incidents/{id}")).into_response()),
        Ok(Err(preview)) => {
            let page = new_page(
                &state,
                &posted.signed,
                &cat,
                form,
                Vec::new(),
                Some(preview),
            );
            Ok(html(StatusCode::OK, &page))
        }
        Err(Error::Invalid(errors)) => {
            let problems = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            let page = new_page(&state, &posted.signed, &cat, form, problems, None);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(Refusal::Failed(lang, e)),
    }
}

/// Opens the notice the body describes, through the command the admin API runs.
async fn open(state: &Console, who: Who, body: serde_json::Value) -> Result<String, Error> {
    let input: CreateIncident = parse(body.to_string().as_bytes())?;
    let notice = state
        .writer
        .run(who, move |tx, ctx| {
            notices::open(tx, ctx, |catalog| input.read(ctx, catalog))
        })
        .await?;
    Ok(notice.id.clone())
}

/// The notice the body describes, made in memory only by the same command's rules, and
/// rendered by the public pages' templates.
async fn preview(state: &Console, who: Who, body: serde_json::Value) -> Result<Preview, Error> {
    let input: CreateIncident = parse(body.to_string().as_bytes())?;
    let ctx = state.writer.context(who);
    let notice = state
        .store
        .read(Reader::Operator, move |conn| {
            notices::unsaved(conn, &ctx, |catalog| input.read(&ctx, catalog))
        })
        .await?;
    let rendered = state
        .writer
        .publisher
        .preview(&notice)
        .map_err(|e| Error::Internal(format!("the preview could not be made: {e}")))?;
    let lang = |lang: Lang| {
        let pages = rendered.get(lang);
        PreviewLang {
            lang: texts(lang).lang,
            name: console_texts(lang).language_name,
            card_html: pages.card_html.clone(),
            banner_html: pages.banner.as_ref().map(|b| b.html.clone()),
            incident_page_html: pages.incident_page_html.clone(),
        }
    };
    Ok(Preview {
        langs: vec![lang(Lang::Ko), lang(Lang::En)],
    })
}
