//! Where `trellis login` keeps its personal tokens: one per server, in a file only the user
//! can read (`$TRELLIS_CONFIG_DIR`, else `$XDG_CONFIG_HOME/trellis`, else `~/.config/trellis`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{CliError, CliResult, EXIT_USAGE};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct StoredLogin {
    pub login: String,
    pub token: String,
    pub token_id: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    /// By server URL.
    servers: BTreeMap<String, StoredLogin>,
}

pub fn config_dir() -> Option<PathBuf> {
    let var = |n: &str| {
        std::env::var_os(n)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("TRELLIS_CONFIG_DIR")
        .or_else(|| var("XDG_CONFIG_HOME").map(|d| d.join("trellis")))
        .or_else(|| var("HOME").map(|h| h.join(".config").join("trellis")))
}

pub fn path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("credentials.json"))
}

fn read() -> File {
    path()
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn write(file: &File) -> CliResult<PathBuf> {
    let failed = |e: &dyn std::fmt::Display| CliError {
        code: EXIT_USAGE,
        message: format!("cannot save the credentials: {e}"),
    };
    let dir = config_dir().ok_or_else(|| failed(&"no home directory (set TRELLIS_CONFIG_DIR)"))?;
    std::fs::create_dir_all(&dir).map_err(|e| failed(&e))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| failed(&e))?;
    let path = dir.join("credentials.json");
    let body = serde_json::to_vec_pretty(file).map_err(|e| failed(&e))?;
    let tmp = dir.join("credentials.json.new");
    crate::launcher::write_private(&tmp, &body).map_err(|e| failed(&e))?;
    std::fs::rename(&tmp, &path).map_err(|e| failed(&e))?;
    Ok(path)
}

pub fn load(url: &str) -> Option<StoredLogin> {
    read().servers.remove(url)
}

pub fn save(url: &str, login: StoredLogin) -> CliResult<PathBuf> {
    let mut file = read();
    file.servers.insert(url.to_string(), login);
    write(&file)
}

pub fn forget(url: &str) -> CliResult<Option<StoredLogin>> {
    let mut file = read();
    let gone = file.servers.remove(url);
    if gone.is_some() {
        write(&file)?;
    }
    Ok(gone)
}
