//! Form fields as the admin API's JSON values, for the admin API's readers to read: the
//! console parses nothing itself. And what a refused form shows: the problems, with the
//! form kept.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::form::Fields;
use crate::error::Error;
use crate::service::{IfMatch, etag};

/// `{"ko": …, "en": …}` of two text fields, leaving out a blank one; `None` when both are.
pub fn localized(ko: &str, en: &str) -> Option<Value> {
    let mut text = Map::new();
    for (lang, value) in [("ko", ko), ("en", en)] {
        if !value.trim().is_empty() {
            text.insert(lang.into(), json!(value));
        }
    }
    (!text.is_empty()).then_some(Value::Object(text))
}

/// A text that replaces one that must exist (a title, a name): Korean always sent, so a
/// blank one is refused rather than left as it was; English as typed, blank clearing it.
pub fn replacing(ko: &str, en: &str) -> Value {
    let mut text = Map::new();
    text.insert("ko".into(), json!(ko));
    if !en.trim().is_empty() {
        text.insert("en".into(), json!(en));
    }
    Value::Object(text)
}

/// A number field: blank is none; anything but a whole number goes as typed, for the
/// reader to refuse in its own words.
pub fn number(typed: &str) -> Option<Value> {
    let typed = typed.trim();
    if typed.is_empty() {
        return None;
    }
    Some(
        typed
            .parse::<i64>()
            .map_or_else(|_| json!(typed), |n| json!(n)),
    )
}

/// A yes-or-no field: `true` or `false`; anything else goes as typed, for the reader to
/// refuse in its own words.
pub fn boolean(typed: &str) -> Value {
    match typed.trim() {
        "true" => json!(true),
        "false" => json!(false),
        other => json!(other),
    }
}

/// The version the form was made from (its `revision` field), so a change made since is
/// not overwritten; any version when the form does not say.
pub fn seen(fields: &Fields, id: &str) -> IfMatch {
    match fields.get("revision").and_then(|r| r.parse::<i64>().ok()) {
        Some(revision) => IfMatch::tags(Some(etag(id, revision))),
        None => IfMatch::any(),
    }
}

/// A refusal the form is shown again for, with the status and the problems in plain
/// words: what was sent (422) or a clash with what exists (409). Anything else is the
/// caller's to answer.
pub fn kept(e: Error) -> Result<(StatusCode, Vec<String>), Error> {
    match e {
        Error::Invalid(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            errors
                .iter()
                .map(|e| match e.field.as_str() {
                    "" => e.message.clone(),
                    field => format!("{field}: {}", e.message),
                })
                .collect(),
        )),
        Error::Conflict(why) => Ok((StatusCode::CONFLICT, vec![why])),
        other => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FieldError;

    #[test]
    fn blank_fields_are_left_out_and_numbers_go_as_typed_when_not_numbers() {
        assert_eq!(localized(" ", ""), None);
        assert_eq!(localized("점검", " "), Some(json!({ "ko": "점검" })));
        assert_eq!(localized("", "x"), Some(json!({ "en": "x" })));
        assert_eq!(replacing("", " "), json!({ "ko": "" }));
        assert_eq!(number(" "), None);
        assert_eq!(number(" 12 "), Some(json!(12)));
        assert_eq!(number("twelve"), Some(json!("twelve")));
        assert_eq!(boolean(" true"), json!(true));
        assert_eq!(boolean("false"), json!(false));
        assert_eq!(boolean("yes"), json!("yes"));
    }

    #[test]
    fn only_refusals_of_the_form_keep_it() {
        let invalid = Error::Invalid(vec![FieldError::new("title", "is required")]);
        assert_eq!(
            kept(invalid).ok(),
            Some((
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["title: is required".to_string()]
            ))
        );
        assert_eq!(
            kept(Error::Conflict("in use".into())).ok().map(|k| k.0),
            Some(StatusCode::CONFLICT)
        );
        assert!(kept(Error::PreconditionFailed).is_err());
    }
}
