//! `/history.rss` (RSS 2.0, with the `rss` crate) and `/history.atom`: the most recent
//! incidents and maintenances, newest activity first. Each item's description is the
//! timeline as HTML, newest first, in the reference feed's shape, plus the ETA and what
//! to use instead while the incident is open. Text is HTML-escaped once here; the XML
//! layer escapes (or CDATA-wraps) the HTML once more, as a feed must.

use std::sync::Arc;

use askama::Template;
use chrono::{DateTime, SecondsFormat, Utc};

use super::fragments::{self, Fragments};
use super::model::ReadModel;
use super::pages::{PageContext, timeline_label};
use super::{BuildError, CachePolicy, Doc, DocBuilder, Serving, Settings};
use crate::domain::{Incident, Kind, Lang};

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
        .map(|i| fragments.get(fragments::Kind::FeedHtml, i, || item_html(&ctx, i)))
        .collect();
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
            let url = absolute(&format!("/incidents/{}", i.id));
            rss::Item {
                title: Some(i.title.get(lang).to_string()),
                link: Some(url.clone()),
                guid: Some(rss::Guid {
                    value: url,
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
                url: absolute(&format!("/incidents/{}", i.id)),
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
fn item_html(ctx: &PageContext, i: &Incident) -> String {
    let card = ctx.card(i);
    let t = ctx.t;
    let zone = ctx.fmt.zone_name();
    let mut out = String::new();
    if let Some(window) = &card.window {
        out += &format!(
            "<p><strong>{}</strong> {} ({zone})</p>",
            esc(t.maintenance_window),
            esc(window)
        );
    }
    if let Some(eta) = i
        .eta
        .filter(|_| !i.status.is_closed() && i.kind == Kind::Incident)
    {
        out += &format!(
            "<p><strong>{}</strong> {} ({zone})</p>",
            esc(t.expected_recovery),
            esc(&ctx.fmt.date_time(eta))
        );
    }
    if !card.alternatives.is_empty() {
        out += &format!("<p><strong>{}</strong></p><ul>", esc(t.use_instead));
        for a in &card.alternatives {
            out += &format!(
                "<li><strong>{}</strong> — {}</li>",
                esc(&a.name),
                esc(&a.instructions)
            );
        }
        out += "</ul>";
    }
    for (index, u) in i.updates.iter().enumerate().rev() {
        out += &format!(
            "<p><small>{} {zone}</small><br><strong>{}</strong> - {}</p>",
            esc(&ctx.fmt.date_time(u.created_at)),
            esc(timeline_label(i, index, t)),
            esc(u.message.get(ctx.lang)).replace('\n', "<br>"),
        );
    }
    out
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping_is_done_once_and_completely() {
        assert_eq!(
            super::esc("<b>\"A&B\"</b> 카드's"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt; 카드&#39;s"
        );
    }
}
