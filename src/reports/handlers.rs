//! `POST /report` with `component` (a channel's id) and `lang`: from the status page's
//! buttons. Answers a page in the reader's words, always: thanks with the channel's
//! status and what works now, or why the report was not taken.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Reports;
use crate::console::form::{Fields, same_origin};
use crate::domain::{ComponentId, Lang};
use crate::snapshot::{ReportAnswer, is_reportable, report_answer};
use crate::web::client::client_address;
use crate::web::public::negotiate;
use crate::web::throttle::Subject;

/// A report's form is two short fields.
const MAX_FORM_BYTES: usize = 4 * 1024;
/// Time a client has to send them.
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn report(State(state): State<Reports>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let default = state.publisher.settings().default_lang;
    // A body that is too long, too slow or not a form is read as no fields at all.
    let read = tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_FORM_BYTES));
    let fields = match read.await {
        Ok(Ok(bytes)) => Fields::parse(&bytes).ok(),
        Ok(Err(_)) | Err(_) => None,
    };
    let lang = fields
        .as_ref()
        .and_then(|f| f.get("lang"))
        .and_then(Lang::parse)
        .unwrap_or_else(|| negotiate(&parts, default).0);
    if !same_origin(&parts.headers, &state.origin) {
        return answer(&state, lang, StatusCode::FORBIDDEN, ReportAnswer::CrossSite);
    }
    if parts.extensions.get::<ConnectInfo<SocketAddr>>().is_none() {
        // Every client would look like one: refuse rather than count them together.
        tracing::error!("a report came without the client's address; see web/connections.rs");
        return answer(
            &state,
            lang,
            StatusCode::SERVICE_UNAVAILABLE,
            ReportAnswer::Unavailable,
        );
    }
    let client = client_address(&parts, &state.trusted_proxies);
    if let Err(wait) = state
        .0
        .throttle
        .failed(&[Subject::address(client)], Instant::now())
    {
        let mut r = answer(
            &state,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            ReportAnswer::TooMany,
        );
        retry_after(&mut r, wait.as_secs_f64().ceil().max(1.0) as u64);
        return r;
    }
    let sent = fields.as_ref().and_then(|f| f.get("component"));
    let Some(component) = sent.and_then(|c| ComponentId::parse(c, "component").ok()) else {
        // None chosen, or not the shape of a channel's id.
        return answer(
            &state,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            ReportAnswer::Unknown,
        );
    };
    if !is_reportable(&state.publisher.live(), &component) {
        return answer(&state, lang, StatusCode::NOT_FOUND, ReportAnswer::Unknown);
    }
    match state.record(component.clone(), client).await {
        Ok(_counted) => answer(
            &state,
            lang,
            StatusCode::OK,
            ReportAnswer::Thanks(&component),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "a customer's report was not recorded");
            let mut r = answer(
                &state,
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                ReportAnswer::Unavailable,
            );
            retry_after(&mut r, u64::from(e.retry_after_seconds()));
            r
        }
    }
}

fn retry_after(r: &mut Response, seconds: u64) {
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
}

/// The answer page: never cached (it answers one report), never framed.
fn answer(state: &Reports, lang: Lang, status: StatusCode, what: ReportAnswer) -> Response {
    let live = state.publisher.current();
    match report_answer(&live, state.publisher.settings(), lang, what) {
        Ok(body) => {
            let mut response = (status, body).into_response();
            let h = response.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
                ),
            );
            h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "the answer to a customer's report could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be made",
            )
                .into_response()
        }
    }
}
