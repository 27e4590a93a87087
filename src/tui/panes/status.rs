//! The status bar: the last error (code, message, RequestId) until the next
//! action, success flashes that clear themselves, and key hints.

use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::api::ApiError;
use crate::tui::theme::Theme;

use super::ellipsize;

/// How long a flash stays.
pub(crate) const TOAST_FOR: Duration = Duration::from_secs(4);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorLine {
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

impl ErrorLine {
    pub fn from_api(context: &str, e: &ApiError) -> Self {
        let (code, message) = match e.service() {
            Some(s) => (s.code.clone(), format!("{context}: {}", s.message)),
            None => (
                e.code().unwrap_or("Error").to_string(),
                format!("{context}: {e}"),
            ),
        };
        Self {
            code,
            message,
            request_id: e.request_id().map(str::to_string),
        }
    }

    pub fn local(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
            request_id: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Warning,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub kind: ToastKind,
    pub until: Instant,
}

#[derive(Debug, Clone, Default)]
pub struct StatusState {
    pub error: Option<ErrorLine>,
    pub toast: Option<Toast>,
}

impl StatusState {
    pub fn flash(&mut self, kind: ToastKind, text: impl Into<String>) {
        self.toast = Some(Toast {
            text: text.into(),
            kind,
            until: Instant::now() + TOAST_FOR,
        });
    }

    /// Drops an expired flash; true when something changed.
    pub fn expire(&mut self, now: Instant) -> bool {
        if self.toast.as_ref().is_some_and(|t| t.until <= now) {
            self.toast = None;
            return true;
        }
        false
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.toast.as_ref().map(|t| t.until)
    }
}

/// The status bar: the last error, else a toast, else key hints, with
/// `pinned` hints (help, quit) always at the right edge.
pub(crate) fn draw(
    frame: &mut Frame,
    area: Rect,
    s: &StatusState,
    hints: &[(String, &str)],
    pinned: &[(String, &str)],
    theme: &Theme,
) {
    let pinned_w: usize = pinned
        .iter()
        .map(|(k, what)| k.chars().count() + what.chars().count() + 3)
        .sum();
    // An error or a toast gets the whole line (an error's RequestId matters
    // more than a hint); the pinned hints are back with the other hints.
    let showing_hints = s.error.is_none() && s.toast.is_none();
    let (area, right) = if showing_hints && pinned_w > 0 && usize::from(area.width) > pinned_w + 10
    {
        let w = pinned_w as u16;
        (
            Rect::new(area.x, area.y, area.width - w, 1),
            Some(Rect::new(area.x + area.width - w, area.y, w, 1)),
        )
    } else {
        (area, None)
    };
    if let Some(right) = right {
        let mut spans = Vec::new();
        for (keys, what) in pinned {
            spans.push(Span::styled(format!(" {keys}"), theme.accent()));
            spans.push(Span::styled(format!(" {what} "), theme.dim()));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), right);
    }
    let w = usize::from(area.width);
    let line = if let Some(e) = &s.error {
        let mut text = format!("✗ {}: {}", e.code, e.message);
        if let Some(id) = &e.request_id {
            text.push_str(&format!("  RequestId {id}"));
        }
        Line::from(Span::styled(ellipsize(&text, w), theme.error()))
    } else if let Some(t) = &s.toast {
        let (mark, style) = match t.kind {
            ToastKind::Success => ("✓ ", theme.success()),
            ToastKind::Warning => ("! ", theme.warning()),
            ToastKind::Info => ("", theme.text()),
        };
        Line::from(Span::styled(
            ellipsize(&format!("{mark}{}", t.text), w),
            style,
        ))
    } else {
        let mut spans = Vec::new();
        let mut used = 0;
        for (keys, what) in hints {
            let piece = keys.chars().count() + what.chars().count() + 3;
            if used + piece > w {
                break;
            }
            used += piece;
            spans.push(Span::styled(keys.clone(), theme.accent()));
            spans.push(Span::styled(format!(" {what}  "), theme.dim()));
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line), area);
}
