//! The Info tab's editor: GroupInfo and the administrators, saved with one
//! ModifyLiveMessageGroup. The service has no way to rename a group, so the
//! name is shown and never offered for editing.

use crossterm::event::{Event as CtEvent, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::{DescribeGroupResponse, ModifyGroupRequest, Operation};
use crate::tui::keys::{Key, KeyCodeOrd};

/// Which field of the editor has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditField {
    Admins,
    Info,
}

/// The editor while it is open: both fields start from what the service said.
#[derive(Debug, Clone)]
pub struct InfoEdit {
    pub admins: Input,
    pub info: Input,
    pub field: EditField,
    /// Why the last save was refused before any call (validation).
    pub problem: Option<String>,
    was_admins: Vec<String>,
    was_info: String,
}

/// What a key did to the editor.
#[derive(Debug)]
pub enum EditStep {
    /// Still editing.
    Editing,
    /// Esc: closed, nothing saved.
    Cancelled,
    /// Enter with nothing changed: closed, nothing to call.
    Unchanged,
    /// Enter: this request is valid and is to be sent.
    Save(ModifyGroupRequest),
}

/// "a, b ,c" → ["a", "b", "c"] (empty pieces dropped).
pub fn parse_admins(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl InfoEdit {
    pub fn new(d: &DescribeGroupResponse) -> Self {
        Self {
            admins: Input::new(d.admin_list.join(", ")),
            info: Input::new(d.group_info.clone()),
            field: EditField::Info,
            problem: None,
            was_admins: d.admin_list.clone(),
            was_info: d.group_info.clone(),
        }
    }

    /// A key while editing; `app_id`/`group_id`/`data_center` address the save.
    pub fn key(&mut self, key: &Key, ev: KeyEvent, base: ModifyGroupRequest) -> EditStep {
        match key.code {
            KeyCodeOrd::Esc => return EditStep::Cancelled,
            KeyCodeOrd::Tab | KeyCodeOrd::BackTab | KeyCodeOrd::Up | KeyCodeOrd::Down => {
                self.field = match self.field {
                    EditField::Admins => EditField::Info,
                    EditField::Info => EditField::Admins,
                };
            }
            KeyCodeOrd::Enter => return self.save(base),
            _ => {
                let input = match self.field {
                    EditField::Admins => &mut self.admins,
                    EditField::Info => &mut self.info,
                };
                input.handle_event(&CtEvent::Key(ev));
                self.problem = None;
            }
        }
        EditStep::Editing
    }

    /// Pasted text goes into the field with the cursor (line breaks kept in
    /// GroupInfo, which is often JSON; dropped from the admin list).
    pub fn paste(&mut self, text: &str) {
        let (input, clean): (&mut Input, String) = match self.field {
            EditField::Admins => (
                &mut self.admins,
                text.chars().filter(|c| !c.is_control()).collect(),
            ),
            EditField::Info => (&mut self.info, text.to_string()),
        };
        *input = Input::new(format!("{}{clean}", input.value()));
        self.problem = None;
    }

    /// The request for what changed, validated as the API client would.
    fn save(&mut self, mut req: ModifyGroupRequest) -> EditStep {
        let admins = parse_admins(self.admins.value());
        let info = self.info.value().to_string();
        req.modify_admin = admins != self.was_admins;
        req.modify_info = info != self.was_info;
        if !req.modify_admin && !req.modify_info {
            return EditStep::Unchanged;
        }
        if req.modify_admin {
            req.admin_list = admins;
        }
        if req.modify_info {
            req.group_info = (!info.is_empty()).then_some(info);
        }
        match req.validate() {
            Ok(()) => EditStep::Save(req),
            Err(e) => {
                self.problem = Some(e.to_string());
                EditStep::Editing
            }
        }
    }

    /// What the save will change, for the confirmation line.
    pub fn changes(req: &ModifyGroupRequest) -> &'static str {
        match (req.modify_admin, req.modify_info) {
            (true, true) => "the info and the administrators",
            (true, false) => "the administrators",
            _ => "the info",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> ModifyGroupRequest {
        ModifyGroupRequest {
            app_id: "demo".into(),
            group_id: "g1".into(),
            ..Default::default()
        }
    }

    fn typed(e: &mut InfoEdit, text: &str) {
        for c in text.chars() {
            let key = Key::plain(KeyCodeOrd::Char(c));
            e.key(&key, key.to_event(), base());
        }
    }

    fn enter(e: &mut InfoEdit) -> EditStep {
        let key = Key::plain(KeyCodeOrd::Enter);
        e.key(&key, key.to_event(), base())
    }

    fn described() -> DescribeGroupResponse {
        DescribeGroupResponse {
            group_id: "g1".into(),
            group_info: "old".into(),
            admin_list: vec!["a1".into()],
            ..Default::default()
        }
    }

    #[test]
    fn only_what_changed_is_modified() {
        let mut e = InfoEdit::new(&described());
        assert!(matches!(enter(&mut e), EditStep::Unchanged));
        typed(&mut e, " new");
        let EditStep::Save(req) = enter(&mut e) else {
            panic!("a valid change saves")
        };
        assert!(req.modify_info && !req.modify_admin);
        assert_eq!(req.group_info.as_deref(), Some("old new"));
        assert!(req.admin_list.is_empty());
    }

    #[test]
    fn admins_are_parsed_and_checked_before_any_call() {
        assert_eq!(parse_admins(" a, b ,,c "), vec!["a", "b", "c"]);
        let mut e = InfoEdit::new(&described());
        e.field = EditField::Admins;
        typed(&mut e, ", a2, a3, a4");
        assert!(matches!(enter(&mut e), EditStep::Editing));
        assert!(e.problem.as_deref().unwrap().contains("at most 3"), "{e:?}");
        // An ID the API refuses is refused here, with the API's words.
        let mut e = InfoEdit::new(&described());
        e.field = EditField::Admins;
        typed(&mut e, &format!(", {}", "x".repeat(65)));
        assert!(matches!(enter(&mut e), EditStep::Editing));
        assert!(
            e.problem
                .as_deref()
                .unwrap()
                .contains("AdminList is 65 bytes"),
            "{e:?}"
        );
    }
}
