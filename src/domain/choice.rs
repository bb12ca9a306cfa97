//! Values of a fixed set (an impact, a component status, a scope) as a writer sent them:
//! one of the set, or the text it was. Reading never stops at an unknown value, so a
//! request's every problem can be told at once; the refusal names the field.

use serde::Deserialize;

use super::{ComponentStatus, FieldError, Impact, Scope, TemplateKind};

macro_rules! chosen {
    ($(#[$doc:meta])* $name:ident of $t:ty, $noun:literal, $choices:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $name {
            Known($t),
            Unknown(String),
        }

        impl $name {
            /// The value, or a refusal naming `field` and what is accepted.
            pub fn known(&self, field: &str) -> Result<$t, FieldError> {
                match self {
                    $name::Known(v) => Ok(*v),
                    $name::Unknown(s) => Err(FieldError::new(
                        field,
                        format!("`{s}` is not {}; expected one of {}", $noun, $choices),
                    )),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = String::deserialize(d)?;
                Ok(match <$t>::parse(&s) {
                    Some(v) => $name::Known(v),
                    None => $name::Unknown(s),
                })
            }
        }
    };
}

chosen!(
    /// An impact as sent.
    ImpactInput of Impact, "an impact", Impact::expected()
);
chosen!(
    /// A component status as sent.
    ComponentStatusInput of ComponentStatus, "a status", ComponentStatus::expected()
);
chosen!(
    /// A template's kind as sent.
    TemplateKindInput of TemplateKind, "a template kind", TemplateKind::expected()
);
chosen!(
    /// A scope as sent.
    ScopeInput of Scope, "a scope", Scope::join(&Scope::ALL).replace(',', ", ")
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
}
