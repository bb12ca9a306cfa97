//! `/widget`: the merchant-facing demo of the checkout banner and the iframe embed
//! (`pages/widget.html`).

use askama::Template;

use super::PageContext;
use super::layout::Layout;
use crate::domain::Lang;

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

pub struct WidgetTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub snippet_heading: &'static str,
    pub preview_heading: &'static str,
    pub preview_intro: &'static str,
    pub options_heading: &'static str,
    pub attribute: &'static str,
    pub values: &'static str,
    pub meaning: &'static str,
    pub event_heading: &'static str,
    pub event_intro: &'static str,
    pub embed_heading: &'static str,
    pub embed_intro: &'static str,
}

static WIDGET_KO: WidgetTexts = WidgetTexts {
    title: "결제 화면 장애 배너",
    intro: "가맹점 결제 화면에 한 줄만 넣으면, 결제 수단에 장애나 점검이 있을 때 고객에게 바로 알리고 대신 쓸 수 있는 결제 수단을 안내합니다. 문제가 없을 때는 아무것도 보이지 않고 화면도 밀리지 않습니다.",
    snippet_heading: "넣을 코드",
    preview_heading: "미리 보기",
    preview_intro: "지금 이 상태 페이지의 실제 배너입니다. 진행 중인 장애나 24시간 안에 예정된 점검이 없으면 비어 있습니다.",
    options_heading: "설정 (data-* 속성)",
    attribute: "속성",
    values: "값",
    meaning: "설명",
    event_heading: "결제 버튼과 연동하기",
    event_intro: "배너는 상태를 읽을 때마다 document에 paystatus:change 이벤트를 보냅니다. 장애 중인 결제 수단의 버튼을 흐리게 만들 수 있습니다.",
    embed_heading: "iframe 팝업 (Statuspage 호환)",
    embed_intro: "Statuspage 임베드를 쓰던 사이트는 주소만 바꾸면 됩니다. 장애가 있을 때만 화면 구석에 작은 창이 나타납니다.",
};

static WIDGET_EN: WidgetTexts = WidgetTexts {
    title: "Checkout banner",
    intro: "One line in a merchant's checkout warns shoppers when a payment method is down or under maintenance, and tells them what to use instead. When all is well it shows nothing and shifts nothing.",
    snippet_heading: "The snippet",
    preview_heading: "Live preview",
    preview_intro: "This is the real banner for this status page. It is empty when nothing is wrong and no maintenance starts within 24 hours.",
    options_heading: "Options (data-* attributes)",
    attribute: "Attribute",
    values: "Values",
    meaning: "What it does",
    event_heading: "React in your checkout code",
    event_intro: "Each time the banner reads the status it dispatches paystatus:change on document, so your code can grey out a broken payment button.",
    embed_heading: "Iframe pop-up (Statuspage compatible)",
    embed_intro: "Sites using the Statuspage embed only change the host. A small window appears in a corner only while something is wrong.",
};

const EVENT_EXAMPLE: &str = r#"document.addEventListener('paystatus:change', (e) => {
  const { indicator, components, incidents } = e.detail;
  document.querySelector('#pay-card').disabled = components.card !== 'operational';
});"#;

fn widget_options(lang: Lang) -> Vec<WidgetOption> {
    let rows: [(&str, &str, &str, &str); 10] = [
        (
            "data-components",
            "card,kakaopay",
            "보여 줄 결제 수단 id (없으면 전체)",
            "Component ids to watch (default: all)",
        ),
        (
            "data-lang",
            "ko | en",
            "언어 (기본: 페이지의 lang, 없으면 상태 페이지의 기본 언어)",
            "Language (default: the page's lang, then the status page's default)",
        ),
        (
            "data-upcoming",
            "24h | 90m",
            "이 시간 안에 시작하는 점검도 알림",
            "Also announce maintenance starting within this time",
        ),
        (
            "data-interval",
            "60",
            "상태를 다시 읽는 간격(초, 최소 15)",
            "Seconds between status reads (at least 15)",
        ),
        (
            "data-position",
            "top | bottom | inline",
            "배너 위치 (inline: 스크립트 자리)",
            "Where the banner sits (inline: where the script is)",
        ),
        (
            "data-theme",
            "auto | light | dark",
            "색 테마 (기본: 시스템 설정)",
            "Colour theme (default: follows the system)",
        ),
        ("data-accent", "#b3261e", "강조 색", "Accent colour"),
        ("data-background", "#ffffff", "배경 색", "Background colour"),
        ("data-text", "#1b1f24", "글자 색", "Text colour"),
        (
            "data-z-index",
            "2147483000",
            "겹침 순서 (top/bottom)",
            "Stacking order (top/bottom)",
        ),
    ];
    rows.into_iter()
        .map(|(name, values, ko, en)| WidgetOption {
            name,
            values,
            meaning: if lang == Lang::Ko { ko } else { en },
        })
        .collect()
}

impl<'a> PageContext<'a> {
    /// The merchant-facing demo of the banner.
    pub fn widget_demo(&self) -> WidgetPage<'a> {
        let base = &self.settings.base_url;
        let text = if self.lang == Lang::Ko {
            &WIDGET_KO
        } else {
            &WIDGET_EN
        };
        WidgetPage {
            layout: self.layout(
                format!("{} · {}", text.title, self.settings.site_name),
                "/widget",
                None,
            ),
            text,
            snippet: format!(
                r#"<script src="{base}/widget.js" data-components="card,kakaopay" data-lang="{}" async></script>"#,
                self.lang.code()
            ),
            embed_snippet: format!(r#"<script src="{base}/embed/script.js"></script>"#),
            event_example: EVENT_EXAMPLE,
            options: widget_options(self.lang),
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
