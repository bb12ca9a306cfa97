//! Commands about the people who use the operator console, and their sessions.
//!
//! Argon2 takes tens of milliseconds on purpose, so it never runs inside the write
//! transaction (which would hold every other writer back): a new password is hashed
//! before the write ([`hash_new_password`]), and a login is read and verified first
//! ([`login_candidate`], [`LoginCandidate::verify`]) and then written in a short write
//! ([`log_in`]).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction};
use serde_json::json;

use super::{Audit, Ctx, Done};
use crate::domain::{
    PasswordError, PasswordHash, Person, Role, Session, SessionLimits, hash_password, new_person,
    new_session_secrets, normalize_email, session_token_hash, verify_nobody, verify_password,
};
use crate::error::Error;
use crate::store;

/// Checks the password policy and hashes the password: call before the transaction.
pub fn hash_new_password(password: &str) -> Result<PasswordHash, Error> {
    hash_password(password).map_err(|e| match e {
        PasswordError::Refused(e) => Error::Invalid(vec![e]),
        PasswordError::Hashing(why) => Error::Internal(why),
    })
}

/// Adds a person who can sign in with `email` and the password `password` was made from.
pub fn create_person(
    tx: &Transaction,
    ctx: &Ctx,
    email: &str,
    role: Role,
    password: &PasswordHash,
) -> Result<Done<Person>, Error> {
    let person = new_person(email, role, ctx.now).map_err(|e| Error::Invalid(vec![e]))?;
    if store::person_by_email(tx, &person.email)?.is_some() {
        return Err(Error::invalid(
            "email",
            format!("there is already a person with the email {}", person.email),
        ));
    }
    store::insert_person(tx, &person, password.as_str())?;
    let audit = Audit {
        action: "person.create",
        target: Some(person.id.clone()),
        detail: Some(json!({ "email": person.email, "role": person.role })),
    };
    Ok(Done {
        value: person,
        audit,
    })
}

/// The person with this email, or the refusal a command gives for an unknown one.
fn find(tx: &Transaction, email: &str) -> Result<Person, Error> {
    let email = normalize_email(email).map_err(|e| Error::Invalid(vec![e]))?;
    store::person_by_email(tx, &email)?.ok_or_else(|| Error::NotFound("person".into()))
}

/// Disables a person and ends all their sessions at once; disabling twice keeps the
/// first time.
pub fn disable_person(tx: &Transaction, ctx: &Ctx, email: &str) -> Result<Done<Person>, Error> {
    let person = find(tx, email)?;
    store::disable_person(tx, &person.id, ctx.now)?;
    let ended = store::end_sessions_of(tx, &person.id, ctx.now)?;
    let person =
        store::person_by_id(tx, &person.id)?.ok_or_else(|| Error::NotFound("person".into()))?;
    let audit = Audit {
        action: "person.disable",
        target: Some(person.id.clone()),
        detail: Some(json!({ "email": person.email, "sessions_ended": ended })),
    };
    Ok(Done {
        value: person,
        audit,
    })
}

/// Gives a person another role; their sessions read it from the next request on.
pub fn set_role(
    tx: &Transaction,
    _ctx: &Ctx,
    email: &str,
    role: Role,
) -> Result<Done<Person>, Error> {
    let mut person = find(tx, email)?;
    let before = person.role;
    store::set_person_role(tx, &person.id, role)?;
    person.role = role;
    let audit = Audit {
        action: "person.role",
        target: Some(person.id.clone()),
        detail: Some(json!({ "email": person.email, "from": before, "to": role })),
    };
    Ok(Done {
        value: person,
        audit,
    })
}

/// What a login is checked against, read before any password work so that no
/// connection is held while Argon2 runs.
pub struct LoginCandidate(Option<(Person, String)>);

impl std::fmt::Debug for LoginCandidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginCandidate(…)")
    }
}

/// A login whose password was right, for a person not disabled when it was read.
#[derive(Debug, Clone)]
pub struct Verified(Person);

impl Verified {
    pub fn person(&self) -> &Person {
        &self.0
    }
}

/// Reads who `email` belongs to, with their password hash. Nothing is written: a
/// failed login leaves no trace to fill the database with.
pub fn login_candidate(conn: &Connection, email: &str) -> Result<LoginCandidate, Error> {
    let Ok(email) = normalize_email(email) else {
        return Ok(LoginCandidate(None));
    };
    Ok(LoginCandidate(store::person_with_password(conn, &email)?))
}

impl LoginCandidate {
    /// Verifies the password (slow: run it off the async threads). An unknown email, a
    /// wrong password and a disabled person get the same refusal after the same work.
    pub fn verify(self, password: &str) -> Result<Verified, Error> {
        let Some((person, hash)) = self.0 else {
            verify_nobody(password);
            return Err(Error::LoginRefused);
        };
        match verify_password(password, &hash) {
            Ok(true) if !person.is_disabled() => Ok(Verified(person)),
            Ok(_) => Err(Error::LoginRefused),
            Err(e) => {
                // The person cannot sign in until an admin mends the row; say why.
                tracing::error!(person = %person.id, error = %e, "refused a login");
                Err(Error::LoginRefused)
            }
        }
    }
}

/// A session just made: the token for the cookie and the CSRF token for forms, shown
/// this once (only the token's hash is kept). Printing it shows neither.
pub struct NewSession {
    pub person: Person,
    pub token: String,
    pub csrf_token: String,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("person", &self.person)
            .finish_non_exhaustive()
    }
}

/// Starts a new session for a verified login (a new token every time, never one reused),
/// unless the person was disabled since the password was checked. Also removes the
/// person's dead sessions, so the table does not grow with logins.
pub fn log_in(
    tx: &Transaction,
    ctx: &Ctx,
    verified: &Verified,
    limits: &SessionLimits,
) -> Result<Done<NewSession>, Error> {
    let mut person = store::person_by_id(tx, &verified.0.id)?
        .filter(|p| !p.is_disabled())
        .ok_or(Error::LoginRefused)?;
    store::delete_dead_sessions_of(tx, &person.id, limits.cutoffs(ctx.now))?;
    let secrets = new_session_secrets();
    store::insert_session(
        tx,
        &secrets.token_hash,
        &person.id,
        &secrets.csrf_token,
        ctx.now,
    )?;
    store::set_last_login(tx, &person.id, ctx.now)?;
    person.last_login_at = Some(ctx.now);
    let audit = Audit {
        action: "session.login",
        target: Some(person.id.clone()),
        detail: Some(json!({ "email": person.email })),
    };
    Ok(Done {
        value: NewSession {
            person,
            token: secrets.token,
            csrf_token: secrets.csrf_token,
        },
        audit,
    })
}

/// Ends the session of `token`; `NotFound` if it is not open (already ended, or never).
pub fn log_out(tx: &Transaction, ctx: &Ctx, token: &str) -> Result<Done<()>, Error> {
    let person_id = store::end_session(tx, &session_token_hash(token), ctx.now)?
        .ok_or_else(|| Error::NotFound("session".into()))?;
    let audit = Audit {
        action: "session.logout",
        target: Some(person_id),
        detail: None,
    };
    Ok(Done { value: (), audit })
}

/// A session that may be used now, and the write its use calls for, if any.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub session: Session,
    /// `Some` when `last_seen_at` should move: the caller writes it with
    /// [`touch_session`] (or batches it), never while rendering.
    pub touch: Option<SessionTouch>,
}

/// A session's use, to be noted in `last_seen_at`.
#[derive(Clone)]
pub struct SessionTouch {
    token_hash: String,
    at: DateTime<Utc>,
}

impl std::fmt::Debug for SessionTouch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionTouch")
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

/// The live session of a cookie's token, read on every console request (a read only).
/// Its use is noted at most once a minute (`touch`): a write per request would queue
/// every page behind the writer, and the idle limit needs no finer clock.
pub fn session_for(
    conn: &Connection,
    token: &str,
    now: DateTime<Utc>,
    limits: &SessionLimits,
) -> Result<Option<LiveSession>, Error> {
    let token_hash = session_token_hash(token);
    let Some(session) = store::session_by_hash(conn, &token_hash)? else {
        return Ok(None);
    };
    if !session.is_live(now, limits.idle, limits.absolute) {
        return Ok(None);
    }
    let touch = session.needs_touch(now).then_some(SessionTouch {
        token_hash,
        at: now,
    });
    Ok(Some(LiveSession { session, touch }))
}

/// Writes a use [`session_for`] asked for. An ended session stays ended.
pub fn touch_session(conn: &Connection, touch: &SessionTouch) -> Result<(), Error> {
    store::touch_session(conn, &touch.token_hash, touch.at)?;
    Ok(())
}

/// Removes every ended or timed-out session (for a timer); returns how many.
pub fn remove_dead_sessions(
    conn: &Connection,
    now: DateTime<Utc>,
    limits: &SessionLimits,
) -> Result<usize, Error> {
    Ok(store::delete_dead_sessions(conn, limits.cutoffs(now))?)
}
