//! `/webhooks`: endpoints that are sent every event they ask for (signed per Standard
//! Webhooks), their secrets, a test event, and what was delivered to each.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rusqlite::Transaction;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Admin;
use super::auth::{Auth, scope};
use super::json::JsonBody;
use super::openapi as doc;
use super::views;
use super::webhook_views::{
    CreateWebhook, DeliveryList, DeliveryView, NewWebhookView, PatchWebhook, TestDeliveryView,
    WebhookList, WebhookView,
};
use super::write::{Answer, SECRET_SHOWN_ONCE, json_response, write};
use crate::domain::{WEBHOOK_CHANNEL, Webhook};
use crate::error::Error;
use crate::service::Ctx;
use crate::service::webhooks::{self, WithSecret};
use crate::store::{self, Reader};

/// Deliveries listed, newest first.
const DELIVERIES_SHOWN: usize = 100;

pub fn router() -> OpenApiRouter<Admin> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
        .routes(routes!(rotate_secret))
        .routes(routes!(send_test))
        .routes(routes!(deliveries))
}

/// List webhook endpoints
///
/// Disabled ones included (`enabled: false`, with the reason). Scope: `components`.
#[utoipa::path(
    get,
    path = "/webhooks",
    operation_id = "listWebhooks",
    tag = "webhooks",
    security(("bearer" = ["components"])),
    responses(
        (status = 200, description = "Every endpoint", body = WebhookList),
        doc::Refused,
    ),
)]
async fn list(State(state): State<Admin>, _: Auth<scope::Components>) -> Result<Response, Error> {
    let tz = state.timezone;
    let hooks = state
        .store
        .read(Reader::Operator, |tx| {
            Ok::<_, Error>(store::all_webhooks(tx)?)
        })
        .await?;
    let items = hooks.iter().map(|w| WebhookView::new(w, tz)).collect();
    let body = views::json(&WebhookList::new(items, None))?;
    Ok(json_response(StatusCode::OK, &body, None, false))
}

/// Add a webhook endpoint
///
/// The answer holds the signing secret (`secret`); it is never shown again.
/// Scope: `components`.
#[utoipa::path(
    post,
    path = "/webhooks",
    operation_id = "createWebhook",
    tag = "webhooks",
    params(doc::IdempotencyKey),
    request_body(content = CreateWebhook, content_type = "application/json"),
    security(("bearer" = ["components"])),
    responses(
        (status = 201, description = "Created", body = NewWebhookView),
        doc::Refused,
        doc::BadBody,
    ),
)]
async fn create(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Components>,
    body: JsonBody<CreateWebhook>,
) -> Result<Response, Error> {
    let (input, idem) = (body.value, body.idempotency);
    let command = move |tx: &Transaction, ctx: &Ctx| {
        webhooks::create(tx, ctx, |catalog| input.read(ctx.default_lang, catalog))
    };
    write(
        &state,
        actor,
        idem,
        command,
        with_secret(&state, StatusCode::CREATED),
    )
    .await
}

/// Read a webhook endpoint
///
/// Scope: `components`.
#[utoipa::path(
    get,
    path = "/webhooks/{id}",
    operation_id = "getWebhook",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id (`wh_…`)")),
    security(("bearer" = ["components"])),
    responses(
        (status = 200, description = "The endpoint", body = WebhookView),
        doc::Refused,
        doc::NotFound,
    ),
)]
async fn show(
    State(state): State<Admin>,
    _: Auth<scope::Components>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let w = find(&state, id).await?;
    let body = views::json(&WebhookView::new(&w, state.timezone))?;
    Ok(json_response(StatusCode::OK, &body, None, false))
}

/// Change a webhook endpoint
///
/// `enabled: true` turns a disabled endpoint back on. Scope: `components`.
#[utoipa::path(
    patch,
    path = "/webhooks/{id}",
    operation_id = "patchWebhook",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id"), doc::IdempotencyKey),
    request_body(content = PatchWebhook, content_type = "application/json"),
    security(("bearer" = ["components"])),
    responses(
        (status = 200, description = "The changed endpoint", body = WebhookView),
        doc::Refused,
        doc::BadBody,
        doc::NotFound,
    ),
)]
async fn update(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Components>,
    Path(id): Path<String>,
    body: JsonBody<PatchWebhook>,
) -> Result<Response, Error> {
    let (input, idem) = (body.value, body.idempotency);
    let command = move |tx: &Transaction, ctx: &Ctx| {
        webhooks::change(tx, ctx, &id, |_, catalog| input.read(catalog))
    };
    write(&state, actor, idem, command, view(&state, StatusCode::OK)).await
}

/// Delete a webhook endpoint
///
/// Nothing more is sent to it, pending deliveries included. Scope: `components`.
#[utoipa::path(
    delete,
    path = "/webhooks/{id}",
    operation_id = "deleteWebhook",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id")),
    security(("bearer" = ["components"])),
    responses(
        (status = 204, description = "Deleted"),
        doc::Refused,
        doc::NotFound,
    ),
)]
async fn remove(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Components>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let command = move |tx: &Transaction, ctx: &Ctx| webhooks::delete(tx, ctx, &id);
    let response = write(&state, actor, None, command, view(&state, StatusCode::OK)).await?;
    Ok((StatusCode::NO_CONTENT, response.headers().clone()).into_response())
}

/// Rotate a webhook's secret
///
/// Requests are signed with the new secret from now on; the answer holds it, the only
/// time it is shown. Scope: `components`.
#[utoipa::path(
    post,
    path = "/webhooks/{id}/rotate-secret",
    operation_id = "rotateWebhookSecret",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id")),
    security(("bearer" = ["components"])),
    responses(
        (status = 200, description = "The endpoint and its new secret", body = NewWebhookView),
        doc::Refused,
        doc::NotFound,
    ),
)]
async fn rotate_secret(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Components>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let command = move |tx: &Transaction, ctx: &Ctx| webhooks::rotate_secret(tx, ctx, &id);
    write(
        &state,
        actor,
        None,
        command,
        with_secret(&state, StatusCode::OK),
    )
    .await
}

/// Send a test event
///
/// Queues a `webhook.test` event for this endpoint alone (a disabled one too), sent and
/// retried like any other. Scope: `components`.
#[utoipa::path(
    post,
    path = "/webhooks/{id}/test",
    operation_id = "testWebhook",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id")),
    security(("bearer" = ["components"])),
    responses(
        (status = 202, description = "Queued", body = TestDeliveryView),
        doc::Refused,
        doc::NotFound,
    ),
)]
async fn send_test(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Components>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let command = move |tx: &Transaction, ctx: &Ctx| webhooks::send_test(tx, ctx, &id);
    let answer = |delivery_id: &String| {
        let view = TestDeliveryView {
            delivery_id: delivery_id.clone(),
        };
        Ok(Answer::new(StatusCode::ACCEPTED, views::json(&view)?, None))
    };
    write(&state, actor, None, command, answer).await
}

/// List a webhook's deliveries
///
/// The newest 100, each with every attempt: time, status code, latency, error.
/// Scope: `components`.
#[utoipa::path(
    get,
    path = "/webhooks/{id}/deliveries",
    operation_id = "listWebhookDeliveries",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id")),
    security(("bearer" = ["components"])),
    responses(
        (status = 200, description = "Its deliveries, newest first", body = DeliveryList),
        doc::Refused,
        doc::NotFound,
    ),
)]
async fn deliveries(
    State(state): State<Admin>,
    _: Auth<scope::Components>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let tz = state.timezone;
    let found = state
        .store
        .read(Reader::Operator, move |tx| {
            let Some(w) = store::webhook_by_id(tx, &id)? else {
                return Err(Error::NotFound("webhook".into()));
            };
            Ok(store::deliveries_to(
                tx,
                WEBHOOK_CHANNEL,
                &w.id,
                DELIVERIES_SHOWN,
            )?)
        })
        .await?;
    let items = found.iter().map(|d| DeliveryView::new(d, tz)).collect();
    let body = views::json(&DeliveryList::new(items, None))?;
    Ok(json_response(StatusCode::OK, &body, None, false))
}

async fn find(state: &Admin, id: String) -> Result<Webhook, Error> {
    state
        .store
        .read(Reader::Operator, move |tx| {
            Ok::<_, Error>(store::webhook_by_id(tx, &id)?)
        })
        .await?
        .ok_or_else(|| Error::NotFound("webhook".into()))
}

fn view(
    state: &Admin,
    status: StatusCode,
) -> impl Fn(&Webhook) -> Result<Answer, Error> + Send + 'static {
    let tz = state.timezone;
    move |w: &Webhook| {
        Ok(Answer::new(
            status,
            views::json(&WebhookView::new(w, tz))?,
            None,
        ))
    }
}

/// The answer holding the secret: the only time it is shown (a replay says so instead).
fn with_secret(
    state: &Admin,
    status: StatusCode,
) -> impl Fn(&WithSecret) -> Result<Answer, Error> + Send + 'static {
    let tz = state.timezone;
    move |made: &WithSecret| {
        let view = NewWebhookView::new(&made.webhook, &made.secret, tz);
        Ok(Answer {
            secret: Some(("secret", SECRET_SHOWN_ONCE)),
            ..Answer::new(status, views::json(&view)?, None)
        })
    }
}
