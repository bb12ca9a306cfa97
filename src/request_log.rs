//! One log line per admin API and console request: method, route template (never the
//! raw path, which holds ids and tokens), status, latency, who (a key's name or a
//! person's email, never a secret) and the request id the answer carries. Server errors
//! are logged at `error` with their cause, once, and counted.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::InternalError;
use crate::telemetry::{RequestId, actor};
use crate::web::Metrics;

/// Which face the requests come to.
#[derive(Clone)]
pub struct Face {
    pub name: &'static str,
    pub metrics: Arc<Metrics>,
}

pub async fn log_request(State(face): State<Face>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(no route)".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let (response, who) = actor::scope(next.run(request)).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let status = response.status().as_u16();
    let request_id = RequestId::current();
    let request_id = request_id.as_ref().map_or("", |id| id.as_str());
    let who = who.as_deref().unwrap_or("");
    if face.name == "admin" {
        face.metrics.admin_requests.fetch_add(1, Ordering::Relaxed);
    }
    if response.status().is_server_error() {
        face.metrics.server_errors.fetch_add(1, Ordering::Relaxed);
        let cause = response
            .extensions()
            .get::<InternalError>()
            .map(|e| e.0.as_str())
            .unwrap_or_default();
        tracing::error!(face = face.name, %method, route, status, latency_ms, who, request_id, cause, "request failed");
    } else {
        tracing::info!(face = face.name, %method, route, status, latency_ms, who, request_id, "request");
    }
    response
}
