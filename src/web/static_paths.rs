//! The paths a static host can serve, answered by the server too. Pages link to
//! `/en/history/2/` rather than `/history?page=2&lang=en`, so the same bytes work from
//! the export and the bucket mirror (which ignore query strings) and from here. Before
//! routing, such a path is rewritten to the form the routes know; the old forms keep
//! working for links already out there.

use axum::http::Uri;

/// The form the routes know of a static-host path, or `None` when `uri` needs nothing
/// (every hot path: `/`, `/api/v2/summary.json`, assets).
pub fn route_form(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    let (lang, rest) = match path.get(..3) {
        Some(code @ ("/ko" | "/en")) if path.len() == 3 || path.as_bytes()[3] == b'/' => (
            Some(&code[1..]),
            path.get(3..).filter(|r| !r.is_empty()).unwrap_or("/"),
        ),
        _ => (None, path),
    };
    let trimmed = match rest.strip_suffix('/') {
        Some(t) if !t.is_empty() => t,
        _ => rest,
    };
    if lang.is_none() && trimmed.len() == rest.len() && !is_history_page(trimmed) {
        return None;
    }
    if !is_public(trimmed) {
        return None;
    }
    let (route, page) = match trimmed.strip_prefix("/history/") {
        Some(n) if is_history_page(trimmed) => ("/history", Some(n)),
        _ => (trimmed, None),
    };
    // Ours first: the handlers take a parameter's first value.
    let params: Vec<String> = lang
        .map(|l| format!("lang={l}"))
        .into_iter()
        .chain(page.map(|n| format!("page={n}")))
        .chain(uri.query().map(str::to_string))
        .collect();
    let rewritten = if params.is_empty() {
        route.to_string()
    } else {
        format!("{route}?{}", params.join("&"))
    };
    rewritten.parse().ok()
}

/// `/history/2`: a history page by number.
fn is_history_page(path: &str) -> bool {
    path.strip_prefix("/history/")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The public documents, the only ones with a static form.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/" | "/widget" | "/embed/frame" | "/history" | "/history.rss" | "/history.atom"
    ) || path.starts_with("/incidents/")
        || path.starts_with("/history/")
        || path.starts_with("/api/v2/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_paths_become_the_routes_forms_and_others_stay() {
        let cases = [
            ("/", None),
            ("/api/v2/summary.json", None),
            ("/assets/style.abc.css", None),
            ("/history", None),
            ("/incidents/abc", None),
            ("/history/", Some("/history")),
            ("/history/2/", Some("/history?page=2")),
            ("/history/2", Some("/history?page=2")),
            ("/history/2026-11-03/", Some("/history/2026-11-03")),
            ("/incidents/abcdefabcdef/", Some("/incidents/abcdefabcdef")),
            ("/widget/", Some("/widget")),
            ("/embed/frame/", Some("/embed/frame")),
            ("/en", Some("/?lang=en")),
            ("/en/", Some("/?lang=en")),
            ("/ko/", Some("/?lang=ko")),
            ("/en/history/3/", Some("/history?lang=en&page=3")),
            (
                "/en/incidents/abcdefabcdef/",
                Some("/incidents/abcdefabcdef?lang=en"),
            ),
            (
                "/en/api/v2/summary.json",
                Some("/api/v2/summary.json?lang=en"),
            ),
            ("/en/history.rss", Some("/history.rss?lang=en")),
            ("/en/embed/frame/?x=1", Some("/embed/frame?lang=en&x=1")),
            // Not public documents: left for the router to refuse or serve as before.
            ("/en/console/", None),
            ("/api/admin/v1/components/", None),
            ("/console/", None),
            ("/english/", None),
            ("/subscribe/", None),
        ];
        for (path, want) in cases {
            let uri: Uri = path.parse().unwrap();
            let got = route_form(&uri).map(|u| u.to_string());
            assert_eq!(got.as_deref(), want, "{path}");
        }
    }
}
