//! Alerts from monitoring (Alertmanager, other monitors through the status hook): the
//! status an alert gives its channels, when a channel flaps, and the words of what an
//! alert opens or suggests when no template says otherwise.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::template::{Template, TemplateId, TemplateKind};
use super::{ComponentId, ComponentStatus, FieldError, FieldErrors, LocalizedText, Status};

/// How alerts become statuses, and how flapping is damped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSettings {
    /// An alert's `severity` label and the status it gives its channels.
    pub severities: BTreeMap<String, ComponentStatus>,
    /// The status of an alert whose severity is not in `severities` (or that has none).
    pub otherwise: ComponentStatus,
    /// A channel whose alerts resolve more often than this within the window flaps.
    pub flap_count: u32,
    /// The flapping window, and how long a flapping channel must be stable to be let go.
    pub flap_window_minutes: i64,
    pub updated_at: Option<DateTime<Utc>>,
    /// Bumped on every change; the admin API's ETag.
    pub revision: i64,
}

impl Default for AlertSettings {
    fn default() -> AlertSettings {
        AlertSettings {
            severities: BTreeMap::from([
                ("critical".to_string(), ComponentStatus::MajorOutage),
                ("warning".to_string(), ComponentStatus::DegradedPerformance),
            ]),
            otherwise: ComponentStatus::PartialOutage,
            flap_count: 3,
            flap_window_minutes: 10,
            updated_at: None,
            revision: 1,
        }
    }
}

impl AlertSettings {
    /// The status an alert of `severity` gives its channels.
    pub fn status_for(&self, severity: Option<&str>) -> ComponentStatus {
        severity
            .and_then(|s| self.severities.get(s))
            .copied()
            .unwrap_or(self.otherwise)
    }

    pub fn window(&self) -> Duration {
        Duration::minutes(self.flap_window_minutes)
    }

    /// Whether a channel whose alerts resolved `resolves` times within the window (this
    /// one included) flaps. A single fire-then-resolve never does.
    pub fn is_flapping(&self, resolves: usize) -> bool {
        resolves > self.flap_count as usize
    }

    /// Every rule of the settings, with every problem at once.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = FieldErrors::default();
        for (severity, status) in &self.severities {
            let field = format!("severities.{severity}");
            if severity.is_empty()
                || severity.chars().count() > 40
                || severity
                    .chars()
                    .any(|c| c.is_control() || c.is_whitespace())
            {
                errors.push(
                    field.clone(),
                    "a severity is 1 to 40 characters without spaces",
                );
            }
            errors.check(check_alert_status(*status, &field));
        }
        errors.check(check_alert_status(self.otherwise, "otherwise"));
        if !(1..=100).contains(&self.flap_count) {
            errors.push("flapping.count", "must be between 1 and 100");
        }
        if !(1..=1440).contains(&self.flap_window_minutes) {
            errors.push("flapping.window_minutes", "must be between 1 and 1440");
        }
        errors.into_result()
    }
}

/// An alert sets a failure: degraded performance, a partial or a major outage. Setting a
/// channel operational or under maintenance is what resolving an alert, or announcing a
/// maintenance, does.
pub fn check_alert_status(status: ComponentStatus, field: &str) -> Result<(), FieldError> {
    match status {
        ComponentStatus::DegradedPerformance
        | ComponentStatus::PartialOutage
        | ComponentStatus::MajorOutage => Ok(()),
        other => Err(FieldError::new(
            field,
            format!(
                "`{other}` is not a status an alert can set; use degraded_performance, partial_outage or major_outage"
            ),
        )),
    }
}

/// One alert as a monitor reported it, read and checked against nothing yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSignal {
    /// Unique per alert and monitor: `alertmanager:<fingerprint>`, `status:<source>:<id>`.
    pub key: String,
    /// `alertmanager`, or the source the status hook named.
    pub source: String,
    /// What operators call it (`alertname`).
    pub name: String,
    pub firing: bool,
    pub components: Vec<ComponentId>,
    /// The status asked for outright; otherwise the settings decide from `severity`.
    pub status: Option<ComponentStatus>,
    pub severity: Option<String>,
    pub summary: Option<String>,
    /// The template to open an incident from, instead of the channel's own.
    pub template: Option<TemplateId>,
    /// Publish the incident it opens at once instead of leaving a draft.
    pub publish: bool,
    /// Where in the request it came from, to name the field at fault.
    pub field: String,
}

impl AlertSignal {
    pub fn status(&self, settings: &AlertSettings) -> ComponentStatus {
        self.status
            .unwrap_or_else(|| settings.status_for(self.severity.as_deref()))
    }
}

/// Reads `paystatus_component`: one id or several separated by commas.
pub fn parse_component_list(value: &str, field: &str) -> Result<Vec<ComponentId>, FieldError> {
    let mut out: Vec<ComponentId> = Vec::new();
    for part in value.split(',').map(str::trim) {
        let id = ComponentId::parse(part, field)?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// The incident an alert opens when neither it nor its channel names a template.
pub fn fallback_incident_template(now: DateTime<Utc>) -> Template {
    built_in(
        "alert",
        TemplateKind::Incident,
        Status::Investigating,
        LocalizedText {
            ko: "{channels} 이용 장애 확인 중".into(),
            en: Some("Investigating a problem with {channels}".into()),
        },
        LocalizedText {
            ko: "모니터링에서 {channels} 이용에 문제가 감지되어 확인하고 있습니다. \
                 {alternatives} 이용을 권해 드립니다."
                .into(),
            en: Some(
                "Our monitoring detected a problem with {channels}, and we are looking \
                 into it. Please use {alternatives} in the meantime."
                    .into(),
            ),
        },
        now,
    )
}

/// The update a resolved alert suggests for its incident: `monitoring`, not `resolved`
/// (a person decides that).
pub fn recovery_proposal_template(now: DateTime<Utc>) -> Template {
    built_in(
        "alert-recovered",
        TemplateKind::Incident,
        Status::Monitoring,
        LocalizedText {
            ko: "{channels} 정상화 확인 중".into(),
            en: Some("{channels} working again".into()),
        },
        LocalizedText {
            ko: "모니터링에서 {channels} 이용이 정상으로 돌아온 것이 확인되었습니다. \
                 안정적으로 유지되는지 지켜보고 있습니다."
                .into(),
            en: Some(
                "Our monitoring shows {channels} working again. We are watching to make \
                 sure it stays stable."
                    .into(),
            ),
        },
        now,
    )
}

fn built_in(
    id: &str,
    kind: TemplateKind,
    status: Status,
    title: LocalizedText,
    message: LocalizedText,
    now: DateTime<Utc>,
) -> Template {
    Template {
        id: TemplateId::from_trusted(id.to_string()),
        kind,
        name: title.clone(),
        title,
        message,
        status: Some(status),
        components: Vec::new(),
        next_update_minutes: Some(30),
        created_at: now,
        updated_at: now,
        revision: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Catalog;

    #[test]
    fn severities_map_to_statuses_with_a_default() {
        let s = AlertSettings::default();
        assert_eq!(s.status_for(Some("critical")), ComponentStatus::MajorOutage);
        assert_eq!(
            s.status_for(Some("warning")),
            ComponentStatus::DegradedPerformance
        );
        assert_eq!(s.status_for(Some("info")), ComponentStatus::PartialOutage);
        assert_eq!(s.status_for(None), ComponentStatus::PartialOutage);
    }

    #[test]
    fn flapping_is_more_resolves_than_the_count() {
        let s = AlertSettings::default();
        assert!(!s.is_flapping(1), "one fire-then-resolve is not flapping");
        assert!(!s.is_flapping(3));
        assert!(s.is_flapping(4));
    }

    #[test]
    fn settings_refuse_statuses_an_alert_cannot_set_and_odd_numbers() {
        let mut s = AlertSettings::default();
        s.severities
            .insert("page".into(), ComponentStatus::Operational);
        s.severities
            .insert("bad name".into(), ComponentStatus::MajorOutage);
        s.otherwise = ComponentStatus::UnderMaintenance;
        s.flap_count = 0;
        s.flap_window_minutes = 2000;
        let fields: Vec<String> = s
            .check()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "severities.bad name",
                "severities.page",
                "otherwise",
                "flapping.count",
                "flapping.window_minutes"
            ]
        );
        assert!(AlertSettings::default().check().is_ok());
    }

    #[test]
    fn component_lists_are_comma_separated_ids() {
        let ids = parse_component_list("card, kakaopay,card", "c").unwrap();
        let ids: Vec<&str> = ids.iter().map(|c| c.as_str()).collect();
        assert_eq!(ids, ["card", "kakaopay"]);
        assert!(parse_component_list("card,,kakaopay", "c").is_err());
        assert!(parse_component_list("Card", "c").is_err());
    }

    #[test]
    fn the_built_in_words_are_valid_templates() {
        let now = Utc::now();
        for t in [
            fallback_incident_template(now),
            recovery_proposal_template(now),
        ] {
            assert!(t.check(&Catalog::default()).is_ok(), "{:?}", t.id);
        }
    }
}
