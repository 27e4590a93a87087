//! The outbox pane: every message kept for delivery, its state, attempts, why
//! it is waiting or failed (in words, with Code and RequestId) and when it is
//! tried next; Enter shows one entry in full. The entries come from the worker
//! (the UI never reads SQLite itself).

use std::collections::BTreeMap;

use crate::outbox::service::Snapshot;
use crate::outbox::{Entry, State};
use crate::tui::action::{Action, Scope};
use crate::tui::keys::{Key, KeyMap};

use super::confirm::{ConfirmDialog, OnConfirm};
use super::status::ToastKind;

mod draw;
pub(crate) use draw::draw;

#[derive(Debug, Clone, Default)]
pub(crate) struct OutboxState {
    pub snapshot: Snapshot,
    /// False until the worker first answered (or when there is no outbox).
    pub loaded: bool,
    pub selected: usize,
    /// First row drawn (scroll position; kept by drawing).
    pub offset: std::cell::Cell<usize>,
    /// The selected entry is shown in full instead of the table.
    pub(crate) detail: bool,
    /// Entries a person asked to send now, until their outcome is known.
    watching: BTreeMap<i64, Watch>,
}

/// A manual retry waiting for its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Watch {
    /// Attempts when the retry was asked for.
    attempts: u32,
    /// Seen queued (or sending) since: an older snapshot says nothing new.
    requeued: bool,
}

/// What a key in the outbox pane asks of the console (the pane owns its
/// selection; everything that reaches beyond it is an intent for the app).
#[derive(Debug, Clone)]
pub(crate) enum OutboxIntent {
    /// Handled inside the pane (the selection moved, the detail opened).
    Handled,
    /// Not an outbox key: the app handles it as it would anywhere.
    NotHandled,
    /// Leave the pane.
    Back,
    Refresh,
    /// Send this queued or failed entry now.
    Retry(i64),
    /// Ask before doing it (the dialog is ready).
    Confirm(Box<ConfirmDialog>),
    /// Edit the entry in compose; sending requeues it.
    Edit(Box<Entry>),
    /// Nothing to do, and why.
    Refuse(String),
}

impl OutboxState {
    /// One key: the outbox's own keys first, then the ones it shares.
    pub(crate) fn on_key(&mut self, key: &Key, keymap: &KeyMap) -> OutboxIntent {
        match keymap.action_in(Scope::Outbox, key) {
            Some(action) => self.on_action(action, keymap),
            None => OutboxIntent::Handled,
        }
    }

    /// One key, as the key map names it.
    pub(crate) fn on_action(&mut self, action: Action, keymap: &KeyMap) -> OutboxIntent {
        let entry = self.selected_entry().cloned();
        let none = || OutboxIntent::Refuse("No entry selected".into());
        match action {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-10),
            Action::PageDown => self.move_by(10),
            Action::Top | Action::GoTo => self.top(),
            Action::Bottom => self.bottom(),
            Action::Open if entry.is_none() => return none(),
            Action::Open => self.detail = !self.detail,
            Action::Back if self.detail => self.detail = false,
            Action::Back => return OutboxIntent::Back,
            Action::Refresh => return OutboxIntent::Refresh,
            Action::RetryNow => {
                return match entry {
                    None => none(),
                    Some(e) if e.state == State::OutcomeUnknown => {
                        let k = keymap
                            .first(Action::ResendAnyway)
                            .map(|k| format!("; {k} resends it anyway"))
                            .unwrap_or_default();
                        OutboxIntent::Refuse(format!(
                            "#{} may already have been delivered{k}",
                            e.id
                        ))
                    }
                    Some(e) if e.state == State::Expired => {
                        let k = keymap
                            .first(Action::EditEntry)
                            .map(|k| format!("; {k} edits it to send it again"))
                            .unwrap_or_default();
                        OutboxIntent::Refuse(format!("#{} expired: it is never sent late{k}", e.id))
                    }
                    Some(e) if matches!(e.state, State::Queued | State::Failed) => {
                        self.watch(&e);
                        OutboxIntent::Retry(e.id)
                    }
                    Some(e) => {
                        OutboxIntent::Refuse(format!("#{} is {}: nothing to retry", e.id, e.state))
                    }
                };
            }
            Action::ResendAnyway => {
                return match entry {
                    Some(e) if e.state == State::OutcomeUnknown => {
                        OutboxIntent::Confirm(Box::new(resend_dialog(&e)))
                    }
                    Some(e) => OutboxIntent::Refuse(format!(
                        "#{} is {}, not outcome unknown",
                        e.id, e.state
                    )),
                    None => none(),
                };
            }
            Action::Discard => {
                return match entry {
                    Some(e)
                        if matches!(
                            e.state,
                            State::Queued | State::Failed | State::OutcomeUnknown
                        ) =>
                    {
                        OutboxIntent::Confirm(Box::new(discard_dialog(&e)))
                    }
                    Some(e) => OutboxIntent::Refuse(format!(
                        "#{} is {}: it cannot be discarded",
                        e.id, e.state
                    )),
                    None => none(),
                };
            }
            Action::EditEntry => {
                return match entry {
                    Some(e) if !matches!(e.state, State::Sending | State::Delivered) => {
                        OutboxIntent::Edit(Box::new(e))
                    }
                    Some(e) => OutboxIntent::Refuse(format!(
                        "#{} is {}: it cannot be edited",
                        e.id, e.state
                    )),
                    None => none(),
                };
            }
            _ => return OutboxIntent::NotHandled,
        }
        OutboxIntent::Handled
    }

    /// Waits for the outcome of a send a person asked for (retry now,
    /// resend anyway), to report it when a snapshot shows it.
    pub(crate) fn watch(&mut self, e: &Entry) {
        self.watching.insert(
            e.id,
            Watch {
                attempts: e.attempts,
                requeued: false,
            },
        );
    }

    /// Shows a newer snapshot; returns what became of the entries a person
    /// asked to send now (for the status line).
    pub(crate) fn apply(&mut self, snapshot: Snapshot) -> Vec<(ToastKind, String)> {
        let keep = self.selected_entry().map(|e| e.id);
        self.snapshot = snapshot;
        self.loaded = true;
        if let Some(pos) = keep.and_then(|id| self.snapshot.entries.iter().position(|e| e.id == id))
        {
            self.selected = pos;
        }
        self.selected = self
            .selected
            .min(self.snapshot.entries.len().saturating_sub(1));
        if self.snapshot.entries.is_empty() {
            self.detail = false;
        }
        let mut news = Vec::new();
        let entries = &self.snapshot.entries;
        self.watching.retain(|id, w| {
            let Some(e) = entries.iter().find(|e| e.id == *id) else {
                return false;
            };
            let tried = e.attempts > w.attempts;
            match e.state {
                State::Queued if tried && e.last_error.is_some() => {
                    news.push((
                        ToastKind::Warning,
                        format!(
                            "#{} was not delivered: {}; it is tried again automatically",
                            e.id,
                            why(e)
                        ),
                    ));
                    false
                }
                State::Queued | State::Sending => {
                    w.requeued = true;
                    true
                }
                // An older picture, from before the retry was carried out.
                _ if !w.requeued && !tried => true,
                State::Delivered => {
                    news.push((
                        ToastKind::Success,
                        format!(
                            "#{} delivered to {} · RequestId {}",
                            e.id,
                            e.request.group_id,
                            e.delivered_request_id.as_deref().unwrap_or("?")
                        ),
                    ));
                    false
                }
                State::Failed => {
                    news.push((
                        ToastKind::Warning,
                        format!("#{} failed again: {}", e.id, why(e)),
                    ));
                    false
                }
                State::OutcomeUnknown => {
                    news.push((
                        ToastKind::Warning,
                        format!(
                            "#{}: outcome unknown after the retry ({}); check before resending",
                            e.id,
                            why(e)
                        ),
                    ));
                    false
                }
                State::Expired => {
                    news.push((
                        ToastKind::Warning,
                        format!("#{} expired before it could be sent; it was not sent", e.id),
                    ));
                    false
                }
                State::Discarded => false,
            }
        });
        news
    }

    /// The status bar's key hints for this pane.
    pub(crate) fn hints(&self, keymap: &KeyMap) -> Vec<(String, &'static str)> {
        let mut wanted = vec![];
        if self.detail {
            wanted.push((Action::Back, "list"));
            wanted.push((Action::Down, "next entry"));
        } else if !self.snapshot.entries.is_empty() {
            wanted.push((Action::Open, "details"));
        }
        wanted.extend([
            (Action::RetryNow, "retry now"),
            (Action::EditEntry, "edit"),
            (Action::Discard, "discard"),
            (Action::ResendAnyway, "resend unknown"),
        ]);
        if !self.detail {
            wanted.push((Action::Back, "back"));
        }
        wanted
            .into_iter()
            .filter_map(|(a, what)| Some((keymap.first(a)?, what)))
            .collect()
    }

    /// Waits for the outcome of entry `id` (resend anyway, once confirmed).
    pub(crate) fn watch_id(&mut self, id: i64) {
        if let Some(e) = self.snapshot.entries.iter().find(|e| e.id == id).cloned() {
            self.watch(&e);
        }
    }

    pub(crate) fn selected_entry(&self) -> Option<&Entry> {
        self.snapshot.entries.get(self.selected)
    }

    pub(crate) fn move_by(&mut self, delta: isize) {
        let n = self.snapshot.entries.len();
        if n == 0 {
            return;
        }
        self.selected = self.selected.saturating_add_signed(delta).min(n - 1);
    }

    pub(crate) fn top(&mut self) {
        self.selected = 0;
    }

    pub(crate) fn bottom(&mut self) {
        self.selected = self.snapshot.entries.len().saturating_sub(1);
    }

    /// "3 queued · 1 unknown · 2 failed" (only what needs attention), or None.
    pub(crate) fn summary(&self) -> Option<String> {
        let s = &self.snapshot;
        let parts: Vec<String> = [
            (State::Queued, "queued"),
            (State::Sending, "sending"),
            (State::OutcomeUnknown, "unknown"),
            (State::Failed, "failed"),
        ]
        .iter()
        .filter_map(|(state, word)| {
            let n = s.count(*state);
            (n > 0).then(|| format!("{n} {word}"))
        })
        .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

/// "Resend anyway?" for an entry whose outcome is unknown.
fn resend_dialog(e: &Entry) -> ConfirmDialog {
    let mut lines = vec![
        format!(
            "#{} to {} may already have been delivered.",
            e.id, e.request.group_id
        ),
        format!("It is resent with the same MsgTid {}.", e.msg_tid()),
    ];
    if e.last_error.is_some() {
        lines.push(format!("Last error: {}", why(e)));
    }
    ConfirmDialog::new(
        "Resend anyway",
        lines,
        "Resend",
        OnConfirm::ResendAnyway(e.id),
    )
}

/// "Discard?" for an entry that has not been delivered.
fn discard_dialog(e: &Entry) -> ConfirmDialog {
    let lines = vec![
        format!(
            "Discard #{} to {} (MsgTid {})?",
            e.id,
            e.request.group_id,
            e.msg_tid()
        ),
        "It will not be sent; it stays listed as discarded.".into(),
    ];
    ConfirmDialog::new(
        "Discard message",
        lines,
        "Discard",
        OnConfirm::Discard(e.id),
    )
}

/// Why an entry is waiting or failed, in words first, then Code and
/// RequestId for a support ticket: "no one is online in the group
/// (InputInvalid · RequestId R0)".
pub(crate) fn why(e: &Entry) -> String {
    let Some(err) = &e.last_error else {
        return String::new();
    };
    let mut ids = err.code.clone();
    if let Some(r) = &err.request_id {
        ids.push_str(&format!(" · RequestId {r}"));
    }
    let reason = crate::text::terminal_safe(&err.reason);
    if reason.is_empty() || reason == err.code.as_str() {
        ids
    } else {
        format!("{reason} ({ids})")
    }
}
