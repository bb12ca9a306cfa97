//! Time: a replaceable clock (so tests need not sleep) and operator time input.

use std::sync::Mutex;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

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

/// An operator's time as written: with an offset, a local date and time (read later in
/// the page's time zone), or text that is neither, kept so that it is reported together
/// with the request's other problems rather than alone; `Missing` where a required time
/// was not sent (`#[serde(default)]` fields).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum InputTime {
    Offset(DateTime<Utc>),
    Local(NaiveDateTime),
    Unreadable,
    #[default]
    Missing,
}

impl InputTime {
    /// RFC 3339 with an offset, or a local `2026-11-25T15:30` (seconds and fractions
    /// optional, a space instead of the `T` accepted).
    pub fn read(s: &str) -> InputTime {
        let s = s.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return InputTime::Offset(t.with_timezone(&Utc));
        }
        [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(s, format).ok())
        .map_or(InputTime::Unreadable, InputTime::Local)
    }

    /// The instant meant, a local time being read in `tz`.
    pub fn resolve(&self, tz: Tz, field: &str) -> Result<DateTime<Utc>, FieldError> {
        match self {
            InputTime::Offset(t) => Ok(*t),
            InputTime::Local(naive) => tz
                .from_local_datetime(naive)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| FieldError::new(field, "does not exist in the page's time zone")),
            InputTime::Missing => Err(FieldError::new(field, "is required")),
            InputTime::Unreadable => Err(FieldError::new(
                field,
                "must be a date and time such as 2026-11-25T15:30:00+09:00 (or 2026-11-25T15:30 in the page's time zone)",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for InputTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<InputTime, D::Error> {
        String::deserialize(d).map(|s| InputTime::read(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_time(s: &str, tz: Tz, field: &str) -> Result<DateTime<Utc>, FieldError> {
        InputTime::read(s).resolve(tz, field)
    }

    #[test]
    fn times_with_offsets_and_local_times_agree() {
        let a = parse_time("2026-11-25T15:30:00+09:00", chrono_tz::Asia::Seoul, "eta").unwrap();
        let b = parse_time("2026-11-25T15:30", chrono_tz::Asia::Seoul, "eta").unwrap();
        let c = parse_time("2026-11-25T06:30:00Z", chrono_tz::Asia::Seoul, "eta").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
    }

    #[test]
    fn a_time_is_read_once_and_resolved_in_the_zone() {
        assert_eq!(InputTime::read("tomorrow"), InputTime::Unreadable);
        let local = InputTime::read("2026-11-25 15:30");
        assert!(matches!(local, InputTime::Local(_)));
        assert_eq!(
            local.resolve(chrono_tz::UTC, "eta").unwrap(),
            parse_time("2026-11-25T15:30:00Z", chrono_tz::UTC, "eta").unwrap()
        );
        let parsed: InputTime = serde_json::from_str("\"2026-11-25T15:30:00+09:00\"").unwrap();
        assert!(matches!(parsed, InputTime::Offset(_)));
    }

    #[test]
    fn garbage_is_refused_with_the_field_name() {
        let e = parse_time("soon", chrono_tz::Asia::Seoul, "eta").unwrap_err();
        assert_eq!(e.field, "eta");
    }
}
