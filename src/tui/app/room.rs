//! Routing for the live room: opening it, its keys, its calls through the
//! generic worker path, its replies and its polls. The room pane decides; this
//! only carries calls out and replies in.

use super::*;
use crate::tui::action::Scope;
use crate::tui::panes::room::{Moderator, Outgoing, Reaction, RoomPane, RoomRequest, Target};

/// `:open ID` (or `:room ID`): the group ID to open, when `line` is that command.
pub(super) fn open_command(line: &str) -> Option<&str> {
    let line = line.trim().trim_start_matches(':').trim();
    let (word, arg) = line.split_once(char::is_whitespace)?;
    matches!(word, "open" | "room")
        .then(|| arg.trim())
        .filter(|a| !a.is_empty())
}

/// The room action `key` stands for in `[keys]` (or by default), bound or
/// not: in read-only mode none is bound, and a press is answered with why.
fn room_action_of(
    overrides: &std::collections::BTreeMap<String, Vec<String>>,
    key: &Key,
) -> Option<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| a.scope() == Scope::Room)
        .find(|a| {
            let specs: Vec<&str> = match overrides.get(a.name()) {
                Some(specs) => specs.iter().map(String::as_str).collect(),
                None => a.default_keys().to_vec(),
            };
            specs.iter().any(|s| Key::parse(s).ok() == Some(*key))
        })
}

impl App {
    /// Opens the room of `group_id` (closing any other) and starts following it.
    pub fn open_room(&mut self, group_id: &str) {
        let target = Target {
            app_id: self.ctx.app_id.clone(),
            group_id: group_id.to_string(),
            data_center: self.ctx.data_center,
        };
        let moderator = Moderator {
            id: self.ctx.moderator_id.clone(),
            read_only: self.ctx.read_only,
        };
        let mut pane = RoomPane::new(target, moderator, Instant::now());
        pane.set_key_labels(
            Action::ALL
                .iter()
                .filter(|a| {
                    a.scope() == Scope::Room
                        || matches!(a, Action::Refresh | Action::Back | Action::Pin)
                })
                .filter_map(|a| Some((*a, self.keymap.first(*a)?))),
        );
        let calls = pane.open_calls();
        self.rooms.open = Some(pane);
        self.send_room_calls(calls);
    }

    /// Opens the room of the selected group.
    pub(super) fn open_selected_room(&mut self) {
        match self.browser.selected_group() {
            Some(g) => {
                let id = g.group_id.clone();
                self.open_room(&id);
            }
            None => self.no_selection(),
        }
    }

    /// Keys while a room is open: the room first, then only what is global.
    /// Always true: nothing behind the room acts on a key while it is shown.
    pub(super) fn room_key(&mut self, key: &Key, ev: KeyEvent) -> bool {
        let action = self.keymap.action_in(Scope::Room, key);
        let disabled = if self.ctx.read_only {
            room_action_of(&self.ctx.keys, key)
        } else {
            None
        };
        let Some(pane) = &mut self.rooms.open else {
            return false;
        };
        match pane.key(key, ev, action, disabled) {
            Reaction::Handled(calls) => self.send_room_calls(calls),
            Reaction::Close => self.rooms.open = None,
            Reaction::Ignored => {
                if let Some(a @ (Action::Quit | Action::Help | Action::CommandLine)) = action {
                    self.do_action(a);
                }
            }
        }
        true
    }

    pub(super) fn send_room_calls(&mut self, calls: Vec<Outgoing>) {
        let Some(group_id) = self.rooms.open.as_ref().map(|p| p.group_id().to_string()) else {
            return;
        };
        for out in calls {
            let id = self.pending.add(
                out.label,
                Pending::Room {
                    group_id: group_id.clone(),
                    request: out.request,
                },
            );
            self.commands.push(Command::Call {
                id,
                call: out.call,
                lane: Lane::Every,
            });
        }
    }

    /// A reply to a room call; dropped when that room is no longer open.
    pub(super) fn on_room_reply(
        &mut self,
        group_id: &str,
        request: RoomRequest,
        result: Result<Reply, ApiError>,
    ) {
        if let Err(e) = &result
            && request.is_action()
        {
            self.status.error = Some(ErrorLine::from_api(&format!("room {group_id}"), e));
        }
        let Some(pane) = self
            .rooms
            .open
            .as_mut()
            .filter(|p| p.group_id() == group_id)
        else {
            return;
        };
        // The browser's row (and its detail) show the group's info and admins:
        // after a save, read the page again so they are not stale.
        let modified = matches!(request, RoomRequest::Modify { .. }) && result.is_ok();
        let calls = pane.on_reply(request, result, Instant::now());
        self.send_room_calls(calls);
        if modified {
            self.request_page();
        }
    }

    pub(super) fn on_room_crash(&mut self, group_id: &str, request: &RoomRequest) {
        if let Some(pane) = self
            .rooms
            .open
            .as_mut()
            .filter(|p| p.group_id() == group_id)
        {
            pane.on_crash(request, Instant::now());
        }
    }

    /// Polls the rooms that are due (the event loop wakes for this at
    /// [`App::next_room_poll`]).
    pub fn poll_rooms(&mut self) {
        let calls = self.rooms.due_polls(Instant::now());
        self.send_room_calls(calls);
    }

    /// When the rooms next want polling; none when no room is open.
    pub fn next_room_poll(&self) -> Option<Instant> {
        self.rooms.next_wake(Instant::now())
    }

    /// Draws the open room over the main area.
    pub fn draw_room(&self, frame: &mut ratatui::Frame, area: ratatui::layout::Rect) {
        if let Some(pane) = &self.rooms.open {
            let flagged = self
                .watching
                .watcher
                .flags()
                .in_room(pane.group_id())
                .filter_map(|e| {
                    let rule = crate::text::terminal_safe(&e.flags.first()?.rule_name).into_owned();
                    Some((e.message.msg_tid.clone(), rule))
                })
                .collect();
            let look = crate::tui::panes::room::draw::Look {
                theme: &self.theme,
                clock: &self.clock,
                catalogue: &self.ctx.catalogue,
                flagged: &flagged,
            };
            crate::tui::panes::room::draw::draw(frame, area, pane, &look);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::open_command;

    #[test]
    fn open_command_takes_an_id() {
        assert_eq!(open_command("open room007"), Some("room007"));
        assert_eq!(open_command(":room  g-1 "), Some("g-1"));
        assert_eq!(open_command("open"), None);
        assert_eq!(open_command("page 3"), None);
    }
}
