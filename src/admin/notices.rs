//! What incidents and maintenances share: listing, reading, loading for a change, posting
//! a timeline update, and the written answer.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rusqlite::Transaction;

use super::Admin;
use super::auth::{Auth, scope};
use super::json::JsonBody;
use super::notice_input::ListQuery;
use super::notice_read::OpensNotice;
use super::notice_read::PostsUpdate;
use super::query::{PageLimit, QueryParams, StatusFilter};
use super::views;
use super::write::{Answer, json_response, write};
use crate::domain::{FieldErrors, Incident, Kind};
use crate::error::Error;
use crate::service::{Ctx, etag, notices};
use crate::store::{self, IncidentCursor, ListFilter, Reader};

pub(super) async fn list(
    State(state): State<Admin>,
    _: Auth<scope::Read>,
    QueryParams(q): QueryParams<ListQuery>,
    kind: Kind,
) -> Result<Response, Error> {
    let page = q.read()?;
    let (items, next) = state
        .store
        .read(Reader::Operator, move |tx| notice_page(tx, kind, &page))
        .await?;
    let page = views::notice_list(kind, &items, next, state.timezone, &state.base_url)?;
    Ok(json_response(StatusCode::OK, &page, None, false))
}

/// What a list asks for.
pub(super) struct PageWanted {
    limit: usize,
    cursor: Option<IncidentCursor>,
    filter: ListFilter,
}

impl ListQuery {
    /// The page asked for, or every problem with the query.
    fn read(&self) -> Result<PageWanted, Error> {
        let mut errors = FieldErrors::default();
        let limit = PageLimit::read(&self.limit, "limit", 50, &mut errors);
        let cursor = self.cursor.as_deref().and_then(|c| {
            let cursor = IncidentCursor::decode(c);
            if cursor.is_none() {
                errors.push("cursor", "is not a cursor from a previous page");
            }
            cursor
        });
        let filter = StatusFilter::read(&self.status, "status", ListFilter::All, &mut errors);
        errors.into_result().map_err(Error::Invalid)?;
        Ok(PageWanted {
            limit,
            cursor,
            filter,
        })
    }
}

/// One page of notices of `kind`, newest first, and the cursor of the next page.
fn notice_page(
    tx: &Transaction,
    kind: Kind,
    page: &PageWanted,
) -> Result<(Vec<Incident>, Option<String>), Error> {
    let rows = store::notice_ids_page(tx, kind, page.filter, page.cursor.as_ref(), page.limit + 1)?;
    let more = rows.len() > page.limit;
    let rows = &rows[..rows.len().min(page.limit)];
    let next = rows.last().filter(|_| more).map(|(id, at)| {
        IncidentCursor {
            created_at: *at,
            id: id.clone(),
        }
        .encode()
    });
    let ids: Vec<String> = rows.iter().map(|(id, _)| id.clone()).collect();
    Ok((store::incidents_by_ids(tx, &ids)?, next))
}

pub(super) async fn show(
    State(state): State<Admin>,
    _: Auth<scope::Read>,
    Path(id): Path<String>,
    kind: Kind,
) -> Result<Response, Error> {
    let i = state
        .store
        .read(Reader::Operator, move |tx| notices::load(tx, &id, kind))
        .await?;
    let tag = etag(&i.id, i.revision);
    let body = views::notice(&i, state.timezone, &state.base_url)?;
    Ok(json_response(StatusCode::OK, &body, Some(&tag), false))
}

/// The answer to a write of a notice: its view and ETag, with `status`.
pub(super) fn answer(
    state: &Admin,
    status: StatusCode,
) -> impl Fn(&Incident) -> Result<Answer, Error> + Send + 'static {
    let (tz, base) = (state.timezone, state.base_url.clone());
    move |i: &Incident| {
        Ok(Answer::new(
            status,
            views::notice(i, tz, &base)?,
            Some(etag(&i.id, i.revision)),
        ))
    }
}

/// Opens the notice the body describes: an incident or a maintenance.
pub(super) async fn open<I: OpensNotice>(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Incidents>,
    body: JsonBody<I>,
) -> Result<Response, Error> {
    let (input, idem) = (body.value, body.idempotency);
    let command = move |tx: &Transaction, ctx: &Ctx| {
        notices::open(tx, ctx, |catalog| input.read(ctx, catalog))
    };
    write(
        &state,
        actor,
        idem,
        command,
        answer(&state, StatusCode::CREATED),
    )
    .await
}

/// Posts a timeline update to the notice `id` of the body's kind.
pub(super) async fn post_update<B: PostsUpdate>(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Incidents>,
    Path(id): Path<String>,
    body: JsonBody<B>,
) -> Result<Response, Error> {
    let (input, idem) = (body.value, body.idempotency);
    let command = move |tx: &Transaction, ctx: &Ctx| {
        notices::post_update(tx, ctx, &id, B::KIND, |_, catalog| input.read(ctx, catalog))
    };
    write(
        &state,
        actor,
        idem,
        command,
        answer(&state, StatusCode::CREATED),
    )
    .await
}
