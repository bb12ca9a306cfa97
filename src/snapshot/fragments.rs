//! Pieces of documents that stay the same from one build to the next: a past notice's
//! JSON object in the `/api/v2` lists, its item in the feeds. A build takes the pieces of
//! the previous build that are still right and makes only the others, so a write costs
//! what it changes, not the fifty past notices every list also shows.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::Incident;

/// Which piece of a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    ApiObject,
    FeedHtml,
}

/// A piece is right as long as its notice did not change ...
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    kind: Kind,
    id: String,
    revision: i64,
    updated_at: DateTime<Utc>,
}

/// ... and neither did what pieces show besides their notice: the components (names and
/// statuses), and the day (dates are written relative to today).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Epoch {
    pub components: u64,
    pub today: Option<NaiveDate>,
}

/// One language's pieces of one build.
#[derive(Default)]
pub struct Pieces {
    pub epoch: Epoch,
    pub map: HashMap<Key, Arc<str>>,
}

/// Pieces for a build in progress: those of the previous build, and those made or taken
/// so far (which become the next build's).
pub struct Fragments<'a> {
    previous: Option<&'a Pieces>,
    kept: RefCell<Pieces>,
    /// Pieces of open notices: shared by this build's documents, not by the next build.
    this_build_only: RefCell<Vec<Key>>,
}

impl<'a> Fragments<'a> {
    pub fn new(previous: &'a Pieces, epoch: Epoch) -> Fragments<'a> {
        Fragments {
            previous: (previous.epoch == epoch).then_some(previous),
            kept: RefCell::new(Pieces {
                epoch,
                map: HashMap::new(),
            }),
            this_build_only: RefCell::new(Vec::new()),
        }
    }

    /// Fragments that keep nothing (documents rendered one at a time).
    pub fn none() -> Fragments<'static> {
        Fragments {
            previous: None,
            kept: RefCell::new(Pieces::default()),
            this_build_only: RefCell::new(Vec::new()),
        }
    }

    /// The piece of `notice`, made by `make` unless this or an earlier build made it.
    /// Pieces of notices that are not over are made again by each build: they say "in
    /// about 20 min".
    pub fn get(&self, kind: Kind, notice: &Incident, make: impl FnOnce() -> String) -> Arc<str> {
        match self.try_get(kind, notice, || Ok::<_, std::convert::Infallible>(make())) {
            Ok(piece) => piece,
            Err(never) => match never {},
        }
    }

    /// [`Fragments::get`] for pieces whose making can fail (a template that renders);
    /// a failure is returned and nothing is kept.
    pub fn try_get<E>(
        &self,
        kind: Kind,
        notice: &Incident,
        make: impl FnOnce() -> Result<String, E>,
    ) -> Result<Arc<str>, E> {
        let key = Key {
            kind,
            id: notice.id.clone(),
            revision: notice.revision,
            updated_at: notice.updated_at,
        };
        if let Some(piece) = self.kept.borrow().map.get(&key) {
            return Ok(piece.clone());
        }
        let open = !notice.status.is_closed();
        let piece = match self
            .previous
            .filter(|_| !open)
            .and_then(|p| p.map.get(&key))
        {
            Some(piece) => piece.clone(),
            None => make()?.into(),
        };
        if open {
            self.this_build_only.borrow_mut().push(key.clone());
        }
        self.kept.borrow_mut().map.insert(key, piece.clone());
        Ok(piece)
    }

    /// What the next build may reuse.
    pub fn into_pieces(self) -> Pieces {
        let mut pieces = self.kept.into_inner();
        for key in self.this_build_only.into_inner() {
            pieces.map.remove(&key);
        }
        pieces
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use chrono::Utc;

    use super::*;
    use crate::domain::IncidentRecord;
    use crate::domain::{Kind as NoticeKind, LocalizedText, Status};

    fn notice(id: &str, status: Status, revision: i64) -> Incident {
        let now = Utc::now();
        Incident::from_record(IncidentRecord {
            id: id.into(),
            kind: NoticeKind::Incident,
            title: LocalizedText {
                ko: "t".into(),
                en: None,
            },
            status,
            impact: crate::domain::Impact::Minor,
            impact_override: None,
            draft: false,
            published_at: None,
            drill: false,
            components: Vec::new(),
            alternatives: Vec::new(),
            eta: None,
            next_update_at: None,
            update_interval_minutes: None,
            window: None,
            auto_transition: false,
            postmortem: None,
            started_at: now,
            monitoring_at: None,
            resolved_at: None,
            created_at: now,
            updated_at: now,
            revision,
            updates: Vec::new(),
            eta_revisions: Vec::new(),
        })
    }

    #[test]
    fn a_piece_is_made_once_until_its_notice_or_the_epoch_changes() {
        let made = Cell::new(0);
        let make = || {
            made.set(made.get() + 1);
            format!("piece {}", made.get())
        };
        let epoch = Epoch {
            components: 1,
            today: None,
        };
        let past = notice("past", Status::Resolved, 2);
        let open = notice("open", Status::Investigating, 2);

        let nothing = Pieces::default();
        let first = Fragments::new(&nothing, epoch);
        assert_eq!(&*first.get(Kind::ApiObject, &past, make), "piece 1");
        assert_eq!(&*first.get(Kind::ApiObject, &past, make), "piece 1");
        assert_eq!(&*first.get(Kind::FeedHtml, &past, make), "piece 2");
        first.get(Kind::ApiObject, &open, make);
        first.get(Kind::ApiObject, &open, make);
        assert_eq!(
            made.get(),
            3,
            "an open notice's piece is made once in a build"
        );
        let pieces = first.into_pieces();

        let second = Fragments::new(&pieces, epoch);
        assert_eq!(&*second.get(Kind::ApiObject, &past, make), "piece 1");
        assert_eq!(
            &*second.get(Kind::ApiObject, &open, make),
            "piece 4",
            "and again in the next"
        );
        let edited = notice("past", Status::Resolved, 3);
        assert_eq!(&*second.get(Kind::ApiObject, &edited, make), "piece 5");
        let pieces = second.into_pieces();

        let next_day = Epoch {
            components: 1,
            today: Some(Utc::now().date_naive()),
        };
        let third = Fragments::new(&pieces, next_day);
        assert_eq!(&*third.get(Kind::ApiObject, &edited, make), "piece 6");
    }

    #[test]
    fn a_piece_that_fails_to_render_is_reported_and_not_kept() {
        let nothing = Pieces::default();
        let fragments = Fragments::new(&nothing, Epoch::default());
        let past = notice("past", Status::Resolved, 1);
        let failed = fragments.try_get(Kind::FeedHtml, &past, || Err("no template"));
        assert_eq!(failed, Err("no template"));
        let made = fragments.try_get(Kind::FeedHtml, &past, || Ok::<_, &str>("body".into()));
        assert_eq!(
            made.as_deref(),
            Ok("body"),
            "the failure was not kept in its place"
        );
        assert_eq!(fragments.into_pieces().map.len(), 1);
    }
}
