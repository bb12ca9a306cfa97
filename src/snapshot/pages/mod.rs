//! The HTML pages: template structs holding data already shaped for display, and the
//! code that shapes it from the read model. Templates only `if`, `for` and print.
//!
//! One file per page, as in `templates/`: [`index`], [`incident`], [`history`],
//! [`widget`], [`embed_frame`], [`not_found`] and the answer to a customer's [`report`];
//! [`preview`] has pieces of them on their own, for the console's preview of a notice. What several pages show is shaped once:
//! the [`layout`] of `base.html`, the notice [`card`] and status badge of `macros.html`,
//! and the [`timeline`] of `partials/timeline.html` (which the feeds show too).

mod card;
mod embed_frame;
mod history;
mod incident;
mod index;
mod layout;
mod not_found;
mod preview;
mod report;
mod timeline;
mod uptime;
mod widget;

pub use card::AlternativeView;
pub use history::history_pages;
pub use report::{ReportAnswer, is_reportable, report_answer};
pub use timeline::TimelineEntry;

use super::Settings;
use super::format::TimeFormat;
use super::model::ReadModel;
use crate::domain::Lang;
use crate::domain::texts::{self, Texts};

/// Shapes pages for one language.
pub struct PageContext<'a> {
    pub model: &'a ReadModel,
    pub settings: &'a Settings,
    pub lang: Lang,
    pub fmt: TimeFormat,
    pub t: &'static Texts,
}

impl<'a> PageContext<'a> {
    pub fn new(model: &'a ReadModel, settings: &'a Settings, lang: Lang) -> PageContext<'a> {
        PageContext {
            model,
            settings,
            lang,
            fmt: TimeFormat {
                lang,
                tz: settings.timezone,
                now: model.now,
            },
            t: texts::texts(lang),
        }
    }

    /// A site-relative link to a public document in this language, in a form a static
    /// host (the export, the mirror) serves as well as the server: the default language
    /// at the path itself, the other under its code (`/en/history/2/`). No query string:
    /// a bucket would ignore it.
    pub fn link(&self, path: &str) -> String {
        with_lang(path, self.lang, self.settings.default_lang)
    }

    /// A link to a page only the server answers (subscribing), the language as a
    /// parameter.
    pub fn live_link(&self, path: &str) -> String {
        if self.lang == self.settings.default_lang {
            path.to_string()
        } else {
            format!("{path}?lang={}", self.lang.code())
        }
    }

    /// The page of notice `id`, in this language.
    fn notice_url(&self, id: &str) -> String {
        self.link(&notice_path(id))
    }
}

/// A notice's page as links name it: a folder, which static hosts serve from its
/// `index.html`.
pub fn notice_path(id: &str) -> String {
    format!("/incidents/{id}/")
}

/// `path` in `lang`: the default language needs no prefix.
fn with_lang(path: &str, lang: Lang, default: Lang) -> String {
    if lang == default {
        path.to_string()
    } else {
        with_lang_explicit(path, lang)
    }
}

/// `path` under the language's own prefix (`/en/…`), which names it whatever the reader's
/// `Accept-Language`: the link to the page in the other language.
fn with_lang_explicit(path: &str, lang: Lang) -> String {
    format!("/{}{path}", lang.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_name_the_language_only_when_it_is_not_the_default() {
        assert_eq!(with_lang("/history/", Lang::Ko, Lang::Ko), "/history/");
        assert_eq!(with_lang("/history/", Lang::En, Lang::Ko), "/en/history/");
        assert_eq!(
            with_lang("/history/2/", Lang::En, Lang::Ko),
            "/en/history/2/"
        );
        assert_eq!(with_lang("/", Lang::Ko, Lang::En), "/ko/");
    }
}
