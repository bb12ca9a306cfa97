//! Sends a prepared document: conditional GET, compression negotiation, HEAD, caching,
//! CORS and framing headers. Every public response goes through here.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};

use crate::snapshot::{Doc, Variant};

/// Content-Security-Policy for everything we serve: our own files only; only the embed
/// frame may be framed by other sites.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const CSP_FRAMEABLE: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
                   script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; \
                   frame-ancestors *";

/// `vary_language`: the language came from `Accept-Language`, so caches must key on it.
pub fn respond(doc: &Doc, req: &HeaderMap, method: &Method, vary_language: bool) -> Response {
    if doc.serving.status == 200 && not_modified(doc, req) {
        let headers = doc.headers(Variant::NotModified, vary_language, build_headers);
        return with_headers(StatusCode::NOT_MODIFIED, headers, Body::empty());
    }
    let accepted = AcceptEncoding::parse(
        req.get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok()),
    );
    let (variant, bytes) = match (accepted.br, accepted.gzip) {
        (true, _) if doc.brotli().is_some() => (Variant::Brotli, doc.brotli()),
        (_, true) if doc.gzip().is_some() => (Variant::Gzip, doc.gzip()),
        _ => (Variant::Identity, None),
    };
    let bytes = bytes.unwrap_or(&doc.body);
    // Every header, Content-Length included, was prepared for this variant of the
    // document; a response is one map clone and one reference to the bytes.
    let headers = doc.headers(variant, vary_language, build_headers);
    let status = StatusCode::from_u16(doc.serving.status).unwrap_or(StatusCode::OK);
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(bytes.clone())
    };
    with_headers(status, headers, body)
}

/// The headers of one variant of a document's responses: validators, caching, type and
/// length, encoding, `Vary`, and the security and CORS headers its kind calls for. Fixed
/// values are static, so cloning them costs no reference counting.
fn build_headers(doc: &Doc, variant: Variant, vary_language: bool) -> HeaderMap {
    let mut h = HeaderMap::with_capacity(13);
    // A slot for the request id, which `connections.rs` fills in on every response:
    // replacing a value in the cloned map costs nothing, while adding a thirteenth
    // header would reallocate and rehash it on every public read.
    h.insert(
        crate::telemetry::request_id::HEADER,
        HeaderValue::from_static("-"),
    );
    let dynamic = |value: &str| HeaderValue::from_str(value).ok();
    if let Some(v) = dynamic(&doc.etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(v) = dynamic(&http_date(doc.last_modified)) {
        h.insert(header::LAST_MODIFIED, v);
    }
    let serving = doc.serving;
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(serving.cache.header()),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if serving.frameable {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP_FRAMEABLE),
        );
    } else {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if serving.cors {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("ETag, Last-Modified"),
        );
    }
    h.insert(
        header::VARY,
        HeaderValue::from_static(if vary_language {
            "Accept-Encoding, Accept-Language"
        } else {
            "Accept-Encoding"
        }),
    );
    let length = match variant {
        Variant::NotModified => return h,
        Variant::Identity => doc.body.len(),
        Variant::Gzip => {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            doc.gzip().map_or(0, |b| b.len())
        }
        Variant::Brotli => {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
            doc.brotli().map_or(0, |b| b.len())
        }
    };
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(serving.content_type),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    h
}

fn with_headers(status: StatusCode, headers: HeaderMap, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// `If-None-Match` wins over `If-Modified-Since` (RFC 9110 §13.2.2).
fn not_modified(doc: &Doc, req: &HeaderMap) -> bool {
    if let Some(inm) = req.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        return inm
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.trim_start_matches("W/") == doc.etag);
    }
    if let Some(ims) = req
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        && let Ok(since) = DateTime::parse_from_rfc2822(ims)
    {
        return doc.last_modified.timestamp() <= since.timestamp();
    }
    false
}

pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Which encodings the client accepts (q > 0).
#[derive(Debug, Default, PartialEq, Eq)]
struct AcceptEncoding {
    br: bool,
    gzip: bool,
}

impl AcceptEncoding {
    fn parse(header: Option<&str>) -> AcceptEncoding {
        let mut out = AcceptEncoding::default();
        let mut star = None;
        let (mut br, mut gzip) = (None, None);
        for part in header.unwrap_or("").split(',') {
            let mut pieces = part.split(';');
            let coding = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let is = |name: &str| coding.eq_ignore_ascii_case(name);
            if is("br") {
                br = Some(q > 0.0);
            } else if is("gzip") || is("x-gzip") {
                gzip = Some(q > 0.0);
            } else if coding == "*" {
                star = Some(q > 0.0);
            }
        }
        out.br = br.or(star).unwrap_or(false);
        out.gzip = gzip.or(star).unwrap_or(false);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::AcceptEncoding;

    #[test]
    fn accept_encoding_honours_q_zero_and_star() {
        assert_eq!(
            AcceptEncoding::parse(Some("gzip, deflate, br")),
            AcceptEncoding {
                br: true,
                gzip: true
            }
        );
        assert_eq!(
            AcceptEncoding::parse(Some("br;q=0, gzip")),
            AcceptEncoding {
                br: false,
                gzip: true
            }
        );
        assert_eq!(
            AcceptEncoding::parse(Some("*")),
            AcceptEncoding {
                br: true,
                gzip: true
            }
        );
        assert_eq!(
            AcceptEncoding::parse(Some("identity")),
            AcceptEncoding::default()
        );
        assert_eq!(AcceptEncoding::parse(None), AcceptEncoding::default());
    }
}
