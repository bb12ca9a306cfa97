//! The words of the uptime rows on the status page (the last 90 days, day by day), of the
//! page of one day's notices, and of `/api/v2/uptime.json`'s description. Korean first,
//! English second; a key missing in one language does not compile.

use chrono::{Datelike, NaiveDate};

use crate::domain::{ComponentStatus, Lang};

pub struct UptimeTexts {
    pub heading: &'static str,
    /// How uptime is counted, as the page says under the heading.
    pub how: &'static str,
    /// The legend's label, and the label of each day's shape.
    pub legend: &'static str,
    pub no_data: &'static str,
    pub operational: &'static str,
    /// The axis under the bars: the oldest day shown (wide and narrow screens), today.
    pub days_ago_90: &'static str,
    pub days_ago_30: &'static str,
    pub today: &'static str,
    /// The list of days with notices under a row, named for screen readers.
    pub days_with_notices: &'static str,
    /// "가동률 99.95%" / "99.95% uptime".
    pub percent: fn(pct: &str) -> String,
    /// Said when nothing counted in the period (all maintenance).
    pub no_percent: &'static str,
    /// A day as the rows name it: "11월 3일" / "Nov 3".
    pub date: fn(NaiveDate) -> String,
    /// Minutes in a status within a day: "장애 42분" / "42 min outage".
    pub minutes: fn(status: ComponentStatus, minutes: i64) -> String,
    /// The page of one day's notices.
    pub day_title: fn(date: &str) -> String,
    pub day_intro: &'static str,
    /// The words of a status within a day ("장애", "outage"), for the legend.
    pub status: fn(ComponentStatus) -> &'static str,
    /// Which days: "날짜는 한국 시간 기준입니다." for the page's zone.
    pub zone: fn(tz: &str) -> String,
}

impl UptimeTexts {
    /// A day's text equivalent: "11월 3일: 장애 42분, 일부 장애 10분".
    pub fn day(
        &self,
        date: NaiveDate,
        minutes: &[(ComponentStatus, i64)],
        counted: bool,
    ) -> String {
        let parts: Vec<String> = minutes
            .iter()
            .filter(|(_, m)| *m > 0)
            .map(|(s, m)| (self.minutes)(*s, *m))
            .collect();
        let what = if !parts.is_empty() {
            parts.join(", ")
        } else if counted {
            self.operational.to_string()
        } else {
            self.no_data.to_string()
        };
        format!("{}: {what}", (self.date)(date))
    }
}

pub fn uptime_texts(lang: Lang) -> &'static UptimeTexts {
    match lang {
        Lang::Ko => &KO,
        Lang::En => &EN,
    }
}

fn ko_status(s: ComponentStatus) -> &'static str {
    match s {
        ComponentStatus::Operational => "정상",
        ComponentStatus::UnderMaintenance => "점검",
        ComponentStatus::DegradedPerformance => "지연",
        ComponentStatus::PartialOutage => "일부 장애",
        ComponentStatus::MajorOutage => "장애",
    }
}

fn en_status(s: ComponentStatus) -> &'static str {
    match s {
        ComponentStatus::Operational => "operational",
        ComponentStatus::UnderMaintenance => "maintenance",
        ComponentStatus::DegradedPerformance => "slow",
        ComponentStatus::PartialOutage => "partial outage",
        ComponentStatus::MajorOutage => "outage",
    }
}

const EN_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

static KO: UptimeTexts = UptimeTexts {
    heading: "최근 90일 가동률",
    how: "장애 시간은 모두, 일부 장애 시간은 30%만 중단으로 계산합니다. 점검 시간은 계산에서 뺍니다.",
    legend: "막대 모양",
    no_data: "기록 없음",
    operational: "정상",
    days_ago_90: "90일 전",
    days_ago_30: "30일 전",
    today: "오늘",
    days_with_notices: "장애·점검이 있었던 날",
    percent: |pct| format!("가동률 {pct}%"),
    no_percent: "가동률 없음 (점검만 있었음)",
    date: |d| format!("{}월 {}일", d.month(), d.day()),
    minutes: |s, m| format!("{} {m}분", ko_status(s)),
    day_title: |date| format!("{date}의 장애와 점검"),
    day_intro: "이날 결제 수단에 영향을 준 장애와 점검입니다.",
    status: ko_status,
    zone: |tz| match tz {
        "Asia/Seoul" => "날짜는 한국 시간 기준입니다.".to_string(),
        other => format!("날짜는 {other} 시간 기준입니다."),
    },
};

static EN: UptimeTexts = UptimeTexts {
    heading: "Uptime, last 90 days",
    how: "Outage minutes count as down, partial outage minutes count 30% down, and maintenance is left out.",
    legend: "Bar shapes",
    no_data: "no data",
    operational: "operational",
    days_ago_90: "90 days ago",
    days_ago_30: "30 days ago",
    today: "Today",
    days_with_notices: "days with incidents or maintenance",
    percent: |pct| format!("{pct}% uptime"),
    no_percent: "No uptime (maintenance only)",
    date: |d| format!("{} {}", EN_MONTHS[d.month0() as usize], d.day()),
    minutes: |s, m| format!("{m} min {}", en_status(s)),
    day_title: |date| format!("Incidents and maintenance on {date}"),
    day_intro: "What affected payment methods on this day.",
    status: en_status,
    zone: |tz| match tz {
        "Asia/Seoul" => "Days are in Korea time.".to_string(),
        other => format!("Days are in {other} time."),
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_reads_as_the_issue_wrote_it() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        let m = [
            (ComponentStatus::MajorOutage, 42),
            (ComponentStatus::PartialOutage, 10),
            (ComponentStatus::DegradedPerformance, 0),
        ];
        assert_eq!(
            uptime_texts(Lang::Ko).day(d, &m, true),
            "11월 3일: 장애 42분, 일부 장애 10분"
        );
        assert_eq!(
            uptime_texts(Lang::En).day(d, &m, true),
            "Nov 3: 42 min outage, 10 min partial outage"
        );
        assert_eq!(uptime_texts(Lang::Ko).day(d, &[], true), "11월 3일: 정상");
        assert_eq!(uptime_texts(Lang::En).day(d, &[], false), "Nov 3: no data");
    }
}
