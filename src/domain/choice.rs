//! Values of a fixed set or shape (an impact, a status, a scope, a component id) as a
//! writer sent them: one of the set, the text it was, or missing. Reading never stops at
//! an unknown or missing value, so a request's every problem can be told at once; the
//! refusal names the field.

use serde::Deserialize;

use super::{
    ComponentId, ComponentStatus, EventKind, FieldError, Impact, Kind, Lang, Scope, Status,
    TemplateId, TemplateKind, WebhookFormat,
};

macro_rules! chosen {
    ($(#[$doc:meta])* $name:ident of $t:ty, $noun:literal, $choices:expr, $parse:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub enum $name {
            Known($t),
            Unknown(String),
            /// Not sent, where it is required (`#[serde(default)]` fields).
            #[default]
            Missing,
        }

        impl $name {
            /// The value, or a refusal naming `field` and what is accepted.
            pub fn known(&self, field: &str) -> Result<$t, FieldError> {
                match self {
                    $name::Known(v) => Ok(v.clone()),
                    $name::Unknown(s) => Err(FieldError::new(
                        field,
                        format!("`{s}` is not {}; expected {}", $noun, $choices),
                    )),
                    $name::Missing => Err(FieldError::new(field, "is required")),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = String::deserialize(d)?;
                let parse: fn(&str) -> Option<$t> = $parse;
                Ok(match parse(&s) {
                    Some(v) => $name::Known(v),
                    None => $name::Unknown(s),
                })
            }
        }
    };
}

fn one_of(list: String) -> String {
    format!("one of {list}")
}

fn status_of(kind: Kind, s: &str) -> Option<Status> {
    Status::parse(s).filter(|st| st.kind() == kind)
}

chosen!(
    /// An impact as sent.
    ImpactInput of Impact, "an impact", one_of(Impact::expected()), Impact::parse
);
chosen!(
    /// A component status as sent.
    ComponentStatusInput of ComponentStatus, "a status",
    one_of(ComponentStatus::expected()), ComponentStatus::parse
);
chosen!(
    /// A template's kind as sent.
    TemplateKindInput of TemplateKind, "a template kind", one_of(TemplateKind::expected()),
    TemplateKind::parse
);
chosen!(
    /// A scope as sent.
    ScopeInput of Scope, "a scope", one_of(Scope::join(&Scope::ALL).replace(',', ", ")),
    Scope::parse
);
chosen!(
    /// An incident's status as sent.
    IncidentStatusInput of Status, "a status of an incident",
    one_of(Status::expected_for(Kind::Incident)), |s| status_of(Kind::Incident, s)
);
chosen!(
    /// A maintenance's status as sent.
    MaintenanceStatusInput of Status, "a status of a maintenance",
    one_of(Status::expected_for(Kind::Maintenance)), |s| status_of(Kind::Maintenance, s)
);
chosen!(
    /// A notice status of either kind, as sent (whether it suits is the reader's rule).
    StatusInput of Status, "a status", one_of(Status::expected()), Status::parse
);
chosen!(
    /// A template id as sent.
    TemplateIdInput of TemplateId, "a template id", "1–40 of a-z, 0-9 and -",
    |s| TemplateId::parse(s, "").ok()
);
chosen!(
    /// A component id as sent.
    ComponentIdInput of ComponentId, "a component id", "1–40 of a-z, 0-9 and -",
    |s| ComponentId::parse(s, "").ok()
);

chosen!(
    /// A kind of event a webhook endpoint asks for, as sent (the test event is not one).
    EventKindInput of EventKind, "a kind of event", one_of(EventKind::expected()),
    |s| EventKind::parse(s).filter(|k| *k != EventKind::Test)
);
chosen!(
    /// A webhook's format as sent.
    WebhookFormatInput of WebhookFormat, "a format", one_of(WebhookFormat::expected()),
    WebhookFormat::parse
);
chosen!(
    /// A language as sent: `ko` or `en`.
    LangInput of Lang, "a language", "ko or en",
    |s| Lang::ALL.into_iter().find(|l| l.code() == s)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_value_is_kept_for_the_refusal() {
        let known: ImpactInput = serde_json::from_str("\"major\"").unwrap();
        assert_eq!(known, ImpactInput::Known(Impact::Major));
        let unknown: ScopeInput = serde_json::from_str("\"admin\"").unwrap();
        let refusal = unknown.known("scopes").unwrap_err();
        assert_eq!(refusal.field, "scopes");
        assert!(
            refusal
                .message
                .starts_with("`admin` is not a scope; expected one of read, incidents"),
            "{}",
            refusal.message
        );
    }

    #[test]
    fn a_status_of_the_other_kind_is_not_known() {
        let ok: IncidentStatusInput = serde_json::from_str("\"identified\"").unwrap();
        assert_eq!(ok.known("status").unwrap(), Status::Identified);
        let other: IncidentStatusInput = serde_json::from_str("\"in_progress\"").unwrap();
        let refusal = other.known("status").unwrap_err();
        assert!(
            refusal.message.starts_with(
                "`in_progress` is not a status of an incident; expected one of investigating"
            ),
            "{}",
            refusal.message
        );
        let maintenance: MaintenanceStatusInput = serde_json::from_str("\"in_progress\"").unwrap();
        assert_eq!(maintenance.known("status").unwrap(), Status::InProgress);
    }

    #[test]
    fn a_missing_value_is_refused_as_required() {
        let refusal = ComponentIdInput::default().known("id").unwrap_err();
        assert_eq!(
            (refusal.field.as_str(), refusal.message.as_str()),
            ("id", "is required")
        );
        let id: ComponentIdInput = serde_json::from_str("\"Test Pay\"").unwrap();
        assert!(
            id.known("id")
                .unwrap_err()
                .message
                .contains("`Test Pay` is not a component id")
        );
    }
}
