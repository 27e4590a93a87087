//! The header line: backend, app, data center, profile, the RO badge, the
//! unread flagged badge, the outbox and a spinner while anything is in flight.
//! When the line is too narrow, lower-priority parts are shortened or dropped
//! whole: a word is never cut.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::tui::theme::Theme;

pub(crate) const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub(crate) struct HeaderInfo<'a> {
    pub backend: &'a str,
    pub app_id: &'a str,
    pub data_center: &'a str,
    pub profile: Option<&'a str>,
    pub read_only: bool,
    /// What is in flight, if anything: (spinner frame, description).
    pub busy: Option<(usize, String)>,
    /// "outbox 3 queued · 1 unknown" when anything waits in the outbox.
    pub outbox: Option<String>,
    /// Flagged messages of watched rooms not looked at yet.
    pub flagged: usize,
}

/// One part of the header: its forms from the fullest to the shortest (an
/// empty form drops it), and how late it gives way (higher keeps longer).
struct Part {
    forms: Vec<Vec<(String, Style)>>,
    keep: u8,
    form: usize,
}

impl Part {
    fn new(keep: u8, forms: Vec<Vec<(String, Style)>>) -> Self {
        Self {
            forms,
            keep,
            form: 0,
        }
    }

    fn width(&self) -> usize {
        self.forms[self.form].iter().map(|(t, _)| t.width()).sum()
    }
}

/// "outbox 2" from "outbox 1 queued · 1 failed": the entries that need a look.
fn outbox_short(full: &str) -> String {
    let n: u64 = full
        .trim_start_matches("outbox ")
        .split(" · ")
        .filter_map(|seg| seg.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    format!("outbox {n}")
}

/// The header's spans fitted to `width` columns.
fn fitted(h: &HeaderInfo<'_>, theme: &Theme, width: usize) -> Vec<Span<'static>> {
    let sep = || (" · ".to_string(), theme.dim());
    let mut parts = vec![Part::new(
        u8::MAX,
        vec![vec![(" livemod ".into(), theme.title())]],
    )];
    parts.push(Part::new(
        3,
        vec![vec![(h.backend.to_string(), theme.text()), sep()], vec![]],
    ));
    parts.push(Part::new(
        u8::MAX,
        vec![
            vec![
                ("app ".into(), theme.dim()),
                (h.app_id.to_string(), theme.text()),
            ],
            vec![(h.app_id.to_string(), theme.text())],
        ],
    ));
    let dc_short = h
        .data_center
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_string();
    parts.push(Part::new(
        4,
        vec![
            vec![sep(), (h.data_center.to_string(), theme.text())],
            vec![sep(), (dc_short, theme.text())],
            vec![],
        ],
    ));
    if let Some(p) = h.profile {
        parts.push(Part::new(
            1,
            vec![
                vec![
                    sep(),
                    ("profile ".into(), theme.dim()),
                    (p.to_string(), theme.text()),
                ],
                vec![],
            ],
        ));
    }
    if h.read_only {
        parts.push(Part::new(
            u8::MAX,
            vec![vec![
                (" ".into(), theme.text()),
                (" RO ".into(), theme.badge()),
            ]],
        ));
    }
    if h.flagged > 0 {
        let n = h.flagged;
        parts.push(Part::new(
            6,
            vec![
                vec![
                    (" ".into(), theme.text()),
                    (format!(" ⚑ {n} flagged "), theme.badge()),
                ],
                vec![
                    (" ".into(), theme.text()),
                    (format!(" ⚑ {n} "), theme.badge()),
                ],
            ],
        ));
    }
    if let Some(o) = &h.outbox {
        parts.push(Part::new(
            5,
            vec![
                vec![sep(), (o.clone(), theme.warning())],
                vec![sep(), (outbox_short(o), theme.warning())],
            ],
        ));
    }
    if let Some((tick, what)) = &h.busy {
        let spin = SPINNER[tick % SPINNER.len()].to_string();
        parts.push(Part::new(
            2,
            vec![
                vec![
                    ("  ".into(), theme.text()),
                    (spin.clone(), theme.accent()),
                    (format!(" {what}"), theme.dim()),
                ],
                vec![("  ".into(), theme.text()), (spin, theme.accent())],
            ],
        ));
    }
    // Give way from the lowest priority up, a form at a time.
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&i| parts[i].keep);
    for i in order {
        while parts.iter().map(Part::width).sum::<usize>() > width
            && parts[i].form + 1 < parts[i].forms.len()
        {
            parts[i].form += 1;
        }
    }
    parts
        .into_iter()
        .flat_map(|p| p.forms.into_iter().nth(p.form).unwrap_or_default())
        .map(|(t, s)| Span::styled(t, s))
        .collect()
}

pub(crate) fn draw(frame: &mut Frame, area: Rect, h: &HeaderInfo<'_>, theme: &Theme) {
    let spans = fitted(h, theme, usize::from(area.width));
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.header()),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(h: &HeaderInfo<'_>, width: usize) -> String {
        fitted(h, &Theme::default(), width)
            .iter()
            .map(|s| s.content.as_ref())
            .collect()
    }

    fn busy_header() -> HeaderInfo<'static> {
        HeaderInfo {
            backend: "emulator (embedded)",
            app_id: "demo-app",
            data_center: "cn-shanghai (default)",
            profile: Some("staging"),
            read_only: true,
            busy: Some((0, "loading page 1".into())),
            outbox: Some("outbox 1 queued · 1 failed".into()),
            flagged: 3,
        }
    }

    #[test]
    fn at_80_columns_parts_are_shortened_or_dropped_whole() {
        let h = busy_header();
        let wide = text(&h, 200);
        assert!(wide.contains("outbox 1 queued · 1 failed"), "{wide}");
        assert!(wide.contains("⚑ 3 flagged"), "{wide}");
        for width in [50, 60, 80, 100] {
            let t = text(&h, width);
            assert!(t.width() <= width, "{width}: {t:?}");
            // What matters most is always there.
            assert!(t.contains("demo-app") && t.contains(" RO "), "{t}");
            assert!(t.contains("⚑ 3"), "{t}");
            // The outbox is whole, in either form, never cut mid-word.
            assert!(
                t.contains("outbox 1 queued · 1 failed") || t.contains("outbox 2"),
                "{width}: {t}"
            );
        }
        let t = text(&h, 80);
        assert!(!t.contains("profile"), "the lowest priority gives way: {t}");
    }

    #[test]
    fn no_badge_without_unread_flags() {
        let mut h = busy_header();
        h.flagged = 0;
        assert!(!text(&h, 200).contains('⚑'));
        assert_eq!(
            outbox_short("outbox 3 queued · 1 unknown · 2 failed"),
            "outbox 6"
        );
    }
}
