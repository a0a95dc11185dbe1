//! Reading a deployment's log, and the deliveries a push is recorded under: what handlers
//! need from the store, with the rules that go with it.

use crate::error::DomainError;
use crate::logs;
use crate::model::{Deployment, LogLine, Timestamp};

use super::Pipeline;

/// A page of a deployment's log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogsPage {
    pub lines: Vec<LogLine>,
    /// The deployment has ended and every line is stored: nothing more will come.
    pub complete: bool,
}

impl Pipeline {
    /// Lines with `seq > after`, at most `limit`, in order.
    pub async fn log_page(
        &self,
        id: &str,
        after: u64,
        limit: usize,
    ) -> Result<LogsPage, DomainError> {
        // The status is read first: a line stored by then is in the page read after it.
        let deployment = self.require_deployment(id).await?;
        let lines = self.ports.store.read_logs(id, after, limit).await?;
        let complete = lines.len() < limit
            && self
                .log_complete(&deployment, after, &lines, self.ports.clock.now())
                .await?;
        Ok(LogsPage { lines, complete })
    }

    /// Whether a page that reached the end of the stored log (`page`, the lines after
    /// `after`) saw the whole log: the deployment has ended and its runner's last line is
    /// stored, or it ended longer ago than the store's delivery lag.
    async fn log_complete(
        &self,
        deployment: &Deployment,
        after: u64,
        page: &[LogLine],
        now: Timestamp,
    ) -> Result<bool, DomainError> {
        if !deployment.status.is_terminal() {
            return Ok(false);
        }
        // Without a recorded end, the end is long past.
        let ended_at = deployment
            .finished_at
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let store = &self.ports.store;
        let lag = store.log_delivery_lag();
        if lag.is_zero() || now - ended_at >= lag {
            return Ok(true);
        }
        let last = match page.last() {
            Some(line) => Some(line.clone()),
            // A client that has every line asks for what comes after the last one it saw.
            None if after > 0 => store.read_logs(&deployment.id, after - 1, 1).await?.pop(),
            None => None,
        };
        Ok(logs::log_complete(
            Some(ended_at),
            last.as_ref().map(|l| l.text.as_str()),
            now,
            lag,
        ))
    }

    /// Records a delivery key (a webhook's delivery id, or what identifies its push);
    /// false when it was recorded before, so the delivery is a repeat.
    pub async fn claim_delivery(&self, key: &str) -> Result<bool, DomainError> {
        Ok(self
            .ports
            .store
            .record_delivery(key, self.ports.clock.now())
            .await?)
    }

    /// Forgets a claimed delivery that was not processed, so its redelivery will be.
    pub async fn release_delivery(&self, key: &str) -> Result<(), DomainError> {
        Ok(self.ports.store.forget_delivery(key).await?)
    }
}
