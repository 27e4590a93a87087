//! Compose flows of the console: opening compose for a group or for the
//! marked groups, drafts, sending, and keeping a message in the outbox.

use super::*;
use crate::tui::panes::compose::ComposeKey;

impl App {
    pub(super) fn open_compose(&mut self) {
        if self.ctx.read_only {
            return;
        }
        // Leaving a bulk or outbox edit: back to the selected group's message.
        if matches!(
            self.compose.recipients,
            Recipients::Marked(_) | Recipients::OutboxEntry { .. }
        ) {
            self.compose.recipients = Recipients::Nobody;
            self.compose
                .reset(&self.ctx.moderator_id, &self.ctx.catalogue);
        }
        if let Some(g) = self.browser.selected_group().cloned() {
            let same = self
                .compose
                .group()
                .is_some_and(|t| t.group_id == g.group_id);
            let sending = self.pending.sending();
            if !same && !sending && self.drafts.is_some() {
                // Each group has its own draft: keep this one, open that one.
                self.touch_draft();
                self.compose.recipients = Recipients::Group(g);
                let draft = self
                    .draft_key()
                    .and_then(|k| self.drafts.as_ref()?.get(&k).cloned());
                match draft {
                    Some(d) => {
                        self.compose.apply_draft(&d, &self.ctx.catalogue);
                        self.status
                            .flash(ToastKind::Info, "Draft restored for this group");
                    }
                    None => self
                        .compose
                        .reset(&self.ctx.moderator_id, &self.ctx.catalogue),
                }
            } else if !sending {
                // Without a drafts file the text follows the selection rather
                // than being dropped.
                self.compose.recipients = Recipients::Group(g);
            }
        }
        self.focus = Focus::Compose;
    }

    pub(super) fn draft_key(&self) -> Option<DraftKey> {
        let g = self.compose.group()?;
        Some(DraftKey::new(
            &self.ctx.app_id,
            self.ctx.data_center,
            &g.group_id,
        ))
    }

    /// Records the compose fields in the drafts (written to disk debounced).
    pub(super) fn touch_draft(&mut self) {
        let Some(key) = self.draft_key() else {
            return;
        };
        let draft = self.compose.to_draft(&self.ctx.catalogue);
        if let Some(store) = &mut self.drafts {
            store.update(key, draft, Instant::now());
        }
    }

    /// When the event loop should save drafts next.
    pub fn next_draft_save(&self) -> Option<Instant> {
        self.drafts.as_ref()?.next_save_at()
    }

    /// Saves drafts whose debounce is due (`force`: everything, now).
    pub fn save_drafts(&mut self, force: bool) {
        let Some(store) = &mut self.drafts else {
            return;
        };
        let result = if force {
            store.save_now().map(|_| true)
        } else {
            store.save_debounced(Instant::now())
        };
        if let Err(e) = result {
            self.status.error = Some(ErrorLine::local(
                "Drafts",
                format!("cannot save drafts: {e}"),
            ));
        }
    }

    pub(super) fn forget_draft(&mut self, key: Option<DraftKey>) {
        let (Some(key), Some(store)) = (key, &mut self.drafts) else {
            return;
        };
        if let Err(e) = store.remove(&key) {
            self.status.error = Some(ErrorLine::local(
                "Drafts",
                format!("cannot save drafts: {e}"),
            ));
        }
    }

    /// Keeps the composed message in the durable outbox instead of sending it
    /// now (the worker writes it; background delivery sends it).
    pub(super) fn queue_in_outbox(&mut self) {
        if self.pending.sending() {
            self.status.flash(
                ToastKind::Warning,
                "A send is in flight; wait for its outcome",
            );
            return;
        }
        if self.ctx.data_dir.is_none() {
            self.status.error = Some(ErrorLine::local(
                "Outbox",
                "no data directory: the outbox is not available",
            ));
            return;
        }
        if !self.compose.marked().is_empty() {
            match self.bulk_requests() {
                Ok(requests) => {
                    let n = requests.len();
                    for request in requests {
                        self.outbox_op(
                            OutboxOp::Enqueue {
                                request,
                                unknown: None,
                            },
                            OutboxPurpose::Keep,
                        );
                    }
                    // What was queued is shown; nothing more goes from here.
                    self.compose.last = Some((
                        true,
                        format!("Queued for {n} groups; they are delivered in the background"),
                    ));
                    self.compose.recipients = Recipients::Nobody;
                    self.compose.reset_after_send(&self.ctx.catalogue);
                }
                Err(e) => self.compose.last = Some((false, format!("✗ {e}"))),
            }
            return;
        }
        let request = match self.compose.build_request(
            &self.ctx.app_id,
            self.ctx.data_center,
            &self.ctx.catalogue,
        ) {
            Ok(r) => r,
            Err(e) => {
                self.compose.last = Some((false, format!("✗ {e}")));
                return;
            }
        };
        if let Some(entry) = self.compose.requeue_of() {
            self.outbox_op(
                OutboxOp::Requeue {
                    entry,
                    edited: Some(request),
                },
                OutboxPurpose::Edit,
            );
            return;
        }
        // A message that may already have reached the service is kept as
        // "outcome unknown", for a person to resend, never blindly.
        let tid = request.msg_tid.clone().unwrap_or_default();
        let unknown = match &self.compose.last_failure {
            Some((t, err, Disposition::Unknown)) if *t == tid => Some(err.clone()),
            _ => None,
        };
        let is_unknown = unknown.is_some();
        self.outbox_op(
            OutboxOp::Enqueue { request, unknown },
            OutboxPurpose::Enqueue {
                tid,
                unknown: is_unknown,
            },
        );
    }

    /// One request per marked group, each with its own MsgTid.
    pub(super) fn bulk_requests(&self) -> Result<Vec<SendMessageRequest>, String> {
        let mut out = Vec::new();
        for g in self.compose.marked() {
            let mut r = self.compose.build_request_to(
                &g.group_id,
                &self.ctx.app_id,
                self.ctx.data_center,
                &self.ctx.catalogue,
            )?;
            r.msg_tid = Some(crate::api::new_msg_tid());
            out.push(r);
        }
        Ok(out)
    }

    pub(super) fn open_bulk_compose(&mut self) {
        if self.ctx.read_only {
            return;
        }
        let groups: Vec<Group> = self
            .browser
            .marked
            .values()
            .filter(|g| !g.delete)
            .cloned()
            .collect();
        if groups.is_empty() {
            self.status
                .flash(ToastKind::Warning, "Every marked group is deleted");
            return;
        }
        if self.compose.marked().is_empty() {
            self.touch_draft();
            self.compose.recipients = Recipients::Nobody;
            self.compose
                .reset(&self.ctx.moderator_id, &self.ctx.catalogue);
        }
        self.compose.recipients = Recipients::Marked(groups);
        self.focus = Focus::Compose;
    }

    /// Compose's keys: the pane decides, the app carries out the rest.
    pub(super) fn compose_key(&mut self, key: Key, ev: KeyEvent) {
        let action = self.text_action(&key);
        match self.compose.on_key(action, &ev, &self.ctx.catalogue) {
            ComposeKey::Handled => {}
            ComposeKey::Edited => self.touch_draft(),
            ComposeKey::Back => self.focus = Focus::Browser,
            ComposeKey::Send => self.submit_send(),
            ComposeKey::Queue => self.queue_in_outbox(),
            ComposeKey::EditBody(body) => self.effects.push(Effect::EditBody(body)),
            ComposeKey::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
        }
    }

    pub(super) fn submit_send(&mut self) {
        if self.pending.sending() {
            self.status
                .flash(ToastKind::Warning, "A send is already in flight");
            return;
        }
        if !self.compose.marked().is_empty() {
            match self.bulk_requests() {
                Ok(requests) => self.confirm_bulk_send(requests),
                Err(e) => {
                    self.compose.last = Some((false, format!("✗ {e}")));
                    self.status.error = Some(ErrorLine::local("NotSent", e));
                }
            }
            return;
        }
        if self.compose.requeue_of().is_some() {
            // An outbox entry is sent through the outbox (same rules, one place).
            self.queue_in_outbox();
            return;
        }
        match self.compose.build_request(
            &self.ctx.app_id,
            self.ctx.data_center,
            &self.ctx.catalogue,
        ) {
            Ok(request) => {
                let label = format!("sending to {}", request.group_id);
                self.call(request.clone(), Lane::Every, label, Pending::Send(request));
                self.compose.last = None;
            }
            Err(e) => {
                self.compose.last = Some((false, format!("✗ {e}")));
                self.status.error = Some(ErrorLine::local("NotSent", e));
            }
        }
    }

    /// A message to many groups is sent only after "send to N groups?".
    fn confirm_bulk_send(&mut self, requests: Vec<SendMessageRequest>) {
        if self.pending.bulk().is_some() {
            self.status
                .flash(ToastKind::Warning, "A bulk run is already in flight");
            return;
        }
        let dialog = ConfirmDialog::send_to_groups(requests);
        self.overlay = Some(Overlay::Confirm(Box::new(dialog)));
    }

    /// Starts a confirmed bulk send. The compose pane then shows what was
    /// sent and to how many, and points at nobody: the same message cannot go
    /// out twice by pressing send again.
    pub(super) fn start_bulk_send(&mut self, requests: Vec<SendMessageRequest>) {
        let n = requests.len();
        self.start_bulk("sending", BulkJob::Send(requests));
        if self.pending.bulk().is_some() {
            self.compose.recipients = Recipients::Nobody;
            self.compose.last = Some((true, format!("Sending to {n} groups…")));
        }
    }
}
