//! A posted console form: a signed-in person, the session's CSRF token, and an origin
//! that is ours. A form that fails either check is refused before anything is read into
//! a command, so a forged form changes nothing.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, header};

use super::Console;
use super::session::{COOKIE, Refusal, Signed, cookie};
use crate::admin::scope;
use crate::domain::csrf_matches;
use crate::error::Error;

/// The fields of a posted form, in order; a name may repeat.
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Result<Fields, Error> {
        serde_urlencoded::from_bytes(body)
            .map(Fields)
            .map_err(|e| Error::invalid("form", format!("is not a form: {e}")))
    }

    /// The first value of `name`, trimmed; none when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every non-blank value of `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// `(rest, value)` of every non-blank field named `prefix` + rest.
    pub fn prefixed<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0
            .iter()
            .filter_map(move |(k, v)| Some((k.strip_prefix(prefix)?, v.trim())))
            .filter(|(_, v)| !v.is_empty())
    }
}

/// A form posted by a signed-in person whose role has the scope `S`.
pub struct Posted<S: scope::Required> {
    pub signed: Signed<S>,
    pub fields: Fields,
    /// The session's token, from its cookie.
    pub token: String,
}

/// Refuses a form sent from another site: by its `Origin`, or by `Sec-Fetch-Site` when a
/// browser sends that instead.
pub fn same_origin(headers: &HeaderMap, origin: &str) -> bool {
    let named = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null");
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    named.is_none_or(|o| o.eq_ignore_ascii_case(origin))
        && !matches!(fetch_site, Some("cross-site" | "same-site"))
}

/// Forms are small: a notice's texts with room to spare.
const MAX_FORM_BYTES: usize = 256 * 1024;

impl<S: scope::Required> FromRequest<Console> for Posted<S> {
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &Console) -> Result<Self, Refusal> {
        let (mut parts, body) = req.into_parts();
        let signed = Signed::<S>::from_request_parts(&mut parts, state).await?;
        let token = cookie(&parts.headers, COOKIE).unwrap_or("").to_string();
        let lang = signed.lang;
        if !same_origin(&parts.headers, &state.origin) {
            return Err(Refusal::Forbidden(lang, "origin"));
        }
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|e| {
                Refusal::Failed(lang, Error::invalid("form", format!("cannot be read: {e}")))
            })?;
        let fields = Fields::parse(&bytes).map_err(|e| Refusal::Failed(lang, e))?;
        let sent_csrf = fields.get("csrf").unwrap_or("");
        if !csrf_matches(&signed.session.csrf_token, sent_csrf) {
            return Err(Refusal::Forbidden(lang, "csrf"));
        }
        Ok(Posted {
            signed,
            fields,
            token,
        })
    }
}
