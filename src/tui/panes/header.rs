//! The header line: backend, app, data center, profile, the RO badge, and a
//! spinner while anything is in flight.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

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
}

pub(crate) fn draw(frame: &mut Frame, area: Rect, h: &HeaderInfo<'_>, theme: &Theme) {
    let sep = || Span::styled(" · ", theme.dim());
    let mut spans = vec![
        Span::styled(" livemod ", theme.title()),
        Span::styled(h.backend.to_string(), theme.text()),
        sep(),
        Span::styled("app ", theme.dim()),
        Span::raw(h.app_id.to_string()),
        sep(),
        Span::raw(h.data_center.to_string()),
    ];
    if let Some(p) = h.profile {
        spans.push(sep());
        spans.push(Span::styled("profile ", theme.dim()));
        spans.push(Span::raw(p.to_string()));
    }
    if h.read_only {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" RO ", theme.badge()));
    }
    if let Some(o) = &h.outbox {
        spans.push(sep());
        spans.push(Span::styled(o.clone(), theme.warning()));
    }
    if let Some((tick, what)) = &h.busy {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(SPINNER[tick % SPINNER.len()], theme.accent()));
        spans.push(Span::styled(format!(" {what}"), theme.dim()));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.header()),
        area,
    );
}
