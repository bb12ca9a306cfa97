//! The read side. After every committed write, and on a timer, the whole public surface
//! is rendered into one immutable [`Snapshot`] and swapped in atomically. Public handlers
//! only pick bytes out of the current snapshot, so every view agrees with every other.

mod api_v2;
mod doc;
mod feeds;
mod format;
mod model;
mod pages;
mod texts;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use doc::{CachePolicy, CompressionCache, Doc, DocBuilder, etag_of};
pub use format::{TimeFormat, api_time};
pub use model::{HISTORY_PAGE_SIZE, HISTORY_PAGES_IN_SNAPSHOT, LIST_CAP, ReadModel};

use crate::domain::{Clock, Lang};
use crate::store::{self, IncidentFilter, Store, StoreError};
use pages::{PageContext, history_pages, history_path};

/// What rendering needs besides data; fixed for the life of the server.
#[derive(Debug, Clone)]
pub struct Settings {
    pub site_name: String,
    pub base_url: String,
    pub timezone: Tz,
    pub default_lang: Lang,
    pub css_url: String,
    pub embed_css_url: String,
    pub embed_js_url: String,
}

/// Where a document lives: a path (with its query, if any) and, for localized
/// documents, the language.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocKey {
    pub path: String,
    pub lang: Lang,
}

impl DocKey {
    pub fn new(path: impl Into<String>, lang: Lang) -> DocKey {
        DocKey {
            path: path.into(),
            lang,
        }
    }
}

pub struct Snapshot {
    pub built_at: DateTime<Utc>,
    docs: HashMap<DocKey, Arc<Doc>>,
    not_found: HashMap<Lang, Arc<Doc>>,
    /// History pages that exist (the snapshot holds the first few).
    pub history_pages: usize,
}

impl Snapshot {
    pub fn get(&self, key: &DocKey) -> Option<Arc<Doc>> {
        self.docs.get(key).cloned()
    }

    pub fn not_found(&self, lang: Lang) -> Option<Arc<Doc>> {
        self.not_found.get(&lang).cloned()
    }

    fn compression_cache(&self) -> CompressionCache {
        self.docs
            .values()
            .chain(self.not_found.values())
            .map(|d| (d.etag.clone(), d.compressed()))
            .collect()
    }

    fn empty() -> Snapshot {
        Snapshot {
            built_at: DateTime::<Utc>::MIN_UTC,
            docs: HashMap::new(),
            not_found: HashMap::new(),
            history_pages: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("rendering failed: {0}")]
    Render(#[from] askama::Error),
}

/// Builds snapshots and keeps the current one.
pub struct Publisher {
    current: ArcSwap<Snapshot>,
    store: Store,
    settings: Arc<Settings>,
    clock: Arc<dyn Clock>,
    /// One build at a time, so a slow older build never replaces a newer one.
    building: tokio::sync::Mutex<()>,
    /// Count of committed writes, and how many of them the live snapshot includes.
    writes: AtomicU64,
    published: AtomicU64,
    /// Documents outside the snapshot (old incidents, deep history pages), rendered on
    /// first request and dropped whenever a new snapshot is published.
    on_demand: Mutex<HashMap<DocKey, Arc<Doc>>>,
}

/// On-demand documents kept at most; beyond it the cache starts over.
const ON_DEMAND_CAP: usize = 2000;

impl Publisher {
    pub fn new(store: Store, settings: Arc<Settings>, clock: Arc<dyn Clock>) -> Publisher {
        Publisher {
            current: ArcSwap::from_pointee(Snapshot::empty()),
            store,
            settings,
            clock,
            building: tokio::sync::Mutex::new(()),
            writes: AtomicU64::new(0),
            published: AtomicU64::new(0),
            on_demand: Mutex::new(HashMap::new()),
        }
    }

    pub fn current(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Call after a write has committed; returns once a snapshot including it is live.
    pub async fn publish_write(&self) -> Result<(), BuildError> {
        let seq = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        let _guard = self.building.lock().await;
        if self.published.load(Ordering::SeqCst) >= seq {
            // A build that started after our commit already covered it.
            return Ok(());
        }
        let covers = self.writes.load(Ordering::SeqCst);
        self.build_and_swap().await?;
        self.published.store(covers, Ordering::SeqCst);
        Ok(())
    }

    /// Rebuilds for the passing of time (relative times, windows); keeps the last good
    /// snapshot if the database cannot be read.
    pub async fn refresh(&self) -> Result<(), BuildError> {
        let _guard = self.building.lock().await;
        let covers = self.writes.load(Ordering::SeqCst);
        self.build_and_swap().await?;
        self.published.store(covers, Ordering::SeqCst);
        Ok(())
    }

    async fn build_and_swap(&self) -> Result<(), BuildError> {
        let previous = self.current().compression_cache();
        let settings = self.settings.clone();
        let now = self.clock.now();
        // Read in one transaction, then render without holding the reader connection.
        let model = self.store.read(move |tx| ReadModel::load(tx, now)).await?;
        let snapshot = tokio::task::spawn_blocking(move || build(&model, &settings, &previous))
            .await
            .map_err(|e| BuildError::Store(StoreError::Task(e.to_string())))??;
        self.current.store(Arc::new(snapshot));
        let mut cache = self.on_demand.lock().unwrap_or_else(|p| p.into_inner());
        cache.clear();
        Ok(())
    }

    /// A document the snapshot does not hold: an older incident's page or a deep history
    /// page. `None` when there is no such thing.
    pub async fn on_demand(&self, key: &DocKey) -> Result<Option<Arc<Doc>>, BuildError> {
        if let Some(doc) = self
            .on_demand
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
        {
            return Ok(Some(doc.clone()));
        }
        let snapshot = self.current();
        let settings = self.settings.clone();
        let now = snapshot.built_at;
        let k = key.clone();
        let previous = CompressionCache::new();
        let doc = self
            .store
            .read(move |tx| -> Result<Option<Arc<Doc>>, BuildError> {
                let model = ReadModel::load(tx, now)?;
                let ctx = PageContext::new(&model, &settings, k.lang);
                let builder = DocBuilder {
                    last_modified: model.last_modified,
                    previous: &previous,
                };
                render_on_demand(tx, &model, &ctx, &builder, &k.path)
            })
            .await?;
        if let Some(doc) = &doc {
            let mut cache = self.on_demand.lock().unwrap_or_else(|p| p.into_inner());
            if cache.len() >= ON_DEMAND_CAP {
                cache.clear();
            }
            cache.insert(key.clone(), doc.clone());
        }
        Ok(doc)
    }
}

const HTML: &str = "text/html; charset=utf-8";

fn html_doc(builder: &DocBuilder, page: &impl Template) -> Result<Arc<Doc>, BuildError> {
    Ok(builder.build(HTML, page.render()?, CachePolicy::Status))
}

/// Renders every public document for the model.
pub fn build(
    model: &ReadModel,
    settings: &Settings,
    previous: &CompressionCache,
) -> Result<Snapshot, BuildError> {
    let builder = DocBuilder {
        last_modified: model.last_modified,
        previous,
    };
    let mut docs = HashMap::new();
    let mut not_found = HashMap::new();
    let pages = history_pages(model.history_total);
    for lang in Lang::ALL {
        let ctx = PageContext::new(model, settings, lang);
        docs.insert(DocKey::new("/", lang), html_doc(&builder, &ctx.index())?);
        for notice in model.notices.values().filter(|n| !n.draft) {
            docs.insert(
                DocKey::new(format!("/incidents/{}", notice.id), lang),
                html_doc(&builder, &ctx.incident(notice))?,
            );
        }
        for (index, ids) in model.history_pages.iter().enumerate() {
            let notices: Vec<_> = model.notices_in(ids).collect();
            docs.insert(
                DocKey::new(history_path(index + 1), lang),
                html_doc(&builder, &ctx.history(&notices, index + 1, pages))?,
            );
        }
        if model.history_pages.is_empty() {
            docs.insert(
                DocKey::new("/history", lang),
                html_doc(&builder, &ctx.history(&[], 1, 1))?,
            );
        }
        docs.insert(
            DocKey::new("/widget", lang),
            html_doc(&builder, &ctx.widget_demo())?,
        );
        let frame = html_doc(&builder, &ctx.embed_frame())?.with(|d| {
            d.frameable = true;
            d.cache = CachePolicy::Revalidate;
        });
        docs.insert(DocKey::new("/embed/frame", lang), frame);
        docs.extend(api_v2::documents(model, settings, lang, &builder));
        docs.extend(feeds::documents(model, settings, lang, &builder)?);
        let nf = html_doc(&builder, &ctx.not_found())?.with(|d| d.status = 404);
        not_found.insert(lang, nf);
    }
    Ok(Snapshot {
        built_at: model.now,
        docs,
        not_found,
        history_pages: pages,
    })
}

fn render_on_demand(
    conn: &rusqlite::Connection,
    model: &ReadModel,
    ctx: &PageContext,
    builder: &DocBuilder,
    path: &str,
) -> Result<Option<Arc<Doc>>, BuildError> {
    if let Some(id) = path
        .strip_prefix("/api/v2/incidents/")
        .and_then(|p| p.strip_suffix(".json"))
    {
        return match store::incident_by_id(conn, id)? {
            Some(i) if !i.draft => Ok(Some(api_v2::incident_document(
                model,
                ctx.settings,
                ctx.lang,
                builder,
                &i,
            ))),
            _ => Ok(None),
        };
    }
    if let Some(id) = path.strip_prefix("/incidents/") {
        return match store::incident_by_id(conn, id)? {
            Some(i) if !i.draft => Ok(Some(html_doc(builder, &ctx.incident(&i))?)),
            _ => Ok(None),
        };
    }
    if let Some(page) = path
        .strip_prefix("/history?page=")
        .and_then(|p| p.parse::<usize>().ok())
    {
        let pages = history_pages(model.history_total);
        if page < 1 || page > pages {
            return Ok(None);
        }
        let filter = IncidentFilter {
            only_closed: true,
            ..Default::default()
        };
        // Walk to the page by keyset; deep pages are rare and this is cached.
        let mut cursor = None;
        let mut ids = Vec::new();
        for _ in 0..page {
            let rows = store::incident_ids_page(conn, filter, cursor.as_ref(), HISTORY_PAGE_SIZE)?;
            cursor = rows.last().map(|(id, at)| store::IncidentCursor {
                created_at: *at,
                id: id.clone(),
            });
            ids = rows.into_iter().map(|(id, _)| id).collect();
        }
        let notices = store::incidents_by_ids(conn, &ids)?;
        let refs: Vec<_> = notices.iter().collect();
        return Ok(Some(html_doc(builder, &ctx.history(&refs, page, pages))?));
    }
    Ok(None)
}
