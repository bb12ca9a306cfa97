//! A view with hostile text against its benign twin: the same writes with harmless text.
//! Parsed as a browser, feed reader or JSON client would, the hostile view must be the
//! twin exactly once the hostile text is swapped for the harmless one — same elements,
//! same attributes, same text — so markup in the text created nothing and no character
//! was lost, added or escaped twice.

use scraper::node::Node;
use scraper::{ElementRef, Html};
use serde_json::Value;

/// The hostile text and what the twin has in its place.
pub struct Swap<'a> {
    pub hostile: &'a str,
    pub benign: &'a str,
}

impl Swap<'_> {
    fn apply(&self, s: &str) -> String {
        s.replace(self.hostile, self.benign)
    }
}

pub fn html(hostile: &str, twin: &str, swap: &Swap) -> Result<(), String> {
    let (h, t) = (Html::parse_document(hostile), Html::parse_document(twin));
    same_element(h.root_element(), t.root_element(), swap, "html")?;
    let unsafe_parts = dangerous(&h);
    if unsafe_parts.is_empty() {
        Ok(())
    } else {
        Err(unsafe_parts.join("; "))
    }
}

/// A feed: strict XML 1.0, and element by element the twin; the HTML inside an RSS
/// `description` or Atom `content` is compared as HTML.
pub fn feed(hostile: &str, twin: &str, swap: &Swap) -> Result<(), String> {
    let h = roxmltree::Document::parse(hostile).map_err(|e| format!("not well-formed XML: {e}"))?;
    let t = roxmltree::Document::parse(twin).map_err(|e| format!("twin: {e}"))?;
    same_xml(h.root_element(), t.root_element(), swap, "")
}

pub fn json(hostile: &str, twin: &str, swap: &Swap) -> Result<(), String> {
    let h: Value = serde_json::from_str(hostile).map_err(|e| format!("not JSON: {e}"))?;
    let t: Value = serde_json::from_str(twin).map_err(|e| format!("twin: {e}"))?;
    same_json(&h, &t, swap, "")
}

/// What would run or navigate somewhere unsafe in a parsed page, whatever the twin has.
pub fn dangerous(html: &Html) -> Vec<String> {
    let mut found = Vec::new();
    for node in html.tree.nodes() {
        let Some(el) = node.value().as_element() else {
            continue;
        };
        if el.name() == "script" && el.attr("src").is_none() {
            found.push("an inline <script>".to_string());
        }
        for (name, value) in el.attrs() {
            if name.starts_with("on") {
                found.push(format!("<{} {name}=…>", el.name()));
            }
            let url_attribute = matches!(
                name,
                "href" | "src" | "action" | "formaction" | "xlink:href" | "srcdoc" | "content"
            );
            if url_attribute && unsafe_scheme(value) {
                found.push(format!("<{} {name}=\"{}\">", el.name(), clip(value)));
            }
        }
    }
    found
}

/// `javascript:`, `data:` or `vbscript:`, however spelt (browsers drop whitespace and
/// control characters from URLs and ignore case).
fn unsafe_scheme(url: &str) -> bool {
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    // `content` is also a meta refresh: "0;url=javascript:…".
    let target = squeezed
        .split_once("url=")
        .map_or(squeezed.as_str(), |(_, u)| u);
    ["javascript:", "data:", "vbscript:"]
        .iter()
        .any(|s| target.starts_with(s))
}

fn same_element(h: ElementRef, t: ElementRef, swap: &Swap, path: &str) -> Result<(), String> {
    if h.value().name() != t.value().name() {
        return Err(format!(
            "{path}: <{}> where the twin has <{}>",
            h.value().name(),
            t.value().name()
        ));
    }
    let attrs = |e: ElementRef, swap: Option<&Swap>| {
        let mut v: Vec<(String, String)> = e
            .value()
            .attrs()
            .map(|(n, v)| (n.to_string(), swap.map_or(v.to_string(), |s| s.apply(v))))
            .collect();
        v.sort();
        v
    };
    let (ha, ta) = (attrs(h, Some(swap)), attrs(t, None));
    if ha != ta {
        return Err(format!(
            "{path}: attributes {ha:?} where the twin has {ta:?}"
        ));
    }
    let hc: Vec<_> = h.children().collect();
    let tc: Vec<_> = t.children().collect();
    for (i, (hn, tn)) in hc.iter().zip(&tc).enumerate() {
        let here = format!("{path}>{}", describe(tn.value(), i));
        match (hn.value(), tn.value()) {
            (Node::Text(a), Node::Text(b)) => {
                if swap.apply(a) != **b {
                    return Err(format!(
                        "{here}: text {:?} where the twin has {:?}",
                        clip(a),
                        clip(b)
                    ));
                }
            }
            (Node::Element(_), Node::Element(_)) => {
                let (a, b) = (ElementRef::wrap(*hn), ElementRef::wrap(*tn));
                if let (Some(a), Some(b)) = (a, b) {
                    same_element(a, b, swap, &here)?;
                }
            }
            (Node::Comment(a), Node::Comment(b)) if **a == **b => {}
            (a, b) => {
                return Err(format!(
                    "{path}: {} where the twin has {}",
                    describe(a, i),
                    describe(b, i)
                ));
            }
        }
    }
    if hc.len() != tc.len() {
        let extra = hc
            .get(tc.len())
            .map(|n| describe(n.value(), tc.len()))
            .unwrap_or_else(|| "fewer nodes".into());
        return Err(format!(
            "{path}: {} children where the twin has {} (first difference: {extra})",
            hc.len(),
            tc.len()
        ));
    }
    Ok(())
}

fn describe(n: &Node, i: usize) -> String {
    match n {
        Node::Element(e) => match e.attr("class") {
            Some(c) => format!("{}.{}", e.name(), c.replace(' ', ".")),
            None => e.name().to_string(),
        },
        Node::Text(t) => format!("text[{i}] {:?}", clip(t)),
        Node::Comment(c) => format!("<!--{}-->", clip(c)),
        other => format!("{other:?}"),
    }
}

fn same_xml(h: roxmltree::Node, t: roxmltree::Node, swap: &Swap, path: &str) -> Result<(), String> {
    let here = format!("{path}/{}", t.tag_name().name());
    if h.tag_name() != t.tag_name() {
        return Err(format!(
            "{here}: <{}> where the twin has <{}>",
            h.tag_name().name(),
            t.tag_name().name()
        ));
    }
    let attrs = |n: roxmltree::Node, swap: Option<&Swap>| -> Vec<(String, String)> {
        n.attributes()
            .map(|a| {
                let v = swap.map_or(a.value().to_string(), |s| s.apply(a.value()));
                (a.name().to_string(), v)
            })
            .collect()
    };
    let (ha, ta) = (attrs(h, Some(swap)), attrs(t, None));
    if ha != ta {
        return Err(format!(
            "{here}: attributes {ha:?} where the twin has {ta:?}"
        ));
    }
    let is_html = matches!(t.tag_name().name(), "description" | "content");
    let hc: Vec<_> = h.children().collect();
    let tc: Vec<_> = t.children().collect();
    if hc.len() != tc.len() {
        return Err(format!(
            "{here}: {} child nodes where the twin has {}",
            hc.len(),
            tc.len()
        ));
    }
    for (a, b) in hc.into_iter().zip(tc) {
        match (a.is_element(), b.is_element()) {
            (true, true) => same_xml(a, b, swap, &here)?,
            (false, false) => {
                let (x, y) = (a.text().unwrap_or(""), b.text().unwrap_or(""));
                if is_html {
                    same_element(
                        Html::parse_fragment(x).root_element(),
                        Html::parse_fragment(y).root_element(),
                        swap,
                        &format!("{here} (as HTML)"),
                    )?;
                    let unsafe_parts = dangerous(&Html::parse_fragment(x));
                    if !unsafe_parts.is_empty() {
                        return Err(format!("{here}: {}", unsafe_parts.join("; ")));
                    }
                } else if swap.apply(x) != y {
                    return Err(format!(
                        "{here}: text {:?} where the twin has {:?}",
                        clip(x),
                        clip(y)
                    ));
                }
            }
            _ => {
                return Err(format!(
                    "{here}: an element where the twin has text, or back"
                ));
            }
        }
    }
    Ok(())
}

fn same_json(h: &Value, t: &Value, swap: &Swap, path: &str) -> Result<(), String> {
    match (h, t) {
        (Value::String(a), Value::String(b)) => {
            if swap.apply(a) != *b {
                return Err(format!(
                    "{path}: {:?} where the twin has {:?}",
                    clip(a),
                    clip(b)
                ));
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            let (ka, kb): (Vec<_>, Vec<_>) = (a.keys().collect(), b.keys().collect());
            if ka != kb {
                return Err(format!("{path}: keys {ka:?} where the twin has {kb:?}"));
            }
            for (k, v) in a {
                same_json(v, &b[k], swap, &format!("{path}/{k}"))?;
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Err(format!(
                    "{path}: {} items where the twin has {}",
                    a.len(),
                    b.len()
                ));
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                same_json(x, y, swap, &format!("{path}/{i}"))?;
            }
        }
        (a, b) if a == b => {}
        (a, b) => return Err(format!("{path}: {a} where the twin has {b}")),
    }
    Ok(())
}

/// Long texts (the 5,000-character word) cut for messages.
fn clip(s: &str) -> String {
    if s.chars().count() <= 120 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(120).collect::<String>())
    }
}
