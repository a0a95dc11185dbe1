//! A deploy's outputs: the JSON object it wrote to `$TRELLIS_OUTPUTS_FILE`, or SST's
//! `.sst/outputs.json`.

use std::path::Path;

pub const MAX_OUTPUTS_BYTES: u64 = 64 * 1024;

pub type Outputs = serde_json::Map<String, serde_json::Value>;

/// Reads the first outputs file that exists, each given relative to `base`; a warning explains
/// anything unusable. The build wrote these files and the runner may be more privileged than
/// the build: a symlink anywhere on the way is refused, never followed.
pub fn read(base: &Path, candidates: &[&Path]) -> (Outputs, Option<String>) {
    use std::io::Read;
    for path in candidates {
        let file = match trellis_core::files::open_beneath(base, path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return (
                    Outputs::new(),
                    Some(format!(
                        "outputs in {} ignored: {} (symlinks are not followed)",
                        path.display(),
                        e
                    )),
                );
            }
        };
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        if len > MAX_OUTPUTS_BYTES {
            return (
                Outputs::new(),
                Some(format!(
                    "outputs in {} ignored: {len} bytes, at most {MAX_OUTPUTS_BYTES} are kept",
                    path.display(),
                )),
            );
        }
        let mut body = Vec::new();
        return match file
            .take(MAX_OUTPUTS_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| e.to_string())
            .and_then(|_| {
                serde_json::from_slice::<serde_json::Value>(&body).map_err(|e| e.to_string())
            }) {
            Ok(serde_json::Value::Object(map)) => (map, None),
            Ok(_) => (
                Outputs::new(),
                Some(format!(
                    "outputs in {} ignored: not a JSON object",
                    path.display()
                )),
            ),
            Err(e) => (
                Outputs::new(),
                Some(format!("outputs in {} ignored: {e}", path.display())),
            ),
        };
    }
    (Outputs::new(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_first_existing_object() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (Path::new("a.json"), Path::new("b.json"));
        std::fs::write(dir.path().join(b), r#"{"url":"https://x"}"#).unwrap();
        let (o, w) = read(dir.path(), &[a, b]);
        assert_eq!(o["url"], "https://x");
        assert!(w.is_none());
        std::fs::write(dir.path().join(a), "[1]").unwrap();
        let (o, w) = read(dir.path(), &[a, b]);
        assert!(o.is_empty());
        assert!(w.unwrap().contains("not a JSON object"));
        let (o, w) = read(dir.path(), &[Path::new("none")]);
        assert!(o.is_empty() && w.is_none());
    }

    #[test]
    fn a_symlinked_outputs_file_is_not_followed() {
        // A build that links its outputs to a file only the runner can read (another job's
        // secrets) must not get that file stored as its outputs.
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(
            outside.path().join("job.json"),
            r#"{"SECRET":"other-env-secret"}"#,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path().join("job.json"), dir.path().join("o.json"))
            .unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("src/.sst")).unwrap();
        for candidate in ["o.json", "src/.sst/job.json"] {
            let (o, w) = read(dir.path(), &[Path::new(candidate)]);
            assert!(o.is_empty(), "{candidate}: {o:?}");
            assert!(w.unwrap().contains("symlinks are not followed"));
        }
    }
}
