//! First-start seeding of the default Korean payment channels from
//! `data/components.seed.json` (embedded in the binary; a copy in the data directory wins).

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Deserialize;

use super::{StoreError, StoreResult, insert_component};
use crate::domain::{Component, ComponentId, ComponentStatus, LocalizedText};

pub const SEED_FILE: &str = "components.seed.json";
const EMBEDDED: &str = include_str!("../../data/components.seed.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedComponent {
    id: String,
    name: LocalizedText,
    description: Option<LocalizedText>,
    #[serde(default)]
    group: bool,
    group_id: Option<String>,
    #[serde(default)]
    fallbacks: Vec<String>,
}

pub fn seed_if_new(conn: &mut Connection, data_dir: &Path, now: DateTime<Utc>) -> StoreResult<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let seeded: Option<String> = tx
        .query_row("SELECT value FROM meta WHERE key = 'seeded'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if seeded.is_some() {
        return Ok(());
    }
    let (text, source) = read_seed(data_dir, SEED_FILE, EMBEDDED)?;
    for component in
        parse_seed(&text, now).map_err(|e| StoreError::Seed(format!("{source}: {e}")))?
    {
        insert_component(&tx, &component)?;
    }
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('seeded', ?1)",
        [super::codec::time(now)],
    )?;
    tx.commit()?;
    tracing::info!("seeded the default payment channels");
    Ok(())
}

/// Where a seed comes from: the operator's copy in the data directory, or the built-in one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SeedSource {
    File(String),
    BuiltIn,
}

impl std::fmt::Display for SeedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SeedSource::File(path) => f.write_str(path),
            SeedSource::BuiltIn => f.write_str("the built-in seed"),
        }
    }
}

/// The text of the seed `file`: the data directory's copy, else `embedded`. Only a
/// missing file means "use the built-in one"; a file that is there but cannot be read or
/// parsed is the operator's to fix, and says where.
pub(super) fn read_seed(
    data_dir: &Path,
    file: &str,
    embedded: &str,
) -> StoreResult<(String, SeedSource)> {
    let local = data_dir.join(file);
    match std::fs::read_to_string(&local) {
        Ok(text) => Ok((text, SeedSource::File(local.display().to_string()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok((embedded.to_string(), SeedSource::BuiltIn))
        }
        Err(e) => Err(StoreError::Seed(format!(
            "cannot read {}: {e}",
            local.display()
        ))),
    }
}

/// The seed's components, checked like an operator's input: ids well formed, groups
/// and fallbacks naming components of the seed.
fn parse_seed(text: &str, now: DateTime<Utc>) -> Result<Vec<Component>, String> {
    let seeds: Vec<SeedComponent> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let known = |id: &str| seeds.iter().any(|s| s.id == id);
    let is_group = |id: &str| seeds.iter().any(|s| s.id == id && s.group);
    let mut components = Vec::with_capacity(seeds.len());
    for (position, s) in seeds.iter().enumerate() {
        let at = |field: &str| format!("component {} ({}), `{field}`", position + 1, s.id);
        let id =
            ComponentId::parse(&s.id, "id").map_err(|e| format!("{}: {}", at("id"), e.message))?;
        let group_id = match &s.group_id {
            None => None,
            Some(g) if is_group(g) => Some(
                ComponentId::parse(g, "group_id")
                    .map_err(|e| format!("{}: {}", at("group_id"), e.message))?,
            ),
            Some(g) => {
                return Err(format!(
                    "{}: `{g}` is not a group of this seed",
                    at("group_id")
                ));
            }
        };
        let fallbacks = s
            .fallbacks
            .iter()
            .map(|f| {
                if !known(f) {
                    return Err(format!(
                        "{}: `{f}` is not a component of this seed",
                        at("fallbacks")
                    ));
                }
                ComponentId::parse(f, "fallbacks")
                    .map_err(|e| format!("{}: {}", at("fallbacks"), e.message))
            })
            .collect::<Result<Vec<_>, _>>()?;
        components.push(Component {
            id,
            name: s.name.clone(),
            description: s.description.clone(),
            is_group: s.group,
            group_id,
            position: position as i64 + 1,
            status: ComponentStatus::Operational,
            fallbacks,
            created_at: now,
            updated_at: now,
            revision: 1,
        });
    }
    Ok(components)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_naming_unknown_components_is_refused_with_the_place() {
        let now = Utc::now();
        let bad_fallback = r#"[{"id": "card", "name": {"ko": "카드"}, "fallbacks": ["cash"]}]"#;
        let e = parse_seed(bad_fallback, now).unwrap_err();
        assert!(
            e.contains("component 1 (card), `fallbacks`") && e.contains("cash"),
            "{e}"
        );
        let bad_group = r#"[{"id": "card", "name": {"ko": "카드"}, "group_id": "card"}]"#;
        assert!(
            parse_seed(bad_group, now)
                .unwrap_err()
                .contains("not a group")
        );
        let bad_id = r#"[{"id": "Card Payments!", "name": {"ko": "카드"}}]"#;
        assert!(parse_seed(bad_id, now).unwrap_err().contains("`id`"));
    }

    #[test]
    fn an_unreadable_seed_file_stops_the_first_start() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be: present, but not readable as text.
        std::fs::create_dir(dir.path().join(SEED_FILE)).unwrap();
        let err = crate::store::Store::open(dir.path(), Utc::now())
            .err()
            .expect("must refuse");
        assert!(err.to_string().contains(SEED_FILE), "{err}");
    }

    #[test]
    fn the_shipped_seed_file_parses() {
        let seeds: Vec<SeedComponent> = serde_json::from_str(EMBEDDED).unwrap();
        parse_seed(EMBEDDED, Utc::now()).expect("the shipped seed is consistent");
        let ids: Vec<&str> = seeds.iter().map(|s| s.id.as_str()).collect();
        for id in [
            "card",
            "bank-transfer",
            "virtual-account",
            "mobile",
            "easy-pay",
            "kakaopay",
            "naverpay",
            "tosspay",
            "payco",
        ] {
            assert!(ids.contains(&id), "{id} is seeded");
        }
    }
}
