//! Drawing the outbox pane: the table of entries, or one entry in full.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::outbox::{Entry, State};
use crate::tui::clock::Clock;
use crate::tui::theme::Theme;

use super::super::ellipsize;
use super::OutboxState;

/// Style of a state: what needs a person stands out (and in NO_COLOR too).
pub(crate) fn state_style(state: State, theme: &Theme) -> Style {
    match state {
        State::Delivered => theme.success(),
        State::Failed => theme.error(),
        State::OutcomeUnknown => theme.warning().add_modifier(Modifier::BOLD),
        State::Discarded | State::Expired => theme.dim(),
        State::Queued | State::Sending => theme.text(),
    }
}

/// The state as the moderator should see it: a queued entry past its expiry
/// is expired (it will never be sent), even before delivery marks it so.
fn shown_state(e: &Entry, now: i64) -> State {
    let past = chrono::DateTime::from_timestamp(now, 0).is_some_and(|t| e.is_expired_at(t));
    if e.state == State::Queued && past {
        State::Expired
    } else {
        e.state
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

pub(crate) fn draw(
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
    // The pane's keys, wrapped rather than cut (at most a third of the pane).
    let hint = if state.detail {
        format!("esc back to the list · ↑↓ other entries · {hint}")
    } else if state.snapshot.entries.is_empty() {
        hint.to_string()
    } else {
        format!("enter details · {hint}")
    };
    let hint_lines = super::super::wrap_text(&hint, usize::from(inner.width));
    let hint_h = (hint_lines.len() as u16).min((inner.height / 3).max(1));
    let (table_area, hint_area) = (
        Rect::new(inner.x, inner.y, inner.width, inner.height - hint_h),
        Rect::new(
            inner.x,
            inner.y + inner.height - hint_h,
            inner.width,
            hint_h,
        ),
    );
    frame.render_widget(
        Paragraph::new(
            hint_lines
                .into_iter()
                .map(|l| Line::styled(l, theme.dim()))
                .collect::<Vec<_>>(),
        ),
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
    if state.detail
        && let Some(e) = state.selected_entry()
    {
        draw_detail(frame, table_area, e, theme, clock);
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
            Constraint::Length(5),
            Constraint::Min(16),
            Constraint::Length(16),
            Constraint::Length(9),
            Constraint::Length(3),
            Constraint::Length(30),
            Constraint::Length(8),
        ]
    } else {
        vec![
            Constraint::Length(4),
            Constraint::Length(12),
            Constraint::Min(10),
            Constraint::Length(9),
            Constraint::Length(3),
            Constraint::Length(26),
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
            let why = match e.state {
                State::Delivered => format!(
                    "RequestId {}",
                    e.delivered_request_id.as_deref().unwrap_or("?")
                ),
                _ => super::why(e),
            };
            let shown = shown_state(e, clock.now());
            let next = if shown == State::Queued {
                clock.time(e.next_attempt_at.timestamp())
            } else {
                String::new()
            };
            let st = Cell::from(Span::styled(state_label(shown), state_style(shown, theme)));
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
                cells.push(Cell::from(ellipsize(e.msg_tid(), 16)));
            }
            cells.push(st);
            cells.push(Cell::from(format!("{:>3}", e.attempts)));
            cells.push(Cell::from(ellipsize(&why, if wide { 30 } else { 26 })));
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
    header.extend(["State", "Try", "Why (last error)", "Next"]);
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

/// One entry in full: why first, then what would be sent, wrapped.
fn draw_detail(frame: &mut Frame, area: Rect, e: &Entry, theme: &Theme, clock: &Clock) {
    let w = usize::from(area.width).max(1);
    let shown = shown_state(e, clock.now());
    let mut rows: Vec<Line> = vec![Line::from(vec![
        Span::styled(format!("#{} ", e.id), theme.title()),
        Span::styled(state_label(shown), state_style(shown, theme)),
        Span::styled(
            format!(
                " · to {} · {} {}",
                e.request.group_id,
                e.attempts,
                if e.attempts == 1 { "try" } else { "tries" }
            ),
            theme.text(),
        ),
    ])];
    const LABEL_W: usize = 9;
    let mut field = |label: &str, value: String| {
        let lines = super::super::wrap_text(&value, w.saturating_sub(LABEL_W).max(8));
        for (i, l) in lines.into_iter().enumerate() {
            // Continuation lines sit under the value, not under the label.
            let label = if i == 0 { label } else { "" };
            rows.push(Line::from(vec![
                Span::styled(format!("{label:<LABEL_W$}"), theme.dim()),
                Span::styled(l, theme.text()),
            ]));
        }
    };
    if let Some(err) = &e.last_error {
        field("Why", crate::text::terminal_safe(&err.reason).into_owned());
        let mut ids = err.code.clone();
        if let Some(r) = &err.request_id {
            ids.push_str(&format!(" · RequestId {r}"));
        }
        field("Error", ids);
        if !err.message.is_empty() {
            field(
                "Service",
                crate::text::terminal_safe(&err.message).into_owned(),
            );
        }
    }
    if let Some(r) = &e.delivered_request_id {
        field("Sent", format!("RequestId {r}"));
    }
    let tid = match &e.previous_msg_tid {
        Some(p) => format!("{} (was {p})", e.msg_tid()),
        None => e.msg_tid().to_string(),
    };
    field("MsgTid", tid);
    let mut when = format!("queued {}", clock.short(e.created_at.timestamp()));
    if shown == State::Queued {
        when.push_str(&format!(
            " · next try {}",
            clock.time(e.next_attempt_at.timestamp())
        ));
    }
    if let Some(x) = e.expires_at {
        let verb = if shown == State::Expired {
            "expired"
        } else {
            "expires"
        };
        when.push_str(&format!(" · {verb} {}", clock.time(x.timestamp())));
    }
    field("When", when);
    let kind = e
        .request
        .msg_type
        .map_or_else(|| "-".to_string(), |t| t.to_string());
    field(
        "Sender",
        format!("{} · MsgType {kind}", e.request.sender_id),
    );
    let body = e.request.body.as_deref().unwrap_or("");
    field("Body", crate::text::terminal_safe(body).into_owned());
    frame.render_widget(Paragraph::new(rows), area);
}
