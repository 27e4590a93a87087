//! One live room as the console holds it: the newest messages in a bounded
//! ring ordered by sequence number, the follow-or-hold view state, the message
//! rate. Time is always passed in; when to poll is in [`super::poll`].

use std::collections::VecDeque;

use super::Message;

/// Order of messages in a room: sequence number, then send time and MsgTid
/// (so a service that leaves `SeqNumber` out still gives a stable order).
type Key = (i64, i64, String);

fn key_of(m: &Message) -> Key {
    (m.seq, m.timestamp, m.msg_tid.clone())
}

fn cmp_key(m: &Message, k: &Key) -> std::cmp::Ordering {
    (m.seq, m.timestamp, m.msg_tid.as_str()).cmp(&(k.0, k.1, k.2.as_str()))
}

/// A held message and what the console learnt about it since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomMessage {
    pub message: Message,
    /// Recalled (by this console or seen gone); kept so the line can say so.
    pub recalled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum View {
    /// The selection is the newest message and moves with it.
    Following,
    /// The moderator scrolled up: the selection stays on `anchor`;
    /// messages after `seen` arrived unseen ("N new ↓").
    Holding { anchor: Key, seen: Key },
}

/// What one [`Room::insert`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inserted {
    /// The messages not held before, oldest first: run the rules on these.
    pub added: Vec<Message>,
    /// Already held (polls overlap).
    pub duplicates: usize,
    /// Older than everything held while the ring is full.
    pub dropped: usize,
}

#[derive(Debug, Clone)]
pub struct Room {
    id: String,
    capacity: usize,
    /// Oldest first, sorted by [`Key`].
    messages: VecDeque<RoomMessage>,
    view: View,
}

impl Room {
    pub const DEFAULT_CAPACITY: usize = 5000;

    pub fn new(id: impl Into<String>, capacity: usize) -> Self {
        Self {
            id: id.into(),
            capacity: capacity.max(1),
            messages: VecDeque::new(),
            view: View::Following,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&RoomMessage> {
        self.messages.get(index)
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &RoomMessage> + ExactSizeIterator {
        self.messages.iter()
    }

    pub fn newest(&self) -> Option<&Message> {
        self.messages.back().map(|m| &m.message)
    }

    pub fn oldest(&self) -> Option<&Message> {
        self.messages.front().map(|m| &m.message)
    }

    /// Adds a polled page (any order, overlaps allowed). The newest
    /// `capacity` messages are kept.
    pub fn insert(&mut self, batch: impl IntoIterator<Item = Message>) -> Inserted {
        let mut batch: Vec<Message> = batch.into_iter().collect();
        batch.sort_by(|a, b| {
            (a.seq, a.timestamp, &a.msg_tid).cmp(&(b.seq, b.timestamp, &b.msg_tid))
        });
        let mut out = Inserted::default();
        for message in batch {
            let at = match self.messages.back() {
                // The common case: a poll brings messages newer than all held.
                Some(last) if cmp_key(&last.message, &key_of(&message)).is_lt() => {
                    self.messages.len()
                }
                None => 0,
                Some(_) => {
                    let key = key_of(&message);
                    match self
                        .messages
                        .binary_search_by(|held| cmp_key(&held.message, &key))
                    {
                        Ok(_) => {
                            out.duplicates += 1;
                            continue;
                        }
                        Err(at) => at,
                    }
                }
            };
            if at == 0 && self.messages.len() >= self.capacity {
                out.dropped += 1;
                continue;
            }
            self.messages.insert(
                at,
                RoomMessage {
                    message: message.clone(),
                    recalled: false,
                },
            );
            if self.messages.len() > self.capacity {
                self.messages.pop_front();
            }
            out.added.push(message);
        }
        out
    }

    /// Marks a message recalled; true when it is held and was not marked yet.
    pub fn mark_recalled(&mut self, msg_tid: &str) -> bool {
        match self
            .messages
            .iter_mut()
            .rev()
            .find(|m| m.message.msg_tid == msg_tid)
        {
            Some(m) if !m.recalled => {
                m.recalled = true;
                true
            }
            _ => false,
        }
    }

    // ----- the view: follow the newest at the bottom, hold still above -----

    pub fn is_following(&self) -> bool {
        self.view == View::Following
    }

    /// Index of the selected message (the newest while following).
    pub fn selected_index(&self) -> Option<usize> {
        let last = self.messages.len().checked_sub(1)?;
        Some(match &self.view {
            View::Following => last,
            View::Holding { anchor, .. } => match self.position(anchor) {
                Ok(i) => i,
                // The anchor fell off the ring: hold at the oldest held.
                Err(i) => i.min(last),
            },
        })
    }

    pub fn selected(&self) -> Option<&RoomMessage> {
        self.selected_index().and_then(|i| self.messages.get(i))
    }

    /// Messages that arrived below the view while the moderator was scrolled up.
    pub fn new_below(&self) -> usize {
        match &self.view {
            View::Following => 0,
            View::Holding { seen, .. } => {
                let after = match self.position(seen) {
                    Ok(i) => i + 1,
                    Err(i) => i,
                };
                self.messages.len() - after
            }
        }
    }

    fn position(&self, key: &Key) -> Result<usize, usize> {
        self.messages
            .binary_search_by(|held| cmp_key(&held.message, key))
    }

    /// Moves the selection; reaching the newest message follows again.
    pub fn scroll_by(&mut self, delta: isize) {
        let Some(current) = self.selected_index() else {
            return;
        };
        let last = self.messages.len() - 1;
        let target = current.saturating_add_signed(delta).min(last);
        self.select(target);
    }

    pub fn scroll_to_newest(&mut self) {
        self.view = View::Following;
    }

    pub fn scroll_to_oldest(&mut self) {
        if !self.messages.is_empty() {
            self.select(0);
        }
    }

    /// Selects the message at `index` (clamped).
    pub fn select(&mut self, index: usize) {
        let Some(last) = self.messages.len().checked_sub(1) else {
            return;
        };
        let index = index.min(last);
        if index == last {
            self.view = View::Following;
            return;
        }
        let anchor = key_of(&self.messages[index].message);
        let seen = match &self.view {
            // Leaving the bottom: everything held so far has been on screen.
            View::Following => key_of(&self.messages[last].message),
            // Scrolling down past unseen messages sees them.
            View::Holding { seen, .. } => seen.clone().max(anchor.clone()),
        };
        self.view = View::Holding { anchor, seen };
    }

    /// The selection is on the oldest held message: time to load an older page.
    pub fn wants_older(&self) -> bool {
        !self.messages.is_empty() && self.selected_index() == Some(0)
    }

    /// Messages sent in the minute up to `now_secs` (UNIX seconds, service clock).
    pub fn messages_per_minute(&self, now_secs: i64) -> usize {
        let since = now_secs - 60;
        let mut count = 0;
        for held in self.messages.iter().rev() {
            let at = held.message.sent_at_secs();
            if at > since && at <= now_secs {
                count += 1;
            } else if at <= since - 60 {
                // Sequence order follows send order; a minute of slack covers skew.
                break;
            }
        }
        count
    }
}

#[cfg(test)]
#[path = "room_tests.rs"]
mod tests;
