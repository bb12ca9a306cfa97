//! The audit log: who did what, when. Rows are only ever added.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::codec::{parse_time, time};
use super::{StoreError, StoreResult};

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The API key that acted, or `None` for the command line and the clock.
    pub key_id: Option<String>,
    /// A readable name for who acted: the key's name, `cli` or `system`.
    pub actor: String,
    /// What was done, such as `incident.create`.
    pub action: String,
    /// What it was done to, such as an incident id.
    pub target: Option<String>,
    pub detail: Option<serde_json::Value>,
}

pub fn record_audit(
    conn: &Connection,
    at: DateTime<Utc>,
    key_id: Option<&str>,
    actor: &str,
    action: &str,
    target: Option<&str>,
    detail: Option<&serde_json::Value>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, key_id, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![time(at), key_id, actor, action, target, detail.map(|d| d.to_string())])?;
    Ok(())
}

const AUDIT_PAGE: &str = "SELECT id, at, key_id, actor, action, target, detail FROM audit_log
    WHERE id < ?1 ORDER BY id DESC LIMIT ?2";

#[cfg(test)]
pub(super) const QUERIES: &[(&str, &str)] = &[
    ("audit_page", AUDIT_PAGE),
    ("audit_search", SEARCH_ALL),
    ("audit_search_by_actor", SEARCH_BY_ACTOR),
    ("audit_search_by_family", SEARCH_BY_FAMILY),
    ("audit_search_by_actor_and_family", SEARCH_BY_BOTH),
];

/// Entries newest first, older than `before` (an entry id) when given.
pub fn audit_page(
    conn: &Connection,
    before: Option<i64>,
    limit: usize,
) -> StoreResult<Vec<AuditEntry>> {
    let mut stmt = conn.prepare_cached(AUDIT_PAGE)?;
    // The first page starts before every id.
    let rows = stmt
        .query_map(params![before.unwrap_or(i64::MAX), limit as i64], raw)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(entry).collect()
}

/// What the audit log is searched by; every part may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Actions starting with this: a family (`incident` or `incident.`) or more of an
    /// action (`incident.upd`). A family is matched whole, so `incident` is not
    /// `incidents.`.
    pub action: Option<String>,
    /// Who acted, exactly as the log names them (an email, a key's name, `cli`).
    pub actor: Option<String>,
    /// From this time on (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this time (exclusive).
    pub until: Option<DateTime<Utc>>,
}

/// A search of the log, newest first by time; the rest of the query names the filters.
macro_rules! search {
    ($filters:literal) => {
        concat!(
            "SELECT id, at, key_id, actor, action, target, detail FROM audit_log WHERE ",
            $filters,
            "at >= :from AND (at, id) < (:upper_at, :upper_id) ORDER BY at DESC, id DESC LIMIT :limit"
        )
    };
}
const SEARCH_ALL: &str = search!("");
const SEARCH_BY_ACTOR: &str = search!("actor = :actor AND ");
const SEARCH_BY_FAMILY: &str = search!(
    "substr(action, 1, instr(action, '.')) = :family AND substr(action, 1, length(:prefix)) = :prefix AND "
);
const SEARCH_BY_BOTH: &str = search!(
    "actor = :actor AND substr(action, 1, instr(action, '.')) = :family AND substr(action, 1, length(:prefix)) = :prefix AND "
);

/// Later than any time stored.
const END_OF_TIME: &str = "9999-12-31T23:59:59.999999Z";

/// Entries `filter` matches, newest first (by time, then id), after the entry `before`
/// of the previous page when given. Each filter reads through its own index, in order,
/// and stops after `limit` rows.
pub fn audit_search(
    conn: &Connection,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: usize,
) -> StoreResult<Vec<AuditEntry>> {
    let mut upper = (filter.until.map_or(END_OF_TIME.to_string(), time), i64::MIN);
    if let Some(id) = before {
        let Some(at) = conn
            .prepare_cached("SELECT at FROM audit_log WHERE id = ?1")?
            .query_row([id], |r| r.get::<_, String>(0))
            .optional()?
        else {
            return Ok(Vec::new());
        };
        upper = upper.min((at, id));
    }
    let from = filter.from.map(time).unwrap_or_default();
    // `incident.upd` is in the family `incident.`; `incident` is the family itself.
    let prefix = filter.action.as_deref().map(|a| match a.find('.') {
        Some(_) => a.to_string(),
        None => format!("{a}."),
    });
    let family = prefix
        .as_deref()
        .and_then(|p| p.find('.').map(|dot| p[..=dot].to_string()));
    let limit = limit as i64;
    let mut named: Vec<(&str, &dyn rusqlite::ToSql)> = vec![
        (":from", &from),
        (":upper_at", &upper.0),
        (":upper_id", &upper.1),
        (":limit", &limit),
    ];
    if let Some(actor) = &filter.actor {
        named.push((":actor", actor));
    }
    if let (Some(family), Some(prefix)) = (&family, &prefix) {
        named.push((":family", family));
        named.push((":prefix", prefix));
    }
    let sql = match (filter.actor.is_some(), family.is_some()) {
        (false, false) => SEARCH_ALL,
        (true, false) => SEARCH_BY_ACTOR,
        (false, true) => SEARCH_BY_FAMILY,
        (true, true) => SEARCH_BY_BOTH,
    };
    let rows = conn
        .prepare_cached(sql)?
        .query_map(named.as_slice(), raw)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(entry).collect()
}

type Raw = (
    i64,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn raw(r: &rusqlite::Row) -> rusqlite::Result<Raw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn entry((id, at, key_id, actor, action, target, detail): Raw) -> StoreResult<AuditEntry> {
    let detail = detail
        .map(|d| serde_json::from_str(&d))
        .transpose()
        .map_err(|e| {
            StoreError::Corrupt(format!(
                "audit entry {id} has a detail that is not JSON: {e}"
            ))
        })?;
    Ok(AuditEntry {
        id,
        at: parse_time(&at)?,
        key_id,
        actor,
        action,
        target,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::store::Store;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 5, 0, 0).unwrap() + Duration::minutes(minute)
    }

    /// The log of a morning: (minute, actor, action); two entries share minute 3.
    const LOG: &[(i64, &str, &str)] = &[
        (0, "kim@example.com", "session.login"),
        (1, "kim@example.com", "incident.create"),
        (2, "ci-bot", "component.set_status"),
        (3, "kim@example.com", "incident.update"),
        (3, "lee@example.com", "incident.patch"),
        (4, "system", "maintenance.auto_transition"),
        (5, "lee@example.com", "incidents.oddity"),
        (6, "kim@example.com", "incident.update"),
    ];

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), at(0)).unwrap();
        store
            .write_blocking(|tx| -> StoreResult<()> {
                for (minute, actor, action) in LOG {
                    record_audit(tx, at(*minute), None, actor, action, None, None)?;
                }
                Ok(())
            })
            .unwrap();
        (dir, store)
    }

    /// Every page of a search, `limit` entries at a time: (actor, action) in order.
    fn search(store: &Store, filter: &AuditFilter, limit: usize) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut before = None;
        loop {
            let page = store
                .read_blocking(crate::store::Reader::Operator, |tx| {
                    audit_search(tx, filter, before, limit)
                })
                .unwrap();
            assert!(page.len() <= limit);
            out.extend(page.iter().map(|e| (e.actor.clone(), e.action.clone())));
            match page.last() {
                Some(last) if page.len() == limit => before = Some(last.id),
                _ => return out,
            }
        }
    }

    fn actions(found: &[(String, String)]) -> Vec<&str> {
        found.iter().map(|(_, a)| a.as_str()).collect()
    }

    #[test]
    fn the_log_is_searched_by_family_actor_and_time_page_by_page() {
        let (_dir, store) = store();
        let filter = |action: Option<&str>,
                      actor: Option<&str>,
                      from: Option<i64>,
                      until: Option<i64>| AuditFilter {
            action: action.map(str::to_string),
            actor: actor.map(str::to_string),
            from: from.map(at),
            until: until.map(at),
        };
        let cases: &[(&str, AuditFilter, &[&str])] = &[
            (
                "everything, newest first",
                AuditFilter::default(),
                &[
                    "incident.update",
                    "incidents.oddity",
                    "maintenance.auto_transition",
                    "incident.patch",
                    "incident.update",
                    "component.set_status",
                    "incident.create",
                    "session.login",
                ],
            ),
            (
                "a family without its dot is the family, not a prefix of `incidents.`",
                filter(Some("incident"), None, None, None),
                &[
                    "incident.update",
                    "incident.patch",
                    "incident.update",
                    "incident.create",
                ],
            ),
            (
                "a family with its dot",
                filter(Some("incident."), None, None, None),
                &[
                    "incident.update",
                    "incident.patch",
                    "incident.update",
                    "incident.create",
                ],
            ),
            (
                "more than a family",
                filter(Some("incident.up"), None, None, None),
                &["incident.update", "incident.update"],
            ),
            (
                "by who acted",
                filter(None, Some("lee@example.com"), None, None),
                &["incidents.oddity", "incident.patch"],
            ),
            (
                "by who and what",
                filter(Some("incident"), Some("kim@example.com"), None, None),
                &["incident.update", "incident.update", "incident.create"],
            ),
            (
                "from is inclusive, until exclusive",
                filter(None, None, Some(2), Some(4)),
                &["incident.patch", "incident.update", "component.set_status"],
            ),
            (
                "all filters at once",
                filter(Some("incident."), Some("kim@example.com"), Some(2), Some(7)),
                &["incident.update", "incident.update"],
            ),
            (
                "nothing matches",
                filter(Some("key"), None, None, None),
                &[],
            ),
        ];
        for (case, filter, expected) in cases {
            for limit in [1, 2, 3, 100] {
                let found = search(&store, filter, limit);
                assert_eq!(&actions(&found), expected, "{case}, {limit} a page");
            }
        }
    }

    #[test]
    fn a_page_after_an_unknown_entry_is_empty() {
        let (_dir, store) = store();
        let page = store
            .read_blocking(crate::store::Reader::Operator, |tx| {
                audit_search(tx, &AuditFilter::default(), Some(999), 10)
            })
            .unwrap();
        assert!(page.is_empty());
    }
}
