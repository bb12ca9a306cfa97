//! Public HTTP surface.

mod assets;
mod metrics;
pub mod public;
mod serve;

pub use assets::Assets;
pub use metrics::Metrics;
pub use serve::respond;
