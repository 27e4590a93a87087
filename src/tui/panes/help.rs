//! The `?` overlay, generated from the key map in force (so rebound keys show,
//! and in read-only mode the unbound mutating actions do not).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::action::{Action, Scope};
use crate::tui::keys::KeyMap;
use crate::tui::theme::Theme;

use super::ellipsize;

/// The help text, one line per bound action, grouped by scope.
pub(crate) fn lines(keymap: &KeyMap, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for scope in [
        Scope::Global,
        Scope::Browser,
        Scope::Detail,
        Scope::Compose,
        Scope::Outbox,
        Scope::Room,
    ] {
        let actions: Vec<Action> = Action::ALL
            .iter()
            .copied()
            .filter(|a| a.scope() == scope && keymap.is_bound(*a))
            .collect();
        let extra: &[(&str, &str)] = match scope {
            Scope::Global => &[("ctrl-c", "Quit at once (always)")],
            Scope::Detail => &[("↑↓ pgup/pgdn g/G", "Scroll (the browser keys)")],
            Scope::Compose => &[
                ("tab/shift-tab", "Next / previous field"),
                ("←→ space", "Change type, toggle NoStorage/NoCache"),
            ],
            Scope::Browser | Scope::Outbox => &[],
            Scope::Room => &[("1-4 tab", "Messages, Users, Mutes, Info")],
        };
        if actions.is_empty() && extra.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(Line::raw(""));
        }
        out.push(Line::styled(scope.title(), theme.title()));
        for a in actions {
            let keys = ellipsize(&keymap.label(a), 18);
            let text = format!("{} ({})", a.description(), a.name());
            push_wrapped(&mut out, &keys, &text, width, theme);
        }
        for (k, d) in extra {
            push_wrapped(&mut out, k, d, width, theme);
        }
    }
    out
}

/// One help entry: the keys, then the description wrapped at word
/// boundaries under itself (a help line is never cut off).
fn push_wrapped(out: &mut Vec<Line<'static>>, keys: &str, text: &str, width: usize, theme: &Theme) {
    let rows = super::wrap_text(text, width.saturating_sub(21).max(10));
    for (i, row) in rows.into_iter().enumerate() {
        let lead = if i == 0 {
            format!("  {keys:<18} ")
        } else {
            " ".repeat(21)
        };
        out.push(Line::from(vec![
            Span::styled(lead, theme.accent()),
            Span::raw(row),
        ]));
    }
}

pub(crate) fn draw(
    frame: &mut Frame,
    area: Rect,
    keymap: &KeyMap,
    theme: &Theme,
    read_only: bool,
    scroll: usize,
) -> usize {
    let rect = super::centered(area, 90, area.height.saturating_sub(2).max(3));
    frame.render_widget(Clear, rect);
    let mut title = vec![Span::styled(" Help — keys in force ", theme.title())];
    if read_only {
        title.push(Span::styled(
            " RO: create, delete and send are not bound ",
            theme.badge(),
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Line::from(title))
        .title_bottom(Span::styled(
            " ↑↓ scroll · esc/q/? close · keys: [keys] in config.toml ",
            theme.dim(),
        ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let all = lines(keymap, theme, usize::from(inner.width));
    let max = all.len().saturating_sub(usize::from(inner.height));
    let scroll = scroll.min(max);
    let shown: Vec<Line> = all
        .into_iter()
        .skip(scroll)
        .take(usize::from(inner.height))
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
    max
}
