//! A postmortem's outline: the sections the postmortem template suggests (impact,
//! timeline, cause, what we will change), found in the text an operator wrote, so the
//! page and the feeds show them as headed sections.

/// The outline's section labels, in both languages, as the seeded template writes them
/// at the start of a paragraph (`원인: …`, `Cause: …`). Any language's label is a heading
/// on either page: operators sometimes write one language's outline in the other's text.
const OUTLINE: &[&str] = &[
    "영향",
    "경과",
    "원인",
    "재발 방지 대책",
    "Impact",
    "Timeline",
    "Cause",
    "What we will change",
];

/// One section of a postmortem: its heading, if the paragraphs begin one, and its
/// paragraphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostmortemSection {
    pub heading: Option<String>,
    pub paragraphs: Vec<String>,
}

/// Splits a postmortem into sections. Paragraphs are separated by an empty line; a
/// paragraph that starts with an outline label and a colon (`원인: 카드사 …`) opens a
/// section headed by the label, as does a Markdown heading line (`## 원인`). Paragraphs
/// before the first heading make a section without one.
pub fn postmortem_sections(text: &str) -> Vec<PostmortemSection> {
    let mut sections: Vec<PostmortemSection> = Vec::new();
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let (heading, rest) = heading_of(paragraph);
        match heading {
            Some(h) => sections.push(PostmortemSection {
                heading: Some(h.to_string()),
                paragraphs: Vec::new(),
            }),
            None if sections.is_empty() => sections.push(PostmortemSection {
                heading: None,
                paragraphs: Vec::new(),
            }),
            None => {}
        }
        if !rest.is_empty()
            && let Some(last) = sections.last_mut()
        {
            last.paragraphs.push(rest.to_string());
        }
    }
    sections
}

/// The heading a paragraph opens, and what follows it.
fn heading_of(paragraph: &str) -> (Option<&str>, &str) {
    if let Some(line) = paragraph.strip_prefix('#') {
        let (first, rest) = line.split_once('\n').unwrap_or((line, ""));
        let heading = first.trim_start_matches('#').trim();
        if !heading.is_empty() {
            return (Some(heading), rest.trim());
        }
    }
    for label in OUTLINE {
        if let Some(after) = paragraph.strip_prefix(label)
            && let Some(body) = after.strip_prefix(':').or_else(|| after.strip_prefix('：'))
        {
            return (Some(label), body.trim());
        }
    }
    (None, paragraph)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(heading: Option<&str>, paragraphs: &[&str]) -> PostmortemSection {
        PostmortemSection {
            heading: heading.map(str::to_string),
            paragraphs: paragraphs.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn the_seeded_outline_becomes_headed_sections() {
        let text = "영향: 카드 결제가 42분 동안 실패했습니다.\n\n경과: 14:04 발생 → 14:46 복구.\n\n\
                    원인: 카드사 승인 서버의 인증서 만료.\n\n재발 방지 대책: 만료 30일 전 알림.\n\n\
                    이용에 불편을 드려 다시 한번 사과드립니다.";
        assert_eq!(
            postmortem_sections(text),
            [
                section(Some("영향"), &["카드 결제가 42분 동안 실패했습니다."]),
                section(Some("경과"), &["14:04 발생 → 14:46 복구."]),
                section(Some("원인"), &["카드사 승인 서버의 인증서 만료."]),
                section(
                    Some("재발 방지 대책"),
                    &[
                        "만료 30일 전 알림.",
                        "이용에 불편을 드려 다시 한번 사과드립니다."
                    ]
                ),
            ]
        );
    }

    #[test]
    fn plain_text_and_markdown_headings_are_read_too() {
        assert_eq!(
            postmortem_sections("We are sorry.\n\nIt will not happen again."),
            [section(
                None,
                &["We are sorry.", "It will not happen again."]
            )]
        );
        assert_eq!(
            postmortem_sections("Intro.\n\n## Cause\nA certificate expired.\n\nCause: words"),
            [
                section(None, &["Intro."]),
                section(Some("Cause"), &["A certificate expired."]),
                section(Some("Cause"), &["words"]),
            ]
        );
        // A label inside a sentence is not a heading.
        assert_eq!(
            postmortem_sections("The Cause was unclear: we looked."),
            [section(None, &["The Cause was unclear: we looked."])]
        );
        assert!(postmortem_sections("  \n\n ").is_empty());
    }
}
