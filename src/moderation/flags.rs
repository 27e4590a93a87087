//! The flagged queue: messages that matched a rule, across every watched room,
//! waiting for a moderator's decision.
//!
//! Newest first, bounded (the oldest entries fall off), one entry per message
//! (a message polled twice or matched by several rules is one entry), unread
//! counts per room, and dismissed messages stay dismissed when polled again.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use super::Message;
use super::rules::{Action, Flag};

/// Identifies an entry while it is in the queue (never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlagId(u64);

/// A flagged message.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagEntry {
    pub id: FlagId,
    pub message: Message,
    /// Every rule that matched, in rule order.
    pub flags: Vec<Flag>,
    /// Seen by the moderator (selected in the Flagged pane or opened in its room).
    pub read: bool,
}

impl FlagEntry {
    pub fn room(&self) -> &str {
        &self.message.room
    }

    /// The rule named first in the pane: the first that matched.
    pub fn rule_name(&self) -> Arc<str> {
        self.flags
            .first()
            .map(|f| f.rule_name.clone())
            .unwrap_or_else(|| Arc::from(""))
    }

    /// The strongest automatic action any matching rule asks for (mute over recall).
    pub fn action(&self) -> Action {
        let asks = |a| self.flags.iter().any(|f| f.action == a);
        if asks(Action::Mute) {
            Action::Mute
        } else if asks(Action::Recall) {
            Action::Recall
        } else {
            Action::None
        }
    }
}

/// (room, message ID) — the MsgTid, or the sequence number when there is none.
type MessageKey = (String, String);

fn key_of(message: &Message) -> MessageKey {
    let id = if message.msg_tid.is_empty() {
        format!("#{}", message.seq)
    } else {
        message.msg_tid.clone()
    };
    (message.room.clone(), id)
}

/// What [`FlagQueue::push`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// A new entry.
    Added(FlagId),
    /// The message was already queued; rules not seen before were added to it.
    Merged(FlagId),
    /// Nothing: no flags, or the moderator dismissed this message already.
    Ignored,
}

#[derive(Debug)]
pub struct FlagQueue {
    capacity: usize,
    /// Oldest at the front.
    entries: VecDeque<FlagEntry>,
    by_key: HashMap<MessageKey, FlagId>,
    unread: HashMap<String, usize>,
    /// Dismissed messages, remembered (bounded) so a later poll does not bring them back.
    dismissed: HashSet<MessageKey>,
    dismissed_order: VecDeque<MessageKey>,
    next_id: u64,
}

impl Default for FlagQueue {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

impl FlagQueue {
    pub const DEFAULT_CAPACITY: usize = 2000;

    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            entries: VecDeque::new(),
            by_key: HashMap::new(),
            unread: HashMap::new(),
            dismissed: HashSet::new(),
            dismissed_order: VecDeque::new(),
            next_id: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Queues a message with the flags the rules gave it.
    pub fn push(&mut self, message: &Message, flags: Vec<Flag>) -> Pushed {
        if flags.is_empty() {
            return Pushed::Ignored;
        }
        let key = key_of(message);
        if self.dismissed.contains(&key) {
            return Pushed::Ignored;
        }
        if let Some(&id) = self.by_key.get(&key) {
            let entry = self.entry_mut(id).expect("indexed entries exist");
            for flag in flags {
                if !entry.flags.iter().any(|f| f.rule == flag.rule) {
                    entry.flags.push(flag);
                }
            }
            entry.flags.sort_by_key(|f| f.rule);
            return Pushed::Merged(id);
        }
        if self.entries.len() == self.capacity {
            self.evict_oldest();
        }
        let id = FlagId(self.next_id);
        self.next_id += 1;
        *self.unread.entry(message.room.clone()).or_default() += 1;
        self.by_key.insert(key, id);
        self.entries.push_back(FlagEntry {
            id,
            message: message.clone(),
            flags,
            read: false,
        });
        Pushed::Added(id)
    }

    fn evict_oldest(&mut self) {
        if let Some(old) = self.entries.pop_front() {
            self.forget(&old);
        }
    }

    fn forget(&mut self, entry: &FlagEntry) {
        self.by_key.remove(&key_of(&entry.message));
        if !entry.read {
            self.decrement_unread(entry.room());
        }
    }

    fn decrement_unread(&mut self, room: &str) {
        if let Some(n) = self.unread.get_mut(room) {
            *n -= 1;
            if *n == 0 {
                self.unread.remove(room);
            }
        }
    }

    fn position(&self, id: FlagId) -> Option<usize> {
        // Ids grow with position, so the queue is sorted by id.
        self.entries.binary_search_by_key(&id, |e| e.id).ok()
    }

    fn entry_mut(&mut self, id: FlagId) -> Option<&mut FlagEntry> {
        let i = self.position(id)?;
        self.entries.get_mut(i)
    }

    pub fn get(&self, id: FlagId) -> Option<&FlagEntry> {
        self.position(id).map(|i| &self.entries[i])
    }

    /// Newest first, as the Flagged pane lists them.
    pub fn iter(&self) -> impl Iterator<Item = &FlagEntry> {
        self.entries.iter().rev()
    }

    /// The entries of one room, newest first.
    pub fn in_room<'a>(&'a self, room: &'a str) -> impl Iterator<Item = &'a FlagEntry> + 'a {
        self.iter().filter(move |e| e.room() == room)
    }

    /// Unread entries in `room`.
    pub fn unread(&self, room: &str) -> usize {
        self.unread.get(room).copied().unwrap_or(0)
    }

    pub fn total_unread(&self) -> usize {
        self.unread.values().sum()
    }

    /// Marks one entry seen; true when it was unread.
    pub fn mark_read(&mut self, id: FlagId) -> bool {
        let Some(entry) = self.entry_mut(id) else {
            return false;
        };
        if entry.read {
            return false;
        }
        entry.read = true;
        let room = entry.message.room.clone();
        self.decrement_unread(&room);
        true
    }

    /// Marks every entry of a room seen (the moderator opened the room).
    pub fn mark_room_read(&mut self, room: &str) {
        for entry in self.entries.iter_mut().filter(|e| e.room() == room) {
            entry.read = true;
        }
        self.unread.remove(room);
    }

    /// Removes an entry for good: the same message polled again stays out.
    pub fn dismiss(&mut self, id: FlagId) -> Option<FlagEntry> {
        let entry = self.entries.remove(self.position(id)?)?;
        self.forget(&entry);
        self.remember_dismissed(key_of(&entry.message));
        Some(entry)
    }

    /// Takes a message out of the queue because it is gone (recalled, by this
    /// moderator or elsewhere); true when it was queued.
    pub fn resolve_message(&mut self, room: &str, msg_tid: &str) -> bool {
        let key = (room.to_string(), msg_tid.to_string());
        let Some(&id) = self.by_key.get(&key) else {
            return false;
        };
        self.dismiss(id).is_some()
    }

    fn remember_dismissed(&mut self, key: MessageKey) {
        if self.dismissed.insert(key.clone()) {
            self.dismissed_order.push_back(key);
            // Remember as many dismissals as the queue holds entries, times two.
            if self.dismissed_order.len() > self.capacity * 2
                && let Some(old) = self.dismissed_order.pop_front()
            {
                self.dismissed.remove(&old);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::moderation::rules::Reason;

    fn message(room: &str, tid: &str) -> Message {
        Message {
            room: room.into(),
            msg_tid: tid.into(),
            sender_id: "viewer1".into(),
            body: format!("body of {tid}"),
            ..Message::default()
        }
    }

    fn flag(rule: usize, action: Action) -> Flag {
        Flag {
            rule,
            rule_name: Arc::from(format!("rule {rule}")),
            action,
            reasons: vec![Reason::Link("x.com".into())],
        }
    }

    #[test]
    fn entries_are_listed_newest_first_with_unread_counts_per_room() {
        let mut q = FlagQueue::new(10);
        q.push(&message("a", "m1"), vec![flag(0, Action::None)]);
        q.push(&message("b", "m2"), vec![flag(0, Action::None)]);
        let Pushed::Added(third) = q.push(&message("a", "m3"), vec![flag(1, Action::None)]) else {
            panic!("a new message is added")
        };
        let order: Vec<_> = q.iter().map(|e| e.message.msg_tid.as_str()).collect();
        assert_eq!(order, ["m3", "m2", "m1"]);
        assert_eq!((q.unread("a"), q.unread("b"), q.unread("c")), (2, 1, 0));
        assert_eq!(q.total_unread(), 3);
        assert!(q.mark_read(third));
        assert!(!q.mark_read(third), "already read");
        assert_eq!(q.unread("a"), 1);
        q.mark_room_read("a");
        assert_eq!((q.unread("a"), q.total_unread()), (0, 1));
        assert_eq!(q.in_room("a").count(), 2, "read entries stay listed");
    }

    #[test]
    fn the_same_message_is_one_entry_whatever_the_rules_and_polls() {
        let mut q = FlagQueue::new(10);
        let m = message("a", "m1");
        let Pushed::Added(id) = q.push(&m, vec![flag(2, Action::None)]) else {
            panic!()
        };
        assert_eq!(q.push(&m, vec![flag(2, Action::None)]), Pushed::Merged(id));
        assert_eq!(
            q.push(&m, vec![flag(0, Action::Recall)]),
            Pushed::Merged(id)
        );
        assert_eq!(q.len(), 1);
        assert_eq!(q.unread("a"), 1);
        let entry = q.get(id).unwrap();
        assert_eq!(
            entry.flags.iter().map(|f| f.rule).collect::<Vec<_>>(),
            [0, 2]
        );
        assert_eq!(&*entry.rule_name(), "rule 0");
        assert_eq!(entry.action(), Action::Recall);
        // Same MsgTid in another room is another message.
        assert!(matches!(
            q.push(&message("b", "m1"), vec![flag(0, Action::None)]),
            Pushed::Added(_)
        ));
        assert_eq!(
            q.push(&m, Vec::new()),
            Pushed::Ignored,
            "no flags, no entry"
        );
    }

    #[test]
    fn a_dismissed_message_stays_out_and_its_unread_count_goes() {
        let mut q = FlagQueue::new(10);
        let m = message("a", "m1");
        let Pushed::Added(id) = q.push(&m, vec![flag(0, Action::None)]) else {
            panic!()
        };
        let gone = q.dismiss(id).unwrap();
        assert_eq!(gone.message, m);
        assert!(q.get(id).is_none());
        assert_eq!((q.len(), q.unread("a")), (0, 0));
        assert_eq!(q.push(&m, vec![flag(0, Action::None)]), Pushed::Ignored);
        assert!(q.dismiss(id).is_none(), "twice is a no-op");
    }

    #[test]
    fn a_recalled_message_leaves_the_queue() {
        let mut q = FlagQueue::new(10);
        q.push(&message("a", "m1"), vec![flag(0, Action::None)]);
        q.push(&message("a", "m2"), vec![flag(0, Action::None)]);
        assert!(q.resolve_message("a", "m1"));
        assert!(!q.resolve_message("a", "m1"));
        assert!(!q.resolve_message("b", "m2"));
        assert_eq!(
            q.iter()
                .map(|e| e.message.msg_tid.clone())
                .collect::<Vec<_>>(),
            ["m2"]
        );
        assert_eq!(q.unread("a"), 1);
    }

    #[test]
    fn the_queue_is_bounded_and_evictions_keep_counts_and_dedupe_right() {
        let mut q = FlagQueue::new(3);
        for i in 0..5 {
            q.push(&message("a", &format!("m{i}")), vec![flag(0, Action::None)]);
        }
        assert_eq!(q.len(), 3);
        assert_eq!(q.unread("a"), 3);
        let kept: Vec<_> = q.iter().map(|e| e.message.msg_tid.clone()).collect();
        assert_eq!(kept, ["m4", "m3", "m2"]);
        // An evicted message may come back (it was not dismissed).
        assert!(matches!(
            q.push(&message("a", "m0"), vec![flag(0, Action::None)]),
            Pushed::Added(_)
        ));
        assert_eq!(q.unread("a"), 3);
        assert_eq!(q.iter().last().unwrap().message.msg_tid, "m3");
    }

    #[test]
    fn messages_without_a_msg_tid_are_told_apart_by_sequence() {
        let mut q = FlagQueue::new(10);
        let mut m = message("a", "");
        m.seq = 1;
        q.push(&m, vec![flag(0, Action::None)]);
        m.seq = 2;
        q.push(&m, vec![flag(0, Action::None)]);
        assert_eq!(q.len(), 2);
        assert!(matches!(
            q.push(&m, vec![flag(0, Action::None)]),
            Pushed::Merged(_)
        ));
    }
}
