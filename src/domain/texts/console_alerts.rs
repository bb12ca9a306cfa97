//! The console's words about monitoring's alerts next to an incident: what fired, and the
//! update a resolved alert suggests. Korean first, English second; a key missing in one
//! language does not compile.

use crate::domain::Lang;

pub struct AlertTexts {
    pub title: &'static str,
    pub firing: &'static str,
    pub resolved: &'static str,
    pub channels: &'static str,
    pub fired_at: &'static str,
    pub resolved_at: &'static str,
    pub source: &'static str,
    pub proposal_title: &'static str,
    pub proposal_hint: &'static str,
    pub post_proposal: &'static str,
}

pub fn alert_texts(lang: Lang) -> &'static AlertTexts {
    match lang {
        Lang::Ko => &KO,
        Lang::En => &EN,
    }
}

const KO: AlertTexts = AlertTexts {
    title: "모니터링 알림",
    firing: "발생 중",
    resolved: "해소됨",
    channels: "채널",
    fired_at: "발생",
    resolved_at: "해소",
    source: "보낸 곳",
    proposal_title: "제안된 업데이트",
    proposal_hint: "알림이 해소되어 이 업데이트를 제안합니다. 장애가 끝났는지는 직접 확인한 뒤 게시하세요.",
    post_proposal: "이 업데이트 게시",
};

const EN: AlertTexts = AlertTexts {
    title: "Monitoring alerts",
    firing: "Firing",
    resolved: "Resolved",
    channels: "Channels",
    fired_at: "Fired",
    resolved_at: "Resolved",
    source: "Source",
    proposal_title: "Suggested update",
    proposal_hint: "An alert resolved, so this update is suggested. Check that the problem is over yourself, then post it.",
    post_proposal: "Post this update",
};
