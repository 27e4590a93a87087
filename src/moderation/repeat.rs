//! Memory for the `repeat` rule: what each sender posted lately in each room,
//! by the messages' own send times, bounded in keys and posts.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::time::Duration;

use super::Message;
use crate::text::lowercase;

/// Recent posts per (room, sender, text), by send time, for the `repeat` test.
pub(super) struct RepeatTracker {
    /// The longest window any rule asks about; older posts are forgotten.
    pub(super) window: Duration,
    /// Key: hash of room, sender and normalised text. Value: (send time, message hash).
    posts: HashMap<u64, VecDeque<(i64, u64)>>,
}

/// Upper bound on remembered (room, sender, text) keys.
const REPEAT_KEYS: usize = 50_000;
/// Upper bound on posts remembered per key.
const REPEAT_POSTS: usize = 1000;

/// How many times the text of the message just recorded was posted, newest first.
pub(super) struct RepeatCounts {
    /// Send times, newest last, including the message itself.
    times: Vec<i64>,
    now: i64,
}

impl RepeatCounts {
    pub(super) fn within(&self, window: Duration) -> usize {
        let since = self.now - window.as_secs() as i64;
        self.times
            .iter()
            .filter(|&&t| t > since && t <= self.now)
            .count()
    }
}

impl RepeatTracker {
    pub(super) fn new(window: Duration) -> Self {
        Self {
            window,
            posts: HashMap::new(),
        }
    }

    pub(super) fn record(&mut self, message: &Message) -> RepeatCounts {
        let now = message.sent_at_secs();
        let key = hash_of(&(&message.room, &message.sender_id, normalise(&message.body)));
        let id = hash_of(&(&message.msg_tid, message.seq));
        let horizon = now - self.window.as_secs() as i64;
        if self.posts.len() >= REPEAT_KEYS && !self.posts.contains_key(&key) {
            self.forget_before(horizon);
        }
        let posts = self.posts.entry(key).or_default();
        if !posts.iter().any(|&(_, seen)| seen == id) {
            posts.push_back((now, id));
            if posts.len() > REPEAT_POSTS {
                posts.pop_front();
            }
        }
        posts.retain(|&(t, _)| t > horizon);
        RepeatCounts {
            times: posts.iter().map(|&(t, _)| t).collect(),
            now,
        }
    }

    /// Drops keys with nothing newer than `horizon`; if that frees too little,
    /// drops the half of the keys whose newest post is oldest.
    fn forget_before(&mut self, horizon: i64) {
        self.posts
            .retain(|_, posts| posts.back().is_some_and(|&(t, _)| t > horizon));
        if self.posts.len() >= REPEAT_KEYS * 9 / 10 {
            let mut newest: Vec<i64> = self
                .posts
                .values()
                .filter_map(|p| p.back().map(|&(t, _)| t))
                .collect();
            let mid = newest.len() / 2;
            let (_, &mut cut, _) = newest.select_nth_unstable(mid);
            self.posts
                .retain(|_, posts| posts.back().is_some_and(|&(t, _)| t > cut));
        }
    }
}

/// "Same text": case, surrounding and repeated white space do not count.
fn normalise(body: &str) -> String {
    lowercase(body)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn hash_of<T: Hash>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(i: usize, at: i64) -> Message {
        Message {
            room: "room1".into(),
            msg_tid: format!("m{i}"),
            sender_id: format!("user{i}"),
            body: "hi".into(),
            seq: i as i64,
            timestamp: at,
            ..Message::default()
        }
    }

    #[test]
    fn memory_stays_bounded_when_many_senders_post_within_the_window() {
        let mut tracker = RepeatTracker::new(Duration::from_secs(3600));
        let n = REPEAT_KEYS + REPEAT_KEYS / 5;
        for i in 0..n {
            tracker.record(&post(i, 1_700_000_000 + (i / 100) as i64));
        }
        assert!(
            tracker.posts.len() <= REPEAT_KEYS,
            "{}",
            tracker.posts.len()
        );
        // The newest senders are still remembered.
        let again = tracker.record(&Message {
            msg_tid: "again".into(),
            ..post(n - 1, 1_700_000_000 + (n / 100) as i64)
        });
        assert_eq!(again.times.len(), 2);
    }

    #[test]
    fn keys_older_than_the_window_are_forgotten_first() {
        let mut tracker = RepeatTracker::new(Duration::from_secs(60));
        for i in 0..REPEAT_KEYS {
            tracker.record(&post(i, 1_700_000_000));
        }
        tracker.record(&post(REPEAT_KEYS, 1_700_000_000 + 3600));
        assert_eq!(tracker.posts.len(), 1);
    }
}
