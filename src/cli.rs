//! The command line: `serve`; `keys create|list|revoke` and `users create|list|disable`
//! working on the same database; `backup` (while the server runs) and `restore` (while
//! it is stopped).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::config::Config;
use crate::domain::{Role, Scope, check_password, normalize_email};
use crate::error::Error;
use crate::service::{self, Ctx, Who, keys, people};
use crate::store::{self, BackupError, Reader, Store, StoreError};

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
    /// Write the public surface to DIR as static files (with .gz and .br siblings and a
    /// manifest), for any static host; the server may be running.
    Export {
        /// The folder to write; replaced whole once the new copy is complete.
        dir: PathBuf,
        #[command(flatten)]
        config: Config,
    },
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
    /// Manage the people who sign in to the operator console.
    Users {
        /// Directory holding the database.
        #[arg(
            long,
            env = "PAYSTATUS_DATA_DIR",
            default_value = "./data",
            global = true
        )]
        data_dir: PathBuf,
        #[command(subcommand)]
        action: UsersAction,
    },
    /// Copy the database to FILE while the server runs; writes go on meanwhile.
    Backup {
        /// Where to write the backup.
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        data: DataDir,
    },
    /// Replace the database with the backup FILE; the server must be stopped.
    Restore {
        /// A file made by `paystatus backup`.
        file: PathBuf,
        #[command(flatten)]
        data: DataDir,
    },
}

#[derive(Debug, Args)]
pub struct DataDir {
    /// Directory holding the database.
    #[arg(long, env = "PAYSTATUS_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
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

#[derive(Debug, Subcommand)]
pub enum UsersAction {
    /// Add a person who can sign in with EMAIL and the password read from stdin.
    Create {
        #[arg(long)]
        email: String,
        /// What they may do: viewer, editor or admin.
        #[arg(long)]
        role: String,
        /// Read the password from standard input (one line, at least 12 characters).
        /// Required: a password on the command line would show in `ps` and the history.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List people (never their passwords).
    List,
    /// Disable a person; their sessions end at once, also on a running server.
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Command(Error),
    #[error(transparent)]
    Backup(#[from] BackupError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
}

/// A command's refusal in the words of the command line: each field and why.
fn usage(e: Error) -> CliError {
    match e {
        Error::Invalid(errors) => CliError::Usage(
            errors
                .iter()
                .map(|e| format!("--{}: {}", flag(&e.field), e.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Error::Store(e) => CliError::Store(e),
        other => CliError::Command(other),
    }
}

/// The option a command's field comes from, where the names differ.
fn flag(field: &str) -> &str {
    match field {
        "password" => "password-stdin",
        other => other,
    }
}

/// Runs a `keys` action. Only the new key goes to stdout; everything else to stderr.
pub fn run_keys(data_dir: &std::path::Path, action: KeysAction) -> Result<(), CliError> {
    let now = chrono::Utc::now();
    let store = Store::open(data_dir, now)?;
    match action {
        KeysAction::Create { name, scopes } => {
            let scopes = Scope::parse_list(scopes.iter().map(String::as_str), "--scope")
                .map_err(|e| CliError::Usage(format!("{}: {}", e.field, e.message)))?;
            let ctx = Ctx::at(now, Who::cli());
            let made = store
                .write_blocking(|tx| {
                    service::execute(tx, &ctx, |tx, ctx| keys::create(tx, ctx, &name, &scopes))
                })
                .map_err(usage)?;
            eprintln!(
                "created key {} ({}) with scopes {}; it is shown only this once:",
                made.key.id,
                made.key.name,
                Scope::join(&made.key.scopes)
            );
            writeln!(std::io::stdout(), "{}", made.secret)?;
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
                    Scope::join(&k.scopes),
                    k.created_at.format("%Y-%m-%d %H:%M")
                )?;
            }
        }
        KeysAction::Revoke { id } => {
            let ctx = Ctx::at(now, Who::cli());
            store
                .write_blocking(|tx| {
                    service::execute(tx, &ctx, |tx, ctx| keys::revoke(tx, ctx, &id))
                })
                .map_err(|e| match e {
                    Error::NotFound(_) => CliError::Usage(format!(
                        "there is no key `{id}` (see `paystatus keys list`)"
                    )),
                    other => usage(other),
                })?;
            eprintln!("revoked {id}");
        }
    }
    Ok(())
}

/// Runs a `users` action. Nothing goes to stdout; a password never goes anywhere.
pub fn run_users(data_dir: &Path, action: UsersAction) -> Result<(), CliError> {
    let now = chrono::Utc::now();
    match action {
        UsersAction::Create {
            email,
            role,
            password_stdin: _,
        } => {
            let password = read_password(std::io::stdin().lock())?;
            // Every problem at once, before the slow hash and before the database.
            let role = match (
                normalize_email(&email),
                Role::read(&role, "role"),
                check_password(&password),
            ) {
                (Ok(_), Ok(role), Ok(())) => role,
                (email, role, password) => {
                    let problems = [email.err(), role.err(), password.err()];
                    return Err(usage(Error::Invalid(
                        problems.into_iter().flatten().collect(),
                    )));
                }
            };
            let hash = people::hash_new_password(&password).map_err(usage)?;
            let store = Store::open(data_dir, now)?;
            let ctx = Ctx::at(now, Who::cli());
            let person = store
                .write_blocking(|tx| {
                    service::execute(tx, &ctx, |tx, ctx| {
                        people::create_person(tx, ctx, &email, role, &hash)
                    })
                })
                .map_err(usage)?;
            eprintln!(
                "created {} ({}) as {}",
                person.email, person.id, person.role
            );
        }
        UsersAction::List => {
            let store = Store::open(data_dir, now)?;
            let everyone = store.read_blocking(Reader::Operator, |tx| store::all_people(tx))?;
            let mut out = std::io::stderr();
            writeln!(
                out,
                "{:<40} {:<7} {:<27} {:<17} last login",
                "email", "role", "state", "created"
            )?;
            let minute = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();
            for p in everyone {
                let state = match p.disabled_at {
                    Some(t) => format!("disabled {}", minute(t)),
                    None => "active".to_string(),
                };
                writeln!(
                    out,
                    "{:<40} {:<7} {:<27} {:<17} {}",
                    p.email,
                    p.role,
                    state,
                    minute(p.created_at),
                    p.last_login_at.map_or_else(|| "never".to_string(), minute)
                )?;
            }
        }
        UsersAction::Disable { email } => {
            let store = Store::open(data_dir, now)?;
            let ctx = Ctx::at(now, Who::cli());
            let person = store
                .write_blocking(|tx| {
                    service::execute(tx, &ctx, |tx, ctx| people::disable_person(tx, ctx, &email))
                })
                .map_err(|e| match e {
                    Error::NotFound(_) => CliError::Usage(format!(
                        "there is no person with the email `{}` (see `paystatus users list`)",
                        email.trim()
                    )),
                    other => usage(other),
                })?;
            eprintln!("disabled {}; their sessions have ended", person.email);
        }
    }
    Ok(())
}

/// The password: the first line of `input`, without its line ending. Read with a bound,
/// so a file piped in by mistake is not read whole.
fn read_password(input: impl BufRead) -> Result<String, CliError> {
    let mut line = String::new();
    input.take(8 * 1024).read_line(&mut line).map_err(|e| {
        CliError::Usage(format!(
            "--password-stdin: cannot read the password from standard input: {e}"
        ))
    })?;
    if line.is_empty() {
        return Err(CliError::Usage(
            "--password-stdin: standard input was empty; pipe the password in".into(),
        ));
    }
    let line = line.strip_suffix('\n').unwrap_or(&line);
    Ok(line.strip_suffix('\r').unwrap_or(line).to_string())
}

/// `paystatus backup FILE`: one line on stderr once FILE is written and checked.
pub fn run_backup(data_dir: &Path, file: &Path, force: bool) -> Result<(), CliError> {
    let done = store::backup(data_dir, file, force)?;
    eprintln!(
        "backed up {} to {} ({}, schema version {}, {} incidents); integrity_check ok",
        data_dir.join(store::DATABASE_FILE).display(),
        done.path.display(),
        human_size(done.bytes),
        done.facts.schema_version,
        done.facts.incidents,
    );
    Ok(())
}

/// `paystatus restore FILE`: says what was replaced and where the old database went.
pub fn run_restore(data_dir: &Path, file: &Path) -> Result<(), CliError> {
    let done = store::restore(data_dir, file, chrono::Utc::now())?;
    eprintln!(
        "restored {} into {} (schema version {}, {} incidents); integrity_check ok",
        file.display(),
        done.database.display(),
        done.facts.schema_version,
        done.facts.incidents,
    );
    match &done.kept_aside {
        Some(kept) => {
            eprintln!("the previous database is kept as {}", kept.path.display());
            if let Some((why, log)) = &kept.unmerged_log {
                eprintln!(
                    "its log could not be merged into it ({why}); the log is kept as {}",
                    log.display()
                );
            }
        }
        None => eprintln!("there was no previous database"),
    }
    let known = store::known_schema_version();
    if done.facts.schema_version < known {
        eprintln!(
            "paystatus will migrate it from schema version {} to {known} when it starts",
            done.facts.schema_version
        );
    }
    eprintln!("start paystatus to serve it");
    Ok(())
}

/// Bytes for people: `812 KB`, `3.4 MB`.
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KB", "MB", "GB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} bytes"),
        _ if size < 10.0 => format!("{size:.1} {}", UNITS[unit]),
        _ => format!("{size:.0} {}", UNITS[unit]),
    }
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_read_like_a_person_would_write_them() {
        for (bytes, want) in [
            (0, "0 bytes"),
            (1023, "1023 bytes"),
            (1024, "1.0 KB"),
            (830_000, "811 KB"),
            (3_565_158, "3.4 MB"),
        ] {
            assert_eq!(human_size(bytes), want, "{bytes} bytes");
        }
    }
}
