//! The panes of the console, each with its state, its keys and its drawing.

pub mod browser;
pub mod command;
pub mod compose;
pub mod confirm;
pub mod create;
pub mod delete;
pub mod detail;
pub mod header;
pub mod help;
pub mod outbox;
pub mod sentlog;
pub mod status;
pub mod textarea;

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use unicode_width::UnicodeWidthChar;

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

/// " Cancel " and the dangerous button: Cancel is highlighted unless the user
/// moved to the other one, which stays dim until the typed answer matches.
pub fn confirm_buttons<'a>(
    label: &str,
    on_confirm: bool,
    confirmed: bool,
    theme: &crate::tui::theme::Theme,
) -> Line<'a> {
    let cancel = if on_confirm {
        theme.text()
    } else {
        theme.selected()
    };
    let confirm = match (on_confirm, confirmed) {
        (true, _) => theme
            .error()
            .add_modifier(ratatui::style::Modifier::REVERSED),
        (false, true) => theme.error(),
        (false, false) => theme.dim(),
    };
    Line::from(vec![
        Span::styled(" Cancel ", cancel),
        Span::raw("   "),
        Span::styled(format!(" {label} "), confirm),
        Span::styled("   tab switches · enter chooses · esc cancels", theme.dim()),
    ])
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
