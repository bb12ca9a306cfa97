//! Email: the SMTP transport (`Mailer`), what every mail is made with (`Sender`: the
//! sender's address and the links), the mails themselves (`render`), and the channel the
//! outbox worker delivers events through (`channel`: who gets an event, and its mail for
//! one delivery). Nothing here holds a database connection while it talks to the mail
//! server: the worker reads (`prepare`), lets go, then sends.

pub mod channel;
mod links;
pub mod render;

pub use channel::{CHANNEL, PrepareError, prepare, recipients};
pub use links::{Sender, load_link_key};

use lettre::message::Mailbox;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// The mail server's settings were not usable.
#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    #[error(
        "PAYSTATUS_SMTP_URL is not a mail server URL (smtp://host:port, smtps://user:pass@host): {0}"
    )]
    Url(String),
    #[error(
        "PAYSTATUS_SMTP_FROM is not an email address such as \"Status <status@example.com>\": {0}"
    )]
    From(String),
    #[error("set both PAYSTATUS_SMTP_URL and PAYSTATUS_SMTP_FROM, or neither")]
    Half,
    #[error("cannot read or write the subscription link key {path}: {source}")]
    Key {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// A mail that was not sent, and whether sending it again later may work.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// The server refused for now (4xx), or could not be reached: try again later. A
    /// permanent refusal (5xx, an address it will never take) is not worth a retry.
    pub retryable: bool,
    pub message: String,
}

/// Sends mails through one SMTP server, over pooled connections.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Mailer {
    /// A transport for `url` in lettre's form (`smtp://host:port` in the clear or with
    /// STARTTLS when `?tls=required`, `smtps://user:pass@host` over TLS). Connects only
    /// when the first mail is sent; keeps up to `connections` open.
    pub fn new(url: &str, connections: u32) -> Result<Mailer, MailSetupError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailSetupError::Url(e.to_string()))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .pool_config(PoolConfig::new().max_size(connections))
            .build();
        Ok(Mailer { transport })
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err(SendError {
                retryable: !(e.is_permanent() || e.is_client()),
                message: e.to_string(),
            }),
        }
    }
}

/// Reads the sender's address: `status@example.com` or `Status <status@example.com>`.
pub fn read_from(from: &str) -> Result<Mailbox, MailSetupError> {
    from.trim()
        .parse::<Mailbox>()
        .map_err(|e| MailSetupError::From(e.to_string()))
}
