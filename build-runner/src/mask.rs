//! Every secret value is replaced by `***` in every line the runner prints, in its error text
//! and in the outputs it hands back. Output is masked line by line, so a value is masked in
//! every form in which a line can hold it: whole, trimmed (a value pasted with a trailing
//! newline), each line of a multi-line value (a PEM key), and base64- and URL-encoded.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// Shorter fragments are not masked: replacing every `1` in a log would ruin it and reveal
/// the value. The API refuses secret values shorter than this
/// (`trellis_core::validate::MIN_SECRET_VALUE`).
pub const MIN_MASKED: usize = trellis_core::validate::MIN_SECRET_VALUE;

pub struct Masker {
    /// Longest first, so a secret that contains another is masked whole.
    secrets: Vec<String>,
}

/// The forms of `value` a printed line may contain.
fn forms(value: &str) -> Vec<String> {
    let trimmed = value.trim();
    let mut out = vec![value.to_string(), trimmed.to_string()];
    if trimmed.contains('\n') {
        out.extend(trimmed.lines().map(|l| l.trim().to_string()));
    }
    for v in [value, trimmed] {
        out.push(STANDARD.encode(v));
        out.push(URL_SAFE_NO_PAD.encode(v));
        out.push(
            percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        );
    }
    out
}

impl Masker {
    pub fn new<'a>(values: impl IntoIterator<Item = &'a String>) -> Self {
        let mut secrets: Vec<String> = values
            .into_iter()
            .flat_map(|v| forms(v))
            .filter(|f| f.chars().count() >= MIN_MASKED)
            .collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Masker { secrets }
    }

    pub fn mask(&self, line: &str) -> String {
        let mut out = line.to_string();
        // A `***` can join what surrounds it into a secret again (a secret holding `*`, next
        // to a copy of itself): mask until none is left. Each replacement shortens the line
        // (secrets have at least MIN_MASKED characters), so this ends.
        loop {
            let mut changed = false;
            for s in &self.secrets {
                if out.contains(s.as_str()) {
                    out = out.replace(s.as_str(), "***");
                    changed = true;
                }
            }
            if !changed {
                return out;
            }
        }
    }

    /// Masks every key and string of a JSON value (a deploy's outputs).
    pub fn mask_json(&self, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::String(s) => Value::String(self.mask(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.mask_json(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.mask(k), self.mask_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// Names of the secrets too short to mask (stored before the API refused them).
pub fn unmaskable<'a>(secrets: impl IntoIterator<Item = (&'a String, &'a String)>) -> Vec<&'a str> {
    secrets
        .into_iter()
        .filter(|(_, v)| v.trim().chars().count() < MIN_MASKED)
        .map(|(k, _)| k.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masker(values: &[&str]) -> Masker {
        let owned: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        Masker::new(owned.iter())
    }

    #[test]
    fn masks_every_occurrence_longest_first() {
        let m = masker(&["abcdef", "abcdefghij", ""]);
        assert_eq!(
            m.mask("key=abcdefghij and abcdef, abcdef"),
            "key=*** and ***, ***"
        );
        assert_eq!(m.mask("nothing here"), "nothing here");
    }

    #[test]
    fn a_multi_line_value_is_masked_on_every_line() {
        let pem = "-----BEGIN KEY-----\nMIIEowIBAAKCAQEAx1\nZ2hvc3Qtc2VjcmV0\n-----END KEY-----\n";
        let m = masker(&[pem]);
        for line in pem.lines() {
            assert_eq!(m.mask(&format!("cat: {line}")), "cat: ***", "{line}");
        }
    }

    #[test]
    fn a_value_with_a_trailing_newline_is_masked_trimmed() {
        let m = masker(&["pa55word-xyz\n"]);
        assert_eq!(m.mask("password is pa55word-xyz"), "password is ***");
    }

    #[test]
    fn encoded_forms_are_masked() {
        let m = masker(&["user:p@ss w0rd!"]);
        let b64 = STANDARD.encode("user:p@ss w0rd!");
        assert_eq!(
            m.mask(&format!("Authorization: Basic {b64}")),
            "Authorization: Basic ***"
        );
        assert_eq!(m.mask("?q=user%3Ap%40ss%20w0rd%21"), "?q=***");
    }

    #[test]
    fn a_value_too_short_to_mask_leaves_the_log_alone_and_is_named() {
        let secrets = std::collections::BTreeMap::from([
            ("PIN".to_string(), "1".to_string()),
            ("TOKEN".to_string(), "long-enough".to_string()),
        ]);
        let m = Masker::new(secrets.values());
        assert_eq!(m.mask("exit 1 after 11 s"), "exit 1 after 11 s");
        assert_eq!(unmaskable(&secrets), ["PIN"]);
    }

    #[test]
    fn outputs_are_masked_keys_and_values() {
        let m = masker(&["s3cr3t-value"]);
        let outputs = serde_json::json!({"url": "https://x?k=s3cr3t-value", "s3cr3t-value": [1, "s3cr3t-value"]});
        assert_eq!(
            m.mask_json(&outputs),
            serde_json::json!({"url": "https://x?k=***", "***": [1, "***"]})
        );
    }

    #[test]
    fn a_mask_never_rebuilds_the_secret_it_hides() {
        for (secret, line) in [
            ("*aaaaaa", "**aaaaaaaaaaaa"),
            ("*hunter2", "token=*hunter2hunter2"),
            ("ab***c", "abab***cc"),
        ] {
            let masker = Masker::new([&secret.to_string()]);
            let out = masker.mask(line);
            assert!(!out.contains(secret), "{line:?} → {out:?}");
        }
    }
}
