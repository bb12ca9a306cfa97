//! How every admin write happens: one transaction holding the change, its audit row and
//! (with `Idempotency-Key`) the saved response; then the new snapshot is published; only
//! then does the operator get an answer.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use serde_json::Value;

use super::auth::Actor;
use crate::app::AppState;
use crate::error::Error;
use crate::store::{self, SavedResponse};

/// What a write hands back: the response and what the audit log should say.
pub struct Written {
    pub status: StatusCode,
    pub body: Value,
    pub etag: Option<String>,
    pub action: &'static str,
    pub target: Option<String>,
}

/// The `Idempotency-Key` header, if sent: 1–255 visible ASCII characters.
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, Error> {
        let Some(v) = headers.get("idempotency-key") else {
            return Ok(None);
        };
        match v.to_str() {
            Ok(s) if !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| b.is_ascii_graphic()) => {
                Ok(Some(IdempotencyKey(s.to_string())))
            }
            _ => Err(Error::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )),
        }
    }
}

/// Either the work was done now, or an earlier identical request's answer is replayed.
enum Outcome {
    Done(Written),
    Replayed(SavedResponse),
}

pub struct WriteContext {
    pub now: DateTime<Utc>,
    pub actor: Actor,
}

/// Runs `work` as one committed write and answers once the snapshot shows it.
pub async fn commit<F>(
    state: &AppState,
    actor: Actor,
    idempotency: Option<(IdempotencyKey, String)>,
    work: F,
) -> Result<Response, Error>
where
    F: FnOnce(&Transaction, &WriteContext) -> Result<Written, Error> + Send + 'static,
{
    let ctx = WriteContext {
        now: state.clock.now(),
        actor,
    };
    let outcome = state
        .store
        .write(move |tx| -> Result<Outcome, Error> {
            let key_id = ctx.actor.key.id.clone();
            if let Some((IdempotencyKey(idem), fingerprint)) = &idempotency
                && let Some(saved) = store::saved_response(tx, &key_id, idem)?
            {
                if &saved.request_hash != fingerprint {
                    return Err(Error::invalid(
                        "Idempotency-Key",
                        "this key was already used for a different request",
                    ));
                }
                return Ok(Outcome::Replayed(saved));
            }
            let written = work(tx, &ctx)?;
            let detail = audit_detail(&written.body);
            store::record_audit(
                tx,
                ctx.now,
                Some(&key_id),
                &ctx.actor.key.name,
                written.action,
                written.target.as_deref(),
                detail.as_ref(),
            )?;
            if let Some((IdempotencyKey(idem), fingerprint)) = &idempotency {
                let saved = SavedResponse {
                    request_hash: fingerprint.clone(),
                    status: written.status.as_u16(),
                    body: written.body.to_string(),
                };
                store::save_response(tx, &key_id, idem, &saved, ctx.now)?;
            }
            Ok(Outcome::Done(written))
        })
        .await?;
    match outcome {
        Outcome::Done(w) => {
            state
                .publisher
                .publish_write()
                .await
                .map_err(|e| Error::Unpublished(e.to_string()))?;
            Ok(json_response(w.status, &w.body, w.etag.as_deref(), false))
        }
        Outcome::Replayed(saved) => {
            let status = StatusCode::from_u16(saved.status).unwrap_or(StatusCode::OK);
            let body: Value = serde_json::from_str(&saved.body).unwrap_or(Value::Null);
            Ok(json_response(status, &body, None, true))
        }
    }
}

/// What the audit log keeps of a response: the id, and the fields that say what changed.
fn audit_detail(body: &Value) -> Option<Value> {
    let obj = body.as_object()?;
    let mut out = serde_json::Map::new();
    for key in ["status", "impact", "draft", "name", "scopes", "title"] {
        if let Some(v) = obj.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    Some(Value::Object(out))
}

pub fn json_response(
    status: StatusCode,
    body: &Value,
    etag: Option<&str>,
    replayed: bool,
) -> Response {
    let mut r = (status, body.to_string()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(tag) = etag.and_then(|t| HeaderValue::from_str(t).ok()) {
        h.insert(header::ETAG, tag);
    }
    if replayed {
        h.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    r
}

/// Checks `If-Match` against the resource's current ETag.
pub fn check_if_match(if_match: Option<&str>, current: &str) -> Result<(), Error> {
    match if_match {
        None => Ok(()),
        Some(v)
            if v.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t == current) =>
        {
            Ok(())
        }
        Some(_) => Err(Error::PreconditionFailed),
    }
}

pub fn if_match(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
