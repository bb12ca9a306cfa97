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

    /// A site-relative link in this language (Korean links carry no `lang`).
    pub fn link(&self, path: &str) -> String {
        with_lang(path, self.lang, self.settings.default_lang)
    }

    /// The page of notice `id`, in this language.
    fn notice_url(&self, id: &str) -> String {
        self.link(&format!("/incidents/{id}"))
    }
}

/// `path` in `lang`: the default language needs no parameter.
fn with_lang(path: &str, lang: Lang, default: Lang) -> String {
    if lang == default {
        path.to_string()
    } else {
        with_lang_explicit(path, lang)
    }
}

fn with_lang_explicit(path: &str, lang: Lang) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}lang={}", lang.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_name_the_language_only_when_it_is_not_the_default() {
        assert_eq!(with_lang("/history", Lang::Ko, Lang::Ko), "/history");
        assert_eq!(
            with_lang("/history", Lang::En, Lang::Ko),
            "/history?lang=en"
        );
        assert_eq!(
            with_lang("/history?page=2", Lang::En, Lang::Ko),
            "/history?page=2&lang=en"
        );
        assert_eq!(with_lang("/", Lang::Ko, Lang::En), "/?lang=ko");
    }
}
