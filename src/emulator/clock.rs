//! The service clock: wall clock plus an offset that only
//! `EmulatorAdvanceClock` moves (never persisted). Every service time comes
//! from it (creation and deletion times, message timestamps, the 30-day
//! windows, retention); signature timestamps, nonces and rate limits keep
//! using the wall clock.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

/// Longest single move: ten years (api-family.md §8).
pub(crate) const MAX_ADVANCE_SECONDS: i64 = 315_360_000;

#[derive(Debug, Default)]
pub struct ServiceClock {
    offset_ms: AtomicI64,
    /// Latest time handed out: the clock never runs backwards, even if the
    /// wall clock does, so send times grow with sequence numbers.
    last_ms: AtomicI64,
}

impl ServiceClock {
    pub fn now(&self) -> DateTime<Utc> {
        let wall = Utc::now().timestamp_millis() + self.offset_ms.load(Ordering::SeqCst);
        let previous = self.last_ms.fetch_max(wall, Ordering::SeqCst);
        let ms = wall.max(previous);
        DateTime::from_timestamp_millis(ms).unwrap_or_else(Utc::now)
    }

    /// Moves the clock forward by `seconds` (0 to [`MAX_ADVANCE_SECONDS`]).
    pub fn advance(&self, seconds: i64) -> DateTime<Utc> {
        let seconds = seconds.clamp(0, MAX_ADVANCE_SECONDS);
        self.offset_ms.fetch_add(seconds * 1000, Ordering::SeqCst);
        self.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward_by_at_least_that_much() {
        let clock = ServiceClock::default();
        let before = clock.now();
        let after = clock.advance(86_400);
        assert!(after - before >= chrono::Duration::seconds(86_400));
        assert!(clock.now() >= after, "never backwards");
    }

    #[test]
    fn advances_are_capped_and_never_negative() {
        let clock = ServiceClock::default();
        let before = clock.now();
        let after = clock.advance(-1_000);
        assert!(after >= before);
        assert!(after - before < chrono::Duration::seconds(60));
    }
}
