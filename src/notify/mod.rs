//! Telling people outside: the outbox's worker and the channels it sends through
//! (webhooks and email).
//!
//! Every change writes the events it tells in its own transaction (`service`), so a
//! rolled-back write tells nothing and a committed one is told even if the server dies
//! right after. The [`Worker`] expands each event into one delivery per recipient per
//! channel, then sends the due ones with bounded concurrency, holding no database
//! connection while the network is awaited, and records each attempt. Delivery is at
//! least once; the delivery's id is stable across retries, so receivers drop duplicates.

mod email;
mod http;
mod payload;
mod webhook;
mod worker;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::domain::Event;
use crate::store::{Delivery, StoreResult};

pub use email::EmailChannel;
pub use http::{AddressPolicy, guarded_client};
pub use webhook::WebhookChannel;
pub use worker::Worker;

/// A way of telling people: webhooks, email. Object-safe, so the worker holds a list.
///
/// The worker calls `recipients` and `prepare` inside short database transactions and
/// never awaits there; what `prepare` returns owns everything the send needs.
pub trait Channel: Send + Sync + 'static {
    /// What `deliveries.channel` says (`webhook`, `email`).
    fn name(&self) -> &'static str;

    /// Who is told of `event`: recipient ids (an endpoint's id, a subscriber's id), read
    /// in the fan-out's transaction.
    fn recipients(&self, conn: &Connection, event: &Event) -> StoreResult<Vec<String>>;

    /// Everything one attempt of `delivery` needs, read now (the recipient's address,
    /// the rendered message): the send itself holds no connection.
    fn prepare(
        &self,
        conn: &Connection,
        delivery: &Delivery,
        event: &Event,
    ) -> StoreResult<Prepared>;

    /// How long to wait after the `failures`-th failed attempt, the first of them
    /// `failing_for` ago; `None`: give up (the delivery fails).
    fn retry_after(&self, failures: u32, failing_for: Duration) -> Option<Duration>;

    /// Attempts in flight at once, at most.
    fn concurrency(&self) -> usize;

    /// The longest one attempt may take: a picked delivery is leased a little longer.
    fn attempt_timeout(&self) -> Duration;

    /// Notes where a delivery ended up, in the transaction that records it (a webhook
    /// endpoint is marked failing, or disabled when the delivery gives up).
    fn settled(
        &self,
        conn: &Connection,
        delivery: &Delivery,
        outcome: Settled,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
}

/// What `prepare` made of a delivery.
pub enum Prepared {
    Send(Box<dyn Job>),
    /// Not sent, ever: the recipient is gone or turned off. The delivery fails with this.
    Drop(String),
}

/// One attempt, owning all it needs.
pub trait Job: Send {
    fn send(self: Box<Self>) -> Pin<Box<dyn Future<Output = Attempt> + Send>>;
}

/// How an attempt went.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The receiver's answer, when one came.
    pub status_code: Option<u16>,
    pub latency: Duration,
    /// Why it failed; `None`: delivered.
    pub error: Option<String>,
    /// Whether trying again could help (a refused address will not).
    pub retryable: bool,
}

impl Attempt {
    pub fn delivered(&self) -> bool {
        self.error.is_none()
    }
}

/// Where a delivery stands after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Sent,
    /// Failed, and will be tried again.
    Retrying,
    /// Failed for good.
    GaveUp,
}
