//! Public HTTP surface.

mod assets;
pub mod client;
pub mod connections;
mod metrics;
pub mod public;
mod serve;
pub mod throttle;

pub use assets::Assets;
pub use metrics::Metrics;
pub use serve::respond;
