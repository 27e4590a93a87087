//! The outbox pane's keys and the outcomes of outbox requests.

use super::*;

impl App {
    /// The outbox pane's keys: the pane decides (its own keys before the
    /// browser's it shares), the app carries out what reaches beyond it.
    pub(super) fn outbox_key(&mut self, key: &Key) {
        let intent = self.outbox_pane.on_key(key, &self.keymap);
        self.outbox_intent(intent, key);
    }

    fn outbox_intent(&mut self, intent: OutboxIntent, key: &Key) {
        match intent {
            OutboxIntent::Handled => {}
            OutboxIntent::NotHandled => {
                if let Some(action) = self.keymap.action(key) {
                    self.do_action(action);
                }
            }
            OutboxIntent::Back => self.focus = Focus::Browser,
            OutboxIntent::Refresh => self.outbox_op(OutboxOp::Refresh, OutboxPurpose::Refresh),
            OutboxIntent::Retry(entry) => self.outbox_op(
                OutboxOp::Requeue {
                    entry,
                    edited: None,
                },
                OutboxPurpose::Retry,
            ),
            OutboxIntent::Confirm(dialog) => self.overlay = Some(Overlay::Confirm(dialog)),
            OutboxIntent::Edit(e) => self.edit_outbox_entry(&e),
            OutboxIntent::Refuse(why) => self.status.flash(ToastKind::Warning, why),
        }
    }

    /// Shows a newer outbox snapshot and what became of the sends a person
    /// asked for (retry now, resend anyway).
    pub(super) fn apply_outbox(&mut self, snapshot: crate::outbox::service::Snapshot) {
        for (kind, text) in self.outbox_pane.apply(snapshot) {
            self.status.flash(kind, text);
        }
    }

    /// Opens an outbox entry in compose; sending or queueing requeues it.
    fn edit_outbox_entry(&mut self, e: &outbox::Entry) {
        self.touch_draft();
        self.compose
            .edit_outbox_entry(e, &self.ctx.moderator_id, &self.ctx.catalogue);
        self.focus = Focus::Compose;
    }

    pub(super) fn outbox_done(&mut self, purpose: OutboxPurpose, entry: Option<outbox::Entry>) {
        let Some(e) = entry else {
            return;
        };
        match purpose {
            OutboxPurpose::Refresh => {}
            OutboxPurpose::Enqueue { tid, unknown } => {
                let key = DraftKey::new(
                    &e.request.app_id,
                    e.request.data_center,
                    &e.request.group_id,
                );
                self.forget_draft(Some(key));
                let text = if unknown {
                    format!(
                        "Kept in the outbox as #{} (outcome unknown: check, then resend it from the outbox)",
                        e.id
                    )
                } else {
                    // A notice that goes out late can mislead: say when it stops trying.
                    let until = e
                        .expires_at
                        .map(|x| format!(", or never if not by {}", self.clock.time(x.timestamp())))
                        .unwrap_or_default();
                    format!(
                        "Queued in the outbox as #{} (MsgTid {}); it is delivered in the background{until}",
                        e.id,
                        e.msg_tid()
                    )
                };
                // Only when the pane still shows that message.
                if self.compose.tid.value() == tid && self.compose.requeue_of().is_none() {
                    self.compose.last = Some((true, text.clone()));
                    self.compose.reset_after_send(&self.ctx.catalogue);
                }
                self.status.flash(ToastKind::Success, text);
            }
            OutboxPurpose::Keep => {}
            OutboxPurpose::Discard => self.status.flash(
                ToastKind::Success,
                format!("Discarded #{} (it stays listed as discarded)", e.id),
            ),
            OutboxPurpose::Retry => self.status.flash(
                ToastKind::Success,
                format!(
                    "#{} is queued to be sent now (MsgTid {})",
                    e.id,
                    e.msg_tid()
                ),
            ),
            OutboxPurpose::Edit => {
                if self.compose.requeue_of() == Some(e.id) {
                    self.compose.recipients = Recipients::Nobody;
                    self.compose
                        .reset(&self.ctx.moderator_id, &self.ctx.catalogue);
                    self.focus = Focus::Outbox;
                }
                let tid = match &e.previous_msg_tid {
                    Some(p) => format!("new MsgTid {} (was {p})", e.msg_tid()),
                    None => format!("MsgTid {}", e.msg_tid()),
                };
                self.status.flash(
                    ToastKind::Success,
                    format!("#{} edited and queued · {tid}", e.id),
                );
            }
        }
    }
}
