//! Every secret value is replaced by `***` in every line the runner prints.

pub struct Masker {
    /// Longest first, so a secret that contains another is masked whole.
    secrets: Vec<String>,
}

impl Masker {
    pub fn new<'a>(values: impl IntoIterator<Item = &'a String>) -> Self {
        let mut secrets: Vec<String> = values
            .into_iter()
            .filter(|v| !v.is_empty())
            .cloned()
            .collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Masker { secrets }
    }

    pub fn mask(&self, line: &str) -> String {
        let mut out = line.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_occurrence_longest_first() {
        let secrets = ["abc".to_string(), "abcdef".to_string(), String::new()];
        let m = Masker::new(secrets.iter());
        assert_eq!(m.mask("key=abcdef and abc, abc"), "key=*** and ***, ***");
        assert_eq!(m.mask("nothing here"), "nothing here");
    }
}
