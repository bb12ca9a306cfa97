//! `/subscribers`: the email subscribers, for admins (scope `components`): a page of them,
//! all of them as CSV, an import of addresses that consented elsewhere, and removal.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::Transaction;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Admin;
use super::auth::{Auth, scope};
use super::json::JsonBody;
use super::openapi as doc;
use super::query::{PageLimit, QueryParams};
use super::views::{self, ImportedView, SubscriberPage, SubscriberView};
use super::write::{Answer, json_response, write};
use crate::domain::{ComponentId, FieldErrors, Lang, Subscriber};
use crate::error::Error;
use crate::service::Ctx;
use crate::service::subscribers::{self, ImportReport, Imported};
use crate::store::{self, Reader};

pub fn router() -> OpenApiRouter<Admin> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(export))
        .routes(routes!(import))
        .routes(routes!(remove))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubscriberQuery {
    /// `next_cursor` of the previous page: addresses after this one.
    after: Option<String>,
    /// Subscribers per page, 1 to 200 (default 50).
    #[param(inline)]
    limit: Option<PageLimit>,
}

/// List email subscribers
///
/// By address, confirmed or not. Scope: `components`.
#[utoipa::path(
    get,
    path = "/subscribers",
    operation_id = "listSubscribers",
    tag = "subscribers",
    params(SubscriberQuery),
    security(("bearer" = ["components"])),
    responses(
        (status = 200, description = "A page of subscribers", body = views::SubscriberPage),
        doc::Refused,
        doc::BadQuery,
    ),
)]
async fn list(
    State(state): State<Admin>,
    _: Auth<scope::Components>,
    QueryParams(q): QueryParams<SubscriberQuery>,
) -> Result<Response, Error> {
    let mut errors = FieldErrors::default();
    let limit = PageLimit::read(&q.limit, "limit", 50, &mut errors);
    errors.into_result().map_err(Error::Invalid)?;
    let after = q.after;
    let found = state
        .store
        .read(Reader::Operator, move |tx| {
            Ok::<_, Error>(store::subscribers_page(tx, after.as_deref(), limit + 1)?)
        })
        .await?;
    let more = found.len() > limit;
    let found = &found[..found.len().min(limit)];
    let next = found.last().filter(|_| more).map(|s| s.email.clone());
    let items = found
        .iter()
        .map(|s| SubscriberView::new(s, state.timezone))
        .collect();
    let page = views::json(&SubscriberPage::new(items, next))?;
    Ok(json_response(StatusCode::OK, &page, None, false))
}

/// Export email subscribers
///
/// Every subscriber as CSV: `email,lang,components,created_at,confirmed_at`, channels
/// separated by spaces (none: everything). Scope: `components`.
#[utoipa::path(
    get,
    path = "/subscribers/export",
    operation_id = "exportSubscribers",
    tag = "subscribers",
    security(("bearer" = ["components"])),
    responses(
        (status = 200, description = "Every subscriber", content_type = "text/csv", body = String),
        doc::Refused,
    ),
)]
async fn export(State(state): State<Admin>, _: Auth<scope::Components>) -> Result<Response, Error> {
    let all = state
        .store
        .read(Reader::Operator, |tx| {
            Ok::<_, Error>(store::subscribers_page(tx, None, usize::MAX >> 1)?)
        })
        .await?;
    let mut r = (StatusCode::OK, to_csv(&all)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    Ok(r)
}

/// Subscribers as CSV, every field quoted.
pub fn to_csv(all: &[Subscriber]) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("email,lang,components,created_at,confirmed_at\n");
    for s in all {
        let components = s.components.as_ref().map_or_else(String::new, |c| {
            c.iter()
                .map(ComponentId::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        });
        let fields = [
            quote(&s.email),
            quote(s.lang.code()),
            quote(&components),
            quote(&s.created_at.to_rfc3339()),
            quote(&s.confirmed_at.map(|t| t.to_rfc3339()).unwrap_or_default()),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportSubscribers {
    /// Must be true: every address agreed to these mails elsewhere. They are confirmed at
    /// once and sent no confirmation; without this nothing is imported.
    #[serde(default)]
    #[schema(required = true)]
    consented: bool,
    /// At most 100 a request: send more in several.
    #[serde(default)]
    #[schema(required = true, max_items = 100)]
    subscribers: Vec<ImportRow>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRow {
    #[schema(max_length = 254)]
    email: String,
    /// `ko` or `en` (default: the site's language).
    #[serde(default)]
    lang: Option<String>,
    /// Channel ids followed (at most 20); none: everything.
    #[serde(default)]
    #[schema(max_items = 20)]
    components: Vec<String>,
}

/// Rows per import: a request stays well under the admin API's body limit.
const MAX_ROWS: usize = 100;
const MAX_CHOSEN: usize = 20;

/// Rows read into the import command's input, or every problem with them.
fn read_rows(rows: Vec<ImportRow>, default: Lang) -> Result<Vec<Imported>, Error> {
    let mut errors = FieldErrors::default();
    if rows.len() > MAX_ROWS {
        errors.push("subscribers", format!("at most {MAX_ROWS} a request"));
    }
    let mut out = Vec::new();
    for (n, row) in rows.into_iter().enumerate() {
        if row.components.len() > MAX_CHOSEN {
            let field = format!("subscribers[{n}].components");
            errors.push(field, format!("at most {MAX_CHOSEN} channels"));
        }
        let lang = match row.lang.as_deref().map(Lang::parse) {
            None => default,
            Some(Some(l)) => l,
            Some(None) => {
                errors.push(format!("subscribers[{n}].lang"), "expected ko or en");
                default
            }
        };
        let field = format!("subscribers[{n}].components");
        let components = row
            .components
            .iter()
            .filter_map(|c| errors.check(ComponentId::parse(c, &field)))
            .collect();
        out.push(Imported {
            email: row.email,
            lang,
            components,
        });
    }
    errors.into_result().map_err(Error::Invalid)?;
    Ok(out)
}

/// Import email subscribers
///
/// Adds addresses that consented elsewhere, confirmed and not mailed; addresses already
/// subscribed are left as they are. All or nothing. Scope: `components`.
#[utoipa::path(
    post,
    path = "/subscribers/import",
    operation_id = "importSubscribers",
    tag = "subscribers",
    request_body(content = ImportSubscribers, content_type = "application/json"),
    security(("bearer" = ["components"])),
    responses(
        (status = 200, description = "What was imported", body = views::ImportedView),
        doc::Refused,
        doc::BadBody,
    ),
)]
async fn import(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Components>,
    body: JsonBody<ImportSubscribers>,
) -> Result<Response, Error> {
    let input = body.value;
    let default = state.writer.default_lang;
    let command = move |tx: &Transaction, ctx: &Ctx| {
        let rows = read_rows(input.subscribers, default)?;
        subscribers::import(tx, ctx, rows, input.consented)
    };
    let answer = |r: &ImportReport| {
        let view = ImportedView {
            added: r.added,
            existing: r.existing,
        };
        Ok(Answer::new(StatusCode::OK, views::json(&view)?, None))
    };
    write(&state, actor, None, command, answer).await
}

/// Remove an email subscriber
///
/// The address is deleted at once. Scope: `components`.
#[utoipa::path(
    delete,
    path = "/subscribers/{id}",
    operation_id = "removeSubscriber",
    tag = "subscribers",
    params(("id" = String, Path, description = "The subscriber id (`sub_…`)")),
    security(("bearer" = ["components"])),
    responses(
        (status = 204, description = "Removed"),
        doc::Refused,
        doc::NotFound,
    ),
)]
async fn remove(
    State(state): State<Admin>,
    Auth(actor, _): Auth<scope::Components>,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let command = move |tx: &Transaction, ctx: &Ctx| {
        let done = subscribers::remove(tx, ctx, &id, "subscriber.remove")?;
        if done.value {
            Ok(done)
        } else {
            Err(Error::NotFound("subscriber".into()))
        }
    };
    let answer = |_: &bool| Ok(Answer::new(StatusCode::NO_CONTENT, Value::Null, None));
    let response = write(&state, actor, None, command, answer).await?;
    Ok((StatusCode::NO_CONTENT, response.headers().clone()).into_response())
}
