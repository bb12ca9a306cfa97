//! Who is signed in: the session cookie, read on every console request, and the role's
//! scope a route needs, named in the extractor's type (as `Auth<S>` does for keys).

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::Console;
use super::pages::{Refused, lang_of};
use crate::admin::scope;
use crate::domain::{Lang, Session};
use crate::error::Error;
use crate::service::people::{self, session_for};
use crate::store::Reader;

pub const COOKIE: &str = "paystatus_console";

/// A signed-in person whose role has the scope `S` asks for.
pub struct Signed<S: scope::Required> {
    pub session: Session,
    pub lang: Lang,
    _scope: PhantomData<S>,
}

/// Why a console request is not served as asked.
pub enum Refusal {
    /// No live session: to the login page.
    SignIn,
    /// Signed in, but the role may not do this, or the form is forged: a plain 403 page.
    Forbidden(Lang, &'static str),
    Failed(Lang, Error),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::SignIn => Redirect::to("/console/login").into_response(),
            Refusal::Forbidden(lang, why) => Refused::forbidden(lang, why).into_response(),
            Refusal::Failed(lang, e) => Refused::failed(lang, e).into_response(),
        }
    }
}

/// The value of the cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session cookie: scoped to the console, out of scripts' reach, not sent with
/// cross-site subrequests, and only over https when the site is https.
pub fn session_cookie(state: &Console, token: &str, max_age_seconds: i64) -> String {
    format!(
        "{COOKIE}={token}; Path=/console; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{}",
        if state.secure_cookies { "; Secure" } else { "" }
    )
}

impl<S: scope::Required> FromRequestParts<Console> for Signed<S> {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &Console) -> Result<Self, Refusal> {
        let lang = lang_of(&parts.headers, state.default_lang);
        let session = live_session(&parts.headers, state)
            .await
            .map_err(|e| Refusal::Failed(lang, e))?
            .ok_or(Refusal::SignIn)?;
        // People are named by their email, as in the audit log.
        crate::telemetry::actor::note(&session.person.email);
        if let Some(scope) = S::SCOPE
            && !session.person.has(scope)
        {
            return Err(Refusal::Forbidden(lang, "role"));
        }
        Ok(Signed {
            session,
            lang,
            _scope: PhantomData,
        })
    }
}

/// The live session of the request's cookie. Its use is written (at most once a minute)
/// before the page is made, never while it is.
pub async fn live_session(headers: &HeaderMap, state: &Console) -> Result<Option<Session>, Error> {
    let Some(token) = cookie(headers, COOKIE).map(str::to_string) else {
        return Ok(None);
    };
    let (now, limits) = (state.clock.now(), state.limits);
    let found = state
        .store
        .read(Reader::Operator, move |conn| {
            session_for(conn, &token, now, &limits)
        })
        .await?;
    let Some(live) = found else {
        return Ok(None);
    };
    if let Some(touch) = live.touch {
        state
            .store
            .write(move |tx| people::touch_session(tx, &touch))
            .await?;
    }
    Ok(Some(live.session))
}
