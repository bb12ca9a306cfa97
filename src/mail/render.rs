//! The mails: one per event a subscriber wants, and the confirmation of an address. Each
//! has a plain text and an HTML part, in the subscriber's language.

use std::collections::HashMap;

use askama::Template;
use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::{ContentTransferEncoding, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart, header};

use super::Sender;
use crate::domain::texts::{MailTexts, Texts, mail_texts, texts};
use crate::domain::{ComponentId, Event, EventKind, Incident, LocalizedText, Subscriber};
use crate::snapshot::TimeFormat;

/// A mail that could not be put together (an address lettre refuses, a template error).
#[derive(Debug, thiserror::Error)]
#[error("cannot make the mail: {0}")]
pub struct RenderError(pub String);

/// What a notice's mail says, in one language.
#[derive(Template)]
#[template(path = "mail/notice.txt")]
struct NoticeText<'a> {
    m: &'a NoticeMail,
}

#[derive(Template)]
#[template(path = "mail/notice.html")]
struct NoticeHtml<'a> {
    m: &'a NoticeMail,
}

struct NoticeMail {
    lang: &'static str,
    t: &'static MailTexts,
    p: &'static Texts,
    title: String,
    status: String,
    message: String,
    eta: Option<String>,
    next_update: Option<String>,
    alternatives: Vec<(String, String)>,
    link: String,
    manage_url: String,
    why: String,
}

#[derive(Template)]
#[template(path = "mail/confirm.txt")]
struct ConfirmText<'a> {
    t: &'a MailTexts,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/confirm.html")]
struct ConfirmHtml<'a> {
    lang: &'static str,
    t: &'a MailTexts,
    link: &'a str,
}

/// `List-Unsubscribe: <https://…>`
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct OneClick;

impl Header for OneClick {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(OneClick)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}

/// What an event's mail is about: the notice, and the names of the channels.
pub struct About<'a> {
    pub incident: Option<&'a Incident>,
    pub names: &'a HashMap<ComponentId, LocalizedText>,
    pub now: DateTime<Utc>,
}

/// The mail of `event` to `subscriber`, for delivery `delivery_id` (its `Message-ID`, the
/// same on every retry so a receiver sees one mail). `None` when the event says nothing
/// this mail could carry (a notice event whose notice is gone).
pub fn notice_mail(
    sender: &Sender,
    delivery_id: &str,
    event: &Event,
    about: &About,
    subscriber: &Subscriber,
) -> Result<Option<Message>, RenderError> {
    let Some(mail) = compose(sender, event, about, subscriber) else {
        return Ok(None);
    };
    let subject = format!("[{}] {}", mail.status, mail.title);
    let text = render(&NoticeText { m: &mail })?;
    let html = render(&NoticeHtml { m: &mail })?;
    let builder = Message::builder()
        .from(sender.from.clone())
        .to(mailbox(&subscriber.email)?)
        .subject(subject)
        .message_id(Some(format!("<{delivery_id}@{}>", sender.host())))
        .header(ListUnsubscribe(sender.unsubscribe_url(&subscriber.id)))
        .header(OneClick);
    builder
        .multipart(alternative(text, html))
        .map(Some)
        .map_err(|e| RenderError(e.to_string()))
}

/// The mail asking `subscriber` to confirm, with the link carrying `token`.
pub fn confirm_mail(
    sender: &Sender,
    subscriber: &Subscriber,
    token: &str,
) -> Result<Message, RenderError> {
    let t = mail_texts(subscriber.lang);
    let link = sender.confirm_url(token);
    let text = render(&ConfirmText { t, link: &link })?;
    let html = render(&ConfirmHtml {
        lang: subscriber.lang.code(),
        t,
        link: &link,
    })?;
    Message::builder()
        .from(sender.from.clone())
        .to(mailbox(&subscriber.email)?)
        .subject(t.confirm_subject)
        .multipart(alternative(text, html))
        .map_err(|e| RenderError(e.to_string()))
}

fn mailbox(email: &str) -> Result<Mailbox, RenderError> {
    email
        .parse()
        .map_err(|e| RenderError(format!("the address is not one mail can go to: {e}")))
}

fn render(t: &impl Template) -> Result<String, RenderError> {
    t.render().map_err(|e| RenderError(e.to_string()))
}

/// Quoted-printable parts: Korean text stays readable in the raw mail and in tests.
fn alternative(text: String, html: String) -> MultiPart {
    let part = |kind: header::ContentType, body: String| {
        SinglePart::builder()
            .header(kind)
            .header(ContentTransferEncoding::QuotedPrintable)
            .body(body)
    };
    MultiPart::alternative()
        .singlepart(part(header::ContentType::TEXT_PLAIN, text))
        .singlepart(part(header::ContentType::TEXT_HTML, html))
}

fn compose(
    sender: &Sender,
    event: &Event,
    about: &About,
    subscriber: &Subscriber,
) -> Option<NoticeMail> {
    let lang = subscriber.lang;
    let (t, p) = (mail_texts(lang), texts(lang));
    let time = TimeFormat {
        lang,
        tz: sender.timezone,
        now: about.now,
    };
    let name = |id: &ComponentId| {
        about
            .names
            .get(id)
            .map_or_else(|| id.as_str().to_string(), |n| n.get(lang).to_string())
    };
    let mut mail = NoticeMail {
        lang: lang.code(),
        t,
        p,
        title: String::new(),
        status: String::new(),
        message: String::new(),
        eta: None,
        next_update: None,
        alternatives: Vec::new(),
        link: sender.home_url(lang),
        manage_url: sender.manage_url(&subscriber.id),
        why: (t.why)(&sender.site_name),
    };
    if let Some(i) = about.incident {
        mail.link = sender.notice_url(&i.id, lang);
        mail.title = i.title.get(lang).to_string();
    }
    if let (EventKind::ComponentStatusChanged, Some(c)) = (event.kind, &event.component) {
        let channel = name(&c.component);
        let (old, new) = (p.component_status(c.old), p.component_status(c.new));
        mail.message = (t.channel_changed)(&channel, old, new);
        mail.status = new.to_string();
        mail.title = channel;
        return Some(mail);
    }
    let i = about.incident?;
    let update = event
        .update
        .as_deref()
        .and_then(|u| i.updates.iter().find(|x| x.id == u));
    let status = update.map_or(i.status, |u| u.status);
    mail.status = p.notice_status(status).to_string();
    mail.message = match (event.kind, &i.postmortem, update) {
        (EventKind::IncidentPostmortem, Some(pm), None) => pm.get(lang).to_string(),
        (_, _, Some(u)) => u.message.get(lang).to_string(),
        _ => i.updates.last().map(|u| u.message.get(lang).to_string())?,
    };
    if !status.is_closed() {
        let eta = update.map_or(i.eta, |u| u.eta);
        mail.eta = eta.map(|at| with_until(&time, at));
        mail.next_update = i
            .next_update_at
            .map(|at| (p.next_update_by)(&time.short(at)));
        mail.alternatives = i
            .alternatives
            .iter()
            .map(|a| {
                let n = name(&a.component);
                let how = a
                    .instructions
                    .as_ref()
                    .map_or_else(|| (p.default_instructions)(&n), |x| x.get(lang).to_string());
                (n, how)
            })
            .collect();
    }
    Some(mail)
}

/// "14:45 KST (약 40분 후)"
fn with_until(time: &TimeFormat, at: DateTime<Utc>) -> String {
    let when = format!("{} {}", time.short(at), time.zone_name());
    match time.until(at) {
        Some(u) => format!("{when} ({u})"),
        None => when,
    }
}
