//! Customer-facing text: Korean required, English optional (falls back to Korean).

use serde::{Deserialize, Serialize};

use super::{FieldError, Lang};

/// Text as an operator may send it: a plain string in the default language, or both;
/// `Missing` where a required text was not sent (`#[serde(default)]` fields), so that it
/// is refused with the request's other problems.
#[derive(Debug, Clone, Default)]
pub enum TextInput {
    Plain(String),
    Localized(LocalizedInput),
    #[default]
    Missing,
}

impl<'de> Deserialize<'de> for TextInput {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TextInput, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

/// Reads a string or a `{ko, en}` object in place, so an error inside keeps its path.
struct TextVisitor;

impl<'de> serde::de::Visitor<'de> for TextVisitor {
    type Value = TextInput;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string, or an object with `ko` and `en`")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<TextInput, E> {
        Ok(TextInput::Plain(s.to_string()))
    }

    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<TextInput, E> {
        Ok(TextInput::Plain(s))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<TextInput, A::Error> {
        LocalizedInput::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            .map(TextInput::Localized)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalizedInput {
    pub ko: Option<String>,
    pub en: Option<String>,
}

/// How long a text may be, in characters, by what it is used for.
#[derive(Debug, Clone, Copy)]
pub enum TextKind {
    /// Titles and names: one line.
    Title,
    /// Update messages, descriptions, postmortems.
    Body,
    /// Instructions next to an alternative payment method.
    Instructions,
}

impl TextKind {
    pub fn max_chars(self) -> usize {
        match self {
            TextKind::Title => 200,
            TextKind::Body => 5000,
            TextKind::Instructions => 500,
        }
    }

    fn single_line(self) -> bool {
        matches!(self, TextKind::Title)
    }
}

/// Validated text in both languages. `ko` is never empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedText {
    pub ko: String,
    pub en: Option<String>,
}

impl LocalizedText {
    /// Parses operator input. A plain string is taken as the default language; with
    /// English as default it also stands in for Korean, which must never be empty.
    pub fn parse(
        input: &TextInput,
        kind: TextKind,
        default_lang: Lang,
        field: &str,
    ) -> Result<LocalizedText, FieldError> {
        match input {
            TextInput::Plain(s) => {
                let s = clean(s, kind, field)?;
                Ok(match default_lang {
                    Lang::Ko => LocalizedText { ko: s, en: None },
                    Lang::En => LocalizedText {
                        ko: s.clone(),
                        en: Some(s),
                    },
                })
            }
            TextInput::Missing => Err(FieldError::new(field, "is required")),
            TextInput::Localized(l) => {
                let ko = match &l.ko {
                    Some(ko) => clean(ko, kind, &format!("{field}.ko"))?,
                    None => {
                        return Err(FieldError::new(
                            format!("{field}.ko"),
                            "Korean text is required",
                        ));
                    }
                };
                let en = match &l.en {
                    Some(en) if en.trim().is_empty() => None,
                    Some(en) => Some(clean(en, kind, &format!("{field}.en"))?),
                    None => None,
                };
                Ok(LocalizedText { ko, en })
            }
        }
    }

    pub fn plain(ko: impl Into<String>, en: impl Into<String>) -> LocalizedText {
        LocalizedText {
            ko: ko.into(),
            en: Some(en.into()),
        }
    }

    /// The text in `lang`, falling back to Korean.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ko => &self.ko,
            Lang::En => self.en.as_deref().unwrap_or(&self.ko),
        }
    }
}

fn clean(s: &str, kind: TextKind, field: &str) -> Result<String, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    // Zero-width and direction marks alone would show a notice with no words.
    if s.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
        return Err(FieldError::new(
            field,
            "has no visible characters (only spaces, zero-width or direction marks)",
        ));
    }
    let chars = s.chars().count();
    if chars > kind.max_chars() {
        return Err(FieldError::new(
            field,
            format!(
                "is {chars} characters long; at most {} are allowed",
                kind.max_chars()
            ),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && !(c == '\n' || c == '\t' || c == '\r'))
    {
        return Err(FieldError::new(field, "contains control characters"));
    }
    // Feeds are XML, which cannot carry U+FFFE or U+FFFF; no noncharacter is meant as text.
    if s.chars().any(is_noncharacter) {
        return Err(FieldError::new(
            field,
            "contains Unicode noncharacters (such as U+FFFF)",
        ));
    }
    if kind.single_line() && s.contains(['\n', '\r']) {
        return Err(FieldError::new(field, "must be a single line"));
    }
    Ok(s.replace("\r\n", "\n"))
}

/// Format characters that take no space: zero-width spaces and joiners, direction marks
/// and overrides, the word joiner and the byte order mark.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{034F}'
            | '\u{180E}'
            | '\u{FEFF}'
    )
}

/// U+FDD0–U+FDEF and the last two code points of every plane.
fn is_noncharacter(c: char) -> bool {
    matches!(c as u32, 0xFDD0..=0xFDEF) || (c as u32) & 0xFFFE == 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> TextInput {
        TextInput::Plain(s.to_string())
    }

    #[test]
    fn plain_text_is_trimmed_and_taken_as_korean() {
        let t = LocalizedText::parse(
            &plain("  카드 결제 지연 "),
            TextKind::Title,
            Lang::Ko,
            "title",
        )
        .unwrap();
        assert_eq!(t.ko, "카드 결제 지연");
        assert_eq!(
            t.get(Lang::En),
            "카드 결제 지연",
            "English falls back to Korean"
        );
    }

    #[test]
    fn plain_text_with_english_default_fills_both() {
        let t = LocalizedText::parse(&plain("Card delays"), TextKind::Title, Lang::En, "title")
            .unwrap();
        assert_eq!(t.ko, "Card delays");
        assert_eq!(t.en.as_deref(), Some("Card delays"));
    }

    #[test]
    fn empty_overlong_and_multiline_titles_are_refused() {
        for (input, why) in [
            ("   ", "blank"),
            ("a\nb", "two lines"),
            ("bell\u{7}", "control character"),
            (
                "카드\u{FFFF}",
                "noncharacter U+FFFF, which XML cannot carry",
            ),
            ("카드\u{FDD0}", "noncharacter U+FDD0"),
            ("카드\u{10FFFE}", "noncharacter U+10FFFE"),
            ("\u{200B}\u{200D}\u{FEFF}", "only zero-width characters"),
            ("\u{202E}\u{2066}", "only direction marks"),
        ] {
            assert!(
                LocalizedText::parse(&plain(input), TextKind::Title, Lang::Ko, "title").is_err(),
                "{why} should be refused"
            );
        }
        let long = "가".repeat(201);
        let err =
            LocalizedText::parse(&plain(&long), TextKind::Title, Lang::Ko, "title").unwrap_err();
        assert_eq!(err.field, "title");
        let ok = "가".repeat(200);
        assert!(LocalizedText::parse(&plain(&ok), TextKind::Title, Lang::Ko, "title").is_ok());
    }

    #[test]
    fn localized_input_requires_korean() {
        let input = TextInput::Localized(LocalizedInput {
            ko: None,
            en: Some("x".into()),
        });
        let err = LocalizedText::parse(&input, TextKind::Body, Lang::Ko, "message").unwrap_err();
        assert_eq!(err.field, "message.ko");
        let input = TextInput::Localized(LocalizedInput {
            ko: Some("가".into()),
            en: Some(" ".into()),
        });
        let t = LocalizedText::parse(&input, TextKind::Body, Lang::Ko, "message").unwrap();
        assert_eq!(t.en, None, "blank English is treated as absent");
    }

    #[test]
    fn markup_is_kept_verbatim_for_escaping_at_render_time() {
        let t = LocalizedText::parse(&plain("<b>&</b>"), TextKind::Title, Lang::Ko, "t").unwrap();
        assert_eq!(t.ko, "<b>&</b>");
    }
}
