//! The read side. After every committed write, and on a timer, the public surface is
//! rendered into one immutable [`Snapshot`] and swapped in atomically. Public handlers
//! only pick bytes out of the current snapshot, so every view agrees with every other.
//! What the snapshot does not hold (old incidents, deep history pages) is the
//! [`archive`]'s: rendered on first request from a few indexed rows, and kept until the
//! data changes.

mod api_v2;
mod archive;
mod background;
mod brotli_pass;
mod doc;
mod feeds;
#[cfg(test)]
mod fixture;
mod format;
mod fragments;
mod model;
mod pages;
mod preview;
mod uptime;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::{ArcSwap, Guard};
use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::watch;

pub use api_v2::ApiObjects;
pub use doc::{
    CachePolicy, Doc, DocBuilder, Previous, Serving, Variant, brotli as brotli_of, etag_of,
    gzip as gzip_of,
};
pub use format::{TimeFormat, api_time};
pub use model::{HISTORY_PAGE_SIZE, HISTORY_PAGES_IN_SNAPSHOT, LIST_CAP, ReadModel};
pub use pages::{ReportAnswer, is_reportable, report_answer};
pub use preview::{BannerPreview, Preview, PreviewPages, preview};

use crate::domain::{Clock, Incident, Lang};
use crate::store::{Reader, Store, StoreError};
use archive::Archive;
use background::Background;
use brotli_pass::BrotliPass;
use fragments::{Epoch, Fragments, Pieces};
use pages::{PageContext, history_pages};

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
    /// Email subscriptions are on (a mail server is configured): pages link to `/subscribe`.
    pub subscriptions: bool,
}

/// Where a public document lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page<'a> {
    /// A document at its own fixed path: `/`, `/widget`, `/embed/frame`, the feeds and
    /// the `/api/v2` lists.
    Fixed(&'a str),
    /// `/incidents/{id}`
    Incident(&'a str),
    /// `/api/v2/incidents/{id}.json`
    IncidentJson(&'a str),
    /// `/history` (1) and `/history?page=N`.
    History(usize),
}

impl<'a> Page<'a> {
    /// The document at an `/api/v2/…` path.
    pub fn api(path: &'a str) -> Page<'a> {
        match path
            .strip_prefix("/api/v2/incidents/")
            .and_then(|p| p.strip_suffix(".json"))
        {
            Some(id) if is_notice_id(id) => Page::IncidentJson(id),
            _ => Page::Fixed(path),
        }
    }
}

/// Whether `s` has the shape of a notice id (12 lowercase base-36 characters); anything
/// else is known not to exist without asking the database.
pub fn is_notice_id(s: &str) -> bool {
    s.len() == 12
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// One language's documents, each kind in its own map so a lookup needs no allocation.
#[derive(Default)]
struct LangDocs {
    fixed: HashMap<Box<str>, Arc<Doc>>,
    incidents: HashMap<Box<str>, Arc<Doc>>,
    incident_json: HashMap<Box<str>, Arc<Doc>>,
    /// Page 1 first.
    history: Vec<Arc<Doc>>,
    not_found: Option<Arc<Doc>>,
}

impl LangDocs {
    /// Every page with where it lives (the not-found page has no place).
    fn pages(&self) -> impl Iterator<Item = (Page<'_>, &Arc<Doc>)> {
        let fixed = self.fixed.iter().map(|(p, d)| (Page::Fixed(p), d));
        let incidents = self.incidents.iter().map(|(i, d)| (Page::Incident(i), d));
        let json = self.incident_json.iter();
        let json = json.map(|(i, d)| (Page::IncidentJson(i), d));
        let history = self.history.iter().enumerate();
        let history = history.map(|(n, d)| (Page::History(n + 1), d));
        fixed.chain(incidents).chain(json).chain(history)
    }

    fn all(&self) -> impl Iterator<Item = &Arc<Doc>> {
        self.pages().map(|(_, doc)| doc).chain(&self.not_found)
    }
}

pub struct Snapshot {
    pub built_at: DateTime<Utc>,
    /// What it was rendered from; documents outside it are rendered against the same.
    model: Arc<ReadModel>,
    langs: [LangDocs; 2],
    /// Pieces the next build may reuse, per language.
    pieces: [Pieces; 2],
    /// History pages that exist (the snapshot holds the first few).
    pub history_pages: usize,
}

fn slot(lang: Lang) -> usize {
    match lang {
        Lang::Ko => 0,
        Lang::En => 1,
    }
}

impl Snapshot {
    pub fn get(&self, lang: Lang, page: Page) -> Option<&Arc<Doc>> {
        let docs = &self.langs[slot(lang)];
        match page {
            Page::Fixed(path) => docs.fixed.get(path),
            Page::Incident(id) => docs.incidents.get(id),
            Page::IncidentJson(id) => docs.incident_json.get(id),
            Page::History(n) => docs.history.get(n.checked_sub(1)?),
        }
    }

    /// The read model it was rendered from.
    pub fn model(&self) -> &ReadModel {
        &self.model
    }

    pub fn not_found(&self, lang: Lang) -> Option<&Arc<Doc>> {
        self.langs[slot(lang)].not_found.as_ref()
    }

    /// Every page it holds, in both languages, with where it lives (the not-found
    /// page is [`Snapshot::not_found`]).
    pub fn pages(&self) -> impl Iterator<Item = (Lang, Page<'_>, &Arc<Doc>)> {
        [Lang::Ko, Lang::En].into_iter().flat_map(move |lang| {
            self.langs[slot(lang)]
                .pages()
                .map(move |(page, doc)| (lang, page, doc))
        })
    }

    /// Closed notices its documents link to (on the history pages it holds and the days
    /// of the uptime rows), whose pages live in the archive: what a static copy of the
    /// site needs besides the snapshot so that no link of it leads nowhere.
    pub fn linked_closed_notices(&self) -> Vec<&str> {
        let m = &self.model;
        let held = m.history_pages.iter().take(self.langs[0].history.len());
        let mut ids: Vec<&str> = held
            .flatten()
            .chain(m.uptime.notice_days.iter().flat_map(|(_, ids)| ids))
            .map(String::as_str)
            .filter(|id| !self.langs[0].incidents.contains_key(*id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Every document, in both languages.
    pub fn documents(&self) -> impl Iterator<Item = &Arc<Doc>> {
        self.langs.iter().flat_map(LangDocs::all)
    }

    /// How many documents it holds, and their bytes (bodies and variants made so far).
    pub fn size(&self) -> (usize, usize) {
        self.documents()
            .fold((0, 0), |(n, bytes), d| (n + 1, bytes + d.size()))
    }

    fn empty() -> Snapshot {
        Snapshot {
            built_at: DateTime::<Utc>::MIN_UTC,
            model: Arc::new(ReadModel::empty()),
            langs: Default::default(),
            pieces: Default::default(),
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
    #[error("a rendering task failed: {0}")]
    Task(String),
    #[error(transparent)]
    Background(#[from] background::Lost),
}

/// What a new snapshot makes out of date among the archived documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outdated {
    /// Everything: a notice of the past, a component's name or the day changed.
    Archive,
    /// The history's order: its pages, and the JSON.
    HistoryAndJson,
    /// Only the JSON, which shows the page's last update and today's statuses.
    Json,
    Nothing,
}

/// Builds snapshots and keeps the current one.
pub struct Publisher {
    current: Arc<ArcSwap<Snapshot>>,
    store: Store,
    settings: Arc<Settings>,
    clock: Arc<dyn Clock>,
    /// One build at a time, so a slow older build never replaces a newer one.
    building: tokio::sync::Mutex<()>,
    /// Count of committed writes (watchable), and how many of them the live snapshot
    /// includes.
    committed: watch::Sender<u64>,
    published: AtomicU64,
    /// Snapshots built for writes, and in all (the timer's too).
    write_builds: AtomicU64,
    builds: AtomicU64,
    brotli: Arc<BrotliPass>,
    archive: Archive,
    /// Counts snapshots swapped in, for whoever copies them elsewhere (the mirror).
    swapped: watch::Sender<u64>,
}

impl Publisher {
    /// Starts the background threads (see `background`); fails only if they cannot be.
    pub fn new(
        store: Store,
        settings: Arc<Settings>,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Publisher> {
        let current = Arc::new(ArcSwap::from_pointee(Snapshot::empty()));
        // As many as the public readers' connections, so a slow disk read does not stop
        // the others; at their low priority more threads take nothing from writes.
        let background = Arc::new(Background::start(4)?);
        Ok(Publisher {
            brotli: BrotliPass::new(current.clone(), background.clone()),
            archive: Archive::new(background),
            current,
            store,
            settings,
            clock,
            building: tokio::sync::Mutex::new(()),
            committed: watch::Sender::new(0),
            published: AtomicU64::new(0),
            write_builds: AtomicU64::new(0),
            builds: AtomicU64::new(0),
            swapped: watch::Sender::new(0),
        })
    }

    /// The live snapshot, held for as long as the guard lives: cheap, for picking a
    /// document and answering at once (do not hold it across an `await`).
    pub fn live(&self) -> Guard<Arc<Snapshot>> {
        self.current.load()
    }

    pub fn current(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Runs `f` with the `/api/v2` objects of the live read model in `lang`.
    pub fn with_api_objects<T>(&self, lang: Lang, f: impl FnOnce(&ApiObjects) -> T) -> T {
        let snapshot = self.current();
        let fragments = fragments::Fragments::none();
        f(&ApiObjects::new(
            &snapshot.model,
            &self.settings,
            lang,
            &fragments,
        ))
    }

    /// Changes each time a new snapshot is live.
    pub fn watch_swaps(&self) -> watch::Receiver<u64> {
        self.swapped.subscribe()
    }

    /// Snapshots built so far, in all.
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    /// Snapshots built to publish writes (several writes may share one).
    pub fn write_builds(&self) -> u64 {
        self.write_builds.load(Ordering::Relaxed)
    }

    /// Writes committed so far (each announced by [`Publisher::publish_write`]).
    pub fn committed(&self) -> u64 {
        *self.committed.borrow()
    }

    /// Waits until at least `n` writes have committed and announced themselves.
    pub async fn wait_for_committed(&self, n: u64) {
        let mut rx = self.committed.subscribe();
        let _ = rx.wait_for(|c| *c >= n).await;
    }

    /// Call after a write has committed; returns once a snapshot including it is live.
    /// Writes that commit while a build runs share the next build.
    pub async fn publish_write(&self) -> Result<(), BuildError> {
        let mut seq = 0;
        self.committed.send_modify(|n| {
            *n += 1;
            seq = *n;
        });
        let _guard = self.building.lock().await;
        if self.published.load(Ordering::SeqCst) >= seq {
            // A build that started after our commit already covered it.
            return Ok(());
        }
        let covers = *self.committed.borrow();
        self.write_builds.fetch_add(1, Ordering::Relaxed);
        self.build_and_swap().await?;
        self.published.store(covers, Ordering::SeqCst);
        Ok(())
    }

    /// Rebuilds for the passing of time (relative times, windows); keeps the last good
    /// snapshot if the database cannot be read.
    pub async fn refresh(&self) -> Result<(), BuildError> {
        let _guard = self.building.lock().await;
        let covers = *self.committed.borrow();
        self.build_and_swap().await?;
        self.published.store(covers, Ordering::SeqCst);
        Ok(())
    }

    async fn build_and_swap(&self) -> Result<(), BuildError> {
        let now = self.clock.now();
        let started = std::time::Instant::now();
        // Read on the snapshot's own connection, then render without holding it.
        let previous = self.current();
        let before = previous.model.clone();
        let tz = self.settings.timezone;
        let model = self
            .store
            .read(Reader::Snapshot, move |tx| {
                ReadModel::load(tx, now, tz, &before)
            })
            .await?;
        let loaded = started.elapsed();
        let settings = self.settings.clone();
        let snapshot = tokio::task::spawn_blocking(move || {
            let t = std::time::Instant::now();
            let snapshot = build(Arc::new(model), &settings, &previous)?;
            tracing::debug!(?loaded, built = ?t.elapsed(), "snapshot built");
            let (old, new) = (&previous.model, &snapshot.model);
            let tz = settings.timezone;
            let outdated = if !new.same_past(old, tz, false) {
                Outdated::Archive
            } else if !new.same_past(old, tz, true) {
                Outdated::HistoryAndJson
            } else if new.data_version != old.data_version {
                Outdated::Json
            } else {
                Outdated::Nothing
            };
            Ok::<_, BuildError>((snapshot, outdated))
        })
        .await
        .map_err(|e| BuildError::Task(e.to_string()))?;
        let (snapshot, outdated) = snapshot?;
        let snapshot = Arc::new(snapshot);
        self.current.store(snapshot.clone());
        self.archive.invalidate(outdated);
        self.builds.fetch_add(1, Ordering::Relaxed);
        self.brotli.published();
        self.swapped.send_modify(|n| *n += 1);
        Ok(())
    }

    /// Waits until every document published so far has all its compressed variants.
    pub async fn settled(&self) {
        self.brotli.settled().await;
    }

    /// A document the snapshot does not hold: an older incident's page or JSON, or a deep
    /// history page. `None` when there is no such thing.
    pub async fn archived(
        &self,
        lang: Lang,
        page: Page<'_>,
    ) -> Result<Option<Arc<Doc>>, BuildError> {
        let Some(key) = Archive::key(lang, page, self.live().history_pages) else {
            return Ok(None);
        };
        if let Some(doc) = self.archive.cached(&key) {
            return Ok(Some(doc));
        }
        self.archive
            .render(&self.store, &self.settings, self.current(), key)
            .await
    }

    /// What customers would see of `notice` (a draft, a drill, one not saved yet) were it
    /// published, rendered from the live snapshot's data, which stays as it is.
    pub fn preview(&self, notice: &Incident) -> Result<Preview, BuildError> {
        preview(&self.current().model, &self.settings, notice)
    }

    /// Documents outside the snapshot rendered so far (each miss of the archive's cache).
    pub fn archive_renders(&self) -> u64 {
        self.archive.rendered()
    }
}

const HTML: &str = "text/html; charset=utf-8";
const PAGE: Serving = Serving::new(HTML, CachePolicy::Status);

fn html_doc(
    builder: &DocBuilder,
    serving: Serving,
    page: &impl Template,
) -> Result<Arc<Doc>, BuildError> {
    Ok(builder.build(serving, page.render()?))
}

/// Renders every public document for the model, keeping the documents of `previous`
/// whose bytes did not change, and gives each new one its gzip variant (brotli comes
/// after publishing). The two languages are rendered side by side.
pub fn build(
    model: Arc<ReadModel>,
    settings: &Settings,
    previous: &Snapshot,
) -> Result<Snapshot, BuildError> {
    let previous_pieces = &previous.pieces;
    // The history pages show past notices only: kept while the past did not change.
    let history_kept = model.same_past(&previous.model, settings.timezone, true);
    let kept = |lang: Lang| history_kept.then(|| previous.langs[slot(lang)].history.as_slice());
    let previous: Previous = previous
        .documents()
        .map(|d| (d.etag.clone(), d.clone()))
        .collect();
    let builder = DocBuilder {
        last_modified: model.last_modified,
        previous: &previous,
    };
    let m = &model;
    let epoch = Epoch {
        components: m.components_version,
        today: Some(m.now.with_timezone(&settings.timezone).date_naive()),
    };
    let pieces = &previous_pieces;
    let (ko, en) = std::thread::scope(|s| {
        let en = s.spawn(|| {
            let fragments = Fragments::new(&pieces[slot(Lang::En)], epoch);
            let docs = lang_docs(m, settings, Lang::En, &builder, &fragments, kept(Lang::En))?;
            Ok::<_, BuildError>((docs, fragments.into_pieces()))
        });
        let fragments = Fragments::new(&pieces[slot(Lang::Ko)], epoch);
        let ko = lang_docs(m, settings, Lang::Ko, &builder, &fragments, kept(Lang::Ko))
            .map(|docs| (docs, fragments.into_pieces()));
        let en = en
            .join()
            .map_err(|_| BuildError::Task("rendering the English documents panicked".into()));
        (ko, en)
    });
    let ((ko, ko_pieces), (en, en_pieces)) = (ko?, en??);
    Ok(Snapshot {
        built_at: m.now,
        langs: [ko, en],
        pieces: [ko_pieces, en_pieces],
        history_pages: history_pages(m.history_total),
        model,
    })
}

/// Today in the page's zone (dates are written relative to it).
fn epoch_today(m: &ReadModel, settings: &Settings) -> chrono::NaiveDate {
    m.now.with_timezone(&settings.timezone).date_naive()
}

/// `unchanged_history`: the previous build's history pages, when they are still right.
fn lang_docs(
    m: &ReadModel,
    settings: &Settings,
    lang: Lang,
    builder: &DocBuilder,
    fragments: &Fragments,
    unchanged_history: Option<&[Arc<Doc>]>,
) -> Result<LangDocs, BuildError> {
    let mut docs = LangDocs::default();
    let pages = history_pages(m.history_total);
    let ctx = PageContext::new(m, settings, lang);
    let fixed = |path: &str, doc| (Box::<str>::from(path), doc);
    docs.fixed.extend([
        fixed("/", html_doc(builder, PAGE, &ctx.index())?),
        fixed("/widget", html_doc(builder, PAGE, &ctx.widget_demo())?),
        fixed(
            "/embed/frame",
            html_doc(
                builder,
                Serving::new(HTML, CachePolicy::Revalidate).frameable(),
                &ctx.embed_frame(),
            )?,
        ),
    ]);
    // Pages of notices that are not over: the ones the status page links to, and whose
    // relative times move with the clock. Closed ones are the archive's.
    for notice in m.unclosed() {
        docs.incidents.insert(
            notice.id.as_str().into(),
            html_doc(builder, PAGE, &ctx.incident(notice))?,
        );
        docs.incident_json.insert(
            notice.id.as_str().into(),
            api_v2::incident_document(m, settings, lang, builder, fragments, notice),
        );
    }
    docs.history = if let Some(same) = unchanged_history {
        same.to_vec()
    } else if m.history_pages.is_empty() {
        vec![html_doc(builder, PAGE, &ctx.history(&[], 1, 1))?]
    } else {
        m.history_pages
            .iter()
            .enumerate()
            .map(|(index, ids)| {
                let notices: Vec<_> = m.notices_in(ids).collect();
                html_doc(builder, PAGE, &ctx.history(&notices, index + 1, pages))
            })
            .collect::<Result<_, _>>()?
    };
    // The days of the uptime rows that had notices: each lists them. Kept from build to
    // build while its notices, the names and the day are the same.
    for (date, ids) in &m.uptime.notice_days {
        let (date, ids) = (*date, ids.as_slice());
        let notices: Vec<&Incident> = m.notices_in(ids).collect();
        let fingerprint = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (m.names_version, epoch_today(m, settings)).hash(&mut h);
            for n in &notices {
                (&n.id, n.revision, n.updated_at).hash(&mut h);
            }
            h.finish()
        };
        let body = m
            .uptime
            .cache
            .try_get((lang, uptime::Part::Day(date)), fingerprint, || {
                ctx.day(date, &notices).render()
            })?;
        docs.fixed.insert(
            uptime::day_path(date).into(),
            builder.build(PAGE, body.to_string()),
        );
    }
    docs.fixed.extend(
        api_v2::documents(m, settings, lang, builder, fragments)
            .into_iter()
            .map(|(path, doc)| (path.into(), doc)),
    );
    docs.fixed.extend(
        feeds::documents(m, settings, lang, builder, fragments)?
            .into_iter()
            .map(|(path, doc)| (path.into(), doc)),
    );
    docs.not_found = Some(html_doc(builder, PAGE.status(404), &ctx.not_found())?);
    // Unchanged documents kept their variants; new ones get gzip now (about 6 ms per MB).
    for doc in docs.all() {
        doc.compress_gzip();
    }
    Ok(docs)
}
