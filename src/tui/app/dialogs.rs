//! Dialogs over the panes (help, create, confirmations, the sent log, the
//! bulk summary): their keys and what confirming them starts.

use super::*;

impl App {
    pub(super) fn overlay_key(&mut self, overlay: Overlay, key: Key, ev: KeyEvent) {
        match overlay {
            Overlay::Help { scroll } => {
                // Scrolling stops at the last line (drawing shows what fits).
                let last = super::super::panes::help::lines(&self.keymap, &self.theme, 100)
                    .len()
                    .saturating_sub(1);
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
            Overlay::Create(mut form) => {
                match self.text_action(&key) {
                    Some(Action::Back) => return, // closed; the form is dropped
                    Some(Action::NextPane | Action::Down) => form.next(true),
                    Some(Action::PrevPane | Action::Up) => form.next(false),
                    Some(Action::Open | Action::Send) => self.submit_create(&mut form),
                    _ => {
                        form.edit(&ev);
                    }
                }
                self.overlay = Some(Overlay::Create(form));
            }
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
            OnConfirm::ResendAnyway(id) => self.outbox_op(
                OutboxOp::Requeue {
                    entry: id,
                    edited: None,
                },
                OutboxPurpose::Retry,
            ),
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
        }
    }

    /// Asks for the GroupId to be typed before deleting `group`.
    pub(super) fn confirm_delete(&mut self, group: Group) {
        let facts = vec![
            ("GroupId".to_string(), group.group_id.clone()),
            ("GroupName".to_string(), group.group_name.clone()),
            (
                "Created".to_string(),
                format!(
                    "{} by {}",
                    self.clock.short(group.createtime),
                    group.creator_id
                ),
            ),
        ];
        let lines = vec![
            format!("Delete group {}? This cannot be undone.", group.group_id),
            "Members are notified; messages are kept for 30 days. The ID can never be used again."
                .into(),
        ];
        let id = group.group_id.clone();
        let dialog = ConfirmDialog::new(
            "Delete group",
            lines,
            "Delete",
            OnConfirm::DeleteGroup(group),
        )
        .with_facts(facts)
        .with_typed(vec![id]);
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
        let n = groups.len();
        let lines = vec![
            format!("Delete these {n} groups? This cannot be undone."),
            id_list(groups.iter().map(|g| g.group_id.as_str())),
            "Members are notified; the IDs can never be used again.".into(),
        ];
        let dialog = ConfirmDialog::new(
            &format!("Delete {n} groups"),
            lines,
            &format!("Delete {n}"),
            OnConfirm::DeleteGroups(groups),
        )
        .with_typed(vec![format!("DELETE {n}"), n.to_string()]);
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
        let total = job.len();
        let mut ok = 0;
        let mut failed_lines = Vec::new();
        let mut not_attempted = 0;
        let mut failed_sends = Vec::new();
        let mut unknown_sends = Vec::new();
        // The one bulk engine's classification decides; the console only renders it.
        use crate::bulk::Outcome;
        for (i, r) in results.iter().enumerate() {
            let gid = job.group_id(i).to_string();
            let send = match &job {
                BulkJob::Send(reqs) => Some(&reqs[i]),
                BulkJob::Delete(_) => None,
            };
            match r {
                Outcome::Done(request_id) => {
                    ok += 1;
                    self.browser.marked.remove(&gid);
                    if let Some(req) = send {
                        let tid = req.msg_tid.clone().unwrap_or_default();
                        self.compose.sent.push(SentEntry::new(
                            self.clock.now(),
                            req,
                            &tid,
                            request_id,
                        ));
                    }
                }
                Outcome::NotAttempted => {
                    not_attempted += 1;
                    failed_sends.extend(send.cloned());
                }
                Outcome::Refused(e) | Outcome::NotSent(e) | Outcome::Unknown(e) => {
                    let mut line = format!(
                        "✗ {gid}: {} ({})",
                        e.code().unwrap_or("Error"),
                        r.kind().label()
                    );
                    if let Some(r) = e.request_id() {
                        line.push_str(&format!(" · RequestId {r}"));
                    }
                    failed_lines.push(line);
                    match (r, send) {
                        // Provably not processed: safe to queue again.
                        (Outcome::NotSent(_), Some(req)) => failed_sends.push(req.clone()),
                        // It may have reached the service: kept as "outcome
                        // unknown", never queued to be sent again blindly.
                        (Outcome::Unknown(e), Some(req)) => {
                            unknown_sends.push((req.clone(), LastError::from_api(e)));
                        }
                        _ => {}
                    }
                }
            }
        }
        let verb = if matches!(job, BulkJob::Send(_)) {
            "sent"
        } else {
            "deleted"
        };
        let mut lines = vec![format!(
            "{ok}/{total} {verb} · {} failed · {not_attempted} not attempted{}",
            failed_lines.len(),
            if cancelled { " (cancelled)" } else { "" }
        )];
        lines.extend(failed_lines);
        if let Some(k) = self.keymap.first(Action::Queue)
            && self.ctx.data_dir.is_some()
        {
            match (failed_sends.len(), unknown_sends.len()) {
                (0, 0) => {}
                (f, 0) => lines.push(format!("{k} keeps the {f} unsent message(s) in the outbox")),
                (0, u) => lines.push(format!(
                    "{k} keeps the {u} message(s) whose outcome is unknown in the outbox, as outcome unknown"
                )),
                (f, u) => lines.push(format!(
                    "{k} keeps the {f} unsent message(s) in the outbox, and the {u} whose outcome is unknown as outcome unknown"
                )),
            }
        }
        if matches!(job, BulkJob::Send(_)) {
            // The pane says what was sent; the message stays (for the groups it
            // did not reach) but goes nowhere until groups are chosen again.
            self.compose.last = Some((ok == total, format!("Bulk send: {}", lines[0])));
            if ok > 0 {
                self.compose.reset_after_send(&self.ctx.catalogue);
            }
        }
        if matches!(job, BulkJob::Delete(_)) {
            self.request_page();
        }
        self.status.flash(
            if ok == total {
                ToastKind::Success
            } else {
                ToastKind::Warning
            },
            lines[0].clone(),
        );
        self.overlay = Some(Overlay::BulkSummary(Box::new(BulkSummary {
            title: format!("Bulk {verb}"),
            lines,
            failed_sends,
            unknown_sends,
        })));
    }
}

/// "a, b, c" for a dialog, at most 32 IDs ("… and N more").
pub(super) fn id_list<'a>(ids: impl ExactSizeIterator<Item = &'a str>) -> String {
    let n = ids.len();
    let shown: Vec<&str> = ids.take(32).collect();
    let mut s = shown.join(", ");
    if n > 32 {
        s.push_str(&format!(" … and {} more", n - 32));
    }
    s
}
