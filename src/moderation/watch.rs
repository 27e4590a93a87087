//! The watched rooms together: the open room and the pinned ones, each with
//! its message ring and poll state, the rules that check every new message,
//! and the flagged queue they feed. The console asks [`Watcher::due`] for the
//! list requests to send, and hands each reply to [`Watcher::on_reply`]; the
//! watcher itself sends nothing and reads no clock.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::api::{
    DataCenter, GroupMessage, ListGroupMessagesRequest, ListGroupMessagesResponse, Operation,
    SortType,
};

use super::Message;
use super::flags::{FlagId, FlagQueue, Pushed};
use super::poll::{PollBudget, PollPolicy, PollState, RoomKind};
use super::room::Room;
use super::rules::{Action, RuleSet};

/// One watched room.
#[derive(Debug)]
pub struct Watched {
    pub room: Room,
    pub poll: PollState,
    pub pinned: bool,
    /// The next page of a poll that answered `Hasmore`.
    follow_up: Option<ListGroupMessagesRequest>,
}

/// What a poll reply brought.
#[derive(Debug, Default, PartialEq)]
pub struct Polled {
    /// Messages not held before.
    pub added: usize,
    /// New entries in the flagged queue.
    pub flagged: Vec<FlagId>,
    /// Automatic actions the rules ask for (opt-in per rule): the console
    /// carries them out, audits them and shows them.
    pub actions: Vec<(Action, Message)>,
}

/// A row of the Watch pane (the online count comes from DescribeLiveMessageGroup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchRow {
    pub room: String,
    pub open: bool,
    pub pinned: bool,
    pub messages_per_minute: usize,
    pub unread_flags: usize,
}

#[derive(Debug)]
pub struct Watcher {
    app_id: String,
    data_center: Option<DataCenter>,
    policy: PollPolicy,
    budget: PollBudget,
    rules: RuleSet,
    flags: FlagQueue,
    rooms: BTreeMap<String, Watched>,
    open: Option<String>,
    /// A room another poller follows (the console's open room pane): never
    /// polled here too, its messages come in through [`Watcher::check`].
    elsewhere: Option<String>,
}

impl Watcher {
    pub fn new(app_id: impl Into<String>, data_center: Option<DataCenter>, rules: RuleSet) -> Self {
        Self {
            app_id: app_id.into(),
            data_center,
            policy: PollPolicy::default(),
            budget: PollBudget::for_rate(ListGroupMessagesRequest::CALLS_PER_SECOND),
            rules,
            flags: FlagQueue::default(),
            rooms: BTreeMap::new(),
            open: None,
            elsewhere: None,
        }
    }

    /// The room followed by another poller (none: every watched room is
    /// polled here). Its unread flags count as read while it is followed.
    pub fn set_polled_elsewhere(&mut self, id: Option<&str>) {
        self.elsewhere = id.map(str::to_string);
        if let Some(id) = id {
            self.flags.mark_room_read(id);
        }
    }

    /// The pinned rooms, in ID order.
    pub fn pinned(&self) -> impl Iterator<Item = &str> {
        self.rooms
            .iter()
            .filter(|(_, w)| w.pinned)
            .map(|(id, _)| id.as_str())
    }

    pub fn is_pinned(&self, id: &str) -> bool {
        self.rooms.get(id).is_some_and(|w| w.pinned)
    }

    pub fn policy(&self) -> &PollPolicy {
        &self.policy
    }

    pub fn set_rules(&mut self, rules: RuleSet) {
        self.rules = rules;
    }

    pub fn flags(&self) -> &FlagQueue {
        &self.flags
    }

    pub fn flags_mut(&mut self) -> &mut FlagQueue {
        &mut self.flags
    }

    pub fn room(&self, id: &str) -> Option<&Watched> {
        self.rooms.get(id)
    }

    pub fn room_mut(&mut self, id: &str) -> Option<&mut Watched> {
        self.rooms.get_mut(id)
    }

    pub fn open_room(&self) -> Option<&str> {
        self.open.as_deref()
    }

    fn watch(&mut self, id: &str, now: Instant) -> &mut Watched {
        self.rooms.entry(id.to_string()).or_insert_with(|| Watched {
            room: Room::new(id, Room::DEFAULT_CAPACITY),
            poll: PollState::started(now),
            pinned: false,
            follow_up: None,
        })
    }

    /// Opens a room (the one on screen); its flags count as read.
    pub fn open(&mut self, id: &str, now: Instant) {
        if let Some(old) = self.open.take()
            && old != id
        {
            self.drop_unless_pinned(&old);
        }
        self.watch(id, now);
        self.open = Some(id.to_string());
        self.flags.mark_room_read(id);
    }

    /// Leaves the open room; it stays watched only if pinned.
    pub fn close(&mut self) {
        if let Some(old) = self.open.take() {
            self.drop_unless_pinned(&old);
        }
    }

    pub fn pin(&mut self, id: &str, now: Instant) {
        self.watch(id, now).pinned = true;
    }

    pub fn unpin(&mut self, id: &str) {
        if let Some(w) = self.rooms.get_mut(id) {
            w.pinned = false;
        }
        if self.open.as_deref() != Some(id) {
            self.drop_unless_pinned(id);
        }
    }

    fn drop_unless_pinned(&mut self, id: &str) {
        if self.rooms.get(id).is_some_and(|w| !w.pinned) {
            self.rooms.remove(id);
        }
    }

    fn kind(&self, id: &str) -> RoomKind {
        if self.open.as_deref() == Some(id) {
            RoomKind::Open
        } else {
            RoomKind::Pinned
        }
    }

    /// The list requests to send now, within the watcher's own polling
    /// budget; each room picked is marked in flight until its reply or
    /// failure comes back.
    pub fn due(&mut self, now: Instant) -> Vec<ListGroupMessagesRequest> {
        let mut budget = self.budget.clone();
        let due = self.due_within(now, &mut budget);
        self.budget = budget;
        due
    }

    /// [`Watcher::due`] within a budget shared with other pollers (the
    /// console's open room), so all polling together stays under half of the
    /// operation's rate.
    pub fn due_within(
        &mut self,
        now: Instant,
        budget: &mut PollBudget,
    ) -> Vec<ListGroupMessagesRequest> {
        let candidates: Vec<_> = self
            .rooms
            .iter()
            .filter(|(id, _)| self.elsewhere.as_deref() != Some(id.as_str()))
            .map(|(id, w)| (id.clone(), self.kind(id), w.poll))
            .collect();
        let picked = budget.pick(now, &self.policy, candidates);
        picked
            .into_iter()
            .filter_map(|id| {
                let request = self.request_for(&id);
                let w = self.rooms.get_mut(&id)?;
                w.poll.begin();
                Some(request)
            })
            .collect()
    }

    /// The follow-up page when the last poll had more; otherwise everything
    /// sent since the newest held message (ascending; overlaps are dropped by
    /// the room), or the newest page when nothing is held yet.
    fn request_for(&self, id: &str) -> ListGroupMessagesRequest {
        let w = &self.rooms[id];
        if let Some(next) = &w.follow_up {
            return next.clone();
        }
        let mut request = ListGroupMessagesRequest::new(self.app_id.clone(), id);
        request.data_center = self.data_center;
        match w.room.newest() {
            Some(newest) => {
                request.sort_type = SortType::Asc;
                request.begin_time = Some(newest.sent_at_secs().max(0));
            }
            None => request.sort_type = SortType::Desc,
        }
        request
    }

    /// A poll of `request` answered: new messages go into the room, through
    /// the rules and into the flagged queue. `None` when the room is no
    /// longer watched.
    pub fn on_reply(
        &mut self,
        request: &ListGroupMessagesRequest,
        reply: ListGroupMessagesResponse,
        now: Instant,
    ) -> Option<Polled> {
        let id = request.group_id.as_str();
        let open = self.open.as_deref() == Some(id);
        let w = self.rooms.get_mut(id)?;
        // Only an ascending poll is followed: a descending first page's
        // "more" is history, loaded when the moderator scrolls up.
        w.follow_up = match (request.sort_type, reply.has_more, reply.next_page_token) {
            (SortType::Asc, true, token) if token != 0 => Some(ListGroupMessagesRequest {
                next_page_token: Some(token),
                ..request.clone()
            }),
            _ => None,
        };
        let inserted = w.room.insert(messages(id, reply.message_list));
        w.poll.polled(now, inserted.added.len());
        if w.follow_up.is_some() {
            // The rest of a burst is due at once.
            w.poll = PollState::started(now);
        }
        Some(self.flag_new(inserted.added, open))
    }

    /// Messages read by another poller (the open room pane): through the
    /// rules into the flagged queue, as a poll here would. A message checked
    /// twice is flagged (and acted on) once.
    pub fn check(&mut self, messages: Vec<Message>, open: bool) -> Polled {
        self.flag_new(messages, open)
    }

    fn flag_new(&mut self, added: Vec<Message>, open: bool) -> Polled {
        let mut polled = Polled {
            added: added.len(),
            ..Polled::default()
        };
        for message in added {
            let flags = self.rules.check(&message);
            if flags.is_empty() {
                continue;
            }
            let asks: Vec<Action> = flags.iter().map(|f| f.action).collect();
            if let Pushed::Added(fid) = self.flags.push(&message, flags) {
                if open {
                    self.flags.mark_read(fid);
                }
                polled.flagged.push(fid);
                // The strongest action once per message (mute covers recall's intent).
                if let Some(action) = [Action::Mute, Action::Recall]
                    .into_iter()
                    .find(|a| asks.contains(a))
                {
                    polled.actions.push((action, message));
                }
            }
        }
        polled
    }

    /// A poll failed: the room backs off.
    pub fn on_failure(&mut self, request: &ListGroupMessagesRequest, now: Instant) {
        if let Some(w) = self.rooms.get_mut(&request.group_id) {
            w.poll.failed(now);
        }
    }

    /// When the event loop should wake to poll; `None` when nothing is watched.
    pub fn next_wake(&self, now: Instant) -> Option<Instant> {
        self.next_wake_within(now, &self.budget)
    }

    /// [`Watcher::next_wake`] against a shared budget.
    pub fn next_wake_within(&self, now: Instant, budget: &PollBudget) -> Option<Instant> {
        let rooms = self
            .rooms
            .iter()
            .filter(|(id, _)| self.elsewhere.as_deref() != Some(id.as_str()))
            .map(|(id, w)| (self.kind(id), w.poll));
        budget.next_wake(now, &self.policy, rooms)
    }

    /// The Watch pane: every watched room with its rate and unread flags.
    pub fn rows(&self, now_secs: i64) -> Vec<WatchRow> {
        self.rooms
            .iter()
            .map(|(id, w)| WatchRow {
                room: id.clone(),
                open: self.open.as_deref() == Some(id),
                pinned: w.pinned,
                messages_per_minute: w.room.messages_per_minute(now_secs),
                unread_flags: self.flags.unread(id),
            })
            .collect()
    }
}

fn messages(room: &str, items: Vec<GroupMessage>) -> Vec<Message> {
    items
        .into_iter()
        .map(|item| Message::from_api(room, item))
        .collect()
}

#[cfg(test)]
#[path = "watch_tests.rs"]
mod tests;
