//! `/widget`: the merchant-facing demo of the checkout banner and the iframe embed
//! (`pages/widget.html`).

use askama::Template;

use super::PageContext;
use super::layout::Layout;
use crate::domain::texts::{WidgetOptionWords, WidgetTexts};

#[derive(Template)]
#[template(path = "pages/widget.html")]
pub struct WidgetPage<'a> {
    pub layout: Layout<'a>,
    pub text: &'static WidgetTexts,
    pub snippet: String,
    pub embed_snippet: String,
    pub event_example: &'static str,
    pub options: Vec<WidgetOption>,
}

pub struct WidgetOption {
    pub name: &'static str,
    pub values: &'static str,
    pub meaning: &'static str,
}

const EVENT_EXAMPLE: &str = r#"document.addEventListener('paystatus:change', (e) => {
  const { indicator, components, incidents } = e.detail;
  document.querySelector('#pay-card').disabled = components.card !== 'operational';
});"#;

/// The banner's `data-*` options with example values, as `widget.js` reads them.
fn widget_options(words: &'static WidgetOptionWords) -> Vec<WidgetOption> {
    [
        ("data-components", "card,kakaopay", words.components),
        ("data-lang", "ko | en", words.lang),
        ("data-upcoming", "24h | 90m", words.upcoming),
        ("data-interval", "60", words.interval),
        ("data-position", "top | bottom | inline", words.position),
        ("data-theme", "auto | light | dark", words.theme),
        ("data-accent", "#b3261e", words.accent),
        ("data-background", "#ffffff", words.background),
        ("data-text", "#1b1f24", words.text),
        ("data-z-index", "2147483000", words.z_index),
    ]
    .into_iter()
    .map(|(name, values, meaning)| WidgetOption {
        name,
        values,
        meaning,
    })
    .collect()
}

impl<'a> PageContext<'a> {
    /// The merchant-facing demo of the banner.
    pub fn widget_demo(&self) -> WidgetPage<'a> {
        let base = &self.settings.base_url;
        let text = &self.t.widget;
        WidgetPage {
            layout: self.layout(
                format!("{} · {}", text.title, self.settings.site_name),
                "/widget/",
                None,
            ),
            text,
            snippet: format!(
                r#"<script src="{base}/widget.js" data-components="card,kakaopay" data-lang="{}" async></script>"#,
                self.lang.code()
            ),
            embed_snippet: format!(r#"<script src="{base}/embed/script.js"></script>"#),
            event_example: EVENT_EXAMPLE,
            options: widget_options(&self.t.widget_options),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::PageContext;
    use crate::domain::Lang;
    use crate::snapshot::fixture::{World, settings};

    #[test]
    fn the_widget_demo_speaks_the_page_language_and_gives_ready_snippets() {
        let w = World::new();
        let (model, settings) = (w.model(), settings());
        let en = PageContext::new(&model, &settings, Lang::En).widget_demo();
        assert_eq!(en.layout.title, "Checkout banner · 페이상태");
        assert_eq!(
            en.snippet,
            r#"<script src="https://status.example.com/widget.js" data-components="card,kakaopay" data-lang="en" async></script>"#
        );
        assert_eq!(
            en.embed_snippet,
            r#"<script src="https://status.example.com/embed/script.js"></script>"#
        );
        let lang = en
            .options
            .iter()
            .find(|o| o.name == "data-lang")
            .expect("the data-lang option is documented");
        assert!(lang.meaning.starts_with("Language"), "{}", lang.meaning);
        assert!(
            en.layout.updated.is_none(),
            "the demo shows no data of its own"
        );

        let ko = PageContext::new(&model, &settings, Lang::Ko).widget_demo();
        assert_eq!(ko.options.len(), en.options.len());
        assert!(ko.snippet.contains(r#"data-lang="ko""#));
        assert!(ko.options[0].meaning.starts_with("보여 줄 결제 수단"));
    }
}
