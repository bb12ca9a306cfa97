//! What every page shares: the frame of `base.html`.

use chrono::{DateTime, Utc};

use super::{PageContext, with_lang_explicit};
use crate::domain::Lang;
use crate::domain::texts::{Texts, mail_texts};

pub struct Layout<'a> {
    pub t: &'static Texts,
    pub site_name: &'a str,
    pub title: String,
    /// This page in the other language.
    pub other_lang_url: String,
    pub css_url: &'a str,
    pub rss_url: String,
    pub atom_url: String,
    /// When what the page shows last changed; `None` on pages that show no data.
    pub updated: Option<Stamp>,
    pub zone: String,
    pub home_url: String,
    /// The subscribe page, when subscriptions are on; every page's footer also has a
    /// form that subscribes an address to everything, in the page's language.
    pub subscribe_url: Option<String>,
    pub subscribe_text: &'static str,
    pub subscribe_email_label: &'static str,
    pub subscribe_button: &'static str,
}

/// A time for people and for machines (`<time datetime>`).
pub struct Stamp {
    pub text: String,
    pub iso: String,
}

impl<'a> PageContext<'a> {
    /// `updated`: when what the page shows last changed (its "last updated" line). Not
    /// the build time: a page whose content did not change keeps its bytes and ETag.
    pub(super) fn layout(
        &self,
        title: String,
        path: &str,
        updated: Option<DateTime<Utc>>,
    ) -> Layout<'a> {
        let other = if self.lang == Lang::Ko {
            Lang::En
        } else {
            Lang::Ko
        };
        Layout {
            t: self.t,
            site_name: &self.settings.site_name,
            title,
            other_lang_url: with_lang_explicit(path, other),
            css_url: &self.settings.css_url,
            rss_url: self.link("/history.rss"),
            atom_url: self.link("/history.atom"),
            updated: updated.map(|t| Stamp {
                text: self.fmt.date_time(t),
                iso: self.fmt.iso(t),
            }),
            zone: self.fmt.zone_name(),
            home_url: self.link("/"),
            subscribe_url: self
                .settings
                .subscriptions
                .then(|| self.live_link("/subscribe")),
            subscribe_text: mail_texts(self.lang).page_link,
            subscribe_email_label: mail_texts(self.lang).email_label,
            subscribe_button: mail_texts(self.lang).subscribe_button,
        }
    }
}
