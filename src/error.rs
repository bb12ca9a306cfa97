//! One error type for the whole application. API errors become RFC 9457
//! `application/problem+json`; each variant's doc names its HTTP status.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FieldError;
use crate::domain::Scope;
use crate::store::{Fault, StoreError, WriteError};
use crate::telemetry::RequestId;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: no key, an unknown key or a revoked key.
    #[error("a valid API key is required")]
    Unauthorized,
    /// 401: a console login with an unknown email, a wrong password or a disabled
    /// person: one answer for all three, so it does not tell which emails exist.
    #[error("the email or password is not right")]
    LoginRefused,
    /// 403: the key lacks the scope.
    #[error("this API key lacks the `{0}` scope")]
    Forbidden(Scope),
    /// 404
    #[error("{0} not found")]
    NotFound(String),
    /// 400: the body is not JSON at all; `field` is where it stopped being JSON, if inside one.
    #[error("the request body is not valid JSON: {message}")]
    MalformedJson { field: String, message: String },
    /// 415
    #[error("send the request body as application/json")]
    UnsupportedMediaType,
    /// 422: well-formed but invalid input, field by field.
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    /// 409: the request conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// 429: too many failed attempts from this client (or with this key); wait.
    #[error("too many failed attempts; try again in {} seconds", retry_seconds(.0))]
    TooManyAttempts(std::time::Duration),
    /// 503: the request took longer than the admin API allows.
    #[error("the request took longer than {} seconds; it may or may not have been carried out: send it again with the same Idempotency-Key", .0.as_secs())]
    Timeout(std::time::Duration),
    /// 412: `If-Match` did not match the resource's current ETag.
    #[error("the resource has changed since you read it (If-Match does not match)")]
    PreconditionFailed,
    /// 500; 503 with `Retry-After` when the database is at fault (busy, disk full,
    /// unreadable), which passes without a restart.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// 500: something that is not the database failed (the random source, a hash).
    #[error("{0}")]
    Internal(String),
    /// 503: the write is saved, but the public page could not be rebuilt yet (the timer
    /// retries); the operator should not send it again.
    #[error("saved, but the public page could not be updated yet; it will be retried shortly")]
    Unpublished(String),
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::Unauthorized | Error::LoginRefused => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::MalformedJson { .. } => StatusCode::BAD_REQUEST,
            Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Error::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Store(e) if e.fault().is_some() => StatusCode::SERVICE_UNAVAILABLE,
            Error::Store(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Error::Unpublished(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn problem_type(&self) -> &'static str {
        match self {
            Error::Unauthorized => "unauthorized",
            Error::LoginRefused => "login-refused",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound(_) => "not-found",
            Error::MalformedJson { .. } => "malformed-json",
            Error::UnsupportedMediaType => "unsupported-media-type",
            Error::Invalid(_) => "invalid-input",
            Error::Conflict(_) => "conflict",
            Error::PreconditionFailed => "precondition-failed",
            Error::TooManyAttempts(_) => "too-many-attempts",
            Error::Timeout(_) => "timeout",
            Error::Store(e) if e.fault().is_some() => "database-unavailable",
            Error::Store(_) | Error::Internal(_) => "internal",
            Error::Unpublished(_) => "not-yet-published",
        }
    }
}

/// An RFC 9457 problem: how every error is answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A relative URI naming the kind of problem, such as `/problems/invalid-input`.
    r#type: String,
    /// The HTTP reason phrase.
    title: String,
    /// The HTTP status code.
    status: u16,
    /// What went wrong, in words.
    detail: String,
    /// The fields at fault (400 and 422 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(default)]
    errors: Vec<ProblemField>,
    /// The request's id, also sent as the `x-request-id` header and written in the log
    /// line of the request: quote it to support.
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

/// One field at fault. `field` is a path such as `components.card` or `alternatives[0]`;
/// empty for the body as a whole.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FieldError)]
pub struct ProblemField {
    field: String,
    message: String,
}

impl From<&FieldError> for ProblemField {
    fn from(e: &FieldError) -> ProblemField {
        ProblemField {
            field: e.field.clone(),
            message: e.message.clone(),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        // Internal details stay in the log (written by the logging middleware).
        let fault = match &self {
            Error::Store(e) => e.fault(),
            _ => None,
        };
        let detail = match (&self, fault) {
            (Error::Store(_), Some(fault)) => format!(
                "{}; nothing was changed. Send the same request again in {} seconds.",
                fault.reason(),
                fault.retry_after_seconds()
            ),
            (Error::Store(_) | Error::Internal(_), None) => {
                "something went wrong on our side; nothing was changed".to_string()
            }
            (other, _) => other.to_string(),
        };
        let errors = match &self {
            Error::Invalid(errors) => errors.iter().map(ProblemField::from).collect(),
            Error::MalformedJson { field, .. } => vec![ProblemField {
                field: field.clone(),
                message: detail.clone(),
            }],
            _ => Vec::new(),
        };
        let body = Problem {
            r#type: format!("/problems/{}", self.problem_type()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            errors,
            request_id: RequestId::current().map(|id| id.as_str().to_string()),
        };
        let body = serde_json::to_string(&body).unwrap_or_else(|e| {
            tracing::error!(error = %e, "a problem could not be written as JSON");
            format!(
                r#"{{"type":"/problems/internal","title":"Error","status":{},"detail":"the error could not be described"}}"#,
                status.as_u16()
            )
        });
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if matches!(self, Error::Unauthorized) {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"paystatus\""),
            );
        }
        let retry_after = match (&self, fault) {
            (_, Some(fault)) => Some(fault.retry_after_seconds()),
            (Error::Unpublished(_) | Error::Timeout(_), _) => Some(5),
            (Error::TooManyAttempts(wait), _) => Some(retry_seconds(wait)),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        let internal = match &self {
            Error::Store(e) => Some(e.to_string()),
            Error::Internal(why) => Some(why.clone()),
            _ => None,
        };
        if let Some(why) = internal {
            response.extensions_mut().insert(InternalError(why));
        }
        response
    }
}

/// Whole seconds to wait, rounded up, at least one.
fn retry_seconds(wait: &std::time::Duration) -> u32 {
    let secs = wait.as_secs_f64().ceil() as u32;
    secs.max(1)
}

impl WriteError for Error {
    fn fault(&self) -> Option<Fault> {
        match self {
            Error::Store(e) => e.fault(),
            _ => None,
        }
    }
}

/// Attached to 500 responses so the logging middleware can log the cause once.
#[derive(Clone, Debug)]
pub struct InternalError(pub String);
