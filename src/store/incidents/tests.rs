use rusqlite::{Connection, params};

use crate::store::migrations::MIGRATIONS;
use crate::store::{DATABASE_FILE, Reader, Store, StoreError};

/// The history as the ranks say, and as the rows say it should be.
fn history(conn: &Connection) -> (Vec<(i64, String)>, Vec<String>) {
    let ranked = conn
        .prepare("SELECT history_rank, id FROM incidents WHERE history_rank IS NOT NULL ORDER BY history_rank")
        .unwrap()
        .query_map([], |r| Ok((r.get(0).unwrap(), r.get(1).unwrap())))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let expected = conn
        .prepare(
            "SELECT id FROM incidents WHERE draft = 0 AND status IN ('resolved', 'postmortem', 'completed')
             ORDER BY created_at, id",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    (ranked, expected)
}

fn assert_dense_and_ordered(conn: &Connection, context: &str) {
    let (ranked, expected) = history(conn);
    let ranks: Vec<i64> = ranked.iter().map(|(r, _)| *r).collect();
    let ids: Vec<String> = ranked.into_iter().map(|(_, id)| id).collect();
    assert_eq!(
        ranks,
        (1..=expected.len() as i64).collect::<Vec<_>>(),
        "{context}: ranks have gaps"
    );
    assert_eq!(ids, expected, "{context}: ranks out of order");
}

fn insert(conn: &Connection, id: &str, created_at: &str, status: &str, draft: bool) {
    conn.execute(
        "INSERT INTO incidents (id, kind, title_ko, status, impact, draft, auto_transition,
             started_at, created_at, updated_at, revision)
         VALUES (?1, 'incident', 't', ?2, 'minor', ?3, 0, ?4, ?4, ?4, 1)",
        params![id, status, draft, created_at],
    )
    .unwrap();
}

#[test]
fn history_ranks_stay_dense_and_in_order_whatever_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), chrono::Utc::now()).unwrap();
    store
        .write_blocking(|tx| -> Result<(), StoreError> {
            // A small linear congruential generator: the same sequence every run.
            let mut seed: u64 = 0x5eed;
            let mut next = |n: u64| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (seed >> 33) % n
            };
            let statuses = ["investigating", "monitoring", "resolved", "postmortem"];
            let mut ids = Vec::new();
            for step in 0..400 {
                match next(5) {
                    // New notices, at any time (an old one appearing late, too).
                    0 | 1 => {
                        let id = format!("n{step:04}");
                        let at =
                            format!("2026-01-{:02}T00:00:{:02}.000000Z", 1 + next(28), next(60));
                        let status = statuses[next(4) as usize];
                        insert(tx, &id, &at, status, next(4) == 0);
                        ids.push(id);
                    }
                    // Closing, reopening, postmortems.
                    2 | 3 if !ids.is_empty() => {
                        let id = &ids[next(ids.len() as u64) as usize];
                        let status = statuses[next(4) as usize];
                        tx.execute(
                            "UPDATE incidents SET status = ?2 WHERE id = ?1",
                            params![id, status],
                        )?;
                    }
                    // Publishing or unpublishing a draft.
                    _ if !ids.is_empty() => {
                        let id = &ids[next(ids.len() as u64) as usize];
                        tx.execute("UPDATE incidents SET draft = 1 - draft WHERE id = ?1", [id])?;
                    }
                    _ => {}
                }
                assert_dense_and_ordered(tx, &format!("after step {step}"));
            }
            for id in ids.iter().step_by(3) {
                tx.execute("DELETE FROM incidents WHERE id = ?1", [id])?;
            }
            assert_dense_and_ordered(tx, "after deletes");
            let err = tx
                .execute(
                    "UPDATE incidents SET created_at = 'x' WHERE id = ?1",
                    [&ids[1]],
                )
                .unwrap_err();
            assert!(err.to_string().contains("never changes"), "{err}");
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_history_counts_its_changes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), chrono::Utc::now()).unwrap();
    store
        .write_blocking(|tx| -> Result<(), StoreError> {
            let versions = || crate::store::history_versions(tx).unwrap();
            let v = |history, archive| crate::store::HistoryVersions { history, archive };
            assert_eq!(versions(), v(0, 0));
            insert(
                tx,
                "open",
                "2026-01-02T00:00:00.000000Z",
                "investigating",
                false,
            );
            assert_eq!(versions(), v(0, 0), "an open notice is not history");
            tx.execute(
                "UPDATE incidents SET status = 'monitoring' WHERE id = 'open'",
                [],
            )?;
            assert_eq!(versions(), v(0, 0), "nor is its update");
            tx.execute(
                "UPDATE incidents SET status = 'resolved' WHERE id = 'open'",
                [],
            )?;
            assert_eq!(versions(), v(1, 0), "it entered the history");
            insert(tx, "old", "2026-01-01T00:00:00.000000Z", "resolved", false);
            assert_eq!(versions(), v(2, 0), "so did an older one, below it");
            tx.execute(
                "UPDATE incidents SET title_ko = '고침' WHERE id = 'old'",
                [],
            )?;
            assert_eq!(versions(), v(2, 1), "a past notice was edited");
            tx.execute(
                "UPDATE incidents SET history_rank = history_rank WHERE id = 'old'",
                [],
            )?;
            assert_eq!(versions(), v(2, 1), "rank moves alone do not count");
            tx.execute(
                "UPDATE incidents SET status = 'investigating' WHERE id = 'old'",
                [],
            )?;
            assert_eq!(
                versions(),
                v(3, 2),
                "reopened: it left, and its pages changed"
            );
            tx.execute("DELETE FROM incidents WHERE id = 'open'", [])?;
            assert_eq!(versions(), v(4, 3));
            Ok(())
        })
        .unwrap();
}

#[test]
fn upgrading_numbers_the_existing_history() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        insert(&conn, "b", "2026-01-02T00:00:00.000000Z", "resolved", false);
        insert(
            &conn,
            "a",
            "2026-01-03T00:00:00.000000Z",
            "postmortem",
            false,
        );
        insert(&conn, "c", "2026-01-01T00:00:00.000000Z", "resolved", false);
        insert(
            &conn,
            "d",
            "2026-01-04T00:00:00.000000Z",
            "investigating",
            false,
        );
        insert(&conn, "e", "2026-01-05T00:00:00.000000Z", "resolved", true);
    }
    let store = Store::open(dir.path(), chrono::Utc::now()).unwrap();
    let (ranked, _) = store
        .read_blocking(Reader::Operator, |tx| Ok::<_, StoreError>(history(tx)))
        .unwrap();
    assert_eq!(
        ranked,
        vec![(1, "c".to_string()), (2, "b".into()), (3, "a".into())]
    );
    store
        .read_blocking(Reader::Operator, |tx| {
            assert_eq!(crate::store::history_len(tx)?, 3);
            assert_eq!(crate::store::history_ids(tx, 3, 0, 2)?, vec!["a", "b"]);
            assert_eq!(crate::store::history_ids(tx, 3, 2, 2)?, vec!["c"]);
            assert!(crate::store::history_ids(tx, 3, 3, 2)?.is_empty());
            Ok::<_, StoreError>(())
        })
        .unwrap();
}

fn insert_drill(conn: &Connection, id: &str, created_at: &str, status: &str) {
    conn.execute(
        "INSERT INTO incidents (id, kind, title_ko, status, impact, draft, drill, auto_transition,
             started_at, created_at, updated_at, revision)
         VALUES (?1, 'incident', 't', ?2, 'major', 0, 1, 0, ?3, ?3, ?3, 1)",
        params![id, status, created_at],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO incident_components (incident_id, component_id, position, status)
         VALUES (?1, 'card', 0, 'major_outage')",
        [id],
    )
    .unwrap();
}

#[test]
fn drills_stay_out_of_every_public_list_and_stay_drills() {
    use crate::domain::{ComponentId, Kind};
    use crate::store::{self as s, ListFilter};

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), chrono::Utc::now()).unwrap();
    store
        .write_blocking(|tx| -> Result<(), StoreError> {
            insert_drill(tx, "closed", "2026-01-01T00:00:00.000000Z", "resolved");
            insert_drill(tx, "open", "2026-01-02T00:00:00.000000Z", "investigating");
            tx.execute(
                "UPDATE incidents SET status = 'postmortem' WHERE id = 'open'",
                [],
            )?;
            tx.execute(
                "UPDATE incidents SET draft = 1 - draft WHERE id = 'closed'",
                [],
            )?;
            tx.execute("UPDATE incidents SET draft = 0 WHERE id = 'closed'", [])?;
            tx.execute(
                "UPDATE incidents SET status = 'identified' WHERE id = 'open'",
                [],
            )?;
            assert_eq!(s::history_len(tx)?, 0, "a drill is never history");
            assert_eq!(s::history_versions(tx)?.history, 0);
            let (ranked, _) = history(tx);
            assert!(ranked.is_empty(), "{ranked:?}");

            assert!(s::open_notice_ids(tx, Kind::Incident)?.is_empty());
            assert!(s::recent_notice_ids(tx, Kind::Incident, 50)?.is_empty());
            assert!(s::recently_updated_ids(tx, 50)?.is_empty());
            let card = ComponentId::from_trusted("card".to_string());
            assert!(s::active_notices_holding(tx, &card)?.is_empty());
            assert!(s::catalog(tx, None)?.active_elsewhere.is_empty());
            let listed = s::notice_ids_page(tx, Kind::Incident, ListFilter::All, None, 50)?;
            assert_eq!(listed.len(), 2, "operators see drills");

            for (id, to) in [("open", 0), ("closed", 0)] {
                let err = tx
                    .execute(
                        "UPDATE incidents SET drill = ?2 WHERE id = ?1",
                        params![id, to],
                    )
                    .unwrap_err();
                assert!(err.to_string().contains("never changes"), "{err}");
            }
            Ok(())
        })
        .unwrap();
}
