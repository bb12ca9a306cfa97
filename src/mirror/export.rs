//! `paystatus export DIR`: the public surface as a folder of static files, each with
//! `.gz` and `.br` siblings (nginx's `gzip_static`, `brotli_static`), and the manifest.
//! Written beside DIR first and swapped in whole, so a host serving DIR never shows a
//! half-written copy.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::manifest::{MANIFEST, Manifest};
use super::surface::Surface;
use crate::snapshot::{brotli_of, gzip_of};

#[derive(Debug, thiserror::Error)]
#[error("{action} {}: {source}", path.display())]
pub struct ExportError {
    action: &'static str,
    path: PathBuf,
    source: std::io::Error,
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    pub files: usize,
    pub bytes: u64,
}

/// Writes `surface` to `dir` (replacing what was there). Blocking: compresses every
/// file.
pub fn write(dir: &Path, surface: &Surface, generated_at: String) -> Result<Exported, ExportError> {
    let staging = sibling(dir, "partial")?;
    let result = write_all(&staging, surface, generated_at);
    let exported = match result {
        Ok(exported) => exported,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let old = sibling(dir, "old")?;
    let had_old = dir.exists();
    if had_old {
        rename(dir, &old)?;
    }
    rename(&staging, dir)?;
    if had_old {
        std::fs::remove_dir_all(&old).map_err(|source| ExportError {
            action: "removing the previous export",
            path: old,
            source,
        })?;
    }
    Ok(exported)
}

fn write_all(
    root: &Path,
    surface: &Surface,
    generated_at: String,
) -> Result<Exported, ExportError> {
    let mut exported = Exported { files: 0, bytes: 0 };
    for (path, doc) in &surface.files {
        let target = root.join(path.trim_start_matches('/'));
        let gzip = doc.gzip().cloned().or_else(|| gzip_of(&doc.body));
        let brotli = doc.brotli().cloned().or_else(|| brotli_of(&doc.body));
        file(&target, &doc.body, &mut exported)?;
        if let Some(gz) = gzip {
            file(&with_suffix(&target, "gz"), &gz, &mut exported)?;
        }
        if let Some(br) = brotli {
            file(&with_suffix(&target, "br"), &br, &mut exported)?;
        }
    }
    let manifest = Manifest::of(surface, generated_at);
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| ExportError {
        action: "writing the manifest",
        path: root.join(MANIFEST),
        source: std::io::Error::other(e),
    })?;
    file(&root.join(MANIFEST), &json, &mut exported)?;
    Ok(exported)
}

fn file(path: &Path, bytes: &[u8], exported: &mut Exported) -> Result<(), ExportError> {
    let io = |action, source| ExportError {
        action,
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io("creating the folder of", e))?;
    }
    let mut f = std::fs::File::create(path).map_err(|e| io("creating", e))?;
    f.write_all(bytes).map_err(|e| io("writing", e))?;
    exported.files += 1;
    exported.bytes += bytes.len() as u64;
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

/// `DIR.<what>-<pid>` beside DIR, gone if a run before us left it.
fn sibling(dir: &Path, what: &str) -> Result<PathBuf, ExportError> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| ExportError {
            action: "exporting to",
            path: dir.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the folder needs a name of its own",
            ),
        })?;
    let path = dir.with_file_name(format!(".{name}.{what}-{}", std::process::id()));
    if path.exists() {
        std::fs::remove_dir_all(&path).map_err(|source| ExportError {
            action: "removing a leftover",
            path: path.clone(),
            source,
        })?;
    }
    Ok(path)
}

fn rename(from: &Path, to: &Path) -> Result<(), ExportError> {
    std::fs::rename(from, to).map_err(|source| ExportError {
        action: "moving into place",
        path: to.to_path_buf(),
        source,
    })
}
