//! The create-group form: GroupId, GroupName, GroupInfo, up to three
//! administrators and CreatorId, each checked as you type against the
//! documented limits, with byte counters.

use crossterm::event::{Event, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::validate::{self, limits};
use crate::api::{CreateGroupRequest, DataCenter};
use crate::tui::theme::Theme;

use super::{byte_counter, centered, draw_input};

pub const LABELS: [&str; 7] = [
    "GroupId",
    "GroupName",
    "GroupInfo",
    "Admin 1",
    "Admin 2",
    "Admin 3",
    "CreatorId",
];

#[derive(Debug, Clone)]
pub struct CreateForm {
    pub fields: [Input; 7],
    pub focus: usize,
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
            message: None,
        }
    }

    pub fn group_id(&self) -> &str {
        self.fields[0].value()
    }

    pub fn next(&mut self, forward: bool) {
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

    /// What is wrong with field `i`, checked with the API's own rules.
    pub fn problem(&self, i: usize) -> Option<String> {
        let v = self.fields[i].value();
        let r = match i {
            0 => validate::id("GroupId", v),
            1 => validate::max_bytes("GroupName", v, limits::GROUP_NAME_MAX),
            2 => validate::max_bytes("GroupInfo", v, limits::GROUP_INFO_MAX),
            3..=5 => validate::optional_id("Administrators", v),
            _ => validate::optional_id("CreatorId", v),
        };
        r.err().map(|e| e.to_string())
    }

    pub fn first_problem(&self) -> Option<String> {
        (0..7).find_map(|i| self.problem(i))
    }

    pub fn request(
        &self,
        app_id: &str,
        data_center: Option<DataCenter>,
    ) -> Result<CreateGroupRequest, String> {
        if let Some(p) = self.first_problem() {
            return Err(p);
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
        request.validate().map_err(|e| e.to_string())?;
        Ok(request)
    }
}

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    form: &CreateForm,
    theme: &Theme,
    submit_key: &str,
    creating: bool,
) {
    let rect = centered(area, 76, 14);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(" Create group ", theme.title()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height < 3 || inner.width < 30 {
        return;
    }
    let label_w = 11u16;
    let counter_w = 14u16;
    let input_w = inner.width.saturating_sub(label_w + counter_w + 1);
    for (i, label) in LABELS.iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.y + inner.height {
            break;
        }
        let focused = form.focus == i;
        let bad = form.problem(i).is_some();
        let style = if focused {
            theme.focused_label()
        } else if bad {
            theme.error()
        } else {
            theme.dim()
        };
        let req = if i == 0 { "*" } else { " " };
        frame.render_widget(
            Paragraph::new(Span::styled(format!("{label:<10}{req}"), style)),
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
                if bad && !form.fields[i].value().is_empty() {
                    theme.error()
                } else {
                    theme.dim()
                },
            )),
            Rect::new(inner.x + inner.width - counter_w, y, counter_w, 1),
        );
    }
    let y = inner.y + 8;
    if y < inner.y + inner.height {
        let line = if creating {
            Line::styled("Creating…", theme.warning())
        } else if let Some((ok, text)) = &form.message {
            Line::styled(
                text.clone(),
                if *ok {
                    theme.success()
                } else {
                    theme.warning()
                },
            )
        } else if let Some(p) = form.problem(form.focus) {
            Line::styled(format!("✗ {p}"), theme.error())
        } else {
            Line::styled(
                "Administrators and CreatorId: letters and digits, up to 64 bytes.",
                theme.dim(),
            )
        };
        frame.render_widget(Paragraph::new(line), Rect::new(inner.x, y, inner.width, 1));
    }
    let y = inner.y + inner.height - 1;
    if y > inner.y + 8 {
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("{submit_key} create · tab/↑↓ move · esc cancel"),
                theme.dim(),
            )),
            Rect::new(inner.x, y, inner.width, 1),
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
