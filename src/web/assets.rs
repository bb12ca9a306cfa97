//! Static files embedded in the binary. Stylesheets and the frame's script are served
//! under content-hashed names and cached for a year; the scripts merchants embed keep a
//! fixed URL (`/widget.js`, `/embed/script.js`) with a day's cache, open to every origin.

use std::collections::HashMap;
use std::sync::Arc;

use crate::snapshot::{CachePolicy, Doc, DocBuilder, Previous, Serving};

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// (name, content type, bytes) of the files served under hashed names.
const HASHED: &[(&str, &str, &[u8])] = &[
    ("style.css", CSS, include_bytes!("../../assets/style.css")),
    (
        "embed-frame.css",
        CSS,
        include_bytes!("../../assets/embed-frame.css"),
    ),
    (
        "embed-frame.js",
        JS,
        include_bytes!("../../assets/embed-frame.js"),
    ),
];

/// (path, bytes) of the scripts other sites embed by a fixed URL.
const EMBEDDED_SCRIPTS: &[(&str, &[u8])] = &[
    ("/widget.js", include_bytes!("../../assets/widget.js")),
    (
        "/embed/script.js",
        include_bytes!("../../assets/embed-script.js"),
    ),
];

pub struct Assets {
    by_path: HashMap<String, Arc<Doc>>,
    urls: HashMap<&'static str, String>,
}

impl Assets {
    /// Builds every file with its compressed variants (a few milliseconds, at start-up).
    pub fn load() -> Assets {
        let none = Previous::new();
        let builder = DocBuilder {
            last_modified: chrono::Utc::now(),
            previous: &none,
        };
        let mut by_path = HashMap::new();
        let mut urls = HashMap::new();
        for (name, content_type, body) in HASHED {
            let doc = builder.build(
                Serving::new(content_type, CachePolicy::Immutable).cors(),
                *body,
            );
            let hash = &doc.etag.trim_matches('"')[..10];
            let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
            let path = format!("/assets/{stem}.{hash}.{ext}");
            urls.insert(*name, path.clone());
            by_path.insert(path, doc);
        }
        for (path, body) in EMBEDDED_SCRIPTS {
            let doc = builder.build(Serving::new(JS, CachePolicy::EmbeddedScript).cors(), *body);
            by_path.insert(path.to_string(), doc);
        }
        for doc in by_path.values() {
            doc.compress_gzip();
            doc.compress_brotli();
        }
        Assets { by_path, urls }
    }

    /// A file by its path: `/assets/<stem>.<hash>.<ext>`, `/widget.js` or `/embed/script.js`.
    pub fn get(&self, path: &str) -> Option<&Arc<Doc>> {
        self.by_path.get(path)
    }

    /// Every file, by its path.
    pub fn all(&self) -> impl Iterator<Item = (&str, &Arc<Doc>)> {
        self.by_path.iter().map(|(p, d)| (p.as_str(), d))
    }

    /// The current URL of a hashed file by its plain name, such as `style.css`.
    pub fn url(&self, name: &str) -> String {
        self.urls
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("/assets/{name}"))
    }
}
