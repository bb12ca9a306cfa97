//! Documents outside the snapshot: old incidents (page and JSON) and deep history pages.
//! Each is read from a few indexed rows on the public readers' own connections, rendered
//! without holding one, and kept (bounded by bytes) until the data changes. What cannot
//! exist (a malformed id, a page past the end) is answered without a query.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::background::Background;
use super::fragments::Fragments;
use super::model::{HISTORY_PAGE_SIZE, HISTORY_PAGES_IN_SNAPSHOT, ReadModel};
use super::pages::{PageContext, history_pages};
use super::{
    BuildError, DocBuilder, Outdated, PAGE, Page, Previous, Settings, Snapshot, api_v2, html_doc,
};
use crate::domain::{Incident, Lang};
use crate::snapshot::Doc;
use crate::store::{self, Reader, Store};

/// Bytes kept at most (bodies and compressed variants) of past notices' pages, of deep
/// history pages and of past notices' JSON.
const NOTICE_BYTES: usize = 16 << 20;
const HISTORY_BYTES: usize = 8 << 20;
const JSON_BYTES: usize = 8 << 20;

/// A notice id, which has a fixed shape (12 base-36 characters), kept inline.
type NoticeId = [u8; 12];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum What {
    Incident(NoticeId),
    IncidentJson(NoticeId),
    History(usize),
}

/// An archived document's address; no allocation to make one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Key {
    lang: Lang,
    what: What,
}

impl What {
    fn id(&self) -> Option<&str> {
        match self {
            // Made only from ids that passed `is_notice_id`, so always ASCII.
            What::Incident(id) | What::IncidentJson(id) => std::str::from_utf8(id).ok(),
            What::History(_) => None,
        }
    }
}

/// Three shelves, because their documents go out of date differently (see
/// [`Outdated`]): a past notice's page when it or a component's name changes; a history
/// page also when a notice enters or leaves the history; JSON with any write, because it
/// shows the page's last update and today's component statuses.
pub(super) struct Archive {
    notices: Shelf,
    history: Shelf,
    json: Shelf,
    /// Reads and renders run there, at background priority, a few at a time.
    background: Arc<Background>,
    /// Documents rendered so far (misses of the cache that found something).
    rendered: AtomicU64,
}

impl Archive {
    pub(super) fn new(background: Arc<Background>) -> Archive {
        Archive {
            notices: Shelf::new(NOTICE_BYTES),
            history: Shelf::new(HISTORY_BYTES),
            json: Shelf::new(JSON_BYTES),
            background,
            rendered: AtomicU64::new(0),
        }
    }
}

/// One cache, and its generation: bumped whenever what it holds goes out of date, so a
/// document rendered from older data is answered with but not kept.
struct Shelf {
    /// Read-locked by every hit, write-locked only to keep or forget documents.
    cache: RwLock<Cache>,
    generation: AtomicU64,
}

impl Shelf {
    fn new(budget: usize) -> Shelf {
        Shelf {
            cache: RwLock::new(Cache {
                budget,
                ..Cache::default()
            }),
            generation: AtomicU64::new(0),
        }
    }

    // A panic while holding a lock cannot leave the map half-changed in a way that
    // matters: at worst a byte count is off until the next invalidation.
    fn read(&self) -> RwLockReadGuard<'_, Cache> {
        self.cache.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Cache> {
        self.cache.write().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, key: &Key) -> Option<Arc<Doc>> {
        self.read().docs.get(key).map(|(doc, _)| doc.clone())
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps `doc` unless the shelf was cleared since `generation` was read.
    fn put(&self, generation: u64, key: Key, doc: Arc<Doc>) {
        let mut cache = self.write();
        if self.generation() == generation {
            cache.insert(key, doc);
        }
    }

    fn clear(&self) {
        let mut cache = self.write();
        self.generation.fetch_add(1, Ordering::SeqCst);
        let budget = cache.budget;
        *cache = Cache {
            budget,
            ..Cache::default()
        };
    }
}

/// Documents by key, dropped oldest first once over the budget.
#[derive(Default)]
struct Cache {
    docs: HashMap<Key, (Arc<Doc>, usize)>,
    order: VecDeque<Key>,
    bytes: usize,
    budget: usize,
}

impl Cache {
    fn insert(&mut self, key: Key, doc: Arc<Doc>) {
        // Brotli is added later; count it as about the size of gzip.
        let size = doc.body.len() + 2 * doc.gzip().map_or(0, |g| g.len());
        if let Some((_, old)) = self.docs.insert(key, (doc, size)) {
            self.bytes -= old;
        } else {
            self.order.push_back(key);
        }
        self.bytes += size;
        while self.bytes > self.budget {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some((_, size)) = self.docs.remove(&oldest) {
                self.bytes -= size;
            }
        }
    }
}

/// What an archived document is made of, read in one transaction.
enum Loaded {
    Notice(Box<Incident>),
    History {
        notices: Vec<Incident>,
        page: usize,
        pages: usize,
    },
}

impl Archive {
    /// Forgets what a new snapshot made out of date.
    pub(super) fn invalidate(&self, outdated: Outdated) {
        match outdated {
            Outdated::Archive => {
                self.notices.clear();
                self.history.clear();
                self.json.clear();
            }
            Outdated::HistoryAndJson => {
                self.history.clear();
                self.json.clear();
            }
            Outdated::Json => self.json.clear(),
            Outdated::Nothing => {}
        }
    }

    pub(super) fn rendered(&self) -> u64 {
        self.rendered.load(Ordering::Relaxed)
    }

    /// Where `page` would be, if it can exist at all outside a snapshot with
    /// `history_pages` history pages (`None`: it cannot, no need to look).
    pub(super) fn key(lang: Lang, page: Page<'_>, history_pages: usize) -> Option<Key> {
        let id = |id: &str| -> Option<NoticeId> {
            super::is_notice_id(id)
                .then(|| id.as_bytes().try_into().ok())
                .flatten()
        };
        let what = match page {
            Page::Incident(i) => What::Incident(id(i)?),
            Page::IncidentJson(i) => What::IncidentJson(id(i)?),
            Page::History(n) if n > HISTORY_PAGES_IN_SNAPSHOT && n <= history_pages => {
                What::History(n)
            }
            _ => return None,
        };
        Some(Key { lang, what })
    }

    fn shelf(&self, key: &Key) -> &Shelf {
        match key.what {
            What::Incident(_) => &self.notices,
            What::IncidentJson(_) => &self.json,
            What::History(_) => &self.history,
        }
    }

    /// The document, if it is kept.
    pub(super) fn cached(&self, key: &Key) -> Option<Arc<Doc>> {
        self.shelf(key).get(key)
    }

    /// Reads and renders the document (and keeps it); `None` when there is no such thing.
    pub(super) async fn render(
        &self,
        store: &Store,
        settings: &Arc<Settings>,
        snapshot: Arc<Snapshot>,
        key: Key,
    ) -> Result<Option<Arc<Doc>>, BuildError> {
        let shelf = self.shelf(&key);
        let generation = shelf.generation();
        let (store, settings) = (store.clone(), settings.clone());
        // Read on a public reader's connection, then render without holding it.
        let job = move || -> Result<Option<(Arc<Doc>, bool)>, BuildError> {
            let loaded = store.read_blocking(Reader::Public, |tx| load(tx, &key.what))?;
            let Some(loaded) = loaded else {
                return Ok(None);
            };
            // Only the past is kept: a notice still open (seen here in the moment before
            // a snapshot shows it) is not, since it will change.
            let keep = match &loaded {
                Loaded::Notice(i) => i.status.is_closed(),
                Loaded::History { .. } => true,
            };
            let json = matches!(key.what, What::IncidentJson(_));
            let doc = render(&snapshot.model, &settings, key.lang, &loaded, json)?;
            doc.compress_gzip();
            doc.compress_brotli();
            Ok(Some((doc, keep)))
        };
        let Some((doc, keep)) = self.background.run(job).await?? else {
            return Ok(None);
        };
        self.rendered.fetch_add(1, Ordering::Relaxed);
        if keep {
            shelf.put(generation, key, doc.clone());
        }
        Ok(Some(doc))
    }
}

fn load(tx: &rusqlite::Connection, what: &What) -> Result<Option<Loaded>, BuildError> {
    Ok(match what {
        What::Incident(_) | What::IncidentJson(_) => match what.id() {
            Some(id) => store::incident_by_id(tx, id)?
                .filter(|i| i.is_public())
                .map(|i| Loaded::Notice(Box::new(i))),
            None => None,
        },
        What::History(page) => {
            let len = store::history_len(tx)?;
            let skip = (page - 1) * HISTORY_PAGE_SIZE;
            if skip >= len {
                None
            } else {
                let ids = store::history_ids(tx, len, skip, HISTORY_PAGE_SIZE)?;
                Some(Loaded::History {
                    notices: store::incidents_by_ids(tx, &ids)?,
                    page: *page,
                    pages: history_pages(len),
                })
            }
        }
    })
}

fn render(
    model: &ReadModel,
    settings: &Settings,
    lang: Lang,
    loaded: &Loaded,
    json: bool,
) -> Result<Arc<Doc>, BuildError> {
    let none = Previous::new();
    let builder = DocBuilder {
        last_modified: model.last_modified,
        previous: &none,
    };
    let ctx = PageContext::new(model, settings, lang);
    match loaded {
        Loaded::Notice(i) if json => Ok(api_v2::incident_document(
            model,
            settings,
            lang,
            &builder,
            &Fragments::none(),
            i,
        )),
        Loaded::Notice(i) => html_doc(&builder, PAGE, &ctx.incident(i)),
        Loaded::History {
            notices,
            page,
            pages,
        } => {
            let refs: Vec<&Incident> = notices.iter().collect();
            html_doc(&builder, PAGE, &ctx.history(&refs, *page, *pages))
        }
    }
}
