//! Commands: everything a writer can do to the status page, and the one way a write
//! happens. Every writer — the admin API, the command line, the maintenance clock, and
//! later the console, the Alertmanager receiver and subscriptions — calls these; none
//! holds a rule of its own.
//!
//! A command is a function `(transaction, context, typed input) -> Done<T>`: it runs the
//! domain's rules, writes through the store, and says what the audit log should record.
//! [`Writer::run`] wraps one command in one transaction with its audit row (and, for API
//! writers, the answer saved for an `Idempotency-Key` replay), commits, and publishes the
//! new snapshot before it returns.

pub mod alerts;
pub mod components;
pub mod keys;
pub mod notices;
pub mod people;
#[cfg(test)]
mod people_tests;
pub mod subscribers;
pub mod templates;
#[cfg(test)]
mod tests;
pub mod webhooks;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::Transaction;
use serde_json::Value;

use crate::domain::{ApiKey, Clock, Lang, Person};
use crate::error::Error;
use crate::snapshot::Publisher;
use crate::store::{self, SavedResponse, Store};
use crate::telemetry::Timings;

/// Who is writing, as the audit log names them.
#[derive(Debug, Clone)]
pub struct Who {
    /// The API key, when a key wrote; replays of `Idempotency-Key` are kept per key.
    pub key_id: Option<String>,
    pub name: String,
}

impl Who {
    pub fn key(key: &ApiKey) -> Who {
        Who {
            key_id: Some(key.id.clone()),
            name: key.name.clone(),
        }
    }

    /// A person signed in to the console, named by their email.
    pub fn person(person: &Person) -> Who {
        Who {
            key_id: None,
            name: person.email.clone(),
        }
    }

    /// The server itself: the maintenance clock.
    pub fn system() -> Who {
        Who {
            key_id: None,
            name: "system".into(),
        }
    }

    /// Someone on the public page managing their own subscription.
    pub fn subscriber() -> Who {
        Who {
            key_id: None,
            name: "subscriber".into(),
        }
    }

    /// An operator at the command line.
    pub fn cli() -> Who {
        Who {
            key_id: None,
            name: "cli".into(),
        }
    }
}

/// What a command may need besides the transaction.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub now: DateTime<Utc>,
    pub who: Who,
    /// Times without an offset are read in this zone.
    pub timezone: Tz,
    /// Plain-string text is in this language.
    pub default_lang: Lang,
}

impl Ctx {
    /// A context for commands that read neither times without an offset nor plain text
    /// (the command line's key commands): UTC and Korean stand in.
    pub fn at(now: DateTime<Utc>, who: Who) -> Ctx {
        Ctx {
            now,
            who,
            timezone: chrono_tz::UTC,
            default_lang: Lang::Ko,
        }
    }
}

/// What the audit log records of a write.
#[derive(Debug, Clone)]
pub struct Audit {
    pub action: &'static str,
    pub target: Option<String>,
    pub detail: Option<Value>,
}

/// A command's result, with what the audit log should say about it.
#[derive(Debug)]
pub struct Done<T> {
    pub value: T,
    pub audit: Audit,
}

/// A request sent with `Idempotency-Key`: the key, and a fingerprint of the request, so
/// the same key with a different request is refused rather than replayed.
#[derive(Debug, Clone)]
pub struct Replay {
    pub key: String,
    pub fingerprint: String,
}

/// What a writer answers to a request it may get again, as kept for the replay.
pub trait Replayable: Send + 'static {
    fn saved(&self) -> Result<SavedResponse, Error>;
}

/// Either the command ran now, or an earlier identical request's answer is replayed.
pub enum Outcome<T> {
    Done(T),
    Replayed(SavedResponse),
}

/// The one write path: a command in a transaction with its audit row, then the publish.
#[derive(Clone)]
pub struct Writer {
    pub store: Store,
    pub publisher: Arc<Publisher>,
    pub clock: Arc<dyn Clock>,
    pub timezone: Tz,
    pub default_lang: Lang,
    /// Poked after every commit: the outbox's worker sends what the write told at once.
    pub outbox: Arc<tokio::sync::Notify>,
    /// Where the time from commit to published is recorded, for `/metrics`.
    pub timings: Arc<Timings>,
}

impl Writer {
    pub fn context(&self, who: Who) -> Ctx {
        Ctx {
            now: self.clock.now(),
            who,
            timezone: self.timezone,
            default_lang: self.default_lang,
        }
    }

    /// Runs `command` as one committed write and returns once the page shows it.
    pub async fn run<T, F>(&self, who: Who, command: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction, &Ctx) -> Result<Done<T>, Error> + Send + 'static,
    {
        self.commit(who, move |tx, ctx| execute(tx, ctx, command), |_| true)
            .await
    }

    /// Runs `command`, which tells its own audit rows: one per thing it did, none when it
    /// changed nothing (a monitor repeating itself). Publishes only when it wrote.
    pub async fn run_audited<T, F>(&self, who: Who, command: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction, &Ctx) -> Result<(T, Vec<Audit>), Error> + Send + 'static,
    {
        let work = move |tx: &Transaction, ctx: &Ctx| -> Result<(T, bool), Error> {
            let (value, audits) = command(tx, ctx)?;
            for audit in &audits {
                record(tx, ctx, audit)?;
            }
            Ok((value, !audits.is_empty()))
        };
        let (value, _) = self.commit(who, work, |(_, wrote)| *wrote).await?;
        Ok(value)
    }

    /// The same for a request that may be sent again (`Idempotency-Key`): the answer is
    /// kept in the same transaction, and a second identical request gets it back instead
    /// of running again. The answer is made inside the transaction only here, where it
    /// has to be kept.
    pub async fn run_replayable<T, F>(
        &self,
        who: Who,
        replay: Replay,
        command: F,
    ) -> Result<Outcome<T>, Error>
    where
        T: Replayable,
        F: FnOnce(&Transaction, &Ctx) -> Result<Done<T>, Error> + Send + 'static,
    {
        let work = move |tx: &Transaction, ctx: &Ctx| -> Result<Outcome<T>, Error> {
            // Answers are kept per API key; a writer without one has nothing to replay.
            let Some(key_id) = ctx.who.key_id.as_deref() else {
                return execute(tx, ctx, command).map(Outcome::Done);
            };
            if let Some(saved) = store::saved_response(tx, key_id, &replay.key)? {
                if saved.request_hash != replay.fingerprint {
                    return Err(Error::invalid(
                        "Idempotency-Key",
                        "this key was already used for a different request",
                    ));
                }
                return Ok(Outcome::Replayed(saved));
            }
            let done = execute(tx, ctx, command)?;
            let mut saved = done.saved()?;
            saved.request_hash = replay.fingerprint;
            store::save_response(tx, key_id, &replay.key, &saved, ctx.now)?;
            Ok(Outcome::Done(done))
        };
        self.commit(who, work, |o| matches!(o, Outcome::Done(_)))
            .await
    }

    /// One transaction of `work`, then (when `changed` says it wrote) the publish.
    async fn commit<R, W>(&self, who: Who, work: W, changed: fn(&R) -> bool) -> Result<R, Error>
    where
        R: Send + 'static,
        W: FnOnce(&Transaction, &Ctx) -> Result<R, Error> + Send + 'static,
    {
        let ctx = self.context(who);
        let started = std::time::Instant::now();
        let result = self.store.write(move |tx| work(tx, &ctx)).await?;
        let published = if changed(&result) {
            let committed = started.elapsed();
            let publishing = std::time::Instant::now();
            let published = self.publisher.publish_write().await;
            if published.is_ok() {
                let took = publishing.elapsed();
                self.timings.write_visible.observe(took);
                self.timings.snapshot_build.observe(took);
            }
            tracing::debug!(?committed, published = ?started.elapsed(), "write");
            published.map_err(|e| Error::Unpublished(e.to_string()))
        } else {
            Ok(())
        };
        // What the write told is sent now, rendered from the page that shows it.
        self.outbox.notify_one();
        published.map(|()| result)
    }
}

/// Runs a command inside the caller's transaction and records its audit row: for
/// writers that own their transaction (the command line, which has no page to publish).
pub fn execute<T, F>(tx: &Transaction, ctx: &Ctx, command: F) -> Result<T, Error>
where
    F: FnOnce(&Transaction, &Ctx) -> Result<Done<T>, Error>,
{
    let done = command(tx, ctx)?;
    record(tx, ctx, &done.audit)?;
    Ok(done.value)
}

/// Writes the audit row of a command run in `tx`.
pub fn record(tx: &Transaction, ctx: &Ctx, audit: &Audit) -> Result<(), Error> {
    store::record_audit(
        tx,
        ctx.now,
        ctx.who.key_id.as_deref(),
        &ctx.who.name,
        audit.action,
        audit.target.as_deref(),
        audit.detail.as_ref(),
    )?;
    Ok(())
}

/// The version of a resource a writer last saw (`If-Match`): a change is refused when
/// the resource has moved on since, so two operators cannot overwrite each other.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Option<String>);

impl IfMatch {
    /// No precondition: the writer does not say which version it saw.
    pub fn any() -> IfMatch {
        IfMatch(None)
    }

    /// The tags of an `If-Match` header (a list, or `*`).
    pub fn tags(value: Option<String>) -> IfMatch {
        IfMatch(value)
    }

    pub fn check(&self, id: &str, revision: i64) -> Result<(), Error> {
        let current = etag(id, revision);
        match &self.0 {
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
}

/// The version tag of a stored resource: its id and revision.
pub fn etag(id: &str, revision: i64) -> String {
    format!("\"{id}-r{revision}\"")
}
