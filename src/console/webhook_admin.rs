//! `/console/webhooks`, for admins (scope `components`, as the admin API's): the webhook
//! endpoints, a disabled one flagged in words with its reason and since when; adding one
//! (its secret is on the answer page this once, as is a rotated one), sending a test
//! event, turning one off or on, deleting one. The forms are read by the admin API's
//! `CreateWebhook` and `PatchWebhook` and run as `service::webhooks`'s commands.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value, json};

use super::Console;
use super::form::{Fields, Posted};
use super::inputs::{boolean, kept};
use super::pages::{Frame, html};
use super::session::{Refusal, Signed};
use super::views::Pick;
use crate::admin::input::{CreateWebhook, PatchWebhook, parse};
use crate::admin::scope;
use crate::domain::texts::{WebhookAdminTexts, webhook_admin_texts};
use crate::domain::{Component, EventKind, Lang, Session, Webhook, WebhookFormat};
use crate::error::Error;
use crate::service::webhooks::{self, WithSecret};
use crate::service::{Ctx, Who};
use crate::snapshot::TimeFormat;
use crate::store::{self, Reader};

#[derive(Template)]
#[template(path = "console/webhooks.html")]
struct WebhooksPage {
    frame: Frame,
    w: &'static WebhookAdminTexts,
    rows: Vec<Row>,
    form: AddForm,
    problems: Vec<String>,
}

struct Row {
    id: String,
    url: String,
    format: &'static str,
    lang: &'static str,
    events: String,
    components: String,
    disabled: Option<Disabled>,
    failing_since: Option<String>,
}

/// Why and since when an endpoint is sent nothing.
struct Disabled {
    since: String,
    reason: String,
}

/// The add form, as typed.
struct AddForm {
    url: String,
    /// As sent, so a value the page does not offer is refused, not replaced.
    format: String,
    lang: String,
    formats: Vec<Choice>,
    langs: Vec<Choice>,
    events: Vec<Choice>,
    components: Vec<Pick>,
}

/// An option or a checkbox: its value, its words, whether it is chosen.
struct Choice {
    value: &'static str,
    text: &'static str,
    checked: bool,
}

impl AddForm {
    /// The form as `fields` sent it; blank, the page's language chosen, without them.
    fn new(fields: Option<&Fields>, all: &[Component], lang: Lang, default_lang: Lang) -> AddForm {
        let w = webhook_admin_texts(lang);
        let get = |name: &str| fields.and_then(|f| f.get(name)).unwrap_or("").to_string();
        let ticked = |name: &str| -> Vec<String> {
            fields.map_or_else(Vec::new, |f| f.all(name).map(str::to_string).collect())
        };
        let (format, events) = (get("format"), ticked("event"));
        let sent_lang = get("lang");
        let lang_shown = if fields.is_some() {
            sent_lang.clone()
        } else {
            default_lang.code().to_string()
        };
        AddForm {
            url: get("url"),
            formats: WebhookFormat::ALL
                .iter()
                .map(|f| Choice {
                    value: f.as_str(),
                    text: (w.format_name)(*f),
                    checked: format == f.as_str(),
                })
                .collect(),
            langs: Lang::ALL
                .iter()
                .map(|l| Choice {
                    value: l.code(),
                    text: (w.lang_name)(*l),
                    checked: lang_shown == l.code(),
                })
                .collect(),
            events: EventKind::ALL
                .iter()
                .map(|k| Choice {
                    value: k.as_str(),
                    text: (w.event_name)(*k),
                    checked: events.iter().any(|e| e == k.as_str()),
                })
                .collect(),
            components: Pick::channels(all, "", &ticked("component"), lang),
            format,
            lang: sent_lang,
        }
    }

    /// The body `POST /webhooks` takes: nothing ticked is every event, every channel.
    fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("url".into(), json!(self.url));
        for (name, typed) in [("format", &self.format), ("lang", &self.lang)] {
            if !typed.is_empty() {
                body.insert(name.into(), json!(typed));
            }
        }
        let events: Vec<&str> = (self.events.iter())
            .filter(|e| e.checked)
            .map(|e| e.value)
            .collect();
        let components: Vec<&str> = (self.components.iter())
            .filter(|c| c.checked)
            .map(|c| c.id.as_str())
            .collect();
        if !events.is_empty() {
            body.insert("events".into(), json!(events));
        }
        if !components.is_empty() {
            body.insert("components".into(), json!(components));
        }
        Value::Object(body)
    }
}

impl Row {
    fn new(h: &Webhook, all: &[Component], w: &WebhookAdminTexts, time: &TimeFormat) -> Row {
        let name = |id: &str| {
            all.iter()
                .find(|c| c.id.as_str() == id)
                .map_or_else(|| id.to_string(), |c| c.name.get(time.lang).to_string())
        };
        let joined =
            |names: Option<Vec<String>>| names.map_or(w.every.to_string(), |n| n.join(", "));
        Row {
            id: h.id.clone(),
            url: h.url.clone(),
            format: (w.format_name)(h.format),
            lang: (w.lang_name)(h.lang),
            events: joined(
                h.events
                    .as_ref()
                    .map(|e| e.iter().map(|k| (w.event_name)(*k).to_string()).collect()),
            ),
            components: joined(
                h.components
                    .as_ref()
                    .map(|c| c.iter().map(|id| name(id.as_str())).collect()),
            ),
            disabled: h.disabled_at.map(|at| Disabled {
                since: time.date_time(at),
                reason: h.disabled_reason.clone().unwrap_or_default(),
            }),
            failing_since: h.failing_since.map(|at| time.date_time(at)),
        }
    }
}

/// The answer to a new endpoint or a rotated secret: the secret, this once.
#[derive(Template)]
#[template(path = "console/webhook_secret.html")]
struct SecretPage {
    frame: Frame,
    w: &'static WebhookAdminTexts,
    id: String,
    url: String,
    rotated: bool,
    secret: String,
}

fn page(
    state: &Console,
    session: &Session,
    lang: Lang,
    (hooks, all): &(Vec<Webhook>, Vec<Component>),
    sent: Option<&Fields>,
    problems: Vec<String>,
) -> WebhooksPage {
    let w = webhook_admin_texts(lang);
    let time = state.time(lang);
    WebhooksPage {
        frame: Frame::new(lang, w.title, Some(session)),
        w,
        rows: hooks.iter().map(|h| Row::new(h, all, w, &time)).collect(),
        form: AddForm::new(sent, all, lang, state.default_lang),
        problems,
    }
}

/// `GET /console/webhooks`
pub async fn show(
    State(state): State<Console>,
    signed: Signed<scope::Components>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let found = everything(&state)
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    let page = page(&state, &signed.session, lang, &found, None, Vec::new());
    Ok(html(StatusCode::OK, &page))
}

/// `POST /console/webhooks` with `url`, `format`, `lang`, `event` and `component` (both
/// repeated): as `POST /webhooks` adds one. The answer shows the secret; nothing else
/// ever does.
pub async fn create(
    State(state): State<Console>,
    posted: Posted<scope::Components>,
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let found = everything(&state)
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    let form = AddForm::new(Some(&posted.fields), &found.1, lang, state.default_lang);
    let body = form.body().to_string();
    let made = async {
        let input: CreateWebhook = parse(body.as_bytes())?;
        let command = move |tx: &rusqlite::Transaction, ctx: &Ctx| {
            webhooks::create(tx, ctx, |catalog| input.read(ctx.default_lang, catalog))
        };
        state.writer.run(who(&posted), command).await
    };
    let done = made.await.map(|made| secret_page(&posted, made, false));
    answer(&state, &posted, done, Some(&posted.fields)).await
}

/// `POST /console/webhooks/{id}/rotate`: a new secret, shown this once; the old one stops
/// signing at once.
pub async fn rotate(
    State(state): State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Components>,
) -> Result<Response, Refusal> {
    let command =
        move |tx: &rusqlite::Transaction, ctx: &Ctx| webhooks::rotate_secret(tx, ctx, &id);
    let done = state.writer.run(who(&posted), command).await;
    let done = done.map(|made| secret_page(&posted, made, true));
    answer(&state, &posted, done, None).await
}

/// `POST /console/webhooks/{id}/test`: a `webhook.test` event queued for it alone; on to
/// its deliveries, where it shows.
pub async fn send_test(
    State(state): State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Components>,
) -> Result<Response, Refusal> {
    let to = format!("/console/webhooks/{id}");
    let command = move |tx: &rusqlite::Transaction, ctx: &Ctx| webhooks::send_test(tx, ctx, &id);
    let done = state.writer.run(who(&posted), command).await;
    let done = done.map(|_| Redirect::to(&to).into_response());
    answer(&state, &posted, done, None).await
}

/// `POST /console/webhooks/{id}/enabled` with `enabled` (`true` or `false`): as `PATCH
/// /webhooks/{id}` turns it on (its failures forgotten) or off.
pub async fn set_enabled(
    State(state): State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Components>,
) -> Result<Response, Refusal> {
    let typed = posted.fields.get("enabled").unwrap_or("");
    let body = json!({ "enabled": boolean(typed) }).to_string();
    let done = async {
        let input: PatchWebhook = parse(body.as_bytes())?;
        let command = move |tx: &rusqlite::Transaction, ctx: &Ctx| {
            webhooks::change(tx, ctx, &id, |_, catalog| input.read(catalog))
        };
        state.writer.run(who(&posted), command).await
    };
    let done = done.await.map(|_| listed());
    answer(&state, &posted, done, None).await
}

/// `POST /console/webhooks/{id}/delete`: nothing more is sent to it.
pub async fn delete(
    State(state): State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Components>,
) -> Result<Response, Refusal> {
    let command = move |tx: &rusqlite::Transaction, ctx: &Ctx| webhooks::delete(tx, ctx, &id);
    let done = state.writer.run(who(&posted), command).await;
    answer(&state, &posted, done.map(|_| listed()), None).await
}

fn who(posted: &Posted<scope::Components>) -> Who {
    Who::person(&posted.signed.session.person)
}

fn listed() -> Response {
    Redirect::to("/console/webhooks").into_response()
}

fn secret_page(posted: &Posted<scope::Components>, made: WithSecret, rotated: bool) -> Response {
    let (lang, w) = (posted.signed.lang, webhook_admin_texts(posted.signed.lang));
    let title = if rotated {
        w.rotated_secret
    } else {
        w.new_secret
    };
    let page = SecretPage {
        frame: Frame::new(lang, title, Some(&posted.signed.session)),
        w,
        id: made.webhook.id,
        url: made.webhook.url,
        rotated,
        secret: made.secret,
    };
    let status = if rotated {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    html(status, &page)
}

/// After a change: its answer; or, refused, the page again with the problems and the add
/// form as sent.
async fn answer(
    state: &Console,
    posted: &Posted<scope::Components>,
    done: Result<Response, Error>,
    sent: Option<&Fields>,
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let failed = |e| Refusal::Failed(lang, e);
    let e = match done {
        Ok(answer) => return Ok(answer),
        Err(e) => e,
    };
    let (status, problems) = kept(e).map_err(failed)?;
    let found = everything(state).await.map_err(failed)?;
    let page = page(state, &posted.signed.session, lang, &found, sent, problems);
    Ok(html(status, &page))
}

/// Every endpoint, and the catalogue to name their channels and offer them.
async fn everything(state: &Console) -> Result<(Vec<Webhook>, Vec<Component>), Error> {
    state
        .store
        .read(Reader::Operator, |conn| {
            Ok::<_, Error>((
                store::all_webhooks(conn)?,
                store::all_components(conn, false)?,
            ))
        })
        .await
}
