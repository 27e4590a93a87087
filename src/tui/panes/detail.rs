//! Every field of the selected group; GroupInfo pretty-printed when it is JSON,
//! scrollable when long (GroupInfo may be 32 KB).

use std::cell::{Cell, RefCell};

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
    pub content_len: Cell<usize>,
    /// Height of the scrolled area last drawn.
    pub viewport: Cell<usize>,
    /// Where the pane was drawn in the last frame (for the mouse wheel);
    /// reset at the start of every frame.
    pub area: Cell<Rect>,
    /// GroupInfo laid out for (group id, info length, width): pretty-printing
    /// 32 KB of JSON on every frame would be wasted work.
    cache: RefCell<Option<InfoCache>>,
}

type InfoCache = (String, usize, u16, InfoKind, Vec<String>);

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
        let step = self.viewport.get().saturating_sub(1).max(1) as isize;
        self.scroll_by(if down { step } else { -step });
    }
    pub fn top(&mut self) {
        self.scroll = 0;
    }
    pub fn bottom(&mut self) {
        self.scroll = self.max_scroll();
    }
    fn max_scroll(&self) -> usize {
        self.content_len.get().saturating_sub(self.viewport.get())
    }
}

/// GroupInfo as lines: pretty JSON when it parses as an object or array, the
/// text as it is otherwise; long lines are wrapped at `width` columns.
pub fn info_lines(info: &str, width: u16) -> (InfoKind, Vec<String>) {
    if info.trim().is_empty() {
        return (InfoKind::Empty, Vec::new());
    }
    let (kind, text) = match serde_json::from_str::<serde_json::Value>(info) {
        Ok(serde_json::Value::Object(_) | serde_json::Value::Array(_)) => {
            (InfoKind::Json, reindent_json(info))
        }
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

/// Pretty-prints JSON that is known to be valid, keeping keys in the order
/// they were written (parsing into a map would sort them).
pub fn reindent_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = json.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // Keep empty containers on one line.
                while chars.peek().is_some_and(|n| n.is_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.push(chars.next().unwrap_or(' '));
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &DetailState,
    group: Option<&Group>,
    theme: &Theme,
    clock: &Clock,
    focused: bool,
) {
    state.area.set(area);
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
        state.content_len.set(0);
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
    let stale = !matches!(&*state.cache.borrow(), Some((id, len, w, _, _)) if *id == g.group_id && *len == g.group_info.len() && *w == width);
    if stale {
        let (kind, l) = info_lines(&g.group_info, width);
        *state.cache.borrow_mut() = Some((g.group_id.clone(), g.group_info.len(), width, kind, l));
    }
    let cache = state.cache.borrow();
    let (kind, info) = match &*cache {
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
    let viewport = usize::from(inner.height);
    state.content_len.set(total);
    state.viewport.set(viewport);
    let start = state.scroll.min(total.saturating_sub(viewport));
    let end = (start + viewport).min(total);
    let mut shown: Vec<Line> = Vec::with_capacity(end - start);
    for i in start..end {
        if i < lines.len() {
            shown.push(lines[i].clone());
        } else {
            shown.push(Line::from(format!("  {}", info[i - lines.len()])));
        }
    }
    frame.render_widget(Paragraph::new(shown), inner);
    if total > viewport && inner.width > 12 {
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
        // Keys stay in the order they were written; strings are untouched.
        let (_, l) = info_lines(r#"{"z":1,"a":{"s":"x, {y}: \"q\""},"e":[],"o":{}}"#, 80);
        assert_eq!(
            l,
            vec![
                "{",
                "  \"z\": 1,",
                "  \"a\": {",
                "    \"s\": \"x, {y}: \\\"q\\\"\"",
                "  },",
                "  \"e\": [],",
                "  \"o\": {}",
                "}"
            ]
        );
        // A bare JSON string or number is shown as the text it is.
        assert_eq!(info_lines("42", 10).0, InfoKind::Text);
    }
}
