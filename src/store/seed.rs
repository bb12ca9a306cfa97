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
    let local = data_dir.join(SEED_FILE);
    let text = match std::fs::read_to_string(&local) {
        Ok(text) => text,
        Err(_) => EMBEDDED.to_string(),
    };
    let seeds: Vec<SeedComponent> =
        serde_json::from_str(&text).map_err(|e| StoreError::Seed(e.to_string()))?;
    for (position, s) in seeds.into_iter().enumerate() {
        let id = ComponentId::parse(&s.id, "id").map_err(|e| StoreError::Seed(e.message))?;
        let component = Component {
            id,
            name: s.name,
            description: s.description,
            is_group: s.group,
            group_id: s.group_id.map(ComponentId::from_trusted),
            position: position as i64 + 1,
            status: ComponentStatus::Operational,
            fallbacks: s
                .fallbacks
                .into_iter()
                .map(ComponentId::from_trusted)
                .collect(),
            created_at: now,
            updated_at: now,
            revision: 1,
        };
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_seed_file_parses() {
        let seeds: Vec<super::SeedComponent> = serde_json::from_str(super::EMBEDDED).unwrap();
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
