//! The live room: a header from DescribeLiveMessageGroup and four tabs,
//! Messages (followed live), Users, Mutes and Info. The pane owns its state,
//! its keys and its replies; it builds typed calls ([`Outgoing`]) that the app
//! sends through the worker and hands back the replies with what they were for.
//! It knows nothing of the app: the app asks it for calls and gives it replies.

mod actions;
pub mod draw;
pub mod edit;
pub mod lines;
mod replies;
pub mod requests;

use std::cell::Cell;
use std::time::Instant;

use crossterm::event::{Event as CtEvent, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::{DataCenter, DescribeGroupBandResponse, DescribeGroupResponse, GroupUser};
use crate::moderation::{PollBudget, PollPolicy, PollState, Room, RoomKind};
use crate::tui::action::{Action, Scope};
use crate::tui::keys::{Key, KeyCodeOrd};

pub use requests::{Outgoing, RoomRequest, Target};

/// The room tabs, in the order tab cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Messages,
    Users,
    Mutes,
    Info,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Messages, Tab::Users, Tab::Mutes, Tab::Info];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Messages => "Messages",
            Tab::Users => "Users",
            Tab::Mutes => "Mutes",
            Tab::Info => "Info",
        }
    }

    fn step(self, forward: bool) -> Tab {
        let i = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0);
        let n = Tab::ALL.len();
        Tab::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// An action that waits for `y`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Confirm {
    Recall { msg_tid: String, sender: String },
    Kick { user: String },
    MuteRoom,
}

/// What the pane did with a key.
#[derive(Debug)]
pub enum Reaction {
    /// Not a room key: the app may handle it (quit, help, `:`).
    Ignored,
    /// Handled; these calls are to be made.
    Handled(Vec<Outgoing>),
    /// Esc: close the room.
    Close,
}

/// Who the moderator is and whether actions are allowed.
#[derive(Debug, Clone)]
pub struct Moderator {
    pub id: String,
    pub read_only: bool,
}

/// The open room.
#[derive(Debug)]
pub struct RoomPane {
    target: Target,
    moderator: Moderator,
    pub room: Room,
    pub tab: Tab,
    poll: PollState,
    /// The `since` of the poll in flight or last made, and the service's
    /// token while a poll said there is more to read for that same query.
    since: Option<i64>,
    more: Option<i64>,
    /// The first (newest) page has been read.
    loaded: bool,
    /// An older page is being read; `no_older`: the last one brought nothing.
    older_in_flight: bool,
    no_older: bool,
    pub describe: Option<DescribeGroupResponse>,
    pub band: Option<DescribeGroupBandResponse>,
    pub users: Vec<GroupUser>,
    /// Token of the next page of users (none: all listed).
    users_next: Option<i64>,
    users_loaded: bool,
    user_sel: usize,
    mute_sel: usize,
    confirm: Option<Confirm>,
    /// The Mutes tab's "mute user" field while it is open.
    mute_input: Option<Input>,
    /// The Info tab's editor (GroupInfo and admins) while it is open.
    edit: Option<edit::InfoEdit>,
    /// The outcome of the last action (true: it worked), shown in the room.
    pub outcome: Option<(bool, String)>,
    /// The first key of each action the hints name, from the key map in force.
    key_labels: std::collections::BTreeMap<Action, String>,
    /// First row drawn on the Messages tab (kept between frames so the view
    /// holds still while scrolled up).
    pub(crate) offset: Cell<usize>,
}

impl RoomPane {
    pub fn new(target: Target, moderator: Moderator, now: Instant) -> Self {
        Self {
            target,
            moderator,
            room: Room::new(String::new(), Room::DEFAULT_CAPACITY),
            tab: Tab::Messages,
            poll: PollState::started(now),
            since: None,
            more: None,
            loaded: false,
            older_in_flight: false,
            no_older: false,
            describe: None,
            band: None,
            users: Vec::new(),
            users_next: None,
            users_loaded: false,
            user_sel: 0,
            mute_sel: 0,
            confirm: None,
            mute_input: None,
            edit: None,
            outcome: None,
            key_labels: Action::ALL
                .iter()
                .filter(|a| a.scope() == Scope::Room || matches!(a, Action::Refresh | Action::Back))
                .filter_map(|a| Some((*a, (*a.default_keys().first()?).to_string())))
                .collect(),
            offset: Cell::new(0),
        }
        .with_room_id()
    }

    fn with_room_id(mut self) -> Self {
        self.room = Room::new(self.target.group_id.clone(), Room::DEFAULT_CAPACITY);
        self
    }

    /// The hints name these keys (the key map in force) instead of the defaults.
    pub fn set_key_labels(&mut self, labels: impl IntoIterator<Item = (Action, String)>) {
        self.key_labels = labels.into_iter().collect();
    }

    pub fn group_id(&self) -> &str {
        &self.target.group_id
    }

    pub fn data_center(&self) -> Option<DataCenter> {
        self.target.data_center
    }

    /// The calls made when the room opens: header, mutes and the newest messages.
    pub fn open_calls(&mut self) -> Vec<Outgoing> {
        self.poll.begin();
        vec![
            self.target.describe(),
            self.target.band(),
            self.target.messages(None, None),
        ]
    }

    // ------------------------------------------------------------- polling

    pub fn poll_state(&self) -> PollState {
        self.poll
    }

    /// The next messages poll (the caller decided it is due and in budget).
    pub fn poll_call(&mut self) -> Outgoing {
        self.poll.begin();
        if !self.loaded {
            return self.target.messages(None, None);
        }
        if self.more.is_none() {
            // Oldest first from the newest held message on (overlaps are
            // dropped by the ring).
            self.since = Some(self.room.newest().map_or(0, |m| m.sent_at_secs()));
        }
        self.target.messages(self.since, self.more)
    }

    /// A poll now unless one is in flight (the `r` key).
    fn poll_now(&mut self) -> Vec<Outgoing> {
        if self.poll.in_flight() {
            return Vec::new();
        }
        vec![self.poll_call()]
    }

    // ---------------------------------------------------------------- keys

    /// Handles a key; `action` is what the key map says it is in the room,
    /// `disabled` the room action it would be were the console not read-only.
    pub fn key(
        &mut self,
        key: &Key,
        ev: KeyEvent,
        action: Option<Action>,
        disabled: Option<Action>,
    ) -> Reaction {
        if let Some(editor) = &mut self.edit {
            let step = editor.key(key, ev, self.target.modify_base());
            return Reaction::Handled(self.edited(step));
        }
        if let Some(input) = &mut self.mute_input {
            return match key.code {
                KeyCodeOrd::Esc => {
                    self.mute_input = None;
                    Reaction::Handled(Vec::new())
                }
                KeyCodeOrd::Enter => {
                    let user = input.value().trim().to_string();
                    self.mute_input = None;
                    if user.is_empty() {
                        Reaction::Handled(Vec::new())
                    } else {
                        Reaction::Handled(vec![self.target.mute(&user)])
                    }
                }
                _ => {
                    input.handle_event(&CtEvent::Key(ev));
                    Reaction::Handled(Vec::new())
                }
            };
        }
        if let Some(confirm) = self.confirm.take() {
            if key.code == KeyCodeOrd::Char('y') && !key.ctrl && !key.alt {
                return Reaction::Handled(vec![self.confirmed(confirm)]);
            }
            self.outcome = Some((false, "Cancelled; nothing was changed".into()));
            return Reaction::Handled(Vec::new());
        }
        if let Some(reaction) = self.tab_key(key) {
            return reaction;
        }
        let Some(action) = action else {
            if self.moderator.read_only && disabled.is_some() {
                self.outcome = Some((
                    false,
                    "read-only: this console changes nothing in the room".into(),
                ));
                return Reaction::Handled(Vec::new());
            }
            return Reaction::Ignored;
        };
        if let Some(calls) = self.room_action(action) {
            return Reaction::Handled(calls);
        }
        let calls = match action {
            Action::Back => return Reaction::Close,
            Action::NextPane => self.switch(self.tab.step(true)),
            Action::PrevPane => self.switch(self.tab.step(false)),
            Action::Refresh => self.refresh(),
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-10),
            Action::PageDown => self.move_by(10),
            Action::Top | Action::GoTo => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            _ => return Reaction::Ignored,
        };
        Reaction::Handled(calls)
    }

    /// Whether a `y` would confirm something now.
    pub fn is_confirming(&self) -> bool {
        self.confirm.is_some()
    }

    /// Whether the room takes every key itself now: a `y` to confirm, or
    /// text typed into the mute field or the Info editor.
    pub(crate) fn takes_every_key(&self) -> bool {
        self.confirm.is_some() || self.mute_input.is_some() || self.edit.is_some()
    }

    /// The "mute user" field of the Mutes tab, while it is open.
    pub fn mute_input(&self) -> Option<&Input> {
        self.mute_input.as_ref()
    }

    /// The user the selection is on: the sender of the selected message, the
    /// selected user, or the selected muted user.
    pub fn selected_user(&self) -> Option<String> {
        match self.tab {
            Tab::Messages => self.room.selected().map(|m| m.message.sender_id.clone()),
            Tab::Users => self.users.get(self.user_sel).map(|u| u.user_id.clone()),
            Tab::Mutes => self
                .band
                .as_ref()
                .and_then(|b| b.banned_user_list.get(self.mute_sel).cloned()),
            Tab::Info => None,
        }
    }

    pub fn user_selection(&self) -> usize {
        self.user_sel
    }

    pub fn mute_selection(&self) -> usize {
        self.mute_sel
    }

    fn switch(&mut self, tab: Tab) -> Vec<Outgoing> {
        self.tab = tab;
        match tab {
            Tab::Users if !self.users_loaded => vec![self.target.users(None)],
            Tab::Mutes if self.band.is_none() => vec![self.target.band()],
            _ => Vec::new(),
        }
    }

    fn refresh(&mut self) -> Vec<Outgoing> {
        match self.tab {
            Tab::Messages => self.poll_now(),
            Tab::Users => vec![self.target.users(None), self.target.band()],
            Tab::Mutes => vec![self.target.band()],
            Tab::Info => vec![self.target.describe()],
        }
    }

    fn move_by(&mut self, delta: isize) -> Vec<Outgoing> {
        match self.tab {
            Tab::Messages => {
                self.room.scroll_by(delta);
                // At the top of what is held: read the page before it.
                if delta < 0
                    && self.room.wants_older()
                    && !self.older_in_flight
                    && !self.no_older
                    && let Some(oldest) = self.room.oldest()
                {
                    self.older_in_flight = true;
                    return vec![self.target.older(oldest.sent_at_secs())];
                }
            }
            Tab::Users => {
                let last = self.users.len().saturating_sub(1);
                self.user_sel = self.user_sel.saturating_add_signed(delta).min(last);
                // Token paging: reaching the end loads the next page.
                if self.user_sel == last
                    && delta > 0
                    && let Some(token) = self.users_next.take()
                {
                    return vec![self.target.users(Some(token))];
                }
            }
            Tab::Mutes => {
                let n = self.band.as_ref().map_or(0, |b| b.banned_user_list.len());
                self.mute_sel = self
                    .mute_sel
                    .saturating_add_signed(delta)
                    .min(n.saturating_sub(1));
            }
            Tab::Info => {}
        }
        Vec::new()
    }

    /// Key hints for the status bar.
    pub fn hints(&self) -> Vec<(String, &'static str)> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        if self.confirm.is_some() {
            return vec![h("y", "confirm"), h("any key", "cancel")];
        }
        if self.mute_input.is_some() {
            return vec![h("enter", "mute"), h("esc", "cancel")];
        }
        if self.edit.is_some() {
            return vec![
                h("enter", "save"),
                h("tab", "other field"),
                h("esc", "cancel"),
            ];
        }
        let mut out = vec![h("tab/1-4", "tabs")];
        // The keys in force for each room action (rebindable in `[keys]`).
        let mut add = |a: Action, what: &'static str| {
            if let Some(k) = self.key_labels.get(&a) {
                out.push((k.clone(), what));
            }
        };
        if !self.moderator.read_only {
            let actions: &[(Action, &'static str)] = match self.tab {
                Tab::Messages => &[
                    (Action::Recall, "recall"),
                    (Action::MuteSender, "mute"),
                    (Action::UnmuteSender, "unmute"),
                    (Action::KickSender, "kick"),
                ],
                Tab::Users => &[
                    (Action::MuteSender, "mute"),
                    (Action::UnmuteSender, "unmute"),
                    (Action::KickSender, "kick"),
                ],
                Tab::Mutes => &[(Action::AddMute, "add"), (Action::UnmuteSender, "remove")],
                Tab::Info => &[(Action::EditInfo, "edit info/admins")],
            };
            for (a, what) in actions {
                add(*a, what);
            }
            add(Action::MuteRoom, "mute room");
            add(Action::UnmuteRoom, "lift");
        }
        add(Action::Pin, "pin");
        add(Action::Refresh, "reload");
        add(Action::Back, "back");
        out
    }
}

/// The rooms the console follows: the open one, and the poll budget they share.
#[derive(Debug)]
pub struct Rooms {
    pub open: Option<RoomPane>,
    policy: PollPolicy,
    budget: PollBudget,
}

impl Default for Rooms {
    fn default() -> Self {
        Self {
            open: None,
            policy: PollPolicy::default(),
            // ListLiveMessageGroupMessages allows 50 calls/s; polling takes half.
            budget: PollBudget::for_rate(50),
        }
    }
}

impl Rooms {
    /// The polls due now, within the budget.
    pub fn due_polls(&mut self, now: Instant) -> Vec<Outgoing> {
        let Some(pane) = &mut self.open else {
            return Vec::new();
        };
        let picked = self
            .budget
            .pick(now, &self.policy, [((), RoomKind::Open, pane.poll_state())]);
        picked.into_iter().map(|()| pane.poll_call()).collect()
    }

    /// The budget the open room's polls count in; the pinned rooms' polls
    /// (app/watch.rs) share it.
    pub fn budget_mut(&mut self) -> &mut PollBudget {
        &mut self.budget
    }

    pub fn budget(&self) -> &PollBudget {
        &self.budget
    }

    /// When the next poll is due; none when nothing is open (an idle console
    /// does not wake).
    pub fn next_wake(&self, now: Instant) -> Option<Instant> {
        let pane = self.open.as_ref()?;
        self.budget
            .next_wake(now, &self.policy, [(RoomKind::Open, pane.poll_state())])
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
