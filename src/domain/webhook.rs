//! Webhook endpoints: where events are sent, which of them, in which shape and language,
//! and how each request is signed (Standard Webhooks, <https://www.standardwebhooks.com>:
//! `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`, keyed by the secret).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{KeyInit, Mac};

use super::{ComponentId, Event, EventKind, FieldError, Lang};

/// What `deliveries.channel` says of a delivery to a webhook endpoint.
pub const WEBHOOK_CHANNEL: &str = "webhook";

/// The shape of what is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookFormat {
    /// Our event: `{"type", "timestamp", "data"}`, `data` as `/api/v2` shows it.
    Standard,
    /// What Statuspage sends, so receivers written for it keep working.
    Statuspage,
    /// `{"text": …}` for Slack's and Mattermost's incoming webhooks.
    Slack,
}

impl WebhookFormat {
    pub const ALL: [WebhookFormat; 3] = [
        WebhookFormat::Standard,
        WebhookFormat::Statuspage,
        WebhookFormat::Slack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Standard => "standard",
            WebhookFormat::Statuspage => "statuspage",
            WebhookFormat::Slack => "slack",
        }
    }

    pub fn parse(s: &str) -> Option<WebhookFormat> {
        WebhookFormat::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn expected() -> String {
        WebhookFormat::ALL.map(WebhookFormat::as_str).join(", ")
    }
}

/// An endpoint, without its secret (which only signing reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    /// `None`: every component.
    pub components: Option<Vec<ComponentId>>,
    /// `None`: every kind of event but `reports.spike`, which is sent only when named.
    pub events: Option<Vec<EventKind>>,
    pub lang: Lang,
    pub format: WebhookFormat,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when its deliveries failed for a day (or an operator turned it off).
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    /// When deliveries started failing; cleared by the next one that succeeds.
    pub failing_since: Option<DateTime<Utc>>,
}

impl Webhook {
    /// Whether `event`, about a notice holding `notice_components` (or about a component;
    /// a spike of customers' reports passes its channel here), is one this endpoint asked
    /// for.
    pub fn wants(&self, event: &Event, notice_components: &[ComponentId]) -> bool {
        if self.disabled_at.is_some() || event.kind == EventKind::Test {
            return false;
        }
        let asked = match &self.events {
            Some(kinds) => kinds.contains(&event.kind),
            // Naming none is every kind the public may know of.
            None => event.kind.by_default(),
        };
        if !asked {
            return false;
        }
        let Some(chosen) = &self.components else {
            return true;
        };
        match &event.component {
            Some(change) => chosen.contains(&change.component),
            None => notice_components.iter().any(|c| chosen.contains(c)),
        }
    }
}

/// The endpoint's address: an absolute `http` or `https` URL without credentials.
pub fn read_webhook_url(s: &str) -> Result<String, FieldError> {
    let refuse = |why: &str| Err(FieldError::new("url", why));
    if s.len() > 2000 {
        return refuse("must be at most 2000 characters");
    }
    let Ok(url) = url::Url::parse(s) else {
        return refuse("must be an absolute http or https URL");
    };
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return refuse("must be an absolute http or https URL");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("must not hold a user name or password");
    }
    Ok(url.to_string())
}

/// A new signing secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_webhook_secret() -> String {
    let key: [u8; 32] = super::ids::random_bytes();
    format!("whsec_{}", BASE64.encode(key))
}

/// How long a webhook's deliveries keep being tried after the first failure; an endpoint
/// whose deliveries failed that long is disabled.
pub const WEBHOOK_RETRY_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// The wait after the `failures`-th failed attempt of a delivery whose first failure was
/// `failing_for` ago: within 5 s, then within 30 s, then doubling from a minute (at most
/// six hours), each cut by `jitter` (0 to 1: up to half of it, so retries of many
/// deliveries spread out), and never past the day. `None`: the day is over, give up.
pub fn webhook_retry(failures: u32, failing_for: Duration, jitter: f64) -> Option<Duration> {
    let left = WEBHOOK_RETRY_WINDOW.checked_sub(failing_for)?;
    if left.is_zero() {
        return None;
    }
    let ceiling = match failures {
        0 | 1 => Duration::from_secs(5),
        2 => Duration::from_secs(30),
        n => Duration::from_secs(60 << (n - 3).min(9)).min(Duration::from_secs(6 * 3600)),
    };
    let cut = ceiling.mul_f64(jitter.clamp(0.0, 1.0) / 2.0);
    Some((ceiling - cut).min(left))
}

/// A stored secret that does not decode: only a damaged database holds one.
#[derive(Debug, thiserror::Error)]
#[error("the webhook secret is not `whsec_` and base64")]
pub struct BadSecret;

/// The `webhook-signature` of one request.
pub fn sign_webhook(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, BadSecret> {
    let encoded = secret.strip_prefix("whsec_").ok_or(BadSecret)?;
    let key = BASE64.decode(encoded).map_err(|_| BadSecret)?;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).map_err(|_| BadSecret)?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Ok(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(events: Option<Vec<EventKind>>, components: Option<Vec<&str>>) -> Webhook {
        let now = Utc::now();
        Webhook {
            id: "w".into(),
            url: "https://hooks.example.com/".into(),
            components: components.map(|c| {
                c.into_iter()
                    .map(|c| ComponentId::from_trusted(c.into()))
                    .collect()
            }),
            events,
            lang: Lang::Ko,
            format: WebhookFormat::Standard,
            created_at: now,
            updated_at: now,
            disabled_at: None,
            disabled_reason: None,
            failing_since: None,
        }
    }

    #[test]
    fn a_spike_of_reports_goes_only_to_endpoints_that_name_it() {
        let spike = crate::domain::spike_event("e".into(), Utc::now());
        let card = [ComponentId::from_trusted("card".into())];
        assert!(!endpoint(None, None).wants(&spike, &card), "not by default");
        let asked = Some(vec![EventKind::ReportsSpike]);
        assert!(endpoint(asked.clone(), None).wants(&spike, &card));
        assert!(endpoint(asked.clone(), Some(vec!["card"])).wants(&spike, &card));
        assert!(
            !endpoint(asked, Some(vec!["kakaopay"])).wants(&spike, &card),
            "its channel filters it"
        );
        let others = Some(vec![EventKind::IncidentCreated]);
        assert!(!endpoint(others, None).wants(&spike, &card));
    }

    #[test]
    fn signatures_match_the_standard_webhooks_example() {
        // The example of the specification's reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let sig = sign_webhook(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_are_whsec_and_32_bytes() {
        let s = new_webhook_secret();
        let raw = BASE64.decode(s.strip_prefix("whsec_").unwrap()).unwrap();
        assert_eq!(raw.len(), 32);
        assert_ne!(s, new_webhook_secret());
        assert!(sign_webhook("nope", "id", 1, b"").is_err());
    }

    #[test]
    fn retries_come_within_5_s_then_30_s_then_back_off_for_a_day() {
        let s = |n: u64| Duration::from_secs(n);
        assert_eq!(webhook_retry(1, s(0), 0.0), Some(s(5)));
        assert_eq!(
            webhook_retry(1, s(0), 1.0),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(webhook_retry(2, s(5), 0.0), Some(s(30)));
        assert_eq!(webhook_retry(3, s(35), 0.0), Some(s(60)));
        assert_eq!(webhook_retry(4, s(95), 0.0), Some(s(120)));
        assert_eq!(webhook_retry(30, s(3600), 0.0), Some(s(6 * 3600)));
        assert_eq!(
            webhook_retry(12, s(86_000), 0.0),
            Some(s(400)),
            "never past the day"
        );
        assert_eq!(webhook_retry(13, s(86_400), 0.0), None);
    }

    #[test]
    fn only_absolute_web_urls_are_taken() {
        assert!(read_webhook_url("https://hooks.example.com/x?y=1").is_ok());
        for bad in [
            "ftp://x.test/",
            "/relative",
            "https://u:p@x.test/",
            "http://",
            "mailto:a@b",
        ] {
            assert!(read_webhook_url(bad).is_err(), "{bad}");
        }
    }
}
