//! The panes of the console, each with its state, its keys and its drawing.

pub(crate) mod apps;
pub(crate) mod browser;
pub(crate) mod bulk_summary;
pub(crate) mod command;
pub mod compose;
pub(crate) mod confirm;
pub(crate) mod create;
pub(crate) mod detail;
pub(crate) mod flagged;
pub(crate) mod header;
pub(crate) mod help;
pub(crate) mod outbox;
pub mod room;
pub(crate) mod sentlog;
pub(crate) mod status;
pub(crate) mod textarea;
pub(crate) mod watch;

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use unicode_width::UnicodeWidthChar;

/// What the panes laid out in one frame: where the mouse can hit them, the
/// browser's first row and the detail pane's scroll range. Made afresh by
/// every frame (a pane not drawn has none) and kept by the app as the last
/// frame's, in one place; drawing never writes into a pane's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameAreas {
    pub browser: browser::BrowserLayout,
    pub detail: detail::DetailLayout,
    /// How far the help overlay can scroll at the size it was drawn (its
    /// lines wrap, so this depends on the width).
    pub help_scroll_max: Option<usize>,
}

/// The "> answer" row of a dialog that asks the user to type a confirmation;
/// the answer turns green once it matches.
pub fn draw_typed_answer(
    frame: &mut Frame,
    inner: Rect,
    y: u16,
    input: &Input,
    confirmed: bool,
    theme: &crate::tui::theme::Theme,
) {
    if y >= inner.y + inner.height || inner.width < 2 {
        return;
    }
    let style = if confirmed {
        theme.success()
    } else {
        theme.text()
    };
    frame.render_widget(
        Paragraph::new(Span::styled("> ", theme.accent())),
        Rect::new(inner.x, y, 2, 1),
    );
    draw_input(
        frame,
        Rect::new(inner.x + 2, y, inner.width - 2, 1),
        input,
        style,
        true,
    );
}

/// Draws a single-line input into `area`, scrolled so the cursor shows, and
/// places the terminal cursor there when `focused`.
pub fn draw_input(frame: &mut Frame, area: Rect, input: &Input, style: Style, focused: bool) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let width = usize::from(area.width.saturating_sub(1)).max(1);
    let scroll = input.visual_scroll(width);
    let mut skipped = 0;
    let mut shown = String::new();
    let mut used = 0;
    for c in input.value().chars() {
        let w = c.width().unwrap_or(0);
        if skipped < scroll {
            skipped += w;
            continue;
        }
        if used + w > usize::from(area.width) {
            break;
        }
        used += w;
        // Never draw control characters (a pasted tab or escape) raw.
        shown.push(if c.is_control() { '·' } else { c });
    }
    frame.render_widget(Paragraph::new(Line::from(Span::styled(shown, style))), area);
    if focused {
        let x = input.visual_cursor().saturating_sub(scroll);
        let x = area.x + (x as u16).min(area.width.saturating_sub(1));
        frame.set_cursor_position(Position::new(x, area.y));
    }
}

/// A byte counter such as "12/64 B".
pub fn byte_counter(len: usize, limit: usize) -> String {
    format!("{len}/{limit} B")
}

/// Truncates `s` to at most `max` display columns, with an ellipsis when cut.
pub fn ellipsize(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= max {
        return s
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
    }
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(if c.is_control() { ' ' } else { c });
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// Splits `s` into lines of at most `width` display columns, breaking at
/// spaces (a word longer than a line is broken where it must be). Control
/// characters become spaces; explicit newlines are kept.
pub fn wrap_text(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for paragraph in s.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let word: String = word
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let ww: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
            if used > 0 && used + 1 + ww <= width {
                line.push(' ');
                line.push_str(&word);
                used += 1 + ww;
                continue;
            }
            if used > 0 {
                out.push(std::mem::take(&mut line));
                used = 0;
            }
            // Break a word that cannot fit on a line of its own.
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > width && used > 0 {
                    out.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push(c);
                used += cw;
            }
        }
        out.push(line);
    }
    out
}

/// A centred rectangle of at most `w`×`h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::wrap_text;

    #[test]
    fn wrap_breaks_at_spaces_and_loses_no_word() {
        let text =
            "Members are notified; messages are kept for 30 days. The ID can never be used again.";
        let lines = wrap_text(text, 30);
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
        assert_eq!(lines.join(" "), text, "nothing cut off");
        assert_eq!(lines[0], "Members are notified; messages");
        assert_eq!(wrap_text("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap_text("a\nb", 10), vec!["a", "b"]);
    }
}
