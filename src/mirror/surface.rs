//! The public surface as files a static host serves: every document of the live
//! snapshot, the pages of the closed notices it links to, and the assets, each at the
//! path its links name (`/en/history/2/` is `/en/history/2/index.html`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::domain::Lang;
use crate::snapshot::{BuildError, Doc, Page, Publisher};
use crate::web::Assets;

#[derive(Default)]
pub struct Surface {
    /// Site path (with a leading `/`) → document, in path order.
    pub files: BTreeMap<String, Arc<Doc>>,
    /// The paths of closed notices' documents, from the archive: what readers reach
    /// least, which the mirror sends last.
    pub archived: BTreeSet<String>,
}

/// What the live snapshot publishes, as files. Closed notices' pages come from the
/// archive (rendered on its background threads, cached until the past changes).
pub async fn surface(
    publisher: &Publisher,
    assets: &Assets,
    default_lang: Lang,
) -> Result<Surface, BuildError> {
    let snapshot = publisher.current();
    let mut files = BTreeMap::new();
    for (lang, page, doc) in snapshot.pages() {
        add(&mut files, lang, default_lang, &file_path(page), doc);
    }
    for lang in [Lang::Ko, Lang::En] {
        if let Some(doc) = snapshot.not_found(lang) {
            add(&mut files, lang, default_lang, "/404.html", doc);
        }
    }
    let mut archived = BTreeMap::new();
    for id in snapshot.linked_closed_notices() {
        for lang in [Lang::Ko, Lang::En] {
            for page in [Page::Incident(id), Page::IncidentJson(id)] {
                // Deleted since the snapshot was built: nothing to copy.
                if let Some(doc) = publisher.archived(lang, page).await? {
                    add(&mut archived, lang, default_lang, &file_path(page), &doc);
                }
            }
        }
    }
    for (path, doc) in assets.all() {
        files.insert(path.to_string(), doc.clone());
    }
    Ok(Surface {
        archived: archived.keys().cloned().collect(),
        files: files.into_iter().chain(archived).collect(),
    })
}

/// Each document under its language's prefix (`/en/…`), and the default language's at
/// the root too: links to the other language name the prefix, links within a language
/// do not.
fn add(
    files: &mut BTreeMap<String, Arc<Doc>>,
    lang: Lang,
    default_lang: Lang,
    path: &str,
    doc: &Arc<Doc>,
) {
    if lang == default_lang {
        files.insert(path.to_string(), doc.clone());
    }
    files.insert(format!("/{}{path}", lang.code()), doc.clone());
}

/// Where a document lives on a static host.
pub fn file_path(page: Page) -> String {
    match page {
        Page::Fixed("/") => "/index.html".to_string(),
        Page::Fixed(path) if has_extension(path) => path.to_string(),
        Page::Fixed(path) => format!("{path}/index.html"),
        Page::Incident(id) => format!("/incidents/{id}/index.html"),
        Page::IncidentJson(id) => format!("/api/v2/incidents/{id}.json"),
        Page::History(1) => "/history/index.html".to_string(),
        Page::History(n) => format!("/history/{n}/index.html"),
    }
}

/// `/history.rss`, `/api/v2/summary.json`: a file already; `/widget`, `/history/2026-11-03`:
/// a page, kept as a folder's `index.html`.
fn has_extension(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .and_then(|last| last.rsplit_once('.'))
        .is_some_and(|(stem, ext)| {
            !stem.is_empty() && matches!(ext, "json" | "rss" | "atom" | "xml" | "js" | "css")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_live_where_their_links_point() {
        let cases = [
            (Page::Fixed("/"), "/index.html"),
            (Page::Fixed("/widget"), "/widget/index.html"),
            (Page::Fixed("/embed/frame"), "/embed/frame/index.html"),
            (
                Page::Fixed("/history/2026-11-03"),
                "/history/2026-11-03/index.html",
            ),
            (Page::Fixed("/history.rss"), "/history.rss"),
            (Page::Fixed("/api/v2/summary.json"), "/api/v2/summary.json"),
            (
                Page::Incident("abcdefabcdef"),
                "/incidents/abcdefabcdef/index.html",
            ),
            (
                Page::IncidentJson("abcdefabcdef"),
                "/api/v2/incidents/abcdefabcdef.json",
            ),
            (Page::History(1), "/history/index.html"),
            (Page::History(3), "/history/3/index.html"),
        ];
        for (page, want) in cases {
            assert_eq!(file_path(page), want, "{page:?}");
        }
    }
}
