//! A document ready to send: its bytes, precompressed variants, ETag and headers.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock};

use axum::http::HeaderMap;
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

/// How a document is served, besides its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Serving {
    pub status: u16,
    pub content_type: &'static str,
    pub cache: CachePolicy,
    /// Whether other origins may read it (API, feeds, widget).
    pub cors: bool,
    /// Whether other sites may frame it (only the embed frame).
    pub frameable: bool,
}

impl Serving {
    pub const fn new(content_type: &'static str, cache: CachePolicy) -> Serving {
        Serving {
            status: 200,
            content_type,
            cache,
            cors: false,
            frameable: false,
        }
    }

    pub const fn cors(self) -> Serving {
        Serving { cors: true, ..self }
    }

    pub const fn frameable(self) -> Serving {
        Serving {
            frameable: true,
            ..self
        }
    }

    pub const fn status(self, status: u16) -> Serving {
        Serving { status, ..self }
    }
}

#[derive(Debug)]
pub struct Doc {
    pub serving: Serving,
    pub body: Bytes,
    /// Compressed variants (`None` inside: not worth it). Made off the request path, by
    /// [`Doc::compress`]; until then a response goes out in another encoding.
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
    /// Strong ETag, quoted.
    pub etag: String,
    pub last_modified: DateTime<Utc>,
    /// Response headers of each variant, built on first use (see [`Doc::headers`]).
    headers: [OnceLock<HeaderMap>; Variant::COUNT * 2],
}

/// Which response of a document: its encoding, or a 304.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Identity,
    Gzip,
    Brotli,
    NotModified,
}

impl Variant {
    const COUNT: usize = 4;
}

/// Bodies smaller than this are not worth compressing.
const MIN_COMPRESS: usize = 256;

/// Documents of the previous snapshot by ETag: a body that did not change keeps its
/// document, compressed variants and headers included, so nothing is done twice.
pub type Previous = HashMap<String, Arc<Doc>>;

pub struct DocBuilder<'a> {
    pub last_modified: DateTime<Utc>,
    pub previous: &'a Previous,
}

impl DocBuilder<'_> {
    pub fn build(&self, serving: Serving, body: impl Into<Bytes>) -> Arc<Doc> {
        let body: Bytes = body.into();
        let etag = etag_of(&body);
        if let Some(old) = self.previous.get(&etag)
            && old.serving == serving
        {
            return old.clone();
        }
        Arc::new(Doc {
            serving,
            body,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            etag,
            last_modified: self.last_modified,
            headers: Default::default(),
        })
    }
}

impl Doc {
    /// The gzip variant, if it has been made (and is worth sending).
    pub fn gzip(&self) -> Option<&Bytes> {
        self.gzip.get().and_then(Option::as_ref)
    }

    /// The brotli variant, if it has been made (and is worth sending).
    pub fn brotli(&self) -> Option<&Bytes> {
        self.brotli.get().and_then(Option::as_ref)
    }

    /// Makes the gzip variant, if missing. Blocking work: call it off the async workers.
    pub fn compress_gzip(&self) {
        self.gzip.get_or_init(|| {
            (self.body.len() >= MIN_COMPRESS)
                .then(|| gzip(&self.body))
                .flatten()
        });
    }

    /// Makes the brotli variant, if missing. Blocking work: call it off the async workers.
    pub fn compress_brotli(&self) {
        self.brotli.get_or_init(|| {
            (self.body.len() >= MIN_COMPRESS)
                .then(|| brotli(&self.body))
                .flatten()
        });
    }

    /// The response headers of `variant` (with `Vary: Accept-Language` or without), made
    /// by `build` the first time they are asked for.
    pub fn headers(
        &self,
        variant: Variant,
        vary_language: bool,
        build: fn(&Doc, Variant, bool) -> HeaderMap,
    ) -> HeaderMap {
        let slot = variant as usize * 2 + usize::from(vary_language);
        self.headers[slot]
            .get_or_init(|| build(self, variant, vary_language))
            .clone()
    }

    /// Whether every variant has been made.
    pub fn compressed(&self) -> bool {
        self.gzip.get().is_some() && self.brotli.get().is_some()
    }

    /// Bytes held: the body and its variants.
    pub fn size(&self) -> usize {
        self.body.len() + self.gzip().map_or(0, Bytes::len) + self.brotli().map_or(0, Bytes::len)
    }
}

pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..12]))
}

/// gzip at level 4 (zlib-rs): on our JSON as small as level 6 (within 2%), in half the
/// time; it runs on every write, before the new documents are published.
/// A failure (which writing to memory should never give) is logged, and the document is
/// served uncompressed.
pub fn gzip(body: &[u8]) -> Option<Bytes> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(4));
    match enc.write_all(body).and_then(|()| enc.finish()) {
        Ok(out) => Some(Bytes::from(out)),
        Err(e) => {
            tracing::warn!(error = %e, bytes = body.len(), "gzip failed; served uncompressed");
            None
        }
    }
}

/// Brotli at quality 5: measured on our documents it is within 1% of quality 9's size
/// at a thirtieth of the time (about 18 ms per MB on one core), so documents can be
/// compressed as they are built. Quality 11 would save another 12% at 60 times the cost.
/// (Windows below 2^20 are much slower in this encoder at this quality.)
pub fn brotli(body: &[u8]) -> Option<Bytes> {
    let mut out = Vec::with_capacity(body.len() / 4);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        lgwin: 20,
        size_hint: body.len(),
        ..Default::default()
    };
    match brotli::BrotliCompress(&mut &body[..], &mut out, &params) {
        Ok(_) => Some(Bytes::from(out)),
        Err(e) => {
            tracing::warn!(error = %e, bytes = body.len(), "brotli failed; served without it");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn variants_decompress_to_the_body_and_etags_follow_content() {
        let previous = Previous::new();
        let b = DocBuilder {
            last_modified: Utc::now(),
            previous: &previous,
        };
        let plain = Serving::new("text/plain", CachePolicy::Status);
        let body = "결제 ".repeat(200);
        let doc = b.build(plain, body.clone());
        assert!(doc.gzip().is_none(), "nothing is compressed until asked");
        doc.compress_gzip();
        doc.compress_brotli();
        let mut out = String::new();
        flate2::read::GzDecoder::new(&doc.gzip().unwrap()[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, body);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &doc.brotli().unwrap()[..], &mut out).unwrap();
        assert_eq!(out, body.as_bytes());
        assert_eq!(doc.etag, b.build(plain, body.clone()).etag);
        assert_ne!(doc.etag, b.build(plain, "other").etag);
        // An unchanged body keeps its document, variants and all.
        let previous: Previous = [(doc.etag.clone(), doc.clone())].into();
        let next = DocBuilder {
            last_modified: Utc::now(),
            previous: &previous,
        };
        assert!(Arc::ptr_eq(&next.build(plain, body.clone()), &doc));
        assert!(!Arc::ptr_eq(&next.build(plain.cors(), body.clone()), &doc));
    }
}
