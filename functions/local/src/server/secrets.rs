//! The data directory and the two secrets the server starts with.

use std::path::{Path, PathBuf};

use super::ServeError;
use crate::launcher::write_private;

/// A shorter API token can be guessed; generated ones have 64 hex digits.
pub const MIN_TOKEN_CHARS: usize = 16;

/// What the server holds before anything is opened: a private data directory and the
/// secrets, each with where it came from (printed in the banner, never the value).
pub(super) struct Prepared {
    pub data_dir: PathBuf,
    pub token: String,
    pub token_source: String,
    pub webhook_secret: String,
    pub webhook_source: String,
}

pub(super) fn prepare(data_dir: &Path) -> Result<Prepared, ServeError> {
    crate::data_dir::private_umask();
    let (data_dir, tightened) = crate::data_dir::prepare(data_dir).map_err(|e| {
        ServeError::Setup(format!(
            "cannot prepare the data directory {}: {e}",
            data_dir.display()
        ))
    })?;
    for change in &tightened {
        println!(
            "Tightened {}: {change} (it holds secrets)",
            data_dir.display()
        );
    }
    let (token, token_source) =
        load_or_create_secret("TRELLIS_TOKEN", &data_dir.join("admin-token"))?;
    let length = token.chars().count();
    if length < MIN_TOKEN_CHARS {
        return Err(ServeError::Setup(format!(
            "the API token from {token_source} has {length} characters: use at least \
             {MIN_TOKEN_CHARS} (for example `openssl rand -hex 32`), or unset TRELLIS_TOKEN \
             and remove the file to have one generated"
        )));
    }
    let (webhook_secret, webhook_source) =
        load_or_create_secret("TRELLIS_WEBHOOK_SECRET", &data_dir.join("webhook-secret"))?;
    Ok(Prepared {
        data_dir,
        token,
        token_source,
        webhook_secret,
        webhook_source,
    })
}

/// A secret that comes from the environment or, failing that, a file in the data directory
/// (created at first start, readable by the owner only).
fn load_or_create_secret(env: &str, path: &Path) -> Result<(String, String), ServeError> {
    if let Ok(v) = std::env::var(env)
        && !v.trim().is_empty()
    {
        return Ok((v.trim().to_string(), format!("${env} (not printed)")));
    }
    if let Ok(v) = std::fs::read_to_string(path)
        && !v.trim().is_empty()
    {
        return Ok((v.trim().to_string(), path.display().to_string()));
    }
    let value: String = {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    };
    write_private(path, value.as_bytes())
        .map_err(|e| ServeError::Setup(format!("cannot write {}: {e}", path.display())))?;
    Ok((value, format!("{} (new)", path.display())))
}
