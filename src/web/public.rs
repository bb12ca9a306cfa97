//! Public routes: the status page, incident pages, history, assets, health and metrics.
//! Handlers only pick prepared documents; they never query the database for the hot set.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::serve::respond;
use crate::app::AppState;
use crate::domain::Lang;
use std::sync::Arc;

use crate::snapshot::{Doc, DocKey};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(page_at_path))
        .route("/embed/frame", get(page_at_path))
        .route("/widget", get(page_at_path))
        .route("/incidents/{id}", get(incident))
        .route("/history", get(history))
        .route("/history.rss", get(machine_doc).options(preflight))
        .route("/history.atom", get(machine_doc).options(preflight))
        .route("/api/v2/{*path}", get(machine_doc).options(preflight))
        .route("/assets/{file}", get(asset))
        .route("/widget.js", get(asset))
        .route("/embed/script.js", get(asset))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    lang: Option<String>,
    page: Option<String>,
}

/// The reader's language: `?lang=`, then `Accept-Language`, then the default. The flag
/// says whether it came from the header (so responses vary on it).
pub fn negotiate(query_lang: Option<&str>, headers: &HeaderMap, default: Lang) -> (Lang, bool) {
    if let Some(lang) = query_lang.and_then(Lang::parse) {
        return (lang, false);
    }
    let header = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    (
        header
            .and_then(Lang::from_accept_language)
            .unwrap_or(default),
        true,
    )
}

/// Pages whose document lives at their own path (`/`, `/widget`, `/embed/frame`).
async fn page_at_path(
    state: State<AppState>,
    uri: Uri,
    q: Query<PageQuery>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    page(
        &state,
        uri.path().to_string(),
        q.lang.as_deref(),
        &method,
        &headers,
    )
    .await
}

async fn incident(
    state: State<AppState>,
    Path(id): Path<String>,
    q: Query<PageQuery>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    if !(id.len() == 12
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
    {
        return not_found(&state, q.lang.as_deref(), &method, &headers);
    }
    page(
        &state,
        format!("/incidents/{id}"),
        q.lang.as_deref(),
        &method,
        &headers,
    )
    .await
}

async fn history(
    state: State<AppState>,
    q: Query<PageQuery>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let path = match q.page.as_deref().map(str::parse::<usize>) {
        None | Some(Ok(1)) => "/history".to_string(),
        Some(Ok(n)) if n > 1 => format!("/history?page={n}"),
        Some(_) => return not_found(&state, q.lang.as_deref(), &method, &headers),
    };
    page(&state, path, q.lang.as_deref(), &method, &headers).await
}

/// Feeds and JSON: the language comes from `?lang=` only (tools send arbitrary
/// `Accept-Language`), and a miss is a small JSON 404 other origins can read.
async fn machine_doc(
    State(state): State<AppState>,
    uri: Uri,
    Query(q): Query<PageQuery>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let lang = q
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(state.default_lang);
    let key = DocKey::new(uri.path(), lang);
    match find(&state, &key).await {
        Ok(Some(doc)) => respond(&doc, &headers, &method, false),
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

/// Serves a page from the snapshot, or renders an older one on demand.
async fn page(
    state: &AppState,
    path: String,
    lang: Option<&str>,
    method: &Method,
    headers: &HeaderMap,
) -> Response {
    let (lang, vary) = negotiate(lang, headers, state.default_lang);
    match find(state, &DocKey::new(path, lang)).await {
        Ok(Some(doc)) => respond(&doc, headers, method, vary),
        Ok(None) => not_found_in(state, lang, method, headers, vary),
        Err(unavailable) => unavailable,
    }
}

/// The document for `key`: from the live snapshot, else rendered on demand (older
/// incidents, deep history). `Err` holds the 503 to send if that rendering failed.
async fn find(state: &AppState, key: &DocKey) -> Result<Option<Arc<Doc>>, Response> {
    if let Some(doc) = state.publisher.current().get(key) {
        return Ok(Some(doc));
    }
    state.publisher.on_demand(key).await.map_err(|e| {
        tracing::error!(error = %e, path = %key.path, "could not render an archived document");
        (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable").into_response()
    })
}

pub fn not_found(
    state: &AppState,
    lang: Option<&str>,
    method: &Method,
    headers: &HeaderMap,
) -> Response {
    let (lang, vary) = negotiate(lang, headers, state.default_lang);
    not_found_in(state, lang, method, headers, vary)
}

fn not_found_in(
    state: &AppState,
    lang: Lang,
    method: &Method,
    headers: &HeaderMap,
    vary: bool,
) -> Response {
    match state.publisher.current().not_found(lang) {
        Some(doc) => respond(&doc, headers, method, vary),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

async fn asset(state: State<AppState>, uri: Uri, method: Method, headers: HeaderMap) -> Response {
    match state.assets.get(uri.path()) {
        Some(doc) => respond(&doc, &headers, &method, false),
        None => not_found(&state, None, &method, &headers),
    }
}

async fn healthz(state: State<AppState>) -> Response {
    let snapshot = state.publisher.current();
    let age = (state.clock.now() - snapshot.built_at).num_seconds();
    let body = serde_json::json!({ "status": "ok", "snapshot_age_seconds": age });
    let mut r = (StatusCode::OK, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn metrics(state: State<AppState>) -> Response {
    let mut r = (
        StatusCode::OK,
        state.metrics.render(&state.publisher.current()),
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
