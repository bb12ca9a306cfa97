//! schemathesis, fed only the OpenAPI document, sends the admin API what it describes and
//! a lot it does not, and checks every answer against the document: no 5xx, only
//! documented statuses, content types, headers and bodies, invalid input refused.
//! Settings are in `.ci/schemathesis.toml`; `.ci/fuzz` is the same with far more examples.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tokio::process::Command;

use crate::helpers::*;

/// Examples per operation and phase: enough to reach every documented answer, small
/// enough for about a minute on two cores against the debug build.
const MAX_EXAMPLES: &str = "50";

/// One seed, so a run in CI fails or passes the same way every time; `.ci/fuzz` draws a
/// new one each run to explore.
const SEED: &str = "20261126";

/// Revoking a key is fuzzed on its own, after everything else and with nothing that lists
/// keys: otherwise schemathesis finds the id of the key it works with (in `GET /keys` or
/// the audit log) and revokes it, and every later request is only refused.
const REVOKE_KEY: &str = "DELETE /api/admin/v1/keys/{id}";
const CREATE_KEY: &str = "POST /api/admin/v1/keys";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_answer_that_breaks_the_openapi_document() -> TestResult {
    let exe = schemathesis_executable()?;
    // schemathesis sends a wrong key to every operation on purpose; the throttle that
    // would answer 429 after twenty is tested in throttling.rs.
    let app = spawn_app_configured(|c| c.auth_failure_burst = 1_000_000).await;
    // Something to find: schemathesis takes ids from the lists' answers, so the routes of
    // one incident or maintenance are tested on real ones, not only with unknown ids.
    app.create_incident_ok(&card_outage()).await?;
    app.create_maintenance_ok(&bank_maintenance()).await?;
    let work = tempfile::tempdir()?;

    let everything_else = run(
        &exe,
        &app,
        work.path(),
        "main",
        &["--exclude-name", REVOKE_KEY],
    )
    .await?;
    let revoking = run(
        &exe,
        &app,
        work.path(),
        "keys",
        &["--include-name", CREATE_KEY, "--include-name", REVOKE_KEY],
    )
    .await?;

    // Every documented operation is tested: all but one in the first run, `POST /keys`
    // and the one left out in the second.
    assert_eq!(
        (everything_else.operations, revoking.operations),
        (everything_else.documented - 1, 2),
        "operations tested in each run, of {} documented",
        everything_else.documented
    );
    println!(
        "schemathesis: {} test cases, 0 failures",
        everything_else.cases + revoking.cases
    );
    Ok(())
}

/// What a successful run tested.
struct Tested {
    cases: u64,
    operations: u64,
    /// Operations in the document, tested or not.
    documented: u64,
}

/// One schemathesis run against the app. Unless it found nothing wrong, its report is
/// printed and the answer is an error.
async fn run(
    exe: &Path,
    app: &TestApp,
    work: &Path,
    name: &str,
    selection: &[&str],
) -> TestResult<Tested> {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/schemathesis.toml");
    let report_path = work.join(format!("{name}.json"));
    let output = Command::new(exe)
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(app.admin_url("/openapi.json"))
        .args([
            "--header",
            &format!("Authorization: Bearer {}", app.admin_key),
        ])
        .args(["--max-examples", MAX_EXAMPLES, "--seed", SEED])
        .args(["--no-color", "--report", "json", "--report-json-path"])
        .arg(&report_path)
        .args(selection)
        // Its example database and cache go here, not into the checkout.
        .current_dir(work)
        .env("NO_COLOR", "1")
        .output()
        .await?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // Whatever goes wrong, schemathesis' own report is printed in full, with a curl
    // command per failure.
    let failed = |why: String| -> TestResult<Tested> {
        eprintln!("{text}");
        Err(format!("schemathesis' {name} run: {why}; its output is above").into())
    };
    let report: Value = match std::fs::read_to_string(&report_path) {
        Ok(json) => match serde_json::from_str(&json) {
            Ok(v) => v,
            Err(e) => return failed(format!("its JSON report does not parse ({e})")),
        },
        Err(e) => return failed(format!("it wrote no report ({e})")),
    };
    let failures = report["failures"].as_array().map_or(0, Vec::len);
    let errors = report["errors"].as_array().map_or(0, Vec::len);
    if !output.status.success() || failures > 0 || errors > 0 {
        return failed(format!(
            "{}, {failures} failures, {errors} errors",
            output.status
        ));
    }
    // A key that stopped working would leave every operation tested only for 401s.
    let refused = &report["warnings"]["missing_auth"];
    if refused.as_array().is_some_and(|a| !a.is_empty()) {
        return failed(format!("some operations answered only 401/403: {refused}"));
    }
    let (Some(cases), Some(operations), Some(documented)) = (
        report["test_cases"]["generated"].as_u64(),
        report["operations"]["tested"].as_u64(),
        report["operations"]["total"].as_u64(),
    ) else {
        return failed(format!("its report has no counts: {report}"));
    };
    if cases == 0 {
        return failed("it tested nothing".to_string());
    }
    println!("schemathesis ({name}): {cases} test cases, {operations} operations");
    Ok(Tested {
        cases,
        operations,
        documented,
    })
}

/// `$SCHEMATHESIS`, else `.ci/venv/bin/schemathesis` (installed by `.ci/run`), else the
/// first `schemathesis` on `PATH`.
fn schemathesis_executable() -> TestResult<PathBuf> {
    if let Some(path) = std::env::var_os("SCHEMATHESIS") {
        let path = PathBuf::from(path);
        if path.is_file() {
            return Ok(path);
        }
        return Err(format!(
            "SCHEMATHESIS is set to {}, which is not a file",
            path.display()
        )
        .into());
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/schemathesis");
    if venv.is_file() {
        return Ok(venv);
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|dir| dir.join("schemathesis"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .find(|p| p.is_file());
    on_path.ok_or_else(|| {
        "schemathesis is not installed: run `bash .ci/run` (it installs it in .ci/venv), \
         or set SCHEMATHESIS to its path"
            .into()
    })
}
