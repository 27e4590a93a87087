//! Every field of the selected group; GroupInfo pretty-printed when it is JSON,
//! scrollable when long (GroupInfo may be 32 KB).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthChar;

use crate::api::Group;
use crate::tui::clock::Clock;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Default)]
pub struct DetailState {
    pub scroll: usize,
    /// Lines of content below the fixed fields, as last laid out.
    pub content_len: usize,
    /// Height of the scrolled area last drawn.
    pub viewport: usize,
    pub area: Rect,
    /// GroupInfo laid out for (group id, info length, width): pretty-printing
    /// 32 KB of JSON on every frame would be wasted work.
    cache: Option<(String, usize, u16, InfoKind, Vec<String>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoKind {
    Empty,
    Json,
    Text,
}

impl DetailState {
    pub fn scroll_by(&mut self, delta: isize) {
        self.scroll = self
            .scroll
            .saturating_add_signed(delta)
            .min(self.max_scroll());
    }
    pub fn page(&mut self, down: bool) {
        let step = self.viewport.saturating_sub(1).max(1) as isize;
        self.scroll_by(if down { step } else { -step });
    }
    pub fn top(&mut self) {
        self.scroll = 0;
    }
    pub fn bottom(&mut self) {
        self.scroll = self.max_scroll();
    }
    fn max_scroll(&self) -> usize {
        self.content_len.saturating_sub(self.viewport)
    }
}

/// GroupInfo as lines: pretty JSON when it parses as an object or array, the
/// text as it is otherwise; long lines are wrapped at `width` columns.
pub fn info_lines(info: &str, width: u16) -> (InfoKind, Vec<String>) {
    if info.trim().is_empty() {
        return (InfoKind::Empty, Vec::new());
    }
    let (kind, text) = match serde_json::from_str::<serde_json::Value>(info) {
        Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => (
            InfoKind::Json,
            serde_json::to_string_pretty(&v).unwrap_or_else(|_| info.to_string()),
        ),
        _ => (InfoKind::Text, info.to_string()),
    };
    let width = usize::from(width.max(1));
    let mut lines = Vec::new();
    for raw in text.lines() {
        let mut line = String::new();
        let mut used = 0;
        for c in raw.chars() {
            let c = if c == '\t' { ' ' } else { c };
            if c.is_control() {
                continue;
            }
            let w = c.width().unwrap_or(0);
            if used + w > width {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            used += w;
            line.push(c);
        }
        lines.push(line);
    }
    (kind, lines)
}

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &mut DetailState,
    group: Option<&Group>,
    theme: &Theme,
    clock: &Clock,
    focused: bool,
) {
    state.area = area;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(Span::styled(" Detail ", theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let Some(g) = group else {
        state.content_len = 0;
        frame.render_widget(
            Paragraph::new(Span::styled("No group selected.", theme.dim())),
            inner,
        );
        return;
    };

    let label = |s: &'static str| Span::styled(format!("{s:<11}"), theme.accent());
    let value_style = if g.delete {
        theme.deleted()
    } else {
        Style::new()
    };
    let mut lines: Vec<Line> = vec![
        Line::from(vec![
            label("GroupId"),
            Span::styled(g.group_id.clone(), value_style),
        ]),
        Line::from(vec![
            label("GroupName"),
            Span::raw(super::ellipsize(&g.group_name, 256)),
        ]),
        Line::from(vec![label("CreatorId"), Span::raw(g.creator_id.clone())]),
    ];
    if g.admin_list.is_empty() {
        lines.push(Line::from(vec![
            label("Admins"),
            Span::styled("(none)", theme.dim()),
        ]));
    } else {
        for (i, a) in g.admin_list.iter().enumerate() {
            let l = if i == 0 {
                label("Admins")
            } else {
                Span::raw(" ".repeat(11))
            };
            lines.push(Line::from(vec![l, Span::raw(a.clone())]));
        }
    }
    lines.push(Line::from(vec![
        label("Created"),
        Span::raw(clock.long(g.createtime)),
        Span::styled(format!("  ({})", clock.relative(g.createtime)), theme.dim()),
    ]));
    lines.push(Line::from(vec![
        label("Status"),
        if g.delete {
            Span::styled("deleted", theme.error())
        } else {
            Span::styled("existing", theme.success())
        },
    ]));

    let width = inner.width.saturating_sub(2).max(1);
    let stale = !matches!(&state.cache, Some((id, len, w, _, _)) if *id == g.group_id && *len == g.group_info.len() && *w == width);
    if stale {
        let (kind, l) = info_lines(&g.group_info, width);
        state.cache = Some((g.group_id.clone(), g.group_info.len(), width, kind, l));
    }
    let (kind, info) = match &state.cache {
        Some((_, _, _, kind, l)) => (*kind, l.as_slice()),
        None => (InfoKind::Empty, &[][..]),
    };
    let what = match kind {
        InfoKind::Empty => "(empty)".to_string(),
        InfoKind::Json => format!("JSON, {} bytes", g.group_info.len()),
        InfoKind::Text => format!("text, {} bytes", g.group_info.len()),
    };
    lines.push(Line::from(vec![
        label("GroupInfo"),
        Span::styled(what, theme.dim()),
    ]));

    // Fixed fields, then the scrolled GroupInfo; the scroll moves everything so
    // that a short terminal can still reach every field.
    let total = lines.len() + info.len();
    state.content_len = total;
    state.viewport = usize::from(inner.height);
    state.scroll = state.scroll.min(total.saturating_sub(state.viewport));
    let start = state.scroll;
    let end = (start + state.viewport).min(total);
    let mut shown: Vec<Line> = Vec::with_capacity(end - start);
    for i in start..end {
        if i < lines.len() {
            shown.push(lines[i].clone());
        } else {
            shown.push(Line::from(format!("  {}", info[i - lines.len()])));
        }
    }
    frame.render_widget(Paragraph::new(shown), inner);
    if total > state.viewport && inner.width > 12 {
        let pos = format!(" {}-{}/{} ", start + 1, end, total);
        let w = pos.len() as u16;
        frame.render_widget(
            Paragraph::new(Span::styled(pos, theme.dim())),
            Rect::new(
                area.x + area.width.saturating_sub(w + 1),
                area.y + area.height - 1,
                w,
                1,
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_info_is_pretty_printed_and_text_is_wrapped() {
        let (k, l) = info_lines(r#"{"a":1,"b":[1,2]}"#, 40);
        assert_eq!(k, InfoKind::Json);
        assert_eq!(l[0], "{");
        assert!(l.len() > 3);
        let (k, l) = info_lines(&"x".repeat(25), 10);
        assert_eq!(k, InfoKind::Text);
        assert_eq!(l, vec!["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
        assert_eq!(info_lines("  ", 10).0, InfoKind::Empty);
        // A bare JSON string or number is shown as the text it is.
        assert_eq!(info_lines("42", 10).0, InfoKind::Text);
    }
}
