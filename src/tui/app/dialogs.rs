//! Dialogs over the panes (help, create, confirmations, the sent log, the
//! bulk summary): their keys and what confirming them starts.

use super::*;
use crate::tui::panes::bulk_summary;
use crate::tui::panes::create::FormKey;

impl App {
    pub(super) fn overlay_key(&mut self, overlay: Overlay, key: Key, ev: KeyEvent) {
        match overlay {
            Overlay::Help { scroll } => {
                // Scrolling stops where the last line shows, as the help was
                // last drawn (its lines wrap: the narrower, the more lines).
                let last = self.areas.get().help_scroll_max.unwrap_or_else(|| {
                    super::super::panes::help::lines(&self.keymap, &self.theme, 100)
                        .len()
                        .saturating_sub(1)
                });
                let scroll = match self.keymap.action(&key) {
                    Some(Action::Quit | Action::Back | Action::Help) => return,
                    Some(Action::Down) => scroll + 1,
                    Some(Action::Up) => scroll.saturating_sub(1),
                    Some(Action::PageDown) => scroll + 10,
                    Some(Action::PageUp) => scroll.saturating_sub(10),
                    _ => scroll,
                };
                self.overlay = Some(Overlay::Help {
                    scroll: scroll.min(last),
                });
            }
            Overlay::Create(mut form) => match form.on_key(self.text_action(&key), &ev) {
                FormKey::Close => {} // the form is dropped
                FormKey::Submit => {
                    self.submit_create(&mut form);
                    self.overlay = Some(Overlay::Create(form));
                }
                FormKey::Open => self.overlay = Some(Overlay::Create(form)),
            },
            Overlay::SentLog { scroll } if self.sent_log_claims(&key) => {
                self.sent_log_key(scroll, &key);
            }
            Overlay::SentLog { mut scroll } => match self.keymap.action(&key) {
                Some(Action::Quit | Action::Back | Action::SentLog) => {}
                Some(a @ (Action::Down | Action::Up | Action::PageDown | Action::PageUp)) => {
                    let d: isize = match a {
                        Action::Down => 1,
                        Action::Up => -1,
                        Action::PageDown => 10,
                        _ => -10,
                    };
                    scroll = scroll
                        .saturating_add_signed(d)
                        .min(self.compose.sent.len().saturating_sub(1));
                    self.overlay = Some(Overlay::SentLog { scroll });
                }
                _ => self.overlay = Some(Overlay::SentLog { scroll }),
            },
            Overlay::BulkSummary(summary) => match self.text_action(&key) {
                Some(Action::Queue)
                    if !summary.failed_sends.is_empty() || !summary.unknown_sends.is_empty() =>
                {
                    let n = summary.failed_sends.len() + summary.unknown_sends.len();
                    let unknown = summary
                        .unknown_sends
                        .into_iter()
                        .map(|(request, e)| (request, Some(e)));
                    let failed = summary.failed_sends.into_iter().map(|r| (r, None));
                    for (request, unknown) in failed.chain(unknown) {
                        self.outbox_op(OutboxOp::Enqueue { request, unknown }, OutboxPurpose::Keep);
                    }
                    self.status.flash(
                        ToastKind::Success,
                        format!("{n} unsent messages kept in the outbox"),
                    );
                }
                Some(Action::Back | Action::Open) => {}
                _ if key.text_char() == Some('q') => {}
                _ => self.overlay = Some(Overlay::BulkSummary(summary)),
            },
            Overlay::Confirm(mut dialog) => match dialog.key(self.text_action(&key), &ev) {
                Answer::Open => self.overlay = Some(Overlay::Confirm(dialog)),
                Answer::Cancel => self.status.flash(ToastKind::Info, "Cancelled"),
                Answer::Confirm => self.confirmed(dialog.on_confirm),
            },
        }
    }

    pub(super) fn confirmed(&mut self, pending: OnConfirm) {
        match pending {
            OnConfirm::Discard(id) => self.outbox_op(OutboxOp::Discard(id), OutboxPurpose::Discard),
            OnConfirm::ResendAnyway(id) => {
                self.outbox_pane.watch_id(id);
                self.outbox_op(
                    OutboxOp::Requeue {
                        entry: id,
                        edited: None,
                    },
                    OutboxPurpose::Retry,
                );
            }
            OnConfirm::DeleteGroups(groups) => {
                let requests = groups
                    .iter()
                    .map(|g| DeleteGroupRequest {
                        app_id: self.ctx.app_id.clone(),
                        group_id: g.group_id.clone(),
                        operator_id: (!self.ctx.moderator_id.is_empty())
                            .then(|| self.ctx.moderator_id.clone()),
                        data_center: self.ctx.data_center,
                    })
                    .collect();
                self.start_bulk("deleting", BulkJob::Delete(requests));
            }
            OnConfirm::DeleteGroup(group) => self.submit_delete(&group),
            OnConfirm::SendToGroups(requests) => self.start_bulk_send(requests),
            OnConfirm::RecoverGroup(group) => self.submit_recover(&group),
        }
    }

    /// Asks for the GroupId to be typed before deleting `group`.
    pub(super) fn confirm_delete(&mut self, group: Group) {
        let created = format!(
            "{} by {}",
            self.clock.short(group.createtime),
            group.creator_id
        );
        let dialog = ConfirmDialog::delete_group(group, created);
        self.overlay = Some(Overlay::Confirm(Box::new(dialog)));
    }

    pub(super) fn confirm_bulk_delete(&mut self) {
        let groups: Vec<Group> = self
            .browser
            .marked
            .values()
            .filter(|g| !g.delete)
            .cloned()
            .collect();
        if groups.is_empty() {
            self.status
                .flash(ToastKind::Warning, "Every marked group is already deleted");
            return;
        }
        let dialog = ConfirmDialog::delete_groups(groups);
        self.overlay = Some(Overlay::Confirm(Box::new(dialog)));
    }

    pub(super) fn start_bulk(&mut self, verb: &'static str, job: BulkJob) {
        if self.pending.bulk().is_some() {
            self.status
                .flash(ToastKind::Warning, "A bulk run is already in flight");
            return;
        }
        let total = job.len();
        let id = self.pending.add(
            format!("{verb} to {total} groups"),
            Pending::Bulk(BulkRun {
                verb,
                progress: Progress {
                    total,
                    ..Default::default()
                },
                cancelling: false,
            }),
        );
        self.commands.push(Command::Bulk { id, job });
    }

    pub(super) fn submit_create(&mut self, form: &mut CreateForm) {
        if self.pending.creating() {
            return;
        }
        match form.request(&self.ctx.app_id, self.ctx.data_center) {
            Ok(request) => {
                let group_id = request.group_id.clone();
                self.call(
                    request,
                    Lane::Every,
                    format!("creating {group_id}"),
                    Pending::Create { group_id },
                );
                form.message = None;
            }
            Err(e) => form.message = Some((false, format!("✗ {e}"))),
        }
    }

    pub(super) fn submit_delete(&mut self, group: &Group) {
        let request = DeleteGroupRequest {
            app_id: self.ctx.app_id.clone(),
            group_id: group.group_id.clone(),
            operator_id: (!self.ctx.moderator_id.is_empty()).then(|| self.ctx.moderator_id.clone()),
            data_center: self.ctx.data_center,
        };
        let group_id = group.group_id.clone();
        self.call(
            request,
            Lane::Every,
            format!("deleting {group_id}"),
            Pending::Delete { group_id },
        );
    }

    pub(super) fn bulk_done(
        &mut self,
        job: BulkJob,
        results: Vec<crate::worker::BulkResult>,
        cancelled: bool,
    ) {
        let queue_key = self
            .keymap
            .first(Action::Queue)
            .filter(|_| self.ctx.data_dir.is_some());
        let t = bulk_summary::tally(&job, &results, cancelled, queue_key.as_deref());
        for (i, request_id) in &t.done {
            self.browser.marked.remove(job.group_id(*i));
            if let BulkJob::Send(reqs) = &job {
                let req = &reqs[*i];
                let tid = req.msg_tid.clone().unwrap_or_default();
                self.compose
                    .sent
                    .push(SentEntry::new(self.clock.now(), req, &tid, request_id));
            }
        }
        match job {
            BulkJob::Send(_) => {
                // The pane says what was sent; the message stays (for the
                // groups it did not reach) but goes nowhere until groups are
                // chosen again.
                self.compose.last = Some((t.all_done, format!("Bulk send: {}", t.lines[0])));
                if !t.done.is_empty() {
                    self.compose.reset_after_send(&self.ctx.catalogue);
                }
            }
            BulkJob::Delete(_) => self.request_page(),
        }
        let kind = if t.all_done {
            ToastKind::Success
        } else {
            ToastKind::Warning
        };
        self.status.flash(kind, t.lines[0].clone());
        self.overlay = Some(Overlay::BulkSummary(Box::new(BulkSummary {
            title: t.title,
            lines: t.lines,
            failed_sends: t.failed_sends,
            unknown_sends: t.unknown_sends,
        })));
    }
}
