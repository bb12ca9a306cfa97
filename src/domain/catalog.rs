//! What a write needs to know about the component catalogue.

use std::collections::{HashMap, HashSet};

use super::{ComponentId, ComponentStatus, FieldError};

/// What a write needs to know about the component catalogue: which ids exist, which are
/// groups, their public status now, and what other active notices hold them at.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub statuses: HashMap<ComponentId, ComponentStatus>,
    pub groups: HashSet<ComponentId>,
    /// Per component, the statuses other active notices (not the one being written) give it.
    pub active_elsewhere: HashMap<ComponentId, Vec<ComponentStatus>>,
}

impl Catalog {
    pub fn channel_count(&self) -> usize {
        self.statuses.len() - self.groups.len()
    }

    /// The public status of `id` now (operational if it is not in the catalogue).
    pub fn status(&self, id: &ComponentId) -> ComponentStatus {
        self.statuses
            .get(id)
            .copied()
            .unwrap_or(ComponentStatus::Operational)
    }

    /// Checks that `id` names a payment channel that can be affected or recommended.
    pub fn check_channel(&self, id: &ComponentId, field: &str) -> Result<(), FieldError> {
        if !self.statuses.contains_key(id) {
            Err(FieldError::new(
                field,
                format!("there is no component `{id}`"),
            ))
        } else if self.groups.contains(id) {
            Err(FieldError::new(
                field,
                format!("`{id}` is a group; name the payment channels in it"),
            ))
        } else {
            Ok(())
        }
    }
}

/// The public status of a component when a notice that held it ends: the worst status
/// other active notices give it, or operational.
pub fn status_after_close(active_elsewhere: &[ComponentStatus]) -> ComponentStatus {
    ComponentStatus::worst(active_elsewhere.iter().copied())
}
