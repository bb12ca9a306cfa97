//! The schema, as an ordered, append-only list. Migration N brings `user_version` from
//! N-1 to N inside one transaction. Never edit a migration that has shipped; add one.
//! Times are stored as fixed-width UTC text (`2026-11-25T05:04:00.000000Z`), so they
//! sort as text.

pub const MIGRATIONS: &[&str] = &[
    // 1: the whole first schema.
    r#"
-- Payment channels customers recognise, and groups of them (is_group = 1: a group's
-- status is derived from its members, so its own status column stays operational).
-- Deleted components are kept (deleted_at) because past incidents still name them.
CREATE TABLE components (
    id              TEXT PRIMARY KEY,
    name_ko         TEXT NOT NULL CHECK (length(name_ko) > 0),
    name_en         TEXT,
    description_ko  TEXT,
    description_en  TEXT,
    is_group        INTEGER NOT NULL DEFAULT 0 CHECK (is_group IN (0, 1)),
    group_id        TEXT REFERENCES components(id),
    position        INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('operational', 'degraded_performance',
                        'partial_outage', 'major_outage', 'under_maintenance')),
    -- JSON array of component ids suggested when this one fails.
    fallbacks       TEXT NOT NULL DEFAULT '[]',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    revision        INTEGER NOT NULL DEFAULT 1,
    deleted_at      TEXT,
    CHECK (group_id IS NULL OR is_group = 0)
);

-- Incidents and maintenances share one table, as in the public API, where a scheduled
-- maintenance is an incident with a window. Status values are checked per kind in Rust.
CREATE TABLE incidents (
    id                      TEXT PRIMARY KEY,
    kind                    TEXT NOT NULL CHECK (kind IN ('incident', 'maintenance')),
    title_ko                TEXT NOT NULL CHECK (length(title_ko) > 0),
    title_en                TEXT,
    status                  TEXT NOT NULL,
    impact                  TEXT NOT NULL CHECK (impact IN ('none', 'minor', 'major', 'critical')),
    impact_override         TEXT CHECK (impact_override IN ('none', 'minor', 'major', 'critical')),
    draft                   INTEGER NOT NULL CHECK (draft IN (0, 1)),
    eta                     TEXT,
    next_update_at          TEXT,
    update_interval_minutes INTEGER,
    scheduled_for           TEXT,
    scheduled_until         TEXT,
    auto_transition         INTEGER NOT NULL CHECK (auto_transition IN (0, 1)),
    postmortem_ko           TEXT,
    postmortem_en           TEXT,
    started_at              TEXT NOT NULL,
    monitoring_at           TEXT,
    resolved_at             TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    revision                INTEGER NOT NULL,
    -- A maintenance always has a window that ends after it starts; an incident has none.
    CHECK ((kind = 'maintenance') = (scheduled_for IS NOT NULL AND scheduled_until IS NOT NULL)),
    CHECK (scheduled_until IS NULL OR scheduled_until > scheduled_for)
);
-- Lists are newest first; the history and feeds read by these.
CREATE INDEX incidents_by_kind_created ON incidents(kind, created_at DESC, id DESC);
CREATE INDEX incidents_by_updated ON incidents(updated_at DESC, id DESC);
-- The timer looks for maintenances that may need to move.
CREATE INDEX incidents_open_maintenance ON incidents(kind, status)
    WHERE kind = 'maintenance' AND status IN ('scheduled', 'in_progress', 'verifying');

-- The components a notice affects, with the status it gives each.
CREATE TABLE incident_components (
    incident_id  TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    component_id TEXT NOT NULL REFERENCES components(id),
    position     INTEGER NOT NULL,
    status       TEXT NOT NULL,
    PRIMARY KEY (incident_id, component_id)
);
CREATE INDEX incident_components_by_component ON incident_components(component_id);

-- What customers can use instead, in the order the operator gave.
CREATE TABLE incident_alternatives (
    incident_id     TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    component_id    TEXT NOT NULL REFERENCES components(id),
    instructions_ko TEXT,
    instructions_en TEXT,
    PRIMARY KEY (incident_id, position)
);

-- The timeline. Append-only: updates are never edited once posted.
CREATE TABLE incident_updates (
    id             TEXT PRIMARY KEY,
    incident_id    TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    seq            INTEGER NOT NULL,
    status         TEXT NOT NULL,
    message_ko     TEXT NOT NULL,
    message_en     TEXT,
    created_at     TEXT NOT NULL,
    eta            TEXT,
    next_update_at TEXT,
    UNIQUE (incident_id, seq)
);

-- Public component status changes caused by an update (old -> new).
CREATE TABLE update_component_changes (
    update_id    TEXT NOT NULL REFERENCES incident_updates(id) ON DELETE CASCADE,
    component_id TEXT NOT NULL REFERENCES components(id),
    old_status   TEXT NOT NULL,
    new_status   TEXT NOT NULL,
    PRIMARY KEY (update_id, component_id)
);

-- Every change of the expected recovery time, kept so customers see the revisions.
CREATE TABLE eta_revisions (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    eta         TEXT,
    previous    TEXT,
    revised_at  TEXT NOT NULL,
    PRIMARY KEY (incident_id, seq)
);

-- API keys, stored as SHA-256 of the key (keys are 256-bit random, so no salt or
-- stretching is needed). The key itself is shown once, at creation.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

-- Who did what, when. Written in the same transaction as the change it describes.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    key_id     TEXT,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT,
    detail     TEXT
);

-- Responses to POSTs sent with an Idempotency-Key, replayed when the same key returns.
CREATE TABLE idempotency (
    key_id          TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    status          INTEGER NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (key_id, idempotency_key)
);

-- Facts about this database itself, such as whether default components were seeded.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#,
    // 2: every list read by an index in its own order, and history positions.
    r#"
-- The public history (published notices that are over) numbered from the oldest, 1..n
-- with no gaps, in (created_at, id) order. Page N of the newest-first history is then a
-- range of ranks, so a deep page reads only its own rows, and the count is max(rank).
-- The triggers below keep the numbering on every write, whoever writes.
ALTER TABLE incidents ADD COLUMN history_rank INTEGER;
UPDATE incidents SET history_rank = h.rank
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS rank FROM incidents
      WHERE draft = 0 AND status IN ('resolved', 'postmortem', 'completed')) AS h
WHERE incidents.id = h.id;
CREATE INDEX incidents_history ON incidents(history_rank) WHERE history_rank IS NOT NULL;
-- Finds where a notice entering the history goes.
CREATE INDEX incidents_history_order ON incidents(created_at, id) WHERE history_rank IS NOT NULL;
-- Open incidents and maintenances that have not completed: few, read by every rebuild and
-- by every write (which channels other notices hold).
CREATE INDEX incidents_unclosed ON incidents(kind, created_at, id)
    WHERE status NOT IN ('resolved', 'postmortem', 'completed');
-- Count changes so the server knows when pages it rendered earlier are out of date; the
-- triggers bump them. history_version: the history's order (a notice entered or left it).
-- archive_version: a notice in the history changed (a title, a postmortem, reopened).
INSERT INTO meta (key, value) VALUES ('history_version', '0'), ('archive_version', '0');

-- A notice's children in their display order.
CREATE INDEX incident_components_in_order ON incident_components(incident_id, position);
CREATE INDEX update_component_changes_by_update ON update_component_changes(update_id);

-- Ranks assume a notice's place never moves: created_at is written once.
CREATE TRIGGER incidents_created_at_is_fixed BEFORE UPDATE OF created_at ON incidents
WHEN NEW.created_at IS NOT OLD.created_at
BEGIN
    SELECT RAISE(ABORT, 'incidents.created_at never changes');
END;

-- A notice enters the history: it takes the rank after the nearest older entry, and every
-- newer entry moves up one (usually none: what closes is usually the newest).
CREATE TRIGGER incidents_history_enter_on_insert AFTER INSERT ON incidents
WHEN NEW.draft = 0 AND NEW.status IN ('resolved', 'postmortem', 'completed')
BEGIN
    UPDATE incidents SET history_rank = history_rank + 1
    WHERE history_rank > coalesce((SELECT history_rank FROM incidents
        WHERE history_rank IS NOT NULL AND (created_at, id) < (NEW.created_at, NEW.id)
        ORDER BY created_at DESC, id DESC LIMIT 1), 0);
    UPDATE incidents SET history_rank = 1 + coalesce((SELECT history_rank FROM incidents
        WHERE history_rank IS NOT NULL AND (created_at, id) < (NEW.created_at, NEW.id)
        ORDER BY created_at DESC, id DESC LIMIT 1), 0)
    WHERE id = NEW.id;
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'history_version';
END;
CREATE TRIGGER incidents_history_enter AFTER UPDATE OF status, draft ON incidents
WHEN OLD.history_rank IS NULL
    AND NEW.draft = 0 AND NEW.status IN ('resolved', 'postmortem', 'completed')
BEGIN
    UPDATE incidents SET history_rank = history_rank + 1
    WHERE history_rank > coalesce((SELECT history_rank FROM incidents
        WHERE history_rank IS NOT NULL AND (created_at, id) < (NEW.created_at, NEW.id)
        ORDER BY created_at DESC, id DESC LIMIT 1), 0);
    UPDATE incidents SET history_rank = 1 + coalesce((SELECT history_rank FROM incidents
        WHERE history_rank IS NOT NULL AND (created_at, id) < (NEW.created_at, NEW.id)
        ORDER BY created_at DESC, id DESC LIMIT 1), 0)
    WHERE id = NEW.id;
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'history_version';
END;
-- A notice leaves the history (reopened): newer entries move down one.
CREATE TRIGGER incidents_history_leave AFTER UPDATE OF status, draft ON incidents
WHEN OLD.history_rank IS NOT NULL
    AND NOT (NEW.draft = 0 AND NEW.status IN ('resolved', 'postmortem', 'completed'))
BEGIN
    UPDATE incidents SET history_rank = NULL WHERE id = NEW.id;
    UPDATE incidents SET history_rank = history_rank - 1 WHERE history_rank > OLD.history_rank;
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'history_version';
END;
CREATE TRIGGER incidents_history_delete AFTER DELETE ON incidents
WHEN OLD.history_rank IS NOT NULL
BEGIN
    UPDATE incidents SET history_rank = history_rank - 1 WHERE history_rank > OLD.history_rank;
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'history_version';
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'archive_version';
END;
-- A notice in the history changed (a title, a postmortem, reopened): its pages are out
-- of date. Rank shifts do not count: they write history_rank alone.
CREATE TRIGGER incidents_archived_notice_changed AFTER UPDATE OF kind, title_ko, title_en,
    status, impact, impact_override, draft, eta, next_update_at, update_interval_minutes,
    scheduled_for, scheduled_until, auto_transition, postmortem_ko, postmortem_en,
    started_at, monitoring_at, resolved_at, updated_at, revision ON incidents
WHEN OLD.history_rank IS NOT NULL
BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'archive_version';
END;
"#,
    // 3: a replayed idempotent answer carries its ETag, like the original.
    r#"
ALTER TABLE idempotency ADD COLUMN etag TEXT;
"#,
    // 4: people who sign in to the operator console, and their sessions.
    r#"
-- Passwords are kept as Argon2id hashes in PHC form (salt and costs inside). Emails are
-- stored trimmed and lowercased; NOCASE guards the same address in another case too.
-- People are never deleted (the audit log names them): one who leaves is disabled.
CREATE TABLE people (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT,
    last_login_at TEXT
);

-- Console sessions, kept as the SHA-256 of their token (256 random bits, so no salt or
-- stretching is needed); the token itself is only in the person's cookie. A session is
-- over when ended (logout, disabling) or when the domain's idle or absolute limit passes;
-- dead rows are removed.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES people(id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ended_at     TEXT
);
-- Disabling a person ends their sessions; a login removes their dead ones.
CREATE INDEX sessions_by_person ON sessions(person_id);
"#,
    // 5: notice templates.
    r#"
-- The words an operator starts a notice from. Deleted for real, unlike components: no
-- notice refers to a template (a notice keeps the words it was written with), so nothing
-- needs the row once it is gone, and its id may be used again (to bring a seeded one
-- back). The audit log keeps what was deleted. Statuses are checked per kind in Rust.
CREATE TABLE templates (
    id                  TEXT PRIMARY KEY,
    kind                TEXT NOT NULL
                        CHECK (kind IN ('incident', 'maintenance', 'resolution', 'postmortem')),
    name_ko             TEXT NOT NULL CHECK (length(name_ko) > 0),
    name_en             TEXT,
    title_ko            TEXT NOT NULL CHECK (length(title_ko) > 0),
    title_en            TEXT,
    message_ko          TEXT NOT NULL CHECK (length(message_ko) > 0),
    message_en          TEXT,
    status              TEXT,
    -- JSON object of component id to the status the notice gives it, in the order given.
    components          TEXT NOT NULL DEFAULT '{}',
    next_update_minutes INTEGER CHECK (next_update_minutes BETWEEN 1 AND 1440),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    revision            INTEGER NOT NULL DEFAULT 1
);
"#,
    // 6: drills, rehearsed from start to finish and never public.
    r#"
-- A drill goes through a notice's whole life (updates, resolution, postmortem) but is never
-- public: not on the page, in the history, the feeds or /api/v2, and it never changes a
-- component's status. Whether a notice is a drill is fixed when it is made.
ALTER TABLE incidents ADD COLUMN drill INTEGER NOT NULL DEFAULT 0 CHECK (drill IN (0, 1));

-- The public lists filter on it, and the history triggers below rely on it never moving.
CREATE TRIGGER incidents_drill_is_fixed BEFORE UPDATE OF drill ON incidents
WHEN NEW.drill IS NOT OLD.drill
BEGIN
    SELECT RAISE(ABORT, 'incidents.drill never changes');
END;

-- The two ways into the public history of migration 2, again, with drills kept out. No
-- drill exists before this migration, so no rank moves. The ways out stay as they are: a
-- drill never has a rank, and never stops being a drill.
DROP TRIGGER incidents_history_enter_on_insert;
CREATE TRIGGER incidents_history_enter_on_insert AFTER INSERT ON incidents
WHEN NEW.draft = 0 AND NEW.drill = 0 AND NEW.status IN ('resolved', 'postmortem', 'completed')
BEGIN
    UPDATE incidents SET history_rank = history_rank + 1
    WHERE history_rank > coalesce((SELECT history_rank FROM incidents
        WHERE history_rank IS NOT NULL AND (created_at, id) < (NEW.created_at, NEW.id)
        ORDER BY created_at DESC, id DESC LIMIT 1), 0);
    UPDATE incidents SET history_rank = 1 + coalesce((SELECT history_rank FROM incidents
        WHERE history_rank IS NOT NULL AND (created_at, id) < (NEW.created_at, NEW.id)
        ORDER BY created_at DESC, id DESC LIMIT 1), 0)
    WHERE id = NEW.id;
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'history_version';
END;
DROP TRIGGER incidents_history_enter;
CREATE TRIGGER incidents_history_enter AFTER UPDATE OF status, draft ON incidents
WHEN OLD.history_rank IS NULL
    AND NEW.draft = 0 AND NEW.drill = 0 AND NEW.status IN ('resolved', 'postmortem', 'completed')
BEGIN
    UPDATE incidents SET history_rank = history_rank + 1
    WHERE history_rank > coalesce((SELECT history_rank FROM incidents
        WHERE history_rank IS NOT NULL AND (created_at, id) < (NEW.created_at, NEW.id)
        ORDER BY created_at DESC, id DESC LIMIT 1), 0);
    UPDATE incidents SET history_rank = 1 + coalesce((SELECT history_rank FROM incidents
        WHERE history_rank IS NOT NULL AND (created_at, id) < (NEW.created_at, NEW.id)
        ORDER BY created_at DESC, id DESC LIMIT 1), 0)
    WHERE id = NEW.id;
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'history_version';
END;
"#,
    // 7: the console's audit log filters.
    r#"
-- The audit log is read newest first by time: all of it, by who acted, or by the family
-- of what they did (`incident.` of `incident.update`: the action up to its first dot).
-- The rowid ends every index, so each also gives the order (at, id) without a sort.
CREATE INDEX audit_by_time ON audit_log(at);
CREATE INDEX audit_by_actor ON audit_log(actor, at);
CREATE INDEX audit_by_family ON audit_log(substr(action, 1, instr(action, '.')), at);
"#,
    // 8: the outbox: what happened, written with the change that made it, and each
    // delivery of it to a subscriber or a webhook endpoint.
    r#"
-- Events are written in the same transaction as the change they tell of, so a rolled-back
-- write tells nothing and a committed one is told even if the server dies right after.
-- The worker expands each into deliveries (fanned_out_at), in a transaction of its own.
CREATE TABLE events (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    notice_id        TEXT REFERENCES incidents(id),
    update_id        TEXT,
    component_id     TEXT REFERENCES components(id),
    old_status       TEXT,
    new_status       TEXT,
    at               TEXT NOT NULL,
    fanned_out_at    TEXT,
    CHECK ((component_id IS NULL) = (old_status IS NULL AND new_status IS NULL))
);
CREATE INDEX events_to_fan_out ON events(seq) WHERE fanned_out_at IS NULL;

-- One event to one recipient (`channel` names what `recipient` is: an email subscriber,
-- a webhook endpoint). The id is stable across retries: it is the email's Message-ID and
-- the webhook's webhook-id, so receivers drop duplicates of an at-least-once delivery.
CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    event_id         TEXT NOT NULL REFERENCES events(id),
    channel          TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    done_at          TEXT,
    last_error       TEXT,
    UNIQUE (event_id, channel, recipient)
);
CREATE INDEX deliveries_due ON deliveries(channel, next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_of_recipient ON deliveries(channel, recipient, created_at);

-- Each attempt of a delivery, for `GET /webhooks/{id}/deliveries` and the console.
CREATE TABLE delivery_attempts (
    delivery_id  TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,
    at           TEXT NOT NULL,
    status_code  INTEGER,
    latency_ms   INTEGER,
    error        TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
"#,
    // 9: email subscribers, and the confirmation mails sent per address and per client.
    // (Numbered 9 on the `email` branch; renumber at merge if another migration lands first.)
    r#"
-- An address and its choices, nothing more. `components` is a JSON list of channel ids,
-- NULL for everything. No token of a link is kept: the manage and unsubscribe links are
-- signed with a key outside the database (mail/links.rs), and the one confirmation link
-- is kept as its SHA-256 (`confirm_hash`), cleared once used.
CREATE TABLE subscribers (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    lang          TEXT NOT NULL CHECK (lang IN ('ko', 'en')),
    components    TEXT,
    confirm_hash  TEXT UNIQUE,
    created_at    TEXT NOT NULL,
    confirmed_at  TEXT
);
CREATE INDEX subscribers_unconfirmed ON subscribers(created_at) WHERE confirmed_at IS NULL;

-- Confirmation mails sent per day, by a hash of the address or by the requesting client:
-- kept in the database so a restart does not hand out a fresh allowance.
CREATE TABLE confirmation_mails (
    subject  TEXT NOT NULL,
    day      TEXT NOT NULL,
    sent     INTEGER NOT NULL,
    PRIMARY KEY (subject, day)
);
"#,
    // 10: webhook endpoints.
    r#"
-- Where events are sent. `secret` is kept as it was made, not hashed: every request is
-- signed with it (an HMAC needs the key itself). It is never logged, and an answer shows
-- it only when it is made or rotated. components and events: JSON arrays, NULL = all.
CREATE TABLE webhooks (
    id               TEXT PRIMARY KEY,
    url              TEXT NOT NULL,
    components       TEXT,
    events           TEXT,
    lang             TEXT NOT NULL CHECK (lang IN ('ko', 'en')),
    format           TEXT NOT NULL CHECK (format IN ('standard', 'statuspage', 'slack')),
    secret           TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    disabled_at      TEXT,
    disabled_reason  TEXT,
    failing_since    TEXT
);
"#,
    // 11: alerts from monitoring (Alertmanager, the generic status hook) and what they hold.
    r#"
-- One row per alert, keyed by the monitor's fingerprint (`alertmanager:<fingerprint>`,
-- `status:<source>:<component>`). While `state` is firing, its channels are held at
-- `component_status` (like an open incident holds them); `incident_id` is the incident
-- it opened or was linked to.
CREATE TABLE alerts (
    key               TEXT PRIMARY KEY,
    source            TEXT NOT NULL,
    name              TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
    component_status  TEXT NOT NULL CHECK (component_status IN ('degraded_performance',
                          'partial_outage', 'major_outage')),
    components        TEXT NOT NULL,
    summary           TEXT,
    incident_id       TEXT REFERENCES incidents(id),
    first_fired_at    TEXT NOT NULL,
    fired_at          TEXT NOT NULL,
    resolved_at       TEXT
);
CREATE INDEX alerts_firing ON alerts(state) WHERE state = 'firing';
CREATE INDEX alerts_of_incident ON alerts(incident_id) WHERE incident_id IS NOT NULL;

-- The channels a firing alert holds.
CREATE TABLE alert_components (
    alert_key     TEXT NOT NULL REFERENCES alerts(key),
    component_id  TEXT NOT NULL,
    PRIMARY KEY (alert_key, component_id)
);

-- Each time an alert fired or resolved on a channel, for damping flapping; rows older
-- than the damping window are deleted as new ones come.
CREATE TABLE alert_flips (
    component_id  TEXT NOT NULL,
    at            TEXT NOT NULL,
    resolved      INTEGER NOT NULL CHECK (resolved IN (0, 1)),
    status        TEXT NOT NULL
);
CREATE INDEX alert_flips_of_component ON alert_flips(component_id, at);

-- A flapping channel, held at its worst status until no alert has flipped on it for
-- the damping window.
CREATE TABLE damped_components (
    component_id  TEXT PRIMARY KEY,
    status        TEXT NOT NULL,
    since         TEXT NOT NULL,
    last_flip_at  TEXT NOT NULL
);

-- How alerts become statuses: one row, changed through the admin API.
CREATE TABLE alert_settings (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    severities           TEXT NOT NULL,
    otherwise            TEXT NOT NULL,
    flap_count           INTEGER NOT NULL,
    flap_window_minutes  INTEGER NOT NULL,
    updated_at           TEXT NOT NULL,
    revision             INTEGER NOT NULL DEFAULT 1
);

-- An update an alert suggests for its incident (a resolved alert: `monitoring`), for a
-- person to post. Shown until the incident gets another update: while its timeline still
-- has `updates_seen` updates.
CREATE TABLE proposed_updates (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    alert_key    TEXT NOT NULL REFERENCES alerts(key),
    status       TEXT NOT NULL,
    message_ko   TEXT NOT NULL,
    message_en   TEXT,
    created_at   TEXT NOT NULL,
    updates_seen INTEGER NOT NULL
);
CREATE INDEX proposed_updates_of_incident ON proposed_updates(incident_id, updates_seen);
"#,
    // 12: customers' failure reports.
    r#"
-- Counted reports: a channel and a time, nothing about who. The usual rate reads a day of
-- them per channel, the window five minutes; older ones are deleted.
CREATE TABLE customer_reports (
    component_id  TEXT NOT NULL REFERENCES components(id),
    at            TEXT NOT NULL
);
CREATE INDEX customer_reports_by_component ON customer_reports(component_id, at);
CREATE INDEX customer_reports_by_time ON customer_reports(at);

-- Who counted lately, so one client counts once per channel per 30 minutes: an HMAC of the
-- address with a key of the day that is kept in memory only, never here. Deleted once the
-- 30 minutes have passed.
CREATE TABLE report_clients (
    client_hash   BLOB NOT NULL,
    component_id  TEXT NOT NULL,
    counted_at    TEXT NOT NULL,
    PRIMARY KEY (client_hash, component_id)
) WITHOUT ROWID;
CREATE INDEX report_clients_by_time ON report_clients(counted_at);

-- Spikes of reports on one channel, each told by the `reports.spike` event of the same id.
-- At most one is open (ended_at NULL) per channel.
CREATE TABLE report_spikes (
    event_id      TEXT PRIMARY KEY REFERENCES events(id),
    component_id  TEXT NOT NULL REFERENCES components(id),
    started_at    TEXT NOT NULL,
    reporters     INTEGER NOT NULL CHECK (reporters >= 0),
    usual         REAL NOT NULL CHECK (usual >= 0),
    threshold     INTEGER NOT NULL CHECK (threshold >= 1),
    ended_at      TEXT
);
CREATE UNIQUE INDEX report_spikes_open ON report_spikes(component_id) WHERE ended_at IS NULL;
"#,
    // 13: incident reports: when a notice went public, and the indexes the reports read by.
    r#"
-- When a notice stopped being a draft (its creation, if it never was one). Notices from
-- before this migration that are public get their creation time: a draft published
-- later was not recorded then, so its first public notice reads early.
ALTER TABLE incidents ADD COLUMN published_at TEXT;
UPDATE incidents SET published_at = created_at WHERE draft = 0;
-- The period report reads incidents by when they started.
CREATE INDEX incidents_by_kind_started ON incidents(kind, started_at);
-- An incident's report looks for a spike of customers' reports on its channels.
CREATE INDEX report_spikes_by_component_started ON report_spikes(component_id, started_at);
"#,
    // 14: every public status change of every channel, with its time and cause.
    // (Numbered 13 on the `uptime` branch; the incident reports' landed first.)
    r#"
-- One row per change of a channel's public status, written in the same transaction as
-- the change. `cause` says why: a notice (`reference` is its id), an alert (its key), a
-- change by hand, or a flapping channel let go. Rows of a notice may have old = new: the
-- notice took over a status something else had set (the day then links to the notice).
-- The uptime figures of the last 90 days are computed from these rows.
CREATE TABLE status_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    component_id  TEXT NOT NULL REFERENCES components(id),
    at            TEXT NOT NULL,
    old_status    TEXT NOT NULL CHECK (old_status IN ('operational', 'degraded_performance',
                      'partial_outage', 'major_outage', 'under_maintenance')),
    new_status    TEXT NOT NULL CHECK (new_status IN ('operational', 'degraded_performance',
                      'partial_outage', 'major_outage', 'under_maintenance')),
    cause         TEXT NOT NULL CHECK (cause IN ('incident', 'maintenance', 'manual', 'alert',
                      'flapping')),
    reference     TEXT,
    CHECK ((cause IN ('incident', 'maintenance', 'alert')) = (reference IS NOT NULL))
);
-- The period's rows, oldest first; a channel's status before the period.
CREATE INDEX status_history_by_time ON status_history(at);
CREATE INDEX status_history_of_component ON status_history(component_id, at);
-- A notice's rows, moved when its start or end is corrected.
CREATE INDEX status_history_of_notice ON status_history(reference, at)
    WHERE reference IS NOT NULL;

-- The past, from the changes each update recorded (migration 1), at the update's time; an
-- incident announced after it began has its first update's changes at its started_at.
INSERT INTO status_history (component_id, at, old_status, new_status, cause, reference)
SELECT c.component_id,
       CASE WHEN i.kind = 'incident' AND i.started_at < u.created_at
                 AND u.seq = (SELECT min(seq) FROM incident_updates WHERE incident_id = i.id)
            THEN i.started_at ELSE u.created_at END,
       c.old_status, c.new_status, i.kind, i.id
FROM update_component_changes AS c
JOIN incident_updates AS u ON u.id = c.update_id
JOIN incidents AS i ON i.id = u.incident_id
WHERE i.drill = 0 AND i.draft = 0
ORDER BY u.created_at, u.seq, c.component_id;
"#,
];
