//! `/console/subscribers`, for admins (scope `components`, as the admin API's): the email
//! subscribers, removing one, the CSV export, and an import of addresses that consented
//! elsewhere (pasted as CSV). The commands are `service::subscribers`'s.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::Console;
use super::form::Posted;
use super::inputs::kept;
use super::pages::{Frame, html};
use super::session::{Refusal, Signed};
use crate::admin::{input, scope};
use crate::domain::texts::{SubscriberAdminTexts, subscriber_admin_texts};
use crate::domain::{ComponentId, FieldErrors, Lang, Session, Subscriber};
use crate::error::Error;
use crate::service::subscribers::{self, ImportReport, Imported};
use crate::service::{Ctx, Who};
use crate::store::{self, Reader};

/// Rows shown; the export has them all.
const SHOWN: usize = 200;

#[derive(Template)]
#[template(path = "console/subscribers.html")]
struct SubscribersPage {
    frame: Frame,
    s: &'static SubscriberAdminTexts,
    rows: Vec<Row>,
    more: bool,
    note: Option<String>,
    /// The CSV sent, when the import came back refused.
    csv: String,
    problems: Vec<String>,
}

struct Row {
    id: String,
    email: String,
    lang: &'static str,
    channels: String,
    state: &'static str,
}

fn page(session: &Session, lang: Lang, found: &[Subscriber], csv: String) -> SubscribersPage {
    let s = subscriber_admin_texts(lang);
    let rows = found.iter().take(SHOWN).map(|x| Row {
        id: x.id.clone(),
        email: x.email.clone(),
        lang: x.lang.code(),
        channels: x.components.as_ref().map_or(s.everything.to_string(), |c| {
            c.iter()
                .map(ComponentId::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        }),
        state: if x.confirmed_at.is_some() {
            s.confirmed
        } else {
            s.pending
        },
    });
    SubscribersPage {
        frame: Frame::new(lang, s.title, Some(session)),
        s,
        rows: rows.collect(),
        more: found.len() > SHOWN,
        note: None,
        csv,
        problems: Vec::new(),
    }
}

async fn first(state: &Console, n: usize) -> Result<Vec<Subscriber>, Error> {
    state
        .store
        .read(Reader::Operator, move |tx| {
            Ok::<_, Error>(store::subscribers_page(tx, None, n)?)
        })
        .await
}

/// `GET /console/subscribers`
pub async fn show(
    State(state): State<Console>,
    signed: Signed<scope::Components>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let found = first(&state, SHOWN + 1)
        .await
        .map_err(|e| Refusal::Failed(lang, e))?;
    Ok(html(
        StatusCode::OK,
        &page(&signed.session, lang, &found, String::new()),
    ))
}

/// `GET /console/subscribers.csv`: every subscriber, as `GET /subscribers/export`.
pub async fn export(
    State(state): State<Console>,
    signed: Signed<scope::Components>,
) -> Result<Response, Refusal> {
    let all = first(&state, usize::MAX >> 1)
        .await
        .map_err(|e| Refusal::Failed(signed.lang, e))?;
    let mut r = (StatusCode::OK, input::to_csv(&all)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"subscribers.csv\""),
    );
    Ok(r)
}

/// `POST /console/subscribers/{id}/remove`
pub async fn remove(
    State(state): State<Console>,
    Path(id): Path<String>,
    posted: Posted<scope::Components>,
) -> Result<Response, Refusal> {
    let who = Who::person(&posted.signed.session.person);
    let command = move |tx: &rusqlite::Transaction, ctx: &Ctx| {
        subscribers::remove(tx, ctx, &id, "subscriber.remove")
    };
    state
        .writer
        .run(who, command)
        .await
        .map_err(|e| Refusal::Failed(posted.signed.lang, e))?;
    Ok(Redirect::to("/console/subscribers").into_response())
}

/// `POST /console/subscribers/import` with `csv` and `consented`.
pub async fn import(
    State(state): State<Console>,
    posted: Posted<scope::Components>,
) -> Result<Response, Refusal> {
    let lang = posted.signed.lang;
    let failed = |e| Refusal::Failed(lang, e);
    let csv = posted.fields.get("csv").unwrap_or("").to_string();
    let consented = posted.fields.get("consented") == Some("yes");
    let who = Who::person(&posted.signed.session.person);
    let (text, default) = (csv.clone(), state.default_lang);
    let command = move |tx: &rusqlite::Transaction, ctx: &Ctx| {
        subscribers::import(tx, ctx, read_csv(&text, default)?, consented)
    };
    let outcome = state.writer.run(who, command).await;
    let found = first(&state, SHOWN + 1).await.map_err(failed)?;
    let session = &posted.signed.session;
    let s = subscriber_admin_texts(lang);
    let (status, p) = match outcome {
        Ok(ImportReport { added, existing }) => {
            let mut p = page(session, lang, &found, String::new());
            p.note = Some((s.imported)(added, existing));
            (StatusCode::OK, p)
        }
        Err(e) => {
            let (status, problems) = kept(e).map_err(failed)?;
            let mut p = page(session, lang, &found, csv);
            p.problems = problems;
            (status, p)
        }
    };
    Ok(html(status, &p))
}

/// Pasted CSV: `email[,lang[,channels separated by spaces]]` a line, fields optionally
/// quoted (as the export writes them); a header line and blank lines are skipped.
fn read_csv(text: &str, default: Lang) -> Result<Vec<Imported>, Error> {
    let mut errors = FieldErrors::default();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let fields = split_csv(line);
        let email = fields.first().map_or("", |f| f.trim());
        if email.is_empty() || email.eq_ignore_ascii_case("email") {
            continue;
        }
        let field = format!("line {}", n + 1);
        let lang = match fields.get(1).map(|l| l.trim()).filter(|l| !l.is_empty()) {
            None => default,
            Some(l) => Lang::parse(l).unwrap_or_else(|| {
                errors.push(field.clone(), format!("`{l}` is not ko or en"));
                default
            }),
        };
        let channels = fields.get(2).map_or("", |c| c.as_str());
        let components = channels
            .split_whitespace()
            .filter_map(|c| errors.check(ComponentId::parse(c, &field)))
            .collect();
        out.push(Imported {
            email: email.to_string(),
            lang,
            components,
        });
    }
    errors.into_result().map_err(Error::Invalid)?;
    Ok(out)
}

/// One CSV line's fields: commas inside quotes stay, `""` is a quote.
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().into_iter().for_each(|f| f.push('"'));
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().into_iter().for_each(|f| f.push(c)),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_csv_reads_like_the_export() {
        let text = "email,lang,components,created_at,confirmed_at\n\"a@example.com\",\"en\",\"card kakaopay\",\"x\",\"\"\n\nb@example.com\n";
        let rows = read_csv(text, Lang::Ko).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].email.as_str(), rows[0].lang),
            ("a@example.com", Lang::En)
        );
        assert_eq!(rows[0].components.len(), 2);
        assert_eq!((rows[1].lang, rows[1].components.len()), (Lang::Ko, 0));
        assert!(read_csv("c@example.com,fr", Lang::Ko).is_err());
        assert_eq!(split_csv("\"a,\"\"b\",c"), vec!["a,\"b", "c"]);
    }
}
