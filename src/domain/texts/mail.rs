//! The words of email subscriptions: the mails and the pages where one subscribes,
//! confirms, changes or unsubscribes. Korean first, English second; a key missing in one
//! language does not compile.

use crate::domain::Lang;

pub struct MailTexts {
    /// The main page's link to the subscribe page.
    pub page_link: &'static str,
    pub subscribe_title: &'static str,
    pub subscribe_intro: &'static str,
    pub email_label: &'static str,
    pub channels_label: &'static str,
    pub channels_hint: &'static str,
    pub lang_label: &'static str,
    pub subscribe_button: &'static str,
    pub check_inbox_title: &'static str,
    pub check_inbox_body: &'static str,
    pub confirm_title: &'static str,
    pub confirm_body: &'static str,
    pub confirm_button: &'static str,
    pub confirmed_title: &'static str,
    pub confirmed_body: &'static str,
    pub manage_title: &'static str,
    pub manage_body: &'static str,
    pub save_button: &'static str,
    pub saved: &'static str,
    pub unsubscribe_button: &'static str,
    pub unsubscribed_title: &'static str,
    pub unsubscribed_body: &'static str,
    pub link_invalid_title: &'static str,
    pub link_invalid_body: &'static str,
    pub too_many_title: &'static str,
    pub too_many_body: &'static str,
    pub invalid_email: &'static str,
    pub invalid_choice: &'static str,
    pub mail_failed: &'static str,
    pub unavailable: &'static str,
    pub back_to_status: &'static str,

    pub confirm_subject: &'static str,
    pub confirm_mail_body: &'static str,
    pub confirm_mail_ignore: &'static str,
    pub view_notice: &'static str,
    pub manage_link: &'static str,
    /// The footer's reason for the mail, after the site's name.
    pub why: fn(site: &str) -> String,
    /// A channel's change of status: name, before, after.
    pub channel_changed: fn(name: &str, old: &str, new: &str) -> String,
}

pub fn mail_texts(lang: Lang) -> &'static MailTexts {
    match lang {
        Lang::Ko => &KO,
        Lang::En => &EN,
    }
}

static KO: MailTexts = MailTexts {
    page_link: "메일로 알림 받기",
    subscribe_title: "장애·점검 소식을 메일로 받기",
    subscribe_intro: "결제 장애와 점검 소식을 메일로 알려 드립니다. 메일 주소와 선택하신 내용만 보관하며, 구독을 해지하면 바로 삭제합니다.",
    email_label: "메일 주소",
    channels_label: "받을 결제 수단",
    channels_hint: "선택하지 않으면 모든 결제 수단의 소식을 보내 드립니다.",
    lang_label: "메일 언어",
    subscribe_button: "구독하기",
    check_inbox_title: "메일을 확인해 주세요",
    check_inbox_body: "확인 메일을 보냈습니다. 48시간 안에 메일의 링크를 열어 구독을 확인해 주세요.",
    confirm_title: "구독 확인",
    confirm_body: "아래 버튼을 누르면 구독이 시작됩니다.",
    confirm_button: "구독 확인하기",
    confirmed_title: "구독이 확인되었습니다",
    confirmed_body: "이제 장애와 점검 소식을 메일로 보내 드립니다. 모든 메일 아래쪽에서 설정을 바꾸거나 구독을 해지할 수 있습니다.",
    manage_title: "메일 알림 설정",
    manage_body: "받을 결제 수단과 언어를 바꾸거나 구독을 해지할 수 있습니다.",
    save_button: "저장하기",
    saved: "저장되었습니다.",
    unsubscribe_button: "구독 해지하기",
    unsubscribed_title: "구독이 해지되었습니다",
    unsubscribed_body: "메일 주소를 삭제했습니다. 더 이상 메일을 보내지 않습니다.",
    link_invalid_title: "사용할 수 없는 링크입니다",
    link_invalid_body: "이미 사용했거나 기한이 지난 링크입니다. 필요하시면 다시 구독해 주세요.",
    too_many_title: "내일 다시 시도해 주세요",
    too_many_body: "오늘 보낼 수 있는 확인 메일을 모두 보냈습니다. 받은 메일함과 스팸함을 확인하시거나 내일 다시 시도해 주세요.",
    invalid_email: "메일 주소를 name@example.com 형식으로 입력해 주세요.",
    invalid_choice: "선택하신 결제 수단을 다시 확인해 주세요.",
    mail_failed: "확인 메일을 보내지 못했습니다. 잠시 후 다시 시도해 주세요.",
    unavailable: "잠시 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.",
    back_to_status: "상태 페이지로 돌아가기",

    confirm_subject: "메일 알림 구독을 확인해 주세요",
    confirm_mail_body: "장애·점검 소식을 메일로 받으시려면 아래 링크를 열어 구독을 확인해 주세요. 48시간 안에 확인하지 않으시면 메일 주소는 삭제됩니다.",
    confirm_mail_ignore: "직접 요청하지 않으셨다면 이 메일을 무시하셔도 됩니다.",
    view_notice: "자세히 보기",
    manage_link: "알림 설정 변경 또는 구독 해지",
    why: |site| format!("{site} 상태 알림을 구독하셔서 보내 드리는 메일입니다."),
    channel_changed: |name, old, new| format!("{name}: {old}에서 {new}(으)로 바뀌었습니다."),
};

static EN: MailTexts = MailTexts {
    page_link: "Get updates by email",
    subscribe_title: "Get outage and maintenance news by email",
    subscribe_intro: "We email you when payments fail or maintenance is planned. We keep only your address and your choices, and delete them the moment you unsubscribe.",
    email_label: "Email address",
    channels_label: "Payment methods",
    channels_hint: "Choose none to hear about all of them.",
    lang_label: "Language of the emails",
    subscribe_button: "Subscribe",
    check_inbox_title: "Check your inbox",
    check_inbox_body: "We sent you an email. Open its link within 48 hours to confirm your subscription.",
    confirm_title: "Confirm your subscription",
    confirm_body: "Press the button below to start receiving emails.",
    confirm_button: "Confirm",
    confirmed_title: "You are subscribed",
    confirmed_body: "We will email you about outages and maintenance. Every email has a link to change your choices or unsubscribe.",
    manage_title: "Your email updates",
    manage_body: "Change the payment methods and language, or unsubscribe.",
    save_button: "Save",
    saved: "Saved.",
    unsubscribe_button: "Unsubscribe",
    unsubscribed_title: "You are unsubscribed",
    unsubscribed_body: "We deleted your email address and will not email you again.",
    link_invalid_title: "This link does not work",
    link_invalid_body: "It was already used or has expired. Subscribe again if you like.",
    too_many_title: "Please try again tomorrow",
    too_many_body: "We have sent all the confirmation emails we can today. Check your inbox and spam folder, or try again tomorrow.",
    invalid_email: "Enter an email address such as name@example.com.",
    invalid_choice: "Please check the payment methods you chose.",
    mail_failed: "We could not send the confirmation email. Please try again in a while.",
    unavailable: "We cannot do this right now. Please try again in a while.",
    back_to_status: "Back to the status page",

    confirm_subject: "Confirm your status email subscription",
    confirm_mail_body: "To get outage and maintenance news by email, open the link below to confirm. If you do not confirm within 48 hours, we delete your address.",
    confirm_mail_ignore: "If you did not ask for this, ignore this email.",
    view_notice: "See the details",
    manage_link: "Change your emails or unsubscribe",
    why: |site| format!("You get this email because you subscribed to status updates from {site}."),
    channel_changed: |name, old, new| format!("{name}: changed from {old} to {new}."),
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every plain entry of one language, in order.
    fn entries(t: &'static MailTexts) -> Vec<&'static str> {
        // Without `..`: a key added but not listed here does not compile.
        let MailTexts {
            page_link,
            subscribe_title,
            subscribe_intro,
            email_label,
            channels_label,
            channels_hint,
            lang_label,
            subscribe_button,
            check_inbox_title,
            check_inbox_body,
            confirm_title,
            confirm_body,
            confirm_button,
            confirmed_title,
            confirmed_body,
            manage_title,
            manage_body,
            save_button,
            saved,
            unsubscribe_button,
            unsubscribed_title,
            unsubscribed_body,
            link_invalid_title,
            link_invalid_body,
            too_many_title,
            too_many_body,
            invalid_email,
            invalid_choice,
            mail_failed,
            unavailable,
            back_to_status,
            confirm_subject,
            confirm_mail_body,
            confirm_mail_ignore,
            view_notice,
            manage_link,
            why: _,
            channel_changed: _,
        } = t;
        vec![
            page_link,
            subscribe_title,
            subscribe_intro,
            email_label,
            channels_label,
            channels_hint,
            lang_label,
            subscribe_button,
            check_inbox_title,
            check_inbox_body,
            confirm_title,
            confirm_body,
            confirm_button,
            confirmed_title,
            confirmed_body,
            manage_title,
            manage_body,
            save_button,
            saved,
            unsubscribe_button,
            unsubscribed_title,
            unsubscribed_body,
            link_invalid_title,
            link_invalid_body,
            too_many_title,
            too_many_body,
            invalid_email,
            invalid_choice,
            mail_failed,
            unavailable,
            back_to_status,
            confirm_subject,
            confirm_mail_body,
            confirm_mail_ignore,
            view_notice,
            manage_link,
        ]
    }

    #[test]
    fn every_entry_is_written_in_its_own_language() {
        let hangul = |s: &str| s.chars().any(|c| ('가'..='힣').contains(&c));
        for (ko, en) in entries(&KO).into_iter().zip(entries(&EN)) {
            assert!(hangul(ko), "not Korean: {ko}");
            assert!(!hangul(en) && !en.is_empty(), "not English: {en}");
        }
        assert!(hangul(&(KO.why)("페이상태")));
        assert!(!hangul(&(EN.channel_changed)(
            "Card",
            "Operational",
            "Outage"
        )));
    }
}
