//! The operators' console at `/console`: server-rendered pages and plain HTML forms that
//! work without any script, for the people who write notices during an outage. A person
//! signs in with email and password (`session`); every form carries the session's CSRF
//! token and is refused from another site (`form`). Forms are read into the same input
//! as the admin API's JSON and run the same commands through `service::Writer`: the
//! console holds no rule of its own.

mod audit;
mod catalogue;
mod dashboard;
pub mod form;
mod incident_page;
mod incidents;
mod inputs;
mod key_admin;
mod login;
mod maintenance;
mod notice_form;
mod pages;
mod people_admin;
mod report_page;
mod session;
mod subscriber_admin;
mod template_admin;
mod views;
mod webhook_admin;
mod webhook_deliveries;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use chrono_tz::Tz;
use ipnet::IpNet;

use crate::domain::{Clock, Lang, SessionLimits};
use crate::service::Writer;
use crate::store::Store;
use crate::web::throttle::FailureThrottle;

/// What the console's routes need: one reference count to clone per request.
#[derive(Clone)]
pub struct Console(Arc<ConsoleParts>);

pub struct ConsoleParts {
    /// The one write path.
    pub writer: Writer,
    /// For the console's reads, on the operators' read lane.
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// Times are read and shown in this zone.
    pub timezone: Tz,
    pub default_lang: Lang,
    /// `scheme://host[:port]` of the site: forms posted from any other origin are refused.
    pub origin: String,
    /// The base URL is https: cookies are sent only over https.
    pub secure_cookies: bool,
    pub limits: SessionLimits,
    /// Failed logins, counted per client address and per email.
    pub login_throttle: FailureThrottle,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
}

impl Console {
    pub fn new(parts: ConsoleParts) -> Console {
        Console(Arc::new(parts))
    }

    /// Times as the reader of a page sees them, now.
    pub fn time(&self, lang: Lang) -> crate::snapshot::TimeFormat {
        crate::snapshot::TimeFormat {
            lang,
            tz: self.timezone,
            now: self.clock.now(),
        }
    }
}

impl std::ops::Deref for Console {
    type Target = ConsoleParts;

    fn deref(&self) -> &ConsoleParts {
        &self.0
    }
}

/// `scheme://host[:port]` of a base URL such as `https://status.example.com/`.
pub fn origin_of(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let host_len = rest.find('/').unwrap_or(rest.len());
    let scheme_len = base_url.len() - rest.len();
    base_url[..scheme_len + host_len].to_string()
}

pub fn router() -> Router<Console> {
    Router::new()
        .route("/console", get(dashboard::show))
        .route("/console/login", get(login::form).post(login::submit))
        .route("/console/logout", post(login::logout))
        .route("/console/lang/{lang}", get(pages::choose_lang))
        .route("/console/console.css", get(pages::stylesheet))
        .route(
            "/console/components/{id}/status",
            post(dashboard::set_component_status),
        )
        .route(
            "/console/incidents/new",
            get(incidents::new_form).post(incidents::submit_new),
        )
        .route("/console/incidents/{id}", get(incident_page::show))
        .route("/console/incidents/{id}/report", get(report_page::show))
        .route(
            "/console/incidents/{id}/updates",
            post(incident_page::post_update),
        )
        .route(
            "/console/incidents/{id}/publish",
            post(incident_page::publish),
        )
        .route(
            "/console/incidents/{id}/postmortem",
            post(incident_page::postmortem),
        )
        .route(
            "/console/maintenances/new",
            get(maintenance::new_form).post(maintenance::submit_new),
        )
        .route(
            "/console/maintenances/{id}",
            get(maintenance::show).post(maintenance::change),
        )
        .route(
            "/console/maintenances/{id}/cancel",
            post(maintenance::cancel),
        )
        .route(
            "/console/components",
            get(catalogue::show).post(catalogue::create),
        )
        .route("/console/components/{id}", post(catalogue::change))
        .route("/console/subscribers", get(subscriber_admin::show))
        .route("/console/subscribers.csv", get(subscriber_admin::export))
        .route(
            "/console/subscribers/import",
            post(subscriber_admin::import),
        )
        .route(
            "/console/subscribers/{id}/remove",
            post(subscriber_admin::remove),
        )
        .route("/console/templates", get(template_admin::list))
        .route(
            "/console/templates/new",
            get(template_admin::new_form).post(template_admin::create),
        )
        .route(
            "/console/templates/{id}",
            get(template_admin::edit_form).post(template_admin::change),
        )
        .route(
            "/console/templates/{id}/delete",
            post(template_admin::delete),
        )
        .route(
            "/console/people",
            get(people_admin::show).post(people_admin::create),
        )
        .route("/console/people/role", post(people_admin::set_role))
        .route("/console/people/disable", post(people_admin::disable))
        .route(
            "/console/keys",
            get(key_admin::show).post(key_admin::create),
        )
        .route("/console/keys/{id}/revoke", post(key_admin::revoke))
        .route("/console/audit", get(audit::show))
        .route(
            "/console/webhooks",
            get(webhook_admin::show).post(webhook_admin::create),
        )
        .route("/console/webhooks/{id}", get(webhook_deliveries::show))
        .route("/console/webhooks/{id}/rotate", post(webhook_admin::rotate))
        .route(
            "/console/webhooks/{id}/test",
            post(webhook_admin::send_test),
        )
        .route(
            "/console/webhooks/{id}/enabled",
            post(webhook_admin::set_enabled),
        )
        .route("/console/webhooks/{id}/delete", post(webhook_admin::delete))
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn the_origin_is_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://status.example.com/"),
            "https://status.example.com"
        );
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(
            origin_of("https://example.com/status/"),
            "https://example.com"
        );
    }
}
