//! Admin writes as HTTP: `Idempotency-Key` and `If-Match` in, the written resource's view
//! and ETag out. The write itself goes through `service::Writer` like every writer's.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::Transaction;
use serde_json::Value;

use super::Admin;
use super::auth::Actor;
use crate::error::Error;
use crate::service::{Ctx, Done, IfMatch, Outcome, Replay, Replayable, Who};
use crate::store::{SavedResponse, StoreError};

/// What an admin write answers: its status, the view of what was written and its ETag.
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub etag: Option<String>,
    /// A field of `body` holding a secret shown this once, and what the saved copy a
    /// replay answers with says instead, so no answer kept holds a secret.
    pub secret: Option<(&'static str, &'static str)>,
}

/// What a replay says in place of an API key.
pub const SHOWN_ONCE: &str = "The key was shown once, when it was made, and is not kept. If it was lost, revoke this key and make a new one.";

/// What a replay says in place of a webhook's signing secret.
pub const SECRET_SHOWN_ONCE: &str = "The secret was shown once, when it was made. If it was lost, rotate it (POST /webhooks/{id}/rotate-secret).";

impl Answer {
    pub fn new(status: StatusCode, body: Value, etag: Option<String>) -> Answer {
        Answer {
            status,
            body,
            etag,
            secret: None,
        }
    }

    fn response(self) -> Response {
        json_response(self.status, &self.body, self.etag.as_deref(), false)
    }
}

impl Replayable for Answer {
    /// The copy kept for replays: never with a secret in it.
    fn saved(&self) -> Result<SavedResponse, Error> {
        let body = match self.secret {
            None => self.body.to_string(),
            Some((field, note)) => {
                let mut kept = self.body.clone();
                if let Some(obj) = kept.as_object_mut() {
                    obj.insert(field.to_string(), Value::Null);
                    obj.insert(format!("{field}_shown_once"), Value::String(note.into()));
                }
                kept.to_string()
            }
        };
        Ok(SavedResponse {
            request_hash: String::new(),
            status: self.status.as_u16(),
            body,
            etag: self.etag.clone(),
        })
    }
}

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

/// Runs `command` through the one write path as the key's holder, and answers with
/// `answer` of its result (or the saved answer of an identical earlier request).
pub async fn write<T, F, A>(
    state: &Admin,
    actor: Actor,
    idempotency: Option<Idempotency>,
    command: F,
    answer: A,
) -> Result<Response, Error>
where
    T: Send + 'static,
    F: FnOnce(&Transaction, &Ctx) -> Result<Done<T>, Error> + Send + 'static,
    A: Fn(&T) -> Result<Answer, Error> + Send + 'static,
{
    let who = Who::key(&actor.key);
    let Some(idempotency) = idempotency else {
        // The answer is made after the commit, with the writer free again.
        let written = state.writer.run(who, command).await?;
        return answer(&written).map(Answer::response);
    };
    let replay = Replay {
        key: idempotency.key,
        fingerprint: idempotency.fingerprint,
    };
    // Kept for a replay, the answer is made in the transaction, once.
    let answered = move |tx: &Transaction, ctx: &Ctx| {
        let done = command(tx, ctx)?;
        Ok(Done {
            value: answer(&done.value)?,
            audit: done.audit,
        })
    };
    match state.writer.run_replayable(who, replay, answered).await? {
        Outcome::Done(a) => Ok(a.response()),
        Outcome::Replayed(saved) => replayed(saved),
    }
}

/// The saved answer of an identical earlier request, as it was sent then.
fn replayed(saved: SavedResponse) -> Result<Response, Error> {
    let status = StatusCode::from_u16(saved.status).map_err(|e| {
        StoreError::Corrupt(format!(
            "a saved idempotent answer has status {}: {e}",
            saved.status
        ))
    })?;
    let body: Value = serde_json::from_str(&saved.body)
        .map_err(|e| StoreError::Corrupt(format!("a saved idempotent answer is not JSON: {e}")))?;
    Ok(json_response(status, &body, saved.etag.as_deref(), true))
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

/// The version the writer saw, from `If-Match`.
pub fn if_match(headers: &HeaderMap) -> IfMatch {
    IfMatch::tags(
        headers
            .get(header::IF_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    )
}
