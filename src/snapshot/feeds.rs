//! `/history.rss` (RSS 2.0, with the `rss` crate) and `/history.atom`: the most recent
//! incidents and maintenances, newest activity first. Each item's description is the
//! timeline as HTML, newest first, in the reference feed's shape, plus the ETA and what
//! to use instead while the incident is open (`feeds/item.html`, which prints the same
//! timeline entries as the notice's page). Text is HTML-escaped once by that template;
//! the XML layer escapes (or CDATA-wraps) the HTML once more, as a feed must.

use std::sync::Arc;

use askama::Template;
use chrono::{DateTime, SecondsFormat, Utc};

use super::fragments::{self, Fragments};
use super::model::ReadModel;
use super::pages::{AlternativeView, PageContext, TimelineEntry, notice_path};
use super::{BuildError, CachePolicy, Doc, DocBuilder, Serving, Settings};
use crate::domain::texts::Texts;
use crate::domain::{Incident, Kind, Lang, PostmortemSection, postmortem_sections};

const RSS: &str = "application/rss+xml; charset=utf-8";
const ATOM: &str = "application/atom+xml; charset=utf-8";

#[derive(Template)]
#[template(path = "feeds/history.atom.xml")]
struct AtomFeed<'a> {
    lang: &'static str,
    feed_id: String,
    home_url: String,
    self_url: String,
    title: String,
    updated: String,
    site_name: &'a str,
    entries: Vec<AtomEntry>,
}

struct AtomEntry {
    id: String,
    published: String,
    updated: String,
    url: String,
    title: String,
    html: Arc<str>,
}

/// Both feeds in one language.
pub fn documents(
    model: &ReadModel,
    settings: &Settings,
    lang: Lang,
    builder: &DocBuilder,
    fragments: &Fragments,
) -> Result<Vec<(&'static str, Arc<Doc>)>, BuildError> {
    let ctx = PageContext::new(model, settings, lang);
    let notices: Vec<&Incident> = model.notices_in(&model.recently_updated).collect();
    // Each item's HTML, from an earlier build when the notice did not change.
    let html: Vec<Arc<str>> = notices
        .iter()
        .map(|i| fragments.try_get(fragments::Kind::FeedHtml, i, || item(&ctx, i).render()))
        .collect::<Result<_, _>>()?;
    let base = &settings.base_url;
    let absolute = |path: &str| format!("{base}{}", ctx.link(path));
    let title = format!("{} {}", settings.site_name, ctx.t.feed_title);

    let mut channel = rss::Channel {
        title: title.clone(),
        link: absolute("/"),
        description: ctx.t.history_intro.to_string(),
        language: Some(lang.code().to_string()),
        last_build_date: Some(model.last_modified.to_rfc2822()),
        ..Default::default()
    };
    channel.items = notices
        .iter()
        .zip(&html)
        .map(|(i, html)| {
            rss::Item {
                title: Some(i.title.get(lang).to_string()),
                link: Some(absolute(&notice_path(&i.id))),
                // The link as it was first published (`?lang=`), which the server still
                // answers: a reader must not see every item as new.
                guid: Some(rss::Guid {
                    value: format!("{base}{}", ctx.live_link(&format!("/incidents/{}", i.id))),
                    permalink: true,
                }),
                pub_date: Some(i.updated_at.to_rfc2822()),
                description: Some(html.to_string()),
                extensions: i
                    .window
                    .map(|w| maintenance_end(w.ends))
                    .unwrap_or_default(),
                ..Default::default()
            }
        })
        .collect();

    let host = base
        .split("://")
        .nth(1)
        .unwrap_or(base)
        .split('/')
        .next()
        .unwrap_or("paystatus");
    let atom = AtomFeed {
        lang: lang.code(),
        feed_id: format!("tag:{host},2005:/history"),
        home_url: absolute("/"),
        self_url: absolute("/history.atom"),
        title,
        updated: atom_time(model.last_modified),
        site_name: &settings.site_name,
        entries: notices
            .iter()
            .zip(&html)
            .map(|(i, html)| AtomEntry {
                id: format!("tag:{host},2005:Incident/{}", i.id),
                published: atom_time(i.created_at),
                updated: atom_time(i.updated_at),
                url: absolute(&notice_path(&i.id)),
                title: i.title.get(lang).to_string(),
                html: html.clone(),
            })
            .collect(),
    };
    Ok(vec![
        ("/history.rss", feed_doc(builder, RSS, channel.to_string())),
        ("/history.atom", feed_doc(builder, ATOM, atom.render()?)),
    ])
}

/// The reference feed's `<maintenanceEndDate>` on maintenance items.
fn maintenance_end(ends: DateTime<Utc>) -> rss::extension::ExtensionMap {
    let element = rss::extension::Extension {
        name: "maintenanceEndDate".to_string(),
        value: Some(ends.to_rfc2822()),
        ..Default::default()
    };
    let by_name = [(element.name.clone(), vec![element])]
        .into_iter()
        .collect();
    [(String::new(), by_name)].into_iter().collect()
}

/// Feeds are read by other origins too (web feed readers).
fn feed_doc(builder: &DocBuilder, content_type: &'static str, body: String) -> Arc<Doc> {
    builder.build(Serving::new(content_type, CachePolicy::Status).cors(), body)
}

fn atom_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The item body: what to know now (while open), then every update, newest first.
#[derive(Template)]
#[template(
    path = "feeds/item.html",
    escape = "feed-html",
    config = "templates/feeds/askama.toml"
)]
struct FeedItem {
    t: &'static Texts,
    /// "KST", after each time.
    zone: String,
    window: Option<String>,
    /// The expected recovery with its date, while an incident is open.
    eta: Option<String>,
    alternatives: Vec<AlternativeView>,
    /// Once published, the postmortem comes first, in its outline's sections.
    postmortem: Vec<PostmortemSection>,
    timeline: Vec<TimelineEntry>,
}

fn item(ctx: &PageContext, i: &Incident) -> FeedItem {
    let card = ctx.card(i);
    FeedItem {
        t: ctx.t,
        zone: ctx.fmt.zone_name(),
        window: card.window,
        eta: i
            .eta
            .filter(|_| !i.status.is_closed() && i.kind == Kind::Incident)
            .map(|eta| ctx.fmt.date_time(eta)),
        alternatives: card.alternatives,
        postmortem: i
            .postmortem
            .as_ref()
            .map(|p| postmortem_sections(p.get(ctx.lang)))
            .unwrap_or_default(),
        timeline: ctx.timeline(i),
    }
}

/// Escapes feed item text with named entities (`&lt;`, `&amp;`, `&quot;`, `&apos;`), as
/// feed readers and the reference feed expect, rather than askama's numeric ones.
#[derive(Debug, Clone, Copy)]
pub struct NamedEntities;

impl askama::filters::Escaper for NamedEntities {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, text: &str) -> std::fmt::Result {
        dest.write_str(&quick_xml::escape::escape(text))
    }
}

#[cfg(test)]
mod tests {
    use askama::Template;

    use super::item;
    use crate::domain::{ComponentStatus::*, Lang, Status, UpdateDraft};
    use crate::snapshot::fixture::{World, incident, maintenance, settings, text};
    use crate::snapshot::pages::PageContext;

    #[test]
    fn an_item_body_is_escaped_once_with_named_entities_and_keeps_line_breaks() {
        let w = World::new();
        let mut d = incident("카드", &[("card", MajorOutage)]);
        d.message = text("A & B <b>\"굵게\"</b> 'x'\n둘째 줄", "en");
        let id = w.create(d, w.at(-10));
        let (model, settings) = (w.model(), settings());
        let ctx = PageContext::new(&model, &settings, Lang::Ko);
        let html = item(&ctx, &model.notices[&id]).render().unwrap();
        assert_eq!(
            html,
            "<p><strong>이렇게 결제하실 수 있습니다</strong></p>\
             <ul><li><strong>계좌이체</strong> — 결제 화면에서 &apos;계좌이체&apos; 항목을 선택해 주세요.</li></ul>\
             <p><small>11월 25일 13:55 KST</small><br><strong>원인 확인 중</strong> - \
             A &amp; B &lt;b&gt;&quot;굵게&quot;&lt;/b&gt; &apos;x&apos;<br>둘째 줄</p>"
        );
    }

    #[test]
    fn an_item_says_when_it_will_be_over_only_while_it_is_not() {
        let w = World::new();
        let mut d = incident("카드", &[("card", MajorOutage)]);
        d.eta = Some(w.at(60 * 24));
        let open = w.create(d, w.at(-10));
        let window = w.create(
            maintenance("은행 점검", &["bank-transfer"], w.at(595), w.at(625)),
            w.at(-5),
        );
        let (model, settings) = (w.model(), settings());
        let en = PageContext::new(&model, &settings, Lang::En);
        let html = item(&en, &model.notices[&open]).render().unwrap();
        assert!(
            html.starts_with("<p><strong>Expected recovery</strong> Nov 26, 14:05 (KST)</p>"),
            "{html}"
        );
        let html = item(&en, &model.notices[&window]).render().unwrap();
        assert!(
            html.starts_with("<p><strong>Window</strong> Nov 26, 00:00 – 00:30 (KST)</p><p>"),
            "{html}"
        );

        let resolved = UpdateDraft {
            status: Some(Status::Resolved),
            ..Default::default()
        };
        w.update(&open, resolved, w.at(-1));
        let model = w.model();
        let en = PageContext::new(&model, &settings, Lang::En);
        let html = item(&en, &model.notices[&open]).render().unwrap();
        assert!(
            html.starts_with("<p><small>Nov 25, 14:04 KST</small><br><strong>Resolved</strong> - "),
            "nothing to wait for or use instead once resolved: {html}"
        );
    }
}
