//! `/keys`: list, create and revoke API keys; `/audit`: who did what, when.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde::Deserialize;

use super::auth::{Auth, Scope, new_key, scope};
use super::json::JsonBody;
use super::views;
use super::write::{IdempotencyKey, Written, commit, json_response};
use crate::app::AppState;
use crate::domain::FieldErrors;
use crate::error::Error;
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/keys", get(list).post(create))
        .route("/keys/{id}", delete(revoke))
        .route("/audit", get(audit))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    name: String,
    scopes: Vec<String>,
}

async fn list(State(state): State<AppState>, _: Auth<scope::Keys>) -> Result<Response, Error> {
    let tz = state.timezone;
    let keys = state
        .store
        .read(|tx| Ok::<_, Error>(store::all_keys(tx)?))
        .await?;
    let items = keys.iter().map(|k| views::key(k, tz)).collect();
    Ok(json_response(
        StatusCode::OK,
        &views::list(items, None),
        None,
        false,
    ))
}

async fn create(
    State(state): State<AppState>,
    Auth(actor, _): Auth<scope::Keys>,
    headers: HeaderMap,
    body: JsonBody<CreateKey>,
) -> Result<Response, Error> {
    let idem = IdempotencyKey::from_headers(&headers)?.map(|k| (k, body.fingerprint.clone()));
    let input = body.value;
    let tz = state.timezone;
    commit(&state, actor, idem, move |tx, ctx| {
        let mut errors = FieldErrors::default();
        let scopes = errors.check(Scope::parse_list(
            input.scopes.iter().map(String::as_str),
            "scopes",
        ));
        let made = errors.check(new_key(
            &input.name,
            scopes.as_deref().unwrap_or(&[]),
            ctx.now,
        ));
        errors.into_result().map_err(Error::Invalid)?;
        let Some((key, secret, hash)) = made else {
            return Err(Error::Invalid(vec![]));
        };
        store::insert_key(tx, &key, &hash)?;
        let mut body = views::key(&key, tz);
        // The only time the key itself is ever shown.
        body["key"] = serde_json::Value::String(secret);
        Ok(Written {
            status: StatusCode::CREATED,
            body,
            etag: None,
            action: "key.create",
            target: Some(key.id),
        })
    })
    .await
}

async fn revoke(
    State(state): State<AppState>,
    Auth(actor, _): Auth<scope::Keys>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let tz = state.timezone;
    commit(&state, actor, None, move |tx, ctx| {
        if !store::revoke_key(tx, &id, ctx.now)? {
            return Err(Error::NotFound("key".into()));
        }
        let key = store::key_by_id(tx, &id)?.ok_or_else(|| Error::NotFound("key".into()))?;
        Ok(Written {
            status: StatusCode::OK,
            body: views::key(&key, tz),
            etag: None,
            action: "key.revoke",
            target: Some(id),
        })
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    before: Option<String>,
    limit: Option<String>,
}

async fn audit(
    State(state): State<AppState>,
    _: Auth<scope::Read>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, Error> {
    let mut errors = FieldErrors::default();
    let before = match q.before.as_deref().map(str::parse::<i64>) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            errors.push("before", "must be an entry id");
            None
        }
    };
    let limit = match q.limit.as_deref().map(str::parse::<usize>) {
        None => 50,
        Some(Ok(n)) if (1..=200).contains(&n) => n,
        Some(_) => {
            errors.push("limit", "must be a number from 1 to 200");
            50
        }
    };
    errors.into_result().map_err(Error::Invalid)?;
    let tz = state.timezone;
    let entries = state
        .store
        .read(move |tx| Ok::<_, Error>(store::audit_page(tx, before, limit + 1)?))
        .await?;
    let more = entries.len() > limit;
    let entries = &entries[..entries.len().min(limit)];
    let next = if more {
        entries.last().map(|e| e.id.to_string())
    } else {
        None
    };
    let items = entries.iter().map(|e| views::audit(e, tz)).collect();
    Ok(json_response(StatusCode::OK, &views::list(items, next), None, false).into_response())
}
