//! The key hints and labels the status bar and header show.

use super::*;

impl App {
    /// Key hints for the status bar, from the key map in force.
    pub fn hints(&self) -> Vec<(String, &'static str)> {
        let k = |a: Action| self.keymap.first(a);
        let mut out = Vec::new();
        let mut add = |a: Action, what: &'static str| {
            if let Some(key) = k(a) {
                out.push((key, what));
            }
        };
        if let Some(room) = &self.rooms.open {
            return room.hints();
        }
        if self.browser.filter_editing {
            add(Action::Open, "keep filter");
            add(Action::Back, "clear filter");
            return out;
        }
        match self.focus {
            Focus::Browser => {
                add(Action::Open, "detail");
                add(Action::Filter, "filter");
                add(Action::PageDown, "next page");
                add(Action::PageUp, "prev");
                add(Action::Sort, "sort");
                add(Action::Status, "status");
                add(Action::Create, "create");
                add(Action::Delete, "delete");
                add(Action::Compose, "compose");
                add(Action::Mark, "mark");
                add(Action::Outbox, "outbox");
                add(Action::CommandLine, "cmd");
                add(Action::Help, "help");
                add(Action::Quit, "quit");
            }
            Focus::Detail => {
                add(Action::Down, "scroll");
                add(Action::Back, "back");
                add(Action::CopyId, "copy id");
                add(Action::Compose, "compose");
                add(Action::Delete, "delete");
                add(Action::Help, "help");
                add(Action::Quit, "quit");
            }
            Focus::Outbox => {
                add(Action::RetryNow, "retry now");
                add(Action::EditEntry, "edit");
                add(Action::Discard, "discard");
                add(Action::ResendAnyway, "resend unknown");
                add(Action::Back, "back");
                add(Action::Help, "help");
            }
            Focus::Compose => {
                add(Action::Send, "send");
                add(Action::NextPane, "next field");
                add(Action::Back, "back");
                add(Action::EditExternal, "$EDITOR");
                add(Action::Queue, "outbox");
                add(Action::NewTid, "new MsgTid");
            }
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
