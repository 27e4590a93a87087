//! Routing for watching rooms: pins (kept per backend and app in the data
//! directory), the background polls of the pinned rooms (counted in the same
//! budget as the open room's, so all polling stays under half of the list
//! operation's rate), the rules every polled message goes through, the Watch
//! and Flagged panes, and the calls they ask for. The moderation model
//! ([`Watcher`]) decides; this only carries calls out and replies in.

mod pins;

use std::path::Path;

use super::*;
use crate::api::{DescribeGroupRequest, DescribeGroupResponse, ListGroupMessagesResponse};
use crate::moderation::{Action as RuleAction, FlagId, Message, Polled, RuleSet, Watcher};
use crate::tui::panes::flagged::{self, FlagAct, FlaggedKey, FlaggedPane};
use crate::tui::panes::room::Target;
use crate::tui::panes::watch::{self as watch_pane, WatchKey, WatchLine, WatchPane};
use pins::{PINS_FILE, PinStore};

/// Which watch pane is shown over the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Watch,
    Flagged,
}

/// What a watch call in flight is for (kept in the app's one pending map).
#[derive(Debug, Clone, PartialEq)]
pub enum WatchRequest {
    /// A background poll of a pinned room.
    Poll(crate::api::ListGroupMessagesRequest),
    /// DescribeLiveMessageGroup for the online count of a pinned room.
    Online { group_id: String },
    /// An action on a flagged message, by the moderator or by a rule (`auto`).
    Act {
        flag: FlagId,
        act: FlagAct,
        room: String,
        msg_tid: String,
        user: String,
        auto: bool,
    },
}

/// Everything about the watched rooms the console keeps.
#[derive(Debug)]
pub struct Watching {
    pub watcher: Watcher,
    pub view: Option<View>,
    pub watch_pane: WatchPane,
    pub flagged_pane: FlaggedPane,
    /// Online counts of pinned rooms, from DescribeLiveMessageGroup.
    online: BTreeMap<String, i64>,
    /// The room the open room pane follows, as the watcher last heard it.
    open: Option<String>,
    /// The open room's newest message already checked by the rules.
    checked_seq: Option<i64>,
    /// A flagged message (room, MsgTid) to select once its room holds it.
    jump: Option<(String, String)>,
    pins: Option<PinStore>,
}

impl Watching {
    /// The rules of `ctx` (already checked when config.toml was read) and the
    /// pins kept for this backend and app.
    pub fn new(ctx: &Context) -> Result<Self, crate::moderation::RulesError> {
        let rules = RuleSet::from_tables(&ctx.rules)?;
        let pins = ctx.data_dir.as_deref().map(|dir: &Path| PinStore {
            file: dir.join(PINS_FILE),
            key: format!("{}|{}", ctx.backend, ctx.app_id),
        });
        let mut watcher = Watcher::new(ctx.app_id.clone(), ctx.data_center, rules);
        let now = Instant::now();
        for id in pins.as_ref().map(PinStore::load).unwrap_or_default() {
            watcher.pin(&id, now);
        }
        Ok(Self {
            watcher,
            view: None,
            watch_pane: WatchPane::default(),
            flagged_pane: FlaggedPane::default(),
            online: BTreeMap::new(),
            open: None,
            checked_seq: None,
            jump: None,
            pins,
        })
    }
}

impl App {
    /// Keys for the watch panes and the pin key; true when handled. Runs
    /// before the open room sees the key (so `p` pins the open room).
    pub(super) fn watch_key(&mut self, key: &Key) -> bool {
        let action = self.keymap.action(key);
        match self.watching.view {
            Some(View::Watch) => {
                self.watch_view_key(key, action);
                return true;
            }
            Some(View::Flagged) => {
                self.flagged_view_key(key, action);
                return true;
            }
            None => {}
        }
        if self.browser.filter_editing || self.focus == Focus::Compose {
            return false;
        }
        if let Some(room) = &self.rooms.open
            && room.takes_every_key()
        {
            return false;
        }
        match action {
            Some(Action::Pin) => self.toggle_pin(),
            Some(Action::Watch) => self.show_watch(View::Watch),
            Some(Action::Flagged) => self.show_watch(View::Flagged),
            _ => return false,
        }
        true
    }

    fn show_watch(&mut self, view: View) {
        self.watching.view = Some(view);
        match view {
            View::Watch => self.read_online_counts(),
            View::Flagged => {
                let queue = self.watching.watcher.flags_mut();
                self.watching.flagged_pane.shown(queue);
            }
        }
    }

    /// Global keys still work over the watch panes.
    fn watch_global(&mut self, action: Option<Action>) {
        match action {
            Some(a @ (Action::Quit | Action::Help | Action::CommandLine)) => self.do_action(a),
            Some(Action::Watch) => self.show_watch(View::Watch),
            Some(Action::Flagged) => self.show_watch(View::Flagged),
            _ => {}
        }
    }

    fn watch_view_key(&mut self, key: &Key, action: Option<Action>) {
        let lines = self.watch_lines();
        match self.watching.watch_pane.key(key, action, &lines) {
            WatchKey::Ignored => self.watch_global(action),
            WatchKey::Handled => {}
            WatchKey::Close => self.watching.view = None,
            WatchKey::Open(id) => {
                self.watching.view = None;
                if self.rooms.open.as_ref().map(|p| p.group_id()) != Some(id.as_str()) {
                    self.open_room(&id);
                }
            }
            WatchKey::Unpin(id) => self.set_pinned(&id, false),
            WatchKey::Refresh => self.read_online_counts(),
        }
    }

    fn flagged_view_key(&mut self, key: &Key, action: Option<Action>) {
        let read_only = self.ctx.read_only;
        let queue = self.watching.watcher.flags_mut();
        match self
            .watching
            .flagged_pane
            .key(key, action, queue, read_only)
        {
            FlaggedKey::Ignored => self.watch_global(action),
            FlaggedKey::Handled => {}
            FlaggedKey::Close => self.watching.view = None,
            FlaggedKey::Act(flag, act) => self.act_on_flag(flag, act, false),
            FlaggedKey::Jump(flag) => self.jump_to_flag(flag),
        }
    }

    /// `p`: pins (or unpins) the open room, else the selected group.
    fn toggle_pin(&mut self) {
        let id = match &self.rooms.open {
            Some(pane) => pane.group_id().to_string(),
            None if matches!(self.focus, Focus::Browser | Focus::Detail) => {
                if self.rows_are_stale() {
                    return;
                }
                match self.browser.selected_group() {
                    Some(g) => g.group_id.clone(),
                    None => return self.no_selection(),
                }
            }
            None => return,
        };
        let pin = !self.watching.watcher.is_pinned(&id);
        self.set_pinned(&id, pin);
    }

    /// Pins or unpins `id`, keeps the pins and says so.
    pub fn set_pinned(&mut self, id: &str, pin: bool) {
        let safe = crate::text::terminal_safe(id).into_owned();
        if pin {
            self.watching.watcher.pin(id, Instant::now());
            self.read_online_count(id);
            self.status.flash(
                ToastKind::Info,
                format!("Pinned {safe}: watched in the background (W lists pinned rooms)"),
            );
        } else {
            self.watching.watcher.unpin(id);
            self.watching.online.remove(id);
            self.status
                .flash(ToastKind::Info, format!("Unpinned {safe}"));
        }
        if let Some(store) = &self.watching.pins {
            let pins = self.watching.watcher.pinned().map(str::to_string).collect();
            if let Err(e) = store.save(pins) {
                self.status.error = Some(ErrorLine::local(
                    "Pins",
                    format!("not kept for the next session: {e}"),
                ));
            }
        }
    }

    fn read_online_counts(&mut self) {
        let pinned: Vec<String> = self.watching.watcher.pinned().map(str::to_string).collect();
        for id in pinned {
            self.read_online_count(&id);
        }
    }

    fn read_online_count(&mut self, id: &str) {
        let op = DescribeGroupRequest {
            app_id: self.ctx.app_id.clone(),
            group_id: id.to_string(),
            data_center: self.ctx.data_center,
        };
        self.call(
            op,
            Lane::Every,
            format!("describing {id}"),
            Pending::Watch(WatchRequest::Online {
                group_id: id.to_string(),
            }),
        );
    }

    /// The rows of the Watch pane: the pinned rooms.
    pub fn watch_lines(&self) -> Vec<WatchLine> {
        let now = self.clock.now();
        let open = self.rooms.open.as_ref();
        self.watching
            .watcher
            .rows(now)
            .into_iter()
            .filter(|r| r.pinned)
            .map(|r| {
                let open_pane = open.filter(|p| p.group_id() == r.room);
                WatchLine {
                    online: self.watching.online.get(&r.room).copied(),
                    open: open_pane.is_some(),
                    pinned: r.pinned,
                    // The open room's pane holds its newest messages.
                    per_minute: open_pane
                        .map_or(r.messages_per_minute, |p| p.room.messages_per_minute(now)),
                    unread: r.unread_flags,
                    room: r.room,
                }
            })
            .collect()
    }

    // ------------------------------------------------------------- polling

    /// Tells the watcher which room the open room pane follows (it is not
    /// polled twice) and starts checking a newly opened room from scratch.
    fn sync_open_room(&mut self) {
        let open = self.rooms.open.as_ref().map(|p| p.group_id().to_string());
        if open != self.watching.open {
            // A jump waits only for its own room.
            if self.watching.jump.as_ref().map(|(room, _)| room) != open.as_ref() {
                self.watching.jump = None;
            }
            self.watching.watcher.set_polled_elsewhere(open.as_deref());
            self.watching.open = open;
            self.watching.checked_seq = None;
        }
    }

    /// Polls the pinned rooms that are due, within what the open room left
    /// of the shared budget.
    pub fn poll_watched(&mut self) {
        self.sync_open_room();
        let due = self
            .watching
            .watcher
            .due_within(Instant::now(), self.rooms.budget_mut());
        for request in due {
            let label = format!("watching {}", request.group_id);
            self.call(
                request.clone(),
                Lane::Every,
                label,
                Pending::Watch(WatchRequest::Poll(request)),
            );
        }
    }

    /// Every poll due: the open room first, then the pinned ones.
    pub fn poll_all(&mut self) {
        self.poll_rooms();
        self.poll_watched();
    }

    /// When the event loop should wake to poll the open or a pinned room;
    /// none when nothing is open or pinned (an idle console does not wake).
    pub fn next_poll(&self) -> Option<Instant> {
        let now = Instant::now();
        let pinned = self
            .watching
            .watcher
            .next_wake_within(now, self.rooms.budget());
        match (self.next_room_poll(), pinned) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// After a reply to the open room: its new messages go through the rules,
    /// and a pending jump selects its message once the room holds it.
    pub(super) fn after_room_reply(&mut self) {
        self.sync_open_room();
        let Some(pane) = self.rooms.open.as_mut() else {
            return;
        };
        let since = self.watching.checked_seq;
        let fresh: Vec<Message> = pane
            .room
            .iter()
            .filter(|m| since.is_none_or(|s| m.message.seq > s))
            .map(|m| m.message.clone())
            .collect();
        if let Some(newest) = fresh.iter().map(|m| m.seq).max() {
            self.watching.checked_seq = Some(since.map_or(newest, |s| s.max(newest)));
        }
        if let Some((room, tid)) = self.watching.jump.clone()
            && room == pane.group_id()
        {
            let found = pane.room.iter().position(|m| m.message.msg_tid == tid);
            if let Some(i) = found {
                pane.room.select(i);
                self.watching.jump = None;
            }
        }
        // Flagged messages recalled from the room itself: the queue says so.
        let room = pane.group_id().to_string();
        let recalled: Vec<String> = pane
            .room
            .iter()
            .filter(|m| m.recalled)
            .map(|m| m.message.msg_tid.clone())
            .collect();
        if !fresh.is_empty() {
            // A pinned room's own ring keeps up while the pane follows it, so
            // its background polls resume from here when the room closes.
            if let Some(w) = self.watching.watcher.room_mut(&room) {
                w.room.insert(fresh.iter().cloned());
            }
            let polled = self.watching.watcher.check(fresh, true);
            self.on_polled(polled);
        }
        if !recalled.is_empty() {
            let done: Vec<FlagId> = self
                .watching
                .watcher
                .flags()
                .in_room(&room)
                .filter(|e| recalled.contains(&e.message.msg_tid))
                .map(|e| e.id)
                .filter(|id| self.watching.flagged_pane.note_of(*id).is_none())
                .collect();
            for id in done {
                self.watching
                    .flagged_pane
                    .note(id, true, "✓ recalled in the room".into());
            }
        }
    }

    /// A reply to a watch call.
    pub(super) fn on_watch_reply(
        &mut self,
        request: WatchRequest,
        result: Result<Reply, ApiError>,
    ) {
        match request {
            WatchRequest::Poll(req) => {
                match result.map(downcast_reply::<ListGroupMessagesResponse>) {
                    Ok(page) => {
                        if let Some(polled) =
                            self.watching.watcher.on_reply(&req, page, Instant::now())
                        {
                            self.on_polled(polled);
                        }
                    }
                    Err(e) => {
                        tracing::debug!(room = %req.group_id, error = %e, "background poll failed");
                        self.watching.watcher.on_failure(&req, Instant::now());
                    }
                }
            }
            WatchRequest::Online { group_id } => {
                if let Ok(d) = result.map(downcast_reply::<DescribeGroupResponse>)
                    && self.watching.watcher.is_pinned(&group_id)
                {
                    self.watching
                        .online
                        .insert(group_id, d.online_user_counts.unwrap_or(0));
                }
            }
            WatchRequest::Act {
                flag,
                act,
                room,
                msg_tid,
                user,
                auto,
            } => {
                let who = crate::text::terminal_safe(&user).into_owned();
                let by = if auto { "rule: " } else { "" };
                match result {
                    Ok(_) => {
                        if act == FlagAct::Recall {
                            self.mark_recalled(&room, &msg_tid);
                        }
                        let text = format!("{by}{} ({who})", act.done());
                        self.watching
                            .flagged_pane
                            .note(flag, true, format!("✓ {text}"));
                        if auto {
                            self.status.flash(
                                ToastKind::Warning,
                                format!("Automatic action on a flagged message: {text}"),
                            );
                        }
                    }
                    Err(e) => {
                        let text = format!(
                            "✗ {by}{} failed: {}",
                            act.done(),
                            crate::text::terminal_safe(&e.to_string())
                        );
                        self.watching.flagged_pane.note(flag, false, text.clone());
                        if auto {
                            self.status.error = Some(ErrorLine::local("Rules", text));
                        }
                    }
                }
            }
        }
    }

    /// A watch call that ended without a reply (the worker lost it).
    pub(super) fn on_watch_crash(&mut self, request: WatchRequest) {
        match request {
            WatchRequest::Poll(req) => self.watching.watcher.on_failure(&req, Instant::now()),
            WatchRequest::Online { .. } => {}
            WatchRequest::Act { flag, act, .. } => self.watching.flagged_pane.note(
                flag,
                false,
                format!("✗ {}: the call was lost; check the room", act.done()),
            ),
        }
    }

    fn mark_recalled(&mut self, room: &str, msg_tid: &str) {
        if let Some(pane) = self.rooms.open.as_mut().filter(|p| p.group_id() == room) {
            pane.room.mark_recalled(msg_tid);
        }
        if let Some(w) = self.watching.watcher.room_mut(room) {
            w.room.mark_recalled(msg_tid);
        }
    }

    /// New flags: the automatic actions rules ask for are made (and noted).
    fn on_polled(&mut self, polled: Polled) {
        if !polled.flagged.is_empty() && self.watching.view != Some(View::Flagged) {
            let n = polled.flagged.len();
            let unread = self.watching.watcher.flags().total_unread();
            let more = if unread > 0 {
                format!(", {unread} unread")
            } else {
                String::new()
            };
            self.status.flash(
                ToastKind::Warning,
                format!(
                    "{n} new flagged {}{more}: F reviews them",
                    if n == 1 { "message" } else { "messages" }
                ),
            );
        }
        for (action, message) in polled.actions {
            let act = match action {
                RuleAction::Recall => FlagAct::Recall,
                RuleAction::Mute => FlagAct::Mute,
                RuleAction::None => continue,
            };
            let Some(flag) = polled.flagged.iter().copied().find(|id| {
                self.watching
                    .watcher
                    .flags()
                    .get(*id)
                    .is_some_and(|e| e.message.msg_tid == message.msg_tid)
            }) else {
                continue;
            };
            if self.ctx.read_only {
                self.watching.flagged_pane.note(
                    flag,
                    false,
                    format!("rule asked: {}; skipped (read-only)", act.done()),
                );
                continue;
            }
            self.act_on_flag(flag, act, true);
        }
    }

    /// Recalls, mutes or kicks for a flagged message (audited by the client
    /// like every change).
    fn act_on_flag(&mut self, flag: FlagId, act: FlagAct, auto: bool) {
        let Some(entry) = self.watching.watcher.flags().get(flag) else {
            return;
        };
        let message = entry.message.clone();
        let target = Target {
            app_id: self.ctx.app_id.clone(),
            group_id: message.room.clone(),
            data_center: self.ctx.data_center,
        };
        let out = match act {
            FlagAct::Recall => {
                target.recall(&message.msg_tid, &message.sender_id, &self.ctx.moderator_id)
            }
            FlagAct::Mute => target.mute(&message.sender_id),
            FlagAct::Kick => target.kick(&message.sender_id),
        };
        let id = self.pending.add(
            out.label,
            Pending::Watch(WatchRequest::Act {
                flag,
                act,
                room: message.room,
                msg_tid: message.msg_tid,
                user: message.sender_id,
                auto,
            }),
        );
        self.commands.push(Command::Call {
            id,
            call: out.call,
            lane: Lane::Every,
        });
    }

    /// Enter on a flagged message: its room opens with the message selected
    /// (once the room holds it).
    fn jump_to_flag(&mut self, flag: FlagId) {
        let Some(entry) = self.watching.watcher.flags().get(flag) else {
            return;
        };
        let (room, tid) = (entry.message.room.clone(), entry.message.msg_tid.clone());
        self.watching.view = None;
        self.watching.jump = Some((room.clone(), tid));
        if self.rooms.open.as_ref().map(|p| p.group_id()) != Some(room.as_str()) {
            self.open_room(&room);
        }
        self.after_room_reply();
    }

    /// Hints of the watch pane shown, if one is.
    pub fn watch_hints(&self) -> Option<Vec<(String, &'static str)>> {
        match self.watching.view? {
            View::Watch => Some(self.watching.watch_pane.hints()),
            View::Flagged => Some(self.watching.flagged_pane.hints(self.ctx.read_only)),
        }
    }

    /// Draws the watch pane shown, if any, over the main area.
    pub fn draw_watch(&self, frame: &mut ratatui::Frame, area: ratatui::layout::Rect) {
        match self.watching.view {
            Some(View::Watch) => {
                let lines = self.watch_lines();
                watch_pane::draw(frame, area, &self.watching.watch_pane, &lines, &self.theme);
            }
            Some(View::Flagged) => flagged::draw(
                frame,
                area,
                &self.watching.flagged_pane,
                self.watching.watcher.flags(),
                &self.theme,
                &self.clock,
            ),
            None => {}
        }
    }
}

#[cfg(test)]
#[path = "watch_tests.rs"]
mod tests;
