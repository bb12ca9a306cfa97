//! How every admin write happens: one transaction holding the change, its audit row and
//! (with `Idempotency-Key`) the saved response; then the new snapshot is published; only
//! then does the operator get an answer.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::Transaction;
use serde_json::Value;

use super::auth::Actor;
use crate::app::AppState;
use crate::domain::Lang;
use crate::error::Error;
use crate::store::{self, SavedResponse, StoreError};

/// What a write hands back: the response and what the audit log should say.
pub struct Written {
    pub status: StatusCode,
    pub body: Value,
    pub etag: Option<String>,
    pub action: &'static str,
    pub target: Option<String>,
    /// A field of `body` holding a secret shown this once: the saved copy a replay answers
    /// with says it was shown instead, so no secret is ever at rest.
    pub secret: Option<&'static str>,
}

/// What a replay says in place of a secret.
pub const SHOWN_ONCE: &str = "The key was shown once, when it was made, and is not kept. If it was lost, revoke this key and make a new one.";

/// A request sent with `Idempotency-Key`: the key, and a fingerprint of the request so
/// the same key with a different request is refused rather than replayed.
pub struct Idempotency {
    key: String,
    fingerprint: String,
}

impl Idempotency {
    /// Reads the header, if sent: 1–255 visible ASCII characters.
    pub fn from_headers(
        headers: &HeaderMap,
        fingerprint: String,
    ) -> Result<Option<Idempotency>, Error> {
        let Some(v) = headers.get("idempotency-key") else {
            return Ok(None);
        };
        match v.to_str() {
            Ok(s) if !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| b.is_ascii_graphic()) => {
                Ok(Some(Idempotency {
                    key: s.to_string(),
                    fingerprint,
                }))
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

/// What a write's work may need besides the transaction.
pub struct WriteContext {
    pub now: DateTime<Utc>,
    pub actor: Actor,
    pub timezone: Tz,
    pub default_lang: Lang,
    pub base_url: String,
}

/// Runs `work` as one committed write and answers once the snapshot shows it.
pub async fn commit<F>(
    state: &AppState,
    actor: Actor,
    idempotency: Option<Idempotency>,
    work: F,
) -> Result<Response, Error>
where
    F: FnOnce(&Transaction, &WriteContext) -> Result<Written, Error> + Send + 'static,
{
    let ctx = WriteContext {
        now: state.clock.now(),
        actor,
        timezone: state.timezone,
        default_lang: state.default_lang,
        base_url: state.publisher.settings().base_url.clone(),
    };
    let started = std::time::Instant::now();
    let outcome = state
        .store
        .write(move |tx| -> Result<Outcome, Error> {
            let key_id = ctx.actor.key.id.clone();
            if let Some(idem) = &idempotency
                && let Some(saved) = store::saved_response(tx, &key_id, &idem.key)?
            {
                if saved.request_hash != idem.fingerprint {
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
            if let Some(idem) = &idempotency {
                let mut kept = written.body.clone();
                if let Some(field) = written.secret
                    && let Some(obj) = kept.as_object_mut()
                {
                    obj.insert(field.to_string(), Value::Null);
                    obj.insert(
                        format!("{field}_shown_once"),
                        Value::String(SHOWN_ONCE.into()),
                    );
                }
                let saved = SavedResponse {
                    request_hash: idem.fingerprint.clone(),
                    status: written.status.as_u16(),
                    body: kept.to_string(),
                    etag: written.etag.clone(),
                };
                store::save_response(tx, &key_id, &idem.key, &saved, ctx.now)?;
            }
            Ok(Outcome::Done(written))
        })
        .await?;
    let committed = started.elapsed();
    match outcome {
        Outcome::Done(w) => {
            state
                .publisher
                .publish_write()
                .await
                .map_err(|e| Error::Unpublished(e.to_string()))?;
            tracing::debug!(?committed, published = ?started.elapsed(), "write");
            Ok(json_response(w.status, &w.body, w.etag.as_deref(), false))
        }
        Outcome::Replayed(saved) => {
            let status = StatusCode::from_u16(saved.status).map_err(|e| {
                StoreError::Corrupt(format!(
                    "a saved idempotent answer has status {}: {e}",
                    saved.status
                ))
            })?;
            let body: Value = serde_json::from_str(&saved.body).map_err(|e| {
                StoreError::Corrupt(format!("a saved idempotent answer is not JSON: {e}"))
            })?;
            Ok(json_response(status, &body, saved.etag.as_deref(), true))
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
