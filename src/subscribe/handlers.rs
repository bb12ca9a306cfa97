//! The subscription routes. Each reads its form, runs one command through the writer,
//! and answers a page; the confirmation mail is sent after the write, holding nothing.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;

use super::Subscriptions;
use super::page::{Form, Page, html};
use crate::console::form::{Fields, same_origin};
use crate::domain::texts::mail_texts;
use crate::domain::{Component, ComponentId, Lang, Subscriber, hash_key};
use crate::error::Error;
use crate::mail::render::confirm_mail;
use crate::service::Who;
use crate::service::subscribers::{self, Choices};
use crate::store::{self, Reader};
use crate::web::client::client_address;
use crate::web::public::negotiate;
use crate::web::throttle::Subject;

fn lang_of(state: &Subscriptions, parts: &Parts) -> Lang {
    negotiate(parts, state.default_lang).0
}

/// A page of `title`, with `body`, and nothing else yet.
fn page(
    state: &Subscriptions,
    lang: Lang,
    title: &'static str,
    body: Option<&'static str>,
) -> Page {
    Page {
        lang: lang.code(),
        t: mail_texts(lang),
        site_name: state.sender.site_name.clone(),
        css_url: state.css_url.clone(),
        home_url: state.sender.home_url(lang),
        title,
        body,
        note: None,
        link: None,
        form: None,
    }
}

/// The answer to a request that could not be done, in the reader's words.
fn failed(state: &Subscriptions, lang: Lang, e: Error) -> Response {
    let t = mail_texts(lang);
    let (status, title, body) = match &e {
        Error::NotFound(_) => (
            StatusCode::NOT_FOUND,
            t.link_invalid_title,
            t.link_invalid_body,
        ),
        Error::TooManyAttempts(_) => (
            StatusCode::TOO_MANY_REQUESTS,
            t.too_many_title,
            t.too_many_body,
        ),
        _ => {
            tracing::error!(error = %e, "a subscription request failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                t.unavailable,
                t.unavailable,
            )
        }
    };
    html(status, &page(state, lang, title, Some(body)))
}

fn invalid_link(state: &Subscriptions, lang: Lang) -> Response {
    failed(state, lang, Error::NotFound("subscription".into()))
}

async fn catalogue(state: &Subscriptions) -> Result<Vec<Component>, Error> {
    state
        .store
        .read(Reader::Public, |tx| {
            Ok::<_, Error>(store::all_components(tx, false)?)
        })
        .await
}

/// The subscribe form, `email` and the choices kept when it comes back refused.
async fn subscribe_form(
    state: &Subscriptions,
    lang: Lang,
    (email, chosen, chosen_lang): (String, &[ComponentId], Lang),
) -> Result<Page, Error> {
    let t = mail_texts(lang);
    let all = catalogue(state).await?;
    let mut form = Form::choosing("/subscribe".into(), lang, &all, chosen, chosen_lang);
    form.email = Some(email);
    form.button = t.subscribe_button;
    Ok(Page {
        form: Some(form),
        ..page(state, lang, t.subscribe_title, Some(t.subscribe_intro))
    })
}

/// `GET /subscribe`
pub async fn form(State(state): State<Subscriptions>, parts: Parts) -> Response {
    let lang = lang_of(&state, &parts);
    match subscribe_form(&state, lang, (String::new(), &[], lang)).await {
        Ok(p) => html(StatusCode::OK, &p),
        Err(e) => failed(&state, lang, e),
    }
}

/// The channels and language a form chose; `None` when a channel id is not one.
fn read_choices(fields: &Fields, lang: Lang) -> Option<Choices> {
    let components = fields
        .all("components")
        .map(|c| ComponentId::parse(c, "components").ok())
        .collect::<Option<Vec<_>>>()?;
    let lang = fields.get("lang").and_then(Lang::parse).unwrap_or(lang);
    Some(Choices { lang, components })
}

/// `POST /subscribe` with `email`, `components` (repeated, none: everything) and `lang`.
/// The same answer whether the address was known or not.
pub async fn subscribe(State(state): State<Subscriptions>, parts: Parts, body: Bytes) -> Response {
    let lang = lang_of(&state, &parts);
    let t = mail_texts(lang);
    if !same_origin(&parts.headers, &state.origin) {
        return html(
            StatusCode::FORBIDDEN,
            &page(&state, lang, t.unavailable, None),
        );
    }
    let Ok(fields) = Fields::parse(&body) else {
        return html(
            StatusCode::BAD_REQUEST,
            &page(&state, lang, t.invalid_choice, None),
        );
    };
    let email = fields.get("email").unwrap_or("").to_string();
    let Some(choices) = read_choices(&fields, lang) else {
        return refused(&state, lang, email, t.invalid_choice).await;
    };
    let client = match Subject::address(client_address(&parts, &state.trusted_proxies)) {
        Subject::Address(ip) => ip.to_string(),
        other => format!("{other:?}"),
    };
    let address = email.clone();
    let command = move |tx: &rusqlite::Transaction, ctx: &crate::service::Ctx| {
        subscribers::subscribe(tx, ctx, &address, choices, &client)
    };
    let to_confirm = match state.writer.run(Who::subscriber(), command).await {
        Ok(c) => c,
        Err(Error::Invalid(problems)) => {
            let bad_email = problems.iter().any(|p| p.field == "email");
            let note = if bad_email {
                t.invalid_email
            } else {
                t.invalid_choice
            };
            return refused(&state, lang, email, note).await;
        }
        Err(e) => return failed(&state, lang, e),
    };
    let sent = match confirm_mail(&state.sender, &to_confirm.subscriber, &to_confirm.token) {
        Ok(message) => state.mailer.send(message).await.map_err(|e| e.message),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = sent {
        tracing::error!(error = %e, "a confirmation mail could not be sent");
        return html(
            StatusCode::SERVICE_UNAVAILABLE,
            &page(&state, lang, t.mail_failed, None),
        );
    }
    html(
        StatusCode::OK,
        &page(&state, lang, t.check_inbox_title, Some(t.check_inbox_body)),
    )
}

/// The subscribe form again, with what was sent and why it was refused.
async fn refused(state: &Subscriptions, lang: Lang, email: String, note: &'static str) -> Response {
    match subscribe_form(state, lang, (email, &[], lang)).await {
        Ok(p) => html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &Page {
                note: Some(note),
                ..p
            },
        ),
        Err(e) => failed(state, lang, e),
    }
}

/// `GET /subscribe/confirm/{token}`: a button, nothing more. A mail scanner fetching the
/// link confirms nothing.
pub async fn confirm_page(
    State(state): State<Subscriptions>,
    Path(token): Path<String>,
    parts: Parts,
) -> Response {
    let lang = lang_of(&state, &parts);
    let hash = hash_key(&token);
    let known = state
        .store
        .read(Reader::Public, move |tx| {
            Ok::<_, Error>(store::subscriber_by_confirm(tx, &hash)?)
        })
        .await;
    match known {
        Ok(Some(_)) => {}
        Ok(None) => return invalid_link(&state, lang),
        Err(e) => return failed(&state, lang, e),
    }
    let t = mail_texts(lang);
    let form = Form {
        action: format!("/subscribe/confirm/{token}"),
        email: None,
        channels: Vec::new(),
        langs: Vec::new(),
        button: t.confirm_button,
        unsubscribe: false,
    };
    let p = Page {
        form: Some(form),
        ..page(&state, lang, t.confirm_title, Some(t.confirm_body))
    };
    html(StatusCode::OK, &p)
}

/// `POST /subscribe/confirm/{token}`: confirms, and links to the manage page.
pub async fn confirm(
    State(state): State<Subscriptions>,
    Path(token): Path<String>,
    parts: Parts,
) -> Response {
    let lang = lang_of(&state, &parts);
    let t = mail_texts(lang);
    if !same_origin(&parts.headers, &state.origin) {
        return html(
            StatusCode::FORBIDDEN,
            &page(&state, lang, t.unavailable, None),
        );
    }
    let command = move |tx: &rusqlite::Transaction, ctx: &crate::service::Ctx| {
        subscribers::confirm(tx, ctx, &token)
    };
    match state.writer.run(Who::subscriber(), command).await {
        Ok(s) => {
            let p = Page {
                link: Some((state.sender.manage_url(&s.id), t.manage_link)),
                ..page(
                    &state,
                    s.lang,
                    mail_texts(s.lang).confirmed_title,
                    Some(mail_texts(s.lang).confirmed_body),
                )
            };
            html(StatusCode::OK, &p)
        }
        Err(e) => failed(&state, lang, e),
    }
}

/// The subscriber a manage link is for: `None` for a link we did not sign or whose
/// subscriber is gone.
async fn owner(state: &Subscriptions, token: &str) -> Result<Option<Subscriber>, Error> {
    let Some(id) = state.sender.owner(token).map(str::to_string) else {
        return Ok(None);
    };
    state
        .store
        .read(Reader::Public, move |tx| {
            Ok::<_, Error>(store::subscriber_by_id(tx, &id)?)
        })
        .await
}

async fn manage_form(
    state: &Subscriptions,
    token: &str,
    s: &Subscriber,
    note: Option<&'static str>,
) -> Response {
    let lang = s.lang;
    let t = mail_texts(lang);
    let all = match catalogue(state).await {
        Ok(all) => all,
        Err(e) => return failed(state, lang, e),
    };
    let chosen = s.components.as_deref().unwrap_or_default();
    let mut form = Form::choosing(
        format!("/subscribe/manage/{token}"),
        lang,
        &all,
        chosen,
        lang,
    );
    form.unsubscribe = true;
    let p = Page {
        form: Some(form),
        note,
        ..page(state, lang, t.manage_title, Some(t.manage_body))
    };
    html(StatusCode::OK, &p)
}

/// `GET /subscribe/manage/{token}`
pub async fn manage_page(
    State(state): State<Subscriptions>,
    Path(token): Path<String>,
    parts: Parts,
) -> Response {
    let lang = lang_of(&state, &parts);
    match owner(&state, &token).await {
        Ok(Some(s)) => manage_form(&state, &token, &s, None).await,
        Ok(None) => invalid_link(&state, lang),
        Err(e) => failed(&state, lang, e),
    }
}

/// `POST /subscribe/manage/{token}`: `action=unsubscribe`, or new `components` and `lang`.
pub async fn manage(
    State(state): State<Subscriptions>,
    Path(token): Path<String>,
    parts: Parts,
    body: Bytes,
) -> Response {
    let lang = lang_of(&state, &parts);
    let t = mail_texts(lang);
    if !same_origin(&parts.headers, &state.origin) {
        return html(
            StatusCode::FORBIDDEN,
            &page(&state, lang, t.unavailable, None),
        );
    }
    let s = match owner(&state, &token).await {
        Ok(Some(s)) => s,
        Ok(None) => return invalid_link(&state, lang),
        Err(e) => return failed(&state, lang, e),
    };
    let Ok(fields) = Fields::parse(&body) else {
        return manage_form(&state, &token, &s, Some(t.invalid_choice)).await;
    };
    if fields.get("action") == Some("unsubscribe") {
        return unsubscribe(&state, s.lang, s.id).await;
    }
    let Some(choices) = read_choices(&fields, s.lang) else {
        return manage_form(&state, &token, &s, Some(t.invalid_choice)).await;
    };
    let id = s.id.clone();
    let command = move |tx: &rusqlite::Transaction, ctx: &crate::service::Ctx| {
        subscribers::change(tx, ctx, &id, choices)
    };
    match state.writer.run(Who::subscriber(), command).await {
        Ok(changed) => {
            manage_form(
                &state,
                &token,
                &changed,
                Some(mail_texts(changed.lang).saved),
            )
            .await
        }
        Err(Error::Invalid(_)) => manage_form(&state, &token, &s, Some(t.invalid_choice)).await,
        Err(e) => failed(&state, lang, e),
    }
}

async fn unsubscribe(state: &Subscriptions, lang: Lang, id: String) -> Response {
    let command = move |tx: &rusqlite::Transaction, ctx: &crate::service::Ctx| {
        subscribers::remove(tx, ctx, &id, "subscriber.unsubscribe")
    };
    let t = mail_texts(lang);
    match state.writer.run(Who::subscriber(), command).await {
        Ok(_) => html(
            StatusCode::OK,
            &page(state, lang, t.unsubscribed_title, Some(t.unsubscribed_body)),
        ),
        Err(e) => failed(state, lang, e),
    }
}

/// `POST /unsubscribe/{token}` (RFC 8058, body `List-Unsubscribe=One-Click`): sent by the
/// mail provider, not a browser, so no origin is checked; the signed token is the
/// permission. Gone already is done too: 200.
pub async fn one_click(
    State(state): State<Subscriptions>,
    Path(token): Path<String>,
    parts: Parts,
) -> Response {
    let lang = lang_of(&state, &parts);
    let Some(id) = state.sender.owner(&token).map(str::to_string) else {
        return invalid_link(&state, lang);
    };
    unsubscribe(&state, lang, id).await
}
