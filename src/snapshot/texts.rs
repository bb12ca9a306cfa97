//! Every fixed text on the public pages, in both languages. A field missing in one
//! language does not compile.

use crate::domain::Lang;

use super::format::ro_particle;

pub struct Texts {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    pub page_title: &'static str,
    pub skip_to_content: &'static str,
    pub current_incidents: &'static str,
    pub expected_recovery: &'static str,
    pub eta_passed: &'static str,
    pub next_update: &'static str,
    pub next_update_overdue: &'static str,
    pub use_instead: &'static str,
    pub affected: &'static str,
    pub maintenance_now: &'static str,
    pub maintenance_upcoming: &'static str,
    pub maintenance_window: &'static str,
    pub channels: &'static str,
    pub history: &'static str,
    pub history_intro: &'static str,
    pub no_history: &'static str,
    pub newer: &'static str,
    pub older: &'static str,
    pub page_of: &'static str,
    pub back_to_status: &'static str,
    pub timeline: &'static str,
    pub eta_revisions: &'static str,
    pub postmortem: &'static str,
    pub started: &'static str,
    pub resolved: &'static str,
    pub duration: &'static str,
    pub updated: &'static str,
    pub subscribe_rss: &'static str,
    pub subscribe_atom: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
}

static KO: Texts = Texts {
    lang: "ko",
    other_lang: "en",
    other_lang_name: "English",
    page_title: "결제 서비스 상태",
    skip_to_content: "본문으로 건너뛰기",
    current_incidents: "지금 발생한 문제",
    expected_recovery: "예상 복구",
    eta_passed: "예상 시각이 지났습니다. 곧 다시 안내하겠습니다",
    next_update: "다음 안내",
    next_update_overdue: "안내가 늦어지고 있습니다",
    use_instead: "이렇게 결제하실 수 있습니다",
    affected: "영향을 받는 결제 수단",
    maintenance_now: "진행 중인 점검",
    maintenance_upcoming: "예정된 점검",
    maintenance_window: "점검 시간",
    channels: "결제 수단별 상태",
    history: "지난 장애·점검 기록",
    history_intro: "해결된 장애와 완료된 점검입니다. 최근 것부터 보여 드립니다.",
    no_history: "기록이 없습니다.",
    newer: "최근 기록",
    older: "이전 기록",
    page_of: "쪽",
    back_to_status: "현재 상태로 돌아가기",
    timeline: "진행 상황",
    eta_revisions: "예상 복구 시각 변경",
    postmortem: "사후 분석",
    started: "시작",
    resolved: "해결",
    duration: "지속 시간",
    updated: "마지막 갱신",
    subscribe_rss: "RSS로 구독하기",
    subscribe_atom: "Atom 피드",
    not_found_title: "페이지를 찾을 수 없습니다",
    not_found_body: "주소를 다시 확인해 주세요. 현재 결제 서비스 상태는 첫 화면에서 보실 수 있습니다.",
};

static EN: Texts = Texts {
    lang: "en",
    other_lang: "ko",
    other_lang_name: "한국어",
    page_title: "Payment status",
    skip_to_content: "Skip to content",
    current_incidents: "Current problems",
    expected_recovery: "Expected recovery",
    eta_passed: "The expected time has passed. We will update you shortly",
    next_update: "Next update",
    next_update_overdue: "Our update is running late",
    use_instead: "You can pay this way instead",
    affected: "Affected payment methods",
    maintenance_now: "Maintenance in progress",
    maintenance_upcoming: "Scheduled maintenance",
    maintenance_window: "Window",
    channels: "Status by payment method",
    history: "Past incidents and maintenance",
    history_intro: "Resolved incidents and completed maintenance, newest first.",
    no_history: "Nothing to show.",
    newer: "Newer",
    older: "Older",
    page_of: "Page",
    back_to_status: "Back to current status",
    timeline: "Timeline",
    eta_revisions: "Changes to the expected recovery time",
    postmortem: "Postmortem",
    started: "Started",
    resolved: "Resolved",
    duration: "Duration",
    updated: "Last updated",
    subscribe_rss: "Subscribe via RSS",
    subscribe_atom: "Atom feed",
    not_found_title: "Page not found",
    not_found_body: "Please check the address. The current status of payments is on the front page.",
};

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Ko => &KO,
        Lang::En => &EN,
    }
}

/// "Next update by 14:24" / "다음 안내 14:24까지".
pub fn next_update_by(lang: Lang, time: &str) -> String {
    match lang {
        Lang::Ko => format!("{time}까지"),
        Lang::En => format!("by {time}"),
    }
}

/// One sentence for an ETA revision; `None` stands for "not known".
pub fn eta_revision(lang: Lang, previous: Option<&str>, eta: Option<&str>) -> String {
    match (lang, previous, eta) {
        (Lang::Ko, None, Some(new)) => {
            format!("예상 복구 시각을 {new}{} 안내했습니다.", ro_particle(new))
        }
        (Lang::Ko, Some(old), Some(new)) => {
            format!(
                "예상 복구 시각이 {old}에서 {new}{} 변경되었습니다.",
                ro_particle(new)
            )
        }
        (Lang::Ko, Some(old), None) => format!("예상 복구 시각({old})을 다시 확인하고 있습니다."),
        (Lang::Ko, None, None) => "예상 복구 시각을 확인하고 있습니다.".to_string(),
        (Lang::En, None, Some(new)) => format!("Expected recovery set to {new}."),
        (Lang::En, Some(old), Some(new)) => {
            format!("Expected recovery changed from {old} to {new}.")
        }
        (Lang::En, Some(old), None) => format!("Expected recovery ({old}) is being reassessed."),
        (Lang::En, None, None) => "Expected recovery is being assessed.".to_string(),
    }
}

/// Default instructions for a suggested channel the operator gave none for.
pub fn default_instructions(lang: Lang, channel: &str) -> String {
    match lang {
        Lang::Ko => format!("결제 화면에서 '{channel}' 항목을 선택해 주세요."),
        Lang::En => format!("Choose “{channel}” on the payment screen."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_revisions_read_naturally() {
        assert_eq!(
            eta_revision(Lang::Ko, Some("14:45"), Some("15:00")),
            "예상 복구 시각이 14:45에서 15:00으로 변경되었습니다."
        );
        assert_eq!(
            eta_revision(Lang::Ko, None, Some("14:45")),
            "예상 복구 시각을 14:45로 안내했습니다."
        );
        assert_eq!(
            eta_revision(Lang::En, Some("14:45"), Some("15:00")),
            "Expected recovery changed from 14:45 to 15:00."
        );
    }
}
