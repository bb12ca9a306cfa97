//! The console's words, for the people who write notices: Korean first, English second.
//! A key missing in one language does not compile.

use super::console_manage::{self, ManageTexts};
use crate::domain::Lang;

pub struct ConsoleTexts {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    /// This language's name in itself.
    pub language_name: &'static str,
    pub title: &'static str,
    pub skip_to_content: &'static str,
    pub dashboard: &'static str,
    pub new_incident: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub public_page: &'static str,

    pub sign_in_title: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub login_refused: &'static str,
    pub login_throttled: &'static str,

    pub open_incidents: &'static str,
    pub none_open: &'static str,
    pub last_update: &'static str,
    pub next_update: &'static str,
    /// Followed by how late, such as "12분".
    pub overdue: &'static str,
    /// Followed by how long is left.
    pub due_in: &'static str,
    pub no_promise: &'static str,
    pub draft: &'static str,
    pub channels: &'static str,
    pub channel: &'static str,
    pub change: &'static str,
    pub status_of: &'static str,
    pub upcoming_maintenance: &'static str,
    pub none_upcoming: &'static str,
    pub recent_audit: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub what: &'static str,
    pub minutes_ago: &'static str,
    pub just_now: &'static str,

    pub affected: &'static str,
    pub affected_hint: &'static str,
    pub not_affected: &'static str,
    pub notice_title: &'static str,
    pub message: &'static str,
    pub korean: &'static str,
    pub english_optional: &'static str,
    pub eta: &'static str,
    pub eta_hint: &'static str,
    pub eta_quick: &'static str,
    pub eta_unknown: &'static str,
    pub after_minutes: &'static str,
    pub next_update_every: &'static str,
    pub minutes: &'static str,
    pub alternatives: &'static str,
    pub alternatives_hint: &'static str,
    pub instructions: &'static str,
    /// What customers are told to do with an alternative, before the operator edits it.
    pub default_instructions: fn(&str) -> String,
    pub template: &'static str,
    pub no_template: &'static str,
    pub use_template: &'static str,
    pub drill: &'static str,
    pub drill_hint: &'static str,
    pub preview: &'static str,
    pub preview_title: &'static str,
    pub preview_card: &'static str,
    pub preview_banner: &'static str,
    pub preview_page: &'static str,
    pub save_draft: &'static str,
    pub publish: &'static str,
    pub fix_these: &'static str,

    pub timeline: &'static str,
    pub post_update: &'static str,
    pub status: &'static str,
    pub keep_status: &'static str,
    pub change_eta: &'static str,
    pub clear_eta: &'static str,
    pub resolve: &'static str,
    pub resolve_message: &'static str,
    pub postmortem: &'static str,
    pub save_postmortem: &'static str,
    pub publish_draft: &'static str,
    pub draft_notice: &'static str,
    pub saved: &'static str,

    pub forbidden_title: &'static str,
    pub forbidden_role: &'static str,
    pub forbidden_form: &'static str,
    pub failed_title: &'static str,
    pub not_found: &'static str,
    pub back: &'static str,

    /// The pages that manage the schedule, the catalogue, templates, people, keys and
    /// the audit log.
    pub manage: &'static ManageTexts,
}

pub fn console_texts(lang: Lang) -> &'static ConsoleTexts {
    match lang {
        Lang::Ko => &KO,
        Lang::En => &EN,
    }
}

const KO: ConsoleTexts = ConsoleTexts {
    lang: "ko",
    other_lang: "en",
    other_lang_name: "English",
    language_name: "한국어",
    title: "운영 콘솔",
    skip_to_content: "본문으로 건너뛰기",
    dashboard: "대시보드",
    new_incident: "새 장애 공지",
    sign_out: "로그아웃",
    signed_in_as: "로그인 계정",
    public_page: "공개 상태 페이지",

    sign_in_title: "운영 콘솔 로그인",
    email: "이메일",
    password: "비밀번호",
    sign_in: "로그인",
    login_refused: "이메일 또는 비밀번호가 맞지 않습니다.",
    login_throttled: "로그인 시도가 너무 많습니다. 잠시 후 다시 시도해 주세요. 다시 시도할 수 있을 때까지(초):",

    open_incidents: "진행 중인 장애",
    none_open: "진행 중인 장애가 없습니다.",
    last_update: "마지막 업데이트",
    next_update: "다음 업데이트 약속",
    overdue: "늦음: 약속한 업데이트 시각이 지났습니다",
    due_in: "남은 시간",
    no_promise: "약속한 시각 없음",
    draft: "초안",
    channels: "결제 수단 상태",
    channel: "결제 수단",
    change: "변경",
    status_of: "상태",
    upcoming_maintenance: "예정된 점검",
    none_upcoming: "예정된 점검이 없습니다.",
    recent_audit: "최근 기록",
    when: "시각",
    who: "누가",
    what: "무엇을",
    minutes_ago: "전",
    just_now: "방금",

    affected: "영향받는 결제 수단",
    affected_hint: "영향받는 결제 수단마다 상태를 고르세요.",
    not_affected: "영향 없음",
    notice_title: "제목",
    message: "고객 안내 메시지",
    korean: "한국어",
    english_optional: "영어 (선택)",
    eta: "복구 예상 시각",
    eta_hint: "현지 시각",
    eta_quick: "빠른 선택",
    eta_unknown: "미정",
    after_minutes: "후",
    next_update_every: "다음 업데이트 간격",
    minutes: "분",
    alternatives: "대체 결제 수단",
    alternatives_hint: "지금 정상인 결제 수단만 안내합니다.",
    instructions: "안내 문구",
    default_instructions: |name| {
        format!(
            "결제 화면에서 {name}{} 선택해 결제해 주세요.",
            object_particle(name)
        )
    },
    template: "템플릿",
    no_template: "템플릿 없이 작성",
    use_template: "템플릿으로 채우기",
    drill: "훈련",
    drill_hint: "훈련은 공개되지 않고 누구에게도 알리지 않습니다. 전체 과정을 연습할 수 있습니다.",
    preview: "미리보기",
    preview_title: "고객에게 보일 모습 (아직 공개되지 않았습니다)",
    preview_card: "상태 페이지의 카드",
    preview_banner: "결제 화면 배너",
    preview_page: "장애 상세 페이지",
    save_draft: "초안으로 저장",
    publish: "게시",
    fix_these: "고칠 곳이 있습니다. 아무것도 저장되지 않았습니다.",

    timeline: "경과",
    post_update: "업데이트 게시",
    status: "진행 상태",
    keep_status: "그대로",
    change_eta: "복구 예상 시각 변경",
    clear_eta: "복구 예상 시각 지우기",
    resolve: "복구 완료",
    resolve_message: "현재 모든 결제가 정상적으로 처리되고 있습니다. 이용에 불편을 드려 죄송합니다.",
    postmortem: "사후 분석",
    save_postmortem: "사후 분석 게시",
    publish_draft: "초안 게시",
    draft_notice: "초안입니다. 게시하기 전에는 고객에게 보이지 않습니다.",
    saved: "저장했습니다.",

    forbidden_title: "요청을 거절했습니다",
    forbidden_role: "이 계정의 역할로는 할 수 없는 일입니다. 관리자에게 문의해 주세요.",
    forbidden_form: "이 양식은 이 사이트에서 보낸 것이 아니거나 만료되었습니다. 아무것도 바뀌지 않았습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
    failed_title: "처리하지 못했습니다",
    not_found: "찾을 수 없습니다.",
    back: "대시보드로 돌아가기",

    manage: &console_manage::KO,
};

const EN: ConsoleTexts = ConsoleTexts {
    lang: "en",
    other_lang: "ko",
    other_lang_name: "한국어",
    language_name: "English",
    title: "Operator console",
    skip_to_content: "Skip to content",
    dashboard: "Dashboard",
    new_incident: "New incident notice",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",
    public_page: "Public status page",

    sign_in_title: "Sign in to the operator console",
    email: "Email",
    password: "Password",
    sign_in: "Sign in",
    login_refused: "The email or password is not right.",
    login_throttled: "Too many sign-in attempts. Please try again later. Seconds until you can:",

    open_incidents: "Open incidents",
    none_open: "No incident is open.",
    last_update: "Last update",
    next_update: "Next update promised",
    overdue: "Overdue: the promised update time has passed",
    due_in: "Time left",
    no_promise: "No time promised",
    draft: "Draft",
    channels: "Payment channels",
    channel: "Payment channel",
    change: "Change",
    status_of: "Status",
    upcoming_maintenance: "Upcoming maintenance",
    none_upcoming: "No maintenance is scheduled.",
    recent_audit: "Recent activity",
    when: "When",
    who: "Who",
    what: "What",
    minutes_ago: "ago",
    just_now: "just now",

    affected: "Affected payment channels",
    affected_hint: "Pick a status for each affected channel.",
    not_affected: "Not affected",
    notice_title: "Title",
    message: "Message to customers",
    korean: "Korean",
    english_optional: "English (optional)",
    eta: "Expected recovery",
    eta_hint: "local time",
    eta_quick: "Quick choice",
    eta_unknown: "Unknown",
    after_minutes: "from now",
    next_update_every: "Next update every",
    minutes: "min",
    alternatives: "Payment methods to use instead",
    alternatives_hint: "Only channels working right now are offered.",
    instructions: "Instructions",
    default_instructions: |name| format!("Choose {name} on the payment screen to pay with it."),
    template: "Template",
    no_template: "Write without a template",
    use_template: "Fill in from the template",
    drill: "Drill",
    drill_hint: "A drill is never public and notifies no one: rehearse the whole flow.",
    preview: "Preview",
    preview_title: "What customers will see (not public yet)",
    preview_card: "The card on the status page",
    preview_banner: "The checkout banner",
    preview_page: "The incident's page",
    save_draft: "Save as draft",
    publish: "Publish",
    fix_these: "Some fields need fixing. Nothing was saved.",

    timeline: "Timeline",
    post_update: "Post an update",
    status: "Status",
    keep_status: "Unchanged",
    change_eta: "Change the expected recovery",
    clear_eta: "Clear the expected recovery",
    resolve: "Resolved",
    resolve_message: "All payments are being processed normally again. We apologise for the inconvenience.",
    postmortem: "Postmortem",
    save_postmortem: "Publish the postmortem",
    publish_draft: "Publish the draft",
    draft_notice: "This is a draft. Customers do not see it until it is published.",
    saved: "Saved.",

    forbidden_title: "Request refused",
    forbidden_role: "Your role does not allow this. Please ask an administrator.",
    forbidden_form: "This form was not sent from this site, or it has expired. Nothing was changed. Please reload the page and try again.",
    failed_title: "Could not do this",
    not_found: "Not found.",
    back: "Back to the dashboard",

    manage: &console_manage::EN,
};

/// 을 after a final consonant, 를 after a vowel; both when the word does not end in Hangul.
fn object_particle(word: &str) -> &'static str {
    match word.chars().last().map(u32::from) {
        Some(c @ 0xAC00..=0xD7A3) if (c - 0xAC00) % 28 != 0 => "을",
        Some(0xAC00..=0xD7A3) => "를",
        _ => "을(를)",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_object_particle_follows_the_last_syllable() {
        assert_eq!(super::object_particle("계좌이체"), "를");
        assert_eq!(super::object_particle("카카오페이"), "를");
        assert_eq!(super::object_particle("신용·체크카드"), "를");
        assert_eq!(super::object_particle("휴대폰 결제"), "를");
        assert_eq!(super::object_particle("가상계좌"), "를");
        assert_eq!(super::object_particle("휴대폰"), "을");
        assert_eq!(super::object_particle("PAYCO"), "을(를)");
    }

    #[test]
    fn the_console_speaks_both_languages() {
        assert_eq!(super::KO.lang, "ko");
        assert_eq!(super::EN.lang, "en");
        assert_ne!(super::KO.sign_in, super::EN.sign_in);
    }
}
