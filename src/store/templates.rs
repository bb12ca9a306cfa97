//! Queries about notice templates.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::codec::{parse_enum, parse_time, time};
use super::{StoreError, StoreResult};
use crate::domain::{
    AffectedComponent, ComponentId, ComponentStatus, LocalizedText, Status, Template, TemplateId,
    TemplateKind,
};

const COLUMNS: &str = "id, kind, name_ko, name_en, title_ko, title_en, message_ko, message_en, \
                       status, components, next_update_minutes, created_at, updated_at, revision";

/// Kinds in the order an operator meets them: opening, closing, looking back.
const ORDER: &str = "CASE kind WHEN 'incident' THEN 1 WHEN 'maintenance' THEN 2 \
                     WHEN 'resolution' THEN 3 ELSE 4 END, created_at, id";

struct RawTemplate {
    id: String,
    kind: String,
    name: (String, Option<String>),
    title: (String, Option<String>),
    message: (String, Option<String>),
    status: Option<String>,
    components: String,
    next_update_minutes: Option<i64>,
    created_at: String,
    updated_at: String,
    revision: i64,
}

fn from_row(r: &Row) -> rusqlite::Result<RawTemplate> {
    Ok(RawTemplate {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: (r.get(2)?, r.get(3)?),
        title: (r.get(4)?, r.get(5)?),
        message: (r.get(6)?, r.get(7)?),
        status: r.get(8)?,
        components: r.get(9)?,
        next_update_minutes: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        revision: r.get(13)?,
    })
}

impl RawTemplate {
    fn into_domain(self) -> StoreResult<Template> {
        let text = |(ko, en)| LocalizedText { ko, en };
        // An object keeps its order (serde_json's preserve_order): the order it was given.
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&self.components).map_err(|e| {
                StoreError::Corrupt(format!("components of template {}: {e}", self.id))
            })?;
        let components = map
            .into_iter()
            .map(|(id, status)| {
                let status = status
                    .as_str()
                    .and_then(ComponentStatus::parse)
                    .ok_or_else(|| {
                        StoreError::Corrupt(format!(
                            "template {} gives component {id} the status {status}",
                            self.id
                        ))
                    })?;
                Ok(AffectedComponent {
                    id: ComponentId::from_trusted(id),
                    status,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Template {
            kind: parse_enum(&self.kind, TemplateKind::parse)?,
            name: text(self.name),
            title: text(self.title),
            message: text(self.message),
            status: self
                .status
                .map(|s| parse_enum(&s, Status::parse))
                .transpose()?,
            components,
            next_update_minutes: self.next_update_minutes,
            created_at: parse_time(&self.created_at)?,
            updated_at: parse_time(&self.updated_at)?,
            revision: self.revision,
            id: TemplateId::from_trusted(self.id),
        })
    }
}

/// Every template: incidents', maintenances', resolutions', then postmortems'.
pub fn all_templates(conn: &Connection) -> StoreResult<Vec<Template>> {
    let sql = format!("SELECT {COLUMNS} FROM templates ORDER BY {ORDER}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let raw = stmt
        .query_map([], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    raw.into_iter().map(RawTemplate::into_domain).collect()
}

pub fn template_by_id(conn: &Connection, id: &str) -> StoreResult<Option<Template>> {
    let sql = format!("SELECT {COLUMNS} FROM templates WHERE id = ?1");
    let raw = conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?;
    raw.map(RawTemplate::into_domain).transpose()
}

pub fn insert_template(conn: &Connection, t: &Template) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO templates ({COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    ))?
    .execute(params![
        t.id.as_str(),
        t.kind.as_str(),
        t.name.ko,
        t.name.en,
        t.title.ko,
        t.title.en,
        t.message.ko,
        t.message.en,
        t.status.map(Status::as_str),
        components_json(t)?,
        t.next_update_minutes,
        time(t.created_at),
        time(t.updated_at),
        t.revision,
    ])?;
    Ok(())
}

pub fn update_template(conn: &Connection, t: &Template) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE templates SET kind = ?2, name_ko = ?3, name_en = ?4, title_ko = ?5,
             title_en = ?6, message_ko = ?7, message_en = ?8, status = ?9, components = ?10,
             next_update_minutes = ?11, updated_at = ?12, revision = ?13
         WHERE id = ?1",
    )?
    .execute(params![
        t.id.as_str(),
        t.kind.as_str(),
        t.name.ko,
        t.name.en,
        t.title.ko,
        t.title.en,
        t.message.ko,
        t.message.en,
        t.status.map(Status::as_str),
        components_json(t)?,
        t.next_update_minutes,
        time(t.updated_at),
        t.revision,
    ])?;
    Ok(())
}

pub fn delete_template(conn: &Connection, id: &TemplateId) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM templates WHERE id = ?1")?
        .execute([id.as_str()])?;
    Ok(())
}

fn components_json(t: &Template) -> StoreResult<String> {
    let map: serde_json::Map<String, serde_json::Value> = t
        .components
        .iter()
        .map(|c| (c.id.to_string(), c.status.as_str().into()))
        .collect();
    serde_json::to_string(&map)
        .map_err(|e| StoreError::Encode(format!("the components of template {}: {e}", t.id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Reader, Store};

    #[test]
    fn a_template_reads_back_as_written_with_its_channels_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let now = chrono::Utc::now();
        let store = Store::open(dir.path(), now).unwrap();
        let t = Template {
            id: TemplateId::from_trusted("test-outage".into()),
            kind: TemplateKind::Incident,
            name: LocalizedText::plain("시험", "Test"),
            title: LocalizedText {
                ko: "{channels} 장애".into(),
                en: None,
            },
            message: LocalizedText::plain("결제가 되지 않습니다.", "Payments fail."),
            status: Some(Status::Identified),
            components: ["mobile", "card"]
                .map(|c| AffectedComponent {
                    id: ComponentId::from_trusted(c.into()),
                    status: ComponentStatus::PartialOutage,
                })
                .to_vec(),
            next_update_minutes: Some(30),
            created_at: now,
            updated_at: now,
            revision: 1,
        };
        store.write_blocking(|tx| insert_template(tx, &t)).unwrap();
        let back = store
            .read_blocking(Reader::Operator, |c| template_by_id(c, "test-outage"))
            .unwrap()
            .unwrap();
        // Times are stored to the microsecond: the rest is compared.
        assert_eq!(back.components, t.components);
        assert_eq!((back.title, back.status), (t.title, t.status));
        store
            .write_blocking(|tx| delete_template(tx, &t.id))
            .unwrap();
        assert!(
            store
                .read_blocking(Reader::Operator, |c| template_by_id(c, "test-outage"))
                .unwrap()
                .is_none()
        );
    }
}
