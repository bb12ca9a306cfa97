//! API keys: what a key may do (its scopes), how one is made, and how it is kept (only
//! its SHA-256). Used by the admin API, the command line and later writers alike.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{FieldError, new_id, random_key};

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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
    /// Monitoring's alerts (Alertmanager, the status hook): channels' status, and draft
    /// incidents for a person to review. Nothing else.
    Automation,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::Read,
        Scope::Incidents,
        Scope::Components,
        Scope::Keys,
        Scope::Automation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Incidents => "incidents",
            Scope::Components => "components",
            Scope::Keys => "keys",
            Scope::Automation => "automation",
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
                        "`{}` is not a scope; expected read, incidents, components, keys or automation",
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

    /// Scopes as stored and shown: `read,incidents`.
    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An API key as kept: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
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

/// A new key ready to store, the secret to show once, and the hash to keep.
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
        scopes: scopes.to_vec(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    let hash = hash_key(&secret);
    Ok((key, secret, hash))
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
        assert_eq!(Scope::join(&[Scope::Read, Scope::Keys]), "read,keys");
    }

    #[test]
    fn a_key_needs_a_plain_name() {
        let now = Utc::now();
        assert!(new_key("", &[Scope::Read], now).is_err());
        assert!(new_key("a\u{7}b", &[Scope::Read], now).is_err());
        let (key, secret, hash) = new_key(" oncall ", &[Scope::Read], now).unwrap();
        assert_eq!(key.name, "oncall");
        assert_eq!(hash, hash_key(&secret));
        assert!(key.has(Scope::Read) && !key.has(Scope::Keys));
    }
}
