//! Email subscriptions on the public site (state `Subscriptions`): subscribe with a plain
//! form, confirm with a button on the page the mailed link opens (a GET changes nothing:
//! mail scanners fetch links), change one's channels and language, unsubscribe, and the
//! RFC 8058 one-click unsubscribe of every mail's `List-Unsubscribe`. Mounted only when a
//! mail server is configured; without one these paths are not found.
//!
//! There is no session to carry a CSRF token: each form is reachable only through an
//! unguessable token in its address (a signed manage link, a random confirmation link),
//! which a forging site does not have, and forms posted from another origin are refused
//! as the console refuses them. The subscribe form itself holds nothing to protect; what
//! it can be abused for (mailing someone) is limited per address and per client.

mod handlers;
mod page;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use ipnet::IpNet;

use crate::domain::Lang;
use crate::error::Error;
use crate::mail::{Mailer, Sender};
use crate::service::{Writer, subscribers};
use crate::store::Store;

#[derive(Clone)]
pub struct Subscriptions(Arc<SubscriptionParts>);

pub struct SubscriptionParts {
    pub writer: Writer,
    pub store: Store,
    pub mailer: Mailer,
    pub sender: Sender,
    pub default_lang: Lang,
    pub css_url: String,
    /// `scheme://host[:port]` of the site: forms posted from any other origin are refused.
    pub origin: String,
    pub trusted_proxies: Vec<IpNet>,
}

impl Subscriptions {
    pub fn new(parts: SubscriptionParts) -> Subscriptions {
        Subscriptions(Arc::new(parts))
    }
}

impl std::ops::Deref for Subscriptions {
    type Target = SubscriptionParts;

    fn deref(&self) -> &SubscriptionParts {
        &self.0
    }
}

pub fn router() -> Router<Subscriptions> {
    Router::new()
        .route("/subscribe", get(handlers::form).post(handlers::subscribe))
        .route(
            "/subscribe/confirm/{token}",
            get(handlers::confirm_page).post(handlers::confirm),
        )
        .route(
            "/subscribe/manage/{token}",
            get(handlers::manage_page).post(handlers::manage),
        )
        .route("/unsubscribe/{token}", post(handlers::one_click))
}

/// The timer's chore: forgets addresses unconfirmed for 48 hours (and old mail counts).
pub async fn forget_unconfirmed(store: &Store, now: DateTime<Utc>) -> Result<usize, Error> {
    store
        .write(move |tx| subscribers::forget_unconfirmed(tx, now))
        .await
}
