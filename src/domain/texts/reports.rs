//! The words of customers' failure reports: the page's "결제가 안 되나요?" buttons, the
//! answer after a report, and what operators are told of a spike (the console, webhooks).
//! Korean first, English second; a key missing in one language does not compile.

use crate::domain::Lang;

pub struct ReportTexts {
    /// The status page's section below the channel list.
    pub section_heading: &'static str,
    pub section_intro: &'static str,
    /// Read after each button's channel name by screen readers only.
    pub button_suffix: &'static str,

    /// The answer to a report.
    pub thanks_title: &'static str,
    pub thanks_body: &'static str,
    pub reported_heading: &'static str,
    pub no_known_problem: &'static str,
    pub working_heading: &'static str,
    pub none_working: &'static str,

    /// Reports that were not taken.
    pub unknown_title: &'static str,
    pub unknown_body: &'static str,
    pub too_many_title: &'static str,
    pub too_many_body: &'static str,
    pub cross_site_title: &'static str,
    pub cross_site_body: &'static str,
    pub unavailable_title: &'static str,
    pub unavailable_body: &'static str,

    /// The console's box about spikes.
    pub console_heading: &'static str,
    pub console_hint: &'static str,

    /// "신용·체크카드: 최근 5분 동안 고객 37명이 결제 실패를 알렸습니다 (평소 5분에 1명)":
    /// the channel's name, the reporters in the window, and [`ReportTexts::usual`].
    pub spike_line: fn(name: &str, reporters: u64, usual: &str) -> String,
    /// The usual rate, in reporters per five minutes.
    pub usual: fn(per_window: f64) -> String,
    /// When a spike started: "14:05부터" / "since 14:05".
    pub since: fn(time: &str) -> String,
}

pub fn report_texts(lang: Lang) -> &'static ReportTexts {
    match lang {
        Lang::Ko => &KO,
        Lang::En => &EN,
    }
}

/// A usual rate below one reporter per window reads as "fewer than one"; above, rounded.
fn rounded(per_window: f64) -> Option<u64> {
    (per_window >= 1.0).then(|| per_window.round() as u64)
}

static KO: ReportTexts = ReportTexts {
    section_heading: "결제가 안 되나요?",
    section_intro: "결제가 되지 않는 결제 수단을 눌러 알려 주세요. 개인정보는 저장하지 않습니다.",
    button_suffix: ": 결제 실패 알리기",
    thanks_title: "알려 주셔서 감사합니다",
    thanks_body: "같은 문제를 알리는 고객이 많으면 운영팀이 바로 확인합니다. 신고는 익명으로 집계됩니다.",
    reported_heading: "알려 주신 결제 수단",
    no_known_problem: "지금은 알려진 문제가 없습니다.",
    working_heading: "지금 이용할 수 있는 결제 수단",
    none_working: "지금은 정상인 다른 결제 수단이 없습니다.",
    unknown_title: "알 수 없는 결제 수단입니다",
    unknown_body: "상태 페이지에서 결제 수단을 다시 골라 주세요.",
    too_many_title: "신고가 너무 많이 들어왔습니다",
    too_many_body: "이 네트워크에서 보낸 신고는 이미 전달되었습니다. 잠시 후 다시 시도해 주세요.",
    cross_site_title: "이 양식은 상태 페이지에서만 보낼 수 있습니다",
    cross_site_body: "상태 페이지를 열어 그곳의 버튼을 눌러 주세요.",
    unavailable_title: "지금은 신고를 받을 수 없습니다",
    unavailable_body: "잠시 후 다시 시도해 주세요. 결제 수단마다 지금 상태는 상태 페이지에서 볼 수 있습니다.",
    console_heading: "고객 결제 실패 신고 급증",
    console_hint: "고객 신고만으로는 공개 페이지가 바뀌지 않습니다. 확인되면 장애를 공지해 주세요.",
    spike_line: |name, reporters, usual| {
        format!("{name}: 최근 5분 동안 고객 {reporters}명이 결제 실패를 알렸습니다 ({usual})")
    },
    usual: |per_window| match rounded(per_window) {
        None => "평소 5분에 1명 미만".to_string(),
        Some(n) => format!("평소 5분에 {n}명"),
    },
    since: |time| format!("{time}부터"),
};

static EN: ReportTexts = ReportTexts {
    section_heading: "Payment not going through?",
    section_intro: "Tell us which payment method fails by pressing it. No personal data is kept.",
    button_suffix: ": report a failed payment",
    thanks_title: "Thank you for letting us know",
    thanks_body: "When many customers report the same problem, our team looks into it at once. Reports are counted anonymously.",
    reported_heading: "The payment method you reported",
    no_known_problem: "No problem is known right now.",
    working_heading: "Payment methods that work right now",
    none_working: "No other payment method is fully working right now.",
    unknown_title: "Unknown payment method",
    unknown_body: "Please choose the payment method again on the status page.",
    too_many_title: "Too many reports",
    too_many_body: "Reports from your network have already reached us. Please try again in a minute.",
    cross_site_title: "This form can only be sent from the status page",
    cross_site_body: "Open the status page and press the button there.",
    unavailable_title: "Reports cannot be taken right now",
    unavailable_body: "Please try again shortly. The status page shows how each payment method is doing.",
    console_heading: "Customers are reporting failed payments",
    console_hint: "Reports alone change nothing public. Once you have checked, post an incident.",
    spike_line: |name, reporters, usual| {
        let customers = if reporters == 1 {
            "customer"
        } else {
            "customers"
        };
        format!(
            "{name}: {reporters} {customers} reported failed payments in the last 5 minutes ({usual})"
        )
    },
    usual: |per_window| match rounded(per_window) {
        None => "usually fewer than 1 in 5 minutes".to_string(),
        Some(n) => format!("usually {n} in 5 minutes"),
    },
    since: |time| format!("since {time}"),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::WINDOW;

    /// Every entry of one language, sentences filled with samples.
    fn entries(t: &ReportTexts) -> Vec<String> {
        // Without `..`: a key added to the table but not here does not compile.
        let ReportTexts {
            section_heading,
            section_intro,
            button_suffix,
            thanks_title,
            thanks_body,
            reported_heading,
            no_known_problem,
            working_heading,
            none_working,
            unknown_title,
            unknown_body,
            too_many_title,
            too_many_body,
            cross_site_title,
            cross_site_body,
            unavailable_title,
            unavailable_body,
            console_heading,
            console_hint,
            spike_line,
            usual,
            since,
        } = t;
        let mut all: Vec<String> = [
            section_heading,
            section_intro,
            button_suffix,
            thanks_title,
            thanks_body,
            reported_heading,
            no_known_problem,
            working_heading,
            none_working,
            unknown_title,
            unknown_body,
            too_many_title,
            too_many_body,
            cross_site_title,
            cross_site_body,
            unavailable_title,
            unavailable_body,
            console_heading,
            console_hint,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        all.push(spike_line("X", 37, "Y"));
        all.push(usual(0.2));
        all.push(usual(3.4));
        all.push(since("14:05"));
        all
    }

    #[test]
    fn every_entry_is_written_in_its_own_language() {
        let hangul = |s: &str| s.chars().any(|c| ('가'..='힣').contains(&c));
        let (ko, en) = (entries(&KO), entries(&EN));
        assert_eq!(ko.len(), en.len());
        for (ko, en) in ko.iter().zip(&en) {
            assert!(hangul(ko), "not Korean: {ko}");
            assert!(!hangul(en) && !en.trim().is_empty(), "not English: {en}");
        }
    }

    #[test]
    fn a_spike_reads_as_the_console_shows_it() {
        // The words say five minutes: the window must be five minutes.
        assert_eq!(WINDOW.num_minutes(), 5);
        let ko = report_texts(Lang::Ko);
        assert_eq!(
            (ko.spike_line)("카드 결제", 37, &(ko.usual)(1.2)),
            "카드 결제: 최근 5분 동안 고객 37명이 결제 실패를 알렸습니다 (평소 5분에 1명)"
        );
        assert_eq!((ko.usual)(0.0), "평소 5분에 1명 미만");
        let en = report_texts(Lang::En);
        assert_eq!(
            (en.spike_line)("Credit & debit cards", 37, &(en.usual)(0.4)),
            "Credit & debit cards: 37 customers reported failed payments in the last 5 minutes (usually fewer than 1 in 5 minutes)"
        );
        assert_eq!((en.usual)(2.6), "usually 3 in 5 minutes");
    }
}
