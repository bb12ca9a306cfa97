//! Commands about email subscribers: subscribing (double opt-in), confirming, changing
//! one's choices, unsubscribing, and the admins' import and removal. The audit log names
//! subscribers by id only: an address leaves no trace once it is removed.

use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use serde_json::json;

use super::{Audit, Ctx, Done};
use crate::domain::subscriber::{
    MAILS_PER_ADDRESS_PER_DAY, MAILS_PER_CLIENT_PER_DAY, confirm_token, mail_subjects,
    unconfirmed_cutoff,
};
use crate::domain::{ComponentId, FieldError, FieldErrors, Lang, Subscriber, hash_key};
use crate::error::Error;
use crate::store;

/// What a subscribe form asks for.
#[derive(Debug, Clone)]
pub struct Choices {
    pub lang: Lang,
    /// None named: everything.
    pub components: Vec<ComponentId>,
}

/// A confirmation mail to send: to whom, in which language, with which link token.
#[derive(Debug)]
pub struct ToConfirm {
    pub subscriber: Subscriber,
    pub token: String,
}

/// Checks that each chosen channel exists (groups included: a group stands for its
/// channels on the page, and notices name channels or groups).
fn check_components(tx: &Transaction, chosen: &[ComponentId]) -> Result<(), Error> {
    let mut errors = FieldErrors::default();
    for id in chosen {
        if store::component_by_id(tx, id.as_str())?.is_none() {
            errors.push("components", format!("`{}` is not a channel", id.as_str()));
        }
    }
    errors.into_result().map_err(Error::Invalid)
}

/// Subscribes `email` (or, for an address already known, sends its confirmation anew),
/// counting the mail against the address and the client: at most a few a day each.
pub fn subscribe(
    tx: &Transaction,
    ctx: &Ctx,
    email: &str,
    choices: Choices,
    client: &str,
) -> Result<Done<ToConfirm>, Error> {
    let fresh = Subscriber::new(email, choices.lang, Some(choices.components), ctx.now)
        .map_err(|e| Error::Invalid(vec![e]))?;
    check_components(tx, fresh.components.as_deref().unwrap_or_default())?;
    let day = ctx.now.date_naive();
    let subjects = mail_subjects(&fresh.email, client);
    let sent_for_address = store::confirmation_mails_sent(tx, &subjects[..1], day)?;
    let sent_for_client = store::confirmation_mails_sent(tx, &subjects[1..], day)?;
    if sent_for_address >= MAILS_PER_ADDRESS_PER_DAY || sent_for_client >= MAILS_PER_CLIENT_PER_DAY
    {
        return Err(Error::TooManyAttempts(until_tomorrow(ctx.now)));
    }
    store::count_confirmation_mail(tx, &subjects, day)?;
    let (token, hash) = confirm_token();
    let subscriber = match store::subscriber_by_email(tx, &fresh.email)? {
        Some(known) => {
            // The choices of a known address change only through its own links.
            store::set_confirm_hash(tx, &known.id, &hash)?;
            known
        }
        None => {
            store::insert_subscriber(tx, &fresh, Some(&hash))?;
            fresh
        }
    };
    Ok(Done {
        audit: audit("subscriber.subscribe", &subscriber.id),
        value: ToConfirm { subscriber, token },
    })
}

fn until_tomorrow(now: DateTime<Utc>) -> std::time::Duration {
    let tomorrow = now.date_naive() + chrono::Days::new(1);
    let midnight = tomorrow.and_time(chrono::NaiveTime::MIN).and_utc();
    (midnight - now).to_std().unwrap_or_default()
}

fn audit(action: &'static str, id: &str) -> Audit {
    Audit {
        action,
        target: Some(id.to_string()),
        detail: None,
    }
}

/// Confirms the address whose confirmation link carries `token`.
pub fn confirm(tx: &Transaction, ctx: &Ctx, token: &str) -> Result<Done<Subscriber>, Error> {
    let s = store::subscriber_by_confirm(tx, &hash_key(token))?
        .ok_or_else(|| Error::NotFound("subscription".into()))?;
    store::confirm_subscriber(tx, &s.id, ctx.now)?;
    let s = store::subscriber_by_id(tx, &s.id)?
        .ok_or_else(|| Error::NotFound("subscription".into()))?;
    Ok(Done {
        audit: audit("subscriber.confirm", &s.id),
        value: s,
    })
}

/// Saves the language and channels of subscriber `id`.
pub fn change(
    tx: &Transaction,
    _: &Ctx,
    id: &str,
    choices: Choices,
) -> Result<Done<Subscriber>, Error> {
    let mut s =
        store::subscriber_by_id(tx, id)?.ok_or_else(|| Error::NotFound("subscription".into()))?;
    check_components(tx, &choices.components)?;
    s.lang = choices.lang;
    s.components = Some(choices.components).filter(|c| !c.is_empty());
    store::update_choices(tx, &s)?;
    Ok(Done {
        audit: audit("subscriber.change", &s.id),
        value: s,
    })
}

/// Forgets subscriber `id`: by its own link, or an admin's hand (`action`). Forgetting one
/// already gone is no error: a second click of a one-click link changes nothing.
pub fn remove(
    tx: &Transaction,
    _: &Ctx,
    id: &str,
    action: &'static str,
) -> Result<Done<bool>, Error> {
    let gone = store::delete_subscriber(tx, id)?;
    Ok(Done {
        audit: audit(action, id),
        value: gone,
    })
}

/// One address to import.
#[derive(Debug, Clone)]
pub struct Imported {
    pub email: String,
    pub lang: Lang,
    pub components: Vec<ComponentId>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportReport {
    pub added: usize,
    /// Already subscribed: left as they were.
    pub existing: usize,
}

/// Imports addresses the admins vouch for: they consented elsewhere (`consented`), so
/// they are confirmed at once and no mail asks them. Without that word nothing is
/// imported: an address is never mailed unasked, and an unconfirmed import would only
/// be forgotten after 48 hours. All or nothing: one bad row refuses the import.
pub fn import(
    tx: &Transaction,
    ctx: &Ctx,
    rows: Vec<Imported>,
    consented: bool,
) -> Result<Done<ImportReport>, Error> {
    if !consented {
        return Err(Error::invalid(
            "consented",
            "import only addresses that agreed to these mails, and say so with consented: true",
        ));
    }
    let mut errors = FieldErrors::default();
    let mut report = ImportReport::default();
    for (n, row) in rows.into_iter().enumerate() {
        let made = Subscriber::new(&row.email, row.lang, Some(row.components), ctx.now);
        let made =
            made.map_err(|e| FieldError::new(format!("subscribers[{n}].{}", e.field), e.message));
        let Some(mut s) = errors.check(made) else {
            continue;
        };
        match check_components(tx, s.components.as_deref().unwrap_or_default()) {
            Ok(()) => {}
            Err(Error::Invalid(found)) => {
                for e in found {
                    errors.push(format!("subscribers[{n}].components"), e.message);
                }
                continue;
            }
            Err(e) => return Err(e),
        }
        if store::subscriber_by_email(tx, &s.email)?.is_some() {
            report.existing += 1;
            continue;
        }
        s.confirmed_at = Some(ctx.now);
        store::insert_subscriber(tx, &s, None)?;
        report.added += 1;
    }
    errors.into_result().map_err(Error::Invalid)?;
    Ok(Done {
        audit: Audit {
            action: "subscriber.import",
            target: None,
            detail: Some(json!({ "added": report.added, "existing": report.existing })),
        },
        value: report,
    })
}

/// Forgets addresses unconfirmed for 48 hours, and counts of mails from before today.
/// The timer's chore: no one asked, so no audit row.
pub fn forget_unconfirmed(tx: &Transaction, now: DateTime<Utc>) -> Result<usize, Error> {
    store::delete_mail_counts_before(tx, now.date_naive())?;
    Ok(store::delete_unconfirmed_before(
        tx,
        unconfirmed_cutoff(now),
    )?)
}
