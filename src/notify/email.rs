//! Email as a channel of the outbox: the confirmed subscribers who want an event, each
//! sent their own mail over the mailer's pooled SMTP connections. Who and what are read
//! by `mail`; this only adapts them to the worker.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use lettre::Message;
use rusqlite::Connection;

use super::{Attempt, Channel, Job, Prepared, Settled};
use crate::domain::{Clock, Event};
use crate::mail::{self, Mailer, PrepareError, Sender};
use crate::store::{Delivery, StoreResult};

/// One SMTP conversation, at most.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
/// A mail is tried for a day, then given up.
const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);

pub struct EmailChannel {
    mailer: Mailer,
    sender: Sender,
    clock: Arc<dyn Clock>,
    /// Mails in flight at once, each on one of the mailer's pooled connections (as many
    /// as it keeps): 10,000 subscribers are mailed in about 15 s through a local aiosmtpd
    /// with 32, 30 s with 16.
    concurrency: usize,
}

impl EmailChannel {
    pub fn new(
        mailer: Mailer,
        sender: Sender,
        clock: Arc<dyn Clock>,
        concurrency: usize,
    ) -> EmailChannel {
        EmailChannel {
            mailer,
            sender,
            clock,
            concurrency,
        }
    }
}

impl Channel for EmailChannel {
    fn name(&self) -> &'static str {
        mail::CHANNEL
    }

    fn recipients(&self, conn: &Connection, event: &Event) -> StoreResult<Vec<String>> {
        mail::recipients(conn, event)
    }

    fn prepare(
        &self,
        conn: &Connection,
        delivery: &Delivery,
        event: &Event,
    ) -> StoreResult<Prepared> {
        let now = self.clock.now();
        match mail::prepare(
            conn,
            &self.sender,
            &delivery.id,
            event,
            &delivery.recipient,
            now,
        ) {
            Ok(Some(message)) => Ok(Prepared::Send(Box::new(MailJob {
                mailer: self.mailer.clone(),
                message,
            }))),
            Ok(None) => Ok(Prepared::Drop(
                "the subscriber left or no longer wants this".into(),
            )),
            Err(PrepareError::Render(e)) => {
                tracing::error!(delivery = %delivery.id, error = %e, "a mail could not be made");
                Ok(Prepared::Drop(format!("the mail could not be made: {e}")))
            }
            Err(PrepareError::Store(e)) => Err(e),
        }
    }

    fn retry_after(&self, failures: u32, failing_for: Duration) -> Option<Duration> {
        mail_retry(failures, failing_for)
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }

    fn attempt_timeout(&self) -> Duration {
        ATTEMPT_TIMEOUT
    }

    fn settled(
        &self,
        _: &Connection,
        _: &Delivery,
        _: Settled,
        _: DateTime<Utc>,
    ) -> StoreResult<()> {
        // A subscriber's address that keeps failing stays: the mail server says why.
        Ok(())
    }
}

/// A minute after the first failure, doubling to an hour, for a day.
fn mail_retry(failures: u32, failing_for: Duration) -> Option<Duration> {
    if failing_for >= GIVE_UP_AFTER {
        return None;
    }
    let wait = 60u64.saturating_mul(1 << failures.saturating_sub(1).min(6));
    Some(Duration::from_secs(wait.min(3600)))
}

struct MailJob {
    mailer: Mailer,
    message: Message,
}

impl Job for MailJob {
    fn send(
        self: Box<Self>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Attempt> + Send>> {
        Box::pin(async move {
            let started = Instant::now();
            let sent = self.mailer.send(self.message).await;
            Attempt {
                status_code: None,
                latency: started.elapsed(),
                retryable: sent.as_ref().is_err_and(|e| e.retryable),
                error: sent.err().map(|e| e.message),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mails_are_retried_from_a_minute_to_an_hour_for_a_day() {
        let hour = Duration::from_secs(3600);
        assert_eq!(mail_retry(1, Duration::ZERO), Some(Duration::from_secs(60)));
        assert_eq!(
            mail_retry(2, Duration::ZERO),
            Some(Duration::from_secs(120))
        );
        assert_eq!(mail_retry(30, 2 * hour), Some(hour));
        assert_eq!(mail_retry(5, 24 * hour), None);
    }
}
