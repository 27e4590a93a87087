//! The end of a bulk run: what was done, each failure, and what can still be
//! done with the messages that did not go out. Every line is wrapped to the
//! dialog, never cut.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::theme::Theme;

use super::{centered, wrap_text};

/// Draws the summary titled `title` with `lines` (failures start with ✗);
/// `close` says how it closes ("enter/esc closes").
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: &[String],
    close: &str,
    theme: &Theme,
) {
    let width = area.width.min(72);
    let w = usize::from(width.saturating_sub(2)).max(1);
    let mut rows: Vec<Line> = Vec::new();
    for l in lines {
        let style = if l.starts_with('✗') {
            theme.error()
        } else {
            theme.text()
        };
        let text = crate::text::terminal_safe(l);
        rows.extend(
            wrap_text(&text, w)
                .into_iter()
                .map(|s| Line::styled(s, style)),
        );
    }
    rows.extend(
        wrap_text(close, w)
            .into_iter()
            .map(|s| Line::styled(s, theme.dim())),
    );
    let height = (rows.len() as u16 + 2).min(area.height);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(format!(" {title} "), theme.title()));
    frame.render_widget(Paragraph::new(rows).block(block), rect);
}
