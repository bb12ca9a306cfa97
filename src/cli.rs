//! The command line: `serve`, and `keys create|list|revoke` working on the same database.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::admin::{Scope, new_key};
use crate::config::Config;
use crate::store::{self, Reader, Store, StoreError};

#[derive(Debug, Parser)]
#[command(
    name = "paystatus",
    version,
    about = "A public status page for payment services"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the status page server.
    Serve(Config),
    /// Manage admin API keys.
    Keys {
        /// Directory holding the database.
        #[arg(
            long,
            env = "PAYSTATUS_DATA_DIR",
            default_value = "./data",
            global = true
        )]
        data_dir: PathBuf,
        #[command(subcommand)]
        action: KeysAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Create a key and print it on stdout; it is shown only this once.
    Create {
        /// Who or what uses the key, for the audit log.
        #[arg(long)]
        name: String,
        /// Comma-separated scopes: read, incidents, components, keys.
        #[arg(long = "scope", value_delimiter = ',', required = true)]
        scopes: Vec<String>,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key by id; takes effect at once, also for a running server.
    Revoke { id: String },
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs a `keys` action. Only the new key goes to stdout; everything else to stderr.
pub fn run_keys(data_dir: &std::path::Path, action: KeysAction) -> Result<(), CliError> {
    let now = chrono::Utc::now();
    let store = Store::open(data_dir, now)?;
    match action {
        KeysAction::Create { name, scopes } => {
            let scopes = Scope::parse_list(scopes.iter().map(String::as_str), "--scope")
                .map_err(|e| CliError::Usage(format!("{}: {}", e.field, e.message)))?;
            let (key, secret, hash) = new_key(&name, &scopes, now)
                .map_err(|e| CliError::Usage(format!("--name: {}", e.message)))?;
            store.write_blocking(|tx| -> Result<(), StoreError> {
                store::insert_key(tx, &key, &hash)?;
                let detail = serde_json::json!({ "name": key.name, "scopes": key.scopes });
                store::record_audit(
                    tx,
                    now,
                    None,
                    "cli",
                    "key.create",
                    Some(&key.id),
                    Some(&detail),
                )
            })?;
            eprintln!(
                "created key {} ({}) with scopes {}; it is shown only this once:",
                key.id,
                key.name,
                key.scopes.join(",")
            );
            writeln!(std::io::stdout(), "{secret}")?;
        }
        KeysAction::List => {
            let keys = store.read_blocking(Reader::Operator, |tx| store::all_keys(tx))?;
            let mut out = std::io::stderr();
            writeln!(
                out,
                "{:<16} {:<24} {:<32} {:<20} state",
                "id", "name", "scopes", "created"
            )?;
            for k in keys {
                let state = match k.revoked_at {
                    Some(t) => format!("revoked {}", t.format("%Y-%m-%d %H:%M")),
                    None => "active".to_string(),
                };
                writeln!(
                    out,
                    "{:<16} {:<24} {:<32} {:<20} {state}",
                    k.id,
                    k.name,
                    k.scopes.join(","),
                    k.created_at.format("%Y-%m-%d %H:%M")
                )?;
            }
        }
        KeysAction::Revoke { id } => {
            let found = store.write_blocking(|tx| -> Result<bool, StoreError> {
                let found = store::revoke_key(tx, &id, now)?;
                if found {
                    store::record_audit(tx, now, None, "cli", "key.revoke", Some(&id), None)?;
                }
                Ok(found)
            })?;
            if !found {
                return Err(CliError::Usage(format!(
                    "there is no key `{id}` (see `paystatus keys list`)"
                )));
            }
            eprintln!("revoked {id}");
        }
    }
    Ok(())
}
