//! The create-group form: GroupId, GroupName, GroupInfo, up to three
//! administrators and CreatorId, each checked against the documented limits,
//! with byte counters. A field is judged once it is left or the form is
//! submitted, never before anything was typed; the form owns its keys.

use crossterm::event::{Event, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::validate::{self, ValidationError, limits};
use crate::api::{CreateGroupRequest, DataCenter};
use crate::tui::action::Action;
use crate::tui::keys::KeyMap;
use crate::tui::theme::Theme;

use super::{byte_counter, centered, draw_input, wrap_text};

pub(crate) const LABELS: [&str; 7] = [
    "GroupId",
    "GroupName",
    "GroupInfo",
    "Admin 1",
    "Admin 2",
    "Admin 3",
    "CreatorId",
];

/// What a key did to the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormKey {
    /// The form stays open (a field changed, the focus moved).
    Open,
    /// Closed; nothing is created.
    Close,
    /// Create the group (every field is judged first).
    Submit,
}

#[derive(Debug, Clone)]
pub struct CreateForm {
    pub fields: [Input; 7],
    pub focus: usize,
    /// Fields judged so far: left once, or the form was submitted.
    pub(crate) touched: [bool; 7],
    /// The last outcome shown in the form: (ok, text).
    pub message: Option<(bool, String)>,
}

impl CreateForm {
    pub fn new(moderator_id: &str) -> Self {
        let mut fields: [Input; 7] = Default::default();
        fields[6] = Input::new(moderator_id.to_string());
        Self {
            fields,
            focus: 0,
            touched: [false; 7],
            message: None,
        }
    }

    pub fn group_id(&self) -> &str {
        self.fields[0].value()
    }

    /// One key: `action` is what the key map says it is (text keys are text).
    pub(crate) fn on_key(&mut self, action: Option<Action>, ev: &KeyEvent) -> FormKey {
        match action {
            Some(Action::Back) => return FormKey::Close,
            Some(Action::NextPane | Action::Down) => self.next(true),
            Some(Action::PrevPane | Action::Up) => self.next(false),
            Some(Action::Open | Action::Send) => {
                self.touched = [true; 7];
                return FormKey::Submit;
            }
            _ => {
                self.edit(ev);
            }
        }
        FormKey::Open
    }

    /// The status bar's key hints for the form.
    pub(crate) fn hints(&self, keymap: &KeyMap) -> Vec<(String, &'static str)> {
        [(Action::Open, "create"), (Action::NextPane, "next field")]
            .into_iter()
            .filter_map(|(a, what)| Some((keymap.first(a)?, what)))
            .collect()
    }

    /// Moves the focus; the field left is judged from now on.
    pub fn next(&mut self, forward: bool) {
        self.touched[self.focus] = true;
        self.focus = if forward {
            (self.focus + 1) % 7
        } else {
            (self.focus + 6) % 7
        };
    }

    pub fn edit(&mut self, ev: &KeyEvent) -> bool {
        self.message = None;
        self.fields[self.focus]
            .handle_event(&Event::Key(*ev))
            .is_some()
    }

    pub fn paste(&mut self, text: &str) {
        let input = &mut self.fields[self.focus];
        let clean: String = text.chars().filter(|c| !c.is_control()).collect();
        let v = format!("{}{}", input.value(), clean);
        *input = Input::new(v);
    }

    fn limit(i: usize) -> usize {
        match i {
            1 => limits::GROUP_NAME_MAX,
            2 => limits::GROUP_INFO_MAX,
            _ => limits::ID_MAX,
        }
    }

    /// The service answered that the ID is taken: what to do first, then why.
    pub(crate) fn already_exists(&mut self, group_id: &str, deleted: bool) {
        let text = if deleted {
            format!(
                "Choose another GroupId: {group_id} belonged to a group that was deleted, and a deleted ID cannot be used again."
            )
        } else {
            format!("Choose another GroupId: group {group_id} already exists; nothing was created.")
        };
        self.message = Some((false, text));
    }

    /// Field `i` checked with the API's own rules.
    fn check(&self, i: usize) -> Result<(), ValidationError> {
        let v = self.fields[i].value();
        match i {
            0 => validate::id("GroupId", v),
            1 => validate::max_bytes("GroupName", v, limits::GROUP_NAME_MAX),
            2 => validate::max_bytes("GroupInfo", v, limits::GROUP_INFO_MAX),
            3..=5 => validate::optional_id("Administrators", v),
            _ => validate::optional_id("CreatorId", v),
        }
    }

    /// What is wrong with field `i`, whether or not it was judged yet.
    pub fn problem(&self, i: usize) -> Option<String> {
        self.check(i).err().map(|e| e.to_string())
    }

    /// What is wrong with field `i`, once it has been left or submitted.
    pub(crate) fn shown_problem(&self, i: usize) -> Option<String> {
        self.touched[i].then(|| self.problem(i)).flatten()
    }

    pub fn first_problem(&self) -> Option<String> {
        (0..7).find_map(|i| self.problem(i))
    }

    pub fn request(
        &self,
        app_id: &str,
        data_center: Option<DataCenter>,
    ) -> Result<CreateGroupRequest, ValidationError> {
        if let Some(e) = (0..7).find_map(|i| self.check(i).err()) {
            return Err(e);
        }
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let request = CreateGroupRequest {
            app_id: app_id.to_string(),
            group_id: self.fields[0].value().to_string(),
            group_name: opt(self.fields[1].value()),
            group_info: opt(self.fields[2].value()),
            administrators: self.fields[3..6]
                .iter()
                .map(|i| i.value().to_string())
                .filter(|v| !v.is_empty())
                .collect(),
            creator_id: opt(self.fields[6].value()),
            data_center,
        };
        use crate::api::Operation;
        request.validate()?;
        Ok(request)
    }
}

pub(crate) fn draw(
    frame: &mut Frame,
    area: Rect,
    form: &CreateForm,
    theme: &Theme,
    submit_key: &str,
    creating: bool,
) {
    let width = area.width.min(76);
    let text_w = usize::from(width.saturating_sub(2)).max(1);
    // Below the fields: the outcome or the focused field's problem, wrapped
    // (the action first, the explanation after), then the keys.
    let (message, style) = if creating {
        ("Creating…".to_string(), theme.warning())
    } else if let Some((ok, text)) = &form.message {
        let style = if *ok {
            theme.success()
        } else {
            theme.warning()
        };
        (text.clone(), style)
    } else if let Some(p) = form.shown_problem(form.focus) {
        (format!("✗ {p}"), theme.error())
    } else {
        (
            "Administrators and CreatorId: letters and digits, up to 64 bytes.".to_string(),
            theme.dim(),
        )
    };
    let message = wrap_text(&message, text_w);
    let hint = wrap_text(
        &format!("{submit_key} create · tab/↑↓ move · esc cancel"),
        text_w,
    );
    let rows = LABELS.len() + 1 + message.len() + 1 + hint.len();
    let rect = centered(area, width, (rows as u16 + 2).min(area.height));
    frame.render_widget(Clear, rect);
    let block = theme.focused_block(" Create group ".to_string());
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height < 3 || inner.width < 30 {
        return;
    }
    let label_w = 12u16;
    let counter_w = 14u16;
    let input_w = inner.width.saturating_sub(label_w + counter_w + 1);
    let bottom = inner.y + inner.height;
    for (i, label) in LABELS.iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= bottom {
            break;
        }
        let focused = form.focus == i;
        let bad = form.shown_problem(i).is_some();
        let style = if focused {
            theme.focused_label()
        } else if bad {
            theme.error()
        } else {
            theme.dim()
        };
        // A marker as well as a style: the focus shows without colour too.
        let marker = if focused { "▸" } else { " " };
        let req = if i == 0 { "*" } else { " " };
        frame.render_widget(
            Paragraph::new(Span::styled(format!("{marker}{label:<10}{req}"), style)),
            Rect::new(inner.x, y, label_w, 1),
        );
        draw_input(
            frame,
            Rect::new(inner.x + label_w, y, input_w, 1),
            &form.fields[i],
            theme.text(),
            focused,
        );
        let counter = byte_counter(form.fields[i].value().len(), CreateForm::limit(i));
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("{counter:>14}"),
                if bad { theme.error() } else { theme.dim() },
            )),
            Rect::new(inner.x + inner.width - counter_w, y, counter_w, 1),
        );
    }
    let mut lines: Vec<Line> = message
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect();
    lines.push(Line::raw(""));
    lines.extend(hint.into_iter().map(|l| Line::styled(l, theme.dim())));
    let y = inner.y + LABELS.len() as u16 + 1;
    if y < bottom {
        frame.render_widget(
            Paragraph::new(lines),
            Rect::new(inner.x, y, inner.width, bottom - y),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_request_and_checks_fields() {
        let mut f = CreateForm::new("mod1");
        assert!(
            f.request("demo", None)
                .unwrap_err()
                .to_string()
                .contains("GroupId is required")
        );
        f.fields[0] = Input::new("room42".into());
        f.fields[1] = Input::new("Room 42".into());
        f.fields[4] = Input::new("uid2".into());
        let r = f.request("demo", None).unwrap();
        assert_eq!(r.group_id, "room42");
        assert_eq!(r.administrators, vec!["uid2"]);
        assert_eq!(r.creator_id.as_deref(), Some("mod1"));
        f.fields[3] = Input::new("bad id".into());
        assert!(f.problem(3).unwrap().contains("letters and digits"));
        f.fields[1] = Input::new("n".repeat(129));
        assert!(f.problem(1).unwrap().contains("129 bytes"));
    }
}
