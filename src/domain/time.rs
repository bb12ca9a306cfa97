//! Time: a replaceable clock (so tests need not sleep) and operator time input.

use std::sync::Mutex;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::FieldError;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to; for tests.
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> ManualClock {
        ManualClock(Mutex::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Parses an operator's time: RFC 3339 with an offset, or a local date and time
/// (`2026-11-25T15:30`) read in the page's time zone.
pub fn parse_time(s: &str, tz: Tz, field: &str) -> Result<DateTime<Utc>, FieldError> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, format) {
            return tz
                .from_local_datetime(&naive)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| FieldError::new(field, "does not exist in the page's time zone"));
        }
    }
    Err(FieldError::new(
        field,
        "must be a date and time such as 2026-11-25T15:30:00+09:00 (or 2026-11-25T15:30 in the page's time zone)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_offsets_and_local_times_agree() {
        let a = parse_time("2026-11-25T15:30:00+09:00", chrono_tz::Asia::Seoul, "eta").unwrap();
        let b = parse_time("2026-11-25T15:30", chrono_tz::Asia::Seoul, "eta").unwrap();
        let c = parse_time("2026-11-25T06:30:00Z", chrono_tz::Asia::Seoul, "eta").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
    }

    #[test]
    fn garbage_is_refused_with_the_field_name() {
        let e = parse_time("soon", chrono_tz::Asia::Seoul, "eta").unwrap_err();
        assert_eq!(e.field, "eta");
    }
}
