//! A deploy's outputs: the JSON object it wrote to `$TRELLIS_OUTPUTS_FILE`, or SST's
//! `.sst/outputs.json`.

use std::path::Path;

pub const MAX_OUTPUTS_BYTES: u64 = 64 * 1024;

pub type Outputs = serde_json::Map<String, serde_json::Value>;

/// Reads the first outputs file that exists; a warning explains anything unusable.
pub fn read(candidates: &[&Path]) -> (Outputs, Option<String>) {
    for path in candidates {
        let Ok(meta) = std::fs::metadata(path) else {
            continue;
        };
        if meta.len() > MAX_OUTPUTS_BYTES {
            return (
                Outputs::new(),
                Some(format!(
                    "outputs in {} ignored: {} bytes, at most {MAX_OUTPUTS_BYTES} are kept",
                    path.display(),
                    meta.len()
                )),
            );
        }
        return match std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| {
                serde_json::from_slice::<serde_json::Value>(&b).map_err(|e| e.to_string())
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
        let a = dir.path().join("a.json");
        let b = dir.path().join("b.json");
        std::fs::write(&b, r#"{"url":"https://x"}"#).unwrap();
        let (o, w) = read(&[&a, &b]);
        assert_eq!(o["url"], "https://x");
        assert!(w.is_none());
        std::fs::write(&a, "[1]").unwrap();
        let (o, w) = read(&[&a, &b]);
        assert!(o.is_empty());
        assert!(w.unwrap().contains("not a JSON object"));
        let (o, w) = read(&[&dir.path().join("none")]);
        assert!(o.is_empty() && w.is_none());
    }
}
