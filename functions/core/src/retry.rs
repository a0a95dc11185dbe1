//! The waits between tries of something said to the outside world (GitHub, notification
//! receivers): doubling from a base, at most 30 minutes.

use std::time::Duration;

const LONGEST: Duration = Duration::from_secs(30 * 60);

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
