//! Plain types and rules of the status page. Nothing here knows about HTTP or SQL:
//! input is parsed into these types (which cannot exist invalid) before it is stored.

mod alert;
mod catalog;
mod changes;
mod choice;
mod component;
mod events;
mod ids;
mod incident;
pub mod incident_report;
mod key;
mod lang;
mod password;
mod person;
mod postmortem;
pub mod report;
mod session;
mod status;
pub mod subscriber;
mod suggestion;
mod template;
mod text;
pub mod texts;
mod time;
pub mod uptime;
mod webhook;

pub use alert::{
    AlertSettings, AlertSignal, check_alert_status, fallback_incident_template,
    parse_component_list, recovery_proposal_template,
};
pub use catalog::{Catalog, status_after_close};
pub use changes::{IncidentChanges, MaintenanceChanges};
pub use choice::{
    ComponentIdInput, ComponentStatusInput, EventKindInput, ImpactInput, IncidentStatusInput,
    LangInput, MaintenanceStatusInput, ScopeInput, StatusInput, TemplateIdInput, TemplateKindInput,
    WebhookFormatInput,
};
pub use component::{Component, ComponentId};
pub use events::{Event, EventKind, NoticeMark, component_event, spike_event, test_event};
pub use ids::{new_id, random_bytes, random_string as random_key};
pub use incident::{
    AffectedComponent, Alternative, ComponentChange, EtaRevision, Incident, IncidentDraft,
    IncidentRecord, MaintenanceWindow, NextUpdate, Promise, Update, UpdateDraft,
};
pub use key::{ApiKey, Scope, generate_key, hash_key, new_key};
pub use lang::Lang;
pub use password::{
    PasswordError, PasswordHash, UnreadableHash, check_password, hash_password, verify_nobody,
    verify_password,
};
pub use person::{Person, Role, new_person, normalize_email};
pub use postmortem::{PostmortemSection, postmortem_sections};
pub use session::{
    Session, SessionCutoffs, SessionLimits, SessionSecrets, csrf_matches, new_session_secrets,
    session_token_hash, touch_every,
};
pub use status::{ComponentStatus, Impact, Indicator, Kind, Status, TransitionError};
pub use subscriber::Subscriber;
pub use suggestion::{Suggestion, recommend_now};
pub use template::{
    Applied, Fill, Template, TemplateChanges, TemplateDraft, TemplateId, TemplateKind,
    TemplateParts, apply, working_fallbacks,
};
pub use text::{LocalizedInput, LocalizedText, TextInput, TextKind};
pub use texts::{ConsoleTexts, console_texts};
pub use time::{Clock, InputTime, ManualClock, SystemClock};
pub use uptime::StatusCause;
pub use webhook::{
    BadSecret, WEBHOOK_CHANNEL, WEBHOOK_RETRY_WINDOW, Webhook, WebhookFormat, new_webhook_secret,
    read_webhook_url, sign_webhook, webhook_retry,
};

use serde::Serialize;

/// One problem with one input field, as reported to the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects field errors so an operator learns every problem with a request at once.
#[derive(Debug, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// Keeps the value, or records the error and returns `None`.
    pub fn check<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}
