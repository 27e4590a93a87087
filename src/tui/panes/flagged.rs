//! The Flagged pane: the review queue of messages that matched a rule, across
//! every watched room, newest first. `x` recalls (confirm), `M` mutes the
//! sender, `K` kicks the sender (confirm), enter jumps to the message in its
//! room, `d` dismisses. The pane owns its selection, its confirm step, its
//! notes on what was done to each entry and its hints; the app makes the calls.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Row, Table, Wrap};

use crate::moderation::{FlagEntry, FlagId, FlagQueue};
use crate::text::terminal_safe;
use crate::tui::action::Action;
use crate::tui::clock::Clock;
use crate::tui::keys::{Key, KeyCodeOrd};
use crate::tui::theme::Theme;

use super::ellipsize;

/// An action on a flagged message's room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagAct {
    Recall,
    Mute,
    Kick,
}

impl FlagAct {
    pub fn done(self) -> &'static str {
        match self {
            FlagAct::Recall => "recalled",
            FlagAct::Mute => "sender muted",
            FlagAct::Kick => "sender kicked",
        }
    }
}

/// What a key asks the app to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlaggedKey {
    /// Not a Flagged key.
    Ignored,
    Handled,
    Close,
    Act(FlagId, FlagAct),
    /// Open the message's room with the message selected.
    Jump(FlagId),
}

#[derive(Debug, Default)]
pub struct FlaggedPane {
    /// The selected entry (kept by ID: new entries arrive on top).
    selected: Option<FlagId>,
    /// Where the selection was, for when its entry leaves the queue.
    index: usize,
    confirm: Option<(FlagId, FlagAct)>,
    /// What was done to an entry (by the moderator or a rule's automatic
    /// action), shown next to it.
    notes: HashMap<FlagId, (bool, String)>,
    /// The outcome of the last key, shown under the list.
    pub outcome: Option<(bool, String)>,
}

impl FlaggedPane {
    /// The selected entry's ID, resolved against the queue.
    pub fn selected(&self, queue: &FlagQueue) -> Option<FlagId> {
        self.selected_index(queue)
            .and_then(|i| queue.iter().nth(i))
            .map(|e| e.id)
    }

    fn selected_index(&self, queue: &FlagQueue) -> Option<usize> {
        if queue.is_empty() {
            return None;
        }
        let by_id = self
            .selected
            .and_then(|id| queue.iter().position(|e| e.id == id));
        Some(by_id.unwrap_or(self.index.min(queue.len() - 1)))
    }

    fn select(&mut self, queue: &mut FlagQueue, index: usize) {
        let index = index.min(queue.len().saturating_sub(1));
        self.index = index;
        self.selected = queue.iter().nth(index).map(|e| e.id);
        if let Some(id) = self.selected {
            queue.mark_read(id);
        }
    }

    /// The pane was opened: the selection (if any) counts as seen.
    pub fn shown(&mut self, queue: &mut FlagQueue) {
        let i = self.selected_index(queue).unwrap_or(0);
        self.select(queue, i);
    }

    /// Records what happened to an entry.
    pub fn note(&mut self, id: FlagId, ok: bool, text: String) {
        self.notes.insert(id, (ok, text.clone()));
        self.outcome = Some((ok, text));
    }

    pub fn note_of(&self, id: FlagId) -> Option<&(bool, String)> {
        self.notes.get(&id)
    }

    pub fn is_confirming(&self) -> bool {
        self.confirm.is_some()
    }

    /// Handles a key. `read_only` refuses the actions here, before any call.
    pub fn key(
        &mut self,
        key: &Key,
        action: Option<Action>,
        queue: &mut FlagQueue,
        read_only: bool,
    ) -> FlaggedKey {
        let plain = !key.ctrl && !key.alt;
        if let Some((id, act)) = self.confirm.take() {
            if plain && key.code == KeyCodeOrd::Char('y') {
                self.outcome = None;
                return FlaggedKey::Act(id, act);
            }
            self.outcome = Some((false, "Cancelled; nothing was changed".into()));
            return FlaggedKey::Handled;
        }
        let current = self.selected_index(queue);
        let entry = current.and_then(|i| queue.iter().nth(i)).cloned();
        if plain && let KeyCodeOrd::Char(c @ ('x' | 'M' | 'K' | 'd')) = key.code {
            let Some(entry) = entry else {
                self.outcome = Some((false, "Nothing flagged".into()));
                return FlaggedKey::Handled;
            };
            if c != 'd' && read_only {
                self.outcome = Some((
                    false,
                    "read-only: this console changes nothing in the room".into(),
                ));
                return FlaggedKey::Handled;
            }
            return match c {
                'x' => self.ask(&entry, FlagAct::Recall),
                'K' => self.ask(&entry, FlagAct::Kick),
                'M' => FlaggedKey::Act(entry.id, FlagAct::Mute),
                _ => {
                    queue.dismiss(entry.id);
                    self.notes.remove(&entry.id);
                    self.outcome = Some((true, "Dismissed".into()));
                    let i = current.unwrap_or(0);
                    self.selected = None;
                    self.select(queue, i);
                    FlaggedKey::Handled
                }
            };
        }
        let i = current.unwrap_or(0);
        let last = queue.len().saturating_sub(1);
        match action {
            Some(Action::Back) => FlaggedKey::Close,
            Some(Action::Open | Action::OpenRoom) => {
                entry.map_or(FlaggedKey::Handled, |e| FlaggedKey::Jump(e.id))
            }
            Some(Action::Up) => self.moved(queue, i.saturating_sub(1)),
            Some(Action::Down) => self.moved(queue, (i + 1).min(last)),
            Some(Action::PageUp) => self.moved(queue, i.saturating_sub(10)),
            Some(Action::PageDown) => self.moved(queue, (i + 10).min(last)),
            Some(Action::Top | Action::GoTo) => self.moved(queue, 0),
            Some(Action::Bottom) => self.moved(queue, last),
            _ => FlaggedKey::Ignored,
        }
    }

    fn moved(&mut self, queue: &mut FlagQueue, index: usize) -> FlaggedKey {
        self.select(queue, index);
        FlaggedKey::Handled
    }

    fn ask(&mut self, entry: &FlagEntry, act: FlagAct) -> FlaggedKey {
        let who = terminal_safe(&entry.message.sender_id).into_owned();
        let question = match act {
            FlagAct::Recall => format!(
                "Recall {who}'s message {}? y recalls",
                terminal_safe(&entry.message.msg_tid)
            ),
            FlagAct::Kick => format!("Kick {who} from {}? y kicks", terminal_safe(entry.room())),
            FlagAct::Mute => format!("Mute {who}? y mutes"),
        };
        self.outcome = Some((true, question));
        self.confirm = Some((entry.id, act));
        FlaggedKey::Handled
    }

    pub fn hints(&self, read_only: bool) -> Vec<(String, &'static str)> {
        let h = |k: &str, what: &'static str| (k.to_string(), what);
        if self.confirm.is_some() {
            return vec![h("y", "confirm"), h("any key", "cancel")];
        }
        let mut out = Vec::new();
        if !read_only {
            out.extend([h("x", "recall"), h("M", "mute"), h("K", "kick")]);
        }
        out.extend([h("enter", "go to"), h("d", "dismiss"), h("esc", "back")]);
        out
    }
}

/// Draws the queue over `area`.
pub(crate) fn draw(
    frame: &mut Frame,
    area: Rect,
    pane: &FlaggedPane,
    queue: &FlagQueue,
    theme: &Theme,
    clock: &Clock,
) {
    frame.render_widget(Clear, area);
    let block = theme.focused_block(format!(
        " Flagged: {} · {} unread ",
        queue.len(),
        queue.total_unread()
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if queue.is_empty() {
        let text = vec![
            Line::styled("Nothing flagged.", theme.text()),
            Line::styled(
                "Messages in the open and pinned rooms that match a [[rules]] entry of config.toml land here.",
                theme.dim(),
            ),
        ];
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
        return;
    }
    let [table_area, detail] =
        Layout::vertical([Constraint::Min(2), Constraint::Length(3)]).areas(inner);
    let sel = pane.selected_index(queue).unwrap_or(0);
    let visible = usize::from(table_area.height.saturating_sub(1)).max(1);
    let first = sel.saturating_sub(visible - 1);
    let wide = table_area.width >= 100;
    let (room_w, rule_w, sender_w) = if wide { (16, 14, 12) } else { (10, 10, 9) };
    // The message takes the rest (five column gaps); cut with a mark.
    let message_w = usize::from(table_area.width)
        .saturating_sub(1 + 8 + room_w + rule_w + sender_w + 5)
        .max(8);
    let rows: Vec<Row> = queue
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, e)| {
            let note = pane.note_of(e.id).map(|(_, t)| format!("[{t}] "));
            let body = format!(
                "{}{}",
                note.unwrap_or_default(),
                terminal_safe(&e.message.body).replace('\n', " ")
            );
            let row = Row::new(vec![
                if e.read { " " } else { "●" }.to_string(),
                clock.time(e.message.sent_at_secs()),
                ellipsize(&terminal_safe(e.room()), room_w),
                ellipsize(&terminal_safe(&e.rule_name()), rule_w),
                ellipsize(&terminal_safe(&e.message.sender_id), sender_w),
                ellipsize(&body, message_w),
            ]);
            let style = if i == sel {
                theme.selected()
            } else if !e.read {
                theme.text().add_modifier(Modifier::BOLD)
            } else {
                theme.text()
            };
            row.style(style)
        })
        .collect();
    let widths = [
        Constraint::Length(1),
        Constraint::Length(8),
        Constraint::Length(room_w as u16),
        Constraint::Length(rule_w as u16),
        Constraint::Length(sender_w as u16),
        Constraint::Min(8),
    ];
    let header = Row::new(vec!["", "Time", "Room", "Rule", "Sender", "Message"])
        .style(theme.accent().add_modifier(Modifier::BOLD));
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        table_area,
    );
    let mut lines = Vec::new();
    if let Some(e) = queue.iter().nth(sel) {
        let why: Vec<String> = e
            .flags
            .iter()
            .map(|f| {
                let reasons: Vec<String> = f.reasons.iter().map(|r| r.to_string()).collect();
                format!("{}: {}", f.rule_name, reasons.join("; "))
            })
            .collect();
        lines.push(Line::styled(
            terminal_safe(&why.join(" · ")).into_owned(),
            theme.dim(),
        ));
    }
    if let Some((ok, text)) = &pane.outcome {
        let style = if *ok { theme.success() } else { theme.error() };
        lines.push(Line::styled(text.clone(), style));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), detail);
}
