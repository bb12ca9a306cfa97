//! Static files embedded in the binary, served under content-hashed names so they can
//! be cached for a year.

use std::collections::HashMap;
use std::sync::Arc;

use crate::snapshot::{CachePolicy, CompressionCache, Doc, DocBuilder};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[Asset {
    name: "style.css",
    content_type: "text/css; charset=utf-8",
    body: include_bytes!("../../assets/style.css"),
}];

/// The embedded assets, each under `/assets/<stem>.<hash>.<ext>`.
pub struct Assets {
    by_path: HashMap<String, Arc<Doc>>,
    urls: HashMap<&'static str, String>,
}

impl Assets {
    pub fn load() -> Assets {
        let none = CompressionCache::new();
        let builder = DocBuilder {
            last_modified: chrono::Utc::now(),
            previous: &none,
        };
        let mut by_path = HashMap::new();
        let mut urls = HashMap::new();
        for a in ASSETS {
            let doc = builder.build(a.content_type, a.body, CachePolicy::Immutable);
            let hash = &doc.etag.trim_matches('"')[..10];
            let (stem, ext) = a.name.rsplit_once('.').unwrap_or((a.name, ""));
            let path = format!("/assets/{stem}.{hash}.{ext}");
            urls.insert(a.name, path.clone());
            by_path.insert(path, doc);
        }
        Assets { by_path, urls }
    }

    pub fn get(&self, path: &str) -> Option<Arc<Doc>> {
        self.by_path.get(path).cloned()
    }

    /// The current URL of an asset by its plain name, such as `style.css`.
    pub fn url(&self, name: &str) -> String {
        self.urls
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("/assets/{name}"))
    }
}
