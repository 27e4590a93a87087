//! The key hints and labels the status bar and header show.

use super::*;

impl App {
    /// Key hints for the status bar, from the key map in force: those of the
    /// dialog on top, else of the focused pane. [`App::pinned_hints`] go
    /// after them, always visible.
    pub fn hints(&self) -> Vec<(String, &'static str)> {
        let k = |a: Action| self.keymap.first(a);
        let mut out = Vec::new();
        let mut add = |a: Action, what: &'static str| {
            if let Some(key) = k(a) {
                out.push((key, what));
            }
        };
        match &self.overlay {
            Some(Overlay::Help { .. }) => {
                add(Action::Down, "scroll");
                add(Action::PageDown, "page");
                return out;
            }
            // The sent log's own keys (its recall key is `x`).
            Some(Overlay::SentLog { .. }) => {
                if self.sent_log.is_confirming() {
                    out.push(("y".into(), "recall"));
                    out.push(("other".into(), "keep"));
                    return out;
                }
                add(Action::Down, "select");
                if !self.ctx.read_only && !self.compose.sent.is_empty() {
                    out.push(("x".into(), "recall"));
                }
                return out;
            }
            Some(Overlay::Create(f)) => return f.hints(&self.keymap),
            Some(Overlay::Confirm(d)) => return d.hints(&self.keymap),
            Some(Overlay::BulkSummary(s)) => {
                if !s.failed_sends.is_empty() || !s.unknown_sends.is_empty() {
                    add(Action::Queue, "keep unsent in outbox");
                }
                add(Action::Open, "close");
                return out;
            }
            None => {}
        }
        if let Some(apps) = &self.apps {
            return apps.hints();
        }
        if let Some(hints) = self.watch_hints() {
            return hints;
        }
        if let Some(room) = &self.rooms.open {
            return room.hints();
        }
        match self.focus {
            Focus::Browser => self.browser.hints(&self.keymap),
            Focus::Detail => self
                .detail
                .hints(&self.keymap, self.browser.selected_group()),
            Focus::Outbox => self.outbox_pane.hints(&self.keymap),
            Focus::Compose => self.compose.hints(&self.keymap),
        }
    }

    /// The hints pinned at the right of the status bar: how to get help and
    /// how to leave, as they work where the focus is (in a text field `q` is
    /// text, so Esc and ctrl-c are what leave).
    pub fn pinned_hints(&self) -> Vec<(String, &'static str)> {
        let k = |a: Action| self.keymap.first(a);
        let mut out = Vec::new();
        let typing = self.command.is_some()
            || self.browser.filter_editing
            || self.focus == Focus::Compose && self.overlay.is_none()
            || matches!(&self.overlay, Some(Overlay::Create(_)))
            || matches!(&self.overlay, Some(Overlay::Confirm(d)) if d.typed.is_some());
        if self.overlay.is_some() {
            out.extend(k(Action::Back).map(|key| (key, "close")));
        } else if typing {
            out.extend(k(Action::Back).map(|key| (key, "back")));
            out.push(("ctrl-c".to_string(), "quit"));
        } else {
            out.extend(k(Action::Help).map(|key| (key, "help")));
            out.extend(k(Action::Quit).map(|key| (key, "quit")));
        }
        out
    }

    /// "outbox 3 queued · 1 unknown" for the header, when anything waits.
    pub fn outbox_label(&self) -> Option<String> {
        self.outbox_pane.summary().map(|s| format!("outbox {s}"))
    }

    /// "sending 12/40 · 1 failed" while a bulk run is in flight.
    pub fn bulk_label(&self) -> Option<String> {
        let (_, b) = self.pending.bulk()?;
        let p = &b.progress;
        let mut s = format!("{} {}/{}", b.verb, p.done + p.failed, p.total);
        if p.failed > 0 {
            s.push_str(&format!(" · {} failed", p.failed));
        }
        if b.cancelling {
            s.push_str(" · cancelling");
        } else if let Some(k) = self.keymap.first(Action::Back) {
            s.push_str(&format!(" · {k} cancels"));
        }
        Some(s)
    }
}
