//! Worker replies: each is matched against the one map of requests in flight
//! and handed, as its operation's own response type, to whoever asked.

use super::*;

impl App {
    pub(super) fn create_form(&mut self) -> Option<&mut CreateForm> {
        match &mut self.overlay {
            Some(Overlay::Create(f)) => Some(f),
            _ => None,
        }
    }

    /// Every worker reply lands here and is matched against the one map of
    /// requests in flight.
    pub(super) fn on_worker(&mut self, ev: Event) {
        match ev {
            Event::Reply { id, result } => match self.pending.take(id) {
                Some(pending) => self.on_reply(pending, result),
                None => tracing::debug!(id, "dropping a reply nobody waits for (superseded)"),
            },
            Event::Outbox { id, result } => {
                let purpose = match self.pending.take(id) {
                    Some(Pending::Outbox(p)) => p,
                    _ => OutboxPurpose::Refresh,
                };
                match result {
                    Ok(reply) => {
                        self.outbox_pane.apply(reply.snapshot);
                        self.outbox_done(purpose, reply.entry);
                    }
                    Err(e) => {
                        self.status.error = Some(ErrorLine::local("Outbox", e));
                    }
                }
            }
            Event::OutboxDelivered { report, snapshot } => match snapshot {
                Ok(snap) => {
                    self.outbox_pane.apply(snap);
                    if !report.delivered.is_empty() {
                        self.status.flash(
                            ToastKind::Success,
                            format!(
                                "Outbox: delivered {} message(s) in the background",
                                report.delivered.len()
                            ),
                        );
                    }
                    if !report.outcome_unknown.is_empty() {
                        self.status.flash(
                            ToastKind::Warning,
                            format!(
                                "Outbox: {} message(s) ended with an unknown outcome; check them in the outbox",
                                report.outcome_unknown.len()
                            ),
                        );
                    }
                }
                Err(e) => self.status.error = Some(ErrorLine::local("Outbox", e)),
            },
            Event::BulkProgress { id, progress } => {
                if let Some((bulk_id, b)) = self.pending.bulk_mut()
                    && bulk_id == id
                {
                    b.progress = progress;
                }
            }
            Event::BulkDone {
                id,
                job,
                results,
                cancelled,
            } => {
                self.pending.take(id);
                self.bulk_done(job, results, cancelled);
            }
            Event::Failed { id, message } => {
                if let Some(pending) = self.pending.take(id) {
                    self.on_crash(pending);
                }
                self.status.error = Some(ErrorLine::local(
                    "InternalError",
                    format!(
                        "a request crashed in the API worker ({message}); the console keeps running"
                    ),
                ));
            }
            Event::Restarted { message } => {
                self.status.error = Some(ErrorLine::local(
                    "InternalError",
                    format!("the API worker crashed and was restarted ({message})"),
                ));
            }
        }
    }

    /// The reply to a call, given to whoever asked for it, as the response
    /// type of the operation it asked for.
    pub(super) fn on_reply(&mut self, pending: Pending, result: Result<Reply, ApiError>) {
        match pending {
            Pending::Page(request) => self.on_page(request, result.map(downcast_reply)),
            Pending::Create { group_id } => self.on_created(&group_id, result.map(downcast_reply)),
            Pending::Delete { group_id } => self.on_deleted(&group_id, result.map(downcast_reply)),
            Pending::Send(request) => self.on_sent(request, result.map(downcast_reply)),
            Pending::Room { group_id, request } => {
                self.on_room_reply(&group_id, request, result);
            }
            Pending::SentRecall { msg_tid } => {
                self.on_sent_recall(&msg_tid, result.map(downcast_reply));
            }
            Pending::Apps(request) => self.on_apps_reply(request, result),
            Pending::Outbox(_) | Pending::Bulk(_) => {
                tracing::warn!("an API reply for a request that made no call");
            }
        }
    }

    /// A request crashed in the worker: undo what waiting for it had changed.
    /// (Whatever was derived from it being in flight, such as the bulk run or
    /// "sending…", ended when it left the map.)
    pub(super) fn on_crash(&mut self, pending: Pending) {
        match pending {
            Pending::Page(_) => {
                if let Some(loaded) = &self.browser.loaded {
                    self.browser.query = loaded.clone();
                }
            }
            Pending::Send(_) => {
                self.compose.last = Some((false, "✗ internal error; the message is kept".into()));
            }
            Pending::Create { .. } => {
                if let Some(form) = self.create_form() {
                    form.message = Some((false, "✗ internal error; nothing was created".into()));
                }
            }
            Pending::Bulk(b) => {
                self.overlay = Some(Overlay::BulkSummary(Box::new(BulkSummary {
                    title: "Bulk run stopped".into(),
                    lines: vec![format!(
                        "✗ The bulk run crashed after {} of {} calls; see the sent log and the groups for what was done.",
                        b.progress.done + b.progress.failed,
                        b.progress.total
                    )],
                    failed_sends: Vec::new(),
                    unknown_sends: Vec::new(),
                })));
            }
            Pending::Room { group_id, request } => self.on_room_crash(&group_id, &request),
            Pending::Apps(request) => self.on_apps_crash(&request),
            Pending::SentRecall { msg_tid } => self
                .sent_log
                .recalled(&msg_tid, Err("internal error; see the status line".into())),
            Pending::Delete { .. } | Pending::Outbox(_) => {}
        }
    }

    pub(super) fn on_page(
        &mut self,
        request: ListGroupsRequest,
        result: Result<ListGroupsResponse, ApiError>,
    ) {
        match result {
            Ok(reply) => {
                let pages = page_count(reply.total_count, request.page_size);
                if reply.group_list.is_empty()
                    && reply.total_count > 0
                    && request.page_number > pages
                {
                    // The page went away (groups were deleted): show the last one.
                    self.browser.query.page_number = pages;
                    self.request_page();
                    return;
                }
                self.browser.query = request.clone();
                self.browser.apply_page(request, reply);
            }
            Err(e) => {
                if let Some(loaded) = &self.browser.loaded {
                    self.browser.query = loaded.clone();
                }
                self.status.error = Some(ErrorLine::from_api(
                    &format!("loading page {}", request.page_number),
                    &e,
                ));
            }
        }
    }

    pub(super) fn on_created(&mut self, gid: &str, result: Result<CreateGroupResponse, ApiError>) {
        match result {
            Ok(r) if r.already_exists => {
                let text = if r.already_delete {
                    format!(
                        "GroupId {gid} belonged to a group that was deleted; a deleted ID cannot be used again. Choose another ID."
                    )
                } else {
                    format!("Group {gid} already exists; nothing was created.")
                };
                match self.create_form() {
                    Some(form) => form.message = Some((false, text)),
                    None => self.status.flash(ToastKind::Warning, text),
                }
            }
            Ok(r) => {
                if self.create_form().is_some() {
                    self.overlay = None;
                }
                self.status.flash(
                    ToastKind::Success,
                    format!("Created group {gid} · RequestId {}", r.request_id),
                );
                self.browser.select_after_load = Some(gid.to_string());
                self.request_page();
            }
            Err(e) => {
                if let Some(form) = self.create_form() {
                    form.message = Some((false, format!("✗ {e}")));
                }
                self.status.error = Some(ErrorLine::from_api(&format!("creating {gid}"), &e));
            }
        }
    }

    pub(super) fn on_deleted(&mut self, gid: &str, result: Result<DeleteGroupResponse, ApiError>) {
        match result {
            Ok(r) => {
                self.status.flash(
                    ToastKind::Success,
                    format!("Deleted group {gid} · RequestId {}", r.request_id),
                );
                self.request_page();
            }
            Err(e) => {
                self.status.error = Some(ErrorLine::from_api(&format!("deleting {gid}"), &e));
            }
        }
    }

    pub(super) fn on_sent(
        &mut self,
        request: SendMessageRequest,
        result: Result<SendMessageResponse, ApiError>,
    ) {
        match result {
            Ok(r) => {
                let text = format!(
                    "✓ Sent to {} · MsgTid {} · RequestId {}",
                    request.group_id, r.msg_tid, r.request_id
                );
                self.compose.sent.push(SentEntry::new(
                    self.clock.now(),
                    &request,
                    &r.msg_tid,
                    &r.request_id,
                ));
                self.compose.last = Some((true, text.clone()));
                let key = DraftKey::new(&request.app_id, request.data_center, &request.group_id);
                self.forget_draft(Some(key));
                // Only when the pane still shows that message.
                if self.compose.tid.value() == r.msg_tid
                    || request.msg_tid.as_deref() == Some(self.compose.tid.value())
                {
                    self.compose.reset_after_send(&self.ctx.catalogue);
                }
                self.status.flash(
                    ToastKind::Success,
                    text.trim_start_matches("✓ ").to_string(),
                );
            }
            Err(e) => {
                // Everything composed stays, MsgTid included, so a retry
                // carries the same MsgTid.
                let mut text = format!("✗ Not sent: {e}");
                let disposition = outbox::classify(&e);
                if disposition == Disposition::Unknown {
                    text.push_str(" — the outcome is unknown; check before resending");
                }
                if let Some(k) = self.keymap.first(Action::Queue)
                    && matches!(disposition, Disposition::Retry | Disposition::Unknown)
                {
                    text.push_str(&format!(" · {k} keeps it in the outbox"));
                }
                self.compose.last = Some((false, text));
                self.compose.last_failure = Some((
                    request.msg_tid.clone().unwrap_or_default(),
                    LastError::from_api(&e),
                    disposition,
                ));
                self.status.error = Some(ErrorLine::from_api(
                    &format!("sending to {}", request.group_id),
                    &e,
                ));
            }
        }
    }
}
