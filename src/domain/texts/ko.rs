//! 한국어: every customer-facing word in Korean.

use super::{
    AutomaticUpdateWords, BannerWords, ComponentStatusWords, KindWords, NoticeStatusWords, Texts,
    WidgetBannerWords, WidgetOptionWords, WidgetTexts,
};
use chrono::{DateTime, Datelike};
use chrono_tz::Tz;

pub static KO: Texts = Texts {
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
    timeline_update: "추가 안내",
    eta_revisions: "예상 복구 시각 변경",
    postmortem: "사후 분석",
    started: "시작",
    resolved: "해결",
    duration: "지속 시간",
    updated: "마지막 갱신",
    subscribe_rss: "RSS로 구독하기",
    subscribe_atom: "Atom 피드",
    feed_title: "결제 서비스 상태 - 장애·점검 기록",
    not_found_title: "페이지를 찾을 수 없습니다",
    not_found_body: "주소를 다시 확인해 주세요. 현재 결제 서비스 상태는 첫 화면에서 보실 수 있습니다.",
    embed_details: "자세히 보기",
    embed_close: "닫기",

    banners: BannerWords {
        none: "모든 결제 서비스가 정상입니다",
        minor: "일부 결제 서비스가 느려지고 있습니다",
        major: "일부 결제 수단에 장애가 있습니다",
        critical: "결제 서비스에 큰 장애가 있습니다",
        maintenance: "점검 중인 결제 수단이 있습니다",
    },
    component_statuses: ComponentStatusWords {
        operational: "정상",
        degraded_performance: "지연",
        partial_outage: "일부 장애",
        major_outage: "장애",
        under_maintenance: "점검 중",
    },
    notice_statuses: NoticeStatusWords {
        investigating: "원인 확인 중",
        identified: "원인 파악",
        monitoring: "복구 확인 중",
        resolved: "해결",
        postmortem: "사후 분석",
        scheduled: "점검 예정",
        in_progress: "점검 중",
        verifying: "점검 확인 중",
        completed: "점검 완료",
    },
    kinds: KindWords {
        incident: "장애",
        maintenance: "점검",
    },
    automatic_updates: AutomaticUpdateWords {
        in_progress: "예정된 점검을 시작했습니다.",
        verifying: "점검 결과를 확인하고 있습니다.",
        completed: "점검이 완료되었습니다. 이제 정상적으로 이용하실 수 있습니다.",
        resolved: "문제가 해결되었습니다.",
        postmortem: "사후 분석을 게시했습니다. 원인과 재발 방지 대책을 확인하실 수 있습니다.",
        continuing: "상황을 계속 확인하고 있습니다.",
    },
    widget: WidgetTexts {
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
    },
    widget_options: WidgetOptionWords {
        components: "보여 줄 결제 수단 id (없으면 전체)",
        lang: "언어 (기본: 페이지의 lang, 없으면 상태 페이지의 기본 언어)",
        upcoming: "이 시간 안에 시작하는 점검도 알림",
        interval: "상태를 다시 읽는 간격(초, 최소 15)",
        position: "배너 위치 (inline: 스크립트 자리)",
        theme: "색 테마 (기본: 시스템 설정)",
        accent: "강조 색",
        background: "배경 색",
        text: "글자 색",
        z_index: "겹침 순서 (top/bottom)",
    },
    widget_banner: WidgetBannerWords {
        scheduled: "점검 예정",
        in_progress: "점검 중",
    },

    next_update_by,
    eta_revision,
    default_instructions,
    date_time,
    until,
    lasted,

    eta_unknown: "확인 중",
    channels_unnamed: "결제 서비스",
    no_alternative: "다른 결제 수단",
    list,
};

fn next_update_by(time: &str) -> String {
    format!("{time}까지")
}

fn eta_revision(previous: Option<&str>, eta: Option<&str>) -> String {
    match (previous, eta) {
        (None, Some(new)) => format!("예상 복구 시각을 {new}{} 안내했습니다.", ro_particle(new)),
        (Some(old), Some(new)) => format!(
            "예상 복구 시각이 {old}에서 {new}{} 변경되었습니다.",
            ro_particle(new)
        ),
        (Some(old), None) => format!("예상 복구 시각({old})을 다시 확인하고 있습니다."),
        (None, None) => "예상 복구 시각을 확인하고 있습니다.".to_string(),
    }
}

fn default_instructions(channel: &str) -> String {
    format!("결제 화면에서 '{channel}' 항목을 선택해 주세요.")
}

fn date_time(local: &DateTime<Tz>, with_year: bool) -> String {
    let (month, day, time) = (local.month(), local.day(), local.format("%H:%M"));
    if with_year {
        format!("{}년 {month}월 {day}일 {time}", local.year())
    } else {
        format!("{month}월 {day}일 {time}")
    }
}

fn until(hours: i64, minutes: i64) -> String {
    match (hours, minutes) {
        (0, 0) => "곧".to_string(),
        (0, m) => format!("약 {m}분 후"),
        (h, 0) => format!("약 {h}시간 후"),
        (h, m) => format!("약 {h}시간 {m}분 후"),
    }
}

fn lasted(hours: i64, minutes: i64) -> String {
    match hours {
        0 => format!("{minutes}분"),
        h => format!("{h}시간 {minutes}분"),
    }
}

fn list(names: &[&str]) -> String {
    names.join(", ")
}

/// The particle "(으)로" after a word: "으로" after a final consonant other than ㄹ, "로"
/// otherwise. Digits are read as Sino-Korean numbers (0 영, 1 일, 3 삼, 6 육 …).
fn ro_particle(word: &str) -> &'static str {
    match word.chars().last() {
        Some('0' | '3' | '6') => "으로",
        Some('1' | '2' | '4' | '5' | '7' | '8' | '9') => "로",
        Some(c @ '가'..='힣') => {
            let final_consonant = (c as u32 - '가' as u32) % 28;
            // 0: no final consonant; 8: ㄹ.
            if final_consonant == 0 || final_consonant == 8 {
                "로"
            } else {
                "으로"
            }
        }
        _ => "로",
    }
}

#[cfg(test)]
mod tests {
    use super::ro_particle;

    #[test]
    fn the_ro_particle_follows_the_last_sound() {
        assert_eq!(ro_particle("15:00"), "으로");
        assert_eq!(ro_particle("14:45"), "로");
        assert_eq!(ro_particle("14:41"), "로");
        assert_eq!(ro_particle("미정"), "으로");
        assert_eq!(ro_particle("계좌이체"), "로");
        assert_eq!(ro_particle("서울"), "로");
    }
}
