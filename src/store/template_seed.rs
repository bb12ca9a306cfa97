//! First-start seeding of notice templates from `data/templates.seed.json` (embedded in
//! the binary; a copy in the data directory wins). Once only, like the channels: a
//! seeded template an admin deleted stays deleted.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Deserialize;

use super::seed::{SeedSource, read_seed};
use super::{StoreError, StoreResult, insert_template};
use crate::domain::{
    AffectedComponent, Catalog, ComponentId, ComponentStatus, FieldError, FieldErrors, Lang,
    LocalizedInput, LocalizedText, Status, Template, TemplateDraft, TemplateId, TemplateKind,
    TextInput, TextKind,
};

pub const TEMPLATE_SEED_FILE: &str = "templates.seed.json";
const EMBEDDED: &str = include_str!("../../data/templates.seed.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedTemplate {
    id: String,
    kind: String,
    name: LocalizedInput,
    title: LocalizedInput,
    message: LocalizedInput,
    status: Option<String>,
    /// Component id to status, as a notice takes them.
    #[serde(default)]
    components: serde_json::Map<String, serde_json::Value>,
    next_update_in_minutes: Option<i64>,
}

/// Seeds the templates unless they were seeded before (whatever became of them since).
/// Runs after the channels are seeded: templates name them.
pub fn seed_templates_if_new(
    conn: &mut Connection,
    data_dir: &Path,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let seeded: Option<String> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'templates_seeded'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if seeded.is_some() {
        return Ok(());
    }
    let (text, source) = read_seed(data_dir, TEMPLATE_SEED_FILE, EMBEDDED)?;
    let catalog = super::catalog(&tx, None)?;
    for template in parse_seed(&text, &catalog, &source, now)
        .map_err(|e| StoreError::Seed(format!("{source}: {e}")))?
    {
        insert_template(&tx, &template)?;
    }
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('templates_seeded', ?1)",
        [super::codec::time(now)],
    )?;
    tx.commit()?;
    tracing::info!("seeded the default notice templates");
    Ok(())
}

/// The seed's templates, checked like an admin's. The built-in seed names the built-in
/// channels: one this catalogue lacks (its own channel seed replaced them) is left out of
/// the template, with a warning, rather than stopping the start. An operator's file is
/// theirs to get right: any problem stops the start, naming the place.
fn parse_seed(
    text: &str,
    catalog: &Catalog,
    source: &SeedSource,
    now: DateTime<Utc>,
) -> Result<Vec<Template>, String> {
    let seeds: Vec<SeedTemplate> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut templates: Vec<Template> = Vec::with_capacity(seeds.len());
    for (position, seed) in seeds.into_iter().enumerate() {
        let place = format!("template {} ({})", position + 1, seed.id);
        let describe = |errors: Vec<FieldError>| {
            errors
                .iter()
                .map(|e| format!("{place}, `{}`: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        };
        if templates.iter().any(|t| t.id.as_str() == seed.id) {
            return Err(format!("{place}: the id is used twice"));
        }
        let draft = read(seed, catalog, source).map_err(describe)?;
        templates.push(Template::create(draft, now, catalog).map_err(describe)?);
    }
    Ok(templates)
}

/// One seed template read like an admin's request, every problem at once.
fn read(
    seed: SeedTemplate,
    catalog: &Catalog,
    source: &SeedSource,
) -> Result<TemplateDraft, Vec<FieldError>> {
    let mut errors = FieldErrors::default();
    let id = errors.check(TemplateId::parse(&seed.id, "id"));
    let kind = TemplateKind::parse(&seed.kind);
    if kind.is_none() {
        errors.push(
            "kind",
            format!(
                "`{}` is not a template kind; expected one of {}",
                seed.kind,
                TemplateKind::expected()
            ),
        );
    }
    let mut text = |input: LocalizedInput, kind: TextKind, field: &str| {
        errors.check(LocalizedText::parse(
            &TextInput::Localized(input),
            kind,
            Lang::Ko,
            field,
        ))
    };
    let name = text(seed.name, TextKind::Title, "name");
    let title = text(seed.title, TextKind::Title, "title");
    let message = text(seed.message, TextKind::Body, "message");
    let status = seed.status.as_deref().and_then(|s| {
        let parsed = Status::parse(s);
        if parsed.is_none() {
            errors.push("status", format!("`{s}` is not a status"));
        }
        parsed
    });
    let mut components = Vec::with_capacity(seed.components.len());
    for (cid, status) in seed.components {
        let field = format!("components.{cid}");
        let Some(component) = errors.check(ComponentId::parse(&cid, &field)) else {
            continue;
        };
        if *source == SeedSource::BuiltIn && !catalog.statuses.contains_key(&component) {
            tracing::warn!(
                template = seed.id,
                component = cid,
                "the catalogue has no such channel; left out of the seeded template"
            );
            continue;
        }
        match status.as_str().and_then(ComponentStatus::parse) {
            Some(status) => components.push(AffectedComponent {
                id: component,
                status,
            }),
            None => errors.push(
                field,
                format!(
                    "{status} is not a status; expected one of {}",
                    ComponentStatus::expected()
                ),
            ),
        }
    }
    errors.into_result()?;
    let (Some(id), Some(kind), Some(name), Some(title), Some(message)) =
        (id, kind, name, title, message)
    else {
        return Err(vec![]);
    };
    Ok(TemplateDraft {
        id,
        kind,
        name,
        title,
        message,
        status,
        components,
        next_update_minutes: seed.next_update_in_minutes,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::store::{Reader, Store, all_templates, delete_template};

    fn catalog_of(ids: &[&str]) -> Catalog {
        Catalog {
            statuses: ids
                .iter()
                .map(|id| {
                    (
                        ComponentId::from_trusted(id.to_string()),
                        ComponentStatus::Operational,
                    )
                })
                .collect::<HashMap<_, _>>(),
            ..Default::default()
        }
    }

    const CHANNELS: [&str; 8] = [
        "card",
        "bank-transfer",
        "virtual-account",
        "mobile",
        "kakaopay",
        "naverpay",
        "tosspay",
        "payco",
    ];

    #[test]
    fn the_shipped_seed_has_the_ten_common_cases_in_both_languages() {
        let seeded = parse_seed(
            EMBEDDED,
            &catalog_of(&CHANNELS),
            &SeedSource::BuiltIn,
            Utc::now(),
        )
        .expect("the shipped seed is consistent");
        assert_eq!(seeded.len(), 10);
        for t in &seeded {
            for text in [&t.name, &t.title, &t.message] {
                assert!(text.en.is_some(), "{} has English", t.id);
            }
        }
        let kinds = |k: TemplateKind| seeded.iter().filter(|t| t.kind == k).count();
        assert_eq!(
            [
                TemplateKind::Incident,
                TemplateKind::Maintenance,
                TemplateKind::Resolution,
                TemplateKind::Postmortem,
            ]
            .map(kinds),
            [7, 1, 1, 1]
        );
    }

    #[test]
    fn the_built_in_seed_leaves_out_channels_the_catalogue_lacks_but_a_file_may_not() {
        let without_mobile: Vec<&str> = CHANNELS.into_iter().filter(|c| *c != "mobile").collect();
        let catalog = catalog_of(&without_mobile);
        let seeded = parse_seed(EMBEDDED, &catalog, &SeedSource::BuiltIn, Utc::now()).unwrap();
        let mobile = seeded
            .iter()
            .find(|t| t.id.as_str() == "mobile-carrier-outage")
            .unwrap();
        assert!(mobile.components.is_empty());

        let file = SeedSource::File("/srv/paystatus/templates.seed.json".into());
        let e = parse_seed(EMBEDDED, &catalog, &file, Utc::now()).unwrap_err();
        assert!(
            e.contains("template 6 (mobile-carrier-outage), `components.mobile`"),
            "{e}"
        );
    }

    #[test]
    fn a_seed_is_checked_like_an_admins_template() {
        let bad = r#"[{"id": "x", "kind": "resolution",
            "name": {"ko": "복구"}, "title": {"ko": "복구"},
            "message": {"ko": "{channel} 복구"}, "status": "investigating"}]"#;
        let e = parse_seed(bad, &catalog_of(&[]), &SeedSource::BuiltIn, Utc::now()).unwrap_err();
        assert!(e.contains("template 1 (x), `message.ko`"), "{e}");
        assert!(e.contains("template 1 (x), `status`"), "{e}");
    }

    #[test]
    fn a_deleted_seeded_template_stays_deleted_when_the_server_starts_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Utc::now()).unwrap();
        let ids = |store: &Store| -> Vec<String> {
            store
                .read_blocking(Reader::Operator, |c| all_templates(c))
                .unwrap()
                .into_iter()
                .map(|t| t.id.to_string())
                .collect()
        };
        assert_eq!(ids(&store).len(), 10);
        let gone = TemplateId::from_trusted("gateway-down".into());
        store
            .write_blocking(|tx| delete_template(tx, &gone))
            .unwrap();
        drop(store);
        let store = Store::open(dir.path(), Utc::now()).unwrap();
        let left = ids(&store);
        assert_eq!(left.len(), 9);
        assert!(!left.contains(&"gateway-down".to_string()));
    }
}
