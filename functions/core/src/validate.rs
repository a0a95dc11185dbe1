//! Input rules shared by every edge.

use crate::error::DomainError;

/// App and environment names: they become IaC stage names and URL segments.
pub fn slug(field: &str, value: &str) -> Result<(), DomainError> {
    let mut chars = value.chars();
    let ok = value.len() <= 39
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            field,
            format!(
                "{value:?} is not a valid name: use 1 to 39 characters, lowercase letters, digits \
                 and '-', starting with a letter"
            ),
        ))
    }
}

/// A git branch name (the subset of `git check-ref-format` rules that matter here).
pub fn branch(field: &str, value: &str) -> Result<(), DomainError> {
    let bad = value.is_empty()
        || value.len() > 255
        || value.starts_with('-')
        || value.starts_with('/')
        || value.ends_with('/')
        || value.ends_with('.')
        || value.ends_with(".lock")
        || value.contains("..")
        || value.contains("//")
        || value.contains("@{")
        || value
            .chars()
            .any(|c| c.is_control() || " ~^:?*[\\".contains(c));
    if bad {
        Err(DomainError::invalid(
            field,
            format!("{value:?} is not a valid git branch name"),
        ))
    } else {
        Ok(())
    }
}

/// A full commit id: 40 hex digits (SHA-1), or 64 (SHA-256 repositories), lowercase.
/// A GitHub login: 1 to 39 letters, digits and single hyphens, not starting or ending with a
/// hyphen (GitHub's own rule).
pub fn github_login(field: &str, value: &str) -> Result<(), DomainError> {
    let ok = (1..=39).contains(&value.len())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !value.starts_with('-')
        && !value.ends_with('-')
        && !value.contains("--");
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            field,
            format!("{value:?} is not a GitHub login (1 to 39 letters, digits and single hyphens)"),
        ))
    }
}

pub fn commit_sha(field: &str, value: &str) -> Result<(), DomainError> {
    let ok = matches!(value.len(), 40 | 64)
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            field,
            format!("{value:?} is not a full commit sha (40 lowercase hex digits)"),
        ))
    }
}

/// A git reference given to a manual deploy: a branch, tag or sha.
pub fn reference(field: &str, value: &str) -> Result<(), DomainError> {
    branch(field, value)
}

/// Environment variable and secret names. `TRELLIS_` is reserved for what the runner sets.
pub fn variable_name(field: &str, name: &str) -> Result<(), DomainError> {
    let mut chars = name.chars();
    let ok = name.len() <= 128
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return Err(DomainError::invalid(
            field,
            format!(
                "{name:?} is not a valid variable name: letters, digits and '_', not starting \
                 with a digit, at most 128 characters"
            ),
        ));
    }
    if name.starts_with("TRELLIS_") {
        return Err(DomainError::invalid(
            field,
            format!("{name:?} uses the reserved prefix TRELLIS_"),
        ));
    }
    Ok(())
}

pub const MAX_VARIABLE_VALUE: usize = 32 * 1024;

/// An environment's variables live in its record (DynamoDB items hold 400 KB) and travel in
/// every deployment's status message (API Gateway WebSocket frames hold 128 KB).
pub const MAX_VARIABLES: usize = 100;
pub const MAX_VARIABLES_BYTES: usize = 32 * 1024;
/// All of an app's secrets share one Secrets Manager secret (64 KB), JSON included.
pub const MAX_APP_SECRETS_BYTES: usize = 48 * 1024;
pub const MAX_ENVIRONMENTS: usize = 10;
/// Longer commit messages are cut (they are shown, and stored with every deployment).
pub const MAX_COMMIT_MESSAGE_BYTES: usize = 4096;
pub const MAX_COMMIT_AUTHOR_BYTES: usize = 256;

/// Counts and total size of a set of variables or secrets (names and values).
pub fn variables_total<'a>(
    field: &str,
    entries: impl Iterator<Item = (&'a String, &'a String)>,
    max_count: usize,
    max_bytes: usize,
) -> Result<(), DomainError> {
    let (mut count, mut bytes) = (0, 0);
    for (name, value) in entries {
        count += 1;
        bytes += name.len() + value.len();
    }
    if count > max_count {
        return Err(DomainError::invalid(
            field,
            format!("{count} entries; at most {max_count} are allowed"),
        ));
    }
    if bytes > max_bytes {
        return Err(DomainError::invalid(
            field,
            format!("names and values take {bytes} bytes; at most {max_bytes} are allowed"),
        ));
    }
    Ok(())
}

/// Cuts `text` to at most `max` bytes on a character boundary, saying so.
pub fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    const MARK: &str = "… [cut]";
    let mut end = max.saturating_sub(MARK.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{MARK}", &text[..end])
}

/// A commit as it is stored: message and author cut to their limits.
pub fn commit(mut c: crate::model::Commit) -> crate::model::Commit {
    c.message = truncate(&c.message, MAX_COMMIT_MESSAGE_BYTES);
    c.author = truncate(&c.author, MAX_COMMIT_AUTHOR_BYTES);
    c
}

/// Shorter secret values cannot be masked in logs without hiding ordinary text (a secret `1`
/// would turn every `1` into `***`, and show where the value is).
pub const MIN_SECRET_VALUE: usize = 6;

/// A secret's value: a variable's value, long enough to be masked.
pub fn secret_value(field: &str, value: &str) -> Result<(), DomainError> {
    variable_value(field, value)?;
    let length = value.trim().chars().count();
    if length < MIN_SECRET_VALUE {
        return Err(DomainError::invalid(
            field,
            format!(
                "a secret value needs at least {MIN_SECRET_VALUE} characters (this one has \
                 {length}): shorter ones cannot be masked in build logs; use a variable if \
                 it is not secret"
            ),
        ));
    }
    Ok(())
}

pub fn variable_value(field: &str, value: &str) -> Result<(), DomainError> {
    if value.len() > MAX_VARIABLE_VALUE {
        return Err(DomainError::invalid(
            field,
            format!(
                "value is {} bytes; at most {MAX_VARIABLE_VALUE} are allowed",
                value.len()
            ),
        ));
    }
    if value.contains('\0') {
        return Err(DomainError::invalid(field, "value contains a NUL byte"));
    }
    Ok(())
}

/// A shell command from the settings.
pub fn command(field: &str, value: &str) -> Result<(), DomainError> {
    if value.trim().is_empty() {
        return Err(DomainError::invalid(field, "command is empty"));
    }
    if value.len() > 4096 {
        return Err(DomainError::invalid(
            field,
            "command is longer than 4096 bytes",
        ));
    }
    if value.contains('\0') {
        return Err(DomainError::invalid(field, "command contains a NUL byte"));
    }
    Ok(())
}

pub fn timeout_minutes(field: &str, value: u32) -> Result<(), DomainError> {
    if (1..=480).contains(&value) {
        Ok(())
    } else {
        Err(DomainError::invalid(
            field,
            "timeout must be between 1 and 480 minutes",
        ))
    }
}

/// An IAM role ARN: `arn:<partition>:iam::<12-digit account>:role/<path and name>`.
pub fn role_arn(field: &str, value: &str) -> Result<(), DomainError> {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].strip_prefix("role/").is_some_and(|n| {
            !n.is_empty()
                && n.len() <= 512
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
        });
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            field,
            format!("{value:?} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)"),
        ))
    }
}

/// A repository an app may track: an absolute local path, or `owner/repo` on GitHub.
pub fn repository(repo: &crate::model::Repository) -> Result<(), DomainError> {
    match repo {
        crate::model::Repository::Local { path } => {
            if path.trim().is_empty() {
                return Err(DomainError::invalid("repository.path", "path is empty"));
            }
            if !path.starts_with('/') {
                return Err(DomainError::invalid(
                    "repository.path",
                    "path must be absolute",
                ));
            }
        }
        crate::model::Repository::Github { full_name, .. } => {
            let parts: Vec<&str> = full_name.split('/').collect();
            let part_ok = |p: &str| {
                !p.is_empty()
                    && p.len() <= 100
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            };
            if parts.len() != 2 || !parts.iter().all(|p| part_ok(p)) {
                return Err(DomainError::invalid(
                    "repository.fullName",
                    format!("{full_name:?} is not of the form owner/repo"),
                ));
            }
        }
    }
    Ok(())
}

/// Build settings: each command, the timeout and the deploy role.
pub fn settings(field: &str, s: &crate::model::Settings) -> Result<(), DomainError> {
    for (name, value) in [
        ("installCommand", &s.install_command),
        ("testCommand", &s.test_command),
        ("deployCommand", &s.deploy_command),
        ("removeCommand", &s.remove_command),
    ] {
        if let Some(v) = value {
            command(&format!("{field}.{name}"), v)?;
        }
    }
    if let Some(t) = s.timeout_minutes {
        timeout_minutes(&format!("{field}.timeoutMinutes"), t)?;
    }
    if let Some(arn) = &s.deploy_role_arn {
        role_arn(&format!("{field}.deployRoleArn"), arn)?;
    }
    Ok(())
}

/// A settings change, as the settings it would set.
pub fn settings_patch(field: &str, p: &crate::requests::SettingsPatch) -> Result<(), DomainError> {
    settings(field, &crate::model::Settings::default().patched(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for ok in ["a", "development", "my-app-2", &"a".repeat(39)] {
            assert!(slug("name", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "A",
            "1app",
            "-a",
            "my_app",
            "my app",
            &"a".repeat(40),
            "ünï",
        ] {
            let err = slug("name", bad).unwrap_err();
            assert!(matches!(err, DomainError::Invalid { ref field, .. } if field == "name"));
        }
    }

    #[test]
    fn branches() {
        for ok in ["main", "feature/x", "release-1.2"] {
            assert!(branch("branch", ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "a..b", "x.lock", "-x", "a:b", "a~1", "/a", "a/"] {
            assert!(branch("branch", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn variable_names() {
        assert!(variable_name("v", "API_URL").is_ok());
        assert!(variable_name("v", "_x1").is_ok());
        assert!(variable_name("v", "1X").is_err());
        assert!(variable_name("v", "A-B").is_err());
        assert!(variable_name("v", "TRELLIS_TOKEN").is_err());
    }

    #[test]
    fn long_commit_messages_are_cut_on_a_character_boundary() {
        let c = commit(crate::model::Commit {
            sha: "a".repeat(40),
            message: "é".repeat(5000),
            author: "x".repeat(300),
        });
        assert!(c.message.len() <= MAX_COMMIT_MESSAGE_BYTES);
        assert!(c.message.ends_with("… [cut]"));
        assert_eq!(c.author.len(), MAX_COMMIT_AUTHOR_BYTES);
        assert_eq!(truncate("short", 10), "short");
    }

    #[test]
    fn values_and_commands() {
        assert!(variable_value("v", &"x".repeat(MAX_VARIABLE_VALUE + 1)).is_err());
        assert!(variable_value("v", "a\0b").is_err());
        assert!(command("c", "  ").is_err());
        assert!(command("c", "npm run deploy").is_ok());
        assert!(timeout_minutes("t", 0).is_err());
        assert!(timeout_minutes("t", 60).is_ok());
        assert!(role_arn("r", "arn:aws:iam::123456789012:role/deploy/staging").is_ok());
        assert!(role_arn("r", "arn:aws:iam::123:role/x").is_err());
        assert!(role_arn("r", "arn:aws:s3:::bucket").is_err());
        assert!(role_arn("r", "arn:aws:iam::123456789012:user/x").is_err());
    }
}
