//! The console's words for the pages that manage things rather than write notices: the
//! maintenance schedule, the channel catalogue, templates, people, API keys and the audit
//! log. Korean first, English second; a key missing in one language does not compile.
//! Reached through [`ConsoleTexts::manage`](super::ConsoleTexts).

use crate::domain::{Role, Scope, TemplateKind};

pub struct ManageTexts {
    pub schedule_maintenance: &'static str,
    pub catalogue: &'static str,
    pub templates: &'static str,
    pub people: &'static str,
    pub keys: &'static str,
    pub audit: &'static str,
    pub save: &'static str,
    pub add: &'static str,
    pub edit: &'static str,
    pub id: &'static str,

    pub maintenance_window: &'static str,
    pub starts: &'static str,
    pub ends: &'static str,
    pub under_maintenance: &'static str,
    pub under_maintenance_hint: &'static str,
    pub auto_transition: &'static str,
    pub edit_maintenance: &'static str,
    pub starts_locked: &'static str,
    pub maintenance_closed: &'static str,
    pub cancel_maintenance: &'static str,
    pub cancel_hint: &'static str,
    pub cancel_message: &'static str,
    pub timeline_link: &'static str,

    pub name: &'static str,
    pub description: &'static str,
    pub group: &'static str,
    pub no_group: &'static str,
    pub position: &'static str,
    pub position_hint: &'static str,
    pub fallbacks: &'static str,
    pub kind: &'static str,
    pub channel: &'static str,
    pub add_component: &'static str,
    pub component_id: &'static str,
    pub id_hint: &'static str,
    pub make_group: &'static str,

    pub new_template: &'static str,
    pub edit_template: &'static str,
    pub template_name: &'static str,
    pub template_id: &'static str,
    pub no_templates: &'static str,
    pub no_status: &'static str,
    pub template_channels: &'static str,
    pub placeholders_hint: &'static str,
    pub next_update_minutes: &'static str,
    pub delete_template: &'static str,
    pub delete_hint: &'static str,
    pub kind_incident: &'static str,
    pub kind_maintenance: &'static str,
    pub kind_resolution: &'static str,
    pub kind_postmortem: &'static str,

    pub role: &'static str,
    pub role_viewer: &'static str,
    pub role_editor: &'static str,
    pub role_admin: &'static str,
    pub active: &'static str,
    pub disabled: &'static str,
    pub last_login: &'static str,
    pub never: &'static str,
    pub change_role: &'static str,
    pub disable: &'static str,
    pub disable_hint: &'static str,
    pub add_person: &'static str,
    pub password_hint: &'static str,

    pub key_name: &'static str,
    pub scopes: &'static str,
    pub scope_read: &'static str,
    pub scope_incidents: &'static str,
    pub scope_components: &'static str,
    pub scope_keys: &'static str,
    pub scope_automation: &'static str,
    pub created: &'static str,
    pub last_used: &'static str,
    pub revoked: &'static str,
    pub revoke: &'static str,
    pub create_key: &'static str,
    pub no_keys: &'static str,
    pub new_key_title: &'static str,
    pub new_key_once: &'static str,
    pub back_to_keys: &'static str,

    pub filter: &'static str,
    pub action_prefix: &'static str,
    pub actor: &'static str,
    pub from: &'static str,
    pub until: &'static str,
    pub target: &'static str,
    pub older: &'static str,
    pub no_entries: &'static str,
    pub whole_audit: &'static str,
    pub clear_filters: &'static str,
}

impl ManageTexts {
    pub fn template_kind(&self, kind: TemplateKind) -> &'static str {
        match kind {
            TemplateKind::Incident => self.kind_incident,
            TemplateKind::Maintenance => self.kind_maintenance,
            TemplateKind::Resolution => self.kind_resolution,
            TemplateKind::Postmortem => self.kind_postmortem,
        }
    }

    pub fn role(&self, role: Role) -> &'static str {
        match role {
            Role::Viewer => self.role_viewer,
            Role::Editor => self.role_editor,
            Role::Admin => self.role_admin,
        }
    }

    pub fn scope(&self, scope: Scope) -> &'static str {
        match scope {
            Scope::Read => self.scope_read,
            Scope::Incidents => self.scope_incidents,
            Scope::Components => self.scope_components,
            Scope::Keys => self.scope_keys,
            Scope::Automation => self.scope_automation,
        }
    }
}

pub(super) const KO: ManageTexts = ManageTexts {
    schedule_maintenance: "점검 예약",
    catalogue: "결제 수단 관리",
    templates: "공지 템플릿",
    people: "사용자",
    keys: "API 키",
    audit: "활동 기록",
    save: "저장",
    add: "추가",
    edit: "수정",
    id: "ID",

    maintenance_window: "점검 시간",
    starts: "시작",
    ends: "종료",
    under_maintenance: "점검 대상 결제 수단",
    under_maintenance_hint: "점검하는 동안 고른 결제 수단은 '점검 중'으로 표시됩니다.",
    auto_transition: "시작·종료 시각에 상태를 자동으로 바꾸기",
    edit_maintenance: "점검 일정 변경",
    starts_locked: "이미 시작한 점검은 시작 시각을 바꿀 수 없습니다.",
    maintenance_closed: "이 점검은 끝났습니다. 더 바꿀 수 없습니다.",
    cancel_maintenance: "점검 취소",
    cancel_hint: "취소하면 점검이 '완료'로 닫히고 아래 안내가 고객에게 게시됩니다. 되돌릴 수 없습니다.",
    cancel_message: "예정되어 있던 점검이 취소되었습니다. 모든 결제 수단을 평소처럼 이용하실 수 있습니다.",
    timeline_link: "경과와 업데이트 보기",

    name: "이름",
    description: "설명",
    group: "그룹",
    no_group: "그룹 없음",
    position: "표시 순서",
    position_hint: "작은 수가 먼저 표시됩니다.",
    fallbacks: "이 결제 수단에 장애가 나면 안내할 대체 결제 수단",
    kind: "종류",
    channel: "결제 수단",
    add_component: "결제 수단 추가",
    component_id: "ID (영문 소문자, 숫자, -)",
    id_hint: "한 번 쓴 ID는 삭제한 뒤에도 다시 쓸 수 없습니다.",
    make_group: "그룹으로 만들기 (결제 수단을 묶습니다)",

    new_template: "새 템플릿",
    edit_template: "템플릿 수정",
    template_name: "템플릿 이름 (운영자만 봅니다)",
    template_id: "템플릿 ID (영문 소문자, 숫자, -)",
    no_templates: "템플릿이 없습니다.",
    no_status: "정하지 않음",
    template_channels: "주로 영향받는 결제 수단",
    placeholders_hint: "쓸 수 있는 자리표시자: {channels} 결제 수단 이름, {eta} 복구 예상 시각, {alternatives} 대체 결제 수단, {title} 제목 (메시지에서만)",
    next_update_minutes: "다음 업데이트 간격 (분, 비우면 약속하지 않음)",
    delete_template: "템플릿 삭제",
    delete_hint: "삭제하면 되돌릴 수 없습니다. 활동 기록에는 내용이 남습니다.",
    kind_incident: "장애 공지",
    kind_maintenance: "점검 공지",
    kind_resolution: "복구·완료 안내",
    kind_postmortem: "사후 분석",

    role: "역할",
    role_viewer: "조회자 (보기만 함)",
    role_editor: "편집자 (장애·점검 공지 작성)",
    role_admin: "관리자 (모든 권한)",
    active: "사용 중",
    disabled: "사용 중지됨",
    last_login: "마지막 로그인",
    never: "없음",
    change_role: "역할 변경",
    disable: "사용 중지",
    disable_hint: "사용을 중지하면 그 사람의 로그인이 바로 끝나고 다시 로그인할 수 없습니다.",
    add_person: "사용자 추가",
    password_hint: "12자 이상",

    key_name: "키 이름 (활동 기록에 남습니다)",
    scopes: "권한",
    scope_read: "read: 조회 (초안과 활동 기록 포함)",
    scope_incidents: "incidents: 장애·점검 공지와 결제 수단 상태",
    scope_components: "components: 결제 수단 목록과 템플릿",
    scope_keys: "keys: API 키",
    scope_automation: "automation: 모니터링 알림(채널 상태, 검토할 초안)",
    created: "만든 시각",
    last_used: "마지막 사용",
    revoked: "폐기됨",
    revoke: "폐기",
    create_key: "API 키 만들기",
    no_keys: "API 키가 없습니다.",
    new_key_title: "새 API 키",
    new_key_once: "이 키는 지금 한 번만 보여 드립니다. 안전한 곳에 복사해 두세요. 다시 볼 수 없습니다.",
    back_to_keys: "API 키 목록으로",

    filter: "찾기",
    action_prefix: "무엇을 (예: incident 또는 incident.update)",
    actor: "누가 (이메일 또는 키 이름)",
    from: "부터",
    until: "까지 (이 시각 전까지)",
    target: "대상",
    older: "이전 기록",
    no_entries: "조건에 맞는 기록이 없습니다.",
    whole_audit: "활동 기록 전체 보기",
    clear_filters: "조건 지우기",
};

pub(super) const EN: ManageTexts = ManageTexts {
    schedule_maintenance: "Schedule maintenance",
    catalogue: "Payment channels",
    templates: "Notice templates",
    people: "People",
    keys: "API keys",
    audit: "Audit log",
    save: "Save",
    add: "Add",
    edit: "Edit",
    id: "Id",

    maintenance_window: "Maintenance window",
    starts: "Starts",
    ends: "Ends",
    under_maintenance: "Channels under maintenance",
    under_maintenance_hint: "During the window, the channels ticked show as under maintenance.",
    auto_transition: "Start and complete with the window by itself",
    edit_maintenance: "Change the maintenance",
    starts_locked: "The start cannot move once the maintenance has begun.",
    maintenance_closed: "This maintenance is over and can no longer change.",
    cancel_maintenance: "Cancel the maintenance",
    cancel_hint: "Cancelling closes the maintenance as completed and posts the message below to customers. It cannot be undone.",
    cancel_message: "The scheduled maintenance has been cancelled. All payment methods can be used as usual.",
    timeline_link: "See the timeline and post updates",

    name: "Name",
    description: "Description",
    group: "Group",
    no_group: "No group",
    position: "Position",
    position_hint: "Lower numbers are shown first.",
    fallbacks: "Channels to suggest when this one fails",
    kind: "Kind",
    channel: "Payment channel",
    add_component: "Add a payment channel",
    component_id: "Id (a-z, 0-9 and -)",
    id_hint: "An id is never used again, even after it is deleted.",
    make_group: "Make it a group (it holds channels)",

    new_template: "New template",
    edit_template: "Edit the template",
    template_name: "Template name (only operators see it)",
    template_id: "Template id (a-z, 0-9 and -)",
    no_templates: "There are no templates.",
    no_status: "Not set",
    template_channels: "Channels it usually affects",
    placeholders_hint: "Placeholders: {channels} the channels' names, {eta} the expected recovery, {alternatives} channels to use instead, {title} the title (in the message only)",
    next_update_minutes: "Next update every (minutes; blank promises none)",
    delete_template: "Delete the template",
    delete_hint: "Deleting cannot be undone. The audit log keeps its words.",
    kind_incident: "Incident",
    kind_maintenance: "Maintenance",
    kind_resolution: "Resolution",
    kind_postmortem: "Postmortem",

    role: "Role",
    role_viewer: "Viewer (reads only)",
    role_editor: "Editor (writes incidents and maintenance)",
    role_admin: "Admin (everything)",
    active: "Active",
    disabled: "Disabled",
    last_login: "Last sign-in",
    never: "Never",
    change_role: "Change role",
    disable: "Disable",
    disable_hint: "Disabling signs the person out at once; they cannot sign in again.",
    add_person: "Add a person",
    password_hint: "At least 12 characters",

    key_name: "Key name (shown in the audit log)",
    scopes: "Scopes",
    scope_read: "read: reading, drafts and the audit log included",
    scope_incidents: "incidents: incidents, maintenance and channel status",
    scope_components: "components: the channel catalogue and templates",
    scope_keys: "keys: API keys",
    scope_automation: "automation: monitoring alerts (channel status, drafts to review)",
    created: "Created",
    last_used: "Last used",
    revoked: "Revoked",
    revoke: "Revoke",
    create_key: "Make an API key",
    no_keys: "There are no API keys.",
    new_key_title: "New API key",
    new_key_once: "This key is shown this once. Copy it somewhere safe now: it cannot be shown again.",
    back_to_keys: "Back to API keys",

    filter: "Filter",
    action_prefix: "What (such as incident or incident.update)",
    actor: "Who (an email or a key's name)",
    from: "From",
    until: "Until (before this time)",
    target: "Target",
    older: "Older entries",
    no_entries: "No entry matches.",
    whole_audit: "See the whole audit log",
    clear_filters: "Clear the filters",
};

#[cfg(test)]
mod tests {
    use super::{EN, KO};
    use crate::domain::{Role, Scope, TemplateKind};

    #[test]
    fn every_choice_has_words_in_both_languages() {
        for t in [&KO, &EN] {
            for kind in TemplateKind::ALL {
                assert!(!t.template_kind(*kind).is_empty());
            }
            for role in Role::ALL {
                assert!(!t.role(role).is_empty());
            }
            for scope in Scope::ALL {
                assert!(!t.scope(scope).is_empty());
            }
        }
        assert_ne!(KO.cancel_message, EN.cancel_message);
        assert_ne!(KO.new_key_once, EN.new_key_once);
    }
}
