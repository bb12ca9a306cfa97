//! The JSON body extractor: content type checked, errors in our problem+json shape with
//! the field at fault, unknown fields refused (by `deny_unknown_fields` on every input).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};

use super::write::Idempotency;
use crate::domain::FieldError;
use crate::error::Error;

pub struct JsonBody<T> {
    pub value: T,
    /// The `Idempotency-Key` sent with it, with a fingerprint of the request.
    pub idempotency: Option<Idempotency>,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(Error::UnsupportedMediaType);
        }
        let fingerprint_head = format!("{} {}", req.method(), req.uri().path());
        let headers = req.headers().clone();
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| Error::MalformedJson {
                field: String::new(),
                message: format!("could not read the body: {e}"),
            })?;
        let value = parse(&bytes)?;
        let mut h = Sha256::new();
        h.update(fingerprint_head.as_bytes());
        h.update([0]);
        h.update(&bytes);
        let idempotency = Idempotency::from_headers(&headers, hex::encode(h.finalize()))?;
        Ok(JsonBody { value, idempotency })
    }
}

/// Parses JSON, telling syntax errors (400) from data errors (422, with the field).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        // serde also reads a struct from an array, field by field in order; every body
        // here is an object, and one of optional fields would take `[null, null]`.
        Ok(_) if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') => Err(
            Error::Invalid(vec![FieldError::new("", "the body must be a JSON object")]),
        ),
        Ok(v) => Ok(v),
        Err(e) => {
            let inner = e.inner();
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            if inner.is_syntax() || inner.is_eof() || inner.is_io() {
                // Named when inside a field, such as a lone surrogate escape in a text.
                return Err(Error::MalformedJson {
                    field: path,
                    message: inner.to_string(),
                });
            }
            let message = strip_position(&inner.to_string());
            // serde names unknown and missing fields in the message; the path points at the
            // unknown field itself, but only at the parent of a missing one.
            let field = match (
                named(&message, "unknown field `"),
                named(&message, "missing field `"),
            ) {
                (Some(name), _) if path == name || path.ends_with(&format!(".{name}")) => path,
                // Text fields are read through a `Value`, which loses the inner path.
                (Some(name), _) if path.is_empty() => name.to_string(),
                (Some(name), _) => format!("{path}.{name}"),
                (None, Some(name)) if path.is_empty() => name.to_string(),
                (None, Some(name)) => format!("{path}.{name}"),
                (None, None) => path,
            };
            Err(Error::Invalid(vec![FieldError::new(field, message)]))
        }
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// The field a serde message names after `prefix`, such as "missing field `title`".
fn named<'a>(msg: &'a str, prefix: &str) -> Option<&'a str> {
    msg.strip_prefix(prefix)?.split('`').next()
}

/// For fields where `null` means "clear" and absence means "leave as is":
/// `#[serde(default, deserialize_with = "present")] field: Option<Option<T>>`.
pub fn present<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        title: String,
        #[serde(default, deserialize_with = "present")]
        eta: Option<Option<String>>,
    }

    #[test]
    fn syntax_errors_and_data_errors_are_told_apart() {
        assert!(matches!(
            parse::<Body>(b"{\"title\": "),
            Err(Error::MalformedJson { .. })
        ));
        // A string no Rust string can hold: not JSON text, but it is clear whose it is.
        match parse::<Body>(b"{\"title\": \"\\ud800\"}") {
            Err(Error::MalformedJson { field, .. }) => assert_eq!(field, "title"),
            other => panic!("{other:?}"),
        }
        match parse::<Body>(b"{\"title\": \"x\", \"colour\": 1}") {
            Err(Error::Invalid(e)) => assert_eq!(e[0].field, "colour"),
            other => panic!("{other:?}"),
        }
        match parse::<Body>(b"{\"title\": 5}") {
            Err(Error::Invalid(e)) => assert_eq!(e[0].field, "title"),
            other => panic!("{other:?}"),
        }
        match parse::<Body>(b"{}") {
            Err(Error::Invalid(e)) => assert_eq!(e[0].field, "title", "a missing field is named"),
            other => panic!("{other:?}"),
        }
        match parse::<Body>(b" [\"x\", null]") {
            Err(Error::Invalid(e)) => assert!(e[0].message.contains("object"), "{e:?}"),
            other => panic!("an array is not a body: {other:?}"),
        }
    }

    #[test]
    fn null_and_absent_differ() {
        let absent = parse::<Body>(b"{\"title\": \"x\"}").unwrap();
        assert_eq!((absent.title.as_str(), absent.eta), ("x", None));
        assert_eq!(
            parse::<Body>(b"{\"title\": \"x\", \"eta\": null}")
                .unwrap()
                .eta,
            Some(None)
        );
    }
}
