//! Email subscribers: an address, its language and the channels it follows (none named:
//! everything), and the rules of confirming, forgetting and choosing what to send it.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::{ComponentId, Event, FieldError, Lang, hash_key, new_id, normalize_email, random_key};

/// An address that has not confirmed within this long is forgotten.
pub const UNCONFIRMED_FOR: Duration = Duration::hours(48);

/// Confirmation mails one address may be sent per day: enough to retry a lost mail, too
/// few to bomb anyone with them.
pub const MAILS_PER_ADDRESS_PER_DAY: u32 = 3;

/// Confirmation mails one client may ask for per day (IPv6 clients by their /64): an
/// office behind one address subscribes a few people, a script does not get far.
pub const MAILS_PER_CLIENT_PER_DAY: u32 = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    pub id: String,
    /// Trimmed and lowercased ([`normalize_email`]).
    pub email: String,
    pub lang: Lang,
    /// The channels followed; `None`: everything.
    pub components: Option<Vec<ComponentId>>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl Subscriber {
    /// A new address, not confirmed yet.
    pub fn new(
        email: &str,
        lang: Lang,
        components: Option<Vec<ComponentId>>,
        now: DateTime<Utc>,
    ) -> Result<Subscriber, FieldError> {
        Ok(Subscriber {
            id: format!("sub_{}", &new_id()[..10]),
            email: read_email(email)?,
            lang,
            components: components.filter(|c| !c.is_empty()),
            created_at: now,
            confirmed_at: None,
        })
    }

    /// Whether this subscriber is told of `event`. `notice_components`: the channels the
    /// event's notice is about (empty for a component's own event). A notice event goes
    /// to those following everything or one of its channels; a channel's change of
    /// status only to those who chose that channel, since everyone else hears of it in
    /// the notice's own mail.
    pub fn wants(&self, event: &Event, notice_components: &[ComponentId]) -> bool {
        if self.confirmed_at.is_none() || !event.kind.by_default() {
            return false;
        }
        if let Some(change) = event.component.as_ref().filter(|_| !event.kind.is_notice()) {
            return self
                .components
                .as_ref()
                .is_some_and(|mine| mine.contains(&change.component));
        }
        match &self.components {
            None => true,
            Some(mine) => notice_components.iter().any(|c| mine.contains(c)),
        }
    }

    /// An unconfirmed address past its 48 hours.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.confirmed_at.is_none() && self.created_at + UNCONFIRMED_FOR <= now
    }
}

/// Addresses created before this and still unconfirmed are forgotten.
pub fn unconfirmed_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - UNCONFIRMED_FOR
}

/// An address as a subscriber gives it: the console's rules, and a dot in the domain,
/// since a mail server must be found for it.
pub fn read_email(email: &str) -> Result<String, FieldError> {
    let email = normalize_email(email)?;
    match email.split_once('@') {
        Some((_, domain)) if domain.contains('.') && !domain.ends_with('.') => Ok(email),
        _ => Err(FieldError::new(
            "email",
            "give an email address such as name@example.com",
        )),
    }
}

/// A new confirmation token for a link, and the hash to keep.
pub fn confirm_token() -> (String, String) {
    let token = random_key(40);
    let hash = hash_key(&token);
    (token, hash)
}

/// The token of a subscriber's manage and unsubscribe links: its id and a keyed hash of
/// it, so every mail can carry the link while the database keeps no token at all (the
/// key lives outside it). Never extended, only recomputed and compared, so the plain
/// keyed hash is enough.
pub fn manage_token(key: &[u8], subscriber_id: &str) -> String {
    format!("{subscriber_id}.{}", manage_mac(key, subscriber_id))
}

/// The subscriber a manage token was made for, if the key made it.
pub fn manage_token_owner<'a>(key: &[u8], token: &'a str) -> Option<&'a str> {
    let (id, mac) = token.rsplit_once('.')?;
    let expected = manage_mac(key, id);
    // Compared without an early exit, so the time taken tells nothing of the right one.
    let same = mac.len() == expected.len()
        && mac
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then_some(id)
}

fn manage_mac(key: &[u8], subscriber_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(key);
    h.update([0u8]);
    h.update(subscriber_id.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// Where confirmation mails are counted: the address (by its hash, so the count keeps no
/// address) and the client.
pub fn mail_subjects(email: &str, client: &str) -> [String; 2] {
    [
        format!("email:{}", hash_key(email)),
        format!("client:{client}"),
    ]
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{ComponentChange, ComponentStatus, EventKind};

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, h, 0, 0).unwrap()
    }

    fn id(s: &str) -> ComponentId {
        ComponentId::from_trusted(s.into())
    }

    fn event(kind: EventKind, component: Option<&str>) -> Event {
        Event {
            id: "e1".into(),
            kind,
            notice: Some("n1".into()),
            update: None,
            component: component.map(|c| ComponentChange {
                component: id(c),
                old: ComponentStatus::Operational,
                new: ComponentStatus::MajorOutage,
            }),
            at: t(5),
        }
    }

    fn confirmed(components: Option<Vec<ComponentId>>) -> Subscriber {
        let mut s = Subscriber::new("A@Example.com ", Lang::Ko, components, t(1)).unwrap();
        s.confirmed_at = Some(t(2));
        s
    }

    #[test]
    fn everything_means_every_notice_but_no_channel_events() {
        let all = confirmed(None);
        assert_eq!(all.email, "a@example.com");
        assert!(all.wants(&event(EventKind::IncidentCreated, None), &[id("card")]));
        assert!(all.wants(&event(EventKind::MaintenanceStarted, None), &[]));
        let change = event(EventKind::ComponentStatusChanged, Some("card"));
        assert!(!all.wants(&change, &[]));
    }

    #[test]
    fn chosen_channels_filter_notices_and_channel_events() {
        let card = confirmed(Some(vec![id("card")]));
        assert!(card.wants(&event(EventKind::IncidentUpdated, None), &[id("card")]));
        assert!(!card.wants(&event(EventKind::IncidentUpdated, None), &[id("kakaopay")]));
        let change = event(EventKind::ComponentStatusChanged, Some("card"));
        assert!(card.wants(&change, &[]));
        let other = event(EventKind::ComponentStatusChanged, Some("kakaopay"));
        assert!(!card.wants(&other, &[]));
    }

    #[test]
    fn a_spike_of_customers_reports_is_never_mailed() {
        let spike = Event {
            notice: None,
            ..event(EventKind::ReportsSpike, None)
        };
        assert!(!confirmed(None).wants(&spike, &[]));
        assert!(!confirmed(Some(vec![id("card")])).wants(&spike, &[id("card")]));
    }

    #[test]
    fn an_unconfirmed_address_is_sent_nothing_and_forgotten_after_48_hours() {
        let s = Subscriber::new("a@example.com", Lang::En, None, t(0)).unwrap();
        assert!(!s.wants(&event(EventKind::IncidentCreated, None), &[]));
        assert!(!s.expired(t(0) + Duration::hours(47)));
        assert!(s.expired(t(0) + Duration::hours(48)));
        assert!(!confirmed(None).expired(t(0) + Duration::days(30)));
        assert_eq!(unconfirmed_cutoff(t(48 % 24)), t(0) - Duration::hours(48));
    }

    #[test]
    fn addresses_need_a_domain_with_a_dot() {
        assert!(read_email("ops@localhost").is_err());
        assert!(read_email("ops@example.").is_err());
        assert_eq!(read_email(" Ops@Example.COM").unwrap(), "ops@example.com");
        assert!(Subscriber::new("nope", Lang::Ko, None, t(0)).is_err());
    }

    #[test]
    fn manage_tokens_are_stable_per_key_and_id() {
        let a = manage_token(b"k1", "sub_1");
        assert_eq!(a, manage_token(b"k1", "sub_1"));
        assert_ne!(a, manage_token(b"k2", "sub_1"));
        assert_eq!(manage_token_owner(b"k1", &a), Some("sub_1"));
        assert_eq!(manage_token_owner(b"k2", &a), None);
        let forged = a.replace("sub_1.", "sub_2.");
        assert_eq!(manage_token_owner(b"k1", &forged), None);
        assert_eq!(manage_token_owner(b"k1", "sub_1"), None);
        let (token, hash) = confirm_token();
        assert_eq!(hash_key(&token), hash);
    }
}
