//! API keys: creation, hashing, and the extractor that authenticates every admin request.

use std::marker::PhantomData;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::domain::random_key;
use crate::domain::{FieldError, new_id};
use crate::error::Error;
use crate::store::{self, ApiKey, Reader};
use crate::web::client::client_address;
use crate::web::throttle::Subject;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Admin reads, including drafts and the audit log.
    Read,
    /// Incidents, maintenances and component status.
    Incidents,
    /// The component catalogue.
    Components,
    /// API keys.
    Keys,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::Read,
        Scope::Incidents,
        Scope::Components,
        Scope::Keys,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Incidents => "incidents",
            Scope::Components => "components",
            Scope::Keys => "keys",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// Parses a list of scopes, refusing unknown and empty ones.
    pub fn parse_list<'a>(
        items: impl IntoIterator<Item = &'a str>,
        field: &str,
    ) -> Result<Vec<Scope>, FieldError> {
        let mut out = Vec::new();
        for s in items {
            let scope = Scope::parse(s).ok_or_else(|| {
                FieldError::new(
                    field,
                    format!(
                        "`{}` is not a scope; expected read, incidents, components or keys",
                        s.trim()
                    ),
                )
            })?;
            if !out.contains(&scope) {
                out.push(scope);
            }
        }
        if out.is_empty() {
            return Err(FieldError::new(field, "give at least one scope"));
        }
        Ok(out)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Keys are `ps_` and 40 random base-36 characters (about 206 bits).
pub fn generate_key() -> String {
    format!("ps_{}", random_key(40))
}

/// Keys are long and random, so one SHA-256 is enough (no salt or stretching needed).
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A new key ready to store, and the secret to show once.
pub fn new_key(
    name: &str,
    scopes: &[Scope],
    now: DateTime<Utc>,
) -> Result<(ApiKey, String, String), FieldError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(FieldError::new(
            "name",
            "give a name of 1 to 100 characters",
        ));
    }
    let secret = generate_key();
    let key = ApiKey {
        id: format!("key_{}", &new_id()[..10]),
        name: name.to_string(),
        scopes: scopes.iter().map(|s| s.as_str().to_string()).collect(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    let hash = hash_key(&secret);
    Ok((key, secret, hash))
}

/// Who is acting: the key that authenticated the request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub key: ApiKey,
}

impl Actor {
    pub fn has(&self, scope: Scope) -> bool {
        self.key.scopes.iter().any(|s| s == scope.as_str())
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
    // Checked: authenticated; the handler checks scopes itself (they depend on the body).
    marker!(Checked, None);
}

/// An authenticated request whose key has the scope `S` asks for. Missing, unknown and
/// revoked keys are refused with 401, keys without the scope with 403.
pub struct Auth<S: scope::Required>(pub Actor, pub PhantomData<S>);

impl<S: scope::Required> FromRequestParts<AppState> for Auth<S> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let (scheme, token) = header.trim().split_once(' ').unwrap_or(("", ""));
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
            return Err(refuse(state, parts, None));
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
            return Err(refuse(state, parts, Some(token)));
        };
        // Written by the timer, in one batch: no request waits on a write to say it came.
        state.key_uses.note(&key.id, key.last_used_at, now);
        let actor = Actor { key };
        if let Some(scope) = S::SCOPE {
            actor.require(scope)?;
        }
        Ok(Auth(actor, PhantomData))
    }
}

/// A failed authentication: 401, or 429 once this client (or this key) has failed too
/// often. Only failures are counted, so a right key is never refused here.
fn refuse(state: &AppState, parts: &Parts, token: Option<&str>) -> Error {
    let client = client_address(parts, &state.trusted_proxies);
    let mut subjects = vec![Subject::address(client)];
    subjects.extend(token.map(Subject::key_prefix));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_random_and_hashed() {
        let a = generate_key();
        assert!(a.starts_with("ps_") && a.len() == 43);
        assert_ne!(a, generate_key());
        assert_eq!(hash_key(&a), hash_key(&a));
        assert_eq!(hash_key(&a).len(), 64);
    }

    #[test]
    fn scope_lists_refuse_unknown_and_empty() {
        assert_eq!(
            Scope::parse_list(["read", "incidents", "read"], "s").unwrap(),
            vec![Scope::Read, Scope::Incidents]
        );
        assert!(Scope::parse_list(["admin"], "s").is_err());
        assert!(Scope::parse_list([], "s").is_err());
    }
}
