//! The room's one-key actions (scope Room in the key map): what each does,
//! what waits for `y`, and the Info editor's steps.

use tui_input::Input;

use crate::tui::action::{Action, Scope};
use crate::tui::keys::{Key, KeyCodeOrd};

use super::{Confirm, Outgoing, Reaction, RoomPane, Tab, edit, lines, requests};

impl RoomPane {
    /// The tabs by number (fixed keys, not in the key map).
    pub(super) fn tab_key(&mut self, key: &Key) -> Option<Reaction> {
        if key.ctrl || key.alt {
            return None;
        }
        match key.code {
            KeyCodeOrd::Char(c @ '1'..='4') => Some(Reaction::Handled(
                self.switch(Tab::ALL[c as usize - '1' as usize]),
            )),
            _ => None,
        }
    }

    /// The room's own actions (scope Room in the key map: `x`, `M`, `U`,
    /// `K`, `B`, `b`, `a`, `e` unless rebound). None: not one of them.
    pub(super) fn room_action(&mut self, action: Action) -> Option<Vec<Outgoing>> {
        if action.scope() != Scope::Room {
            return None;
        }
        if self.moderator.read_only {
            // Not bound in read-only mode; said anyway should a map bind one.
            self.outcome = Some((
                false,
                "read-only: this console changes nothing in the room".into(),
            ));
            return Some(Vec::new());
        }
        let calls = match action {
            Action::Recall => self.ask_recall(),
            Action::MuteSender => match self.selected_user() {
                Some(user) => vec![self.target.mute(&user)],
                None => self.nothing_selected(),
            },
            Action::UnmuteSender => match self.selected_user() {
                Some(user) => vec![self.target.unmute(&user)],
                None => self.nothing_selected(),
            },
            Action::KickSender => match self.selected_user() {
                Some(user) => {
                    self.outcome = Some((
                        true,
                        format!("Kick {} from the room? y kicks", lines::safe(&user)),
                    ));
                    self.confirm = Some(Confirm::Kick { user });
                    Vec::new()
                }
                None => self.nothing_selected(),
            },
            Action::MuteRoom => {
                self.outcome = Some((
                    true,
                    "Mute the whole room (admins, the creator and you excepted)? y mutes".into(),
                ));
                self.confirm = Some(Confirm::MuteRoom);
                Vec::new()
            }
            Action::UnmuteRoom => vec![self.target.unmute_room()],
            Action::AddMute if self.tab == Tab::Mutes => {
                self.mute_input = Some(Input::default());
                Vec::new()
            }
            Action::EditInfo if self.tab == Tab::Info => {
                match &self.describe {
                    Some(d) => self.edit = Some(edit::InfoEdit::new(d)),
                    None => {
                        self.outcome = Some((false, "The room is still being described".into()))
                    }
                }
                Vec::new()
            }
            _ => Vec::new(),
        };
        Some(calls)
    }

    /// What a key in the Info editor leads to.
    pub(super) fn edited(&mut self, step: edit::EditStep) -> Vec<Outgoing> {
        match step {
            edit::EditStep::Editing => Vec::new(),
            edit::EditStep::Cancelled => {
                self.edit = None;
                self.outcome = Some((false, "Cancelled; nothing was changed".into()));
                Vec::new()
            }
            edit::EditStep::Unchanged => {
                self.edit = None;
                self.outcome = Some((true, "Nothing changed; nothing was sent".into()));
                Vec::new()
            }
            edit::EditStep::Save(req) => {
                self.edit = None;
                self.outcome = None;
                vec![self.target.modify(req)]
            }
        }
    }

    /// The Info editor while it is open.
    pub fn editor(&self) -> Option<&edit::InfoEdit> {
        self.edit.as_ref()
    }

    /// Pasted text: into the Info editor or the mute field when one is open.
    /// False: the room has no field open to take it.
    pub fn paste(&mut self, text: &str) -> bool {
        if let Some(editor) = &mut self.edit {
            editor.paste(text);
            return true;
        }
        if let Some(input) = &mut self.mute_input {
            let clean: String = text.chars().filter(|c| !c.is_control()).collect();
            *input = Input::new(format!("{}{clean}", input.value()));
            return true;
        }
        false
    }

    fn nothing_selected(&mut self) -> Vec<Outgoing> {
        self.outcome = Some((false, "Nothing selected".into()));
        Vec::new()
    }

    fn ask_recall(&mut self) -> Vec<Outgoing> {
        if self.tab != Tab::Messages {
            self.outcome = Some((
                false,
                "x recalls a message: select it on the Messages tab".into(),
            ));
            return Vec::new();
        }
        match self.room.selected() {
            Some(m) if m.recalled => {
                self.outcome = Some((false, "That message is already recalled".into()));
                Vec::new()
            }
            Some(m) => {
                let msg = &m.message;
                self.outcome = Some((
                    true,
                    format!(
                        "Recall {}'s message {}? y recalls",
                        lines::safe(&msg.sender_id),
                        lines::safe(&msg.msg_tid)
                    ),
                ));
                self.confirm = Some(Confirm::Recall {
                    msg_tid: msg.msg_tid.clone(),
                    sender: msg.sender_id.clone(),
                });
                Vec::new()
            }
            None => self.nothing_selected(),
        }
    }

    pub(super) fn confirmed(&mut self, confirm: Confirm) -> Outgoing {
        self.outcome = None;
        match confirm {
            Confirm::Recall { msg_tid, sender } => {
                self.target.recall(&msg_tid, &sender, &self.moderator.id)
            }
            Confirm::Kick { user } => self.target.kick(&user),
            Confirm::MuteRoom => {
                let (admins, creator) = match &self.describe {
                    Some(d) => (d.admin_list.clone(), d.creator_id.clone()),
                    None => (Vec::new(), String::new()),
                };
                self.target.mute_room(requests::room_mute_exceptions(
                    &admins,
                    &creator,
                    &self.moderator.id,
                ))
            }
        }
    }
}
