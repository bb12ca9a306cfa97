//! `/console/people`, for admins (scope `keys`): who may sign in, with their role, whether
//! they still may, and when they last did; adding a person, changing a role, disabling
//! someone (which ends their sessions at once). The commands are `service::people`'s, as
//! the command line runs them; a new password is hashed before the write, off the async
//! threads.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::Console;
use super::form::Posted;
use super::inputs::kept;
use super::pages::{Frame, html};
use super::session::{Refusal, Signed};
use crate::admin::scope;
use crate::domain::{FieldErrors, Lang, Person, Role, Session, console_texts};
use crate::error::Error;
use crate::service::{Ctx, Who, people};
use crate::store::{self, Reader};

#[derive(Template)]
#[template(path = "console/people.html")]
struct PeoplePage {
    frame: Frame,
    people: Vec<Row>,
    roles: Vec<(&'static str, &'static str)>,
    /// The add form as sent, when it came back refused (never the password).
    email: String,
    role: String,
    problems: Vec<String>,
}

struct Row {
    /// For element ids: the person's id.
    key: String,
    email: String,
    role: &'static str,
    role_text: &'static str,
    disabled: Option<String>,
    last_login: Option<String>,
}

fn page(
    state: &Console,
    session: &Session,
    lang: Lang,
    all: &[Person],
    (email, role): (String, String),
    problems: Vec<String>,
) -> PeoplePage {
    let t = console_texts(lang).manage;
    let time = state.time(lang);
    PeoplePage {
        frame: Frame::new(lang, t.people, Some(session)),
        people: all
            .iter()
            .map(|p| Row {
                key: p.id.clone(),
                email: p.email.clone(),
                role: p.role.as_str(),
                role_text: t.role(p.role),
                disabled: p.disabled_at.map(|at| time.date_time(at)),
                last_login: p.last_login_at.map(|at| time.date_time(at)),
            })
            .collect(),
        roles: Role::ALL.iter().map(|r| (r.as_str(), t.role(*r))).collect(),
        email,
        role,
        problems,
    }
}

/// `GET /console/people`
pub async fn show(
    State(state): State<Console>,
    signed: Signed<scope::Keys>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let all = everyone(&state)
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    let blank = (String::new(), Role::Editor.as_str().to_string());
    let page = page(&state, &signed.session, lang, &all, blank, Vec::new());
    Ok(html(StatusCode::OK, &page))
}

/// `POST /console/people` with `email`, `role` and `password`: as `users create` adds
/// someone. Every problem of the form is told at once; the password is never shown back.
pub async fn create(
    State(state): State<Console>,
    posted: Posted<scope::Keys>,
) -> Result<Response, Refusal> {
    let email = posted.fields.get("email").unwrap_or("").to_string();
    let role_sent = posted.fields.get("role").unwrap_or("").to_string();
    let password = posted.fields.get("password").unwrap_or("").to_string();
    let mut errors = FieldErrors::default();
    let role = errors.check(Role::read(&role_sent, "role"));
    let hashed = tokio::task::spawn_blocking(move || people::hash_new_password(&password))
        .await
        .map_err(|e| Error::Internal(format!("the password could not be hashed: {e}")));
    let done = match (hashed.and_then(|h| h), role) {
        (Err(Error::Invalid(refused)), _) => Err(Error::Invalid([errors.0, refused].concat())),
        (Err(e), _) => Err(e),
        (Ok(_), None) => Err(Error::Invalid(errors.0)),
        (Ok(hash), Some(role)) => {
            let (who, email) = (Who::person(&posted.signed.session.person), email.clone());
            let command = move |tx: &rusqlite::Transaction, ctx: &Ctx| {
                people::create_person(tx, ctx, &email, role, &hash)
            };
            state.writer.run(who, command).await.map(|_| ())
        }
    };
    answer(&state, &posted, done, (email, role_sent)).await
}

/// `POST /console/people/role` with `email` and `role`: from their next request on.
pub async fn set_role(
    State(state): State<Console>,
    posted: Posted<scope::Keys>,
) -> Result<Response, Refusal> {
    let email = posted.fields.get("email").unwrap_or("").to_string();
    let role = Role::read(posted.fields.get("role").unwrap_or(""), "role");
    let who = Who::person(&posted.signed.session.person);
    let done = match role {
        Err(e) => Err(Error::Invalid(vec![e])),
        Ok(role) => state
            .writer
            .run(who, move |tx, ctx| people::set_role(tx, ctx, &email, role))
            .await
            .map(|_| ()),
    };
    answer(&state, &posted, done, blank()).await
}

/// `POST /console/people/disable` with `email`: they are signed out at once, for good.
pub async fn disable(
    State(state): State<Console>,
    posted: Posted<scope::Keys>,
) -> Result<Response, Refusal> {
    let email = posted.fields.get("email").unwrap_or("").to_string();
    let who = Who::person(&posted.signed.session.person);
    let done = state
        .writer
        .run(who, move |tx, ctx| people::disable_person(tx, ctx, &email))
        .await
        .map(|_| ());
    answer(&state, &posted, done, blank()).await
}

fn blank() -> (String, String) {
    (String::new(), Role::Editor.as_str().to_string())
}

/// After a change: back to the page; or, refused, the page again with the problems and
/// the add form as sent.
async fn answer(
    state: &Console,
    posted: &Posted<scope::Keys>,
    done: Result<(), Error>,
    sent: (String, String),
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let failed = |e| Refusal::Failed(lang, e);
    let e = match done {
        Ok(()) => return Ok(Redirect::to("/console/people").into_response()),
        Err(e) => e,
    };
    let (status, problems) = kept(e).map_err(failed)?;
    let all = everyone(state).await.map_err(failed)?;
    let page = page(state, &posted.signed.session, lang, &all, sent, problems);
    Ok(html(status, &page))
}

async fn everyone(state: &Console) -> Result<Vec<Person>, Error> {
    state
        .store
        .read(Reader::Operator, |conn| {
            Ok::<_, Error>(store::all_people(conn)?)
        })
        .await
}
