//! Times as customers read them: in the page's time zone, relative where it helps. The
//! words and date patterns of each language are the catalogue's (`texts`).

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::domain::Lang;
use crate::domain::texts::{Texts, texts};

/// Formats times for one language, one zone, one "now".
#[derive(Clone, Copy)]
pub struct TimeFormat {
    pub lang: Lang,
    pub tz: Tz,
    pub now: DateTime<Utc>,
}

impl TimeFormat {
    fn words(&self) -> &'static Texts {
        texts(self.lang)
    }

    /// "15:30" today, "11월 26일 15:30" / "Nov 26, 15:30" on another day this year,
    /// with the year added otherwise.
    pub fn short(&self, t: DateTime<Utc>) -> String {
        let local = t.with_timezone(&self.tz);
        let today = self.now.with_timezone(&self.tz);
        if local.date_naive() == today.date_naive() {
            local.format("%H:%M").to_string()
        } else {
            self.date_time(t)
        }
    }

    /// Always with the date: "11월 25일 14:04" / "Nov 25, 14:04"; the year too when it
    /// is not this year's.
    pub fn date_time(&self, t: DateTime<Utc>) -> String {
        let local = t.with_timezone(&self.tz);
        let today = self.now.with_timezone(&self.tz);
        (self.words().date_time)(&local, local.year() != today.year())
    }

    /// The zone's abbreviation for labels, such as "KST".
    pub fn zone_name(&self) -> String {
        self.now.with_timezone(&self.tz).format("%Z").to_string()
    }

    /// "약 25분 후" / "in about 25 min"; `None` once `t` has passed.
    pub fn until(&self, t: DateTime<Utc>) -> Option<String> {
        let secs = (t - self.now).num_seconds();
        if secs < 0 {
            return None;
        }
        // Round up: "in 25 min" should not be said at 25:59 before.
        let minutes = (secs + 59) / 60;
        let (h, m) = (minutes / 60, minutes % 60);
        Some((self.words().until)(h, m))
    }

    /// How long something lasted: "1시간 6분" / "1 h 6 min".
    pub fn duration(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
        let minutes = (to - from).num_minutes().max(0);
        let (h, m) = (minutes / 60, minutes % 60);
        (self.words().lasted)(h, m)
    }

    /// Machine-readable time for `<time datetime>`.
    pub fn iso(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn fmt(lang: Lang) -> TimeFormat {
        // 14:05 KST
        TimeFormat {
            lang,
            tz: chrono_tz::Asia::Seoul,
            now: Utc.with_ymd_and_hms(2026, 11, 25, 5, 5, 0).unwrap(),
        }
    }

    #[test]
    fn times_today_are_short_and_in_kst() {
        let eta = Utc.with_ymd_and_hms(2026, 11, 25, 6, 30, 0).unwrap();
        assert_eq!(fmt(Lang::Ko).short(eta), "15:30");
        assert_eq!(fmt(Lang::Ko).until(eta).unwrap(), "약 1시간 25분 후");
        assert_eq!(fmt(Lang::En).until(eta).unwrap(), "in about 1 h 25 min");
        let soon = Utc.with_ymd_and_hms(2026, 11, 25, 5, 30, 0).unwrap();
        assert_eq!(fmt(Lang::Ko).until(soon).unwrap(), "약 25분 후");
    }

    #[test]
    fn times_on_other_days_carry_the_date() {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 16, 0, 0).unwrap(); // 01:00 on the 26th in Seoul
        assert_eq!(fmt(Lang::Ko).short(t), "11월 26일 01:00");
        assert_eq!(fmt(Lang::En).short(t), "Nov 26, 01:00");
        let old = Utc.with_ymd_and_hms(2025, 1, 2, 3, 0, 0).unwrap();
        assert_eq!(fmt(Lang::Ko).date_time(old), "2025년 1월 2일 12:00");
        assert_eq!(fmt(Lang::En).date_time(old), "Jan 2, 2025, 12:00");
    }

    #[test]
    fn past_times_have_no_countdown() {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 5, 0, 0).unwrap();
        assert_eq!(fmt(Lang::Ko).until(t), None);
    }
}

/// Timestamps in API documents: milliseconds and the page zone's offset (`Z` for UTC),
/// as the reference API writes them.
pub fn api_time(t: DateTime<Utc>, tz: Tz) -> String {
    // Written directly rather than through a format string: lists hold hundreds.
    t.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod api_time_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn api_times_carry_milliseconds_and_the_offset() {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 5, 4, 0).unwrap();
        assert_eq!(
            api_time(t, chrono_tz::Asia::Seoul),
            "2026-11-25T14:04:00.000+09:00"
        );
        assert_eq!(api_time(t, chrono_tz::UTC), "2026-11-25T05:04:00.000Z");
    }
}
