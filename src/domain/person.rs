//! People who sign in to the operator console: their role (which maps onto the API's
//! scopes, so one set of rules says what anyone may do) and their email, the name they
//! sign in with.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{FieldError, Scope, new_id};

/// What a person may do in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything an admin reads, changes nothing.
    Viewer,
    /// Also posts incidents and maintenances (and so component status).
    Editor,
    /// Also manages components, templates, keys and people.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// The accepted values, for error messages.
    pub fn expected() -> String {
        Role::ALL.map(Role::as_str).join(", ")
    }

    /// Reads a role an operator typed, or says which ones there are.
    pub fn read(s: &str, field: &str) -> Result<Role, FieldError> {
        Role::parse(s).ok_or_else(|| {
            FieldError::new(
                field,
                format!(
                    "`{}` is not a role; expected {}",
                    s.trim(),
                    Role::expected()
                ),
            )
        })
    }

    /// The API scopes the role grants: the console checks the same scopes as the API.
    pub fn scopes(self) -> &'static [Scope] {
        match self {
            Role::Viewer => &[Scope::Read],
            Role::Editor => &[Scope::Read, Scope::Incidents],
            Role::Admin => &Scope::ALL,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person as kept: never their password, which only the store holds (as a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    /// Trimmed and lowercased (see [`normalize_email`]).
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl Person {
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }

    pub fn has(&self, scope: Scope) -> bool {
        self.role.scopes().contains(&scope)
    }
}

/// The longest address SMTP can carry (RFC 5321's path limit less its brackets).
const MAX_EMAIL: usize = 254;

/// An email as kept and compared: trimmed and lowercased, so one person cannot be two
/// accounts by the case of their address. Only the shape is checked (one `@` with text
/// on both sides, no spaces): whether mail arrives is not this page's business.
pub fn normalize_email(email: &str) -> Result<String, FieldError> {
    let email = email.trim().to_lowercase();
    let refuse = |message: &str| Err(FieldError::new("email", message));
    if email.is_empty() {
        return refuse("give an email address");
    }
    if email.chars().count() > MAX_EMAIL {
        return refuse("an email address has at most 254 characters");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return refuse("an email address has no spaces or control characters");
    }
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@') =>
        {
            Ok(email)
        }
        _ => refuse("give an email address such as ops@example.com (one `@`, text on both sides)"),
    }
}

/// A new person ready to store (the password is hashed separately, before the write).
pub fn new_person(email: &str, role: Role, now: DateTime<Utc>) -> Result<Person, FieldError> {
    Ok(Person {
        id: format!("person_{}", &new_id()[..10]),
        email: normalize_email(email)?,
        role,
        created_at: now,
        disabled_at: None,
        last_login_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_the_api_scopes() {
        assert_eq!(Role::Viewer.scopes(), [Scope::Read]);
        assert_eq!(Role::Editor.scopes(), [Scope::Read, Scope::Incidents]);
        assert_eq!(Role::Admin.scopes(), Scope::ALL);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse(" editor "), Some(Role::Editor));
        assert_eq!(Role::parse("root"), None);
        let refused = Role::read("root", "role").unwrap_err();
        assert_eq!(refused.field, "role");
        assert!(
            refused.message.contains("viewer, editor, admin"),
            "{refused:?}"
        );
    }

    #[test]
    fn emails_are_trimmed_lowercased_and_need_one_at_sign() {
        assert_eq!(
            normalize_email("  Ops@Example.COM ").unwrap(),
            "ops@example.com"
        );
        for bad in [
            "",
            "   ",
            "ops",
            "@example.com",
            "ops@",
            "ops@@example.com",
            "a@b@c",
            "o ps@example.com",
            "ops@exa\u{7}mple.com",
        ] {
            let e = normalize_email(bad).unwrap_err();
            assert_eq!(e.field, "email", "{bad:?}");
        }
        let longest = format!("{}@example.com", "a".repeat(254 - 12));
        assert!(normalize_email(&longest).is_ok());
        assert!(normalize_email(&format!("a{longest}")).is_err());
    }

    #[test]
    fn a_new_person_is_enabled_and_has_an_id() {
        let now = Utc::now();
        let p = new_person("Kim@Example.com", Role::Editor, now).unwrap();
        assert!(p.id.starts_with("person_") && p.id.len() == 17, "{}", p.id);
        assert_eq!(p.email, "kim@example.com");
        assert!(!p.is_disabled());
        assert!(p.has(Scope::Incidents) && !p.has(Scope::Components));
        assert!(new_person("kim", Role::Viewer, now).is_err());
    }
}
