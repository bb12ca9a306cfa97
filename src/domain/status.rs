//! Status enums and the rules that combine them (impact, overall indicator, transitions).
//! Names and values follow the public status API (Statuspage v2) exactly.

use serde::{Deserialize, Serialize};

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $wire)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }

            /// The accepted values, for error messages.
            pub fn expected() -> String {
                [$($wire),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Other enums sent over the wire are declared the same way (a template's kind).
pub(super) use wire_enum;

wire_enum! {
    /// A payment channel's state. Ordered from best to worst, maintenance aside.
    ComponentStatus {
        Operational = "operational",
        UnderMaintenance = "under_maintenance",
        DegradedPerformance = "degraded_performance",
        PartialOutage = "partial_outage",
        MajorOutage = "major_outage",
    }
}

wire_enum! {
    /// How bad an incident is. Ordered from none to critical.
    Impact {
        None = "none",
        Minor = "minor",
        Major = "major",
        Critical = "critical",
    }
}

wire_enum! {
    /// The page-wide indicator, ordered so that the worst wins.
    Indicator {
        None = "none",
        Maintenance = "maintenance",
        Minor = "minor",
        Major = "major",
        Critical = "critical",
    }
}

wire_enum! {
    /// Status of an incident or a maintenance; each kind uses its own subset.
    Status {
        Investigating = "investigating",
        Identified = "identified",
        Monitoring = "monitoring",
        Resolved = "resolved",
        Postmortem = "postmortem",
        Scheduled = "scheduled",
        InProgress = "in_progress",
        Verifying = "verifying",
        Completed = "completed",
    }
}

/// Incidents are unplanned; maintenances are announced windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Incident,
    Maintenance,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Incident => "incident",
            Kind::Maintenance => "maintenance",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "incident" => Some(Kind::Incident),
            "maintenance" => Some(Kind::Maintenance),
            _ => None,
        }
    }
}

impl ComponentStatus {
    pub fn is_operational(self) -> bool {
        self == ComponentStatus::Operational
    }

    /// The impact a component in this status causes on its own.
    pub fn impact(self) -> Impact {
        match self {
            ComponentStatus::Operational | ComponentStatus::UnderMaintenance => Impact::None,
            ComponentStatus::DegradedPerformance => Impact::Minor,
            ComponentStatus::PartialOutage | ComponentStatus::MajorOutage => Impact::Major,
        }
    }

    /// The worst of several statuses (for a group); maintenance only wins over operational.
    pub fn worst(statuses: impl IntoIterator<Item = ComponentStatus>) -> ComponentStatus {
        statuses
            .into_iter()
            .max()
            .unwrap_or(ComponentStatus::Operational)
    }
}

impl Impact {
    /// Impact derived from the affected components: the worst single component, raised to
    /// critical when every payment channel on the page is down at once.
    pub fn derive(affected: &[ComponentStatus], channels_on_page: usize) -> Impact {
        let worst = affected
            .iter()
            .map(|s| s.impact())
            .max()
            .unwrap_or(Impact::None);
        let all_down = channels_on_page > 0
            && affected.len() >= channels_on_page
            && affected.iter().all(|s| *s == ComponentStatus::MajorOutage);
        if all_down { Impact::Critical } else { worst }
    }

    fn indicator(self) -> Indicator {
        match self {
            Impact::None => Indicator::None,
            Impact::Minor => Indicator::Minor,
            Impact::Major => Indicator::Major,
            Impact::Critical => Indicator::Critical,
        }
    }
}

impl Indicator {
    /// The page indicator as the reference API derives it: the worst component state,
    /// raised to the impact of any open incident; maintenance only when nothing is worse.
    pub fn overall(
        channel_statuses: &[ComponentStatus],
        open_incident_impacts: &[Impact],
        maintenance_in_progress: bool,
    ) -> Indicator {
        let from_components = Impact::derive(channel_statuses, channel_statuses.len()).indicator();
        let from_incidents = open_incident_impacts
            .iter()
            .map(|i| i.indicator())
            .max()
            .unwrap_or(Indicator::None);
        let any_maintenance = maintenance_in_progress
            || channel_statuses.contains(&ComponentStatus::UnderMaintenance);
        let maintenance = if any_maintenance {
            Indicator::Maintenance
        } else {
            Indicator::None
        };
        from_components.max(from_incidents).max(maintenance)
    }

    /// The reference API's English description of each indicator.
    pub fn description(self) -> &'static str {
        match self {
            Indicator::None => "All Systems Operational",
            Indicator::Minor => "Minor Service Outage",
            Indicator::Major => "Partial System Outage",
            Indicator::Critical => "Major System Outage",
            Indicator::Maintenance => "Service Under Maintenance",
        }
    }
}

/// Why a status change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionError(pub String);

impl Status {
    pub fn kind(self) -> Kind {
        match self {
            Status::Investigating
            | Status::Identified
            | Status::Monitoring
            | Status::Resolved
            | Status::Postmortem => Kind::Incident,
            Status::Scheduled | Status::InProgress | Status::Verifying | Status::Completed => {
                Kind::Maintenance
            }
        }
    }

    /// Whether the notice is over (it moves to history).
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Status::Resolved | Status::Postmortem | Status::Completed
        )
    }

    pub fn accepted_for(kind: Kind) -> Vec<Status> {
        Status::ALL
            .iter()
            .copied()
            .filter(|s| s.kind() == kind)
            .collect()
    }

    /// The status values an operator may post for `kind`, for error messages.
    pub fn expected_for(kind: Kind) -> String {
        Status::accepted_for(kind)
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn maintenance_rank(self) -> u8 {
        match self {
            Status::Scheduled => 0,
            Status::InProgress => 1,
            Status::Verifying => 2,
            _ => 3,
        }
    }

    /// Checks a status change. Incidents move freely among the open states, may be
    /// reopened after resolution, and reach `postmortem` only once resolved (and stay).
    /// Maintenances only move forward.
    pub fn transition(self, to: Status) -> Result<Status, TransitionError> {
        if to.kind() != self.kind() {
            return Err(TransitionError(format!(
                "`{to}` is not a {} status; expected one of {}",
                self.kind().as_str(),
                Status::expected_for(self.kind())
            )));
        }
        match self.kind() {
            Kind::Incident => match (self, to) {
                (Status::Postmortem, Status::Postmortem) => Ok(to),
                (Status::Postmortem, _) => Err(TransitionError(
                    "a postmortem was published; the incident can no longer change status".into(),
                )),
                (from, Status::Postmortem) if from != Status::Resolved => Err(TransitionError(
                    "resolve the incident before publishing a postmortem".into(),
                )),
                _ => Ok(to),
            },
            Kind::Maintenance => {
                if to.maintenance_rank() < self.maintenance_rank() {
                    Err(TransitionError(format!(
                        "a maintenance cannot go back from `{self}` to `{to}`"
                    )))
                } else {
                    Ok(to)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ComponentStatus::*;

    #[test]
    fn impact_is_the_worst_affected_channel() {
        assert_eq!(Impact::derive(&[], 9), Impact::None);
        assert_eq!(Impact::derive(&[DegradedPerformance], 9), Impact::Minor);
        assert_eq!(
            Impact::derive(&[DegradedPerformance, MajorOutage], 9),
            Impact::Major
        );
        assert_eq!(Impact::derive(&[PartialOutage], 9), Impact::Major);
        assert_eq!(Impact::derive(&[UnderMaintenance], 9), Impact::None);
    }

    #[test]
    fn impact_is_critical_only_when_every_channel_is_down() {
        assert_eq!(
            Impact::derive(&[MajorOutage, MajorOutage], 2),
            Impact::Critical
        );
        assert_eq!(
            Impact::derive(&[MajorOutage, PartialOutage], 2),
            Impact::Major
        );
        assert_eq!(Impact::derive(&[MajorOutage], 2), Impact::Major);
    }

    #[test]
    fn overall_is_none_when_everything_works() {
        assert_eq!(
            Indicator::overall(&[Operational, Operational], &[], false),
            Indicator::None
        );
    }

    #[test]
    fn overall_takes_the_worst_of_components_and_open_incidents() {
        assert_eq!(
            Indicator::overall(&[DegradedPerformance, Operational], &[], false),
            Indicator::Minor
        );
        assert_eq!(
            Indicator::overall(&[MajorOutage, Operational], &[], false),
            Indicator::Major
        );
        assert_eq!(
            Indicator::overall(&[Operational, Operational], &[Impact::Critical], false),
            Indicator::Critical,
            "an open incident raises the page to its impact"
        );
        assert_eq!(
            Indicator::overall(&[MajorOutage, MajorOutage], &[], false),
            Indicator::Critical
        );
    }

    #[test]
    fn maintenance_shows_only_when_nothing_is_worse() {
        assert_eq!(
            Indicator::overall(&[UnderMaintenance, Operational], &[], false),
            Indicator::Maintenance
        );
        assert_eq!(
            Indicator::overall(&[Operational], &[], true),
            Indicator::Maintenance
        );
        assert_eq!(
            Indicator::overall(&[UnderMaintenance, DegradedPerformance], &[], true),
            Indicator::Minor
        );
    }

    #[test]
    fn group_status_is_its_worst_member() {
        assert_eq!(
            ComponentStatus::worst([Operational, PartialOutage, DegradedPerformance]),
            PartialOutage
        );
        assert_eq!(
            ComponentStatus::worst([Operational, UnderMaintenance]),
            UnderMaintenance
        );
        assert_eq!(ComponentStatus::worst([]), Operational);
    }

    #[test]
    fn incidents_move_freely_until_a_postmortem() {
        use Status::*;
        assert_eq!(Investigating.transition(Monitoring), Ok(Monitoring));
        assert_eq!(Monitoring.transition(Identified), Ok(Identified));
        assert_eq!(
            Resolved.transition(Investigating),
            Ok(Investigating),
            "reopening is allowed"
        );
        assert!(
            Monitoring.transition(Postmortem).is_err(),
            "postmortem needs resolution first"
        );
        assert_eq!(Resolved.transition(Postmortem), Ok(Postmortem));
        assert!(Postmortem.transition(Investigating).is_err());
        assert!(
            Investigating.transition(InProgress).is_err(),
            "maintenance states are refused"
        );
    }

    #[test]
    fn maintenances_only_move_forward() {
        use Status::*;
        assert_eq!(Scheduled.transition(InProgress), Ok(InProgress));
        assert_eq!(Scheduled.transition(Completed), Ok(Completed));
        assert_eq!(InProgress.transition(InProgress), Ok(InProgress));
        assert!(Verifying.transition(InProgress).is_err());
        assert!(Completed.transition(Scheduled).is_err());
        assert!(Scheduled.transition(Resolved).is_err());
    }
}
