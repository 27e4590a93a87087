//! The outbox pane's keys and the outcomes of outbox requests.

use super::*;

impl App {
    pub(super) fn outbox_action(&mut self, action: Action) {
        let entry = self.outbox_pane.selected_entry().cloned();
        match action {
            Action::Up => self.outbox_pane.move_by(-1),
            Action::Down => self.outbox_pane.move_by(1),
            Action::PageUp => self.outbox_pane.move_by(-10),
            Action::PageDown => self.outbox_pane.move_by(10),
            Action::Top => self.outbox_pane.top(),
            Action::Bottom => self.outbox_pane.bottom(),
            Action::Refresh => self.outbox_op(OutboxOp::Refresh, OutboxPurpose::Refresh),
            Action::RetryNow => match entry {
                None => self.status.flash(ToastKind::Warning, "No entry selected"),
                Some(e) if e.state == State::OutcomeUnknown => {
                    let k = self
                        .keymap
                        .first(Action::ResendAnyway)
                        .map(|k| format!("; {k} resends it anyway"))
                        .unwrap_or_default();
                    self.status.flash(
                        ToastKind::Warning,
                        format!("#{} may already have been delivered{k}", e.id),
                    );
                }
                Some(e) if matches!(e.state, State::Queued | State::Failed) => self.outbox_op(
                    OutboxOp::Requeue {
                        entry: e.id,
                        edited: None,
                    },
                    OutboxPurpose::Retry,
                ),
                Some(e) => self.status.flash(
                    ToastKind::Warning,
                    format!("#{} is {}: nothing to retry", e.id, e.state),
                ),
            },
            Action::ResendAnyway => match entry {
                Some(e) if e.state == State::OutcomeUnknown => {
                    let mut lines = vec![
                        format!(
                            "#{} to {} may already have been delivered.",
                            e.id, e.request.group_id
                        ),
                        format!("It is resent with the same MsgTid {}.", e.msg_tid()),
                    ];
                    if let Some(err) = &e.last_error {
                        lines.push(format!(
                            "Last error: {}{}",
                            err.code,
                            err.request_id
                                .as_deref()
                                .map(|r| format!(" · RequestId {r}"))
                                .unwrap_or_default()
                        ));
                    }
                    self.overlay = Some(Overlay::Confirm(Box::new(ConfirmDialog::new(
                        "Resend anyway",
                        lines,
                        "Resend",
                        OnConfirm::ResendAnyway(e.id),
                    ))));
                }
                Some(e) => self.status.flash(
                    ToastKind::Warning,
                    format!("#{} is {}, not outcome unknown", e.id, e.state),
                ),
                None => self.status.flash(ToastKind::Warning, "No entry selected"),
            },
            Action::Discard => match entry {
                Some(e)
                    if matches!(
                        e.state,
                        State::Queued | State::Failed | State::OutcomeUnknown
                    ) =>
                {
                    let lines = vec![
                        format!(
                            "Discard #{} to {} (MsgTid {})?",
                            e.id,
                            e.request.group_id,
                            e.msg_tid()
                        ),
                        "It will not be sent; it stays listed as discarded.".into(),
                    ];
                    self.overlay = Some(Overlay::Confirm(Box::new(ConfirmDialog::new(
                        "Discard message",
                        lines,
                        "Discard",
                        OnConfirm::Discard(e.id),
                    ))));
                }
                Some(e) => self.status.flash(
                    ToastKind::Warning,
                    format!("#{} is {}: it cannot be discarded", e.id, e.state),
                ),
                None => self.status.flash(ToastKind::Warning, "No entry selected"),
            },
            Action::EditEntry => match entry {
                Some(e) if !matches!(e.state, State::Sending | State::Delivered) => {
                    self.touch_draft();
                    let r = &e.request;
                    self.compose
                        .reset(&self.ctx.moderator_id, &self.ctx.catalogue);
                    let draft = crate::drafts::Draft {
                        sender_id: r.sender_id.clone(),
                        sender_meta_info: r.sender_meta_info.clone().unwrap_or_default(),
                        body: r.body.clone().unwrap_or_default(),
                        msg_type: r.msg_type.map(|t| t.to_string()).unwrap_or_default(),
                        msg_tid: e.msg_tid().to_string(),
                        statics_increase: r
                            .statics_increase
                            .map(|t| t.to_string())
                            .unwrap_or_default(),
                        weight: r.weight.map(|t| t.to_string()).unwrap_or_default(),
                        no_storage: r.no_storage.unwrap_or(false),
                        no_cache: r.no_cache.unwrap_or(false),
                        focus: None,
                    };
                    self.compose.apply_draft(&draft, &self.ctx.catalogue);
                    self.compose.recipients = Recipients::OutboxEntry {
                        entry: e.id,
                        group_id: r.group_id.clone(),
                    };
                    self.focus = Focus::Compose;
                }
                Some(e) => self.status.flash(
                    ToastKind::Warning,
                    format!("#{} is {}: it cannot be edited", e.id, e.state),
                ),
                None => self.status.flash(ToastKind::Warning, "No entry selected"),
            },
            Action::Back => {
                if self.pending.bulk().is_some() {
                    self.do_action(Action::Back);
                } else {
                    self.focus = Focus::Browser;
                }
            }
            Action::Open => {}
            other => self.do_action(other),
        }
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
                    format!(
                        "Queued in the outbox as #{} (MsgTid {}); it is delivered in the background",
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
