//! Every field of the selected group; GroupInfo pretty-printed when it is JSON,
//! scrollable when long (GroupInfo may be 32 KB).

use std::cell::RefCell;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthChar;

use crate::api::Group;
use crate::tui::action::Action;
use crate::tui::clock::Clock;
use crate::tui::keys::KeyMap;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Default)]
pub(crate) struct DetailState {
    pub scroll: usize,
    /// GroupInfo laid out for (group id, info length, width): pretty-printing
    /// 32 KB of JSON on every frame would be wasted work.
    cache: RefCell<Option<InfoCache>>,
}

/// What drawing the detail pane laid out this frame: where it is (for the
/// mouse wheel), how many lines it has and how many fit (for scrolling).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetailLayout {
    pub area: Rect,
    pub content: usize,
    pub viewport: usize,
}

impl DetailLayout {
    pub fn contains(&self, x: u16, y: u16) -> bool {
        let a = self.area;
        a.width > 0 && x >= a.x && x < a.x + a.width && y >= a.y && y < a.y + a.height
    }
}

/// What the app must do after the detail pane took a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DetailOutcome {
    /// Not a detail key: the browser's keys act on the group shown.
    Ignored,
    Done,
    /// Back to the browser.
    Back,
    /// Open the live room of the group shown.
    OpenRoom,
}

type InfoCache = (String, usize, u16, InfoKind, Vec<String>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InfoKind {
    Empty,
    Json,
    Text,
}

impl DetailState {
    /// Scrolls by `delta` lines within what the last frame laid out.
    pub(crate) fn scroll_by(&mut self, delta: isize, layout: &DetailLayout) {
        let max = layout.content.saturating_sub(layout.viewport);
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
    }
    pub(crate) fn top(&mut self) {
        self.scroll = 0;
    }

    /// One action while the detail pane has the focus.
    pub(crate) fn on_action(&mut self, action: Action, layout: &DetailLayout) -> DetailOutcome {
        let screen = layout.viewport.saturating_sub(1).max(1) as isize;
        match action {
            Action::Up => self.scroll_by(-1, layout),
            Action::Down => self.scroll_by(1, layout),
            Action::Top | Action::GoTo => self.top(),
            Action::Bottom => self.scroll = layout.content.saturating_sub(layout.viewport),
            Action::PageUp => self.scroll_by(-screen, layout),
            Action::PageDown => self.scroll_by(screen, layout),
            Action::Open => return DetailOutcome::OpenRoom,
            Action::Back => return DetailOutcome::Back,
            _ => return DetailOutcome::Ignored,
        }
        DetailOutcome::Done
    }

    /// The detail pane's key hints.
    pub(crate) fn hints(
        &self,
        keymap: &KeyMap,
        group: Option<&Group>,
    ) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        let mut add = |a: Action, what: &'static str| {
            if let Some(key) = keymap.first(a) {
                out.push((key, what));
            }
        };
        add(Action::Down, "scroll");
        add(Action::Back, "back");
        add(Action::Open, "open room");
        add(Action::CopyId, "copy id");
        if group.is_some_and(|g| g.delete) {
            add(Action::Recover, "recover");
        } else {
            add(Action::Compose, "compose");
            add(Action::Delete, "delete");
        }
        if group.is_some() {
            add(Action::Pin, "pin");
        }
        add(Action::Zoom, "zoom");
        out
    }
}

/// GroupInfo as lines: pretty JSON when it parses as an object or array, the
/// text as it is otherwise; long lines are wrapped at `width` columns.
pub(crate) fn info_lines(info: &str, width: u16) -> (InfoKind, Vec<String>) {
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
        wrap_indented(raw, width, &mut lines);
    }
    (kind, lines)
}

/// Wraps one line at word boundaries into lines of at most `width` columns;
/// continuation lines keep the line's indentation (JSON stays readable), and
/// only a word longer than a line is broken inside.
fn wrap_indented(raw: &str, width: usize, out: &mut Vec<String>) {
    let clean: String = raw
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect();
    let body = clean.trim_start_matches(' ');
    let indent = (clean.len() - body.len()).min(width / 2);
    let pad = " ".repeat(indent);
    let mut line = pad.clone();
    let mut used = indent;
    let mut fresh = true;
    for word in body.split(' ') {
        let ww: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
        if !fresh && used + 1 + ww <= width {
            line.push(' ');
            line.push_str(word);
            used += 1 + ww;
            continue;
        }
        if !fresh {
            out.push(std::mem::replace(&mut line, pad.clone()));
            used = indent;
        }
        fresh = false;
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > width && used > indent {
                out.push(std::mem::replace(&mut line, pad.clone()));
                used = indent;
            }
            line.push(c);
            used += cw;
        }
    }
    out.push(line);
}

/// Pretty-prints JSON that is known to be valid, keeping keys in the order
/// they were written (parsing into a map would sort them).
pub(crate) fn reindent_json(json: &str) -> String {
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

fn safe(text: &str) -> String {
    crate::text::terminal_safe(text).into_owned()
}

pub(crate) fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &DetailState,
    group: Option<&Group>,
    theme: &Theme,
    clock: &Clock,
    focused: bool,
) -> DetailLayout {
    let mut layout = DetailLayout {
        area,
        ..Default::default()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(Span::styled(" Detail ", theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return layout;
    }
    let Some(g) = group else {
        frame.render_widget(
            Paragraph::new(Span::styled("No group selected.", theme.dim())),
            inner,
        );
        return layout;
    };

    let label = |s: &'static str| Span::styled(format!("{s:<11}"), theme.accent());
    let value_style = if g.delete {
        theme.deleted()
    } else {
        Style::new()
    };
    let mut lines: Vec<Line> = vec![Line::from(vec![
        label("GroupId"),
        Span::styled(safe(&g.group_id), value_style),
    ])];
    // The name is what a moderator reads: wrapped, never cut off.
    let name_w = usize::from(inner.width.saturating_sub(11)).max(8);
    for (i, row) in super::wrap_text(&safe(&g.group_name), name_w)
        .into_iter()
        .enumerate()
    {
        let lead = if i == 0 {
            label("GroupName")
        } else {
            Span::raw(" ".repeat(11))
        };
        lines.push(Line::from(vec![lead, Span::raw(row)]));
    }
    lines.push(Line::from(vec![
        label("CreatorId"),
        Span::raw(safe(&g.creator_id)),
    ]));
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
            lines.push(Line::from(vec![l, Span::raw(safe(a))]));
        }
    }
    // The relative date goes on its own line when it would be cut off.
    let long = clock.long(g.createtime);
    let relative = format!("({})", clock.relative(g.createtime));
    if 11 + long.len() + 2 + relative.len() <= usize::from(inner.width) {
        lines.push(Line::from(vec![
            label("Created"),
            Span::raw(long),
            Span::styled(format!("  {relative}"), theme.dim()),
        ]));
    } else {
        lines.push(Line::from(vec![label("Created"), Span::raw(long)]));
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(11)),
            Span::styled(relative, theme.dim()),
        ]));
    }
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
    layout.content = total;
    layout.viewport = viewport;
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
    layout
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

    #[test]
    fn long_json_values_wrap_at_spaces_under_their_indentation() {
        let (_, l) = info_lines(r#"{"topic":"a launch party with a long name"}"#, 20);
        assert_eq!(
            l,
            vec![
                "{",
                "  \"topic\": \"a launch",
                "  party with a long",
                "  name\"",
                "}"
            ]
        );
        assert!(l.iter().all(|line| line.chars().count() <= 20));
        // A word longer than the line is still broken where it must be.
        let (_, l) = info_lines(&format!("{{\"k\":\"{}\"}}", "x".repeat(30)), 20);
        assert!(l.iter().all(|line| line.chars().count() <= 20), "{l:?}");
    }
}
