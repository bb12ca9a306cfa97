//! API keys: creation, hashing, and the extractor that authenticates every admin request.

use std::marker::PhantomData;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::Admin;
use crate::domain::{ApiKey, Scope, hash_key};
use crate::error::Error;
use crate::store::{self, Reader};
use crate::web::client::client_address;
use crate::web::throttle::Subject;

/// Who is acting: the key that authenticated the request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub key: ApiKey,
}

impl Actor {
    pub fn has(&self, scope: Scope) -> bool {
        self.key.has(scope)
    }

    pub fn require(&self, scope: Scope) -> Result<(), Error> {
        if self.has(scope) {
            Ok(())
        } else {
            Err(Error::Forbidden(scope))
        }
    }
}

/// Marker types naming the scope a route needs, so the signature says it.
pub mod scope {
    pub trait Required: Send + Sync + 'static {
        const SCOPE: Option<super::Scope>;
    }
    macro_rules! marker {
        ($name:ident, $scope:expr) => {
            pub struct $name;
            impl Required for $name {
                const SCOPE: Option<super::Scope> = $scope;
            }
        };
    }
    marker!(Read, Some(super::Scope::Read));
    marker!(Incidents, Some(super::Scope::Incidents));
    marker!(Components, Some(super::Scope::Components));
    marker!(Keys, Some(super::Scope::Keys));
    marker!(Automation, Some(super::Scope::Automation));
    // Checked: authenticated; the handler checks scopes itself (they depend on the body).
    marker!(Checked, None);
}

/// An authenticated request whose key has the scope `S` asks for. Missing, unknown and
/// revoked keys are refused with 401, keys without the scope with 403.
pub struct Auth<S: scope::Required>(pub Actor, pub PhantomData<S>);

impl<S: scope::Required> FromRequestParts<Admin> for Auth<S> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &Admin) -> Result<Self, Error> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let (scheme, token) = header.trim().split_once(' ').unwrap_or(("", ""));
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
            // No key is not a guess: it costs nothing to answer and is not counted.
            state.metrics.auth_failures.fetch_add(1, Ordering::Relaxed);
            return Err(Error::Unauthorized);
        }
        let hash = hash_key(token);
        let now = state.clock.now();
        // Looked up on every request (a read), so a revocation takes effect at once.
        let found = state
            .store
            .read(Reader::Operator, move |tx| store::key_by_hash(tx, &hash))
            .await?
            .filter(|k| k.revoked_at.is_none());
        let Some(key) = found else {
            return Err(refuse(state, parts, token));
        };
        // Written by the timer, in one batch: no request waits on a write to say it came.
        state.key_uses.note(&key.id, key.last_used_at, now);
        crate::telemetry::actor::note(&key.name);
        let actor = Actor { key };
        if let Some(scope) = S::SCOPE {
            actor.require(scope)?;
        }
        Ok(Auth(actor, PhantomData))
    }
}

/// A wrong key: 401, or 429 once this client (or this key) has failed too often. Only
/// failures are counted, so a right key is never refused here.
fn refuse(state: &Admin, parts: &Parts, token: &str) -> Error {
    let client = client_address(parts, &state.trusted_proxies);
    let subjects = [Subject::address(client), Subject::key_prefix(token)];
    state.metrics.auth_failures.fetch_add(1, Ordering::Relaxed);
    match state.auth_throttle.failed(&subjects, Instant::now()) {
        Ok(()) => Error::Unauthorized,
        Err(wait) => {
            if state
                .metrics
                .auth_throttled
                .fetch_add(1, Ordering::Relaxed)
                .is_multiple_of(1000)
            {
                tracing::warn!(%client, "failed authentication throttled (logged once per 1,000 refusals)");
            }
            Error::TooManyAttempts(wait)
        }
    }
}
