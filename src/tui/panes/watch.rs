//! The Watch pane: the pinned rooms (and the open one) with their online
//! count, messages per minute and unread flagged count. The pane owns its
//! selection and its keys; the app carries out what a key asks for.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Row, Table};

use crate::text::terminal_safe;
use crate::tui::action::Action;
use crate::tui::keys::{Key, KeyCodeOrd};
use crate::tui::theme::Theme;

use super::ellipsize;

/// One row of the pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchLine {
    pub room: String,
    /// The room open on screen.
    pub open: bool,
    pub pinned: bool,
    /// From DescribeLiveMessageGroup; none until it answered.
    pub online: Option<i64>,
    pub per_minute: usize,
    pub unread: usize,
}

/// What a key asks the app to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchKey {
    /// Not a Watch key.
    Ignored,
    Handled,
    Close,
    /// Open this room (closing the pane).
    Open(String),
    Unpin(String),
    /// Read the online counts again.
    Refresh,
}

#[derive(Debug, Default)]
pub struct WatchPane {
    sel: usize,
}

impl WatchPane {
    pub fn selection(&self) -> usize {
        self.sel
    }

    /// Handles a key over `lines` (what the pane shows now).
    pub fn key(&mut self, key: &Key, action: Option<Action>, lines: &[WatchLine]) -> WatchKey {
        self.sel = self.sel.min(lines.len().saturating_sub(1));
        let selected = lines.get(self.sel).map(|l| l.room.clone());
        if !key.ctrl && !key.alt && key.code == KeyCodeOrd::Char('u') {
            return selected.map_or(WatchKey::Handled, WatchKey::Unpin);
        }
        let last = lines.len().saturating_sub(1);
        match action {
            Some(Action::Back) => WatchKey::Close,
            Some(Action::Open | Action::OpenRoom) => {
                selected.map_or(WatchKey::Handled, WatchKey::Open)
            }
            Some(Action::Pin) => selected.map_or(WatchKey::Handled, WatchKey::Unpin),
            Some(Action::Refresh) => WatchKey::Refresh,
            Some(Action::Up) => {
                self.sel = self.sel.saturating_sub(1);
                WatchKey::Handled
            }
            Some(Action::Down) => {
                self.sel = (self.sel + 1).min(last);
                WatchKey::Handled
            }
            Some(Action::Top | Action::GoTo) => {
                self.sel = 0;
                WatchKey::Handled
            }
            Some(Action::Bottom) => {
                self.sel = last;
                WatchKey::Handled
            }
            _ => WatchKey::Ignored,
        }
    }

    pub fn hints(&self) -> Vec<(String, &'static str)> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        vec![
            h("enter", "open room"),
            h("u", "unpin"),
            h("F", "flagged"),
            h("r", "online counts"),
            h("esc", "back"),
        ]
    }
}

/// Draws the pane over `area`.
pub(crate) fn draw(
    frame: &mut Frame,
    area: Rect,
    pane: &WatchPane,
    lines: &[WatchLine],
    theme: &Theme,
) {
    frame.render_widget(Clear, area);
    let pinned = lines.iter().filter(|l| l.pinned).count();
    let unread: usize = lines.iter().map(|l| l.unread).sum();
    let block = theme.focused_block(format!(
        " Watch: {pinned} pinned · {unread} unread flagged "
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if lines.is_empty() {
        let text = vec![
            Line::styled("No room is pinned.", theme.text()),
            Line::styled(
                "Press p on a group (or in an open room) to watch it in the background.",
                theme.dim(),
            ),
        ];
        frame.render_widget(Paragraph::new(text), inner);
        return;
    }
    let [table_area, foot] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let sel = pane.sel.min(lines.len() - 1);
    let visible = usize::from(table_area.height.saturating_sub(1)).max(1);
    let first = sel.saturating_sub(visible - 1);
    let room_width = usize::from(table_area.width.saturating_sub(36)).clamp(8, 64);
    let rows: Vec<Row> = lines
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, l)| {
            let mark = match (l.open, l.pinned) {
                (true, _) => "open",
                (false, true) => "pin",
                (false, false) => "",
            };
            let row = Row::new(vec![
                mark.to_string(),
                ellipsize(&terminal_safe(&l.room), room_width),
                l.online.map_or("…".to_string(), |n| n.to_string()),
                l.per_minute.to_string(),
                if l.unread > 0 {
                    format!("{} new", l.unread)
                } else {
                    "-".to_string()
                },
            ]);
            let style = if i == sel {
                theme.selected()
            } else if l.unread > 0 {
                theme.warning()
            } else {
                theme.text()
            };
            row.style(style)
        })
        .collect();
    let widths = [
        Constraint::Length(4),
        Constraint::Min(8),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(9),
    ];
    let header = Row::new(vec!["", "Room", "Online", "Msg/min", "Flagged"])
        .style(theme.accent().add_modifier(Modifier::BOLD));
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        table_area,
    );
    frame.render_widget(
        Paragraph::new(Line::styled(
            "Pinned rooms are polled in the background, more slowly than the open one.",
            theme.dim(),
        )),
        foot,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(room: &str, unread: usize) -> WatchLine {
        WatchLine {
            room: room.into(),
            open: false,
            pinned: true,
            online: Some(3),
            per_minute: 12,
            unread,
        }
    }

    fn key(spec: &str) -> Key {
        Key::parse(spec).unwrap()
    }

    #[test]
    fn keys_move_open_and_unpin_the_selected_room() {
        let lines = vec![line("a", 0), line("b", 2)];
        let mut pane = WatchPane::default();
        assert_eq!(
            pane.key(&key("j"), Some(Action::Down), &lines),
            WatchKey::Handled
        );
        assert_eq!(pane.selection(), 1);
        assert_eq!(
            pane.key(&key("enter"), Some(Action::Open), &lines),
            WatchKey::Open("b".into())
        );
        assert_eq!(
            pane.key(&key("u"), None, &lines),
            WatchKey::Unpin("b".into())
        );
        // The last row unpinned: the selection stays on a row.
        assert_eq!(
            pane.key(&key("u"), None, &lines[..1]),
            WatchKey::Unpin("a".into())
        );
        assert_eq!(pane.key(&key("u"), None, &[]), WatchKey::Handled);
        assert_eq!(
            pane.key(&key("esc"), Some(Action::Back), &lines),
            WatchKey::Close
        );
        assert_eq!(pane.key(&key("z"), None, &lines), WatchKey::Ignored);
    }
}
