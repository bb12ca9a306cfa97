//! Public routes: the status page, incident pages, history, assets, health and metrics.
//! Handlers only pick prepared documents; they never query the database for the hot set.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::health::{self, Health};
use super::serve::respond;
use super::{Metrics, Scrape, Site};
use chrono::{DateTime, Utc};

use crate::domain::Lang;
use crate::snapshot::{Doc, Page, is_notice_id};
use crate::store::{self, Reader};

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

/// `/healthz` (see `web::health` for what answers 503 and why); `?verbose` lists every
/// check.
async fn healthz(State(state): State<Site>, req: Request) -> Response {
    let (req, _) = req.into_parts();
    let verbose = req.uri.query().is_some_and(|q| {
        q.split('&')
            .any(|p| p == "verbose" || p.starts_with("verbose="))
    });
    let age = state.clock.now() - state.publisher.current().built_at;
    let (database, outbox) = health::database(&state.store).await;
    let mut checks = vec![
        database,
        health::writes(&state.store),
        health::snapshot(age, state.stale_after),
    ];
    checks.extend(outbox);
    let (overall, body) = health::answer(checks, &state.health, age, verbose);
    let status = match overall {
        Health::Fail => StatusCode::SERVICE_UNAVAILABLE,
        Health::Ok | Health::Degraded => StatusCode::OK,
    };
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `/metrics`, behind `PAYSTATUS_METRICS_TOKEN` when it is set.
async fn metrics(State(state): State<Site>, req: Request) -> Response {
    if let Some(token) = &state.metrics_token
        && !token.admits(req.headers())
    {
        let mut r = (StatusCode::UNAUTHORIZED, "a metrics token is required\n").into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"paystatus metrics\""),
        );
        return r;
    }
    let status_since = match status_since(&state).await {
        Ok(since) => Some(since),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read when channels' statuses began; paystatus_component_status_since_seconds is left out of this scrape");
            None
        }
    };
    let scrape = Scrape {
        metrics: state.metrics.clone(),
        publisher: state.publisher.clone(),
        store: state.store.clone(),
        now: state.clock.now(),
        status_since,
    };
    let body = match Metrics::render(scrape) {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "cannot write /metrics");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot write the metrics\n",
            )
                .into_response();
        }
    };
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(prometheus_client::encoding::prometheus_text::CONTENT_TYPE),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// When each live channel's status last changed: one index lookup per channel, on the
/// public lane, within a short time.
async fn status_since(
    state: &Site,
) -> Result<HashMap<String, DateTime<Utc>>, Box<dyn std::error::Error + Send + Sync>> {
    let channels: Vec<String> = state
        .publisher
        .current()
        .model()
        .components
        .iter()
        .filter(|c| !c.is_group)
        .map(|c| c.id.as_str().to_string())
        .collect();
    let read = state.store.read(Reader::Public, move |tx| {
        let mut since = HashMap::new();
        for c in channels {
            if let Some(at) = store::last_status_change(tx, &c)? {
                since.insert(c, at);
            }
        }
        Ok::<_, store::StoreError>(since)
    });
    Ok(
        tokio::time::timeout(std::time::Duration::from_secs(2), read)
            .await
            .map_err(|_| "the database did not answer within 2 s")??,
    )
}
