//! `/console/keys`, for admins (scope `keys`): the API keys, revoked ones included; making
//! one (its secret is on the answer page this once, never stored, shown or logged again)
//! and revoking one (at once). The commands are `service::keys`'s, as the admin API runs
//! them.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::Console;
use super::form::Posted;
use super::inputs::kept;
use super::pages::{Frame, html};
use super::session::{Refusal, Signed};
use crate::admin::scope;
use crate::domain::{ApiKey, Lang, Scope, Session, console_texts};
use crate::error::Error;
use crate::service::keys::{self, MadeKey};
use crate::service::{Ctx, Who};
use crate::store::{self, Reader};

#[derive(Template)]
#[template(path = "console/keys.html")]
struct KeysPage {
    frame: Frame,
    keys: Vec<Row>,
    scopes: Vec<ScopeChoice>,
    /// The name sent, when the form came back refused.
    name: String,
    problems: Vec<String>,
}

struct Row {
    id: String,
    name: String,
    scopes: String,
    created: String,
    last_used: Option<String>,
    revoked: Option<String>,
}

struct ScopeChoice {
    value: &'static str,
    text: &'static str,
    checked: bool,
}

/// The answer to a new key: the secret, this once.
#[derive(Template)]
#[template(path = "console/new_key.html")]
struct NewKeyPage {
    frame: Frame,
    name: String,
    scopes: String,
    secret: String,
}

fn page(
    state: &Console,
    session: &Session,
    lang: Lang,
    all: &[ApiKey],
    (name, ticked): (String, Vec<String>),
    problems: Vec<String>,
) -> KeysPage {
    let t = console_texts(lang).manage;
    let time = state.time(lang);
    KeysPage {
        frame: Frame::new(lang, t.keys, Some(session)),
        keys: all
            .iter()
            .map(|k| Row {
                id: k.id.clone(),
                name: k.name.clone(),
                scopes: Scope::join(&k.scopes),
                created: time.date_time(k.created_at),
                last_used: k.last_used_at.map(|at| time.date_time(at)),
                revoked: k.revoked_at.map(|at| time.date_time(at)),
            })
            .collect(),
        scopes: Scope::ALL
            .iter()
            .map(|s| ScopeChoice {
                value: s.as_str(),
                text: t.scope(*s),
                checked: ticked.iter().any(|x| x == s.as_str()),
            })
            .collect(),
        name,
        problems,
    }
}

/// `GET /console/keys`
pub async fn show(
    State(state): State<Console>,
    signed: Signed<scope::Keys>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let all = all_keys(&state)
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    let blank = (String::new(), vec![Scope::Read.as_str().to_string()]);
    let page = page(&state, &signed.session, lang, &all, blank, Vec::new());
    Ok(html(StatusCode::OK, &page))
}

/// `POST /console/keys` with `name` and `scope` (repeated): as `POST /keys` makes one.
/// The answer shows the secret; nothing else ever does.
pub async fn create(
    State(state): State<Console>,
    posted: Posted<scope::Keys>,
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let failed = |e| Refusal::Failed(lang, e);
    let name = posted.fields.get("name").unwrap_or("").to_string();
    let ticked: Vec<String> = posted.fields.all("scope").map(str::to_string).collect();
    let who = Who::person(&posted.signed.session.person);
    let e = match make(&state, who, name.clone(), &ticked).await {
        Ok(made) => return Ok(made_page(&posted.signed.session, lang, made)),
        Err(e) => e,
    };
    let (status, problems) = kept(e).map_err(failed)?;
    let all = all_keys(&state).await.map_err(failed)?;
    let session = &posted.signed.session;
    let page = page(&state, session, lang, &all, (name, ticked), problems);
    Ok(html(status, &page))
}

/// Makes the key, with the scopes ticked read as every writer reads them.
async fn make(
    state: &Console,
    who: Who,
    name: String,
    ticked: &[String],
) -> Result<MadeKey, Error> {
    let scopes = Scope::parse_list(ticked.iter().map(String::as_str), "scopes")
        .map_err(|e| Error::Invalid(vec![e]))?;
    let command =
        move |tx: &rusqlite::Transaction, ctx: &Ctx| keys::create(tx, ctx, &name, &scopes);
    state.writer.run(who, command).await
}

fn made_page(session: &Session, lang: Lang, made: MadeKey) -> Response {
    let page = NewKeyPage {
        frame: Frame::new(
            lang,
            console_texts(lang).manage.new_key_title,
            Some(session),
        ),
        name: made.key.name.clone(),
        scopes: Scope::join(&made.key.scopes),
        secret: made.secret,
    };
    html(StatusCode::CREATED, &page)
}

/// `POST /console/keys/{id}/revoke`: refused from the next request on.
pub async fn revoke(
    State(state): State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Keys>,
) -> Result<Response, Refusal> {
    let who = Who::person(&posted.signed.session.person);
    state
        .writer
        .run(who, move |tx, ctx| keys::revoke(tx, ctx, &id))
        .await
        .map_err(|e| Refusal::Failed(posted.signed.lang, e))?;
    Ok(Redirect::to("/console/keys").into_response())
}

async fn all_keys(state: &Console) -> Result<Vec<ApiKey>, Error> {
    state
        .store
        .read(Reader::Operator, |conn| {
            Ok::<_, Error>(store::all_keys(conn)?)
        })
        .await
}
