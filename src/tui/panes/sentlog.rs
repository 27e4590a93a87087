//! The session's sent log: every message this console sent, newest first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table};

use crate::tui::clock::Clock;
use crate::tui::theme::Theme;

use super::compose::SentEntry;
use super::ellipsize;

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    sent: &[SentEntry],
    scroll: usize,
    theme: &Theme,
    clock: &Clock,
) {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(
            format!(" Sent this session: {} · esc closes ", sent.len()),
            theme.title(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if sent.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("Nothing sent yet this session.", theme.dim())),
            inner,
        );
        return;
    }
    let rows_height = usize::from(inner.height.saturating_sub(1));
    let scroll = scroll.min(sent.len().saturating_sub(rows_height.max(1)));
    let rows: Vec<Row> = sent
        .iter()
        .rev()
        .skip(scroll)
        .take(rows_height)
        .map(|e| {
            Row::new(vec![
                clock.time(e.at),
                ellipsize(&e.group_id, 16),
                e.msg_type.map(|t| t.to_string()).unwrap_or_default(),
                ellipsize(&e.msg_tid, 24),
                ellipsize(&e.request_id, 38),
                e.preview.clone(),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(8),
        Constraint::Length(16),
        Constraint::Length(4),
        Constraint::Length(24),
        Constraint::Length(38),
        Constraint::Min(8),
    ];
    let header = Row::new(vec!["Time", "Group", "Type", "MsgTid", "RequestId", "Body"])
        .style(theme.accent().add_modifier(Modifier::BOLD));
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        inner,
    );
}
