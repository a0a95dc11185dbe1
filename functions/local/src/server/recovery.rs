//! What an earlier server run left behind. Its runners cannot be re-attached: they are
//! stopped and their deployments failed, then what was queued starts.

use super::ServeError;
use super::composition::Composed;
use crate::launcher::{kill_orphaned_session, parse_runner};

pub(super) async fn recover_orphans(parts: &Composed) -> Result<(), ServeError> {
    for dep in parts
        .store
        .list_active_deployments()
        .await
        .map_err(|e| ServeError::Setup(e.to_string()))?
    {
        if let Some(pid) = dep.runner.as_deref().and_then(parse_runner) {
            kill_orphaned_session(pid);
        }
    }
    parts
        .pipeline
        .recover(|_| false)
        .await
        .map_err(|e| ServeError::Setup(format!("recovering deployments: {e}")))?;
    Ok(())
}
