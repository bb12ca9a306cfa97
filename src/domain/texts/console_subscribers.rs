//! The console's words for the email subscribers page. Korean first, English second; a
//! key missing in one language does not compile.

use crate::domain::Lang;

pub struct SubscriberAdminTexts {
    pub title: &'static str,
    pub none: &'static str,
    pub email: &'static str,
    pub lang: &'static str,
    pub channels: &'static str,
    pub everything: &'static str,
    pub confirmed: &'static str,
    pub pending: &'static str,
    pub remove: &'static str,
    pub export: &'static str,
    pub import: &'static str,
    pub import_hint: &'static str,
    pub consented: &'static str,
    pub more: &'static str,
    /// What an import did: added, already there.
    pub imported: fn(added: usize, existing: usize) -> String,
}

pub fn subscriber_admin_texts(lang: Lang) -> &'static SubscriberAdminTexts {
    match lang {
        Lang::Ko => &KO,
        Lang::En => &EN,
    }
}

static KO: SubscriberAdminTexts = SubscriberAdminTexts {
    title: "메일 구독자",
    none: "구독자가 없습니다.",
    email: "메일 주소",
    lang: "언어",
    channels: "결제 수단",
    everything: "전체",
    confirmed: "확인됨",
    pending: "확인 대기 (48시간 뒤 삭제)",
    remove: "삭제",
    export: "CSV로 내보내기",
    import: "가져오기",
    import_hint: "한 줄에 한 명: 메일 주소, 언어(ko 또는 en), 결제 수단(공백으로 구분, 비우면 전체). 내보낸 CSV를 그대로 붙여 넣어도 됩니다.",
    consented: "이 주소들은 모두 메일 수신에 동의했습니다 (확인 메일 없이 바로 등록됩니다)",
    more: "앞의 200명만 보여 줍니다. 전체 목록은 CSV로 내보내세요.",
    imported: |added, existing| {
        format!("{added}명을 추가했습니다. {existing}명은 이미 구독 중입니다.")
    },
};

static EN: SubscriberAdminTexts = SubscriberAdminTexts {
    title: "Email subscribers",
    none: "No subscribers.",
    email: "Email address",
    lang: "Language",
    channels: "Payment methods",
    everything: "Everything",
    confirmed: "Confirmed",
    pending: "Waiting for confirmation (deleted after 48 h)",
    remove: "Remove",
    export: "Export as CSV",
    import: "Import",
    import_hint: "One per line: email address, language (ko or en), payment methods (separated by spaces; none for all). An exported CSV can be pasted as it is.",
    consented: "Every one of these addresses agreed to receive these emails (they are added without a confirmation email)",
    more: "Only the first 200 are shown. Export the CSV for all of them.",
    imported: |added, existing| format!("Added {added}; {existing} were already subscribed."),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_say_something_different() {
        let all = |t: &SubscriberAdminTexts| {
            [
                t.title,
                t.none,
                t.email,
                t.lang,
                t.channels,
                t.everything,
                t.confirmed,
                t.pending,
                t.remove,
                t.export,
                t.import,
                t.import_hint,
                t.consented,
                t.more,
            ]
        };
        for (ko, en) in all(&KO).into_iter().zip(all(&EN)) {
            assert!(!ko.is_empty() && !en.is_empty() && ko != en, "{ko} / {en}");
        }
        assert_ne!((KO.imported)(1, 2), (EN.imported)(1, 2));
    }
}
