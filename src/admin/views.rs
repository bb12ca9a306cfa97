//! JSON shapes of admin resources. Times are in the page's time zone with milliseconds.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::domain::ApiKey;
use crate::domain::{Component, Incident, Kind, LocalizedText};
use crate::snapshot::api_time;
use crate::store::AuditEntry;

fn t(x: DateTime<Utc>, tz: Tz) -> Value {
    Value::String(api_time(x, tz))
}

fn ot(x: Option<DateTime<Utc>>, tz: Tz) -> Value {
    x.map(|x| t(x, tz)).unwrap_or(Value::Null)
}

fn text(x: &LocalizedText) -> Value {
    json!({ "ko": x.ko, "en": x.en })
}

fn otext(x: Option<&LocalizedText>) -> Value {
    x.map(text).unwrap_or(Value::Null)
}

pub fn component(c: &Component, tz: Tz) -> Value {
    json!({
        "id": c.id,
        "name": text(&c.name),
        "description": otext(c.description.as_ref()),
        "group": c.is_group,
        "group_id": c.group_id,
        "position": c.position,
        "status": c.status,
        "fallbacks": c.fallbacks,
        "created_at": t(c.created_at, tz),
        "updated_at": t(c.updated_at, tz),
    })
}

pub fn incident(i: &Incident, tz: Tz, base_url: &str) -> Value {
    let mut v = json!({
        "id": i.id,
        "kind": i.kind,
        "url": format!("{base_url}/incidents/{}", i.id),
        "title": text(&i.title),
        "status": i.status,
        "impact": i.impact,
        "impact_override": i.impact_override,
        "draft": i.draft,
        "components": i.components.iter().map(|c| json!({ "id": c.id, "status": c.status })).collect::<Vec<_>>(),
        "alternatives": i.alternatives.iter().map(|a| json!({
            "component": a.component, "instructions": otext(a.instructions.as_ref()),
        })).collect::<Vec<_>>(),
        "eta": ot(i.eta, tz),
        "eta_revisions": i.eta_revisions.iter().map(|r| json!({
            "eta": ot(r.eta, tz), "previous": ot(r.previous, tz), "revised_at": t(r.revised_at, tz),
        })).collect::<Vec<_>>(),
        "next_update_at": ot(i.next_update_at, tz),
        "next_update_in_minutes": i.update_interval_minutes,
        "postmortem": otext(i.postmortem.as_ref()),
        "started_at": t(i.started_at, tz),
        "monitoring_at": ot(i.monitoring_at, tz),
        "resolved_at": ot(i.resolved_at, tz),
        "created_at": t(i.created_at, tz),
        "updated_at": t(i.updated_at, tz),
        "updates": i.updates.iter().rev().map(|u| json!({
            "id": u.id,
            "status": u.status,
            "message": text(&u.message),
            "created_at": t(u.created_at, tz),
            "eta": ot(u.eta, tz),
            "next_update_at": ot(u.next_update_at, tz),
            "component_changes": u.changes.iter().map(|c| json!({
                "component": c.component, "old_status": c.old, "new_status": c.new,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    if i.kind == Kind::Maintenance {
        v["scheduled_for"] = ot(i.window.map(|w| w.starts), tz);
        v["scheduled_until"] = ot(i.window.map(|w| w.ends), tz);
        v["auto_transition"] = json!(i.auto_transition);
    }
    v
}

pub fn key(k: &ApiKey, tz: Tz) -> Value {
    json!({
        "id": k.id,
        "name": k.name,
        "scopes": k.scopes,
        "created_at": t(k.created_at, tz),
        "last_used_at": ot(k.last_used_at, tz),
        "revoked_at": ot(k.revoked_at, tz),
    })
}

pub fn audit(e: &AuditEntry, tz: Tz) -> Value {
    json!({
        "id": e.id,
        "at": t(e.at, tz),
        "key_id": e.key_id,
        "actor": e.actor,
        "action": e.action,
        "target": e.target,
        "detail": e.detail,
    })
}

pub fn list(items: Vec<Value>, next_cursor: Option<String>) -> Value {
    json!({ "items": items, "next_cursor": next_cursor })
}
