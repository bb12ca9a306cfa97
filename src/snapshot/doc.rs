//! A document ready to send: its bytes, precompressed variants, ETag and headers.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// How long caches may keep a response; applied in one place (`web::serve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachePolicy {
    /// Status documents: fresh for 5 s, then revalidated; a stale copy may be served
    /// for a day if we are down (better than nothing on the worst day).
    Status,
    /// Stored, but revalidated before each use (a cheap 304): the embed frame, which a
    /// merchant's page reloads to learn of a new incident.
    Revalidate,
    /// Versioned assets: a year, immutable.
    Immutable,
    /// Scripts merchants embed by a fixed URL (`/widget.js`): a day, then revalidated,
    /// and a stale copy for a week rather than nothing.
    EmbeddedScript,
    /// Never cached (health, metrics, admin).
    NoStore,
}

impl CachePolicy {
    pub fn header(self) -> &'static str {
        match self {
            CachePolicy::Status => {
                "public, max-age=5, stale-while-revalidate=30, stale-if-error=86400"
            }
            CachePolicy::Revalidate => "public, no-cache, stale-if-error=86400",
            CachePolicy::Immutable => "public, max-age=31536000, immutable",
            CachePolicy::EmbeddedScript => {
                "public, max-age=86400, stale-while-revalidate=604800, stale-if-error=604800"
            }
            CachePolicy::NoStore => "no-store",
        }
    }
}

#[derive(Debug)]
pub struct Doc {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Bytes,
    /// Compressed variants, made on first request (`None` inside: not worth it), so
    /// building a snapshot stays cheap however many documents it holds.
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
    /// Strong ETag, quoted.
    pub etag: String,
    pub last_modified: DateTime<Utc>,
    pub cache: CachePolicy,
    /// Whether other origins may read it (API, feeds, widget).
    pub cors: bool,
    /// Whether other sites may frame it (only the embed frame).
    pub frameable: bool,
    /// Response headers that depend only on this document, built on first use.
    pub http_headers: OnceLock<axum::http::HeaderMap>,
}

/// Bodies smaller than this are not worth compressing.
const MIN_COMPRESS: usize = 256;

/// Compressed variants already made, by ETag, carried over from the previous snapshot
/// when a body is unchanged so nothing is compressed twice.
pub type CompressionCache = HashMap<String, (Option<Option<Bytes>>, Option<Option<Bytes>>)>;

pub struct DocBuilder<'a> {
    pub last_modified: DateTime<Utc>,
    pub previous: &'a CompressionCache,
}

impl DocBuilder<'_> {
    pub fn build(
        &self,
        content_type: &'static str,
        body: impl Into<Bytes>,
        cache: CachePolicy,
    ) -> Arc<Doc> {
        let body: Bytes = body.into();
        let etag = etag_of(&body);
        let (gzip, brotli) = (OnceLock::new(), OnceLock::new());
        if let Some((gz, br)) = self.previous.get(&etag) {
            if let Some(v) = gz {
                let _ = gzip.set(v.clone());
            }
            if let Some(v) = br {
                let _ = brotli.set(v.clone());
            }
        }
        Arc::new(Doc {
            status: 200,
            content_type,
            body,
            gzip,
            brotli,
            etag,
            last_modified: self.last_modified,
            cache,
            cors: false,
            frameable: false,
            http_headers: OnceLock::new(),
        })
    }
}

impl Doc {
    pub fn gzip(&self) -> Option<&Bytes> {
        self.gzip
            .get_or_init(|| (self.body.len() >= MIN_COMPRESS).then(|| gzip(&self.body)))
            .as_ref()
    }

    pub fn brotli(&self) -> Option<&Bytes> {
        self.brotli
            .get_or_init(|| (self.body.len() >= MIN_COMPRESS).then(|| brotli(&self.body)))
            .as_ref()
    }

    /// The variants made so far, for the next snapshot's [`CompressionCache`].
    pub fn compressed(&self) -> (Option<Option<Bytes>>, Option<Option<Bytes>>) {
        (self.gzip.get().cloned(), self.brotli.get().cloned())
    }

    pub fn with(mut self: Arc<Self>, f: impl FnOnce(&mut Doc)) -> Arc<Doc> {
        if let Some(d) = Arc::get_mut(&mut self) {
            f(d);
        }
        self
    }
}

pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..12]))
}

fn gzip(body: &[u8]) -> Bytes {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(body);
    Bytes::from(enc.finish().unwrap_or_default())
}

fn brotli(body: &[u8]) -> Bytes {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 9,
        lgwin: 22,
        ..Default::default()
    };
    let _ = brotli::BrotliCompress(&mut &body[..], &mut out, &params);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn variants_decompress_to_the_body_and_etags_follow_content() {
        let previous = CompressionCache::new();
        let b = DocBuilder {
            last_modified: Utc::now(),
            previous: &previous,
        };
        let body = "결제 ".repeat(200);
        let doc = b.build("text/plain", body.clone(), CachePolicy::Status);
        let mut out = String::new();
        flate2::read::GzDecoder::new(&doc.gzip().unwrap()[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, body);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &doc.brotli().unwrap()[..], &mut out).unwrap();
        assert_eq!(out, body.as_bytes());
        assert_eq!(
            doc.etag,
            b.build("text/plain", body.clone(), CachePolicy::Status)
                .etag
        );
        assert_ne!(
            doc.etag,
            b.build("text/plain", "other", CachePolicy::Status).etag
        );
    }
}
