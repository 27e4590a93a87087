//! Delete confirmation: shows the group and asks for its GroupId to be typed.
//! Cancel is the default button; Delete works only once the ID matches.

use crossterm::event::{Event, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::Group;
use crate::tui::clock::Clock;
use crate::tui::theme::Theme;

use super::{centered, ellipsize};

#[derive(Debug, Clone)]
pub struct DeleteDialog {
    pub group: Group,
    pub input: Input,
    /// False: Cancel is selected (the default). True: Delete is selected.
    pub on_delete: bool,
    pub message: Option<String>,
}

/// What Enter does in the dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Cancel,
    Delete,
    /// Delete selected but the typed ID does not match: stay open.
    NotConfirmed,
}

impl DeleteDialog {
    pub fn new(group: Group) -> Self {
        Self {
            group,
            input: Input::default(),
            on_delete: false,
            message: None,
        }
    }

    pub fn confirmed(&self) -> bool {
        self.input.value() == self.group.group_id
    }

    pub fn edit(&mut self, ev: &KeyEvent) {
        self.message = None;
        self.input.handle_event(&Event::Key(*ev));
    }

    pub fn paste(&mut self, text: &str) {
        let clean: String = text.chars().filter(|c| !c.is_control()).collect();
        self.input = Input::new(format!("{}{}", self.input.value(), clean.trim()));
    }

    pub fn toggle(&mut self) {
        self.on_delete = !self.on_delete;
    }

    pub fn choose(&mut self) -> Choice {
        match (self.on_delete, self.confirmed()) {
            (false, _) => Choice::Cancel,
            (true, true) => Choice::Delete,
            (true, false) => {
                self.message = Some("Type the GroupId exactly to confirm.".into());
                Choice::NotConfirmed
            }
        }
    }
}

pub fn draw(frame: &mut Frame, area: Rect, d: &DeleteDialog, theme: &Theme, clock: &Clock) {
    let rect = centered(area, 64, 12);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.error())
        .title(Span::styled(" Delete group ", theme.error()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height < 3 || inner.width < 20 {
        return;
    }
    let g = &d.group;
    let w = usize::from(inner.width);
    let lines = vec![
        Line::from(vec![
            Span::styled("GroupId   ", theme.dim()),
            Span::styled(ellipsize(&g.group_id, w - 10), theme.title()),
        ]),
        Line::from(vec![
            Span::styled("GroupName ", theme.dim()),
            Span::raw(ellipsize(&g.group_name, w - 10)),
        ]),
        Line::from(vec![
            Span::styled("Created   ", theme.dim()),
            Span::raw(format!(
                "{} by {}",
                clock.short(g.createtime),
                ellipsize(&g.creator_id, 30)
            )),
        ]),
        Line::styled(
            ellipsize(
                "Members are notified; messages are kept for 30 days. The ID can never be used again.",
                w,
            ),
            theme.warning(),
        ),
        Line::styled("Type the GroupId to confirm:", theme.text()),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
    super::draw_typed_answer(frame, inner, inner.y + 5, &d.input, d.confirmed(), theme);
    let y = inner.y + 7;
    if y < inner.y + inner.height {
        frame.render_widget(
            Paragraph::new(super::confirm_buttons(
                "Delete",
                d.on_delete,
                d.confirmed(),
                theme,
            )),
            Rect::new(inner.x, y, inner.width, 1),
        );
    }
    if let Some(m) = &d.message {
        let y = inner.y + 8;
        if y < inner.y + inner.height {
            frame.render_widget(
                Paragraph::new(Span::styled(m.clone(), theme.error())),
                Rect::new(inner.x, y, inner.width, 1),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_is_the_default_and_delete_needs_the_id() {
        let g = Group {
            group_id: "room7".into(),
            group_name: String::new(),
            group_info: String::new(),
            creator_id: String::new(),
            admin_list: vec![],
            createtime: 0,
            delete: false,
        };
        let mut d = DeleteDialog::new(g);
        d.input = Input::new("room7".into());
        assert_eq!(d.choose(), Choice::Cancel);
        d.toggle();
        assert_eq!(d.choose(), Choice::Delete);
        d.input = Input::new("room".into());
        assert_eq!(d.choose(), Choice::NotConfirmed);
    }
}
