//! Payment channels ("components") and groups of them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ComponentStatus, FieldError, LocalizedText};

/// A component's slug: `[a-z0-9-]`, 1–40 characters, no leading or trailing dash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ComponentId(String);

impl ComponentId {
    pub fn parse(s: &str, field: &str) -> Result<ComponentId, FieldError> {
        if is_slug(s) {
            Ok(ComponentId(s.to_string()))
        } else {
            Err(FieldError::new(
                field,
                format!("`{s}` is not a component id (1–40 of a-z, 0-9 and -)"),
            ))
        }
    }

    /// For ids read back from our own storage, which only ever holds parsed ids.
    pub fn from_trusted(s: String) -> ComponentId {
        ComponentId(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `[a-z0-9-]`, 1–40 characters, no leading or trailing dash: the ids operators choose.
pub(super) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

impl std::fmt::Display for ComponentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A payment channel customers recognise, or a group of them (`is_group`), whose
/// status is then the worst of its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub id: ComponentId,
    pub name: LocalizedText,
    pub description: Option<LocalizedText>,
    pub is_group: bool,
    pub group_id: Option<ComponentId>,
    pub position: i64,
    pub status: ComponentStatus,
    /// Channels suggested to customers when this one fails and the incident names none.
    pub fallbacks: Vec<ComponentId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped on every change; the admin API's ETag.
    pub revision: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_parsed_strictly() {
        for ok in ["card", "bank-transfer", "pay2", "a"] {
            assert!(ComponentId::parse(ok, "id").is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Card",
            "-card",
            "card-",
            "card_1",
            "카드",
            &"a".repeat(41),
            "card pay",
        ] {
            assert!(
                ComponentId::parse(bad, "id").is_err(),
                "{bad:?} should be refused"
            );
        }
    }
}
