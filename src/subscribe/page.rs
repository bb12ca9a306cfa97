//! The subscription pages: one template for the form, the confirmation button, the
//! manage form and the plain answers, in the reader's language, without script.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::domain::texts::{MailTexts, mail_texts};
use crate::domain::{Component, ComponentId, Lang};

#[derive(Template)]
#[template(path = "subscribe/page.html")]
pub struct Page {
    pub lang: &'static str,
    pub t: &'static MailTexts,
    pub site_name: String,
    pub css_url: String,
    pub home_url: String,
    pub title: &'static str,
    pub body: Option<&'static str>,
    /// A problem with what was sent, or a confirmation it was done.
    pub note: Option<&'static str>,
    /// A further link (the manage page, after confirming).
    pub link: Option<(String, &'static str)>,
    pub form: Option<Form>,
}

pub struct Form {
    pub action: String,
    /// The subscribe form asks for the address; the others know it.
    pub email: Option<String>,
    /// Channels and languages to choose from; empty on the confirmation button.
    pub channels: Vec<Choice>,
    pub langs: Vec<Choice>,
    pub button: &'static str,
    /// The manage form's second button.
    pub unsubscribe: bool,
}

pub struct Choice {
    pub value: String,
    pub name: String,
    pub checked: bool,
}

impl Form {
    /// A form choosing channels and language, `chosen` ticked.
    pub fn choosing(
        action: String,
        lang: Lang,
        catalogue: &[Component],
        chosen: &[ComponentId],
        chosen_lang: Lang,
    ) -> Form {
        Form {
            action,
            email: None,
            channels: catalogue
                .iter()
                .filter(|c| !c.is_group)
                .map(|c| Choice {
                    value: c.id.as_str().to_string(),
                    name: c.name.get(lang).to_string(),
                    checked: chosen.contains(&c.id),
                })
                .collect(),
            langs: [(Lang::Ko, "한국어"), (Lang::En, "English")]
                .into_iter()
                .map(|(l, name)| Choice {
                    value: l.code().to_string(),
                    name: name.to_string(),
                    checked: l == chosen_lang,
                })
                .collect(),
            button: mail_texts(lang).save_button,
            unsubscribe: false,
        }
    }
}

/// A rendered page: never cached (its links are someone's), never framed, and no
/// `Referer` leaves it, since its address holds a token.
pub fn html(status: StatusCode, page: &Page) -> Response {
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
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "a subscription page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be made",
            )
                .into_response()
        }
    }
}
