//! The manifest beside a static copy (the export's folder, the mirror's bucket): each
//! file's type, cache policy and ETag, so a host or CDN can be set up from it and the
//! mirror knows after a restart what the bucket already holds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::surface::Surface;

/// Its name at the copy's root; not a path any page uses.
pub const MANIFEST: &str = "paystatus-manifest.json";

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub generated_at: String,
    /// Site path → what it is.
    pub files: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub content_type: String,
    pub cache_control: String,
    /// The document's own (strong, quoted) ETag, as the server sends it.
    pub etag: String,
    /// Bytes of the uncompressed body.
    pub bytes: usize,
    /// Whether other origins may read it (`Access-Control-Allow-Origin: *` on the server;
    /// on a bucket, its CORS rules).
    pub cors: bool,
}

impl Manifest {
    pub fn of(surface: &Surface, generated_at: String) -> Manifest {
        let files = surface
            .files
            .iter()
            .map(|(path, doc)| {
                let entry = Entry {
                    content_type: doc.serving.content_type.to_string(),
                    cache_control: doc.serving.cache.header().to_string(),
                    etag: doc.etag.clone(),
                    bytes: doc.body.len(),
                    cors: doc.serving.cors,
                };
                (path.clone(), entry)
            })
            .collect();
        Manifest {
            generated_at,
            files,
        }
    }
}
