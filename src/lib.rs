//! paystatus: a public status page for payment services.
//!
//! A tour: `domain` holds the plain types and rules (statuses, incidents, text);
//! `store` is the only place that speaks SQL (one writer, and read connections in lanes
//! so that no kind of reader can hold up another); `snapshot` renders what the status
//! page shows into one immutable snapshot after each write, and renders older documents
//! (past incidents, deep history pages) on demand from a few indexed rows into a cache;
//! `service` holds the commands every writer calls and the one write path; `web` serves
//! the public; `admin` is the authenticated API operators write through; `schedule`
//! moves maintenance windows along the clock; `app` wires it together; `cli` is the
//! command line. The layers and the write path are drawn in `src/ARCHITECTURE.md`.

pub mod admin;
pub mod app;
pub mod cli;
pub mod config;
pub mod console;
pub mod domain;
pub mod error;
pub mod mail;
pub mod mirror;
pub mod notify;
pub mod reports;
pub mod request_log;
pub mod schedule;
pub mod service;
pub mod snapshot;
pub mod store;
pub mod subscribe;
pub mod telemetry;
pub mod web;

pub use app::{App, AppHandle, StartError};
pub use config::Config;
