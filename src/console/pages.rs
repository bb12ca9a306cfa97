//! What every console page shares: the frame (words, who is signed in, the CSRF token
//! forms carry), the language, the answer's headers, and the refusal pages.

use askama::Template;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::session::cookie;
use crate::domain::texts::{subscriber_admin_texts, webhook_admin_texts};
use crate::domain::{ConsoleTexts, Lang, Scope, Session, console_texts};
use crate::error::Error;

const LANG_COOKIE: &str = "paystatus_console_lang";

/// What the frame of a page shows.
pub struct Frame {
    pub t: &'static ConsoleTexts,
    pub title: String,
    /// Who is signed in, and their form token; `None` on the login page.
    pub who: Option<String>,
    pub csrf: String,
    /// What the signed-in role may change, so the menu offers only what will be served:
    /// notices (`incidents`), the catalogue and templates (`components`), people and keys
    /// (`keys`).
    pub can_incidents: bool,
    pub can_components: bool,
    pub can_keys: bool,
    /// The menu's name for the email subscribers page.
    pub subscribers: &'static str,
    /// The menu's name for the webhooks page.
    pub webhooks: &'static str,
}

impl Frame {
    pub fn new(lang: Lang, title: impl Into<String>, session: Option<&Session>) -> Frame {
        let can = |scope| session.is_some_and(|s| s.person.has(scope));
        Frame {
            t: console_texts(lang),
            title: title.into(),
            who: session.map(|s| format!("{} ({})", s.person.email, s.person.role.as_str())),
            csrf: session.map(|s| s.csrf_token.clone()).unwrap_or_default(),
            can_incidents: can(Scope::Incidents),
            can_components: can(Scope::Components),
            can_keys: can(Scope::Keys),
            subscribers: subscriber_admin_texts(lang).title,
            webhooks: webhook_admin_texts(lang).title,
        }
    }
}

/// The language chosen in the console (a cookie), else the page's default.
pub fn lang_of(headers: &HeaderMap, default: Lang) -> Lang {
    match cookie(headers, LANG_COOKIE) {
        Some("en") => Lang::En,
        Some("ko") => Lang::Ko,
        _ => default,
    }
}

/// `GET /console/lang/{ko|en}`: remembers the choice and goes back to the dashboard.
pub async fn choose_lang(Path(lang): Path<String>) -> Response {
    let lang = if lang == "en" { "en" } else { "ko" };
    let mut response = Redirect::to("/console").into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={lang}; Path=/console; SameSite=Lax; Max-Age=31536000"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

/// A rendered page with the headers every console page has: never cached, never framed.
pub fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => {
            let mut response = (status, body).into_response();
            let h = response.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
                ),
            );
            h.insert("x-frame-options", HeaderValue::from_static("DENY"));
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            );
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "a console page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be made",
            )
                .into_response()
        }
    }
}

/// A page saying why a request was not done, in plain words.
#[derive(Template)]
#[template(path = "console/refused.html")]
pub struct Refused {
    pub frame: Frame,
    pub status: StatusCode,
    pub heading: &'static str,
    pub reasons: Vec<String>,
}

impl Refused {
    pub fn forbidden(lang: Lang, why: &'static str) -> Refused {
        let t = console_texts(lang);
        Refused {
            frame: Frame::new(lang, t.forbidden_title, None),
            status: StatusCode::FORBIDDEN,
            heading: t.forbidden_title,
            reasons: vec![
                match why {
                    "role" => t.forbidden_role,
                    _ => t.forbidden_form,
                }
                .to_string(),
            ],
        }
    }

    pub fn failed(lang: Lang, e: Error) -> Refused {
        let t = console_texts(lang);
        let status = e.status();
        let reasons = match &e {
            Error::Invalid(errors) => errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect(),
            Error::NotFound(_) => vec![t.not_found.to_string()],
            Error::PreconditionFailed => vec![e.to_string()],
            other if status.is_server_error() => {
                // The details are for the log, not the page.
                tracing::error!(error = %other, "a console request failed");
                vec![t.failed_title.to_string()]
            }
            other => vec![other.to_string()],
        };
        Refused {
            frame: Frame::new(lang, t.failed_title, None),
            status,
            heading: t.failed_title,
            reasons,
        }
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        html(self.status, &self)
    }
}

/// The console's own stylesheet (small; the console is not under load).
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        include_str!("../../assets/console.css"),
    )
        .into_response()
}
