//! The HTML pages: template structs holding data already shaped for display, and the
//! code that shapes it from the read model. Templates only `if`, `for` and print.

use askama::Template;
use chrono::{DateTime, Utc};

use super::Settings;
use super::format::TimeFormat;
use super::model::{HISTORY_PAGE_SIZE, ReadModel};
use super::texts::{self, Texts};
use crate::domain::{ComponentStatus, Incident, Kind, Lang};

/// What every page shares (the layout in `base.html`).
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
}

/// A time for people and for machines (`<time datetime>`).
pub struct Stamp {
    pub text: String,
    pub iso: String,
}

#[derive(Template)]
#[template(path = "pages/index.html")]
pub struct IndexPage<'a> {
    pub layout: Layout<'a>,
    pub banner: Banner,
    pub incidents: Vec<NoticeCard>,
    pub maintenances_now: Vec<NoticeCard>,
    pub maintenances_upcoming: Vec<NoticeCard>,
    pub groups: Vec<ChannelGroup>,
    pub history_url: String,
}

#[derive(Template)]
#[template(path = "pages/incident.html")]
pub struct IncidentPage<'a> {
    pub layout: Layout<'a>,
    pub card: NoticeCard,
    pub timeline: Vec<TimelineEntry>,
    pub eta_revisions: Vec<String>,
    pub postmortem: Vec<String>,
    pub started: String,
    pub resolved: Option<String>,
    pub duration: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/history.html")]
pub struct HistoryPage<'a> {
    pub layout: Layout<'a>,
    pub items: Vec<HistoryItem>,
    pub page: usize,
    pub pages: usize,
    pub newer_url: Option<String>,
    pub older_url: Option<String>,
}

#[derive(Template)]
#[template(path = "errors/not_found.html")]
pub struct NotFoundPage<'a> {
    pub layout: Layout<'a>,
}

pub struct Banner {
    /// The indicator's wire name, for styling.
    pub class: &'static str,
    pub icon: &'static str,
    pub text: &'static str,
    /// "영향을 받는 결제 수단: 신용·체크카드 (장애)"
    pub affected: Option<String>,
}

/// A status shown with an icon and words, never by colour alone.
pub struct StatusBadge {
    pub class: &'static str,
    pub icon: &'static str,
    pub label: &'static str,
}

impl StatusBadge {
    pub fn component(s: ComponentStatus, lang: Lang) -> StatusBadge {
        let icon = match s {
            ComponentStatus::Operational => "✓",
            ComponentStatus::DegradedPerformance => "!",
            ComponentStatus::PartialOutage => "◐",
            ComponentStatus::MajorOutage => "✕",
            ComponentStatus::UnderMaintenance => "⚙",
        };
        StatusBadge {
            class: s.as_str(),
            icon,
            label: s.label(lang),
        }
    }
}

pub struct NoticeCard {
    pub url: String,
    pub title: String,
    pub status_class: &'static str,
    pub status_label: &'static str,
    pub latest_message: String,
    pub latest_time: String,
    pub latest_iso: String,
    /// "15:30 (약 25분 후)"
    pub eta: Option<String>,
    pub eta_passed: bool,
    pub next_update: Option<String>,
    pub next_update_overdue: bool,
    pub alternatives: Vec<AlternativeView>,
    pub affected: Vec<ChannelRow>,
    /// "11월 26일 00:00 – 00:30"
    pub window: Option<String>,
}

pub struct AlternativeView {
    pub name: String,
    pub instructions: String,
}

pub struct ChannelRow {
    pub name: String,
    pub description: Option<String>,
    pub badge: StatusBadge,
}

pub struct ChannelGroup {
    /// `None` for channels outside any group.
    pub name: Option<String>,
    pub badge: Option<StatusBadge>,
    pub channels: Vec<ChannelRow>,
}

pub struct TimelineEntry {
    pub time: String,
    pub iso: String,
    pub label: &'static str,
    pub class: &'static str,
    pub paragraphs: Vec<String>,
    pub changes: Vec<String>,
}

pub struct HistoryItem {
    pub url: String,
    pub title: String,
    pub kind_label: &'static str,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub date: String,
    pub iso: String,
    pub duration: Option<String>,
    pub affected: String,
}

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

    /// `updated`: when what the page shows last changed (its "last updated" line). Not
    /// the build time: a page whose content did not change keeps its bytes and ETag.
    fn layout(&self, title: String, path: &str, updated: Option<DateTime<Utc>>) -> Layout<'a> {
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
        }
    }

    pub fn index(&self) -> IndexPage<'a> {
        let m = self.model;
        let indicator = m.indicator();
        let affected: Vec<String> = m
            .components
            .iter()
            .filter(|c| !c.is_group && !c.status.is_operational())
            .map(|c| format!("{} ({})", c.name.get(self.lang), c.status.label(self.lang)))
            .collect();
        let banner = Banner {
            class: indicator.as_str(),
            icon: if indicator == crate::domain::Indicator::None {
                "✓"
            } else {
                "!"
            },
            text: indicator.banner(self.lang),
            affected: (!affected.is_empty())
                .then(|| format!("{}: {}", self.t.affected, affected.join(", "))),
        };
        IndexPage {
            layout: self.layout(
                format!("{} · {}", self.t.page_title, self.settings.site_name),
                "/",
                Some(m.last_modified),
            ),
            banner,
            incidents: m
                .notices_in(&m.open_incidents)
                .map(|i| self.card(i))
                .collect(),
            maintenances_now: m
                .notices_in(&m.active_maintenances)
                .map(|i| self.card(i))
                .collect(),
            maintenances_upcoming: m
                .notices_in(&m.upcoming_maintenances)
                .map(|i| self.card(i))
                .collect(),
            groups: self.channel_groups(),
            history_url: self.link("/history"),
        }
    }

    fn channel_groups(&self) -> Vec<ChannelGroup> {
        let m = self.model;
        let mut groups: Vec<ChannelGroup> = Vec::new();
        for c in m.components.iter().filter(|c| c.group_id.is_none()) {
            if c.is_group {
                let channels: Vec<ChannelRow> = m
                    .members(&c.id)
                    .map(|member| self.channel_row(member))
                    .collect();
                if channels.is_empty() {
                    continue;
                }
                groups.push(ChannelGroup {
                    name: Some(c.name.get(self.lang).to_string()),
                    badge: Some(StatusBadge::component(m.status_of(c), self.lang)),
                    channels,
                });
            } else {
                // Consecutive ungrouped channels share one list.
                match groups.last_mut() {
                    Some(g) if g.name.is_none() => g.channels.push(self.channel_row(c)),
                    _ => groups.push(ChannelGroup {
                        name: None,
                        badge: None,
                        channels: vec![self.channel_row(c)],
                    }),
                }
            }
        }
        groups
    }

    fn channel_row(&self, c: &crate::domain::Component) -> ChannelRow {
        ChannelRow {
            name: c.name.get(self.lang).to_string(),
            description: c.description.as_ref().map(|d| d.get(self.lang).to_string()),
            badge: StatusBadge::component(self.model.status_of(c), self.lang),
        }
    }

    pub fn card(&self, i: &Incident) -> NoticeCard {
        let latest = i.latest_update();
        let open = !i.status.is_closed();
        let fmt = &self.fmt;
        let eta = i.eta.filter(|_| open && i.kind == Kind::Incident);
        let eta_text = eta.map(|e| match fmt.until(e) {
            Some(rel) => format!("{} ({rel})", fmt.short(e)),
            None => fmt.short(e),
        });
        let next = i.next_update_at.filter(|_| open);
        let alternatives = if open {
            self.model
                .recommended(i)
                .into_iter()
                .map(|s| {
                    let name = self.model.name(s.component, self.lang);
                    let instructions = match s.instructions {
                        Some(t) => t.get(self.lang).to_string(),
                        None => texts::default_instructions(self.lang, &name),
                    };
                    AlternativeView { name, instructions }
                })
                .collect()
        } else {
            Vec::new()
        };
        let affected = i
            .components
            .iter()
            .map(|a| {
                // While it is going on, each channel as it is now; once over, as the
                // notice left it (so an old page does not change with today's status).
                let status = if open {
                    self.model.current_status(&a.id).unwrap_or(a.status)
                } else {
                    a.status
                };
                ChannelRow {
                    name: self.model.name(&a.id, self.lang),
                    description: None,
                    badge: StatusBadge::component(status, self.lang),
                }
            })
            .collect();
        NoticeCard {
            url: self.link(&format!("/incidents/{}", i.id)),
            title: i.title.get(self.lang).to_string(),
            status_class: i.status.as_str(),
            status_label: i.status.label(self.lang),
            latest_message: latest
                .map(|u| u.message.get(self.lang).to_string())
                .unwrap_or_default(),
            latest_time: latest.map(|u| fmt.short(u.created_at)).unwrap_or_default(),
            latest_iso: latest.map(|u| fmt.iso(u.created_at)).unwrap_or_default(),
            eta_passed: eta.is_some_and(|e| e < self.model.now),
            eta: eta_text,
            next_update_overdue: next.is_some_and(|n| n < self.model.now),
            next_update: next.map(|n| texts::next_update_by(self.lang, &fmt.short(n))),
            alternatives,
            affected,
            window: i.window.map(|w| {
                format!(
                    "{} – {}",
                    fmt.date_time(w.starts),
                    self.end_of(w.starts, w.ends)
                )
            }),
        }
    }

    /// The end of a window: time alone when on the same day as the start.
    fn end_of(&self, starts: DateTime<Utc>, ends: DateTime<Utc>) -> String {
        let tz = self.settings.timezone;
        if starts.with_timezone(&tz).date_naive() == ends.with_timezone(&tz).date_naive() {
            ends.with_timezone(&tz).format("%H:%M").to_string()
        } else {
            self.fmt.date_time(ends)
        }
    }

    pub fn incident(&self, i: &Incident) -> IncidentPage<'a> {
        let fmt = &self.fmt;
        let timeline = i
            .updates
            .iter()
            .enumerate()
            .rev()
            .map(|(index, u)| {
                let label = timeline_label(i, index, self.lang);
                TimelineEntry {
                    time: fmt.date_time(u.created_at),
                    iso: fmt.iso(u.created_at),
                    label,
                    class: u.status.as_str(),
                    paragraphs: paragraphs(u.message.get(self.lang)),
                    changes: u
                        .changes
                        .iter()
                        .filter(|c| c.old != c.new)
                        .map(|c| {
                            format!(
                                "{}: {} → {}",
                                self.model.name(&c.component, self.lang),
                                c.old.label(self.lang),
                                c.new.label(self.lang)
                            )
                        })
                        .collect(),
                }
            })
            .collect();
        let eta_revisions = i
            .eta_revisions
            .iter()
            .rev()
            .map(|r| {
                let sentence = texts::eta_revision(
                    self.lang,
                    r.previous.map(|p| fmt.short(p)).as_deref(),
                    r.eta.map(|e| fmt.short(e)).as_deref(),
                );
                format!("{} · {sentence}", fmt.date_time(r.revised_at))
            })
            .collect();
        let title = i.title.get(self.lang).to_string();
        IncidentPage {
            layout: self.layout(
                format!("{title} · {}", self.settings.site_name),
                &format!("/incidents/{}", i.id),
                Some(i.updated_at),
            ),
            card: self.card(i),
            timeline,
            eta_revisions,
            postmortem: i
                .postmortem
                .as_ref()
                .map(|p| paragraphs(p.get(self.lang)))
                .unwrap_or_default(),
            started: fmt.date_time(i.started_at),
            resolved: i.resolved_at.map(|r| fmt.date_time(r)),
            duration: i.resolved_at.map(|r| fmt.duration(i.started_at, r)),
        }
    }

    /// History page `page` (1-based) showing `notices`, of `pages` in all.
    pub fn history(&self, notices: &[&Incident], page: usize, pages: usize) -> HistoryPage<'a> {
        let items = notices
            .iter()
            .map(|i| HistoryItem {
                url: self.link(&format!("/incidents/{}", i.id)),
                title: i.title.get(self.lang).to_string(),
                kind_label: match (i.kind, self.lang) {
                    (Kind::Incident, Lang::Ko) => "장애",
                    (Kind::Incident, Lang::En) => "Incident",
                    (Kind::Maintenance, Lang::Ko) => "점검",
                    (Kind::Maintenance, Lang::En) => "Maintenance",
                },
                status_label: i.status.label(self.lang),
                status_class: i.status.as_str(),
                date: self.fmt.date_time(i.started_at),
                iso: self.fmt.iso(i.started_at),
                duration: i.resolved_at.map(|r| self.fmt.duration(i.started_at, r)),
                affected: i
                    .components
                    .iter()
                    .map(|c| self.model.name(&c.id, self.lang))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect();
        let page_url = |p: usize| {
            if p <= 1 {
                self.link("/history")
            } else {
                self.link(&format!("/history?page={p}"))
            }
        };
        HistoryPage {
            layout: self.layout(
                format!("{} · {}", self.t.history, self.settings.site_name),
                &history_path(page),
                notices.iter().map(|i| i.updated_at).max(),
            ),
            items,
            page,
            pages,
            newer_url: (page > 1).then(|| page_url(page - 1)),
            older_url: (page < pages).then(|| page_url(page + 1)),
        }
    }

    pub fn not_found(&self) -> NotFoundPage<'a> {
        NotFoundPage {
            layout: self.layout(self.t.not_found_title.to_string(), "/", None),
        }
    }
}

/// The label of update `index`: its status when it changed it, otherwise "Update".
pub fn timeline_label(i: &Incident, index: usize, lang: Lang) -> &'static str {
    let status = i.updates[index].status;
    match (i.status_before(index) == Some(status), lang) {
        (false, _) => status.label(lang),
        (true, Lang::Ko) => "추가 안내",
        (true, Lang::En) => "Update",
    }
}

pub fn history_path(page: usize) -> String {
    if page <= 1 {
        "/history".to_string()
    } else {
        format!("/history?page={page}")
    }
}

/// Number of history pages for `total` closed notices (at least one, possibly empty).
pub fn history_pages(total: usize) -> usize {
    total.div_ceil(HISTORY_PAGE_SIZE).max(1)
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
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

#[derive(Template)]
#[template(path = "embed/frame.html")]
pub struct EmbedFramePage<'a> {
    pub t: &'static Texts,
    pub site_name: &'a str,
    pub css_url: &'a str,
    pub js_url: &'a str,
    pub notice: Option<FrameNotice>,
    pub details: &'static str,
    pub close: &'static str,
}

pub struct FrameNotice {
    pub class: &'static str,
    pub url: String,
    pub title: String,
    pub message: String,
    /// "예상 복구 15:30"
    pub eta: Option<String>,
}

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
    /// The small page inside the reference-compatible iframe embed.
    pub fn embed_frame(&self) -> EmbedFramePage<'a> {
        let m = self.model;
        let mut incidents: Vec<&Incident> = m.notices_in(&m.open_incidents).collect();
        // The most severe first; among equals the newest (the list's order).
        incidents.sort_by_key(|i| std::cmp::Reverse(i.impact));
        let notice = incidents
            .into_iter()
            .chain(m.notices_in(&m.active_maintenances))
            .next()
            .map(|i| {
                let card = self.card(i);
                FrameNotice {
                    class: if i.kind == Kind::Maintenance {
                        "maintenance"
                    } else {
                        "incident"
                    },
                    url: format!("{}{}", self.settings.base_url, card.url),
                    title: card.title,
                    message: card.latest_message,
                    eta: i
                        .eta
                        .filter(|_| i.kind == Kind::Incident)
                        .map(|e| format!("{} {}", self.t.expected_recovery, self.fmt.short(e))),
                }
            });
        EmbedFramePage {
            t: self.t,
            site_name: &self.settings.site_name,
            css_url: &self.settings.embed_css_url,
            js_url: &self.settings.embed_js_url,
            notice,
            details: if self.lang == Lang::Ko {
                "자세히 보기"
            } else {
                "Details"
            },
            close: if self.lang == Lang::Ko {
                "닫기"
            } else {
                "Close"
            },
        }
    }

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
