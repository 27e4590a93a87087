//! The compose pane's keys and what it says about a send: the pane decides,
//! the app carries out what reaches beyond it (sending, the outbox, drafts).

use super::*;
use crate::api::{ApiError, SendMessageResponse};
use crate::outbox::classify;
use crate::tui::action::Action;
use crate::tui::keys::KeyMap;

/// What a key in compose asks of the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ComposeKey {
    /// Done inside the pane; nothing changed that a draft keeps.
    Handled,
    /// A field changed: the draft is saved.
    Edited,
    /// Leave the pane.
    Back,
    Send,
    /// Keep the message in the outbox.
    Queue,
    /// Edit this Body in `$EDITOR`.
    EditBody(String),
    Help,
}

impl ComposeState {
    /// One key: `action` is what the key map says it is (text keys are text).
    pub(crate) fn on_key(
        &mut self,
        action: Option<Action>,
        ev: &KeyEvent,
        catalogue: &Catalogue,
    ) -> ComposeKey {
        if action.is_some() {
            // A refused character is reported until the next key.
            self.refused = None;
        }
        match action {
            Some(Action::Back) => ComposeKey::Back,
            Some(Action::NextPane) => {
                self.next_field(true);
                ComposeKey::Handled
            }
            Some(Action::PrevPane) => {
                self.next_field(false);
                ComposeKey::Handled
            }
            Some(Action::Up) => {
                if self.field != Field::Body || !self.body.up() {
                    self.next_field(false);
                }
                ComposeKey::Handled
            }
            Some(Action::Down) => {
                if self.field != Field::Body {
                    self.next_field(true);
                } else {
                    self.body.down();
                }
                ComposeKey::Handled
            }
            // Enter is a new line in the Body, the next field elsewhere.
            Some(Action::Open) if self.field == Field::Body => {
                self.handle_edit(ev, catalogue);
                ComposeKey::Edited
            }
            Some(Action::Open) => {
                self.next_field(true);
                ComposeKey::Handled
            }
            Some(Action::Send) => ComposeKey::Send,
            Some(Action::EditExternal) => ComposeKey::EditBody(self.body.text()),
            Some(Action::NewTid) => {
                self.tid = Input::new(new_msg_tid());
                ComposeKey::Edited
            }
            Some(Action::Queue) => ComposeKey::Queue,
            Some(Action::Help) => ComposeKey::Help,
            _ => {
                if self.handle_edit(ev, catalogue) {
                    ComposeKey::Edited
                } else {
                    ComposeKey::Handled
                }
            }
        }
    }

    /// The status bar's key hints for this pane.
    pub(crate) fn hints(&self, keymap: &KeyMap) -> Vec<(String, &'static str)> {
        let queue = if self.requeue_of().is_some() {
            "requeue"
        } else {
            "outbox"
        };
        [
            (Action::Send, "send"),
            (Action::NextPane, "next field"),
            (Action::EditExternal, "$EDITOR"),
            (Action::Queue, queue),
            (Action::NewTid, "new MsgTid"),
        ]
        .into_iter()
        .filter_map(|(a, what)| Some((keymap.first(a)?, what)))
        .collect()
    }

    /// A send went through: it joins the sent log, and the pane (when it
    /// still shows that message) starts a fresh one. Returns the toast text.
    pub(crate) fn send_done(
        &mut self,
        request: &SendMessageRequest,
        r: &SendMessageResponse,
        now: i64,
        catalogue: &Catalogue,
    ) -> String {
        let text = format!(
            "Sent to {} · MsgTid {} · RequestId {}",
            request.group_id, r.msg_tid, r.request_id
        );
        self.sent
            .push(SentEntry::new(now, request, &r.msg_tid, &r.request_id));
        self.last = Some((true, format!("✓ {text}")));
        if self.tid.value() == r.msg_tid || request.msg_tid.as_deref() == Some(self.tid.value()) {
            self.reset_after_send(catalogue);
        }
        // The one-line status says what and where; the pane and the sent log
        // keep the RequestId (it would be cut at 80 columns).
        format!("Sent to {} · MsgTid {}", request.group_id, r.msg_tid)
    }

    /// A send failed. Everything composed stays, MsgTid included, so a retry
    /// carries the same MsgTid. What the moderator can do comes first, then
    /// why, in words, then Code and RequestId.
    pub(crate) fn send_failed(
        &mut self,
        request: &SendMessageRequest,
        e: &ApiError,
        queue_key: Option<&str>,
    ) {
        let disposition = classify(e);
        let err = LastError::from_api(e);
        let first = match (disposition, queue_key) {
            (Disposition::Retry, Some(k)) => {
                format!("✗ Not sent. {k} keeps it in the outbox; it is sent in the background.")
            }
            (Disposition::Unknown, Some(k)) => format!(
                "✗ Outcome unknown: check before resending. {k} keeps it in the outbox as outcome unknown."
            ),
            (Disposition::Unknown, None) => {
                "✗ Outcome unknown: check before resending.".to_string()
            }
            _ => "✗ Not sent.".to_string(),
        };
        let mut ids = err.code.clone();
        if let Some(r) = &err.request_id {
            ids.push_str(&format!(" · RequestId {r}"));
        }
        let why = crate::text::terminal_safe(&err.reason);
        self.last = Some((false, format!("{first}\nWhy: {why} ({ids})")));
        self.last_failure = Some((
            request.msg_tid.clone().unwrap_or_default(),
            err,
            disposition,
        ));
    }
}
