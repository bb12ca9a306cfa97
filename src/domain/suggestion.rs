//! What customers are told to use instead while a notice lasts.

use super::{ComponentId, ComponentStatus, Incident, LocalizedText};

/// A payment channel suggested to customers while a notice lasts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion<'a> {
    pub component: &'a ComponentId,
    pub instructions: Option<&'a LocalizedText>,
}

impl Incident {
    /// What to suggest instead: the alternatives the operator listed, or else the default
    /// fallbacks of the affected channels. Never a channel this notice itself affects.
    /// Whether to recommend one *now* is [`recommend_now`]'s call.
    pub fn suggestions<'a>(
        &'a self,
        fallbacks: impl Fn(&ComponentId) -> &'a [ComponentId],
    ) -> Vec<Suggestion<'a>> {
        let affected = |id: &ComponentId| self.0.components.iter().any(|c| &c.id == id);
        let mut out: Vec<Suggestion<'a>> = Vec::new();
        if self.0.alternatives.is_empty() {
            for c in &self.0.components {
                for f in fallbacks(&c.id) {
                    if !affected(f) && !out.iter().any(|s| s.component == f) {
                        out.push(Suggestion {
                            component: f,
                            instructions: None,
                        });
                    }
                }
            }
        } else {
            for a in &self.0.alternatives {
                if !affected(&a.component) {
                    out.push(Suggestion {
                        component: &a.component,
                        instructions: a.instructions.as_ref(),
                    });
                }
            }
        }
        out
    }
}

/// Customers are only pointed to a channel while it works.
pub fn recommend_now(status: ComponentStatus) -> bool {
    status.is_operational()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::IncidentRecord;
    use crate::domain::{AffectedComponent, Alternative, Impact, Kind, Status};

    fn id(s: &str) -> ComponentId {
        ComponentId::parse(s, "id").unwrap()
    }

    fn incident(components: &[&str], alternatives: &[&str]) -> Incident {
        let now = chrono::Utc::now();
        Incident::from_record(IncidentRecord {
            id: "i".into(),
            kind: Kind::Incident,
            title: LocalizedText {
                ko: "t".into(),
                en: None,
            },
            status: Status::Investigating,
            impact: Impact::Major,
            impact_override: None,
            draft: false,
            published_at: None,
            drill: false,
            components: components
                .iter()
                .map(|c| AffectedComponent {
                    id: id(c),
                    status: ComponentStatus::MajorOutage,
                })
                .collect(),
            alternatives: alternatives
                .iter()
                .map(|a| Alternative {
                    component: id(a),
                    instructions: None,
                })
                .collect(),
            eta: None,
            next_update_at: None,
            update_interval_minutes: None,
            window: None,
            auto_transition: false,
            postmortem: None,
            started_at: now,
            monitoring_at: None,
            resolved_at: None,
            created_at: now,
            updated_at: now,
            revision: 1,
            updates: vec![],
            eta_revisions: vec![],
        })
    }

    #[test]
    fn listed_alternatives_win_over_default_fallbacks() {
        let fb = vec![id("bank-transfer")];
        let i = incident(&["card"], &["kakaopay", "card"]);
        let s: Vec<&str> = i
            .suggestions(|_| &fb)
            .iter()
            .map(|s| s.component.as_str())
            .collect();
        assert_eq!(
            s,
            vec!["kakaopay"],
            "an affected channel is never suggested"
        );
    }

    #[test]
    fn default_fallbacks_fill_in_and_skip_affected_channels() {
        let card_fb = vec![id("bank-transfer")];
        let wallet_fb = vec![id("card")];
        let i = incident(&["kakaopay", "card"], &[]);
        let s: Vec<&str> = i
            .suggestions(|c| {
                if c.as_str() == "card" {
                    &card_fb
                } else {
                    &wallet_fb
                }
            })
            .iter()
            .map(|s| s.component.as_str())
            .collect();
        assert_eq!(s, vec!["bank-transfer"]);
    }

    #[test]
    fn only_operational_channels_are_recommended() {
        assert!(recommend_now(ComponentStatus::Operational));
        assert!(!recommend_now(ComponentStatus::PartialOutage));
        assert!(!recommend_now(ComponentStatus::UnderMaintenance));
    }
}
