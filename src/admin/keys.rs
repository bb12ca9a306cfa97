//! `/keys`: list, create and revoke API keys; `/audit`: who did what, when.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rusqlite::Transaction;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Admin;
use super::auth::{Auth, scope};
use super::json::JsonBody;
use super::openapi as doc;
use super::query::{EntryId, PageLimit, QueryParams};
use super::views::{self, AuditEntryView, AuditPage, KeyList, KeyView, NewKeyView};
use super::write::{Answer, SHOWN_ONCE, json_response, write};
use crate::domain::{ApiKey, FieldErrors, Scope, ScopeInput};
use crate::error::Error;
use crate::service::Ctx;
use crate::service::keys::{self, MadeKey};
use crate::store::{self, Reader};

pub fn router() -> OpenApiRouter<Admin> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
        .routes(routes!(audit))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    /// 1 to 100 characters, for the audit log.
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 100)]
    name: String,
    #[serde(default)]
    #[schema(required = true, min_items = 1)]
    scopes: Vec<ScopeInput>,
}

/// The scopes asked for: each known, at least one, each once.
fn read_scopes(inputs: &[ScopeInput]) -> Result<Vec<Scope>, Error> {
    let mut errors = FieldErrors::default();
    let mut scopes: Vec<Scope> = Vec::new();
    for input in inputs {
        if let Some(s) = errors.check(input.known("scopes"))
            && !scopes.contains(&s)
        {
            scopes.push(s);
        }
    }
    if inputs.is_empty() {
        errors.push("scopes", "give at least one scope");
    }
    errors.into_result().map_err(Error::Invalid)?;
    Ok(scopes)
}

/// List API keys
///
/// Revoked keys included. Scope: `keys`.
#[utoipa::path(
    get,
    path = "/keys",
    operation_id = "listKeys",
    tag = "keys",
    security(("bearer" = ["keys"])),
    responses(
        (status = 200, description = "Every key", body = views::KeyList),
        doc::Refused,
    ),
)]
async fn list(State(state): State<Admin>, _: Auth<scope::Keys>) -> Result<Response, Error> {
    let tz = state.timezone;
    let keys = state
        .store
        .read(Reader::Operator, |tx| Ok::<_, Error>(store::all_keys(tx)?))
        .await?;
    let items = keys.iter().map(|k| KeyView::new(k, tz)).collect();
    Ok(json_response(
        StatusCode::OK,
        &views::json(&KeyList::new(items, None))?,
        None,
        false,
    ))
}

/// Make an API key
///
/// The answer holds the secret (`key`); it is never shown again. Scope: `keys`.
#[utoipa::path(
    post,
    path = "/keys",
    operation_id = "createKey",
    tag = "keys",
    params(doc::IdempotencyKey),
    request_body(content = CreateKey, content_type = "application/json"),
    security(("bearer" = ["keys"])),
    responses(
        (status = 201, description = "Created", body = views::NewKeyView),
        doc::Refused,
        doc::BadBody,
    ),
)]
async fn create(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Keys>,
    body: JsonBody<CreateKey>,
) -> Result<Response, Error> {
    let (input, idem) = (body.value, body.idempotency);
    let command = move |tx: &Transaction, ctx: &Ctx| {
        let scopes = read_scopes(&input.scopes)?;
        keys::create(tx, ctx, &input.name, &scopes)
    };
    let tz = state.timezone;
    let answer = move |made: &MadeKey| {
        // The only time the key itself is ever shown.
        let view = NewKeyView::new(&made.key, &made.secret, tz);
        Ok(Answer {
            secret: Some(("key", SHOWN_ONCE)),
            ..Answer::new(StatusCode::CREATED, views::json(&view)?, None)
        })
    };
    write(&state, actor, idem, command, answer).await
}

/// Revoke an API key
///
/// Effective at once. Scope: `keys`.
#[utoipa::path(
    delete,
    path = "/keys/{id}",
    operation_id = "revokeKey",
    tag = "keys",
    params(("id" = String, Path, description = "The key id (`key_…`), not the secret")),
    security(("bearer" = ["keys"])),
    responses(
        (status = 200, description = "The revoked key", body = views::KeyView),
        doc::Refused,
        doc::NotFound,
    ),
)]
async fn revoke(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Keys>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let command = move |tx: &Transaction, ctx: &Ctx| keys::revoke(tx, ctx, &id);
    let tz = state.timezone;
    let answer = move |key: &ApiKey| {
        Ok(Answer::new(
            StatusCode::OK,
            views::json(&KeyView::new(key, tz))?,
            None,
        ))
    };
    write(&state, actor, None, command, answer).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `next_cursor` of the previous page: entries older than this entry id.
    #[param(inline)]
    before: Option<EntryId>,
    /// Entries per page, 1 to 200 (default 50).
    #[param(inline)]
    limit: Option<PageLimit>,
}

/// Read the audit log
///
/// Who did what, newest first. Scope: `read`.
#[utoipa::path(
    get,
    path = "/audit",
    operation_id = "listAudit",
    tag = "audit",
    params(AuditQuery),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "A page of entries", body = views::AuditPage),
        doc::Refused,
        doc::BadQuery,
    ),
)]
async fn audit(
    State(state): State<Admin>,
    _: Auth<scope::Read>,
    QueryParams(q): QueryParams<AuditQuery>,
) -> Result<Response, Error> {
    let (before, limit) = q.read()?;
    let tz = state.timezone;
    let entries = state
        .store
        .read(Reader::Operator, move |tx| {
            Ok::<_, Error>(store::audit_page(tx, before, limit + 1)?)
        })
        .await?;
    let more = entries.len() > limit;
    let entries = &entries[..entries.len().min(limit)];
    let next = entries.last().filter(|_| more).map(|e| e.id.to_string());
    let items = entries.iter().map(|e| AuditEntryView::new(e, tz)).collect();
    let page = views::json(&AuditPage::new(items, next))?;
    Ok(json_response(StatusCode::OK, &page, None, false).into_response())
}

impl AuditQuery {
    /// The entry to start before and the page size, or every problem with the query.
    fn read(&self) -> Result<(Option<i64>, usize), Error> {
        let mut errors = FieldErrors::default();
        let before = self
            .before
            .as_ref()
            .map(|_| EntryId::read(&self.before, "before", 0, &mut errors));
        let limit = PageLimit::read(&self.limit, "limit", 50, &mut errors);
        errors.into_result().map_err(Error::Invalid)?;
        Ok((before, limit))
    }
}
