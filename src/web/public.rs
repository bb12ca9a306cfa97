//! Public routes: the status page, incident pages, history, assets, health and metrics.
//! Handlers only pick prepared documents; they never query the database for the hot set.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::Site;
use super::serve::respond;
use crate::domain::Lang;
use crate::snapshot::{Doc, Page, is_notice_id};

pub fn router() -> Router<Site> {
    Router::new()
        .route("/", get(page_at_path))
        .route("/embed/frame", get(page_at_path))
        .route("/widget", get(page_at_path))
        .route("/incidents/{id}", get(incident))
        .route("/history", get(history))
        .route("/history/{day}", get(page_at_path))
        .route("/history.rss", get(machine_doc).options(preflight))
        .route("/history.atom", get(machine_doc).options(preflight))
        .route("/api/v2/{*path}", get(machine_doc).options(preflight))
        .route("/assets/{file}", get(asset))
        .route("/widget.js", get(asset))
        .route("/embed/script.js", get(asset))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

/// A query parameter's raw value. Ours are plain (`ko`, `en`, digits), so nothing needs
/// decoding; reading them by hand keeps the hot path free of allocations.
fn param<'a>(req: &'a Parts, name: &str) -> Option<&'a str> {
    req.uri
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// The reader's language: `?lang=`, then `Accept-Language`, then the default. The flag
/// says whether it came from the header (so responses vary on it).
pub fn negotiate(req: &Parts, default: Lang) -> (Lang, bool) {
    if let Some(lang) = param(req, "lang").and_then(Lang::parse) {
        return (lang, false);
    }
    let header = req
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    (
        header
            .and_then(Lang::from_accept_language)
            .unwrap_or(default),
        true,
    )
}

/// Pages whose document lives at their own path (`/`, `/widget`, `/embed/frame`, and the
/// days of the uptime rows, `/history/2026-11-03`, which the snapshot holds when they had
/// notices; any other is not found without a query).
async fn page_at_path(State(state): State<Site>, req: Request) -> Response {
    let (req, _) = req.into_parts();
    page(&state, Page::Fixed(req.uri.path()), &req).await
}

async fn incident(State(state): State<Site>, req: Request) -> Response {
    let (req, _) = req.into_parts();
    match req.uri.path().strip_prefix("/incidents/") {
        Some(id) if is_notice_id(id) => page(&state, Page::Incident(id), &req).await,
        _ => not_found(&state, &req),
    }
}

async fn history(State(state): State<Site>, req: Request) -> Response {
    let (req, _) = req.into_parts();
    match param(&req, "page").map(str::parse::<usize>) {
        None => page(&state, Page::History(1), &req).await,
        Some(Ok(n)) if n >= 1 => page(&state, Page::History(n), &req).await,
        Some(_) => not_found(&state, &req),
    }
}

/// Feeds and JSON: the language comes from `?lang=` only (tools send arbitrary
/// `Accept-Language`), and a miss is a small JSON 404 other origins can read.
async fn machine_doc(State(state): State<Site>, req: Request) -> Response {
    let (req, _) = req.into_parts();
    let lang = param(&req, "lang")
        .and_then(Lang::parse)
        .unwrap_or(state.default_lang);
    let path = req.uri.path();
    let page = if path.starts_with("/api/v2/") {
        Page::api(path)
    } else {
        Page::Fixed(path)
    };
    if let Some(response) = from_snapshot(&state, lang, page, &req, false) {
        return response;
    }
    match archived(&state, lang, page).await {
        Ok(Some(doc)) => send(&state, &doc, &req, false),
        Err(unavailable) => unavailable,
        Ok(None) => {
            let mut r = (StatusCode::NOT_FOUND, r#"{"error":"not found"}"#).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
            r
        }
    }
}

/// CORS preflight for the documents other origins read: GET and HEAD, no credentials.
async fn preflight() -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("If-None-Match, If-Modified-Since"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    r
}

/// Serves a page from the snapshot, or from the archive of older documents.
async fn page(state: &Site, page: Page<'_>, req: &Parts) -> Response {
    let (lang, vary) = negotiate(req, state.default_lang);
    if let Some(response) = from_snapshot(state, lang, page, req, vary) {
        return response;
    }
    match archived(state, lang, page).await {
        Ok(Some(doc)) => send(state, &doc, req, vary),
        Ok(None) => not_found_in(state, lang, req, vary),
        Err(unavailable) => unavailable,
    }
}

/// The answer from the live snapshot, if it holds the document: no lock, no query, no
/// allocation but the response's own.
fn from_snapshot(
    state: &Site,
    lang: Lang,
    page: Page,
    req: &Parts,
    vary: bool,
) -> Option<Response> {
    let live = state.publisher.live();
    let doc = live.get(lang, page)?;
    Some(send(state, doc, req, vary))
}

/// Sends a document (counted for /metrics).
fn send(state: &Site, doc: &Doc, req: &Parts, vary_language: bool) -> Response {
    state
        .metrics
        .public_requests
        .fetch_add(1, Ordering::Relaxed);
    respond(doc, &req.headers, &req.method, vary_language)
}

/// A document outside the snapshot (older incidents, deep history). `Err` holds the 503
/// to send if it could not be read or rendered.
async fn archived(state: &Site, lang: Lang, page: Page<'_>) -> Result<Option<Arc<Doc>>, Response> {
    state.publisher.archived(lang, page).await.map_err(|e| {
        state.metrics.server_errors.fetch_add(1, Ordering::Relaxed);
        tracing::error!(error = %e, ?page, "could not render an archived document");
        (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable").into_response()
    })
}

/// The not-found page in the reader's language.
pub fn not_found(state: &Site, req: &Parts) -> Response {
    let (lang, vary) = negotiate(req, state.default_lang);
    not_found_in(state, lang, req, vary)
}

fn not_found_in(state: &Site, lang: Lang, req: &Parts, vary: bool) -> Response {
    match state.publisher.live().not_found(lang) {
        Some(doc) => send(state, doc, req, vary),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

async fn asset(State(state): State<Site>, req: Request) -> Response {
    let (req, _) = req.into_parts();
    match state.assets.get(req.uri.path()) {
        Some(doc) => send(&state, doc, &req, false),
        None => not_found(&state, &req),
    }
}

/// `ok`, or `degraded` with the reason while the database refuses writes. Either way the
/// answer is 200: the page is still served (from the last good snapshot), so a load
/// balancer should keep sending readers here.
async fn healthz(state: State<Site>) -> Response {
    let snapshot = state.publisher.current();
    let age = (state.clock.now() - snapshot.built_at).num_seconds();
    let body = match state.store.fault() {
        None => serde_json::json!({ "status": "ok", "snapshot_age_seconds": age }),
        Some(seen) => serde_json::json!({
            "status": "degraded",
            "reason": seen.fault.reason(),
            "detail": seen.detail,
            "since": seen.since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "writes": "refused until the database recovers; the page shows the last good snapshot",
            "snapshot_age_seconds": age,
        }),
    };
    let mut body = body;
    if let Some(mirror) = &state.mirror {
        body["mirror"] = mirror.report().to_json();
    }
    let mut r = (StatusCode::OK, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn metrics(state: State<Site>) -> Response {
    let mut r = (
        StatusCode::OK,
        state
            .metrics
            .render(&state.publisher, &state.store, state.mirror.as_deref()),
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
