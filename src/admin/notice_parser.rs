//! The field parser of `/incidents` and `/maintenances`: text, times in the page's zone,
//! statuses, components and alternatives, collecting every problem of a request.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::notice_input::{AlternativeInput, ComponentsInput};
use crate::domain::{
    AffectedComponent, Alternative, Catalog, ComponentId, ComponentIdInput, ComponentStatus,
    FieldErrors, Impact, ImpactInput, InputTime, Kind, Lang, LocalizedText, NextUpdate, TextInput,
    TextKind,
};
use crate::error::Error;
use crate::service::Ctx;

/// Field parsing shared by every route here; collects all errors of a request.
pub(super) struct Parser<'a> {
    pub(super) errors: FieldErrors,
    pub(super) lang: Lang,
    pub(super) tz: Tz,
    pub(super) now: DateTime<Utc>,
    pub(super) catalog: &'a Catalog,
}

impl Parser<'_> {
    pub(super) fn text(
        &mut self,
        input: &TextInput,
        kind: TextKind,
        field: &str,
    ) -> Option<LocalizedText> {
        self.errors
            .check(LocalizedText::parse(input, kind, self.lang, field))
    }

    pub(super) fn time(&mut self, t: &InputTime, field: &str) -> Option<DateTime<Utc>> {
        self.errors.check(t.resolve(self.tz, field))
    }

    /// A time the customer is promised; it cannot lie in the past.
    pub(super) fn future_time(&mut self, s: &InputTime, field: &str) -> Option<DateTime<Utc>> {
        let t = self.time(s, field)?;
        // A minute of slack for clocks and typing.
        if t < self.now - Duration::minutes(1) {
            self.errors.push(field, "is in the past");
            return None;
        }
        Some(t)
    }

    pub(super) fn impact(&mut self, input: &ImpactInput) -> Option<Impact> {
        self.errors.check(input.known("impact"))
    }

    pub(super) fn components(
        &mut self,
        input: &ComponentsInput,
        kind: Kind,
    ) -> Vec<AffectedComponent> {
        let mut out: Vec<AffectedComponent> = Vec::new();
        if input.listed && kind == Kind::Incident {
            // A list says which channels, not how they are: an incident needs both.
            self.errors.push(
                "components",
                "give each component's status, such as {\"card\": \"major_outage\"}",
            );
            return out;
        }
        for (id, status) in &input.items {
            let Some(cid) = self.channel(id, |id| format!("components.{id}")) else {
                continue;
            };
            let field = format!("components.{cid}");
            // Only a list leaves the status out, and only a maintenance takes a list.
            let status = match status {
                Some(s) => match self.errors.check(s.known(&field)) {
                    Some(st) => st,
                    None => continue,
                },
                None => ComponentStatus::UnderMaintenance,
            };
            if !out.iter().any(|c| c.id == cid) {
                out.push(AffectedComponent { id: cid, status });
            }
        }
        out
    }

    /// A payment channel of the catalogue (not a group), refused under the field `field`
    /// makes from the id as sent.
    fn channel(
        &mut self,
        id: &ComponentIdInput,
        field: impl FnOnce(&str) -> String,
    ) -> Option<ComponentId> {
        let field = field(match id {
            ComponentIdInput::Known(id) => id.as_str(),
            ComponentIdInput::Unknown(s) => s,
            ComponentIdInput::Missing => "",
        });
        let id = self.errors.check(id.known(&field))?;
        self.errors.check(self.catalog.check_channel(&id, &field))?;
        Some(id)
    }

    pub(super) fn alternatives(&mut self, input: &[AlternativeInput]) -> Vec<Alternative> {
        let mut out: Vec<Alternative> = Vec::new();
        if input.len() > 10 {
            self.errors.push("alternatives", "at most 10 alternatives");
            return out;
        }
        for (i, a) in input.iter().enumerate() {
            let Some(id) = self.channel(&a.component, |_| format!("alternatives[{i}].component"))
            else {
                continue;
            };
            let instructions = match &a.instructions {
                Some(t) => self.text(
                    t,
                    TextKind::Instructions,
                    &format!("alternatives[{i}].instructions"),
                ),
                None => None,
            };
            if !out.iter().any(|x| x.component == id) {
                out.push(Alternative {
                    component: id,
                    instructions,
                });
            }
        }
        out
    }

    pub(super) fn next_update(
        &mut self,
        at: Option<Option<&InputTime>>,
        minutes: Option<i64>,
    ) -> Option<Option<NextUpdate>> {
        // A null time next to an interval adds nothing: the interval sets the promise.
        let at = match (at, minutes) {
            (Some(None), Some(_)) => None,
            _ => at,
        };
        match (at, minutes) {
            (Some(_), Some(_)) => {
                self.errors.push(
                    "next_update_in_minutes",
                    "give next_update_at or next_update_in_minutes, not both",
                );
                None
            }
            (None, Some(m)) if !(1..=1440).contains(&m) => {
                self.errors
                    .push("next_update_in_minutes", "must be between 1 and 1440");
                None
            }
            (None, Some(m)) => Some(Some(NextUpdate::Every(m))),
            (Some(Some(s)), None) => self
                .future_time(s, "next_update_at")
                .map(|t| Some(NextUpdate::At(t))),
            (Some(None), None) => Some(None),
            (None, None) => None,
        }
    }

    pub(super) fn finish(self) -> Result<(), Error> {
        self.errors.into_result().map_err(Error::Invalid)
    }
}

pub(super) fn parser<'a>(ctx: &Ctx, catalog: &'a Catalog) -> Parser<'a> {
    Parser {
        errors: FieldErrors::default(),
        lang: ctx.default_lang,
        tz: ctx.timezone,
        now: ctx.now,
        catalog,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    fn catalog() -> Catalog {
        let id = |s: &str| ComponentId::parse(s, "id").unwrap();
        Catalog {
            statuses: ["card", "bank-transfer", "kakaopay", "easy-pay"]
                .into_iter()
                .map(|s| (id(s), ComponentStatus::Operational))
                .collect::<HashMap<_, _>>(),
            groups: HashSet::from([id("easy-pay")]),
            active_elsewhere: HashMap::new(),
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-11-25T05:05:00Z".parse().unwrap()
    }

    fn parser_over(catalog: &Catalog) -> Parser<'_> {
        Parser {
            errors: FieldErrors::default(),
            lang: Lang::Ko,
            tz: chrono_tz::Asia::Seoul,
            now: now(),
            catalog,
        }
    }

    fn fields(p: Parser<'_>) -> Vec<String> {
        p.errors.0.into_iter().map(|e| e.field).collect()
    }

    /// A value as serde reads it from the JSON string `s`.
    fn sent<T: serde::de::DeserializeOwned>(s: &str) -> T {
        serde_json::from_value(serde_json::Value::from(s)).unwrap()
    }

    fn components(pairs: &[(&str, Option<&str>)]) -> ComponentsInput {
        ComponentsInput {
            items: pairs
                .iter()
                .map(|(id, s)| (sent(id), s.map(sent)))
                .collect(),
            listed: pairs.iter().any(|(_, s)| s.is_none()),
        }
    }

    #[test]
    fn components_must_be_known_channels_with_a_status() {
        let catalog = catalog();
        let mut p = parser_over(&catalog);
        let got = p.components(
            &components(&[
                ("card", Some("major_outage")),
                ("card", Some("partial_outage")),
                ("ghost-pay", Some("major_outage")),
                ("easy-pay", Some("major_outage")),
                ("kakaopay", Some("on_fire")),
            ]),
            Kind::Incident,
        );
        assert_eq!(got.len(), 1, "the first mention of a channel counts");
        assert_eq!(got[0].status, ComponentStatus::MajorOutage);
        assert_eq!(
            fields(p),
            [
                "components.ghost-pay",
                "components.easy-pay",
                "components.kakaopay"
            ]
        );

        let mut p = parser_over(&catalog);
        assert!(
            p.components(&components(&[("card", None)]), Kind::Incident)
                .is_empty()
        );
        assert_eq!(fields(p), ["components"], "an incident names each status");

        let mut p = parser_over(&catalog);
        let got = p.components(&components(&[("bank-transfer", None)]), Kind::Maintenance);
        assert_eq!(got[0].status, ComponentStatus::UnderMaintenance);
        assert!(fields(p).is_empty());
    }

    #[test]
    fn promised_times_may_not_lie_in_the_past_beyond_a_minute() {
        let catalog = catalog();
        let mut p = parser_over(&catalog);
        // Local times are read in the page's time zone (14:05 KST is 05:05 UTC).
        assert_eq!(
            p.future_time(&InputTime::read("2026-11-25T14:45"), "eta"),
            Some("2026-11-25T05:45:00Z".parse().unwrap())
        );
        assert!(
            p.future_time(&InputTime::read("2026-11-25T14:04:30"), "eta")
                .is_some(),
            "within the slack"
        );
        assert_eq!(
            p.future_time(&InputTime::read("2026-11-25T14:00"), "eta"),
            None
        );
        assert_eq!(
            p.future_time(&InputTime::read("tomorrow"), "next_update_at"),
            None
        );
        assert_eq!(fields(p), ["eta", "next_update_at"]);
    }

    #[test]
    fn the_next_update_is_a_time_or_an_interval_not_both() {
        let catalog = catalog();
        let mut p = parser_over(&catalog);
        assert_eq!(
            p.next_update(None, Some(20)),
            Some(Some(NextUpdate::Every(20)))
        );
        assert_eq!(
            p.next_update(Some(None), None),
            Some(None),
            "null clears it"
        );
        assert_eq!(p.next_update(None, None), None, "absent keeps it");
        assert_eq!(
            p.next_update(Some(None), Some(30)),
            Some(Some(NextUpdate::Every(30))),
            "a null time beside an interval is no contradiction"
        );
        assert!(fields(p).is_empty());

        let mut p = parser_over(&catalog);
        assert_eq!(
            p.next_update(Some(Some(&InputTime::read("2026-11-25T15:00"))), Some(20)),
            None
        );
        assert_eq!(p.next_update(None, Some(0)), None);
        assert_eq!(p.next_update(None, Some(1441)), None);
        assert_eq!(
            fields(p),
            [
                "next_update_in_minutes",
                "next_update_in_minutes",
                "next_update_in_minutes"
            ]
        );
    }

    #[test]
    fn alternatives_are_channels_at_most_ten_each_once() {
        let catalog = catalog();
        let alt = |c: &str| AlternativeInput {
            component: sent(c),
            instructions: None,
        };
        let mut p = parser_over(&catalog);
        let got = p.alternatives(&[alt("bank-transfer"), alt("bank-transfer"), alt("easy-pay")]);
        assert_eq!(got.len(), 1);
        assert_eq!(fields(p), ["alternatives[2].component"]);

        let mut p = parser_over(&catalog);
        let eleven: Vec<AlternativeInput> = (0..11).map(|_| alt("card")).collect();
        assert!(p.alternatives(&eleven).is_empty());
        assert_eq!(fields(p), ["alternatives"]);
    }

    #[test]
    fn every_problem_is_collected_before_the_answer() {
        let catalog = catalog();
        let mut p = parser_over(&catalog);
        let title = TextInput::Plain(String::new());
        assert!(p.text(&title, TextKind::Title, "title").is_none());
        assert!(
            p.impact(&ImpactInput::Unknown("apocalyptic".into()))
                .is_none()
        );
        p.components(
            &components(&[("ghost-pay", Some("major_outage"))]),
            Kind::Incident,
        );
        match p.finish() {
            Err(Error::Invalid(errors)) => {
                let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(named, ["title", "impact", "components.ghost-pay"]);
            }
            other => panic!("expected every field at once, got {other:?}"),
        }
    }
}
