//! The outbox pane: every message kept for delivery, its state, attempts, the
//! last error (Code, RequestId) and when it is tried next. The entries come
//! from the worker (the UI never reads SQLite itself).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::outbox::service::Snapshot;
use crate::outbox::{Entry, State};
use crate::tui::clock::Clock;
use crate::tui::theme::Theme;

use super::confirm::{ConfirmDialog, OnConfirm};
use super::ellipsize;
use crate::tui::action::Action;
use crate::tui::keys::KeyMap;

#[derive(Debug, Clone, Default)]
pub struct OutboxState {
    pub snapshot: Snapshot,
    /// False until the worker first answered (or when there is no outbox).
    pub loaded: bool,
    pub selected: usize,
    /// First row drawn (scroll position; kept by drawing).
    pub offset: std::cell::Cell<usize>,
}

/// What a key in the outbox pane asks of the console (the pane owns its
/// selection; everything that reaches beyond it is an intent for the app).
#[derive(Debug, Clone)]
pub enum OutboxIntent {
    /// Handled inside the pane (the selection moved).
    Handled,
    /// Not an outbox key: the app handles it as it would anywhere.
    NotHandled,
    /// Leave the pane.
    Back,
    Refresh,
    /// Send this queued or failed entry now.
    Retry(i64),
    /// Ask before doing it (the dialog is ready).
    Confirm(Box<ConfirmDialog>),
    /// Edit the entry in compose; sending requeues it.
    Edit(Box<Entry>),
    /// Nothing to do, and why.
    Refuse(String),
}

impl OutboxState {
    /// One key, as the key map names it.
    pub fn on_action(&mut self, action: Action, keymap: &KeyMap) -> OutboxIntent {
        let entry = self.selected_entry().cloned();
        let none = || OutboxIntent::Refuse("No entry selected".into());
        match action {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-10),
            Action::PageDown => self.move_by(10),
            Action::Top => self.top(),
            Action::Bottom => self.bottom(),
            Action::Open => {}
            Action::Back => return OutboxIntent::Back,
            Action::Refresh => return OutboxIntent::Refresh,
            Action::RetryNow => {
                return match entry {
                    None => none(),
                    Some(e) if e.state == State::OutcomeUnknown => {
                        let k = keymap
                            .first(Action::ResendAnyway)
                            .map(|k| format!("; {k} resends it anyway"))
                            .unwrap_or_default();
                        OutboxIntent::Refuse(format!(
                            "#{} may already have been delivered{k}",
                            e.id
                        ))
                    }
                    Some(e) if matches!(e.state, State::Queued | State::Failed) => {
                        OutboxIntent::Retry(e.id)
                    }
                    Some(e) => {
                        OutboxIntent::Refuse(format!("#{} is {}: nothing to retry", e.id, e.state))
                    }
                };
            }
            Action::ResendAnyway => {
                return match entry {
                    Some(e) if e.state == State::OutcomeUnknown => {
                        OutboxIntent::Confirm(Box::new(resend_dialog(&e)))
                    }
                    Some(e) => OutboxIntent::Refuse(format!(
                        "#{} is {}, not outcome unknown",
                        e.id, e.state
                    )),
                    None => none(),
                };
            }
            Action::Discard => {
                return match entry {
                    Some(e)
                        if matches!(
                            e.state,
                            State::Queued | State::Failed | State::OutcomeUnknown
                        ) =>
                    {
                        OutboxIntent::Confirm(Box::new(discard_dialog(&e)))
                    }
                    Some(e) => OutboxIntent::Refuse(format!(
                        "#{} is {}: it cannot be discarded",
                        e.id, e.state
                    )),
                    None => none(),
                };
            }
            Action::EditEntry => {
                return match entry {
                    Some(e) if !matches!(e.state, State::Sending | State::Delivered) => {
                        OutboxIntent::Edit(Box::new(e))
                    }
                    Some(e) => OutboxIntent::Refuse(format!(
                        "#{} is {}: it cannot be edited",
                        e.id, e.state
                    )),
                    None => none(),
                };
            }
            _ => return OutboxIntent::NotHandled,
        }
        OutboxIntent::Handled
    }

    pub fn apply(&mut self, snapshot: Snapshot) {
        let keep = self.selected_entry().map(|e| e.id);
        self.snapshot = snapshot;
        self.loaded = true;
        if let Some(pos) = keep.and_then(|id| self.snapshot.entries.iter().position(|e| e.id == id))
        {
            self.selected = pos;
        }
        self.selected = self
            .selected
            .min(self.snapshot.entries.len().saturating_sub(1));
    }

    pub fn selected_entry(&self) -> Option<&Entry> {
        self.snapshot.entries.get(self.selected)
    }

    pub fn move_by(&mut self, delta: isize) {
        let n = self.snapshot.entries.len();
        if n == 0 {
            return;
        }
        self.selected = self.selected.saturating_add_signed(delta).min(n - 1);
    }

    pub fn top(&mut self) {
        self.selected = 0;
    }

    pub fn bottom(&mut self) {
        self.selected = self.snapshot.entries.len().saturating_sub(1);
    }

    /// "3 queued · 1 unknown · 2 failed" (only what needs attention), or None.
    pub fn summary(&self) -> Option<String> {
        let s = &self.snapshot;
        let parts: Vec<String> = [
            (State::Queued, "queued"),
            (State::Sending, "sending"),
            (State::OutcomeUnknown, "unknown"),
            (State::Failed, "failed"),
        ]
        .iter()
        .filter_map(|(state, word)| {
            let n = s.count(*state);
            (n > 0).then(|| format!("{n} {word}"))
        })
        .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

/// Style of a state: what needs a person stands out (and in NO_COLOR too).
pub fn state_style(state: State, theme: &Theme) -> Style {
    match state {
        State::Delivered => theme.success(),
        State::Failed => theme.error(),
        State::OutcomeUnknown => theme.warning().add_modifier(Modifier::BOLD),
        State::Discarded | State::Expired => theme.dim(),
        State::Queued | State::Sending => theme.text(),
    }
}

fn state_label(state: State) -> &'static str {
    match state {
        State::Queued => "queued",
        State::Sending => "sending",
        State::Delivered => "delivered",
        State::Failed => "failed",
        State::OutcomeUnknown => "UNKNOWN",
        State::Discarded => "discarded",
        State::Expired => "expired",
    }
}

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &OutboxState,
    theme: &Theme,
    clock: &Clock,
    focused: bool,
    hint: &str,
) {
    if area.width < 3 || area.height < 3 {
        return;
    }
    let mut title = vec![Span::styled(" Outbox ", theme.title())];
    title.push(Span::styled(
        format!(
            "{} ",
            state
                .summary()
                .unwrap_or_else(|| "nothing waiting".to_string())
        ),
        theme.dim(),
    ));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 2 {
        return;
    }
    let (table_area, hint_area) = (
        Rect::new(inner.x, inner.y, inner.width, inner.height - 1),
        Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1),
    );
    frame.render_widget(
        Paragraph::new(Span::styled(
            ellipsize(hint, usize::from(inner.width)),
            theme.dim(),
        )),
        hint_area,
    );
    if !state.loaded {
        frame.render_widget(
            Paragraph::new(Span::styled("Reading the outbox…", theme.dim())),
            table_area,
        );
        return;
    }
    if state.snapshot.entries.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                "The outbox is empty: every message was delivered.",
                theme.dim(),
            )),
            table_area,
        );
        return;
    }
    let rows_height = usize::from(table_area.height.saturating_sub(1));
    if rows_height == 0 {
        return;
    }
    let n = state.snapshot.entries.len();
    let selected = state.selected.min(n - 1);
    let mut offset = state.offset.get();
    if selected < offset {
        offset = selected;
    } else if selected >= offset + rows_height {
        offset = selected + 1 - rows_height;
    }
    let offset = offset.min(n.saturating_sub(rows_height));
    state.offset.set(offset);
    let wide = table_area.width >= 110;
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(4),
            Constraint::Length(14),
            Constraint::Length(4),
            Constraint::Min(12),
            Constraint::Length(20),
            Constraint::Length(9),
            Constraint::Length(3),
            Constraint::Length(28),
            Constraint::Length(8),
        ]
    } else {
        vec![
            Constraint::Length(4),
            Constraint::Length(12),
            Constraint::Min(10),
            Constraint::Length(9),
            Constraint::Length(3),
            Constraint::Length(22),
            Constraint::Length(8),
        ]
    };
    let end = (offset + rows_height).min(n);
    let rows: Vec<Row> = state.snapshot.entries[offset..end]
        .iter()
        .map(|e| {
            let body: String = e
                .request
                .body
                .as_deref()
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let why = match (&e.last_error, e.state) {
                (_, State::Delivered) => format!(
                    "RequestId {}",
                    e.delivered_request_id.as_deref().unwrap_or("?")
                ),
                (Some(err), _) => match &err.request_id {
                    Some(r) => format!("{} {r}", err.code),
                    None => err.code.clone(),
                },
                (None, _) => String::new(),
            };
            let next = if e.state == State::Queued {
                clock.time(e.next_attempt_at.timestamp())
            } else {
                String::new()
            };
            let st = Cell::from(Span::styled(
                state_label(e.state),
                state_style(e.state, theme),
            ));
            let mut cells = vec![
                Cell::from(format!("{:>3}", e.id)),
                Cell::from(ellipsize(&e.request.group_id, if wide { 14 } else { 12 })),
            ];
            if wide {
                cells.push(Cell::from(
                    e.request
                        .msg_type
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                ));
            }
            cells.push(Cell::from(ellipsize(&body, 60)));
            if wide {
                cells.push(Cell::from(ellipsize(e.msg_tid(), 20)));
            }
            cells.push(st);
            cells.push(Cell::from(format!("{:>3}", e.attempts)));
            cells.push(Cell::from(ellipsize(&why, if wide { 28 } else { 22 })));
            cells.push(Cell::from(next));
            Row::new(cells).style(theme.text())
        })
        .collect();
    let mut header = vec!["#", "Group"];
    if wide {
        header.push("Type");
    }
    header.push("Body");
    if wide {
        header.push("MsgTid");
    }
    header.extend(["State", "Try", "Last error", "Next"]);
    let header = Row::new(header).style(theme.accent().add_modifier(Modifier::BOLD));
    let selected_style = if focused {
        theme.selected()
    } else {
        theme.selected().remove_modifier(Modifier::BOLD)
    };
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(selected_style);
    let mut ts = TableState::default().with_selected(Some(selected - offset));
    frame.render_stateful_widget(table, table_area, &mut ts);
}

/// "Resend anyway?" for an entry whose outcome is unknown.
fn resend_dialog(e: &Entry) -> ConfirmDialog {
    let mut lines = vec![
        format!(
            "#{} to {} may already have been delivered.",
            e.id, e.request.group_id
        ),
        format!("It is resent with the same MsgTid {}.", e.msg_tid()),
    ];
    if let Some(err) = &e.last_error {
        lines.push(format!(
            "Last error: {}{}",
            err.code,
            err.request_id
                .as_deref()
                .map(|r| format!(" · RequestId {r}"))
                .unwrap_or_default()
        ));
    }
    ConfirmDialog::new(
        "Resend anyway",
        lines,
        "Resend",
        OnConfirm::ResendAnyway(e.id),
    )
}

/// "Discard?" for an entry that has not been delivered.
fn discard_dialog(e: &Entry) -> ConfirmDialog {
    let lines = vec![
        format!(
            "Discard #{} to {} (MsgTid {})?",
            e.id,
            e.request.group_id,
            e.msg_tid()
        ),
        "It will not be sent; it stays listed as discarded.".into(),
    ];
    ConfirmDialog::new(
        "Discard message",
        lines,
        "Discard",
        OnConfirm::Discard(e.id),
    )
}
