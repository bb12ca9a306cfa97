//! When each API key was last used, gathered in memory and written by the timer in one
//! transaction: an admin request never waits on a write (or an fsync) to say it came.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::store::{self, Store, StoreError};

/// Keys whose `last_used_at` should move, with the time of their latest use.
#[derive(Default)]
pub struct KeyUses {
    pending: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl KeyUses {
    /// Notes a use; kept to the minute, so a key whose stored time is recent is skipped.
    pub fn note(&self, key_id: &str, stored: Option<DateTime<Utc>>, now: DateTime<Utc>) {
        if stored.is_some_and(|t| now - t < chrono::Duration::minutes(1)) {
            return;
        }
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        match pending.get_mut(key_id) {
            Some(t) => *t = (*t).max(now),
            None => {
                pending.insert(key_id.to_string(), now);
            }
        }
    }

    /// Writes every noted use in one transaction. On failure the uses are kept for the
    /// next attempt (unless a newer use of the same key came meanwhile).
    pub async fn flush(&self, store: &Store) -> Result<usize, StoreError> {
        let batch: Vec<(String, DateTime<Utc>)> = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            pending.drain().collect()
        };
        if batch.is_empty() {
            return Ok(0);
        }
        let written = batch.clone();
        let result = store
            .write(move |tx| {
                for (id, at) in &written {
                    store::touch_key(tx, id, *at)?;
                }
                Ok::<_, StoreError>(written.len())
            })
            .await;
        if result.is_err() {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            for (id, at) in batch {
                let t = pending.entry(id).or_insert(at);
                *t = (*t).max(at);
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_are_kept_to_the_minute_and_the_latest_wins() {
        let uses = KeyUses::default();
        let t0 = Utc::now();
        uses.note("a", Some(t0), t0 + chrono::Duration::seconds(30));
        uses.note("b", None, t0);
        uses.note("b", None, t0 + chrono::Duration::seconds(5));
        uses.note("c", Some(t0), t0 + chrono::Duration::seconds(61));
        let pending = uses.pending.lock().unwrap();
        assert!(!pending.contains_key("a"), "stored less than a minute ago");
        assert_eq!(pending["b"], t0 + chrono::Duration::seconds(5));
        assert!(pending.contains_key("c"));
    }
}
