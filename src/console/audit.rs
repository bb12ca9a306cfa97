//! `/console/audit`: who did what, when, newest first; narrowed by what was done (an
//! action or its family, such as `incident`), by who did it and by a time range, one
//! page at a time. A plain GET form: the filters are in the address, to share or keep.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::Console;
use super::inputs::kept;
use super::pages::{Frame, html};
use super::session::{Refusal, Signed};
use crate::admin::scope;
use crate::domain::{FieldErrors, InputTime, console_texts};
use crate::error::Error;
use crate::snapshot::TimeFormat;
use crate::store::{self, AuditEntry, AuditFilter, Reader};

/// Entries on a page unless the address asks for another number (1 to 200).
const PAGE: usize = 50;

/// The filters as the form sends them; each blank one is no filter.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AuditQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    action: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    actor: String,
    /// Local times of the page's zone, as `<input type=datetime-local>` sends them.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    from: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    until: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    limit: String,
    /// The last entry of the page before (an entry id).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    before: String,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    frame: Frame,
    q: AuditQuery,
    zone: String,
    entries: Vec<Entry>,
    /// The address of the next (older) page, if there is one.
    older: Option<String>,
    problems: Vec<String>,
}

struct Entry {
    when: String,
    who: String,
    what: String,
    target: String,
}

/// What the query asks for: the filter, where to start and how many.
struct Asked {
    filter: AuditFilter,
    before: Option<i64>,
    limit: usize,
}

impl AuditQuery {
    fn read(&self, tz: Tz) -> Result<Asked, Error> {
        let mut errors = FieldErrors::default();
        let from = time(&self.from, "from", tz, &mut errors);
        let until = time(&self.until, "until", tz, &mut errors);
        let before = match self.before.trim() {
            "" => None,
            b => b.parse::<i64>().ok().or_else(|| {
                errors.push("before", "is not an entry of the log");
                None
            }),
        };
        let limit = match self.limit.trim() {
            "" => PAGE,
            l => match l.parse::<usize>() {
                Ok(n) if (1..=200).contains(&n) => n,
                _ => {
                    errors.push("limit", "must be a whole number from 1 to 200");
                    PAGE
                }
            },
        };
        errors.into_result().map_err(Error::Invalid)?;
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let filter = AuditFilter {
            action: some(&self.action),
            actor: some(&self.actor),
            from,
            until,
        };
        Ok(Asked {
            filter,
            before,
            limit,
        })
    }

    /// The address of the page after the entry `last`, with the same filters.
    fn older(&self, last: i64) -> String {
        let next = AuditQuery {
            before: last.to_string(),
            ..self.clone()
        };
        format!(
            "/console/audit?{}",
            serde_urlencoded::to_string(&next).unwrap_or_default()
        )
    }
}

/// A time filter typed in the page's zone (or with an offset), read as every writer's
/// times are.
fn time(typed: &str, field: &str, tz: Tz, errors: &mut FieldErrors) -> Option<DateTime<Utc>> {
    match typed.trim() {
        "" => None,
        t => errors.check(InputTime::read(t).resolve(tz, field)),
    }
}

/// `GET /console/audit[?action=&actor=&from=&until=&before=&limit=]`
pub async fn show(
    State(state): State<Console>,
    signed: Signed<scope::Read>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, Refusal> {
    let lang = signed.lang;
    let failed = |e| Refusal::Failed(lang, e);
    let time = state.time(lang);
    let mut page = AuditPage {
        frame: Frame::new(
            lang,
            console_texts(lang).manage.audit,
            Some(&signed.session),
        ),
        zone: time.zone_name(),
        q,
        entries: Vec::new(),
        older: None,
        problems: Vec::new(),
    };
    let asked = match page.q.read(state.timezone) {
        Ok(asked) => asked,
        Err(e) => return refused(page, e).map_err(failed),
    };
    let found = search(&state, asked.filter, asked.before, asked.limit + 1)
        .await
        .map_err(failed)?;
    let shown = &found[..found.len().min(asked.limit)];
    page.older = shown
        .last()
        .filter(|_| found.len() > asked.limit)
        .map(|last| page.q.older(last.id));
    page.entries = shown.iter().map(|e| entry(e, &time)).collect();
    Ok(html(StatusCode::OK, &page))
}

/// The page with the filters as typed and what is wrong with them.
fn refused(mut page: AuditPage, e: Error) -> Result<Response, Error> {
    let (status, problems) = kept(e)?;
    page.problems = problems;
    Ok(html(status, &page))
}

fn entry(e: &AuditEntry, time: &TimeFormat) -> Entry {
    Entry {
        when: time.date_time(e.at),
        who: e.actor.clone(),
        what: e.action.clone(),
        target: e.target.clone().unwrap_or_default(),
    }
}

async fn search(
    state: &Console,
    filter: AuditFilter,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<AuditEntry>, Error> {
    state
        .store
        .read(Reader::Operator, move |conn| {
            Ok::<_, Error>(store::audit_search(conn, &filter, before, limit)?)
        })
        .await
}
