//! Sends a prepared document: conditional GET, compression negotiation, HEAD, caching,
//! CORS and framing headers. Every public response goes through here.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};

use crate::snapshot::Doc;

/// Content-Security-Policy for everything we serve: our own files only.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   connect-src 'self'; base-uri 'none'; form-action 'self'";

/// `vary_language`: the language came from `Accept-Language`, so caches must key on it.
pub fn respond(doc: &Doc, req: &HeaderMap, method: &Method, vary_language: bool) -> Response {
    // The headers that depend only on the document are built once per document.
    let mut headers = doc
        .http_headers
        .get_or_init(|| document_headers(doc))
        .clone();
    let vary = if vary_language {
        "Accept-Encoding, Accept-Language"
    } else {
        "Accept-Encoding"
    };
    headers.insert(header::VARY, HeaderValue::from_static(vary));

    if doc.serving.status == 200 && not_modified(doc, req) {
        headers.remove(header::CONTENT_TYPE);
        return with_headers(StatusCode::NOT_MODIFIED, headers, Body::empty());
    }

    let accepted = AcceptEncoding::parse(
        req.get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok()),
    );
    let (encoding, bytes) = match (accepted.br, accepted.gzip) {
        (true, _) if doc.brotli().is_some() => (Some("br"), doc.brotli().cloned()),
        (_, true) if doc.gzip().is_some() => (Some("gzip"), doc.gzip().cloned()),
        _ => (None, None),
    };
    let bytes = bytes.unwrap_or_else(|| doc.body.clone());
    if let Some(e) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let status = StatusCode::from_u16(doc.serving.status).unwrap_or(StatusCode::OK);
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(bytes)
    };
    with_headers(status, headers, body)
}

/// Everything a document's responses share: validators, caching, type, and the
/// security and CORS headers its kind calls for.
fn document_headers(doc: &Doc) -> HeaderMap {
    let mut h = HeaderMap::new();
    let mut set = |name, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set(header::ETAG, &doc.etag);
    set(header::LAST_MODIFIED, &http_date(doc.last_modified));
    set(header::CACHE_CONTROL, doc.serving.cache.header());
    set(header::CONTENT_TYPE, doc.serving.content_type);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if doc.serving.frameable {
        set(
            header::CONTENT_SECURITY_POLICY,
            &format!("{CSP}; frame-ancestors *"),
        );
    } else {
        set(
            header::CONTENT_SECURITY_POLICY,
            &format!("{CSP}; frame-ancestors 'none'"),
        );
        set(header::X_FRAME_OPTIONS, "DENY");
    }
    if doc.serving.cors {
        set(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        set(header::ACCESS_CONTROL_EXPOSE_HEADERS, "ETag, Last-Modified");
    }
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
            let coding = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match coding.as_str() {
                "br" => br = Some(q > 0.0),
                "gzip" | "x-gzip" => gzip = Some(q > 0.0),
                "*" => star = Some(q > 0.0),
                _ => {}
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
