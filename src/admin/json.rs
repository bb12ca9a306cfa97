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
            // Every input declares its required fields `#[serde(default)]` and refuses a
            // missing one with the request's other problems, so the path names the field.
            let message = strip_position(&inner.to_string());
            let field = path;
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

/// For fields where `null` means "clear" and absence means "leave as is":
/// `#[serde(default, deserialize_with = "present")] field: Option<Option<T>>`.
pub fn present<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// An integer as JSON Schema counts one, `3` or `3.0`; null or absent is none:
/// `#[serde(default, deserialize_with = "whole_number")] field: Option<i64>`.
pub fn whole_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::de::Error;
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    n.as_i64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        })
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("`{n}` is not a whole number")))
}

/// [`whole_number`] where null means "clear" and absence "leave as is".
pub fn present_whole_number<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<i64>>, D::Error> {
    whole_number(d).map(Some)
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
        match parse::<Body>(b"{\"title\": \"x\", \"eta\": 5}") {
            Err(Error::Invalid(e)) => assert_eq!(e[0].field, "eta"),
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
