//! When to poll the rooms: intervals that follow each room's activity, and a
//! budget that keeps all polling under half of the list operation's rate limit
//! so a moderator's action never waits behind a poll. Time is passed in.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Whether a room is the one on screen or pinned and watched in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomKind {
    Open,
    Pinned,
}

/// Poll intervals: about once a second while messages arrive in the open room,
/// backing off as the room stays quiet, slower for pinned rooms, and
/// exponentially after failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    pub open_min: Duration,
    pub open_max: Duration,
    pub pinned_min: Duration,
    pub pinned_max: Duration,
    /// Longest wait after repeated failures.
    pub failure_max: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            open_min: Duration::from_secs(1),
            open_max: Duration::from_secs(8),
            pinned_min: Duration::from_secs(5),
            pinned_max: Duration::from_secs(30),
            failure_max: Duration::from_secs(60),
        }
    }
}

impl PollPolicy {
    /// How long to wait before the next poll of a room that has been quiet for
    /// `quiet_for` and whose last `failures` polls failed.
    ///
    /// Quiet rooms wait a quarter of their quiet time (a room silent for 20 s
    /// is polled every 5 s), so a message in a waking room is seen after at
    /// most ~25% of the silence before it.
    pub fn interval(&self, kind: RoomKind, quiet_for: Duration, failures: u32) -> Duration {
        let (min, max) = match kind {
            RoomKind::Open => (self.open_min, self.open_max),
            RoomKind::Pinned => (self.pinned_min, self.pinned_max),
        };
        let quiet = (quiet_for / 4).clamp(min, max.max(min));
        if failures == 0 {
            return quiet;
        }
        let backoff = min.saturating_mul(1u32 << failures.min(16));
        quiet.max(backoff.min(self.failure_max))
    }

    /// The share of an operation's rate limit polling may use, so an action
    /// never waits behind polls: half, at least one call per second.
    pub fn polling_budget(calls_per_second: u32) -> u32 {
        (calls_per_second / 2).max(1)
    }
}

/// Poll bookkeeping of one room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollState {
    last_poll: Option<Instant>,
    /// Last poll that brought new messages (or when the room was opened).
    last_news: Option<Instant>,
    failures: u32,
    /// A poll was sent and has not answered: never two at once for one room.
    in_flight: bool,
}

impl PollState {
    /// A room just opened or pinned counts as lively, so it starts fast.
    pub fn started(now: Instant) -> Self {
        Self {
            last_poll: None,
            last_news: Some(now),
            failures: 0,
            in_flight: false,
        }
    }

    /// A poll was sent; the room is not due again until it answers.
    pub fn begin(&mut self) {
        self.in_flight = true;
    }

    pub fn in_flight(&self) -> bool {
        self.in_flight
    }

    /// A poll answered with `new_messages` messages not held before.
    pub fn polled(&mut self, now: Instant, new_messages: usize) {
        self.last_poll = Some(now);
        self.in_flight = false;
        self.failures = 0;
        if new_messages > 0 || self.last_news.is_none() {
            self.last_news = Some(now);
        }
    }

    /// A poll failed (throttled, network, service error).
    pub fn failed(&mut self, now: Instant) {
        self.last_poll = Some(now);
        self.in_flight = false;
        self.failures = self.failures.saturating_add(1);
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// When the next poll is due; `None` means now (never polled).
    pub fn next_due(&self, policy: &PollPolicy, kind: RoomKind) -> Option<Instant> {
        let last = self.last_poll?;
        let quiet_for = self
            .last_news
            .map_or(Duration::MAX, |news| last.saturating_duration_since(news));
        Some(last + policy.interval(kind, quiet_for, self.failures))
    }

    pub fn is_due(&self, policy: &PollPolicy, kind: RoomKind, now: Instant) -> bool {
        !self.in_flight && self.next_due(policy, kind).is_none_or(|due| due <= now)
    }
}

/// Spreads polls over the rooms within the polling budget: at most `per_second`
/// polls in any second, the open room first, then the longest overdue.
#[derive(Debug, Clone)]
pub struct PollBudget {
    per_second: u32,
    /// When the polls of the last second were sent.
    sent: VecDeque<Instant>,
}

impl PollBudget {
    /// A budget for an operation limited to `calls_per_second` (polling takes half).
    pub fn for_rate(calls_per_second: u32) -> Self {
        Self {
            per_second: PollPolicy::polling_budget(calls_per_second),
            sent: VecDeque::new(),
        }
    }

    pub fn per_second(&self) -> u32 {
        self.per_second
    }

    fn forget_before(&mut self, now: Instant) {
        while self
            .sent
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) >= Duration::from_secs(1))
        {
            self.sent.pop_front();
        }
    }

    /// The rooms to poll now, best first; each is counted against the budget
    /// (the caller sends them and calls [`PollState::begin`]).
    pub fn pick<K>(
        &mut self,
        now: Instant,
        policy: &PollPolicy,
        rooms: impl IntoIterator<Item = (K, RoomKind, PollState)>,
    ) -> Vec<K> {
        self.forget_before(now);
        let room = self.per_second as usize - self.sent.len().min(self.per_second as usize);
        if room == 0 {
            return Vec::new();
        }
        let mut due: Vec<(bool, Option<Instant>, K)> = rooms
            .into_iter()
            .filter(|(_, kind, state)| state.is_due(policy, *kind, now))
            .map(|(key, kind, state)| (kind != RoomKind::Open, state.next_due(policy, kind), key))
            .collect();
        // Open before pinned; never polled (None) before the longest overdue.
        due.sort_by_key(|a| (a.0, a.1));
        due.truncate(room);
        self.sent.extend(std::iter::repeat_n(now, due.len()));
        due.into_iter().map(|(_, _, key)| key).collect()
    }

    /// When the event loop should next wake to poll: the earliest due room
    /// (`now` for a room never polled), or when the budget frees up if that
    /// is later. `None`: nothing to poll, so the console stays idle.
    pub fn next_wake(
        &self,
        now: Instant,
        policy: &PollPolicy,
        rooms: impl IntoIterator<Item = (RoomKind, PollState)>,
    ) -> Option<Instant> {
        let earliest = rooms
            .into_iter()
            .filter(|(_, state)| !state.in_flight())
            .map(|(kind, state)| state.next_due(policy, kind).unwrap_or(now))
            .min()?;
        let spent = self
            .sent
            .iter()
            .filter(|&&t| now.saturating_duration_since(t) < Duration::from_secs(1));
        let oldest = spent.clone().next();
        // A slot frees one second after the oldest poll still counted.
        let freed = (spent.count() >= self.per_second as usize)
            .then(|| oldest.map(|&t| t + Duration::from_secs(1)))
            .flatten();
        Some(freed.map_or(earliest, |f| earliest.max(f)))
    }
}

#[cfg(test)]
#[path = "poll_tests.rs"]
mod tests;
