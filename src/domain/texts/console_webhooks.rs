//! The console's words for the webhooks pages: the endpoints, their secrets and their
//! deliveries. Korean first, English second; a key missing in one language does not
//! compile.

use crate::domain::{EventKind, Lang, WebhookFormat};

pub struct WebhookAdminTexts {
    pub title: &'static str,
    pub none: &'static str,
    pub url: &'static str,
    pub format: &'static str,
    pub lang: &'static str,
    pub events: &'static str,
    pub events_hint: &'static str,
    pub components: &'static str,
    pub components_hint: &'static str,
    pub every: &'static str,
    pub enabled: &'static str,
    pub disabled: &'static str,
    pub reason: &'static str,
    pub failing_since: &'static str,
    pub actions: &'static str,
    pub add: &'static str,
    pub rotate: &'static str,
    pub test: &'static str,
    pub enable: &'static str,
    pub disable: &'static str,
    pub delete: &'static str,
    pub delete_hint: &'static str,
    pub deliveries: &'static str,
    pub new_secret: &'static str,
    pub rotated_secret: &'static str,
    pub secret: &'static str,
    pub secret_once: &'static str,
    pub rotated_hint: &'static str,
    pub back: &'static str,
    pub deliveries_hint: &'static str,
    pub no_deliveries: &'static str,
    pub state: &'static str,
    pub created: &'static str,
    pub next_attempt: &'static str,
    pub done_at: &'static str,
    pub last_error: &'static str,
    pub attempt: &'static str,
    pub at: &'static str,
    pub status_code: &'static str,
    pub latency: &'static str,
    pub error: &'static str,
    pub no_answer: &'static str,
    pub no_attempts: &'static str,
    pub lang_name: fn(Lang) -> &'static str,
    pub format_name: fn(WebhookFormat) -> &'static str,
    pub event_name: fn(EventKind) -> &'static str,
    /// A delivery's state (`pending`, `sent`, `failed`); `None` for one not known here.
    pub state_name: fn(&str) -> Option<&'static str>,
}

pub fn webhook_admin_texts(lang: Lang) -> &'static WebhookAdminTexts {
    match lang {
        Lang::Ko => &KO,
        Lang::En => &EN,
    }
}

static KO: WebhookAdminTexts = WebhookAdminTexts {
    title: "웹훅",
    none: "웹훅 엔드포인트가 없습니다.",
    url: "받을 주소 (URL)",
    format: "형식",
    lang: "언어",
    events: "이벤트",
    events_hint: "하나도 고르지 않으면 고객 신고 급증을 뺀 모든 이벤트를 보냅니다.",
    components: "결제 수단",
    components_hint: "하나도 고르지 않으면 모든 결제 수단의 이벤트를 보냅니다.",
    every: "전체",
    enabled: "사용 중",
    disabled: "사용 중지됨",
    reason: "사유",
    failing_since: "전송 실패 시작",
    actions: "작업",
    add: "웹훅 추가",
    rotate: "비밀 키 교체",
    test: "테스트 이벤트 보내기",
    enable: "다시 사용",
    disable: "사용 중지",
    delete: "삭제",
    delete_hint: "삭제하면 아직 보내지 않은 전송도 모두 취소되며 되돌릴 수 없습니다.",
    deliveries: "전송 기록",
    new_secret: "새 웹훅의 서명 비밀 키",
    rotated_secret: "교체한 서명 비밀 키",
    secret: "서명 비밀 키",
    secret_once: "이 비밀 키는 지금 한 번만 보여 드립니다. 받는 쪽에 지금 설정해 두세요. 다시 볼 수 없습니다.",
    rotated_hint: "이전 비밀 키로는 더 이상 서명하지 않습니다.",
    back: "웹훅 목록으로",
    deliveries_hint: "최근 100건을 최신순으로 보여 줍니다. 시도마다 시각, 응답 코드, 응답 시간, 오류가 있습니다.",
    no_deliveries: "아직 전송 기록이 없습니다.",
    state: "상태",
    created: "만든 시각",
    next_attempt: "다음 시도",
    done_at: "끝난 시각",
    last_error: "마지막 오류",
    attempt: "시도",
    at: "시각",
    status_code: "응답 코드",
    latency: "응답 시간 (ms)",
    error: "오류",
    no_answer: "응답 없음",
    no_attempts: "아직 시도하지 않았습니다.",
    lang_name: |lang| match lang {
        Lang::Ko => "한국어",
        Lang::En => "영어",
    },
    format_name: |format| match format {
        WebhookFormat::Standard => "standard: Standard Webhooks (이 서비스의 JSON)",
        WebhookFormat::Statuspage => "statuspage: Statuspage가 보내는 모양",
        WebhookFormat::Slack => "slack: Slack·Mattermost 메시지",
    },
    event_name: |kind| match kind {
        EventKind::IncidentCreated => "장애 공지 게시",
        EventKind::IncidentUpdated => "장애 공지 업데이트",
        EventKind::IncidentResolved => "장애 복구",
        EventKind::IncidentPostmortem => "사후 분석 게시",
        EventKind::MaintenanceScheduled => "점검 예약",
        EventKind::MaintenanceUpdated => "점검 업데이트",
        EventKind::MaintenanceStarted => "점검 시작",
        EventKind::MaintenanceCompleted => "점검 완료",
        EventKind::ComponentStatusChanged => "결제 수단 상태 변경",
        EventKind::ReportsSpike => "고객 결제 실패 신고 급증 (고른 경우에만)",
        EventKind::Test => "테스트",
    },
    state_name: |state| match state {
        "pending" => Some("보내는 중 (재시도 포함)"),
        "sent" => Some("보냄"),
        "failed" => Some("실패 (더 시도하지 않음)"),
        _ => None,
    },
};

static EN: WebhookAdminTexts = WebhookAdminTexts {
    title: "Webhooks",
    none: "There are no webhook endpoints.",
    url: "URL to send to",
    format: "Format",
    lang: "Language",
    events: "Events",
    events_hint: "Tick none to send every event but spikes in customers' reports.",
    components: "Payment channels",
    components_hint: "Tick none to send events about every channel.",
    every: "All",
    enabled: "Enabled",
    disabled: "Disabled",
    reason: "Reason",
    failing_since: "Failing since",
    actions: "Actions",
    add: "Add a webhook",
    rotate: "Rotate the secret",
    test: "Send a test event",
    enable: "Enable",
    disable: "Disable",
    delete: "Delete",
    delete_hint: "Deleting cancels every delivery not yet sent; it cannot be undone.",
    deliveries: "Deliveries",
    new_secret: "The new webhook's signing secret",
    rotated_secret: "The rotated signing secret",
    secret: "Signing secret",
    secret_once: "This secret is shown this once. Set it up at the receiver now: it cannot be shown again.",
    rotated_hint: "The old secret no longer signs anything.",
    back: "Back to webhooks",
    deliveries_hint: "The newest 100, newest first, each attempt with its time, status code, latency and error.",
    no_deliveries: "Nothing has been delivered yet.",
    state: "State",
    created: "Created",
    next_attempt: "Next attempt",
    done_at: "Finished",
    last_error: "Last error",
    attempt: "Attempt",
    at: "Time",
    status_code: "Status code",
    latency: "Latency (ms)",
    error: "Error",
    no_answer: "No answer",
    no_attempts: "Not tried yet.",
    lang_name: |lang| match lang {
        Lang::Ko => "Korean",
        Lang::En => "English",
    },
    format_name: |format| match format {
        WebhookFormat::Standard => "standard: Standard Webhooks (our JSON)",
        WebhookFormat::Statuspage => "statuspage: shaped as Statuspage sends it",
        WebhookFormat::Slack => "slack: a Slack or Mattermost message",
    },
    event_name: |kind| match kind {
        EventKind::IncidentCreated => "Incident posted",
        EventKind::IncidentUpdated => "Incident updated",
        EventKind::IncidentResolved => "Incident resolved",
        EventKind::IncidentPostmortem => "Postmortem posted",
        EventKind::MaintenanceScheduled => "Maintenance scheduled",
        EventKind::MaintenanceUpdated => "Maintenance updated",
        EventKind::MaintenanceStarted => "Maintenance started",
        EventKind::MaintenanceCompleted => "Maintenance completed",
        EventKind::ComponentStatusChanged => "Channel status changed",
        EventKind::ReportsSpike => "Spike in customers' failure reports (only when ticked)",
        EventKind::Test => "Test",
    },
    state_name: |state| match state {
        "pending" => Some("Sending (retries included)"),
        "sent" => Some("Sent"),
        "failed" => Some("Failed (no more attempts)"),
        _ => None,
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_say_something_different() {
        let all = |t: &WebhookAdminTexts| {
            [
                t.title,
                t.none,
                t.url,
                t.format,
                t.lang,
                t.events,
                t.events_hint,
                t.components,
                t.components_hint,
                t.every,
                t.enabled,
                t.disabled,
                t.reason,
                t.failing_since,
                t.actions,
                t.add,
                t.rotate,
                t.test,
                t.enable,
                t.disable,
                t.delete,
                t.delete_hint,
                t.deliveries,
                t.new_secret,
                t.rotated_secret,
                t.secret,
                t.secret_once,
                t.rotated_hint,
                t.back,
                t.deliveries_hint,
                t.no_deliveries,
                t.state,
                t.created,
                t.next_attempt,
                t.done_at,
                t.last_error,
                t.attempt,
                t.at,
                t.status_code,
                t.latency,
                t.error,
                t.no_answer,
                t.no_attempts,
            ]
        };
        for (ko, en) in all(&KO).into_iter().zip(all(&EN)) {
            assert!(!ko.is_empty() && !en.is_empty() && ko != en, "{ko} / {en}");
        }
        for lang in Lang::ALL {
            assert_ne!((KO.lang_name)(lang), (EN.lang_name)(lang));
        }
        for format in WebhookFormat::ALL {
            assert_ne!((KO.format_name)(format), (EN.format_name)(format));
        }
        for kind in EventKind::ALL.into_iter().chain([EventKind::Test]) {
            assert_ne!((KO.event_name)(kind), (EN.event_name)(kind));
        }
        for state in ["pending", "sent", "failed"] {
            let (ko, en) = ((KO.state_name)(state), (EN.state_name)(state));
            assert!(ko.is_some() && ko != en, "{state}");
        }
        assert_eq!((KO.state_name)("lost"), None);
    }
}
