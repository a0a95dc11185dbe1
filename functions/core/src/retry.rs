//! The waits between tries of something said to the outside world (GitHub, notification
//! receivers): doubling from a base, at most 30 minutes.

use std::time::Duration;

const LONGEST: Duration = Duration::from_secs(30 * 60);

/// When the next delivery round is due: woken when something new is queued, and the doubling
/// wait before a failed try comes round again.
pub struct Rounds {
    base: Duration,
    wake: tokio::sync::Notify,
}

impl Default for Rounds {
    fn default() -> Self {
        Rounds {
            base: Duration::from_secs(5),
            wake: tokio::sync::Notify::new(),
        }
    }
}

impl Rounds {
    pub fn with_base(base: Duration) -> Self {
        Rounds {
            base,
            ..Default::default()
        }
    }

    /// The wait after the `attempts`-th failed try.
    pub fn wait_after(&self, attempts: u32) -> time::Duration {
        doubling(self.base, attempts)
    }

    /// Something new is queued: a waiting round starts.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves when something was queued since the last call (at once if it was).
    pub async fn woken(&self) {
        self.wake.notified().await;
    }
}

/// What one delivery round did (GitHub reports, notifications).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeliveryRound {
    pub delivered: usize,
    pub failed: usize,
    pub gave_up: usize,
}

/// The wait after the `attempts`-th try: `base`, `2 × base`, `4 × base`, … up to 30 minutes.
pub fn doubling(base: Duration, attempts: u32) -> time::Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(16));
    let wait = base.saturating_mul(factor).min(LONGEST);
    time::Duration::try_from(wait).unwrap_or(time::Duration::minutes(30))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_half_an_hour() {
        let base = Duration::from_secs(5);
        let waits: Vec<i64> = (1..=4).map(|a| doubling(base, a).whole_seconds()).collect();
        assert_eq!(waits, [5, 10, 20, 40]);
        assert_eq!(doubling(base, 30).whole_minutes(), 30);
        assert_eq!(doubling(base, u32::MAX).whole_minutes(), 30);
    }
}
