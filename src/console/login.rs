//! Signing in and out. A login is checked in three steps so that nothing shared is held
//! while Argon2 runs: read the person (a read), verify the password (a blocking thread),
//! start the session (a short write). Failures are throttled per client and per email,
//! and a throttled login is refused before its password is even tried.

use std::time::Instant;

use askama::Template;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::Console;
use super::form::{Fields, Posted, same_origin};
use super::pages::{Frame, Refused, html, lang_of};
use super::session::{COOKIE, session_cookie};
use crate::admin::scope;
use crate::domain::{Lang, console_texts};
use crate::error::Error;
use crate::service::Who;
use crate::service::people::{self, login_candidate};
use crate::store::Reader;
use crate::web::client::client_address;
use crate::web::throttle::Subject;

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    frame: Frame,
    email: String,
    problem: Option<String>,
}

fn login_page(lang: Lang, status: StatusCode, email: &str, problem: Option<String>) -> Response {
    let t = console_texts(lang);
    let page = LoginPage {
        frame: Frame::new(lang, t.sign_in_title, None),
        email: email.to_string(),
        problem,
    };
    html(status, &page)
}

/// `GET /console/login`
pub async fn form(State(state): State<Console>, headers: axum::http::HeaderMap) -> Response {
    login_page(
        lang_of(&headers, state.default_lang),
        StatusCode::OK,
        "",
        None,
    )
}

/// `POST /console/login` with `email` and `password`.
pub async fn submit(State(state): State<Console>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let lang = lang_of(&parts.headers, state.default_lang);
    if !same_origin(&parts.headers, &state.origin) {
        return Refused::forbidden(lang, "origin").into_response();
    }
    let client = client_address(&parts, &state.trusted_proxies);
    let fields = match axum::body::to_bytes(body, 16 * 1024).await {
        Ok(bytes) => Fields::parse(&bytes),
        Err(e) => Err(Error::invalid("form", format!("cannot be read: {e}"))),
    };
    let fields = match fields {
        Ok(f) => f,
        Err(e) => return Refused::failed(lang, e).into_response(),
    };
    let email = fields.get("email").unwrap_or("").to_string();
    let password = fields.get("password").unwrap_or("").to_string();
    let subjects = [
        Subject::address(client),
        Subject::Login(email.to_lowercase()),
    ];
    if let Err(wait) = state.login_throttle.check(&subjects, Instant::now()) {
        return throttled(lang, &email, wait);
    }
    match sign_in(&state, email.clone(), password).await {
        Ok(token) => signed_in(&state, &token),
        Err(Error::LoginRefused) => match state.login_throttle.failed(&subjects, Instant::now()) {
            Ok(()) => {
                let problem = console_texts(lang).login_refused.to_string();
                login_page(lang, StatusCode::UNAUTHORIZED, &email, Some(problem))
            }
            Err(wait) => throttled(lang, &email, wait),
        },
        Err(e) => Refused::failed(lang, e).into_response(),
    }
}

/// To the dashboard, with the new session's cookie.
fn signed_in(state: &Console, token: &str) -> Response {
    let mut r = Redirect::to("/console").into_response();
    let max_age = state.limits.absolute.num_seconds();
    if let Ok(v) = HeaderValue::from_str(&session_cookie(state, token, max_age)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// 429: the login page again, saying when to come back.
fn throttled(lang: Lang, email: &str, wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    let problem = format!("{} {seconds}", console_texts(lang).login_throttled);
    let mut r = login_page(lang, StatusCode::TOO_MANY_REQUESTS, email, Some(problem));
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    r
}

/// Checks the password and starts a session; the new session's token.
async fn sign_in(state: &Console, email: String, password: String) -> Result<String, Error> {
    let candidate = state
        .store
        .read(Reader::Operator, move |conn| login_candidate(conn, &email))
        .await?;
    let verified = tokio::task::spawn_blocking(move || candidate.verify(&password))
        .await
        .map_err(|e| Error::Internal(format!("the password check stopped: {e}")))??;
    let limits = state.limits;
    let who = Who::person(verified.person());
    let session = state
        .writer
        .run(who, move |tx, ctx| {
            people::log_in(tx, ctx, &verified, &limits)
        })
        .await?;
    Ok(session.token)
}

/// `POST /console/logout`: ends the session here and now.
pub async fn logout(State(state): State<Console>, posted: Posted<scope::Checked>) -> Response {
    let session = &posted.signed.session;
    let who = Who::person(&session.person);
    let lang = posted.signed.lang;
    // The form proved the session; its cookie names it.
    let token = posted.token;
    let ended = state
        .writer
        .run(who, move |tx, ctx| people::log_out(tx, ctx, &token))
        .await;
    match ended {
        Ok(()) | Err(Error::NotFound(_)) => {
            let mut r = Redirect::to("/console/login").into_response();
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{COOKIE}=; Path=/console; HttpOnly; SameSite=Lax; Max-Age=0"
            )) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => Refused::failed(lang, e).into_response(),
    }
}
