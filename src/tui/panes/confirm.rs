//! A confirmation dialog for actions that cannot be taken back: discarding an
//! outbox entry, resending one whose outcome is unknown, deleting marked
//! groups. Cancel is the default button; some ask for a typed answer too.

use crossterm::event::{Event, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::Group;
use crate::tui::theme::Theme;

use super::{centered, ellipsize};

/// What confirming does.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Discard(i64),
    ResendAnyway(i64),
    DeleteGroups(Vec<Group>),
}

#[derive(Debug, Clone)]
pub struct ConfirmDialog {
    pub title: String,
    pub lines: Vec<String>,
    pub confirm_label: String,
    pub pending: Pending,
    /// Answers that confirm when typed; None: no typing needed.
    pub typed: Option<Vec<String>>,
    pub input: Input,
    /// False: Cancel is selected (the default).
    pub on_confirm: bool,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Cancel,
    Confirm,
    NotConfirmed,
}

impl ConfirmDialog {
    pub fn new(title: &str, lines: Vec<String>, confirm_label: &str, pending: Pending) -> Self {
        Self {
            title: title.into(),
            lines,
            confirm_label: confirm_label.into(),
            pending,
            typed: None,
            input: Input::default(),
            on_confirm: false,
            message: None,
        }
    }

    pub fn with_typed(mut self, answers: Vec<String>) -> Self {
        self.typed = Some(answers);
        self
    }

    pub fn confirmed(&self) -> bool {
        match &self.typed {
            None => true,
            Some(answers) => answers.iter().any(|a| a == self.input.value().trim()),
        }
    }

    pub fn edit(&mut self, ev: &KeyEvent) {
        if self.typed.is_some() {
            self.message = None;
            self.input.handle_event(&Event::Key(*ev));
        }
    }

    pub fn paste(&mut self, text: &str) {
        if self.typed.is_some() {
            let clean: String = text.chars().filter(|c| !c.is_control()).collect();
            self.input = Input::new(format!("{}{}", self.input.value(), clean.trim()));
        }
    }

    pub fn toggle(&mut self) {
        self.on_confirm = !self.on_confirm;
    }

    pub fn choose(&mut self) -> Answer {
        match (self.on_confirm, self.confirmed()) {
            (false, _) => Answer::Cancel,
            (true, true) => Answer::Confirm,
            (true, false) => {
                let want = self.typed.as_ref().and_then(|a| a.first()).cloned();
                self.message = Some(format!("Type {} to confirm.", want.unwrap_or_default()));
                Answer::NotConfirmed
            }
        }
    }
}

pub fn draw(frame: &mut Frame, area: Rect, d: &ConfirmDialog, theme: &Theme) {
    let extra = if d.typed.is_some() { 3 } else { 0 };
    let h = (d.lines.len() as u16 + 5 + extra).min(area.height);
    let rect = centered(area, 70, h);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.error())
        .title(Span::styled(format!(" {} ", d.title), theme.error()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height < 3 || inner.width < 20 {
        return;
    }
    let w = usize::from(inner.width);
    let mut lines: Vec<Line> = d
        .lines
        .iter()
        .map(|l| Line::styled(ellipsize(l, w), theme.text()))
        .collect();
    let mut y = inner.y + lines.len() as u16;
    if let Some(answers) = &d.typed {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            ellipsize(&format!("Type {} to confirm:", answers.join(" or ")), w),
            theme.text(),
        ));
        y += 2;
    }
    frame.render_widget(Paragraph::new(lines), inner);
    if d.typed.is_some() && y < inner.y + inner.height {
        super::draw_typed_answer(frame, inner, y, &d.input, d.confirmed(), theme);
        y += 1;
    }
    let y = y + 1;
    if y < inner.y + inner.height {
        let mut line = super::confirm_buttons(&d.confirm_label, d.on_confirm, d.confirmed(), theme);
        if let Some(m) = &d.message {
            line = Line::styled(m.clone(), theme.error());
        }
        frame.render_widget(Paragraph::new(line), Rect::new(inner.x, y, inner.width, 1));
    }
}
